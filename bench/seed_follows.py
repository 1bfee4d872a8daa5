"""Following, the event log and notifications at municipal scale (issue 11).

``write_follows`` writes, after the reply letters:

- **Notification settings** of the accounts: of those with a confirmed address (40 % of the
  accounts that finished their first sign-in, ``write_accounts``) three quarters get their
  notifications by e-mail at once, a fifth in a daily digest, the rest never; a few addresses
  were refused by the relay (``email_refused_at``); a few people turned automatic follows off.
- **Follows** (``Scale.follows``: 200,000 at 10x, 20,000 at 1x), as a platform where following
  started a year ago (``FOLLOWING_DAYS``) would have them: most of initiatives and questions
  — the automatic follows of supports (a sample of that year's supports) and of one's own new
  items, and chosen ones, the more supported items the more followed —, some of councillors
  (those in office most), sessions (recent ones most), topics (traffic most), local
  communities (the large ones most) and reply letters. Some people follow far more than others
  (a log-normal activity per person).
- **One question followed by many** (``Scale.question_followers``: 10,000 at 10x): an open
  councillor's question that a full letter still in the works answers (the one furthest
  along: sent, signed, in review or a draft); the benchmark takes that letter the rest of its
  way and publishes it through the services, and fans it out (``bench/fanout.py``). Its
  followers are people with a confirmed address three times as often as others, in both
  languages, and some of them also follow its topic, its councillors, its session or its
  community (each of them must get one notification, not several).
- **Heavy users** (``HEAVY_USERS``): residents who follow a lot (dozens to hundreds of items,
  several topics and councillors) and have heard of 5–25 % of the year's events; a tenth of
  them never read anything. The benchmark signs them in and requests their
  ``/me/notifications``, ``/me/follows`` and the question's page.
- **The event log** of that year: every step of the timelines since following started that
  the app turns into an event (``app.notifications.kinds``), already fanned out, and
  **notifications**: the heavy users', and about ``BACKGROUND_PER_FOLLOW`` per follow for the
  others (fewer than a year of real fan-outs would leave: the per-person lookups the pages make
  are index ranges, whose cost is that person's rows). Each notification's e-mail state follows
  its reader's settings (sent at once, waiting for or gone in a digest, none).

``finish_follows`` sets the sequences, checks the totals and vacuums. Its own random generator
(``glas-bench-follows-<scale>``) keeps the data before it what it was.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bench.seed import LARGE_COMMUNITIES, TOPIC_WEIGHTS, Seeding, _between, _days, copy_rows

#: Following started this long ago: its follows, events and notifications are of this time.
FOLLOWING_DAYS = 365
#: Shares of all follows, by what is followed.
TARGET_SHARES = {
    "initiative": 0.56, "question": 0.27, "reply": 0.03, "councillor": 0.04, "session": 0.02,
    "topic": 0.05, "community": 0.03,
}  # fmt: skip
#: Of the initiatives' follows: automatic ones of supports of the year (the rest chosen, own).
SUPPORTED_SHARE = 0.70
#: Of the questions' follows, at most this share from supports of residents' questions.
QUESTION_SUPPORTED_SHARE = 0.30
#: Followers of the question followed by many who also follow what it is part of.
ALSO_FOLLOW = {"topic": 0.20, "councillor": 0.10, "session": 0.05, "community": 0.03}
#: A confirmed address makes one this many times likelier to follow that question.
EMAIL_WEIGHT = 3.0
#: Notification e-mail of the accounts with a confirmed address.
FREQUENCIES = {"immediate": 0.75, "daily": 0.20, "never": 0.05}
REFUSED_SHARE = 0.005
REFUSAL = "550 5.1.1 <naslov>: Recipient address rejected: User unknown"
NO_AUTOMATIC_SHARE = 0.04
#: The signed-in residents whose pages are measured, by scale.
HEAVY_USERS = {1: 20, 10: 40}
#: What each of them follows by choice (at 10x; half as many at 1x).
HEAVY_FOLLOWS = {
    "initiative": (40, 160), "question": (10, 60), "reply": (3, 20), "councillor": (2, 8),
    "session": (1, 4), "topic": (2, 5), "community": (1, 3),
}  # fmt: skip
#: A heavy user has heard of this share of the year's events that tell followers …
HEAVY_SHARE = (0.05, 0.25)
#: … has read all but the latest few hundred, or (this share of them) never read any.
UNREAD_LATEST = (0, 300)
NEVER_READ = 0.10
#: Everybody else's notifications: about this many per follow.
BACKGROUND_PER_FOLLOW = 3
#: Events nobody hears of as a follower (moderators', units', writers' only).
NOT_FOR_FOLLOWERS = frozenset({
    "initiative.submitted", "initiative.rejected", "initiative.assigned", "initiative.due_soon",
    "question.submitted", "question.rejected", "reply.submitted", "reply.returned",
    "verdict.given",
})  # fmt: skip
_LISTED_INITIATIVES = ("published", "awaiting_response", "answered", "completed", "expired")


@dataclass
class FollowFacts:
    """What the benchmark needs of the follows and notifications it measures."""

    #: The question followed by many, and the letter in the works that answers it.
    question_id: int
    question_followers: int
    letter_id: int
    letter_state: str
    #: The official who publishes the letter (its drafter, of the issuing unit).
    publisher_id: int
    #: The question's topic, community, session and councillors (what its audience adds).
    around: list[tuple[str, int]]
    #: A public question with few followers (the signed-in page's control).
    control_question_id: int
    control_followers: int
    #: The heavy users, most notifications first: id -> (notifications, unread, follows).
    heavy: dict[int, tuple[int, int, int]]
    follows: int
    by_target: dict[str, int]
    by_reason: dict[str, int]
    events: int
    notifications: int
    unread: int
    settings: dict[str, int]
    since: str
    hot_followers_mail: dict[str, int] = field(default_factory=dict)

    @property
    def heavy_users(self) -> list[int]:
        return list(self.heavy)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["heavy"] = {str(k): list(v) for k, v in self.heavy.items()}
        return data


@dataclass(slots=True)
class _Account:
    id: int
    created_at: datetime
    email: bool
    language: str
    resident: bool
    staff: bool
    frequency: str | None = None  # of an account with a confirmed address
    refused: bool = False
    automatic: bool = True
    activity: float = 1.0


@dataclass(slots=True)
class _Event:
    id: int
    created_at: datetime
    kind: str
    item_type: str
    item_id: int
    source_type: str
    source_id: int
    actor_id: int | None


class _Follows:
    """The follows so far: one per (person, target, id), with why and since when."""

    def __init__(self) -> None:
        self.rows: dict[tuple[int, str, int], tuple[str, datetime]] = {}
        self.by_target: Counter[str] = Counter()

    def add(self, user: int, target: str, target_id: int, reason: str, at: datetime) -> bool:
        key = (user, target, target_id)
        if key in self.rows:
            return False
        self.rows[key] = (reason, at)
        self.by_target[target] += 1
        return True

    def remove(self, key: tuple[int, str, int]) -> None:
        del self.rows[key]
        self.by_target[key[1]] -= 1


def _cumulative(weights: Iterable[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def write_follows(seeding: Seeding) -> str:
    """Settings, follows, the year's event log and notifications (see the module)."""
    scale = seeding.scale
    if not scale.follows:
        return "no follows at this scale"
    started = time.perf_counter()
    rng = random.Random(f"glas-bench-follows-{scale.factor}")  # noqa: S311  (test data)
    connection, now = seeding.connection, seeding.now
    since = now - _days(FOLLOWING_DAYS)
    accounts = _accounts(seeding, rng)
    settings = _write_settings(seeding, accounts)
    follows = _Follows()
    letter = _letter(seeding)
    question_id, letter_id, letter_state, publisher = letter
    question = connection.execute(
        "SELECT topic_id, community_id, session_id, published_at FROM questions WHERE id = %s",
        (question_id,),
    ).fetchone()
    assert question is not None  # noqa: S101
    topic_id, community_id, session_id, published_at = question
    around: list[tuple[str, int]] = []
    if topic_id is not None:
        around.append(("topic", topic_id))
    if community_id is not None:
        around.append(("community", community_id))
    if session_id is not None:
        around.append(("session", session_id))
    around += [
        ("councillor", int(person))
        for (person,) in connection.execute(
            "SELECT person_id FROM question_authors WHERE question_id = %s ORDER BY person_id",
            (question_id,),
        )
    ]
    items = _items(seeding, question_id)

    # The question followed by many: by choice, people with a confirmed address more often.
    people = [a for a in accounts if not a.staff]
    keys = sorted(
        people,
        key=lambda a: rng.random() ** (1 / (EMAIL_WEIGHT if a.email else 1.0)),
        reverse=True,
    )
    hot = keys[: scale.question_followers]
    if len(hot) < scale.question_followers:
        raise SystemExit(f"only {len(hot)} accounts to follow the question")
    floor = max(since, published_at or since)
    for account in hot:
        start = max(floor, account.created_at)
        follows.add(account.id, "question", question_id, "chosen", _between(rng, start, now))
        for target, target_id in around:
            if rng.random() < ALSO_FOLLOW[target]:
                follows.add(account.id, target, target_id, "chosen", _between(rng, start, now))

    # Heavy users: residents (they sign in and are measured) who follow a lot.
    residents = [a for a in people if a.resident and a.created_at < since]
    heavy = rng.sample(residents, HEAVY_USERS[scale.factor])
    half = 1.0 if scale.factor >= 10 else 0.5
    for account in heavy:
        for target, (low, high) in HEAVY_FOLLOWS.items():
            wanted = max(1, round(rng.randint(low, high) * half))
            pool = items[target]
            for _ in range(wanted * 20):
                if wanted <= 0:
                    break
                item_id, at = pool.draw(rng)
                start = max(since, at, account.created_at)
                if follows.add(account.id, target, item_id, "chosen", _between(rng, start, now)):
                    wanted -= 1

    # Automatic follows: supports of the year (a sample), one's own new items.
    quotas = {target: round(scale.follows * share) for target, share in TARGET_SHARES.items()}
    by_id = {a.id: a for a in accounts}
    automatic = {a.id for a in accounts if a.automatic}
    supports = [
        row
        for row in connection.execute(
            "SELECT user_id, initiative_id, created_at FROM initiative_supports"
            " WHERE created_at >= %s ORDER BY id",
            (since,),
        )
        if row[0] in automatic
    ]
    for user_id, initiative_id, at in rng.sample(
        supports, min(len(supports), round(quotas["initiative"] * SUPPORTED_SHARE))
    ):
        follows.add(user_id, "initiative", initiative_id, "supported", at)
    question_supports = [
        row
        for row in connection.execute(
            "SELECT user_id, question_id, created_at FROM question_supports"
            " WHERE created_at >= %s AND question_id <> %s ORDER BY id",
            (since, question_id),
        )
        if row[0] in automatic
    ]
    for user_id, asked_id, at in rng.sample(
        question_supports,
        min(len(question_supports), round(quotas["question"] * QUESTION_SUPPORTED_SHARE)),
    ):
        follows.add(user_id, "question", asked_id, "supported", at)
    for table in ("initiatives", "questions"):
        target = table[:-1]
        for item_id, author_id, at in connection.execute(
            f"SELECT id, author_id, created_at FROM {table}"  # noqa: S608  (our names)
            " WHERE author_id IS NOT NULL AND created_at >= %s AND id <> %s ORDER BY id",
            (since, question_id if table == "questions" else 0),
        ):
            if author_id in automatic:
                follows.add(author_id, target, item_id, "own", at)

    # Chosen follows up to each kind's share: active people, popular items.
    chooser = [a for a in people if a.created_at < now - _days(1)]
    activity = _cumulative(a.activity for a in chooser)
    for target, quota in quotas.items():
        _fill(rng, follows, target, quota, chooser, activity, items[target], since, now)
    # The rounding of the shares: exactly the scale's number, by initiatives chosen or dropped.
    while len(follows.rows) < scale.follows:
        _fill(rng, follows, "initiative", follows.by_target["initiative"] + 1, chooser,
              activity, items["initiative"], since, now)  # fmt: skip
    if len(follows.rows) > scale.follows:
        keep = {a.id for a in heavy} | {a.id for a in hot}
        spare = [
            key
            for key, (reason, _) in follows.rows.items()
            if key[1] == "initiative" and reason == "chosen" and key[0] not in keep
        ]
        for key in rng.sample(spare, len(follows.rows) - scale.follows):
            follows.remove(key)

    ordered = sorted(follows.rows.items(), key=lambda kv: (kv[1][1], kv[0]))
    copy_rows(
        connection,
        "follows",
        ["id", "user_id", "target", "target_id", "reason", "created_at"],
        (
            (n, user, target, target_id, reason, at)
            for n, ((user, target, target_id), (reason, at)) in enumerate(ordered, 1)
        ),
    )
    seeding.timings["follows"] = time.perf_counter() - started

    events = _write_events(seeding, since)
    followed: Counter[int] = Counter(user for user, _, _ in follows.rows)
    heavy_counts, total, unread = _write_notifications(
        seeding, rng, events, by_id, [a.id for a in heavy], followed
    )
    counts: Counter[int] = Counter(
        target_id for (_, target, target_id) in follows.rows if target == "question"
    )
    control = _control(seeding, counts, question_id)
    mail: Counter[str] = Counter(
        ("refused" if a.refused else a.frequency or "none") if a.email else "no address"
        for a in hot
    )
    mail.update(f"language {a.language}" for a in hot)
    seeding.follows = FollowFacts(
        question_id=question_id,
        question_followers=counts[question_id],
        letter_id=letter_id,
        letter_state=letter_state,
        publisher_id=publisher,
        around=around,
        control_question_id=control,
        control_followers=counts[control],
        heavy=dict(
            sorted(
                (
                    (a.id, (heavy_counts[a.id][0], heavy_counts[a.id][1], followed[a.id]))
                    for a in heavy
                ),
                key=lambda kv: (-kv[1][0], kv[0]),
            )
        ),
        follows=len(follows.rows),
        by_target=dict(sorted(follows.by_target.items(), key=lambda kv: -kv[1])),
        by_reason=dict(Counter(reason for reason, _ in follows.rows.values()).most_common()),
        events=len(events),
        notifications=total,
        unread=unread,
        settings=settings,
        since=since.isoformat(timespec="seconds"),
        hot_followers_mail=dict(sorted(mail.items())),
    )
    facts = seeding.follows
    return (
        f"{facts.follows:,} follows ({', '.join(f'{k} {v:,}' for k, v in facts.by_target.items())};"
        f" {', '.join(f'{k} {v:,}' for k, v in facts.by_reason.items())}); question "
        f"{question_id} followed by {facts.question_followers:,} (letter {letter_id}, "
        f"{letter_state}); {len(heavy)} heavy users; {len(events):,} events, {total:,} "
        f"notifications ({unread:,} unread)"
    )


