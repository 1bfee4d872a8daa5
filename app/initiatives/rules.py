"""The rules an administrator sets for initiatives: threshold and periods."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from app.core import settings

_PREFIX = "initiatives."


@dataclass(frozen=True)
class Rules:
    """Defaults for a city of about 57,000 (some 48,000 residents aged 15 and over).

    300 supporters is about 0.6 % of them: reachable for a street or a school, yet a real signal
    of shared concern. 90 days to gather support; 30 days for the municipality to answer, as
    for councillors' questions.
    """

    threshold: int = 300
    support_days: int = 90
    response_days: int = 30


LIMITS = {"threshold": (1, 100_000), "support_days": (7, 365), "response_days": (1, 180)}


def current() -> Rules:
    """The rules in force; read on every support, so from the settings' per-process copy.

    ``settings.cached`` explains how fresh that is: at once in the process that saved them,
    within a few seconds elsewhere.
    """
    stored = settings.cached([_PREFIX + name for name in LIMITS])
    values = {
        name: int(stored[_PREFIX + name])
        for name in LIMITS
        if isinstance(stored.get(_PREFIX + name), int)
    }
    return Rules(**values)


def save(actor_id: int | None, rules: Rules) -> None:
    for name, (low, high) in LIMITS.items():
        if not low <= getattr(rules, name) <= high:
            raise ValueError(name)
    settings.save(actor_id, {_PREFIX + name: value for name, value in asdict(rules).items()})
