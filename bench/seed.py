"""Seed a Glas database at municipal scale, set-based, against the app's real schema.

The schema comes from the app's own Alembic migrations (``flask db upgrade``); the reference
data (topics, Kranj's local communities, rejection reasons, offices) from the app's own
seeders. Everything else is planned in Python and written with ``COPY``: accounts, initiatives
in a realistic mix of states with timestamps that follow their lifecycle, a long tail of
supports, the public timeline and the audit log. Every column the app would compute is
computed with the app's own functions: the account key (``identity.subject_key``, an HMAC
under the pepper), the folded public name (``pseudonyms.key``), ``body_html`` and
``response_html`` (``render_markdown``), the lemma columns of search (``lemmas.lemma_text``);
the search vector and its vocabulary are written by the migrations' triggers, as for any
insert. ``support_count`` equals the rows, which is checked at the end.

Later features add their data by appending a seeder to ``SEEDERS``: each gets the ``Seeding``
(connection, plan so far, random generator, text generator) and returns a line for the log.

Run alone: ``python -m bench.seed --scale 1`` starts a cluster, seeds it, prints what it wrote
and how long it took, and removes the cluster.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

import psycopg
from flask import Flask

from bench.text import TextGenerator, load_vocabulary

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Scale:
    """One size of Kranj: 1x is the city today, 10x a benchmark's margin."""

    factor: int
    accounts: int
    initiatives: int
    supports: int


SCALES = {
    1: Scale(1, accounts=6_000, initiatives=2_000, supports=100_000),
    10: Scale(10, accounts=60_000, initiatives=20_000, supports=1_000_000),
}

#: The mix of states, as shares of all initiatives, chosen to be plausible for a threshold of
#: this size: most end expired under it; a few percent reach it (and are then awaiting the
#: answer, answered or carried out).
STATE_MIX = [
    ("draft", 0.05),
    ("submitted", 0.02),
    ("rejected", 0.05),
    ("withdrawn", 0.03),
    ("open", 0.18),  # published, support open
    ("lapsed", 0.01),  # published, the period ended within the hour, the cron job not run yet
    ("expired", 0.59),
    ("awaiting", 0.02),
    ("answered", 0.035),
    ("completed", 0.015),
]
REACHED = frozenset({"awaiting", "answered", "completed"})
SUPPORTED = frozenset({"withdrawn", "open", "lapsed", "expired"}) | REACHED
#: How far back the platform's history goes.
HISTORY_DAYS = 4 * 365
#: Shares of the accounts: deleted (tombstones), never finished the first sign-in, not
#: verified as residents of the municipality.
TOMBSTONES = 0.015
NOT_SET_UP = 0.01
NOT_RESIDENTS = 0.06

SUBSTANTIAL = "http://eidas.europa.eu/LoA/substantial"
HIGH = "http://eidas.europa.eu/LoA/high"
#: The dummy eID issuer the benchmark's configuration names (no sign-in ever happens).
ISSUER = "https://eid.bench.invalid"

#: Which office answers which topic (codes of ``app.auth.demo.ORG_UNITS``).
UNIT_OF_TOPIC = {
    "promet": "UGDP", "okolje": "UOP", "prostor": "UOP", "komunala": "UOP", "solstvo": "UDD",
    "kultura-sport": "UDD", "sociala-zdravje": "UDD", "gospodarstvo": "UGDP", "varnost": "MIR",
    "uprava": "UDOU",
}  # fmt: skip
#: Relative share of each topic among the initiatives (traffic leads, as everywhere).
TOPIC_WEIGHTS = {
    "promet": 30, "okolje": 12, "prostor": 14, "komunala": 12, "solstvo": 8,
    "kultura-sport": 8, "sociala-zdravje": 5, "gospodarstvo": 3, "varnost": 5, "uprava": 3,
}  # fmt: skip
#: The larger local communities get more initiatives; a quarter concern the whole city.
LARGE_COMMUNITIES = {"center": 6, "planina": 8, "zlato-polje": 4, "stražišče": 4, "primskovo": 3}
WHOLE_CITY = 0.25


