"""Fill msgstr entries of a catalogue from a JSON file of {msgid: msgstr or [plural forms]}.

Used by maintainers to apply a batch of translations; ``flask translate update`` keeps the
catalogue in step with the code. Usage: python devtools/fill_po.py translations/sl sl.json
"""

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def main(folder: str, source: str) -> None:
    po_path = Path(folder) / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    translations = json.loads(Path(source).read_text(encoding="utf-8"))
    filled = 0
    for message in catalog:
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if key in translations:
            value = translations[key]
            message.string = tuple(value) if isinstance(message.id, tuple) else value
            if "fuzzy" in message.flags:
                message.flags.discard("fuzzy")
            filled += 1
    with po_path.open("wb") as handle:
        write_po(handle, catalog, width=0, omit_header=False)
    print(f"{filled} messages filled in {po_path}")


if __name__ == "__main__":
    main(*sys.argv[1:])