def _accounts(seeding: Seeding, rng: random.Random) -> list[_Account]:
    """The accounts that can follow (set up, not deleted), with their settings drawn."""
    rows = seeding.connection.execute(
        "SELECT u.id, u.created_at, u.email IS NOT NULL AND u.email_confirmed_at IS NOT NULL,"
        " u.language, u.resident_verified_at IS NOT NULL AND u.is_adult,"
        " EXISTS (SELECT 1 FROM role_grants g WHERE g.user_id = u.id)"
        " FROM users u WHERE u.deleted_at IS NULL AND u.pseudonym IS NOT NULL ORDER BY u.id"
    ).fetchall()
    accounts = []
    for user_id, created, email, language, resident, staff in rows:
        account = _Account(user_id, created, bool(email), language, bool(resident), bool(staff))
        if account.email:
            account.frequency = rng.choices(list(FREQUENCIES), list(FREQUENCIES.values()))[0]
            account.refused = rng.random() < REFUSED_SHARE
        account.automatic = rng.random() >= NO_AUTOMATIC_SHARE
        account.activity = rng.lognormvariate(0, 1.0)
        accounts.append(account)
    return accounts


def _write_settings(seeding: Seeding, accounts: list[_Account]) -> dict[str, int]:
    """``email_frequency``, ``email_refused_*`` and ``follow_automatically`` of the accounts."""
    from bench.seed_replies import _copy_temporary

    connection = seeding.connection
    connection.execute(
        "CREATE TEMPORARY TABLE bench_settings"
        " (id integer PRIMARY KEY, frequency text, refused boolean, automatic boolean)"
    )
    changed = [a for a in accounts if a.email or not a.automatic]
    _copy_temporary(
        connection,
        "bench_settings",
        ["id", "frequency", "refused", "automatic"],
        ((a.id, a.frequency or "immediate", a.refused, a.automatic) for a in changed),
    )
    connection.execute(
        "UPDATE users u SET email_frequency = s.frequency, follow_automatically = s.automatic,"
        " email_refused_at = CASE WHEN s.refused THEN"
        "   least(%(now)s, u.email_confirmed_at + interval '30 days') END,"
        " email_refused_reason = CASE WHEN s.refused THEN %(reason)s END"
        " FROM bench_settings s WHERE s.id = u.id",
        {"now": seeding.now, "reason": REFUSAL},
    )
    connection.execute("DROP TABLE bench_settings")
    settings: Counter[str] = Counter()
    for account in accounts:
        if account.email:
            settings["refused" if account.refused else f"e-mail {account.frequency}"] += 1
        else:
            settings["no confirmed address"] += 1
        if not account.automatic:
            settings["automatic follows off"] += 1
    return dict(sorted(settings.items()))