@dataclass(slots=True)
class Account:
    id: int
    subject: str
    pseudonym: str | None
    created_at: datetime
    verified: bool
    tombstone: bool = False
    first_activity: datetime | None = None
    last_activity: datetime | None = None

    def active_at(self, moment: datetime) -> None:
        if self.first_activity is None or moment < self.first_activity:
            self.first_activity = moment
        if self.last_activity is None or moment > self.last_activity:
            self.last_activity = moment


@dataclass(slots=True)
class Plan:
    """One initiative as it will be written: its state, dates and supporters."""

    id: int
    kind: str  # a key of STATE_MIX
    author_id: int
    topic: str
    community_id: int | None
    support_count: int = 0
    created_at: datetime | None = None
    submitted_at: datetime | None = None
    published_at: datetime | None = None
    support_closes_at: datetime | None = None
    support_end: datetime | None = None  # when the last support could come
    threshold_reached_at: datetime | None = None
    response_due_at: datetime | None = None
    answered_at: datetime | None = None
    completed_at: datetime | None = None
    closed_at: datetime | None = None
    supports: list[tuple[int, datetime]] = field(default_factory=list)


@dataclass
class Seeding:
    """What the seeders share: the connection, the random generators and the plan so far."""

    app: Flask
    connection: psycopg.Connection[Any]
    scale: Scale
    rng: random.Random
    text: TextGenerator
    now: datetime
    threshold: int
    support_days: int
    response_days: int
    topics: dict[str, int] = field(default_factory=dict)
    communities: dict[str, int] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    accounts: list[Account] = field(default_factory=list)
    #: Staff accounts by role: "administrator", "moderator", and "official:<unit code>".
    staff: dict[str, int] = field(default_factory=dict)
    plans: list[Plan] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


# --- helpers ------------------------------------------------------------------------------


def columns(connection: psycopg.Connection[Any], table: str) -> dict[str, bool]:
    """The table's columns: name -> whether a value is required (NOT NULL, no default)."""
    rows = connection.execute(
        "SELECT column_name, is_nullable = 'NO' AND column_default IS NULL"
        " FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s",
        (table,),
    ).fetchall()
    return {name: bool(required) for name, required in rows}


def copy_rows(
    connection: psycopg.Connection[Any],
    table: str,
    names: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> int:
    """``COPY`` the rows into the table; columns the schema lacks are left out, and a required
    column the seeder does not know stops the run (a migration added it: teach the seeder)."""
    schema = columns(connection, table)
    missing = [name for name, required in schema.items() if required and name not in names]
    if missing:
        raise SystemExit(
            f"bench/seed.py does not fill {table}.{', '.join(missing)}: a migration added "
            "required columns; derive them in the seeder as the app would."
        )
    keep = [i for i, name in enumerate(names) if name in schema]
    statement = f"COPY {table} ({', '.join(names[i] for i in keep)}) FROM STDIN"
    count = 0
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[i] for i in keep])
            count += 1
    return count


def _days(value: float) -> timedelta:
    return timedelta(days=value)


def _between(rng: random.Random, start: datetime, end: datetime, skew: float = 1.0) -> datetime:
    """A moment between ``start`` and ``end``; ``skew`` > 1 favours the start."""
    return start + (end - start) * float(rng.random() ** skew)


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def fit_total(
    rng: random.Random, counts: list[int], lows: list[int], highs: list[int], target: int
) -> list[int]:
    """Scale ``counts`` (within ``lows``..``highs`` each) so that they add up to ``target``."""
    counts = [min(max(c, lo), hi) for c, lo, hi in zip(counts, lows, highs, strict=True)]
    for _ in range(20):
        total = sum(counts)
        if total == target:
            break
        free = [
            i for i, c in enumerate(counts) if (c < highs[i] if total < target else c > lows[i])
        ]
        if not free:
            break
        spare = sum(counts[i] - lows[i] for i in free) or 1
        factor = 1 + (target - total) / spare
        for i in free:
            counts[i] = min(max(lows[i] + round((counts[i] - lows[i]) * factor), lows[i]), highs[i])
    # The rounding leaves a few: one by one on random initiatives.
    difference = target - sum(counts)
    step = 1 if difference > 0 else -1
    candidates = list(range(len(counts)))
    while difference:
        i = rng.choice(candidates)
        if lows[i] <= counts[i] + step <= highs[i]:
            counts[i] += step
            difference -= step
    return counts


