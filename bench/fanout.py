"""The fan-out of a reply letter to the 10,000 followers of the question it answers (issue 11).

After seeding, ``measure``:

1. publishes the letter ``bench/seed_follows.py`` left in the works, through the services and
   as its officials would (the steps it still lacks — submit, approve by a second official,
   sign with a PDF, send —, then ``publish``), in this process, and commits: the request's
   part, which only writes the event (timed);
2. runs ``app.notifications.fanout.fan_out_all()`` in a process of its own (``python -m
   bench.fanout --child``), against the benchmark's PostgreSQL, as ``flask worker`` would run
   it: its duration, notifications written, e-mails queued, batches, the time inside each kind
   of statement, and the process's peak memory (``VmHWM``) before and after; then a second
   ``fan_out_all()``, which must find nothing to do;
3. checks the result in SQL, computed apart from the app's audience code (as
   ``bench/integrity.py`` does for supports): exactly one notification per person following the
   question, the letter, the question's topic, community, session or councillors (an account
   that still exists, not the official who published); as many new outbox messages as those
   of them with a confirmed address, not refused, e-mail at once, each to its own address in
   its reader's language; a digest entry for each with a daily digest; nothing more after the
   second run.

``plans`` explains the recipients statement of the first and of a middle batch.

Alone: ``python -m bench.fanout --scale 1`` seeds a cluster, measures, checks, explains and
prints the JSON (with ``--output`` it writes it), then removes the cluster.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from flask import Flask

from bench.seed import Seeding
from bench.seed_follows import FollowFacts

ROOT = Path(__file__).resolve().parent.parent
_MARK = "BENCH_FANOUT "
#: Set in the environment, the fan-out runs under cProfile (slower) and reports where its
#: time goes: ``BENCH_FANOUT_PROFILE=1 python -m bench.fanout --scale 10``.
PROFILE = "BENCH_FANOUT_PROFILE"


def _kb(field_name: str) -> int:
    """A line of ``/proc/self/status`` (``VmHWM``, ``VmRSS``) in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return 0


def _kind_of(statement: str) -> str:
    text = " ".join(statement.split()).upper()
    if "FOR UPDATE SKIP LOCKED" in text:
        return "claim the event (SELECT … FOR UPDATE SKIP LOCKED)"
    if text.startswith("SELECT") and ("FROM USERS JOIN (SELECT" in text or " UNION " in text):
        return "recipients (SELECT users … JOIN (follows … UNION …))"
    if text.startswith("INSERT INTO NOTIFICATIONS"):
        return "insert notifications (ON CONFLICT DO NOTHING RETURNING)"
    if text.startswith("INSERT INTO OUTBOX_MESSAGES"):
        return "insert outbox messages"
    if text.startswith("UPDATE EVENTS"):
        return "move the event's cursor (UPDATE events)"
    return "other (the item, its audience, the accounts)"


def _rows(db: Any) -> dict[str, int]:
    """The counts the second run must leave as they are."""
    row = db.session.execute(
        sa.text(
            "SELECT (SELECT count(*) FROM notifications), (SELECT count(*) FROM outbox_messages),"
            " (SELECT count(*) FROM events WHERE fanned_out_at IS NULL)"
        )
    ).one()
    db.session.rollback()
    return {
        "notifications": int(row[0]),
        "outbox_messages": int(row[1]),
        "pending_events": int(row[2]),
    }