def _letter(seeding: Seeding) -> tuple[int, int, str, int]:
    """The question followed by many: one a full letter in the works answers alone (the
    furthest along: sent, signed, in review, a draft; the benchmark takes it the rest of the
    way through the services)."""
    row = seeding.connection.execute(
        "SELECT min(c.question_id), r.id, r.state, r.drafted_by_id"
        " FROM replies r JOIN reply_coverage c ON c.reply_id = r.id"
        " JOIN questions q ON q.id = c.question_id"
        " WHERE r.state IN ('sent', 'signed', 'in_review', 'draft') AND r.reply_type = 'full'"
        " AND r.drafted_by_id IS NOT NULL AND NOT r.imported"
        " GROUP BY r.id HAVING count(*) = 1"
        " ORDER BY array_position(ARRAY['sent', 'signed', 'in_review', 'draft'],"
        " r.state::text), bool_or(q.session_id IS NOT NULL) DESC,"
        " bool_or(q.topic_id IS NOT NULL) DESC, r.id LIMIT 1"
    ).fetchone()
    if row is None:
        raise SystemExit("bench/seed_follows.py: no full letter in the works to publish")
    return int(row[0]), int(row[1]), str(row[2]), int(row[3])


class _Pool:
    """Items of one kind, drawn by weight: (id, the moment it could first be followed)."""

    def __init__(self, items: list[tuple[int, datetime, float]]) -> None:
        if not items:
            raise SystemExit("bench/seed_follows.py: nothing of a kind to follow")
        self.items = [(item_id, at) for item_id, at, _ in items]
        self.cumulative = _cumulative(weight for _, _, weight in items)

    def draw(self, rng: random.Random) -> tuple[int, datetime]:
        return rng.choices(self.items, cum_weights=self.cumulative)[0]

    def draws(self, rng: random.Random, k: int) -> list[tuple[int, datetime]]:
        return rng.choices(self.items, cum_weights=self.cumulative, k=k)