# --- the seeders --------------------------------------------------------------------------


def seed_reference(seeding: Seeding) -> str:
    """Topics, local communities, rejection reasons and offices: the app's own seeders."""
    from app.auth import demo as auth_demo
    from app.extensions import db
    from app.initiatives import rules
    from app.reference.seed import seed_reference_data

    with seeding.app.app_context():
        seed_reference_data()
        auth_demo.seed_org_units()
        db.session.commit()
        current = rules.current()
    seeding.threshold = current.threshold
    seeding.support_days = current.support_days
    seeding.response_days = current.response_days
    connection = seeding.connection
    seeding.topics = dict(connection.execute("SELECT slug, id FROM topics").fetchall())
    seeding.communities = dict(
        connection.execute("SELECT slug, id FROM local_communities").fetchall()
    )
    seeding.units = dict(connection.execute("SELECT code, id FROM org_units").fetchall())
    seeding.reasons = dict(connection.execute("SELECT slug, id FROM rejection_reasons").fetchall())
    return (
        f"{len(seeding.topics)} topics, {len(seeding.communities)} communities, "
        f"{len(seeding.units)} offices (rules: threshold {current.threshold}, "
        f"{current.support_days} days, response in {current.response_days})"
    )


def plan_accounts(seeding: Seeding) -> str:
    """Accounts: residents, a few not verified, some tombstones; staff among the first ids."""
    from app.auth import pseudonyms

    rng, now = seeding.rng, seeding.now
    taken: set[str] = set()
    accounts = []
    for n in range(1, seeding.scale.accounts + 1):
        pseudonym = None
        if rng.random() >= NOT_SET_UP or n <= 20:
            candidate = seeding.text.pseudonym(n)
            suffix = 1
            # The app refuses look-alike names: the same folded key is the same name.
            while pseudonyms.key(candidate) in taken or pseudonyms.problem(candidate):
                suffix += 1
                candidate = f"{seeding.text.pseudonym(n)} {suffix}"[:40]
            taken.add(pseudonyms.key(candidate))
            pseudonym = candidate
        # Most accounts came in the first months, then a steady trickle.
        created = now - _days(HISTORY_DAYS * (1 - rng.random() ** 2.2))
        accounts.append(
            Account(
                id=n,
                subject=f"bench-{seeding.scale.factor}-{n}",
                pseudonym=pseudonym,
                created_at=created,
                verified=pseudonym is not None and (n <= 20 or rng.random() >= NOT_RESIDENTS),
                tombstone=n > 20 and pseudonym is not None and rng.random() < TOMBSTONES,
            )
        )
    seeding.accounts = accounts
    seeding.staff = {"administrator": 1}
    seeding.staff.update({f"moderator:{i}": 2 + i for i in range(4)})
    seeding.staff.update(
        {f"official:{code}": 6 + i for i, code in enumerate(sorted(seeding.units))}
    )
    return f"{len(accounts)} accounts planned"


def _state_counts(seeding: Seeding) -> list[str]:
    total = seeding.scale.initiatives
    kinds = [kind for kind, share in STATE_MIX for _ in range(round(share * total))]
    while len(kinds) < total:
        kinds.append("expired")
    seeding.rng.shuffle(kinds)
    return kinds[:total]


def _support_counts(seeding: Seeding, kinds: list[str]) -> list[int]:
    """A long tail: most initiatives gather a few dozen, a few several hundred or thousands."""
    rng, threshold = seeding.rng, seeding.threshold
    residents = sum(1 for a in seeding.accounts if a.verified) - 1
    counts, lows, highs = [], [], []
    for kind in kinds:
        if kind in REACHED:
            counts.append(threshold + int(rng.lognormvariate(4.4, 1.0)))
            lows.append(threshold)
            highs.append(min(residents, threshold * 12))
        elif kind in SUPPORTED:
            counts.append(int(rng.lognormvariate(2.4, 1.4)))
            lows.append(0)
            highs.append(threshold - 1)
        else:
            counts.append(0)
            lows.append(0)
            highs.append(0)
    return fit_total(rng, counts, lows, highs, seeding.scale.supports)


