"""The query plans of the measured pages: ``EXPLAIN (ANALYZE, BUFFERS)`` of what the app sends.

No SQL is copied from the app: each page is requested in-process (Flask's test client, the
benchmark's configuration and database) while a SQLAlchemy listener records every statement
with its parameters; each SELECT is then explained with those same parameters. So the plans
follow the app as it changes, and show the lead where an index, a capped count or a keyset
page would help: sequential scans of the big tables, sorts of many rows, slow executions.

``bench/run.py`` explains its pages after measuring them. Alone, without servers or load,
``python -m bench.plans --scale 10`` seeds a cluster once, explains the same pages (the support
POSTs with a resident signed in in-process) and writes the report (``--output``, by default
in the temporary folder), then removes the cluster.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask

#: Tables big enough that reading them whole is a finding.
BIG_TABLES = (
    "initiatives", "initiative_supports", "users", "initiative_events", "audit_entries",
    "questions", "question_supports", "question_events", "question_authors",
    "question_addressees", "question_search_documents", "initiative_search_documents",
    "replies", "reply_units", "reply_participants", "reply_recipients", "reply_coverage",
    "reply_attachments", "reply_events", "answer_verdicts", "reply_search_documents",
    "follows", "events", "notifications", "outbox_messages",
)  # fmt: skip
#: A statement slower than this (inside PostgreSQL) is a finding of its own.
SLOW_MS = 20.0
_SEQ_SCAN = re.compile(r"Seq Scan on (\w+).*?rows=(\d+) loops=(\d+)")
_SORT = re.compile(r"Sort Method: ([\w-]+(?: [\w-]+)?)\s+(?:Memory|Disk): (\d+)kB")
_EXECUTION = re.compile(r"Execution Time: ([\d.]+) ms")
_INDEX = re.compile(r"(?:Index(?: Only)? Scan(?: Backward)? using|Bitmap Index Scan on) (\w+)")
#: The tables of following and notifications (issue 11): their statements are summarised.
NOTIFICATION_TABLES = ("follows", "notifications", "events")


@dataclass
class Statement:
    sql: str
    parameters: Any
    plan: str = ""
    execution_ms: float = 0.0
    findings: list[str] = field(default_factory=list)

    @property
    def short(self) -> str:
        text = " ".join(self.sql.split())
        text = re.sub(r"SELECT ((?:(?!SELECT|FROM).){60,}?) FROM", "SELECT … FROM", text)
        return text[:160] + ("…" if len(text) > 160 else "")


@dataclass
class PagePlans:
    name: str
    path: str
    status: int
    statements: list[Statement]
    method: str = "GET"

    @property
    def total_ms(self) -> float:
        return sum(s.execution_ms for s in self.statements)


def _findings(plan: str) -> list[str]:
    found = []
    for table, rows, loops in _SEQ_SCAN.findall(plan):
        if table in BIG_TABLES:
            found.append(f"Seq Scan on {table} ({int(rows) * int(loops):,} rows)")
    for method, kb in _SORT.findall(plan):
        found.append(f"Sort ({method}, {kb} kB)")
    if "_search_documents_document" in plan or "ix_initiatives_search_vector" in plan:
        found.append("GIN search")
    return found


def capture(
    app: Flask, path: str, *, cookie: tuple[str, str] | None = None, **request: Any
) -> tuple[int, list[Statement]]:
    """Every statement the app sends for one request of ``path`` (with a session cookie)."""
    from app.extensions import db

    seen: list[Statement] = []

    def listener(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append(Statement(statement, parameters))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        client = app.test_client()
        if cookie is not None:
            client.set_cookie(*cookie)
        method = request.pop("method", "GET")
        response = client.open(path, method=method, **request)
        response.get_data()  # a streamed body (the CSV export) runs its queries now
        status = response.status_code
        response.close()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return status, seen


def explain(app: Flask, statements: list[Statement]) -> None:
    """Fill each SELECT's plan, execution time and findings (other statements are listed)."""
    from app.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        for statement in statements:
            head = statement.sql.lstrip().split(None, 1)[0].upper()
            if head not in ("SELECT", "WITH"):
                continue
            rows = connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, statement.parameters
            ).all()
            statement.plan = "\n".join(row[0] for row in rows)
            found = _EXECUTION.search(statement.plan)
            statement.execution_ms = float(found.group(1)) if found else 0.0
            statement.findings = _findings(statement.plan)
            if statement.execution_ms > SLOW_MS:
                statement.findings.append(f"over {SLOW_MS:g} ms")
        connection.rollback()