def _items(seeding: Seeding, question_id: int) -> dict[str, _Pool]:
    """What can be followed, by kind, with a weight: popular and current items more."""
    from app.questions.models import LISTED

    connection, now = seeding.connection, seeding.now
    epoch = now - _days(20 * 365)
    listed = tuple(state.value for state in LISTED)
    initiatives = [
        (i, at, 10.0 + count)
        for i, at, count in connection.execute(
            "SELECT id, published_at, support_count FROM initiatives"
            " WHERE published_at IS NOT NULL AND state = ANY(%s) ORDER BY id",
            (list(_LISTED_INITIATIVES),),
        )
    ]
    questions = [
        (i, at or epoch, 3.0 + count + (20.0 if at and at > now - _days(180) else 0.0))
        for i, at, count in connection.execute(
            "SELECT id, published_at, support_count FROM questions"
            " WHERE state = ANY(%s) AND id <> %s ORDER BY id",
            (list(listed), question_id),
        )
    ]
    replies = [
        (i, at, 1.0 + (5.0 if at > now - _days(365) else 0.0))
        for i, at in connection.execute(
            "SELECT id, published_at FROM replies WHERE state IN ('published', 'corrected')"
            " AND published_at IS NOT NULL ORDER BY id"
        )
    ]
    today = now.date()
    councillors = [
        (int(person), epoch, 8.0 if current else 1.0)
        for person, current in connection.execute(
            "SELECT person_id, bool_or(ends_on IS NULL OR ends_on >= %s) FROM council_mandates"
            " GROUP BY person_id ORDER BY person_id",
            (today,),
        )
    ]
    sessions = [
        (i, epoch, 0.2 + 10.0 * 0.5 ** (abs((held - today).days) / 180))
        for i, held in connection.execute("SELECT id, held_on FROM council_sessions ORDER BY id")
        if isinstance(held, date)
    ]
    topics = [(i, epoch, float(TOPIC_WEIGHTS.get(slug, 3))) for slug, i in seeding.topics.items()]
    communities = [
        (i, epoch, float(LARGE_COMMUNITIES.get(slug, 1))) for slug, i in seeding.communities.items()
    ]
    return {
        "initiative": _Pool(initiatives),
        "question": _Pool(questions),
        "reply": _Pool(replies),
        "councillor": _Pool(councillors),
        "session": _Pool(sessions),
        "topic": _Pool(sorted(topics)),
        "community": _Pool(sorted(communities)),
    }