def _dates(seeding: Seeding, plan: Plan) -> None:
    """The lifecycle's dates of one initiative, consistent with its state and the rules."""
    rng, now, kind = seeding.rng, seeding.now, plan.kind
    period = _days(seeding.support_days)
    published = None
    if kind == "draft":
        plan.created_at = now - _days(rng.uniform(0, 365))
        return
    if kind == "submitted":
        plan.created_at = now - _days(rng.uniform(0.2, 10))
        plan.submitted_at = _between(rng, plan.created_at, now, 2)
        return
    if kind == "rejected":
        plan.created_at = now - _days(rng.uniform(3, HISTORY_DAYS))
        plan.submitted_at = plan.created_at + _days(rng.uniform(0.05, 2))
        plan.closed_at = plan.submitted_at + _days(rng.uniform(0.1, 3))
        return
    age = {
        "open": lambda: rng.uniform(0.01, seeding.support_days - 0.1),
        "lapsed": lambda: seeding.support_days + rng.uniform(0.001, 0.04),
        "expired": lambda: rng.uniform(seeding.support_days + 1, HISTORY_DAYS),
        "withdrawn": lambda: rng.uniform(3, HISTORY_DAYS),
        "awaiting": lambda: rng.uniform(15, 150),
        "answered": lambda: rng.uniform(150, HISTORY_DAYS),
        "completed": lambda: rng.uniform(500, HISTORY_DAYS),
    }[kind]()
    published = now - _days(age)
    plan.published_at = published
    plan.submitted_at = published - _days(rng.uniform(0.05, 3))
    plan.created_at = plan.submitted_at - _days(rng.uniform(0.01, 6))
    plan.support_closes_at = published + period
    plan.support_end = min(plan.support_closes_at, now)
    if kind == "expired":
        plan.closed_at = plan.support_closes_at + timedelta(minutes=rng.uniform(0, 60))
    elif kind == "withdrawn":
        plan.closed_at = published + (min(plan.support_end, now) - published) * rng.random()
        plan.support_end = plan.closed_at
    elif kind in ("answered", "completed"):
        plan.answered_at = published + _days(rng.uniform(20, seeding.support_days + 25))
        plan.support_end = min(plan.answered_at, plan.support_closes_at)
        plan.support_closes_at = plan.support_end  # the app closes support on answering
        if kind == "completed":
            plan.completed_at = plan.answered_at + _days(rng.uniform(20, 400))
            if plan.completed_at >= now:
                plan.completed_at = _between(rng, plan.answered_at, now)


def _pick_supporters(
    rng: random.Random,
    count: int,
    pool: list[int],
    cumulative: list[float],
    excluded: int,
) -> list[int]:
    """``count`` distinct supporters, the more active residents more often (skewed weights)."""
    if count == 0:
        return []
    chosen: dict[int, None] = {}
    while len(chosen) < count:
        for user in rng.choices(
            pool, cum_weights=cumulative, k=int((count - len(chosen)) * 1.3) + 4
        ):
            if user != excluded:
                chosen[user] = None
                if len(chosen) == count:
                    break
        if len(chosen) < count and len(chosen) > 0.8 * len(pool):
            rest = [u for u in pool if u not in chosen and u != excluded]
            chosen.update(dict.fromkeys(rng.sample(rest, count - len(chosen))))
    return list(chosen)