def _profile(profiler: cProfile.Profile, top: int = 30) -> list[str]:
    """The functions the fan-out spent its time in, by cumulative time (``PROFILE`` set)."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    return [line.rstrip() for line in out.getvalue().splitlines() if line.strip()]


def child() -> None:
    """In a process of its own: ``fan_out_all()`` twice, timed; one JSON line on stdout."""
    from app import create_app
    from app.extensions import db
    from app.notifications import fanout

    app = create_app()
    timings: dict[str, list[float]] = defaultdict(list)
    with app.app_context():
        engine = db.engine
        # The statements of the first run, by kind: where its time goes.
        recording = [True]

        def before(conn: Any, _cursor: Any, _s: str, _p: Any, _c: Any, _m: bool) -> None:
            conn.info.setdefault("bench_started", []).append(time.perf_counter())

        def after(conn: Any, _cursor: Any, statement: str, _p: Any, _c: Any, _m: bool) -> None:
            began = conn.info["bench_started"].pop()
            if recording[0]:
                timings[_kind_of(statement)].append(time.perf_counter() - began)

        sa.event.listen(engine, "before_cursor_execute", before)
        sa.event.listen(engine, "after_cursor_execute", after)
        # A commit: from the connection's "commit" event (before the COMMIT is sent) to the
        # session's "after_commit" (the server has flushed its WAL and answered).
        committing: list[float] = []

        def commit_starts(_conn: Any) -> None:
            committing.append(time.perf_counter())

        def commit_ends(_session: Any) -> None:
            if committing and recording[0]:
                timings["commit (the WAL flushed to disk)"].append(
                    time.perf_counter() - committing.pop()
                )
            committing.clear()

        sa.event.listen(engine, "commit", commit_starts)
        sa.event.listen(db.session, "after_commit", commit_ends)
        with engine.connect() as warm:  # the pool's first connection is not the fan-out's
            warm.execute(sa.text("SELECT 1"))
        hwm_before, rss_before = _kb("VmHWM"), _kb("VmRSS")
        profiler = cProfile.Profile() if os.environ.get(PROFILE) else None
        started = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        first = fanout.fan_out_all()
        seconds = time.perf_counter() - started
        if profiler is not None:
            profiler.disable()
        hwm_after = _kb("VmHWM")
        recording[0] = False
        rows_first = _rows(db)
        started = time.perf_counter()
        second = fanout.fan_out_all()
        again = time.perf_counter() - started
        rows_second = _rows(db)
        batch_size = int(app.config["NOTIFICATIONS_BATCH_SIZE"])
        sizes = db.session.execute(
            sa.text(
                "SELECT avg(length(body_text)), avg(length(coalesce(body_html, ''))),"
                " avg(length(CAST(headers AS text))) FROM outbox_messages"
            )
        ).one()
        db.session.rollback()
    statements = {
        kind: {
            "statements": len(values),
            "seconds": round(sum(values), 3),
            "mean_ms": round(statistics.fmean(values) * 1000, 2),
            "max_ms": round(max(values) * 1000, 2),
        }
        for kind, values in sorted(timings.items(), key=lambda kv: -sum(kv[1]))
    }
    inside = sum(sum(values) for values in timings.values())
    print(
        _MARK
        + json.dumps(
            {
                "seconds": round(seconds, 3),
                "batch_size": batch_size,
                "batches": first.batches,
                "events_done": first.events_done,
                "notified": first.notified,
                "mailed": first.mailed,
                # Batches that raised and were rolled back (retried later): must be none.
                "failed_batches": int(getattr(first, "failed", 0)),
                "notifications_per_second": round(first.notified / seconds, 1) if seconds else 0,
                "seconds_per_batch": round(seconds / first.batches, 4) if first.batches else 0,
                "statements": statements,
                "seconds_in_the_database": round(inside, 3),  # statements and commits
                "seconds_in_python": round(seconds - inside, 3),  # the app, SQLAlchemy, psycopg
                "outbox_message_chars": {
                    "text": round(float(sizes[0] or 0)),
                    "html": round(float(sizes[1] or 0)),
                    "headers": round(float(sizes[2] or 0)),
                },
                "rss_mb_before": round(rss_before / 1024, 1),
                "peak_mb_before": round(hwm_before / 1024, 1),
                "peak_mb_after": round(hwm_after / 1024, 1),
                "peak_mb_growth": round((hwm_after - max(hwm_before, rss_before)) / 1024, 1),
                "second_run": {
                    "seconds": round(again, 4),
                    "batches": second.batches,
                    "notified": second.notified,
                    "mailed": second.mailed,
                    "events_done": second.events_done,
                },
                "rows_after_first": rows_first,
                "rows_after_second": rows_second,
                **({"profile": _profile(profiler)} if profiler is not None else {}),
            }
        ),
        flush=True,
    )


def _pdf() -> bytes:
    """A real one-page PDF: the signed original the letter's official uploads."""
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def publish(app: Flask, facts: FollowFacts) -> dict[str, Any]:
    """Take the letter from where it is to published, one service call per step, as its
    officials would (``tests/replies/factories.py``'s ``Letters.advance``): the drafter
    submits, another official of the unit approves, the drafter signs (a PDF), sends and
    publishes. The request's part: it only writes the event, the fan-out is the worker's."""
    from werkzeug.datastructures import FileStorage

    from app.auth.models import Role, RoleGrant, User
    from app.core.time import utcnow
    from app.extensions import db
    from app.replies import services
    from app.replies.models import Reply, ReplyState, SignatureMethod

    seen: list[str] = []

    def listener(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    steps: list[str] = []
    with app.app_context():
        engine = db.engine
        reply = db.session.get(Reply, facts.letter_id)
        drafter = db.session.get(User, facts.publisher_id)
        if reply is None or drafter is None:
            raise RuntimeError(f"letter {facts.letter_id} or its official is missing")
        reviewer_id = db.session.scalar(
            sa.select(RoleGrant.user_id)
            .where(
                RoleGrant.role == Role.OFFICIAL,
                RoleGrant.org_unit_id == reply.issuer_unit_id,
                RoleGrant.user_id.not_in(reply.written_by or [drafter.id]),
            )
            .order_by(RoleGrant.user_id)
        )
        reviewer = db.session.get(User, reviewer_id) if reviewer_id else None
        while reply.state is not ReplyState.SENT:
            if reply.state is ReplyState.DRAFT:
                services.submit(drafter, reply)
                steps.append("submitted")
            elif reply.state is ReplyState.IN_REVIEW and reply.approved_at is None:
                if reviewer is None:
                    raise RuntimeError(f"no second official to approve letter {reply.id}")
                services.approve(reviewer, reply)
                steps.append("approved")
            elif reply.state is ReplyState.IN_REVIEW:
                upload = FileStorage(
                    io.BytesIO(_pdf()), "odgovor.pdf", content_type="application/pdf"
                )
                services.sign(
                    drafter,
                    reply,
                    upload=upload,
                    signed_at=utcnow() - timedelta(minutes=2),
                    method=SignatureMethod.QUALIFIED_ESIGNATURE,
                )
                steps.append("signed")
            elif reply.state is ReplyState.SIGNED:
                moment = max(utcnow() - timedelta(minutes=1), reply.signed_at or utcnow())
                services.send(drafter, reply, sent_at=moment)
                steps.append("sent")
            else:
                raise RuntimeError(f"letter {reply.id} is {reply.state.value}: cannot publish it")
        db.session.commit()
        # Publishing itself, timed: what the official's request does.
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            started = time.perf_counter()
            services.publish(drafter, reply)
            db.session.commit()
            seconds = time.perf_counter() - started
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        state = reply.state.value
    return {
        "letter": facts.letter_id,
        "steps_before": steps,
        "state": state,
        "seconds": round(seconds, 3),
        "statements": len(seen),
    }


def _one(connection: psycopg.Connection[Any], sql: str, parameters: Any = ()) -> Any:
    row = connection.execute(sql, parameters).fetchone()
    return row[0] if row else None


def snapshot(connection: psycopg.Connection[Any]) -> dict[str, int]:
    """What the checks compare with: the last outbox message and the counts of rows."""
    found = {
        "outbox_max_id": int(_one(connection, "SELECT coalesce(max(id), 0) FROM outbox_messages")),
        "notifications": int(_one(connection, "SELECT count(*) FROM notifications")),
        "events": int(_one(connection, "SELECT count(*) FROM events")),
    }
    connection.rollback()
    return found


def verify(
    connection: psycopg.Connection[Any],
    facts: FollowFacts,
    before: dict[str, int],
    fanned: dict[str, Any],
) -> dict[str, Any]:
    """The checks of the module's docstring, in SQL apart from the app's audience code."""
    targets = [("reply", facts.letter_id), ("question", facts.question_id), *facts.around]
    values = ", ".join(["(%s, %s)"] * len(targets))
    flat = [x for pair in targets for x in pair]
    event = connection.execute(
        "SELECT id, recipients, fanned_out_at IS NOT NULL FROM events"
        " WHERE item_type = 'reply' AND item_id = %s AND kind = 'reply.published'",
        (facts.letter_id,),
    ).fetchall()
    expected = {
        int(user_id): (email, confirmed, refused, frequency, language)
        for user_id, email, confirmed, refused, frequency, language in connection.execute(
            "SELECT DISTINCT u.id, u.email, u.email_confirmed_at IS NOT NULL,"  # noqa: S608
            " u.email_refused_at IS NOT NULL, u.email_frequency, u.language"
            " FROM follows f JOIN users u ON u.id = f.user_id"
            f" WHERE u.deleted_at IS NULL AND (f.target, f.target_id) IN ({values})"
            " AND u.id <> %s",
            (*flat, facts.publisher_id),
        )
    }
    question_followers = int(
        _one(
            connection,
            "SELECT count(*) FROM follows WHERE target = 'question' AND target_id = %s",
            (facts.question_id,),
        )
    )
    event_id = event[0][0] if len(event) == 1 else None
    told: Counter[int] = Counter()
    states: Counter[str] = Counter()
    if event_id is not None:
        for user_id, mail in connection.execute(
            "SELECT user_id, mail FROM notifications WHERE event_id = %s", (event_id,)
        ):
            told[int(user_id)] += 1
            states[str(mail)] += 1
    outbox = connection.execute(
        "SELECT recipient, language, headers FROM outbox_messages WHERE id > %s",
        (before["outbox_max_id"],),
    ).fetchall()
    connection.rollback()

    def immediate(row: tuple[Any, ...]) -> bool:
        email, confirmed, refused, frequency, _ = row
        return bool(email and confirmed and not refused and frequency == "immediate")

    def daily(row: tuple[Any, ...]) -> bool:
        email, confirmed, refused, frequency, _ = row
        return bool(email and confirmed and not refused and frequency == "daily")

    wanted_mail = {row[0]: row[4] for row in expected.values() if immediate(row)}
    sent_to = Counter(str(recipient) for recipient, _, _ in outbox)
    languages = Counter(str(language) for _, language, _ in outbox)
    wrong_language = sum(
        1 for recipient, language, _ in outbox if wanted_mail.get(recipient) != language
    )
    one_click = sum(
        1
        for _, _, headers in outbox
        if isinstance(headers, dict)
        and headers.get("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
        and str(headers.get("List-Unsubscribe", "")).startswith("<")
    )
    digest_wanted = sum(1 for row in expected.values() if daily(row))
    missing = len(set(expected) - set(told))
    extra = len(set(told) - set(expected))
    duplicates = sum(n - 1 for n in told.values() if n > 1)
    checks = {
        "one event for the letter": len(event) == 1,
        "event fanned out": bool(event and event[0][2]),
        "event's counter equals its notifications": bool(event)
        and event[0][1] == sum(told.values()),
        "every follower told": missing == 0,
        "nobody else told": extra == 0,
        "nobody told twice": duplicates == 0,
        "outbox messages equal the followers mailed at once": len(outbox) == len(wanted_mail),
        "each of them to its own address, once": set(sent_to) == set(wanted_mail)
        and all(n == 1 for n in sent_to.values()),
        "each in its reader's language": wrong_language == 0,
        "each with one-click unsubscribe headers": one_click == len(outbox),
        "a digest entry for each daily reader": states.get("digest", 0) == digest_wanted,
        "no batch failed": fanned.get("failed_batches", 0) == 0,
        "nothing left to fan out": fanned["rows_after_first"]["pending_events"] == 0,
        "the second run found nothing to do": fanned["second_run"]["batches"] == 0
        and fanned["second_run"]["notified"] == 0,
        "the second run wrote nothing": fanned["rows_after_first"] == fanned["rows_after_second"],
    }
    return {
        "ok": all(checks.values()),
        "checks": checks,
        "question_followers": question_followers,
        "audience_targets": [f"{target}:{target_id}" for target, target_id in targets],
        "expected_recipients": len(expected),
        "notifications": sum(told.values()),
        "missing": missing,
        "extra": extra,
        "duplicates": duplicates,
        "mail_states": dict(states.most_common()),
        "outbox_messages": len(outbox),
        "expected_mail": len(wanted_mail),
        "outbox_languages": dict(languages.most_common()),
        "digest_entries": states.get("digest", 0),
    }


def run_child(environment: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.fanout", "--child"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith(_MARK)), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"the fan-out failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(line[len(_MARK) :])
    return result


def measure(
    seeding: Seeding, environment: dict[str, str], connection: psycopg.Connection[Any]
) -> dict[str, Any] | None:
    """Publish, fan out (twice), check: the fan-out's figures and its checks."""
    facts = seeding.follows
    if facts is None:
        return None
    before = snapshot(connection)
    published = publish(seeding.app, facts)
    result = run_child(environment)
    after = snapshot(connection)
    checked = verify(connection, facts, before, result)
    result["notifications_written"] = after["notifications"] - before["notifications"]
    result["outbox_written"] = after["outbox_max_id"] - before["outbox_max_id"]
    return {"published": published, **result, "verified": checked}


def plans(app: Flask, facts: FollowFacts) -> list[Any]:
    """The recipients statement of the first batch and of a middle one, explained."""
    from app.extensions import db
    from app.notifications import audience
    from app.notifications.models import Event
    from bench import plans as explaining

    with app.app_context():
        event = db.session.scalar(
            sa.select(Event).where(
                Event.item_type == "reply",
                Event.item_id == facts.letter_id,
                Event.kind == "reply.published",
            )
        )
        if event is None:
            return []
        event_id = event.id
        size = int(app.config["NOTIFICATIONS_BATCH_SIZE"])
        ids = sorted(
            db.session.scalars(
                sa.text("SELECT user_id FROM notifications WHERE event_id = :e"), {"e": event_id}
            )
        )
        middle = ids[len(ids) // 2] if ids else 0
        db.session.rollback()

    def batch(after: int) -> Any:
        def call() -> None:
            loaded = db.session.get(Event, event_id)
            assert loaded is not None  # noqa: S101
            audience.recipients(audience.of(loaded), after=after, limit=size)

        return call

    return [
        explaining.call_plans(app, "fan-out, recipients of the first batch", batch(0)),
        explaining.call_plans(
            app, f"fan-out, recipients of a middle batch (after user {middle})", batch(middle)
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The fan-out's benchmark (bench/fanout.py).")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--output", type=Path, help="write the JSON there")
    args = parser.parse_args(argv)
    if args.child:
        child()
        return 0
    from bench import plans as explaining
    from bench.cluster import BenchPostgres
    from bench.seed import SCALES, seed
    from bench.servers import app_environment

    cluster = BenchPostgres().start()
    connection: psycopg.Connection[Any] | None = None
    try:
        url = cluster.create_database("glas_bench")
        environment = app_environment(url, cluster.root / "instance")
        seeding = seed(environment, SCALES[args.scale])
        connection = psycopg.connect(dbname="glas_bench", user="glas", host=str(cluster.socket_dir))
        result = measure(seeding, environment, connection)
        if result is None or seeding.follows is None:
            print("no follows at this scale")
            return 1
        explained = plans(seeding.app, seeding.follows)
        result["plans"] = explaining.index_summary(explained)
        text = json.dumps(
            {"follows": seeding.follows.as_json(), "fan_out": result}, indent=1, default=str
        )
        print(text)
        if args.output:
            args.output.write_text(text + "\n", encoding="utf-8")
            args.output.with_suffix(".plans.txt").write_text(
                explaining.report(explained, f"Fan-out plans at {args.scale}x")
            )
        return 0 if result["verified"]["ok"] else 1
    finally:
        if connection is not None:
            connection.close()
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