def _fill(
    rng: random.Random,
    follows: _Follows,
    target: str,
    quota: int,
    people: list[_Account],
    activity: list[float],
    pool: _Pool,
    since: datetime,
    now: datetime,
) -> None:
    """Chosen follows of ``target`` until there are ``quota`` of them."""
    for _ in range(50):
        wanted = quota - follows.by_target[target]
        if wanted <= 0:
            return
        chosen = rng.choices(people, cum_weights=activity, k=wanted + 16)
        for account, (item_id, at) in zip(chosen, pool.draws(rng, len(chosen)), strict=True):
            start = max(since, at, account.created_at)
            if start >= now:
                continue
            follows.add(account.id, target, item_id, "chosen", _between(rng, start, now))
            if follows.by_target[target] >= quota:
                return
    raise SystemExit(f"bench/seed_follows.py: could not reach {quota} follows of {target}")


def _write_events(seeding: Seeding, since: datetime) -> list[_Event]:
    """The event log since following started: the timelines' steps that become events."""
    from app.initiatives.models import EventKind
    from app.notifications import kinds
    from app.questions.models import QuestionEventKind
    from app.replies.models import ReplyEventKind

    connection = seeding.connection

    def initiative(k: str, d: dict[str, Any]) -> kinds.Kind | None:
        return kinds.of_initiative_step(EventKind(k), d)

    def question(k: str, d: dict[str, Any]) -> kinds.Kind | None:
        return kinds.of_question_step(QuestionEventKind(k), d)

    def reply(k: str, d: dict[str, Any]) -> kinds.Kind | None:
        return kinds.of_reply_step(ReplyEventKind(k), d)

    sources: tuple[tuple[str, str, str, str, Callable[[str, dict[str, Any]], Any]], ...] = (
        ("initiative", "initiative_events", "initiative_id", "initiative_event", initiative),
        ("question", "question_events", "question_id", "question_event", question),
        ("reply", "reply_events", "reply_id", "reply_event", reply),
    )
    found: list[_Event] = []
    for item_type, table, column, source_type, kind_of in sources:
        for step_id, item_id, step_kind, data, actor, at in connection.execute(
            f"SELECT id, {column}, kind, data, actor_id, created_at FROM {table}"  # noqa: S608
            " WHERE created_at >= %s ORDER BY id",
            (since,),
        ):
            kind = kind_of(step_kind, data if isinstance(data, dict) else {})
            if kind is not None:
                found.append(
                    _Event(0, at, kind.value, item_type, item_id, source_type, step_id, actor)
                )
    found.sort(key=lambda e: (e.created_at, e.item_type, e.source_id))
    for n, event in enumerate(found, 1):
        event.id = n
    return found