def plan_initiatives(seeding: Seeding) -> str:
    """The initiatives, their dates and their supporters (support times fix the threshold)."""
    rng = seeding.rng
    kinds = _state_counts(seeding)
    counts = _support_counts(seeding, kinds)
    live = [a for a in seeding.accounts if a.verified and not a.tombstone]
    authors = [a.id for a in live if a.id > 20]
    # Everyone who could ever support: verified residents, including those who later deleted
    # their account (their supports stay counted).
    pool = [a.id for a in seeding.accounts if a.verified and a.id > 20]
    cumulative = list(accumulate(rng.lognormvariate(0, 1.1) for _ in pool))
    by_id = {a.id: a for a in seeding.accounts}
    community_weights = {
        slug: float(LARGE_COMMUNITIES.get(slug, 1)) for slug in sorted(seeding.communities)
    }
    # A few residents propose many initiatives; most propose one.
    author_weights = list(accumulate(rng.paretovariate(1.6) for _ in authors))
    plans = []
    for n, (kind, count) in enumerate(zip(kinds, counts, strict=True), start=1):
        topic = _weighted(
            rng, {k: float(v) for k, v in TOPIC_WEIGHTS.items() if k in seeding.topics}
        )
        community = None
        if rng.random() >= WHOLE_CITY:
            community = seeding.communities[_weighted(rng, community_weights)]
        author = rng.choices(authors, cum_weights=author_weights)[0]
        plan = Plan(n, kind, author, topic, community, support_count=count)
        _dates(seeding, plan)
        if count:
            assert plan.published_at is not None  # noqa: S101
            assert plan.support_end is not None  # noqa: S101
            supporters = _pick_supporters(rng, count, pool, cumulative, author)
            times = sorted(
                _between(rng, plan.published_at, plan.support_end, 1.8) for _ in supporters
            )
            plan.supports = list(zip(supporters, times, strict=True))
            for user_id, moment in plan.supports:
                by_id[user_id].active_at(moment)
            if kind in REACHED:
                plan.threshold_reached_at = times[seeding.threshold - 1]
                plan.response_due_at = plan.threshold_reached_at + _days(seeding.response_days)
                if plan.answered_at is not None and plan.answered_at < plan.threshold_reached_at:
                    plan.answered_at = plan.threshold_reached_at + _days(rng.uniform(1, 40))
                    if plan.completed_at is not None:
                        plan.completed_at = _between(rng, plan.answered_at, seeding.now)
        assert plan.created_at is not None  # noqa: S101
        by_id[author].active_at(plan.created_at)
        plans.append(plan)
    seeding.plans = plans
    mix = ", ".join(f"{kind} {kinds.count(kind)}" for kind, _ in STATE_MIX)
    return f"{len(plans)} initiatives planned ({mix}); {sum(counts):,} supports"