def page_plans(app: Flask, pages: list[tuple[str, str]]) -> list[PagePlans]:
    result = []
    # The statements of a page made, not of one served from the cache of anonymous pages
    # (which sends none); the reference data kept in the process stays as it is.
    seconds = app.config["PAGE_CACHE_SECONDS"]
    app.config["PAGE_CACHE_SECONDS"] = 0
    try:
        for name, path in pages:
            status, statements = capture(app, path)
            explain(app, statements)
            result.append(PagePlans(name, path, status, statements))
    finally:
        app.config["PAGE_CACHE_SECONDS"] = seconds
    return result


def post_plans(
    app: Flask, name: str, path: str, cookie: tuple[str, str], token: str, address: str
) -> PagePlans:
    """A signed-in POST (a new support): its statements, the SELECTs among them explained."""
    status, statements = capture(
        app,
        path,
        cookie=cookie,
        method="POST",
        data={"csrf_token": token},
        headers={"Sec-Fetch-Site": "same-origin", "X-Forwarded-For": address},
    )
    explain(app, statements)
    return PagePlans(name, path, status, statements, "POST")


def signed_in_plans(app: Flask, name: str, path: str, cookie: tuple[str, str]) -> PagePlans:
    """A signed-in GET (never cached): its statements, the SELECTs among them explained."""
    status, statements = capture(app, path, cookie=cookie)
    explain(app, statements)
    return PagePlans(name, path, status, statements)