def _write_notifications(
    seeding: Seeding,
    rng: random.Random,
    events: list[_Event],
    accounts: dict[int, _Account],
    heavy: list[int],
    followed: Counter[int],
) -> tuple[dict[int, tuple[int, int]], int, int]:
    """The events (already fanned out) and everyone's notifications of them.

    Returns each heavy user's (notifications, unread), the total and the unread.
    """
    connection, now = seeding.connection, seeding.now
    told = [e for e in events if e.kind not in NOT_FOR_FOLLOWERS]
    # (event id, user id) -> unread; heavy users' read state is decided per person.
    rows: dict[tuple[int, int], bool] = {}
    heavy_counts: dict[int, tuple[int, int]] = {}
    for user_id in heavy:
        account = accounts[user_id]
        pool = [e for e in told if e.created_at > account.created_at and e.actor_id != user_id]
        chosen = sorted(
            rng.sample(pool, min(len(pool), round(rng.uniform(*HEAVY_SHARE) * len(told)))),
            key=lambda e: e.id,
        )
        latest = len(chosen) if rng.random() < NEVER_READ else rng.randint(*UNREAD_LATEST)
        for n, event in enumerate(chosen):
            rows[(event.id, user_id)] = n >= len(chosen) - latest
        heavy_counts[user_id] = (len(chosen), min(latest, len(chosen)))
    heavy_set = set(heavy)
    others = [u for u in followed if u not in heavy_set]
    weights = _cumulative(followed[u] for u in others)
    wanted = BACKGROUND_PER_FOLLOW * sum(followed[u] for u in others)
    for user_id, event in zip(
        rng.choices(others, cum_weights=weights, k=wanted),
        rng.choices(told, k=wanted),
        strict=True,
    ):
        if event.created_at <= accounts[user_id].created_at or event.actor_id == user_id:
            continue
        recent = now - event.created_at < _days(14)
        rows.setdefault((event.id, user_id), rng.random() < (0.5 if recent else 0.03))

    by_id = {e.id: e for e in events}
    recipients: Counter[int] = Counter()
    last: dict[int, int] = defaultdict(int)

    def mail(account: _Account, at: datetime) -> str:
        if not account.email or account.refused or account.frequency == "never":
            return "none"
        if account.frequency == "daily":
            return "digest" if now - at < _days(1) else "digested"
        return "queued"

    def notification_rows() -> Iterable[tuple[Any, ...]]:
        for n, ((event_id, user_id), unread) in enumerate(sorted(rows.items()), 1):
            event = by_id[event_id]
            recipients[event_id] += 1
            last[event_id] = max(last[event_id], user_id)
            read_at = None
            if not unread:
                read_at = min(now, event.created_at + timedelta(hours=rng.expovariate(1 / 20)))
            yield (n, event_id, user_id, event.created_at, read_at,
                   mail(accounts[user_id], event.created_at))  # fmt: skip

    # The events first (the notifications refer to them), then their counters.
    copy_rows(
        connection,
        "events",
        ["id", "created_at", "kind", "item_type", "item_id", "source_type", "source_id",
         "actor_id", "data", "once_key", "fanned_up_to", "fanned_out_at", "recipients",
         "attempts", "retry_at", "last_error"],
        ((e.id, e.created_at, e.kind, e.item_type, e.item_id, e.source_type, e.source_id,
          e.actor_id, json.dumps({}), None, 0, e.created_at + timedelta(seconds=30), 0,
          0, None, None)
         for e in events),
    )  # fmt: skip
    total = copy_rows(
        connection,
        "notifications",
        ["id", "event_id", "user_id", "created_at", "read_at", "mail"],
        notification_rows(),
    )
    from bench.seed_replies import _copy_temporary

    connection.execute(
        "CREATE TEMPORARY TABLE bench_fanned (id integer PRIMARY KEY, recipients integer,"
        " up_to integer)"
    )
    _copy_temporary(
        connection,
        "bench_fanned",
        ["id", "recipients", "up_to"],
        ((event_id, count, last[event_id]) for event_id, count in recipients.items()),
    )
    connection.execute(
        "UPDATE events e SET recipients = f.recipients, fanned_up_to = f.up_to"
        " FROM bench_fanned f WHERE f.id = e.id"
    )
    connection.execute("DROP TABLE bench_fanned")
    unread = sum(rows.values())
    return heavy_counts, total, unread