def write_accounts(seeding: Seeding) -> str:
    """``users`` and ``role_grants``; keys, names and tombstones as the app makes them."""
    from app.auth import identity, pseudonyms
    from app.auth.models import User

    rng, now = seeding.rng, seeding.now
    names = [
        "id", "subject_key", "subject_key_version", "former_subject_key", "pseudonym",
        "pseudonym_key", "email", "email_confirmed_at", "language", "is_adult", "last_acr",
        "resident_verified_at", "residency_source", "created_at", "last_sign_in_at",
        "deleted_at",
    ]  # fmt: skip

    def rows() -> Iterable[list[Any]]:
        with seeding.app.app_context():
            for account in seeding.accounts:
                created = account.created_at
                if account.first_activity is not None and account.first_activity < created:
                    created = account.first_activity - _days(rng.uniform(0, 30))
                account.created_at = created
                last = max(account.last_activity or created, created)
                key = identity.subject_key(ISSUER, account.subject)
                row = {
                    "id": account.id,
                    "subject_key": key,
                    "subject_key_version": 1,
                    "former_subject_key": None,
                    "pseudonym": account.pseudonym,
                    "pseudonym_key": pseudonyms.key(account.pseudonym)
                    if account.pseudonym
                    else None,
                    "email": None,
                    "email_confirmed_at": None,
                    "language": "en" if rng.random() < 0.07 else "sl",
                    "is_adult": rng.random() < 0.95,
                    "last_acr": HIGH if rng.random() < 0.2 else SUBSTANTIAL,
                    "resident_verified_at": created if account.verified else None,
                    "residency_source": "eid" if account.verified else None,
                    "created_at": created,
                    "last_sign_in_at": min(now, _between(rng, last, now, 3)),
                    "deleted_at": None,
                }
                if account.pseudonym and rng.random() < 0.4:
                    row["email"] = f"obcan{account.id}@bench.invalid"
                    row["email_confirmed_at"] = created + timedelta(minutes=rng.uniform(1, 600))
                if account.tombstone:
                    # As ``accounts.delete_account`` leaves it.
                    row.update(
                        former_subject_key=key,
                        subject_key=identity.void_key(User(id=account.id)),
                        pseudonym=None, pseudonym_key=None, email=None, email_confirmed_at=None,
                        language="sl", is_adult=False, last_acr=None, resident_verified_at=None,
                        residency_source=None, last_sign_in_at=None,
                        deleted_at=min(now, last + _days(rng.uniform(1, 300))),
                    )  # fmt: skip
                yield [row[name] for name in names]

    count = copy_rows(seeding.connection, "users", names, rows())
    grants: list[tuple[int, str, int | None, datetime]] = [
        (1, "administrator", None, seeding.accounts[0].created_at)
    ]
    grants += [(2 + i, "moderator", None, seeding.accounts[1 + i].created_at) for i in range(4)]
    for key, user_id in seeding.staff.items():
        if key.startswith("official:"):
            unit = seeding.units[key.split(":", 1)[1]]
            grants.append((user_id, "official", unit, seeding.accounts[user_id - 1].created_at))
    copy_rows(
        seeding.connection,
        "role_grants",
        ["user_id", "role", "org_unit_id", "granted_at"],
        grants,
    )
    tombstones = sum(a.tombstone for a in seeding.accounts)
    return f"{count:,} accounts ({tombstones} tombstones), {len(grants)} staff roles"