def call_plans(app: Flask, name: str, call: Any) -> PagePlans:
    """The statements of a call in an app context (the fan-out's), the SELECTs explained."""
    from app.extensions import db

    seen: list[Statement] = []

    def listener(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append(Statement(statement, parameters))

    with app.app_context():
        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            call()
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
            db.session.rollback()
    explain(app, seen)
    return PagePlans(name, "(in-process call)", 200, seen, "CALL")


def indexes(plan: str) -> list[str]:
    """The indexes a plan reads, in order, once each."""
    return list(dict.fromkeys(_INDEX.findall(plan)))


def index_summary(pages: list[PagePlans]) -> list[dict[str, Any]]:
    """Each explained statement on the tables of following and notifications: its time, the
    indexes it reads and the big tables it reads whole (for the JSON and the docs)."""
    found = []
    for page in pages:
        for statement in page.statements:
            if not statement.plan:
                continue
            text = " ".join(statement.sql.split()).lower()
            tables = [t for t in NOTIFICATION_TABLES if re.search(rf"\b(from|join) {t}\b", text)]
            if not tables:
                continue
            found.append(
                {
                    "page": page.name,
                    "statement": statement.short,
                    "tables": tables,
                    "execution_ms": statement.execution_ms,
                    "indexes": indexes(statement.plan),
                    "seq_scans": [f for f in statement.findings if f.startswith("Seq Scan")],
                    "findings": statement.findings,
                }
            )
    return found


def anonymous_token(app: Flask, path: str) -> str:
    """The CSRF token of the form at ``path`` as an anonymous visitor's browser reads it."""
    from bench.residents import _TOKEN

    response = app.test_client().get(path, headers={"X-Forwarded-For": "127.7.7.7"})
    found = _TOKEN.search(response.get_data(as_text=True))
    if response.status_code != 200 or found is None:
        raise RuntimeError(f"no CSRF token in the form at {path} ({response.status_code})")
    return found.group(1)


def form_post_plans(app: Flask, name: str, path: str, data: dict[str, str]) -> PagePlans:
    """An anonymous form's POST (the check of a letter): its statements, SELECTs explained."""
    status, statements = capture(
        app,
        path,
        method="POST",
        data={"csrf_token": anonymous_token(app, path), **data},
        headers={"Sec-Fetch-Site": "same-origin", "X-Forwarded-For": "127.7.7.8"},
    )
    explain(app, statements)
    return PagePlans(name, path, status, statements, "POST")


def report(pages: list[PagePlans], title: str) -> str:
    """The plans file: a summary of the slowest statements first, then every plan in full."""
    lines = [title, "=" * len(title), ""]
    lines.append("Slowest statements (execution time inside PostgreSQL, one run, warm cache):")
    lines.append("")
    ranked = sorted(
        ((page, s) for page in pages for s in page.statements if s.plan),
        key=lambda item: -item[1].execution_ms,
    )
    for page, statement in ranked[:15]:
        flags = "; ".join(statement.findings) or "index scans only"
        lines.append(f"  {statement.execution_ms:9.2f} ms  {page.name}: {flags}")
        lines.append(f"               {statement.short}")
    lines.append("")
    lines.append("Statements per request (every round trip to the database):")
    lines.append("")
    for page in pages:
        lines.append(
            f"  {page.name:<28} {len(page.statements):3} statements, "
            f"{page.total_ms:8.2f} ms of SELECT execution (HTTP {page.status})"
        )
    lines.append("")
    lines.append("The slowest statement of each request:")
    lines.append("")
    for page in pages:
        timed = [s for s in page.statements if s.plan]
        if not timed:
            continue
        slowest = max(timed, key=lambda s: s.execution_ms)
        flags = "; ".join(slowest.findings) or "index scans only"
        lines.append(f"  {page.name:<40} {slowest.execution_ms:8.2f} ms  {flags}")
        lines.append(f"  {'':<40} {slowest.short}")
    for page in pages:
        heading = f"{page.name}: {page.method} {page.path} (HTTP {page.status})"
        lines += ["", "-" * 100, heading, "-" * 100]
        for n, statement in enumerate(page.statements, 1):
            lines += ["", f"[{n}] {statement.short}"]
            if statement.plan:
                lines += ["", statement.plan]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Seed one scale, explain every page the benchmark measures, write the report."""
    import argparse
    import random
    import tempfile
    import time
    from datetime import UTC, datetime
    from pathlib import Path

    import psycopg

    from bench import residents, run
    from bench.cluster import BenchPostgres
    from bench.seed import SCALES, seed
    from bench.servers import app_environment

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--scale", type=int, choices=sorted(SCALES), default=1)
    parser.add_argument("--output", type=Path, help="the report (default: in the temporary folder)")
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    output = args.output or Path(tempfile.gettempdir()) / f"glas-plans-{scale.factor}x.txt"
    cluster = BenchPostgres().start()
    connection: psycopg.Connection[Any] | None = None
    try:
        work = cluster.root / "work"
        work.mkdir()
        url = cluster.create_database("glas_bench")
        started = time.perf_counter()
        environment = app_environment(url, cluster.root / "instance")
        seeding = seed(environment, scale)
        print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
        app = seeding.app
        cookie_name = app.config["SESSION_COOKIE_NAME"]
        connection = seeding.connection = psycopg.connect(
            dbname="glas_bench", user="glas", host=str(cluster.socket_dir)
        )
        unused = run.PairCursor(work / "none.tsv", 0, cookie_name)
        rng = random.Random(f"glas-bench-run-{scale.factor}")  # noqa: S311  (as run.py's)
        measured, _, facts = run._endpoints(seeding, connection, work, unused, unused, rng, unused)
        opened = residents.open_initiatives(app)
        explained = page_plans(app, run.plan_pages(measured, facts, opened[1]))
        # The POSTs: one resident, signed in as the benchmark signs them in, and a new support.
        resident = residents.sign_in(app, 1)[0]
        residents.fetch_token_in_process(app, cookie_name, resident, f"/initiatives/{opened[0]}")
        cookie = (cookie_name, resident.cookie)
        for name, pairs, target in (
            ("support POST", residents.support_pairs(app, [resident], opened, 1, rng),
             "/initiatives/{}/support"),
            ("question support POST",
             residents.question_support_pairs(
                 app, [resident], residents.open_questions(app), 1, rng
             ),
             "/questions/{}/support"),
        ):  # fmt: skip
            if pairs:
                path = target.format(pairs[0][1])
                explained.append(
                    post_plans(app, name, path, cookie, resident.token, resident.address)
                )
        for name, data in run.verify_posts(facts):
            explained.append(form_post_plans(app, name, "/replies/verify", data))
        if seeding.follows is not None:
            # Following and notifications: the fan-out of the letter, then the heaviest user's
            # pages signed in, and the fan-out's recipients statement.
            from bench import fanout

            fanout.measure(seeding, environment, connection)
            follows = seeding.follows
            heaviest = residents.sign_in_accounts(app, follows.heavy_users[:1], first_address=9000)
            pages = {
                "question": f"/questions/{follows.question_id}",
                "control": f"/questions/{follows.control_question_id}",
            }
            for name, path in run.signed_in_pages({"follow_pages": pages}):
                explained.append(
                    signed_in_plans(app, name, path, (cookie_name, heaviest[0].cookie))
                )
            explained += fanout.plans(app, follows)
        title = (
            f"Query plans of Glas at {scale.factor}x ({scale.accounts:,} accounts, "
            f"{scale.initiatives:,} initiatives, {scale.supports:,} supports, "
            f"{scale.questions:,} questions, {scale.replies:,} replies), "
            f"{datetime.now(UTC).date().isoformat()}"
        )
        text = report(explained, title)
        output.write_text(text, encoding="utf-8")
        print(text.split("\n" + "-" * 100, 1)[0])
        print(f"written: {output}")
        failed = [page.name for page in explained if page.status >= 400]
        if failed:
            print(f"pages that did not answer as expected: {', '.join(failed)}")
        return 1 if failed else 0
    finally:
        if connection is not None:
            connection.close()
        cluster.stop()


if __name__ == "__main__":
    import sys

    sys.exit(main())
