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
The council and questions came so: ``write_council`` (the council, five terms from 2006 with
33 seats each and many councillors re-elected, their groups, about thirteen sessions a year
with their agendas, two sessions scheduled), ``write_questions`` (residents' and councillors'
questions through their whole lifecycle, due dates by the app's own rules and calendar, with
authors, addressees, supports, timeline and audit log) and ``finish_questions``; the reply
letters (issue 10) so: ``write_replies`` and ``finish_replies`` (``bench/seed_replies.py``);
following and notifications (issue 11): ``write_follows`` and ``finish_follows``
(``bench/seed_follows.py``: notification settings, 200,000 follows at 10x with one question
followed by 10,000, the year's event log and notifications).

Run alone: ``python -m bench.seed --scale 1`` starts a cluster, seeds it, prints what it wrote
and how long it took, and removes the cluster.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import psycopg
from flask import Flask

from bench.text import TextGenerator, load_vocabulary

if TYPE_CHECKING:
    from bench.seed_follows import FollowFacts

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Scale:
    """One size of Kranj: 1x is the city today, 10x a benchmark's margin."""

    factor: int
    accounts: int
    initiatives: int
    supports: int
    #: Residents' and councillors' questions together.
    questions: int = 0
    #: Formal reply letters (``bench/seed_replies.py``), public and in the works.
    replies: int = 0
    #: Follows of every kind (``bench/seed_follows.py``), and how many of them are of the one
    #: question whose reply letter the benchmark publishes and fans out.
    follows: int = 0
    question_followers: int = 0


SCALES = {
    1: Scale(
        1,
        accounts=6_000,
        initiatives=2_000,
        supports=100_000,
        questions=1_000,
        replies=300,
        follows=20_000,
        question_followers=1_000,
    ),
    10: Scale(
        10,
        accounts=60_000,
        initiatives=20_000,
        supports=1_000_000,
        questions=10_000,
        replies=3_000,
        follows=200_000,
        question_followers=10_000,
    ),
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
    #: The council (``write_council``) and the questions (``write_questions``).
    council: Council | None = None
    questions: list[QuestionPlan] = field(default_factory=list)
    #: Following and notifications (``write_follows``): what the benchmark measures with them.
    follows: FollowFacts | None = None


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


# --- the council, its sessions, and questions -----------------------------------------------

#: Terms of office of the council: each from about 1 December of a year of local elections to
#: the day before the next; the last one runs.
TERM_STARTS = (
    date(2006, 12, 4), date(2010, 11, 29), date(2014, 12, 1), date(2018, 12, 3), date(2022, 12, 5),
)  # fmt: skip
SEATS = 33
#: Of a term's 33 councillors, this many sat on the council in the term before …
RE_ELECTED = 14
#: … and up to this many return after a term or more away.
RETURNING = 2
#: Seats given up within a term (each taken up by someone else for the rest of it).
REPLACEMENTS = (1, 3)
#: The lists councillors are elected on (fictional, as the demo's), with their weights.
PARTY_LISTS = {
    "Lista za razvoj Kranja": 6, "Socialni demokrati Kranj": 4, "Zeleni Kranj": 4,
    "Neodvisna lista Kranj": 4, "Skupaj za Gorenjsko": 3, "Ljudska stranka Kranj": 3,
    "Nova generacija": 2, "Levica Kranj": 2, "Lista Kranjčanov": 2, "Upokojenci za Kranj": 1,
}  # fmt: skip
#: A list with at least this many seats in a term forms a councillors' group.
GROUP_SEATS = 3
#: Regular sessions: once a month but in July and August, on the third Wednesday; a year also
#: has about two extraordinary sessions and one by correspondence.
REGULAR_MONTHS = (1, 2, 3, 4, 5, 6, 9, 10, 11, 12)
EXTRAORDINARY_A_YEAR = 2
CORRESPONDENCE_A_YEAR = 1
#: Regular sessions scheduled after today.
FUTURE_SESSIONS = 2
#: An extraordinary session has an item for councillors' questions this often.
EXTRAORDINARY_QUESTIONS = 0.3

#: The mix of questions: shares of all of them.
COUNCILLOR_SHARE = 0.55
ORAL_SHARE = 0.8  # of councillors': posed at a session; the rest in writing
INITIATIVE_SHARE = 0.25  # of councillors': a pobuda, not a question
CASE_NUMBER_SHARE = {"councillor": 0.6, "resident": 0.15}
#: Residents' questions: waiting for moderation, refused, withdrawn before publication.
SUBMITTED_SHARE, REJECTED_SHARE, WITHDRAWN_UNPUBLISHED = 0.05, 0.05, 0.005
#: Outcomes besides the answer, each a chance per question.
WITHDRAWN_SHARE = {"councillor": 0.02, "resident": 0.03}
MERGED_SHARE = 0.03  # councillors' only
FOLLOW_UP_SHARE = 0.04
ADOPTS_QUESTION_SHARE = 0.015
ADOPTS_INITIATIVE_SHARE = 0.005
EXTENSION_SHARE = 0.04
INTERIM_SHARE, PARTIAL_SHARE = 0.06, 0.03
#: Days from the start of the deadline to the full answer: log-normal around a median, and a
#: share of questions that get stuck (a councillor's then lapses at the end of the term).
ANSWER_MEDIAN_DAYS = {"councillor": 22.0, "resident": 24.0}
ANSWER_SIGMA = {"councillor": 0.55, "resident": 0.6}
STUCK_SHARE = {"councillor": 0.025, "resident": 0.05}
#: The administration's classification marks of case numbers, by topic.
CASE_CLASS = {
    "promet": "371", "okolje": "354", "prostor": "350", "komunala": "355", "solstvo": "602",
    "kultura-sport": "610", "sociala-zdravje": "122", "gospodarstvo": "300", "varnost": "220",
    "uprava": "032",
}  # fmt: skip
#: Units councillors address (the council's own service is not asked).
ADDRESSED_UNITS = ("KZ", "UDOU", "UOP", "UGDP", "UDD", "UF", "MIR")


@dataclass(slots=True)
class TermPlan:
    id: int
    starts_on: date
    ends_on: date | None

    @property
    def label(self) -> str:  # as ``Term.label``
        return f"{self.starts_on.year}–{self.ends_on.year if self.ends_on else ''}"

    def holds(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


@dataclass(slots=True)
class MandatePlan:
    id: int
    person_id: int
    term: TermPlan
    list_name: str
    group_id: int | None
    starts_on: date
    ends_on: date | None

    def holds(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


@dataclass(slots=True)
class SessionPlan:
    """What ``app.questions.due`` reads of a session (``held_on``, ``body_id``), and more."""

    id: int
    body_id: int
    term: TermPlan
    kind: str
    number: int
    held_on: date
    questions_item_id: int | None = None


@dataclass
class Council:
    body_id: int
    terms: list[TermPlan]
    people: dict[int, str]
    mandates: list[MandatePlan]
    #: Groups by id: (term id, name).
    groups: dict[int, tuple[int, str]]
    sessions: list[SessionPlan]
    agenda_items: int = 0


@dataclass(slots=True)
class QuestionPlan:
    """One question as it will be written (see ``write_questions``)."""

    id: int
    origin: str
    kind: str
    form: str
    created_at: datetime
    term: TermPlan | None = None
    session: SessionPlan | None = None
    received_on: date | None = None
    author_id: int | None = None
    people: list[int] = field(default_factory=list)
    group_id: int | None = None
    to_mayor: bool = False
    units: list[str] = field(default_factory=list)
    #: The unit that answers (its code), once one is chosen.
    unit: str | None = None
    topic: str | None = None
    community_id: int | None = None
    #: Residents': "submitted", "rejected", "unpublished" (withdrawn while waiting), or "".
    moderation: str = ""
    state: str = "posed"
    submitted_at: datetime | None = None
    published_at: datetime | None = None
    #: When it stopped being open (answered in full, withdrawn, merged, lapsed); None: open.
    closed_at: datetime | None = None
    supports: list[tuple[int, datetime]] = field(default_factory=list)


@dataclass(slots=True)
class _Asked:
    """What ``app.questions.due.compute`` reads of a question, without the ORM."""

    origin: Any
    kind: Any
    form: Any
    session: SessionPlan | None
    received_on: date | None
    published_at: datetime | None


def _local_at(day: date, hour: int, minute: int = 0) -> datetime:
    from app.core.time import LOCAL_TZ

    return datetime.combine(day, time_of_day(hour, minute), LOCAL_TZ)


def _office_hours(rng: random.Random, day: date) -> datetime:
    return _local_at(day, rng.randint(8, 14), rng.randint(0, 59))


def _third_wednesday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(2 - first.weekday()) % 7 + 14)


def _unique_names(rng: random.Random, count: int) -> list[str]:
    from bench.text import FIRST_NAMES, SURNAMES

    names: dict[str, None] = {}
    while len(names) < count:
        names[f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"] = None
    return list(names)


def _plan_members(seeding: Seeding, terms: list[TermPlan], today: date) -> Council:
    """People, their mandates in each term (many re-elected), groups, and a few replacements."""
    rng = seeding.rng
    names = iter(_unique_names(rng, SEATS * len(terms) * 2))
    people: dict[int, str] = {}
    party: dict[int, str] = {}
    lists, weights = list(PARTY_LISTS), [float(w) for w in PARTY_LISTS.values()]

    def newcomer() -> int:
        person_id = len(people) + 1
        people[person_id] = next(names)
        party[person_id] = rng.choices(lists, weights=weights)[0]
        return person_id

    mandates: list[MandatePlan] = []
    groups: dict[int, tuple[int, str]] = {}
    previous: list[int] = []
    for term in terms:
        if not previous:
            seated = [newcomer() for _ in range(SEATS)]
        else:
            stay = rng.sample(previous, RE_ELECTED)
            away = [p for p in people if p not in previous]
            back = rng.sample(away, min(len(away), rng.randint(0, RETURNING)))
            seated = stay + back
            seated += [newcomer() for _ in range(SEATS - len(seated))]
            for person_id in stay + back:
                if rng.random() < 0.15:  # elected on another list this time
                    party[person_id] = rng.choices(lists, weights=weights)[0]
        counts = {name: sum(party[p] == name for p in seated) for name in lists}
        group_of: dict[str, int] = {}
        for name in lists:
            if counts[name] >= GROUP_SEATS:
                group_id = len(groups) + 1
                groups[group_id] = (term.id, f"Svetniška skupina {name}")
                group_of[name] = group_id
        last_day = term.ends_on or today - timedelta(days=30)
        ending = set(rng.sample(seated, rng.randint(*REPLACEMENTS)))
        sat = list(seated)
        for person_id in seated:
            list_name = party[person_id]
            mandate = MandatePlan(
                len(mandates) + 1,
                person_id,
                term,
                list_name,
                group_of.get(list_name),
                term.starts_on,
                term.ends_on,
            )
            mandates.append(mandate)
            if person_id not in ending:
                continue
            # Gives the seat up; the next on the same list takes it the day after.
            mandate.ends_on = term.starts_on + (last_day - term.starts_on) * (
                0.2 + 0.7 * rng.random()
            )
            former = [p for p in people if p not in sat and party[p] == list_name]
            successor = rng.choice(former) if former and rng.random() < 0.3 else newcomer()
            party[successor] = list_name
            sat.append(successor)
            mandates.append(
                MandatePlan(
                    len(mandates) + 1,
                    successor,
                    term,
                    list_name,
                    group_of.get(list_name),
                    mandate.ends_on + timedelta(days=1),
                    term.ends_on,
                )
            )
        previous = sat
    return Council(0, terms, people, mandates, groups, [])


def _plan_sessions(
    seeding: Seeding, council: Council, today: date
) -> list[tuple[SessionPlan, list[str]]]:
    """Sessions over every term, numbered within kind and term, each with its agenda."""
    from app.council.demo import QUESTIONS_ITEM

    rng, text = seeding.rng, seeding.text
    days: list[tuple[TermPlan, str, date]] = []
    for term in council.terms:
        end = term.ends_on or today - timedelta(days=1)
        month = date(term.starts_on.year, term.starts_on.month, 1)
        while month <= end:
            day = _third_wednesday(month.year, month.month)
            if month.month in REGULAR_MONTHS and term.starts_on <= day <= end:
                days.append((term, "regular", day))
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        years = (end - term.starts_on).days / 365.25
        for kind, a_year in (
            ("extraordinary", EXTRAORDINARY_A_YEAR),
            ("correspondence", CORRESPONDENCE_A_YEAR),
        ):
            for _ in range(round(a_year * years)):
                day = term.starts_on + timedelta(days=rng.randrange((end - term.starts_on).days))
                while day.weekday() >= 5:
                    day -= timedelta(days=1)
                days.append((term, kind, max(day, term.starts_on)))
    current = council.terms[-1]
    month = date(today.year, today.month, 1)
    future = 0
    while future < FUTURE_SESSIONS:
        day = _third_wednesday(month.year, month.month)
        if month.month in REGULAR_MONTHS and day > today:
            days.append((current, "regular", day))
            future += 1
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    days.sort(key=lambda item: (item[2], item[1]))
    numbers: dict[tuple[int, str], int] = {}
    planned = []
    for n, (term, kind, day) in enumerate(days, start=1):
        number = numbers[(term.id, kind)] = numbers.get((term.id, kind), 0) + 1
        session = SessionPlan(n, council.body_id, term, kind, number, day)
        if kind == "regular":
            agenda = ["Potrditev zapisnika prejšnje seje", QUESTIONS_ITEM]
            agenda += [text.agenda_item(day.year) for _ in range(rng.randint(2, 6))]
        elif kind == "extraordinary":
            agenda = [text.agenda_item(day.year) for _ in range(rng.randint(1, 3))]
            if rng.random() < EXTRAORDINARY_QUESTIONS:
                agenda.append(QUESTIONS_ITEM)
        else:
            agenda = [text.agenda_item(day.year) for _ in range(rng.randint(1, 2))]
        planned.append((session, list(dict.fromkeys(agenda))))
    return planned


def write_council(seeding: Seeding) -> str:
    """The council (``mestni-svet``), five terms, councillors, groups, sessions and agendas."""
    from app.core.time import to_local
    from app.council.demo import COUNCIL_NAME, COUNCIL_SLUG, QUESTIONS_ITEM

    connection, rng = seeding.connection, seeding.rng
    today = to_local(seeding.now).date()
    found = connection.execute(
        "SELECT id FROM council_bodies WHERE slug = %s", (COUNCIL_SLUG,)
    ).fetchone()
    if found is None:
        copy_rows(
            connection,
            "council_bodies",
            ["id", "slug", "name_sl", "name_en", "kind"],
            [(1, COUNCIL_SLUG, COUNCIL_NAME[0], COUNCIL_NAME[1], "council")],
        )
    body_id = found[0] if found else 1
    terms = [
        TermPlan(n, start, TERM_STARTS[n] - timedelta(days=1) if n < len(TERM_STARTS) else None)
        for n, start in enumerate(TERM_STARTS, start=1)
    ]
    council = _plan_members(seeding, terms, today)
    council.body_id = body_id
    copy_rows(
        connection,
        "council_terms",
        ["id", "body_id", "starts_on", "ends_on"],
        [(t.id, body_id, t.starts_on, t.ends_on) for t in terms],
    )
    copy_rows(connection, "people", ["id", "name"], sorted(council.people.items()))
    copy_rows(
        connection,
        "councillor_groups",
        ["id", "term_id", "name"],
        [(group_id, term_id, name) for group_id, (term_id, name) in council.groups.items()],
    )
    copy_rows(
        connection,
        "council_mandates",
        ["id", "person_id", "term_id", "list_name", "group_id", "starts_on", "ends_on"],
        [
            (m.id, m.person_id, m.term.id, m.list_name, m.group_id, m.starts_on, m.ends_on)
            for m in council.mandates
        ],
    )
    planned = _plan_sessions(seeding, council, today)
    council.sessions = [session for session, _ in planned]
    items: list[tuple[int, int, int, str]] = []
    for session, agenda in planned:
        for position, title in enumerate(agenda, start=1):
            items.append((len(items) + 1, session.id, position, title))
            if title == QUESTIONS_ITEM:
                session.questions_item_id = len(items)
    council.agenda_items = len(items)

    def session_rows() -> Iterable[tuple[Any, ...]]:
        for s in council.sessions:
            # Announced some weeks before; a held one's record updated after it.
            created = _office_hours(rng, s.held_on - timedelta(days=rng.randint(14, 40)))
            updated = _office_hours(rng, s.held_on + timedelta(days=rng.randint(1, 10)))
            yield (
                s.id,
                body_id,
                s.term.id,
                s.kind,
                s.number,
                s.held_on,
                None,
                created,
                min(updated, seeding.now) if s.held_on <= today else created,
            )

    copy_rows(
        connection,
        "council_sessions",
        [
            "id",
            "body_id",
            "term_id",
            "kind",
            "number",
            "held_on",
            "note",
            "created_at",
            "updated_at",
        ],
        session_rows(),
    )
    copy_rows(connection, "agenda_items", ["id", "session_id", "position", "title"], items)
    seeding.council = council
    kinds = {
        k: sum(s.kind == k for s in council.sessions)
        for k in ("regular", "extraordinary", "correspondence")
    }
    return (
        f"{len(terms)} terms, {len(council.people)} people, {len(council.mandates)} mandates, "
        f"{len(council.groups)} groups, {len(council.sessions)} sessions "
        f"({', '.join(f'{k} {n}' for k, n in kinds.items())}; {FUTURE_SESSIONS} scheduled), "
        f"{len(items)} agenda items"
    )


class _Weighted:
    """Draws from items ordered by a key, the first ``k`` of them, by weight (O(log n))."""

    def __init__(self, rng: random.Random, items: list[Any], weights: Iterable[float]) -> None:
        self.rng, self.items = rng, items
        self.cumulative = list(accumulate(weights))

    def draw(self, k: int | None = None) -> Any:
        k = len(self.items) if k is None else max(1, min(k, len(self.items)))
        point = self.rng.random() * self.cumulative[k - 1]
        return self.items[min(bisect_right(self.cumulative, point, hi=k), k - 1)]


def _plan_question_skeletons(seeding: Seeding, council: Council) -> list[QuestionPlan]:
    """Who asked what, where and when; ids in the order they were created."""
    rng, now = seeding.rng, seeding.now
    from app.core.time import to_local

    today = to_local(now).date()
    total = seeding.scale.questions
    councillor_total = round(total * COUNCILLOR_SHARE)
    oral_total = round(councillor_total * ORAL_SHARE)
    topics = {k: float(v) for k, v in TOPIC_WEIGHTS.items() if k in seeding.topics}
    community_weights = {
        slug: float(LARGE_COMMUNITIES.get(slug, 1)) for slug in sorted(seeding.communities)
    }

    def growth(day: date) -> float:  # more questions in later years
        return 1 + (day.year - TERM_STARTS[0].year) / 8

    def community(share: float) -> int | None:
        if rng.random() >= share:
            return None
        return seeding.communities[_weighted(rng, community_weights)]

    plans: list[QuestionPlan] = []
    # Councillors' questions: oral at sessions with an item for them, written on working days.
    held = [s for s in council.sessions if s.questions_item_id and s.held_on < today]
    session_weights = list(
        accumulate(growth(s.held_on) * (1 if s.kind == "regular" else 0.3) for s in held)
    )
    first, last = TERM_STARTS[0], today - timedelta(days=1)
    span = (last - first).days
    for n in range(councillor_total):
        kind = "initiative" if rng.random() < INITIATIVE_SHARE else "question"
        if n < oral_total:
            session = rng.choices(held, cum_weights=session_weights)[0]
            recorded = _local_at(session.held_on, rng.randint(18, 21), rng.randint(0, 59))
            recorded += _days(rng.choice((0, 0, 1, 2)))
            plan = QuestionPlan(
                0, "councillor", kind, "oral", min(recorded, now), session.term, session
            )
        else:
            while True:
                day = first + timedelta(days=rng.randrange(span))
                if day.weekday() < 5 and rng.random() < growth(day) / growth(last):
                    break
            term = next(t for t in council.terms if t.holds(day))
            plan = QuestionPlan(
                0,
                "councillor",
                kind,
                "written",
                min(_office_hours(rng, day), now),
                term,
                received_on=day,
            )
            if rng.random() < 0.25:  # presented at the next regular session too
                plan.session = next(
                    (s for s in held if s.kind == "regular" and s.held_on > day and s.term is term),
                    None,
                )
        if rng.random() < 0.7:
            plan.topic = _weighted(rng, topics)
        plan.community_id = community(0.3)
        plans.append(plan)
    # Residents' questions, within the platform's history, more of them lately.
    for _ in range(total - councillor_total):
        age = HISTORY_DAYS * rng.random() ** 1.6
        plan = QuestionPlan(0, "resident", "question", "written", now - _days(age))
        roll = rng.random()
        if roll < SUBMITTED_SHARE:
            plan.moderation = "submitted"
            plan.created_at = now - _days(rng.uniform(0.2, 10))
        elif roll < SUBMITTED_SHARE + REJECTED_SHARE:
            plan.moderation = "rejected"
            plan.created_at = now - _days(max(age, rng.uniform(1, 5)))
        elif roll < SUBMITTED_SHARE + REJECTED_SHARE + WITHDRAWN_UNPUBLISHED:
            plan.moderation = "unpublished"
            plan.created_at = now - _days(max(age, rng.uniform(1, 5)))
        plan.topic = _weighted(rng, topics)
        plan.community_id = community(0.75)
        plans.append(plan)
    plans.sort(key=lambda p: p.created_at)
    for n, plan in enumerate(plans, start=1):
        plan.id = n
    return plans


def write_questions(seeding: Seeding) -> str:
    """Questions of residents and councillors through their lifecycle, with their authors,
    addressees, supports, timeline and audit entries; due dates by the app's own rules."""
    with seeding.app.app_context():
        return _write_questions(seeding)


def _write_questions(seeding: Seeding) -> str:
    import sqlalchemy as sa

    from app.core.text import render_markdown
    from app.core.time import to_local
    from app.extensions import db
    from app.initiatives.lemmas import lemma_text
    from app.moderation.decisions import REASONS_NEEDING_A_NOTE
    from app.questions import deadlines, due
    from app.questions import models as qm

    council = seeding.council
    if council is None:
        raise SystemExit("write_questions needs write_council before it")
    rng, text, now, connection = seeding.rng, seeding.text, seeding.now, seeding.connection
    today = to_local(now).date()
    ctx = due.Context(
        rules=list(db.session.scalars(sa.select(qm.DeadlineRule))),
        calendar=deadlines.Calendar(),
        regular_sessions={
            council.body_id: sorted(s.held_on for s in council.sessions if s.kind == "regular")
        },
    )
    moderators = [v for k, v in seeding.staff.items() if k.startswith("moderator:")]
    # The council office keeps the council's record: a staff account of its own.
    office = next(n for n in range(1, 21) if n not in seeding.staff.values())
    seeding.staff["council_office"] = office
    copy_rows(
        connection,
        "role_grants",
        ["user_id", "role", "org_unit_id", "granted_at"],
        [(office, "council_office", None, seeding.accounts[office - 1].created_at)],
    )

    def official(code: str | None) -> int | None:
        return seeding.staff.get(f"official:{code}") if code else None

    # Who may ask and support: set-up accounts that were not deleted, by when they came.
    askers = sorted(
        (a for a in seeding.accounts if a.pseudonym and not a.tombstone and a.id > 20),
        key=lambda a: a.created_at,
    )
    created = [a.created_at for a in askers]
    authors = _Weighted(rng, [a.id for a in askers], (rng.paretovariate(1.6) for _ in askers))
    supporters = _Weighted(
        rng, [a.id for a in askers], (rng.lognormvariate(0, 1.1) for _ in askers)
    )
    activity = {pid: rng.paretovariate(1.5) for pid in council.people}
    initiatives = [p for p in seeding.plans if p.kind in ("open", "expired", "awaiting")]
    adopted_initiatives: set[int] = set()
    reasons = sorted(seeding.reasons)

    plans = _plan_question_skeletons(seeding, council)
    events: list[tuple[int, str, datetime, int | None, str | None, str]] = []
    audits: list[tuple[datetime, int | None, str, str, int, str]] = []
    initiative_events: list[tuple[int, str, datetime, int | None, str]] = []
    authors_rows: list[tuple[int, int, int]] = []
    addressee_rows: list[tuple[int, int, int]] = []
    rows: list[dict[str, Any]] = []
    case_numbers: dict[tuple[str, int], int] = {}
    by_term: dict[int, list[QuestionPlan]] = {}
    last_by_person: dict[int, int] = {}
    residents_open: list[QuestionPlan] = []  # published, by publication, for adoption
    adopted_questions: set[int] = set()

    def happened(
        q: QuestionPlan,
        kind: str,
        at: datetime,
        actor: int | None,
        note: str | None = None,
        action: str | None = None,
        **data: Any,
    ) -> None:
        events.append((q.id, kind, at, actor, note, json.dumps(data)))
        if action:
            audits.append((at, actor, action, "question", q.id, json.dumps(data)))

    def case_number(q: QuestionPlan, year: int) -> str:
        mark = CASE_CLASS.get(q.topic or "", "032")
        number = case_numbers.get((mark, year), rng.randint(0, 20)) + rng.randint(1, 4)
        case_numbers[(mark, year)] = number
        return f"{mark}-{number}/{year}"

    def seated(day: date) -> list[MandatePlan]:
        return [m for m in council.mandates if m.holds(day)]

    names = [
        "id", "origin", "kind", "form", "state", "title", "body", "body_html", "topic_id",
        "community_id", "author_id", "recorded_by_id", "group_id", "to_mayor", "session_id",
        "agenda_item_id", "received_on", "case_number", "follow_up_of_id", "adopts_question_id",
        "adopts_initiative_id", "merged_into_id", "responsible_unit_id", "support_count",
        "deadline_rule_id", "starts_on", "due_on", "extended_to", "extension_reason",
        "overdue_recorded_at", "created_at", "updated_at", "submitted_at", "published_at",
        "answered_at", "closed_at", "answer_text", "answer_html", "answered_by_unit_id",
        "rejection_reason_id", "rejection_note", "answered_on", "replied_on", "answer_declined",
        *qm.SEARCHABLE_TEXT.values(),
    ]  # fmt: skip

    for q in plans:
        row: dict[str, Any] = dict.fromkeys(names)
        row.update(
            id=q.id,
            origin=q.origin,
            kind=q.kind,
            form=q.form,
            title=text.question_title(q.origin, q.kind),
            body=text.question_body(),
            topic_id=seeding.topics[q.topic] if q.topic else None,
            community_id=q.community_id,
            to_mayor=False,
            support_count=0,
            created_at=q.created_at,
            answer_declined=False,
        )
        row["body_html"] = render_markdown(row["body"])
        for source, target in qm.SEARCHABLE_TEXT.items():
            row[target] = lemma_text(row[source])
        moments = [q.created_at]
        moderator = rng.choice(moderators)

        if q.origin == "resident":
            k = bisect_right(created, q.created_at)
            if k == 0:
                k = 1
                q.created_at = row["created_at"] = askers[0].created_at + _days(0.05)
            q.author_id = row["author_id"] = row["recorded_by_id"] = authors.draw(k)
            q.submitted_at = row["submitted_at"] = q.created_at
            happened(q, "submitted", q.submitted_at, q.author_id, action="question.ask")
            if q.moderation == "submitted":
                q.state = "submitted"
            elif q.moderation == "unpublished":
                q.state = "withdrawn"
                q.closed_at = q.submitted_at + _days(rng.uniform(0.01, 1))
                happened(q, "withdrawn", q.closed_at, q.author_id, action="question.withdraw")
            elif q.moderation == "rejected":
                q.state = "rejected"
                q.closed_at = q.submitted_at + _days(rng.uniform(0.1, 3))
                reason = rng.choice(reasons)
                note = text.rejection_note()
                if reason in REASONS_NEEDING_A_NOTE and note is None:
                    note = "Vprašanje ni namenjeno občini."
                row["rejection_reason_id"] = seeding.reasons[reason]
                row["rejection_note"] = note
                happened(
                    q,
                    "rejected",
                    q.closed_at,
                    moderator,
                    note,
                    action="question.reject",
                    reason=reason,
                )
            else:
                q.published_at = q.submitted_at + _days(rng.uniform(0.05, 3))
                if q.published_at > now:
                    q.published_at = q.submitted_at + (now - q.submitted_at) / 2
                if rng.random() < 0.6:  # the moderator chose the unit that answers
                    q.unit = UNIT_OF_TOPIC.get(q.topic or "", "UDOU")
                    q.state = "assigned"
            if q.closed_at:
                row["closed_at"] = q.closed_at
                moments.append(q.closed_at)
        else:
            if q.session is not None:
                row["session_id"] = q.session.id
                if q.form == "oral":
                    row["agenda_item_id"] = q.session.questions_item_id
            row["received_on"] = q.received_on
            on = q.session.held_on if q.form == "oral" and q.session else q.received_on
            assert on is not None  # noqa: S101
            there = seated(on)
            if rng.random() < 0.12:  # a councillors' group asks as one
                groups = sorted({m.group_id for m in there if m.group_id})
                if groups:
                    q.group_id = row["group_id"] = rng.choice(groups)
                    there = [m for m in there if m.group_id == q.group_id]
            if q.group_id is None or rng.random() < 0.5:
                count = 1 + (rng.random() < 0.2) + (rng.random() < 0.05)
                chosen: dict[int, None] = {}
                people = [m.person_id for m in there]
                weights = [activity[p] for p in people]
                while len(chosen) < min(count, len(people)):
                    chosen[rng.choices(people, weights=weights)[0]] = None
                q.people = list(chosen)
            for position, person_id in enumerate(q.people):
                authors_rows.append((q.id, person_id, position))
            # To the mayor, to one or two units, or both.
            roll = rng.random()
            preferred = UNIT_OF_TOPIC.get(q.topic or "", rng.choice(ADDRESSED_UNITS))
            q.to_mayor = row["to_mayor"] = roll < 0.35
            if roll >= 0.2:
                q.units = [preferred]
                if rng.random() < 0.18:
                    q.units.append(rng.choice([u for u in ADDRESSED_UNITS if u != preferred]))
            for position, code in enumerate(q.units):
                addressee_rows.append((q.id, seeding.units[code], position))
            if len(q.units) == 1:
                q.unit = q.units[0]  # addressed to one unit: it answers
            q.published_at = q.created_at
            row["recorded_by_id"] = office
            if q.people and q.people[0] in last_by_person and rng.random() < FOLLOW_UP_SHARE:
                row["follow_up_of_id"] = last_by_person[q.people[0]]
            for person_id in q.people:
                last_by_person[person_id] = q.id
            q.state = "assigned" if q.unit else "posed"

        if q.published_at is None:
            row["state"] = q.state
            row["updated_at"] = max(moments)
            rows.append(row)
            continue

        # --- public: the deadline runs from the session, the date received, or publication
        row["published_at"] = q.published_at
        moments.append(q.published_at)
        asked = _Asked(
            qm.Origin(q.origin),
            qm.Kind(q.kind),
            qm.Form(q.form),
            q.session,
            q.received_on,
            q.published_at,
        )
        deadline = due.compute(cast(Any, asked), ctx)
        due_on = None
        start = to_local(q.published_at).date()
        if deadline is not None:
            row["deadline_rule_id"] = deadline.rule.id
            start = row["starts_on"] = deadline.due.start
            due_on = row["due_on"] = deadline.due.due_on
        if q.origin == "resident":
            happened(
                q,
                "published",
                q.published_at,
                moderator,
                action="question.publish",
                due=due_on.isoformat() if due_on else None,
            )
        else:
            happened(
                q,
                "recorded",
                q.published_at,
                office,
                action="question.record",
                due=due_on.isoformat() if due_on else None,
            )
        posed = _local_at(start, 12)
        # When the full answer would come (None: never, it is stuck).
        answer_at: datetime | None = None
        if rng.random() >= STUCK_SHARE[q.origin]:
            days = rng.lognormvariate(
                math.log(ANSWER_MEDIAN_DAYS[q.origin]), ANSWER_SIGMA[q.origin]
            )
            answer_at = max(posed + _days(days), q.published_at + _days(rng.uniform(0.1, 2)))
        elif q.origin == "resident":
            answer_at = posed + _days(rng.uniform(60, 400))
        nominal_end = answer_at or posed + _days(45)
        steps: list[tuple[datetime, str, dict[str, Any]]] = []
        actor_unit = q.unit or UNIT_OF_TOPIC.get(q.topic or "", "UDOU")
        if rng.random() < CASE_NUMBER_SHARE[q.origin]:
            steps.append((q.published_at + _days(rng.uniform(0.5, 6)), "registered", {}))
        if q.unit is None:
            steps.append(
                (q.published_at + _days(rng.uniform(0.5, 5)), "assigned", {"unit": actor_unit})
            )
        span_days = (nominal_end - posed).total_seconds() / 86400
        if rng.random() < 0.5:
            steps.append(
                (
                    posed + _days(span_days * rng.uniform(0.25, 0.5)),
                    "stage",
                    {"to": "in_preparation"},
                )
            )
        if rng.random() < 0.3:
            steps.append(
                (
                    posed + _days(span_days * rng.uniform(0.8, 0.95)),
                    "stage",
                    {"to": "awaiting_signature"},
                )
            )
        extended_to = None
        if due_on and rng.random() < EXTENSION_SHARE:
            at = _office_hours(rng, due_on - timedelta(days=rng.randint(1, 10)))
            if q.published_at < at:
                extended_to = due_on + timedelta(days=rng.randint(15, 45))
                steps.append((at, "extended", {"to": extended_to}))
                if answer_at is not None:  # answered within, or soon after, the extension
                    answer_at = max(
                        answer_at,
                        _office_hours(
                            rng,
                            due_on
                            + timedelta(days=rng.randint(0, (extended_to - due_on).days + 7)),
                        ),
                    )
        partial_roll = rng.random()
        if partial_roll < INTERIM_SHARE + PARTIAL_SHARE:
            kind = "interim" if partial_roll < INTERIM_SHARE else "partial"
            at = posed + _days(rng.uniform(10, 28) if kind == "interim" else rng.uniform(15, 40))
            steps.append((max(at, q.published_at + _days(0.5)), "answer", {"answer": kind}))
        if answer_at is not None:
            steps.append((answer_at, "answer", {"answer": "full"}))
        withdraw_roll = rng.random()
        if withdraw_roll < WITHDRAWN_SHARE[q.origin]:
            steps.append((q.published_at + _days(rng.uniform(1, 30)), "withdrawn", {}))
        elif q.origin == "councillor" and withdraw_roll < WITHDRAWN_SHARE[q.origin] + MERGED_SHARE:
            siblings = [
                other
                for other in by_term.get(q.term.id if q.term else 0, [])[-40:]
                if other.state != "merged" and other.id != q.id
            ]
            if siblings:
                into = rng.choice(siblings)
                steps.append(
                    (q.published_at + _days(rng.uniform(2, 20)), "merged", {"into": into.id})
                )
        lapse_at = None
        if q.origin == "councillor" and q.term and q.term.ends_on:
            lapse_at = _local_at(q.term.ends_on + timedelta(days=rng.randint(1, 10)), 12)
            steps.append((lapse_at, "lapsed", {"term": q.term.label}))
        earliest = q.published_at + timedelta(hours=1)
        steps = sorted(
            ((max(at, earliest), step, data) for at, step, data in steps), key=lambda step: step[0]
        )

        # Walk the steps as the services would take them, up to the end or now.
        effective = due_on
        answered_kind = None
        for at, step, data in steps:
            if at > now or q.closed_at is not None:
                break
            if effective and q.state in OPEN_STATES and row["overdue_recorded_at"] is None:
                late = _local_at(effective + timedelta(days=1), 2)
                if late <= at:
                    row["overdue_recorded_at"] = late
                    happened(
                        q,
                        "overdue",
                        late,
                        None,
                        action="question.overdue",
                        due=effective.isoformat(),
                    )
            unit = official(q.unit or actor_unit)
            if step == "registered":
                number = case_number(q, start.year)
                row["case_number"] = number
                if q.state == "posed":
                    q.state = "registered"
                happened(
                    q,
                    "registered",
                    at,
                    unit if q.origin == "resident" else office,
                    action="question.register",
                    case_number=number,
                )
            elif step == "assigned":
                if q.unit is not None:
                    continue
                q.unit = data["unit"]
                if q.state in ("posed", "registered"):
                    q.state = "assigned"
                keeper = moderator if q.origin == "resident" else office
                happened(q, "assigned", at, keeper, action="question.assign", unit=q.unit)
            elif step == "stage":
                if q.state in ("interim_answered", "partially_answered") or q.unit is None:
                    continue
                change = {"from": q.state, "to": data["to"]}
                q.state = data["to"]
                happened(q, "state_changed", at, unit, action="question.stage", **change)
            elif step == "extended":
                assert effective is not None  # noqa: S101
                reason = text.extension_reason()
                change = {"from": effective.isoformat(), "to": data["to"].isoformat()}
                row["extended_to"], row["extension_reason"] = data["to"], reason
                effective = data["to"]
                happened(q, "extended", at, unit, reason, action="question.extend", **change)
            elif step == "answer":
                if q.unit is None:  # an official answers for the unit it goes to
                    q.unit = actor_unit
                    happened(
                        q,
                        "assigned",
                        at - _days(0.5),
                        official(q.unit),
                        action="question.assign",
                        unit=q.unit,
                    )
                answered_kind = data["answer"]
                answer = text.answer(answered_kind)
                row["answer_text"], row["answer_html"] = answer, render_markdown(answer)
                row["answered_at"] = at
                # As the reply's publication records them (``replies.services``): the day
                # the answer left, and the letter's date; a letter seeded for the answer
                # later (``seed_replies``) sets its own date.
                row["answered_on"] = row["replied_on"] = to_local(at).date()
                row["answered_by_unit_id"] = seeding.units[q.unit]
                on_time = effective is None or to_local(at).date() <= effective
                q.state = {
                    "full": "answered",
                    "partial": "partially_answered",
                    "interim": "interim_answered",
                }[answered_kind]
                if answered_kind == "full":
                    q.closed_at = at
                happened(
                    q,
                    "answered",
                    at,
                    official(q.unit),
                    action="question.answer",
                    answer=answered_kind,
                    on_time=on_time,
                )
            elif step == "withdrawn":
                q.state, q.closed_at = "withdrawn", at
                actor = q.author_id if q.origin == "resident" else office
                happened(q, "withdrawn", at, actor, action="question.withdraw")
            elif step == "merged":
                q.state, q.closed_at = "merged", at
                row["merged_into_id"] = data["into"]
                happened(q, "merged", at, office, action="question.merge", into=data["into"])
            elif step == "lapsed":
                q.state, q.closed_at = "lapsed", at
                happened(q, "lapsed", at, None, action="question.lapse", term=data["term"])
            moments.append(at)
        if q.closed_at is None and effective and row["overdue_recorded_at"] is None:
            late = _local_at(effective + timedelta(days=1), 2)
            if late <= now:  # open past its due date: mark-overdue has seen it
                row["overdue_recorded_at"] = late
                happened(
                    q, "overdue", late, None, action="question.overdue", due=effective.isoformat()
                )
        if q.unit:
            row["responsible_unit_id"] = seeding.units[q.unit]
        row["closed_at"] = q.closed_at

        if q.origin == "councillor":
            by_term.setdefault(q.term.id if q.term else 0, []).append(q)
            # Takes up a resident's question still open, or an initiative still in play.
            if rng.random() < ADOPTS_QUESTION_SHARE:
                for other in reversed(residents_open[-60:]):
                    if (
                        other.id not in adopted_questions
                        and other.published_at
                        and other.published_at < q.published_at
                        and (other.closed_at is None or other.closed_at > q.published_at)
                    ):
                        adopted_questions.add(other.id)
                        row["adopts_question_id"] = other.id
                        happened(
                            other,
                            "adopted",
                            q.published_at,
                            office,
                            action="question.adopted",
                            question_id=q.id,
                        )
                        break
            elif rng.random() < ADOPTS_INITIATIVE_SHARE / (1 - ADOPTS_QUESTION_SHARE):
                for plan in rng.sample(initiatives, min(20, len(initiatives))):
                    # Published, awaiting the answer, or expired: adoptable all along.
                    if (
                        plan.id not in adopted_initiatives
                        and plan.published_at
                        and plan.published_at < q.published_at
                    ):
                        adopted_initiatives.add(plan.id)
                        row["adopts_initiative_id"] = plan.id
                        adoption = json.dumps({"question_id": q.id})
                        initiative_events.append(
                            (plan.id, "adopted", q.published_at, office, adoption)
                        )
                        audits.append(
                            (
                                q.published_at,
                                office,
                                "initiative.adopted",
                                "initiative",
                                plan.id,
                                json.dumps({"by_question": q.id}),
                            )
                        )
                        break
        else:
            residents_open.append(q)
            end = min(q.closed_at or now, now)
            count = min(300, int(rng.lognormvariate(1.5, 1.4)))
            k = bisect_right(created, q.published_at)
            chosen_users: dict[int, None] = {}
            for _ in range(count * 3):
                if len(chosen_users) >= min(count, k - 1):
                    break
                user_id = supporters.draw(k)
                if user_id != q.author_id:
                    chosen_users[user_id] = None
            times = sorted(_between(rng, q.published_at, end, 1.8) for _ in chosen_users)
            q.supports = list(zip(chosen_users, times, strict=True))
            row["support_count"] = len(q.supports)
        row["state"] = q.state
        row["updated_at"] = max(moments)
        rows.append(row)

    started = time.perf_counter()
    count = copy_rows(connection, "questions", names, ([r[n] for n in names] for r in rows))
    seeding.timings["questions (text, lemmas, search index)"] = time.perf_counter() - started
    copy_rows(
        connection, "question_authors", ["question_id", "person_id", "position"], authors_rows
    )
    copy_rows(
        connection, "question_addressees", ["question_id", "unit_id", "position"], addressee_rows
    )
    supports = copy_rows(
        connection,
        "question_supports",
        ["question_id", "user_id", "created_at"],
        ((q.id, user_id, at) for q in plans for user_id, at in q.supports),
    )
    copy_rows(
        connection,
        "question_events",
        ["question_id", "kind", "created_at", "actor_id", "note", "data"],
        sorted(events, key=lambda e: e[2]),
    )
    copy_rows(
        connection,
        "audit_entries",
        ["created_at", "actor_id", "action", "target_type", "target_id", "data"],
        sorted(audits, key=lambda a: a[0]),
    )
    copy_rows(
        connection,
        "initiative_events",
        ["initiative_id", "kind", "created_at", "actor_id", "data"],
        initiative_events,
    )
    seeding.questions = plans
    states: dict[str, int] = {}
    for row in rows:
        states[row["state"]] = states.get(row["state"], 0) + 1
    councillors = sum(q.origin == "councillor" for q in plans)
    overdue = sum(
        1
        for r in rows
        if r["state"] in OPEN_STATES and (r["extended_to"] or r["due_on"] or today) < today
    )
    mix = ", ".join(f"{state} {n}" for state, n in sorted(states.items(), key=lambda i: -i[1]))
    return (
        f"{count:,} questions ({councillors:,} councillors', {count - councillors:,} residents'; "
        f"{mix}; {overdue} overdue), {supports:,} supports, {len(authors_rows):,} authors, "
        f"{len(addressee_rows):,} addressees, {len(events):,} timeline events, "
        f"{len(audits):,} audit entries, {len(initiative_events)} initiatives adopted"
    )


#: The states in which the municipality still owes an answer (``app.questions.models.OPEN``).
OPEN_STATES = frozenset(
    {"posed", "registered", "assigned", "in_preparation", "awaiting_signature",
     "interim_answered", "partially_answered"}
)  # fmt: skip
#: The tables the council and questions fill (or that their triggers write).
QUESTION_TABLES = (
    "council_bodies", "council_terms", "people", "councillor_groups", "council_mandates",
    "council_sessions", "agenda_items", "questions", "question_authors", "question_addressees",
    "question_supports", "question_events", "question_search_documents",
    "initiative_search_terms", "initiative_events", "audit_entries", "role_grants",
)  # fmt: skip


def finish_questions(seeding: Seeding) -> str:
    """Sequences after the explicit ids, the check that counters are true, statistics."""
    from app.questions.models import OPEN

    if {state.value for state in OPEN} != OPEN_STATES:
        raise SystemExit("bench/seed.py: OPEN_STATES differs from app.questions.models.OPEN")
    connection = seeding.connection
    for table in (
        "council_bodies",
        "council_terms",
        "people",
        "councillor_groups",
        "council_mandates",
        "council_sessions",
        "agenda_items",
        "questions",
    ):
        connection.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608  (our names)
            f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
        )
    wrong = connection.execute(
        "SELECT count(*) FROM questions q WHERE support_count <>"
        " (SELECT count(*) FROM question_supports s WHERE s.question_id = q.id)"
    ).fetchone()
    if wrong is None or wrong[0]:
        raise SystemExit(f"seeding error: {wrong} questions whose counter is not their rows")
    indexed = connection.execute("SELECT count(*) FROM question_search_documents").fetchone()
    connection.commit()
    started = time.perf_counter()
    connection.autocommit = True
    for table in QUESTION_TABLES:
        connection.execute(f"VACUUM ANALYZE {table}")
    connection.autocommit = False
    seeding.timings["vacuum analyze (questions)"] = time.perf_counter() - started
    size = connection.execute(
        "SELECT pg_size_pretty(pg_database_size(current_database()))"
    ).fetchone()
    return (
        f"question counters equal the rows; {indexed[0] if indexed else 0:,} search documents; "
        f"database {size[0] if size else '?'}"
    )


def write_replies(seeding: Seeding) -> str:
    """Reply letters to councillors' questions (``bench/seed_replies.py``)."""
    from bench import seed_replies

    return seed_replies.write_replies(seeding)


def finish_replies(seeding: Seeding) -> str:
    """The checks that letters and questions agree, sequences, statistics."""
    from bench import seed_replies

    return seed_replies.finish_replies(seeding)


def write_follows(seeding: Seeding) -> str:
    """Follows, settings, the event log and notifications (``bench/seed_follows.py``)."""
    from bench import seed_follows

    return seed_follows.write_follows(seeding)


def finish_follows(seeding: Seeding) -> str:
    """The checks of follows and notifications, sequences, statistics."""
    from bench import seed_follows

    return seed_follows.finish_follows(seeding)


def write_projects(seeding: Seeding) -> str:
    """Projects, their years, milestones, timelines and links; commitments of replies
    (``bench/seed_projects.py``)."""
    from bench import seed_projects

    return seed_projects.write_projects(seeding)


def finish_projects(seeding: Seeding) -> str:
    from bench import seed_projects

    return seed_projects.finish_projects(seeding)


#: The seeders in order. A later feature appends its own (questions, replies, follows …).
SEEDERS: list[Callable[[Seeding], str]] = [
    seed_reference,
    plan_accounts,
    plan_initiatives,
    write_accounts,
    write_initiatives,
    finish,
    write_council,
    write_questions,
    finish_questions,
    write_replies,
    finish_replies,
    write_follows,
    finish_follows,
    write_projects,
    finish_projects,
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
        dbname=url.database,
        user=url.username,
        host=str(url.query["host"]),
        # The benchmark's cluster listens on the default port; make cluster's does not.
        port=str(url.port or url.query.get("port") or 5432),
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