def write_initiatives(seeding: Seeding) -> str:
    """``initiatives`` with their text, derived columns and dates; then supports, timeline and
    audit log. The search triggers index each row as it is copied."""
    from app.core.text import render_markdown
    from app.initiatives import models

    lemma_columns: dict[str, str] = getattr(models, "SEARCHABLE_TEXT", {})
    lemma_text: Callable[[str], str] | None = None
    if lemma_columns:
        from app.initiatives.lemmas import lemma_text

    rng, text, now = seeding.rng, seeding.text, seeding.now
    moderators = [v for k, v in seeding.staff.items() if k.startswith("moderator:")]
    events: list[tuple[int, str, datetime, int | None, str | None, str]] = []
    audits: list[tuple[datetime, int | None, str, str, int, str]] = []

    def happened(plan: Plan, kind: str, at: datetime, actor: int | None, note: str | None = None,
                 action: str | None = None, **data: Any) -> None:  # fmt: skip
        events.append((plan.id, kind, at, actor, note, json.dumps(data)))
        if action:
            audits.append((at, actor, action, "initiative", plan.id, json.dumps(data)))

    names = [
        "id", "title", "summary", "body", "body_html", "topic_id", "community_id", "location",
        "author_id", "state", "support_count", "threshold", "created_at", "updated_at",
        "submitted_at", "published_at", "support_closes_at", "threshold_reached_at",
        "response_due_at", "responsible_unit_id", "answered_at", "response_kind",
        "response_text", "response_html", "completed_at", "closed_at", "rejection_reason_id",
        "rejection_note", *lemma_columns.values(),
    ]  # fmt: skip
    state_of = {"open": "published", "lapsed": "published", "awaiting": "awaiting_response"}
    reasons = sorted(seeding.reasons)

    def rows() -> Iterable[list[Any]]:
        for plan in seeding.plans:
            title = text.title()
            body = text.body()
            row: dict[str, Any] = {
                "id": plan.id,
                "title": title,
                "summary": text.summary(title),
                "body": body,
                "body_html": render_markdown(body),
                "topic_id": seeding.topics[plan.topic],
                "community_id": plan.community_id,
                "location": text.location(),
                "author_id": plan.author_id,
                "state": state_of.get(plan.kind, plan.kind),
                "support_count": plan.support_count,
                "threshold": seeding.threshold if plan.published_at else None,
                "created_at": plan.created_at,
                "submitted_at": plan.submitted_at,
                "published_at": plan.published_at,
                "support_closes_at": plan.support_closes_at,
                "threshold_reached_at": plan.threshold_reached_at,
                "response_due_at": plan.response_due_at,
                "responsible_unit_id": None,
                "answered_at": plan.answered_at,
                "response_kind": None,
                "response_text": None,
                "response_html": None,
                "completed_at": plan.completed_at,
                "closed_at": plan.closed_at,
                "rejection_reason_id": None,
                "rejection_note": None,
            }
            if lemma_text is not None:
                for source, target in lemma_columns.items():
                    row[target] = lemma_text(row[source])
            unit_code = UNIT_OF_TOPIC.get(plan.topic, "UDOU")
            official = seeding.staff.get(f"official:{unit_code}")
            moderator = rng.choice(moderators)
            if plan.submitted_at:
                happened(
                    plan, "submitted", plan.submitted_at, plan.author_id, action="initiative.submit"
                )
            if plan.kind == "rejected":
                assert plan.closed_at is not None  # noqa: S101
                reason = rng.choice(reasons)
                row["rejection_reason_id"] = seeding.reasons[reason]
                row["rejection_note"] = text.rejection_note()
                happened(plan, "rejected", plan.closed_at, moderator, row["rejection_note"],
                         action="initiative.reject", reason=reason)  # fmt: skip
            if plan.published_at:
                if rng.random() < 0.8 or plan.kind in REACHED:
                    row["responsible_unit_id"] = seeding.units.get(unit_code)
                happened(plan, "published", plan.published_at, moderator,
                         action="initiative.publish", threshold=seeding.threshold)  # fmt: skip
            if plan.threshold_reached_at and plan.response_due_at:
                happened(plan, "threshold_reached", plan.threshold_reached_at, None,
                         action="initiative.threshold_reached",
                         due=plan.response_due_at.isoformat())  # fmt: skip
            if plan.answered_at:
                kind = (
                    "accepted"
                    if plan.kind == "completed"
                    else rng.choice(["accepted", "partly_accepted", "rejected"])
                )
                row["response_kind"] = kind
                row["response_text"] = text.response(kind)
                row["response_html"] = render_markdown(row["response_text"])
                on_time = plan.response_due_at is None or plan.answered_at <= plan.response_due_at
                happened(plan, "answered", plan.answered_at, official, action="initiative.respond",
                         response=kind, on_time=on_time)  # fmt: skip
                if kind != "rejected":
                    end = plan.completed_at or now
                    for _ in range(rng.randint(0, 2)):
                        happened(plan, "progress", _between(rng, plan.answered_at, end), official,
                                 text.progress(), action="initiative.progress")  # fmt: skip
            if plan.completed_at:
                happened(plan, "completed", plan.completed_at, official, text.progress(),
                         action="initiative.completed")  # fmt: skip
            if plan.kind == "withdrawn" and plan.closed_at:
                happened(
                    plan, "withdrawn", plan.closed_at, plan.author_id, action="initiative.withdraw"
                )
            if plan.kind == "expired" and plan.closed_at:
                happened(plan, "expired", plan.closed_at, None, action="initiative.expire",
                         supporters=plan.support_count)  # fmt: skip
            moments = [
                m for m in (plan.created_at, plan.submitted_at, plan.published_at,
                            plan.answered_at, plan.completed_at, plan.closed_at) if m
            ]  # fmt: skip
            row["updated_at"] = max(moments)
            yield [row[name] for name in names]

    started = time.perf_counter()
    count = copy_rows(seeding.connection, "initiatives", names, rows())
    seeding.timings["initiatives (text, lemmas, search index)"] = time.perf_counter() - started

    started = time.perf_counter()
    supports = copy_rows(
        seeding.connection,
        "initiative_supports",
        ["initiative_id", "user_id", "created_at"],
        ((plan.id, user_id, moment) for plan in seeding.plans for user_id, moment in plan.supports),
    )
    seeding.timings["supports"] = time.perf_counter() - started
    copy_rows(
        seeding.connection,
        "initiative_events",
        ["initiative_id", "kind", "created_at", "actor_id", "note", "data"],
        sorted(events, key=lambda e: e[2]),
    )
    copy_rows(
        seeding.connection,
        "audit_entries",
        ["created_at", "actor_id", "action", "target_type", "target_id", "data"],
        sorted(audits, key=lambda a: a[0]),
    )
    return (
        f"{count:,} initiatives, {supports:,} supports, {len(events):,} timeline events, "
        f"{len(audits):,} audit entries"
    )


