"""Print the demo personas of the development eID provider, for ``make demo``."""

import json
import sys
from pathlib import Path

PERSONAS = Path(__file__).parent / "eid-provider" / "personas.json"


def main(glas_url: str, provider_url: str) -> None:
    personas = json.loads(PERSONAS.read_text(encoding="utf-8"))["personas"]
    print()
    print(f"  Glas is starting at {glas_url}/  (Ctrl+C stops everything)")
    print(f"  Sign in with the development eID at {provider_url}: pick a persona and a level.")
    print()
    print(f"  {'persona':<8} {'name':<18} {'up to':<12} who")
    for persona in personas:
        name = f"{persona['given_name']} {persona['family_name']}"
        print(
            f"  {persona['id']:<8} {name:<18} {persona['max_level']:<12} {persona['description']}"
        )
    print()
    print("  Where to look:")
    for path, what in (
        ("/initiatives/", "residents' initiatives in every state"),
        ("/questions/", "residents' and councillors' questions, some overdue"),
        ("/questions/?state=overdue&sort=due", "the answers that are late"),
        ("/sessions/", "council sessions; the 16th regular session of 20 April 2016"),
        ("/councillors/", "councillors and how their questions were answered"),
        ("/replies/", "the municipality's reply letters"),
        ("/replies/1", "the sample letter of 19 May 2016, as a letter (print it too)"),
        ("/replies/verify", "check a letter's PDF or fingerprint"),
        ("/replies/drafts", "letters in the works (sign in as maja; vesna reviews)"),
        ("/accountability/", "answers on time, by unit, year and councillor"),
        ("/search?q=igrišče", "one search across every kind"),
    ):
        print(f"  {glas_url}{path:<36} {what}")
    print()


if __name__ == "__main__":
    main(*sys.argv[1:])