def _control(seeding: Seeding, counts: Counter[int], question_id: int) -> int:
    """A public question with the median number of followers (of those followed at all)."""
    followed = sorted((n, q) for q, n in counts.items() if q != question_id)
    if not followed:
        return question_id
    median = followed[len(followed) // 2][0]
    public = {
        q
        for (q,) in seeding.connection.execute(
            "SELECT id FROM questions WHERE state IN ('answered', 'assigned') ORDER BY id"
        )
    }
    return next((q for n, q in followed if n >= median and q in public), followed[-1][1])


FOLLOW_TABLES = ("follows", "events", "notifications", "users")


def finish_follows(seeding: Seeding) -> str:
    """Sequences, the checks of the totals, statistics."""
    facts = seeding.follows
    if facts is None:
        return "no follows at this scale"
    connection = seeding.connection
    for table in ("follows", "events", "notifications"):
        connection.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608  (our names)
            f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
        )
    checks = {
        "follows, not the scale's number": (
            "SELECT count(*) <> %s FROM follows",
            (seeding.scale.follows,),
        ),
        "followers of the question, not the scale's number": (
            "SELECT count(*) <> %s FROM follows WHERE target = 'question' AND target_id = %s",
            (seeding.scale.question_followers, facts.question_id),
        ),
        "events whose counter is not their notifications": (
            "SELECT count(*) FROM events e WHERE recipients <>"
            " (SELECT count(*) FROM notifications n WHERE n.event_id = e.id)",
            (),
        ),
        "events still to fan out": ("SELECT count(*) FROM events WHERE fanned_out_at IS NULL", ()),
        "follows of deleted accounts": (
            "SELECT count(*) FROM follows f JOIN users u ON u.id = f.user_id"
            " WHERE u.deleted_at IS NOT NULL",
            (),
        ),
    }
    for name, (sql, parameters) in checks.items():
        found = connection.execute(sql, parameters).fetchone()
        if found is None or found[0]:
            raise SystemExit(f"seeding error: {name} ({found[0] if found else '?'})")
    connection.commit()
    started = time.perf_counter()
    connection.autocommit = True
    for table in FOLLOW_TABLES:
        connection.execute(f"VACUUM ANALYZE {table}")
    connection.autocommit = False
    seeding.timings["vacuum analyze (follows)"] = time.perf_counter() - started
    size = connection.execute(
        "SELECT pg_size_pretty(pg_total_relation_size('follows')),"
        " pg_size_pretty(pg_total_relation_size('notifications')),"
        " pg_size_pretty(pg_database_size(current_database()))"
    ).fetchone()
    assert size is not None  # noqa: S101
    return (
        f"totals checked; follows {size[0]}, notifications {size[1]} with their indexes; "
        f"database {size[2]}"
    )