def finish(seeding: Seeding) -> str:
    """Sequences after the explicit ids, statistics, and the check that counters are true."""
    connection = seeding.connection
    for table in ("users", "initiatives", "initiative_supports", "initiative_events",
                  "audit_entries", "role_grants"):  # fmt: skip
        connection.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608  (our names)
            f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
        )
    wrong = connection.execute(
        "SELECT count(*) FROM initiatives i WHERE support_count <>"
        " (SELECT count(*) FROM initiative_supports s WHERE s.initiative_id = i.id)"
    ).fetchone()
    if wrong is None or wrong[0]:
        raise SystemExit(f"seeding error: {wrong} initiatives whose counter is not their rows")
    connection.commit()
    started = time.perf_counter()
    # A database that has been in use for years has been vacuumed: so is this one.
    connection.autocommit = True
    connection.execute("VACUUM ANALYZE")
    connection.autocommit = False
    seeding.timings["vacuum analyze"] = time.perf_counter() - started
    size = connection.execute(
        "SELECT pg_size_pretty(pg_database_size(current_database()))"
    ).fetchone()
    return f"counters equal the rows; database {size[0] if size else '?'}"


#: The seeders in order. A later feature appends its own (questions, replies, follows …).
SEEDERS: list[Callable[[Seeding], str]] = [
    seed_reference,
    plan_accounts,
    plan_initiatives,
    write_accounts,
    write_initiatives,
    finish,
]


# --- entry points -------------------------------------------------------------------------


def migrate(environment: dict[str, str]) -> None:
    """The app's own migrations, the way production runs them."""
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
    )


def seed(
    environment: dict[str, str], scale: Scale, *, log: Callable[[str], None] = print
) -> Seeding:
    """Migrate and fill the database that ``environment`` names; returns what was planned."""
    started = time.perf_counter()
    migrate(environment)
    log(f"  migrations applied ({time.perf_counter() - started:.1f} s)")
    os.environ.update(environment)
    from app import create_app

    app = create_app()
    with app.app_context():
        from app.extensions import db

        url = db.engine.url
    rng = random.Random(f"glas-bench-{scale.factor}")  # noqa: S311  (test data, not secrets)
    words, frequencies = load_vocabulary()
    with psycopg.connect(
        dbname=url.database, user=url.username, host=str(url.query["host"])
    ) as connection:
        seeding = Seeding(
            app=app,
            connection=connection,
            scale=scale,
            rng=rng,
            text=TextGenerator(rng, words, frequencies),
            now=datetime.now(UTC),
            threshold=300,
            support_days=90,
            response_days=30,
        )
        for seeder in SEEDERS:
            step = time.perf_counter()
            line = seeder(seeding)
            seeding.timings[seeder.__name__] = time.perf_counter() - step
            log(f"  {seeder.__name__}: {line} ({seeding.timings[seeder.__name__]:.1f} s)")
        connection.commit()
    with app.app_context():
        db.engine.dispose()
    log(f"  seeded in {time.perf_counter() - started:.0f} s ({len(words):,} words of vocabulary)")
    return seeding


def main(argv: list[str] | None = None) -> None:
    from bench.cluster import BenchPostgres
    from bench.servers import app_environment

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, choices=sorted(SCALES), default=1)
    args = parser.parse_args(argv)
    cluster = BenchPostgres().start()
    try:
        url = cluster.create_database("glas_bench")
        seed(app_environment(url, cluster.root / "instance"), SCALES[args.scale])
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
