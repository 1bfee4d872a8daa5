"""The benchmark of Glas: ``make bench`` (both scales) or ``make bench SCALE=1``.

For each scale it starts a throwaway PostgreSQL cluster (durability on), seeds it
(``bench/seed.py``), starts Glas and the bare hello app under the same gunicorn settings,
opens real sessions for many residents, and measures every page with ``wrk`` on loopback,
alternating with the hello app so that drift (other work on the machine, CPU frequency)
cancels out. Then: search latency over ~200 varied queries, the query plans of every
measured page, and the integrity run. Before the load, the fan-out of a reply letter to the
10,000 followers of its question (``bench/fanout.py``: timed, then checked); among the pages,
the signed-in ones of following and notifications. It prints one table and writes
``bench/results/<date>-<scale>x.json`` and ``…-plans.txt``. Everything it started is
stopped on the way out, also on failure, Ctrl-C or SIGTERM.

    python -m bench.run [--scale 1] [--scale 10] [--duration 8] [--rounds 2]
                        [--only WORDS …] [--name SUFFIX]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import quote

import psycopg
import requests

from bench import fanout, integrity, plans, residents, searches
from bench.cluster import BenchPostgres
from bench.seed import SCALES, Scale, Seeding, seed
from bench.servers import (
    WORKERS,
    MemoryWatch,
    Process,
    app_environment,
    free_port,
    start_gunicorn,
    start_redis,
)

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
WRK_SCRIPTS = BENCH / "wrk"
#: Sessions of distinct residents whose support POSTs are measured, and pairs for each.
POST_RESIDENTS = 600
PAIRS_PER_RESIDENT = 40

#: The targets of design §7 and issue 8, checked at 10x (shown at 1x too).
PAGE_RATIO, PAGE_P99_MS = 0.5, 50.0
SEARCH_P95_MS = 30.0
POST_RATIO, POST_P99_MS = 0.15, 50.0
WORKER_RSS_MB = 150.0
SCALE_SLOWDOWN = 1.5


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


# --- what is measured ---------------------------------------------------------------------


@dataclass
class Endpoint:
    """One line of the table: a page (or a rotation of pages) and how to load it."""

    name: str
    #: The path shown (for a rotation: its first path, or a description).
    path: str
    #: page, signed (a page signed in: never cached, held to the pages' target), search,
    #: post, export, data (made on every request, informational) or info; decides the target
    #: it is held to.
    group: str
    #: Arguments after ``--`` for the wrk script.
    script: str = "get.lua"
    arguments: list[str] = field(default_factory=list)
    expected: tuple[int, ...] = (200,)
    #: Support POSTs: where the next run starts in the file of pairs (none is sent twice).
    pairs: PairCursor | None = None
    #: A heavy page (the CSV export) is loaded by one connection per worker, for runs long
    #: enough to finish a few (see ``heavy_seconds``); ``None``: the common settings.
    connections: int | None = None
    seconds: float | None = None


@dataclass
class PairCursor:
    """A file of distinct (resident, initiative) pairs and how many runs have used so far."""

    file: Path
    size: int
    cookie_name: str
    address: str | None = None
    used: int = 0
    #: The table the supports go into (``_settle`` waits until it stops growing).
    table: str = "initiative_supports"

    def arguments(self, threads: int) -> list[str]:
        fixed = [self.address] if self.address else []
        return [str(self.file), str(threads), self.cookie_name, str(self.used), *fixed]


@dataclass
class Measurement:
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests: int
    statuses: dict[str, int]
    errors: dict[str, int]
    unexpected: int
    reused: int = 0
    #: Responses a signed-in script found not signed in (``signed_in.lua``).
    anonymous: int = 0


def run_wrk(
    url: str, endpoint: Endpoint, seconds: float, connections: int, threads: int
) -> Measurement:
    command = [
        "wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s", "--latency",
        "--timeout", "30s", "-s", str(WRK_SCRIPTS / endpoint.script), url, "--",
        *(endpoint.pairs.arguments(threads) if endpoint.pairs else endpoint.arguments),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=BENCH)  # noqa: S603
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed for {endpoint.name}:\n{done.stdout}\n{done.stderr}")
    data = json.loads(line.split(" ", 1)[1])
    if endpoint.pairs is not None:
        # A request still in flight when wrk stopped may have been served without being
        # counted: skip one line per connection too.
        endpoint.pairs.used += int(data["requests"]) + connections
    statuses = {str(k): int(v) for k, v in data["statuses"].items()}
    expected = {str(code) for code in endpoint.expected}
    latency = data["latency_us"]
    anonymous = int(data["extra"].get("anonymous", 0))
    return Measurement(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=latency["p50"] / 1000,
        p95_ms=latency["p95"] / 1000,
        p99_ms=latency["p99"] / 1000,
        requests=int(data["requests"]),
        statuses=statuses,
        errors={k: int(v) for k, v in data["errors"].items() if v},
        unexpected=sum(n for code, n in statuses.items() if code not in expected)
        + sum(int(v) for k, v in data["errors"].items() if k != "status")
        + anonymous,
        reused=int(data["extra"].get("reused", 0)),
        anonymous=anonymous,
    )


@dataclass
class Result:
    endpoint: Endpoint
    rounds: list[Measurement] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)

    def mean(self, attribute: str) -> float:
        return statistics.fmean(getattr(m, attribute) for m in self.rounds)

    def worst(self, attribute: str) -> float:
        return max(float(getattr(m, attribute)) for m in self.rounds)

    def total(self, attribute: str) -> int:
        return sum(getattr(m, attribute) for m in self.rounds)

    def statuses(self) -> dict[str, int]:
        merged: dict[str, int] = {}
        for m in self.rounds:
            for code, n in m.statuses.items():
                merged[code] = merged.get(code, 0) + n
        return merged

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.endpoint.name,
            "path": self.endpoint.path,
            "group": self.endpoint.group,
            "rps": round(self.mean("rps"), 1),
            "ratio": round(statistics.fmean(self.ratios), 4) if self.ratios else None,
            "p50_ms": round(self.worst("p50_ms"), 2),
            "p95_ms": round(self.worst("p95_ms"), 2),
            "p99_ms": round(self.worst("p99_ms"), 2),
            "requests": self.total("requests"),
            "statuses": self.statuses(),
            "unexpected": self.total("unexpected"),
            # A run in which no response came back measured nothing: a failure.
            "empty_runs": sum(1 for m in self.rounds if m.requests == 0),
            "rounds": [round(m.rps, 1) for m in self.rounds],
            # Each round apart (its ratio to the hello runs beside it): a round during which
            # the machine was busy with other work shows here, not only in the worst p99.
            "round_details": [
                {
                    "rps": round(m.rps, 1),
                    "ratio": round(self.ratios[n], 4) if n < len(self.ratios) else None,
                    "p50_ms": round(m.p50_ms, 2),
                    "p99_ms": round(m.p99_ms, 2),
                }
                for n, m in enumerate(self.rounds)
            ],
        }


def schedule(endpoints: list[Endpoint], rounds: int) -> list[Endpoint | None]:
    """The order of the runs: ``None`` is the hello app, between every two pages.

    Every other round goes backwards, so a page measured early in one round is measured
    late in the next: slow drift of the machine affects every page alike.
    """
    order: list[Endpoint | None] = []
    for n in range(rounds):
        pages = endpoints if n % 2 == 0 else list(reversed(endpoints))
        order.append(None)
        for i, endpoint in enumerate(pages):
            order.append(endpoint)
            if i % 2 == 1 or i == len(pages) - 1:
                order.append(None)
    return order


# --- one scale ----------------------------------------------------------------------------


@dataclass
class Options:
    duration: float
    rounds: int
    warmup: float
    connections: int
    threads: int
    output: Path
    #: Request every page of each rotation once before measuring (``_prime``).
    prime: bool = True
    #: Measure only the endpoints whose name contains one of these (and the POSTs, whose
    #: checks the report needs); empty: all of them.
    only: tuple[str, ...] = ()


def _paths_file(folder: Path, name: str, paths: list[str]) -> Path:
    path = folder / f"{name}.paths"
    path.write_text("\n".join(paths) + "\n", encoding="utf-8")
    return path


def _sql_states(states: Any) -> str:
    return ", ".join(f"'{state.value}'" for state in states)


def _ids(connection: psycopg.Connection[Any], query: str) -> list[int]:
    found = [int(i) for (i,) in connection.execute(query)]
    connection.rollback()
    return found


def _endpoints(
    seeding: Seeding,
    connection: psycopg.Connection[Any],
    folder: Path,
    pairs: PairCursor,
    single: PairCursor,
    rng: random.Random,
    question_pairs: PairCursor,
) -> tuple[list[Endpoint], list[Endpoint], dict[str, Any]]:
    """The measured endpoints, the informational ones, and facts about the chosen queries."""
    from app.questions.models import LISTED, PUBLIC

    listed = connection.execute(
        "SELECT count(*) FROM initiatives"
        " WHERE state IN ('published', 'awaiting_response', 'answered', 'completed', 'expired')"
    ).fetchone()
    pages = max(1, -(-int(listed[0] if listed else 0) // 20))
    deep = max(1, int(pages * 0.9))
    public = [
        i
        for (i,) in connection.execute(
            "SELECT id FROM initiatives WHERE published_at IS NOT NULL"
            " AND state NOT IN ('withdrawn') ORDER BY md5(id::text) LIMIT 200"
        )
    ]
    connection.rollback()
    chosen = searches.representative(connection, seeding.text)
    varied = searches.queries(connection, seeding.text, rng)
    # Questions, sessions and councillors (their own generator: the initiatives' queries and
    # pairs stay what they were before questions were measured).
    question_rng = random.Random(f"glas-bench-run-questions-{seeding.scale.factor}")  # noqa: S311
    listed_questions = _ids(
        connection,
        f"SELECT count(*) FROM questions WHERE state IN ({_sql_states(LISTED)})",  # noqa: S608
    )[0]
    question_pages = max(1, -(-listed_questions // 20))
    question_deep = max(1, int(question_pages * 0.9))
    public_questions = _ids(
        connection,
        f"SELECT id FROM questions WHERE state IN ({_sql_states(PUBLIC)})"  # noqa: S608
        " AND NOT (state = 'withdrawn' AND published_at IS NULL)"
        " ORDER BY md5(id::text) LIMIT 200",
    )
    sessions = _ids(connection, "SELECT id FROM council_sessions ORDER BY md5(id::text) LIMIT 200")
    councillors = _ids(
        connection,
        "SELECT person_id FROM (SELECT DISTINCT person_id FROM council_mandates) AS seated"
        " ORDER BY md5(person_id::text) LIMIT 200",
    )
    question_varied = searches.queries(
        connection, seeding.text, question_rng, corpus=searches.QUESTIONS
    )
    site_varied = searches.mixed("/search", varied[::2], question_varied[::2])

    def get(name: str, path: str, group: str = "page") -> Endpoint:
        file = _paths_file(folder, name.replace(" ", "-").replace(",", ""), [path])
        return Endpoint(name, path, group, arguments=[str(file)])

    def search(kind: str) -> Endpoint:
        query = searches.Query(kind, chosen[kind][0])
        return get(f"search, {kind}", query.path, "search")

    details = _paths_file(folder, "details", [f"/initiatives/{i}" for i in public])
    varied_file = _paths_file(folder, "searches", [q.path for q in varied])

    def rotation(name: str, path: str, group: str, paths: list[str]) -> Endpoint:
        file = _paths_file(folder, name.split(" (")[0].replace(" ", "-").replace(",", ""), paths)
        return Endpoint(name, path, group, arguments=[str(file)])

    questions = [
        get("questions, default (newest)", "/questions/"),
        get("questions, overdue", "/questions/?state=overdue"),
        get("questions, by due date", "/questions/?sort=due"),
        get("questions, councillors' initiatives", "/questions/?origin=councillor&kind=initiative"),
        get(
            f"questions, deep page ({question_deep} of {question_pages})",
            f"/questions/?page={question_deep}",
        ),
        rotation(
            f"question page ({len(public_questions)} rotating)",
            "/questions/<id>",
            "page",
            [f"/questions/{i}" for i in public_questions],
        ),
        rotation(
            f"question search, {len(question_varied)} varied queries",
            "/questions/?q=<varied>",
            "search",
            [q.path for q in question_varied],
        ),
        rotation(
            f"site search, {len(site_varied)} varied queries",
            "/search?q=<varied>",
            "search",
            [q.path for q in site_varied],
        ),
        get("sessions list", "/sessions/"),
        rotation(
            f"session page ({len(sessions)} rotating)",
            "/sessions/<id>",
            "page",
            [f"/sessions/{i}" for i in sessions],
        ),
        get("councillors list", "/councillors/"),
        rotation(
            f"councillor page ({len(councillors)} rotating)",
            "/councillors/<id>",
            "page",
            [f"/councillors/{i}" for i in councillors],
        ),
    ]
    reply_pages, reply_data, reply_facts = _reply_endpoints(
        seeding, connection, folder, rotation, get
    )
    project_pages, project_data, project_facts = _project_endpoints(connection, rotation, get)
    reply_pages += project_pages + _api_endpoints(connection, rotation, get)
    reply_data += project_data
    reply_facts["reply_rotation_pages"] = [
        *reply_facts.get("reply_rotation_pages", []),
        *project_facts.pop("project_rotation_pages", []),
    ]
    reply_facts.update(project_facts)
    measured = [
        get("list, default (newest)", "/initiatives/"),
        get("list, most supported", "/initiatives/?sort=supported"),
        get("list, closing soon", "/initiatives/?sort=closing"),
        get("list, open + topic filter", "/initiatives/?state=open&topic=promet"),
        get(f"list, deep page ({deep} of {pages})", f"/initiatives/?page={deep}"),
        Endpoint(
            "initiative page (200 rotating)", "/initiatives/<id>", "page", arguments=[str(details)]
        ),
        get("home page", "/"),
        search("common"),
        search("rare"),
        search("words"),
        Endpoint(
            f"search, {len(varied)} varied queries",
            "/initiatives/?q=<varied>",
            "search",
            arguments=[str(varied_file)],
        ),
        *questions,
        *reply_pages,
        replace(
            get("CSV export (whole list)", "/initiatives/export.csv", "export"),
            connections=WORKERS,
        ),
        replace(
            get("questions CSV export (whole list)", "/questions/export.csv", "export"),
            connections=WORKERS,
        ),
        *reply_data,
        Endpoint(
            "support POST (new support each)",
            "/initiatives/<id>/support",
            "post",
            "support.lua",
            expected=(302,),
            pairs=pairs,
        ),
        Endpoint(
            "question support POST (new support each)",
            "/questions/<id>/support",
            "post",
            "support.lua",
            expected=(302,),
            pairs=question_pairs,
        ),
    ]
    informational = [
        Endpoint(
            "support POST, all from one address",
            "/initiatives/<id>/support",
            "info",
            "support.lua",
            expected=(302,),
            pairs=single,
        ),
    ]
    facts = {
        "list_pages": pages,
        "deep_page": deep,
        "search_common": {"q": chosen["common"][0], "initiatives": chosen["common"][1]},
        "search_rare": {"q": chosen["rare"][0], "initiatives": chosen["rare"][1]},
        "search_words": {"q": chosen["words"][0]},
        "varied_queries": [asdict(q) for q in varied],
        "question_list_pages": question_pages,
        "question_deep_page": question_deep,
        "question_varied_queries": [asdict(q) for q in question_varied],
        "site_varied_queries": [asdict(q) for q in site_varied],
        # One page of each rotation, for the query plans (``plan_pages``).
        "rotation_pages": [
            ("question page", f"/questions/{public_questions[0]}"),
            ("question search, varied (first)", question_varied[0].path),
            ("site search, varied (first)", site_varied[0].path),
            ("session page", f"/sessions/{sessions[0]}"),
            ("councillor page", f"/councillors/{councillors[0]}"),
            *reply_facts.pop("reply_rotation_pages", []),
        ],
        **reply_facts,
    }
    return measured, informational, facts


_PUBLIC_REPLIES = "state IN ('published', 'corrected', 'retracted')"


def _one(connection: psycopg.Connection[Any], query: str) -> Any:
    row = connection.execute(query).fetchone()  # type: ignore[call-overload]
    connection.rollback()
    return row[0] if row else None


def _reply_endpoints(
    seeding: Seeding,
    connection: psycopg.Connection[Any],
    folder: Path,
    rotation: Any,
    get: Any,
) -> tuple[list[Endpoint], list[Endpoint], dict[str, Any]]:
    """Reply letters and accountability (issue 10): the measured pages, the exports, facts.

    Returns the pages and searches (held to their targets), the exports and data files
    (informational: made on every request, never cached) and the facts of the choices.
    """
    if _one(connection, "SELECT to_regclass('replies') IS NOT NULL") is not True:
        return [], [], {}
    rng = random.Random(f"glas-bench-run-replies-{seeding.scale.factor}")  # noqa: S311
    public = int(_one(connection, f"SELECT count(*) FROM replies WHERE {_PUBLIC_REPLIES}") or 0)  # noqa: S608
    if not public:
        return [], [], {}
    pages = max(1, -(-public // 20))
    deep = max(1, int(pages * 0.9))
    # The busiest unit, year, session and councillor of the letters: the filters' values.
    unit = _one(
        connection,
        "SELECT o.code FROM replies r JOIN org_units o ON o.id = r.issuer_unit_id"  # noqa: S608
        f" WHERE r.{_PUBLIC_REPLIES} GROUP BY o.code ORDER BY count(*) DESC LIMIT 1",
    )
    year = _one(
        connection,
        "SELECT extract(year FROM letter_date)::int FROM replies"  # noqa: S608
        f" WHERE {_PUBLIC_REPLIES} GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
    )
    session = _one(
        connection,
        "SELECT q.session_id FROM reply_coverage c JOIN replies r ON r.id = c.reply_id"  # noqa: S608
        f" JOIN questions q ON q.id = c.question_id WHERE r.{_PUBLIC_REPLIES}"
        " AND q.session_id IS NOT NULL GROUP BY 1 ORDER BY count(DISTINCT r.id) DESC LIMIT 1",
    )
    councillor = _one(
        connection,
        "SELECT a.person_id FROM reply_coverage c JOIN replies r ON r.id = c.reply_id"  # noqa: S608
        " JOIN question_authors a ON a.question_id = c.question_id"
        f" WHERE r.{_PUBLIC_REPLIES} GROUP BY 1 ORDER BY count(DISTINCT r.id) DESC LIMIT 1",
    )
    letters = _ids(
        connection,
        f"SELECT id FROM replies WHERE {_PUBLIC_REPLIES} ORDER BY md5(id::text) LIMIT 200",  # noqa: S608
    )
    # For the plans: the letter with the most of everything (questions, people, files).
    fullest = _one(
        connection,
        "SELECT r.id FROM replies r JOIN reply_coverage c ON c.reply_id = r.id"  # noqa: S608
        f" WHERE r.{_PUBLIC_REPLIES} GROUP BY r.id"
        " ORDER BY count(*) DESC, r.supersedes_id IS NOT NULL DESC, r.id LIMIT 1",
    )
    answered = _ids(
        connection,
        "SELECT DISTINCT c.question_id FROM reply_coverage c"  # noqa: S608
        f" JOIN replies r ON r.id = c.reply_id WHERE r.{_PUBLIC_REPLIES}"
        " ORDER BY 1 LIMIT 100000",
    )
    answered = sorted(answered, key=lambda i: hashlib.md5(str(i).encode()).hexdigest())[:200]  # noqa: S324
    most_letters = _one(
        connection,
        "SELECT c.question_id FROM reply_coverage c JOIN replies r ON r.id = c.reply_id"  # noqa: S608
        f" WHERE r.{_PUBLIC_REPLIES} GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
    )
    hashes = [
        str(h)
        for (h,) in connection.execute(
            f"SELECT signed_pdf_sha256 FROM replies WHERE {_PUBLIC_REPLIES}"  # noqa: S608
            " AND signed_pdf_sha256 IS NOT NULL ORDER BY md5(id::text) LIMIT 150"
        )
    ]
    connection.rollback()
    unknown = [f"{rng.getrandbits(256):064x}" for _ in range(max(1, len(hashes) // 3))]
    from bench.plans import anonymous_token

    token = anonymous_token(seeding.app, "/replies/verify")
    checks = hashes + unknown
    rng.shuffle(checks)
    bodies = _paths_file(folder, "verify", [f"csrf_token={token}&sha256={h}" for h in checks])
    varied = searches.queries(connection, seeding.text, rng, corpus=searches.REPLIES)
    common = next((q for q in varied if q.kind == "common"), varied[0] if varied else None)
    measured = [
        get("replies, default (newest)", "/replies/"),
        get(f"replies, unit ({unit})", f"/replies/?unit={unit}"),
        get(f"replies, year ({year})", f"/replies/?year={year}"),
        get("replies, type (interim)", "/replies/?type=interim"),
        get(f"replies, session ({session})", f"/replies/?session={session}"),
        get(f"replies, councillor ({councillor})", f"/replies/?councillor={councillor}"),
        get(f"replies, deep page ({deep} of {pages})", f"/replies/?page={deep}"),
        rotation(
            f"letter page ({len(letters)} rotating)",
            "/replies/<id>",
            "page",
            [f"/replies/{i}" for i in letters],
        ),
        rotation(
            f"letter JSON ({len(letters)} rotating)",
            "/replies/<id>.json",
            "page",
            [f"/replies/{i}.json" for i in letters],
        ),
        rotation(
            f"letter QR code ({len(letters)} rotating)",
            "/replies/<id>/qr.svg",
            "page",
            [f"/replies/{i}/qr.svg" for i in letters],
        ),
        rotation(
            f"question page with letters ({len(answered)} rotating)",
            "/questions/<id> (answered by letters)",
            "page",
            [f"/questions/{i}" for i in answered],
        ),
    ]
    if common is not None:
        measured.append(get(f"replies, text ({common.text})", common.path, "search"))
    if varied:
        measured.append(
            rotation(
                f"reply search, {len(varied)} varied queries",
                "/replies/?q=<varied>",
                "search",
                [q.path for q in varied],
            )
        )
    measured.append(
        Endpoint(
            f"verify POST (a hash; {len(hashes)} letters', {len(unknown)} unknown)",
            "/replies/verify",
            "post",
            "verify.lua",
            arguments=[str(bodies)],
        )
    )
    data = [replace(get("replies CSV export (whole list)", "/replies/export.csv", "export"),
                    connections=WORKERS)]  # fmt: skip
    has_accountability = "accountability" in seeding.app.blueprints
    if has_accountability:
        last_year = _local_year(seeding) - 1
        measured += [
            get("accountability", "/accountability/"),
            get("accountability, councillors'", "/accountability/?group=councillor"),
            get(f"accountability, {last_year}", f"/accountability/?year={last_year}"),
        ]
        data += [
            get("accountability, overdue CSV", "/accountability/overdue.csv", "data"),
            get("accountability, units CSV", "/accountability/units.csv", "data"),
            get("accountability, councillors CSV", "/accountability/councillors.csv", "data"),
            get("accountability, verdicts CSV", "/accountability/verdicts.csv", "data"),
            get(
                "accountability, on-time chart",
                "/accountability/charts/on-time.svg?group=councillor",
                "data",
            ),
            get(
                "accountability, median-days chart",
                "/accountability/charts/median-days.svg?group=resident",
                "data",
            ),
        ]
    facts = {
        "replies_public": public,
        "reply_list_pages": pages,
        "reply_deep_page": deep,
        "reply_filters": {
            "unit": unit,
            "year": year,
            "session": session,
            "councillor": councillor,
            "q": common.text if common else None,
        },
        "verify_hashes": {"letters": len(hashes), "unknown": len(unknown)},
        "verify_examples": {"letter": hashes[0] if hashes else None, "unknown": unknown[0]},
        "reply_varied_queries": [asdict(q) for q in varied],
        "accountability": has_accountability,
        "reply_rotation_pages": [
            ("letter page (most questions)", f"/replies/{fullest}"),
            ("letter JSON (most questions)", f"/replies/{fullest}.json"),
            ("letter QR code", f"/replies/{fullest}/qr.svg"),
            ("question page (most letters)", f"/questions/{most_letters}"),
            *([("reply search, varied (first)", varied[0].path)] if varied else []),
        ],
    }
    return measured, data, facts


def _project_endpoints(
    connection: psycopg.Connection[Any], rotation: Any, get: Any
) -> tuple[list[Endpoint], list[Endpoint], dict[str, Any]]:
    """Projects and commitments (issue 12): the list with its filters and sorts, a deep page,
    the project pages, the commitments; the CSV export (informational)."""
    if _one(connection, "SELECT to_regclass('projects') IS NOT NULL") is not True:
        return [], [], {}
    total = int(_one(connection, "SELECT count(*) FROM projects") or 0)
    if not total:
        return [], [], {}
    pages = max(1, -(-total // 20))
    deep = max(1, int(pages * 0.9))
    unit = _one(
        connection,
        "SELECT o.code FROM projects p JOIN org_units o ON o.id = p.unit_id"
        " GROUP BY o.code ORDER BY count(*) DESC LIMIT 1",
    )
    topic = _one(
        connection,
        "SELECT t.slug FROM projects p JOIN topics t ON t.id = p.topic_id"
        " GROUP BY t.slug ORDER BY count(*) DESC LIMIT 1",
    )
    year = _one(
        connection,
        "SELECT extract(year FROM starts_on)::int FROM projects GROUP BY 1"
        " ORDER BY count(*) DESC LIMIT 1",
    )
    word = _one(
        connection,
        "SELECT split_part(title, ' ', 1) FROM projects WHERE length(split_part(title, ' ', 1)) > 4"
        " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
    )
    chosen = _ids(connection, "SELECT id FROM projects ORDER BY md5(id::text) LIMIT 200")
    fullest = _one(
        connection,
        "SELECT project_id FROM project_updates GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
    )
    connection.rollback()
    measured = [
        get("projects, default (recently updated)", "/projects/"),
        get("projects, red", "/projects/?light=red"),
        get("projects, stale", "/projects/?light=stale"),
        get(f"projects, unit ({unit})", f"/projects/?unit={unit}"),
        get(f"projects, topic and year ({topic}, {year})", f"/projects/?topic={topic}&year={year}"),
        get("projects, most delayed", "/projects/?sort=delay"),
        get("projects, most over budget", "/projects/?sort=overrun"),
        get(f"projects, deep page ({deep} of {pages})", f"/projects/?page={deep}"),
        rotation(
            f"project page ({len(chosen)} rotating)",
            "/projects/<id>",
            "page",
            [f"/projects/{i}" for i in chosen],
        ),
        get("commitments", "/projects/commitments"),
        get("commitments, late", "/projects/commitments?state=late"),
    ]
    if word:
        # wrk takes an address as it goes on the wire: a Slovenian word percent-encoded.
        measured.append(get(f"projects, text ({word})", f"/projects/?q={quote(word)}", "search"))
    data = [replace(get("projects CSV export (whole list)", "/projects/export.csv", "export"),
                    connections=WORKERS)]  # fmt: skip
    facts = {
        "projects": total,
        "project_list_pages": pages,
        "project_deep_page": deep,
        "project_filters": {"unit": unit, "topic": topic, "year": year, "q": word},
        "project_rotation_pages": [("project page (longest timeline)", f"/projects/{fullest}")],
    }
    return measured, data, facts


def _api_endpoints(connection: psycopg.Connection[Any], rotation: Any, get: Any) -> list[Endpoint]:
    """The open-data API's lists (issue 12): the first page, a filter, a page deep in the walk
    (by its cursor), and items; held to the pages' targets."""
    from app.core.pagination import encode_cursor

    listed = "state IN ('published', 'awaiting_response', 'answered', 'completed', 'expired')"
    count = int(_one(connection, f"SELECT count(*) FROM initiatives WHERE {listed}") or 0)  # noqa: S608
    deep = connection.execute(
        f"SELECT published_at, id FROM initiatives WHERE {listed}"  # noqa: S608
        " ORDER BY published_at DESC, id DESC OFFSET %s LIMIT 1",
        (max(0, int(count * 0.9) - 1),),
    ).fetchone()
    initiatives = _ids(
        connection,
        f"SELECT id FROM initiatives WHERE {listed} ORDER BY md5(id::text) LIMIT 200",  # noqa: S608
    )
    has_projects = _one(connection, "SELECT to_regclass('projects') IS NOT NULL") is True
    projects = (
        _ids(connection, "SELECT id FROM projects ORDER BY md5(id::text) LIMIT 200")
        if has_projects
        else []
    )
    connection.rollback()
    measured = [
        get("API initiatives, first page", "/api/v1/initiatives"),
        get("API initiatives, open + topic", "/api/v1/initiatives?state=open&topic=promet"),
        get("API questions, first page", "/api/v1/questions"),
        get("API replies, first page", "/api/v1/replies"),
        rotation(
            f"API initiative ({len(initiatives)} rotating)",
            "/api/v1/initiatives/<id>",
            "page",
            [f"/api/v1/initiatives/{i}" for i in initiatives],
        ),
    ]
    if deep is not None:
        cursor = "n." + encode_cursor([deep[0], deep[1]])
        measured.append(
            get(f"API initiatives, deep page (90% of {count:,})",
                f"/api/v1/initiatives?cursor={cursor}")
        )  # fmt: skip
    if projects:
        measured += [
            get("API projects, first page", "/api/v1/projects"),
            get("API projects, red", "/api/v1/projects?light=red"),
            get("API commitments, late", "/api/v1/commitments?state=late"),
            rotation(
                f"API project ({len(projects)} rotating)",
                "/api/v1/projects/<id>",
                "page",
                [f"/api/v1/projects/{i}" for i in projects],
            ),
        ]
    return measured


def _follow_endpoints(
    seeding: Seeding, folder: Path, heavy: list[residents.Resident], cookie_name: str
) -> tuple[list[Endpoint], dict[str, Any]]:
    """Following and notifications (issue 11): the question followed by many, anonymous
    (from the cache) and signed in, a question with few followers signed in (the control:
    what being signed in costs without the count), and the heavy users' own pages."""
    facts = seeding.follows
    if facts is None or not heavy:
        return [], {}
    hot, control = f"/questions/{facts.question_id}", f"/questions/{facts.control_question_id}"
    many = f"{facts.question_followers:,} followers"

    def signed(name: str, path: str, slug: str) -> Endpoint:
        file = folder / f"{slug}.signed"
        residents.write_signed_in(file, [(path, resident) for resident in heavy])
        return Endpoint(
            name, f"{path} (signed in)", "signed", "signed_in.lua",
            arguments=[str(file), cookie_name],
        )  # fmt: skip

    notified = [n for n, _, _ in facts.heavy.values()]
    followed = [f for _, _, f in facts.heavy.values()]
    hot_file = _paths_file(folder, "question-followed-by-many", [hot])
    measured = [
        Endpoint(f"question page, followed by many ({many})", hot, "page",
                 arguments=[str(hot_file)]),
        signed(f"question page, followed by many, signed in ({many})", hot, "hot-signed"),
        signed(
            f"question page, few followers, signed in ({facts.control_followers} followers)",
            control, "control-signed",
        ),
        signed(
            f"my notifications, signed in ({len(heavy)} residents, "
            f"{min(notified):,}–{max(notified):,} each)",
            "/me/notifications", "notifications-signed",
        ),
        signed(
            f"my follows, signed in ({len(heavy)} residents, {min(followed)}–{max(followed)} each)",
            "/me/follows", "follows-signed",
        ),
    ]  # fmt: skip
    return measured, {"follow_pages": {"question": hot, "control": control}}


def signed_in_pages(facts: dict[str, Any]) -> list[tuple[str, str]]:
    """The signed-in pages whose statements are explained (for the heaviest user)."""
    pages = facts.get("follow_pages")
    if not pages:
        return []
    return [
        ("question page, followed by many, signed in", pages["question"]),
        ("question page, few followers, signed in", pages["control"]),
        ("my notifications, signed in (the heaviest user)", "/me/notifications"),
        ("my follows, signed in (the heaviest user)", "/me/follows"),
    ]


def _local_year(seeding: Seeding) -> int:
    from app.core.time import to_local

    return to_local(seeding.now).year


def verify_posts(facts: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """The verification POSTs whose statements are explained: a letter's hash, an unknown one."""
    examples = facts.get("verify_examples") or {}
    return [
        (f"verify POST ({kind} hash)", {"sha256": digest})
        for kind, digest in (("a letter's", examples.get("letter")),
                             ("an unknown", examples.get("unknown")))
        if digest
    ]  # fmt: skip


#: Facts of ``_endpoints`` too long for the JSON's "data" (they have keys of their own).
_LONG_FACTS = (
    "varied_queries", "question_varied_queries", "site_varied_queries", "rotation_pages",
    "reply_varied_queries", "reply_rotation_pages", "verify_examples",
)  # fmt: skip


def plan_pages(
    measured: list[Endpoint], facts: dict[str, Any], initiative_id: int
) -> list[tuple[str, str]]:
    """The pages whose statements are explained: every measured GET, one of each rotation."""
    pages = [
        (e.name, e.path)
        for e in measured
        if "<" not in e.path and e.group not in ("post", "signed")
    ]
    pages.append(("initiative page", f"/initiatives/{initiative_id}"))
    pages.append(("search, varied (first)", searches.Query(**facts["varied_queries"][0]).path))
    pages += [tuple(page) for page in facts["rotation_pages"]]
    return pages


def _sequential_search(base_url: str, queries: list[dict[str, str]]) -> dict[str, Any]:
    """Each varied query once, one visitor at a time: the latency a resident sees."""
    timings: dict[str, list[float]] = {}
    failures = 0
    with requests.Session() as http:
        for query in queries:
            path = searches.Query(**query).path
            started = time.perf_counter()
            response = http.get(base_url + path, timeout=60)
            elapsed = (time.perf_counter() - started) * 1000
            failures += response.status_code != 200
            timings.setdefault(query["kind"], []).append(elapsed)
    every = sorted(t for values in timings.values() for t in values)

    def percentile(values: list[float], p: float) -> float:
        values = sorted(values)
        return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]

    return {
        "queries": len(every),
        "failures": failures,
        "p50_ms": round(percentile(every, 50), 2),
        "p95_ms": round(percentile(every, 95), 2),
        "max_ms": round(every[-1], 2),
        "by_kind": {
            kind: {
                "queries": len(values),
                "p50_ms": round(percentile(values, 50), 2),
                "p95_ms": round(percentile(values, 95), 2),
                "max_ms": round(max(values), 2),
            }
            for kind, values in timings.items()
        },
    }


def _rows(connection: psycopg.Connection[Any], table: str) -> int:
    row = connection.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608
    connection.rollback()
    return int(row[0]) if row else 0


def _support_follows(
    connection: psycopg.Connection[Any], last_support: int, last_follow: int, has_follows: bool
) -> dict[str, Any]:
    """What the support POSTs did to the follows: each new support of a person who follows
    automatically must have its follow (``follow_automatically`` in the same transaction)."""
    if not has_follows:
        return {}
    row = connection.execute(
        "SELECT count(*), count(*) FILTER (WHERE u.follow_automatically AND NOT EXISTS ("
        " SELECT 1 FROM follows f WHERE f.user_id = s.user_id AND f.target = 'initiative'"
        " AND f.target_id = s.initiative_id)),"
        " (SELECT count(*) FROM follows WHERE id > %s AND target = 'initiative'),"
        " (SELECT count(*) FROM follows WHERE id > %s AND target = 'question')"
        " FROM initiative_supports s JOIN users u ON u.id = s.user_id WHERE s.id > %s",
        (last_follow, last_follow, last_support),
    ).fetchone()
    connection.rollback()
    assert row is not None  # noqa: S101
    return {
        "new_supports": int(row[0]),
        "supports_without_their_follow": int(row[1]),
        "initiative_follows_added": int(row[2]),
        "question_follows_added": int(row[3]),
    }


def _timed_get(url: str) -> float:
    started = time.perf_counter()
    response = requests.get(url, headers={"X-Forwarded-For": "127.8.8.8"}, timeout=300)
    response.raise_for_status()
    return time.perf_counter() - started


def _prime(base_url: str, endpoint: Endpoint) -> int:
    """Request every path of a rotation once, as wrk's visitors would (same language, no
    cookie), so that its measured run reads the cache of pages, not a first visit to each of
    its pages (those are the rows "made afresh"). Returns how many paths answered 200."""
    paths = [
        line
        for line in Path(endpoint.arguments[0]).read_text(encoding="utf-8").splitlines()
        if line
    ]

    def one(item: tuple[int, str]) -> bool:
        n, path = item
        response = requests.get(
            base_url + path,
            headers={
                "X-Forwarded-For": f"127.6.{n // 250 % 250}.{n % 250 + 1}",
                "Accept-Language": "sl-SI,sl;q=0.9,en;q=0.5",
            },
            timeout=300,
        )
        return response.status_code == 200

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return sum(pool.map(one, enumerate(paths)))


def _drain(base_url: str, timeout: float = 300) -> None:
    """Wait until every worker is idle: one health check per worker, all answered at once.

    A heavy request still running when wrk stopped would otherwise take the CPU from the
    next measurement.
    """
    deadline = time.monotonic() + timeout
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            list(
                pool.map(
                    lambda _: requests.get(base_url + "/healthz", timeout=timeout), range(WORKERS)
                )
            )
            if time.perf_counter() - started < 0.5:
                return


def _settle(
    connection: psycopg.Connection[Any], table: str = "initiative_supports", timeout: float = 20
) -> None:
    """Wait until the POSTs still queued when wrk stopped are served (the rows stop growing).

    gunicorn's sync workers serve what is in the listen queue even after the client left:
    up to one request per connection. Otherwise they would land in the next measurement.
    """
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        rows = _rows(connection, table)
        if rows == last:
            return
        last = rows
        time.sleep(0.5)


def run_scale(scale: Scale, options: Options, processes: list[Process]) -> dict[str, Any]:
    """Seed, serve, measure and check one scale; returns the JSON of its results."""
    started = time.perf_counter()
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix=f"glas-bench-{scale.factor}x-"))
    logs = work / "logs"
    logs.mkdir()
    cluster = BenchPostgres().start()
    connection: psycopg.Connection[Any] | None = None
    try:
        database_url = cluster.create_database("glas_bench")
        redis_port = free_port()
        redis = start_redis(redis_port, logs)
        if redis is not None:
            processes.append(redis)
        glas_port, hello_port = free_port(), free_port()
        environment = app_environment(
            database_url,
            work / "instance",
            public_url=f"http://127.0.0.1:{glas_port}",
            ratelimit_storage=f"redis://127.0.0.1:{redis_port}" if redis else "memory://",
            cache_url=f"redis://127.0.0.1:{redis_port}/1" if redis else None,
        )
        log(f"{scale.factor}x: seeding {scale.accounts:,} accounts, {scale.initiatives:,} "
            f"initiatives, {scale.supports:,} supports, {scale.questions:,} questions")  # fmt: skip
        seeding = seed(environment, scale, log=log)
        glas = start_gunicorn("glas", "wsgi:app", glas_port, environment, logs)
        processes.append(glas)
        hello = start_gunicorn("hello", "bench.hello:app", hello_port, environment, logs)
        processes.append(hello)
        # The same Glas with the cache of anonymous pages off: what a page costs to make (a
        # miss, a signed-in visitor's page, a search nobody made before).
        afresh_port = free_port()
        afresh = start_gunicorn(
            "glas-afresh", "wsgi:app", afresh_port,
            {**environment, "FLASK_PAGE_CACHE_SECONDS": "0"}, logs,
        )  # fmt: skip
        processes.append(afresh)
        watch = MemoryWatch(
            {"glas": glas.popen.pid, "hello": hello.popen.pid, "afresh": afresh.popen.pid}
        ).start()
        # The workers' peak after start-up, then after each page's warm-up (its first
        # requests): which page makes a worker grow.
        memory = [{"after": "start-up", "peak_mb": round(watch.peak("glas"), 1)}]
        glas_url, hello_url = f"http://127.0.0.1:{glas_port}", f"http://127.0.0.1:{hello_port}"
        app = seeding.app
        cookie_name = app.config["SESSION_COOKIE_NAME"]
        rng = random.Random(f"glas-bench-run-{scale.factor}")  # noqa: S311  (not a secret)
        connection = seeding.connection = psycopg.connect(
            dbname="glas_bench", user="glas", host=str(cluster.socket_dir)
        )
        fanned: dict[str, Any] | None = None
        if seeding.follows is not None:
            follow_facts = seeding.follows
            log(f"fan-out: publishing letter {follow_facts.letter_id} ({follow_facts.letter_state})"
                f" to the {follow_facts.question_followers:,} followers of question "
                f"{follow_facts.question_id} and what it is part of")  # fmt: skip
            fanned = fanout.measure(seeding, environment, connection)
            if fanned is not None:
                log(f"  {fanned['notified']:,} notifications and {fanned['mailed']:,} e-mails "
                    f"in {fanned['seconds']:.2f} s ({fanned['notifications_per_second']:,.0f}/s, "
                    f"{fanned['batches']} batches, peak {fanned['peak_mb_after']:.0f} MB); "
                    f"second run {fanned['second_run']['seconds'] * 1000:.0f} ms, "
                    f"{fanned['second_run']['notified']} notifications; checks "
                    f"{'OK' if fanned['verified']['ok'] else 'FAILED'}")  # fmt: skip

        log("signing residents in (server-side sessions) and reading their CSRF tokens")
        opened = residents.open_initiatives(app)
        integrity_target, post_targets = opened[0], opened[1:]
        post_residents = residents.sign_in(app, POST_RESIDENTS)
        single_residents = residents.sign_in(app, 64, skip=POST_RESIDENTS)
        supporters = integrity.supporters(connection, integrity_target)
        integrity_residents = residents.sign_in(
            app, integrity.RESIDENTS, skip=POST_RESIDENTS + 64, exclude=supporters
        )
        signed_in = post_residents + single_residents + integrity_residents
        # The heavy users of the follows, whose own pages are measured (no token needed).
        heavy_residents = (
            residents.sign_in_accounts(
                app, seeding.follows.heavy_users, first_address=len(signed_in) + 1000
            )
            if seeding.follows is not None
            else []
        )
        residents.fetch_tokens(glas_url, cookie_name, signed_in, f"/initiatives/{integrity_target}")
        pairs = residents.support_pairs(app, post_residents, post_targets, PAIRS_PER_RESIDENT, rng)
        single = residents.support_pairs(app, single_residents, post_targets, 100, rng)
        pair_cursor = PairCursor(
            work / "pairs.tsv", residents.write_pairs(work / "pairs.tsv", pairs), cookie_name
        )
        single_cursor = PairCursor(
            work / "single.tsv",
            residents.write_pairs(work / "single.tsv", single),
            cookie_name,
            address="127.9.9.9",  # one address for all: residents behind one NAT
        )
        log(f"{len(signed_in)} sessions, {len(pairs):,} distinct support pairs over "
            f"{len(post_targets):,} open initiatives")  # fmt: skip
        # The same residents support residents' questions ("I want this answered too").
        open_questions = residents.open_questions(app)
        question_pairs = residents.question_support_pairs(
            app,
            post_residents,
            open_questions,
            PAIRS_PER_RESIDENT,
            random.Random(f"glas-bench-run-question-pairs-{scale.factor}"),  # noqa: S311
        )
        question_cursor = PairCursor(
            work / "question-pairs.tsv",
            residents.write_pairs(
                work / "question-pairs.tsv", question_pairs, "/questions/{}/support"
            ),
            cookie_name,
            table="question_supports",
        )
        log(f"{len(question_pairs):,} distinct question support pairs over "
            f"{len(open_questions):,} open residents' questions")  # fmt: skip

        measured, informational, facts = _endpoints(
            seeding, connection, work, pair_cursor, single_cursor, rng, question_cursor
        )
        follow_pages, follow_facts_json = _follow_endpoints(
            seeding, work, heavy_residents, cookie_name
        )
        at = next((i for i, e in enumerate(measured) if e.group == "export"), len(measured))
        measured[at:at] = follow_pages
        facts.update(follow_facts_json)
        if options.only:
            measured = [
                e for e in measured if e.group == "post" or any(w in e.name for w in options.only)
            ]
            log(f"measuring only {len(measured)} endpoints (--only {' '.join(options.only)})")
        hello_endpoint = Endpoint(
            "hello", "/", "hello", arguments=[str(_paths_file(work, "hello", ["/"]))]
        )

        def measure(
            endpoint: Endpoint | None, seconds: float, *, warm: bool = False
        ) -> Measurement:
            target = hello_endpoint if endpoint is None else endpoint
            url = hello_url if endpoint is None else glas_url
            connections = target.connections or options.connections
            if not warm:
                seconds = max(seconds, target.seconds or 0)
            measurement = run_wrk(url, target, seconds, connections, options.threads)
            if target.pairs is not None:
                _settle(connection, target.pairs.table)
            if target.connections is not None:
                _drain(glas_url)
            return measurement

        for endpoint in measured:
            if endpoint.connections is not None:
                # Long enough for a few requests of each worker, whatever one costs.
                one = _timed_get(glas_url + endpoint.path)
                watch.sample()
                memory.append(
                    {
                        "after": f"{endpoint.name}, one request",
                        "peak_mb": round(watch.peak("glas"), 1),
                    }
                )
                endpoint.seconds = max(options.duration, math.ceil(3 * one))
                log(f"  {endpoint.name}: {one:.1f} s a request; runs of {endpoint.seconds:g} s "
                    f"with {endpoint.connections} connections")  # fmt: skip

        log(f"warming up ({options.warmup:g} s each)")
        warm_order: list[Endpoint | None] = [None, *measured]
        for warming in warm_order:
            measure(warming, options.warmup, warm=True)
            if warming is not None:
                watch.sample()
                memory.append({"after": warming.name, "peak_mb": round(watch.peak("glas"), 1)})
        primed: dict[str, int] = {}
        if options.prime:
            # Rotations over many pages: each page once, so the measured run reads the cache.
            rotations = [
                e
                for e in measured
                if e.group in ("page", "search") and e.script == "get.lua" and "<" in e.path
            ]
            log(f"priming the cache of pages: every page of {len(rotations)} rotations once")
            for endpoint in rotations:
                primed[endpoint.name] = _prime(glas_url, endpoint)
        supports_before = _rows(connection, "initiative_supports")
        question_supports_before = _rows(connection, "question_supports")
        last_support = int(_one(connection, "SELECT coalesce(max(id), 0) FROM initiative_supports"))
        has_follows = _one(connection, "SELECT to_regclass('follows') IS NOT NULL") is True
        last_follow = (
            int(_one(connection, "SELECT coalesce(max(id), 0) FROM follows")) if has_follows else 0
        )
        results = {e.name: Result(e) for e in measured}
        hellos: list[tuple[int, float]] = []
        sequence: list[tuple[Endpoint | None, Measurement]] = []
        order = schedule(measured, options.rounds)
        log(f"measuring: {len(order)} runs of {options.duration:g} s, {options.connections} "
            f"connections, {options.threads} wrk threads, {WORKERS} sync workers each")  # fmt: skip
        for position, scheduled in enumerate(order):
            measurement = measure(scheduled, options.duration)
            sequence.append((scheduled, measurement))
            if scheduled is None:
                hellos.append((position, measurement.rps))
            else:
                results[scheduled.name].rounds.append(measurement)
            name = "hello" if scheduled is None else scheduled.name
            flag = f"  ({measurement.unexpected} unexpected)" if measurement.unexpected else ""
            log(f"  {name:<38} {measurement.rps:8.1f}/s  p99 {measurement.p99_ms:7.1f} ms{flag}")
        # Each page against the hello runs just before and after it.
        for position, (page, measurement) in enumerate(sequence):
            if page is None:
                continue
            before = [rps for p, rps in hellos if p < position][-1:]
            after = [rps for p, rps in hellos if p > position][:1]
            results[page.name].ratios.append(measurement.rps / statistics.fmean(before + after))
        supports_after_wrk = _rows(connection, "initiative_supports")
        question_supports_after_wrk = _rows(connection, "question_supports")
        support_follows = _support_follows(connection, last_support, last_follow, has_follows)

        info_results = []
        for endpoint in informational:
            measurement = measure(endpoint, 5)
            result = Result(endpoint, [measurement])
            info_results.append(result)
            log(f"  {endpoint.name:<38} {measurement.rps:8.1f}/s  statuses {measurement.statuses}")

        afresh_url = f"http://127.0.0.1:{afresh_port}"
        hello_mean = statistics.fmean(rps for _, rps in hellos)
        log("pages made afresh (the same Glas with the cache of anonymous pages off)")
        for endpoint in measured:
            if endpoint.group not in ("page", "search"):
                continue
            run_wrk(afresh_url, endpoint, options.warmup, options.connections, options.threads)
            measurement = run_wrk(
                afresh_url, endpoint, options.duration, options.connections, options.threads
            )
            made = replace(endpoint, name=f"{endpoint.name}, made afresh", group="afresh")
            info_results.append(Result(made, [measurement], [measurement.rps / hello_mean]))
            log(f"  {made.name:<38} {measurement.rps:8.1f}/s  p99 {measurement.p99_ms:7.1f} ms")

        # The yardstick with a body of a list page's size: how much of the gap to hello is
        # only the bytes (wrk reads and parses them on the same two cores).
        sized = Endpoint(
            "hello, a 29 kB body", "/page", "yardstick",
            arguments=[str(_paths_file(work, "hello-page", ["/page"]))],
        )  # fmt: skip
        run_wrk(hello_url, sized, options.warmup, options.connections, options.threads)
        measurement = run_wrk(
            hello_url, sized, options.duration, options.connections, options.threads
        )
        info_results.append(Result(sized, [measurement], [measurement.rps / hello_mean]))
        log(f"  {sized.name:<38} {measurement.rps:8.1f}/s  p99 {measurement.p99_ms:7.1f} ms")

        # Each query once, on the server without the cache: every one is made, as a search
        # nobody typed before is; the cached server answers these from its cache (below).
        log("search latency, one visitor at a time, each search made afresh")
        sequential = _sequential_search(afresh_url, facts["varied_queries"])
        log(f"  {sequential['queries']} queries: p50 {sequential['p50_ms']} ms, "
            f"p95 {sequential['p95_ms']} ms, max {sequential['max_ms']} ms")  # fmt: skip
        sequential_cached = _sequential_search(glas_url, facts["varied_queries"])
        log(f"  the same from the cache: p50 {sequential_cached['p50_ms']} ms, "
            f"p95 {sequential_cached['p95_ms']} ms")  # fmt: skip
        sequential_questions = _sequential_search(afresh_url, facts["question_varied_queries"])
        log(f"  {sequential_questions['queries']} question searches: p50 "
            f"{sequential_questions['p50_ms']} ms, p95 {sequential_questions['p95_ms']} ms, "
            f"max {sequential_questions['max_ms']} ms")  # fmt: skip
        sequential_replies = None
        if facts.get("reply_varied_queries"):
            sequential_replies = _sequential_search(afresh_url, facts["reply_varied_queries"])
            log(f"  {sequential_replies['queries']} reply searches: p50 "
                f"{sequential_replies['p50_ms']} ms, p95 {sequential_replies['p95_ms']} ms, "
                f"max {sequential_replies['max_ms']} ms")  # fmt: skip

        log(f"integrity: {len(integrity_residents)} residents support one initiative at once")
        checked = integrity.run(
            glas_url, cookie_name, connection, integrity_residents, integrity_target
        )
        checked["counters_off_everywhere"] = integrity.counters_off(connection)
        checked["question_counters_off"] = integrity.question_counters_off(connection)
        checked["ok"] = (
            checked["ok"]
            and checked["counters_off_everywhere"] == 0
            and checked["question_counters_off"] == 0
        )
        log(f"  {'OK' if checked['ok'] else 'FAILED'}: {checked}")
        badges: dict[str, Any] | None = None
        if heavy_residents:
            # The header's count of unread notifications, which every signed-in page shows.
            badges = integrity.unread_badges(
                glas_url, cookie_name, connection, heavy_residents + post_residents[:40]
            )
            log(f"  unread counts in the header: {'OK' if badges['ok'] else 'WRONG'}: {badges}")

        log("query plans (EXPLAIN ANALYZE BUFFERS of every statement of every page)")
        explained = plans.page_plans(app, plan_pages(measured, facts, post_targets[0]))
        resident, target = pairs[-1]  # the last pair: no run got this far into the file
        explained.append(
            plans.post_plans(
                app, "support POST", f"/initiatives/{target}/support",
                (cookie_name, resident.cookie), resident.token, resident.address,
            )
        )  # fmt: skip
        if question_pairs:
            resident, target = question_pairs[-1]
            explained.append(
                plans.post_plans(
                    app, "question support POST", f"/questions/{target}/support",
                    (cookie_name, resident.cookie), resident.token, resident.address,
                )
            )  # fmt: skip
        for name, data in verify_posts(facts):
            explained.append(plans.form_post_plans(app, name, "/replies/verify", data))
        if heavy_residents:
            heaviest = (cookie_name, heavy_residents[0].cookie)
            for name, path in signed_in_pages(facts):
                explained.append(plans.signed_in_plans(app, name, path, heaviest))
        if seeding.follows is not None:
            explained += fanout.plans(app, seeding.follows)
        watch.stop()

        post = results["support POST (new support each)"]
        redirects = post.statuses().get("302", 0)
        new_rows = supports_after_wrk - supports_before
        posted = {
            "redirects": redirects,
            "new_rows": new_rows,
            # Every redirect is a new row; a request in flight when wrk stopped may add a row
            # that wrk did not count (one per connection and run at most).
            "consistent": redirects
            <= new_rows
            <= redirects + len(post.rounds) * options.connections,
            "reused_pairs": post.total("reused"),
            "pairs": len(pairs),
            "pairs_used": pair_cursor.used,
            **support_follows,
        }
        question_post = results["question support POST (new support each)"]
        question_redirects = question_post.statuses().get("302", 0)
        question_rows = question_supports_after_wrk - question_supports_before
        question_posted = {
            "redirects": question_redirects,
            "new_rows": question_rows,
            "consistent": question_redirects
            <= question_rows
            <= question_redirects + len(question_post.rounds) * options.connections,
            "reused_pairs": question_post.total("reused"),
            "pairs": len(question_pairs),
            "pairs_used": question_cursor.used,
        }
        endpoints_json = [r.as_json() for r in results.values()]
        info_json = [r.as_json() for r in info_results]
        hello_rps = statistics.fmean(rps for _, rps in hellos)
        output = {
            "scale": scale.factor,
            "date": datetime.now(UTC).date().isoformat(),
            "hello_rps": round(hello_rps, 1),
            "endpoints": endpoints_json,
            "worker_rss_mb": round(watch.peak("glas"), 1),
            "worker_rss_timeline": memory,
            "hello_worker_rss_mb": round(watch.peak("hello"), 1),
            "informational": info_json,
            "support_posts": posted,
            "question_support_posts": question_posted,
            "search_sequential": sequential,
            "search_sequential_cached": sequential_cached,
            "search_sequential_questions": sequential_questions,
            "search_sequential_replies": sequential_replies,
            "afresh_worker_rss_mb": round(watch.peak("afresh"), 1),
            "integrity": checked,
            "fan_out": fanned,
            "unread_header": badges,
            "follows": seeding.follows.as_json() if seeding.follows is not None else None,
            "notification_statements": plans.index_summary(explained),
            "data": {
                "accounts": scale.accounts,
                "initiatives": scale.initiatives,
                "supports": scale.supports,
                "questions": scale.questions,
                "replies": _rows(connection, "replies") if facts.get("replies_public") else 0,
                "open_initiatives": len(opened),
                "open_residents_questions": len(open_questions),
                "council": {
                    table: _rows(connection, table)
                    for table in ("people", "council_mandates", "council_sessions", "agenda_items")
                },
                "reply_tables": {
                    table: _rows(connection, table)
                    for table in (
                        "reply_coverage",
                        "reply_units",
                        "reply_participants",
                        "reply_recipients",
                        "reply_attachments",
                        "reply_events",
                        "answer_verdicts",
                        "reply_search_documents",
                    )
                }
                if facts.get("replies_public")
                else {},
                **{k: v for k, v in facts.items() if k not in _LONG_FACTS},
            },
            "conditions": {
                "gunicorn": f"{WORKERS} sync workers",
                "connections": options.connections,
                "wrk_threads": options.threads,
                "seconds_per_run": options.duration,
                "rounds": options.rounds,
                "primed_rotations": primed,
                "rate_limits": "on, " + ("Redis" if redis else "memory:// per worker"),
                "csrf": "on",
                "postgresql": "fsync on, synchronous_commit on, shared_buffers 1GB",
                "cpus": os.cpu_count(),
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_after": [round(x, 2) for x in os.getloadavg()],
                "python": platform.python_version(),
                "seconds": round(time.perf_counter() - started),
                "only": list(options.only),
            },
        }
        plans_text = plans.report(
            explained,
            f"Query plans of Glas at {scale.factor}x ({scale.accounts:,} accounts, "
            f"{scale.initiatives:,} initiatives, {scale.supports:,} supports, "
            f"{scale.questions:,} questions, {scale.replies:,} replies), {output['date']}",
        )
        return {"json": output, "plans": plans_text, "plans_data": explained}
    except BaseException:
        # The servers' logs tell what went wrong: keep them (the rest of the folder goes).
        kept = Path(tempfile.gettempdir()) / f"glas-bench-logs-{scale.factor}x"
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(logs, kept, dirs_exist_ok=True)
        shutil.copy2(cluster.root / "server.log", kept / "postgresql.log")
        print(f"the logs of gunicorn, Redis and PostgreSQL are in {kept}", file=sys.stderr)
        raise
    finally:
        for process in reversed(processes):
            process.stop()
        processes.clear()
        if connection is not None:
            connection.close()
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


# --- the report ---------------------------------------------------------------------------


def _target(entry: dict[str, Any]) -> str:
    group, ratio = entry["group"], entry["ratio"] or 0
    if group in ("page", "signed"):
        good = ratio >= PAGE_RATIO and entry["p99_ms"] < PAGE_P99_MS
        return ("ok" if good else "MISS") + f" (≥{PAGE_RATIO}x, p99<{PAGE_P99_MS:g})"
    if group == "search":
        good = entry["p95_ms"] < SEARCH_P95_MS
        return ("ok" if good else "MISS") + f" (p95<{SEARCH_P95_MS:g})"
    if group == "post":
        good = ratio >= POST_RATIO and entry["p99_ms"] < POST_P99_MS
        return ("ok" if good else "MISS") + f" (≥{POST_RATIO}x, p99<{POST_P99_MS:g})"
    return ""


def table(result: dict[str, Any]) -> str:
    scale = result["scale"]
    data = result["data"]
    lines = [
        f"Glas at {scale}x ({data['accounts']:,} accounts, {data['initiatives']:,} initiatives, "
        f"{data['supports']:,} supports, {data.get('questions', 0):,} questions, "
        f"{data.get('replies', 0):,} replies) — "
        f"{result['conditions']['gunicorn']}, "
        f"{result['conditions']['connections']} connections, {result['date']}",
        "",
        f"{'endpoint':<40} {'req/s':>8} {'xhello':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'errors':>7}  target",
        f"{'hello (bare Flask)':<40} {result['hello_rps']:8.1f} {1:7.2f}",
    ]
    for entry in [*result["endpoints"], *result["informational"]]:
        ratio = f"{entry['ratio']:7.3f}" if entry["ratio"] is not None else f"{'':7}"
        errors = entry["unexpected"]
        if entry["group"] == "info":
            codes = ", ".join(f"{n} x {c}" for c, n in sorted(entry["statuses"].items()))
            ratio, note = f"{'':7}", codes
        elif entry["group"] == "afresh":
            note = "cache off (informational)"
        elif entry["group"] == "data":
            note = "made on every request, not cached (informational)"
        elif entry["group"] == "yardstick":
            note = "the hello app, a page-sized body (informational)"
        else:
            note = _target(entry)
        lines.append(
            f"{entry['name']:<40} {entry['rps']:8.1f} {ratio} {entry['p50_ms']:8.1f} "
            f"{entry['p95_ms']:8.1f} {entry['p99_ms']:8.1f} {errors:7}  {note}"
        )
    rss = result["worker_rss_mb"]
    lines += [
        "",
        f"peak memory per worker: Glas {rss:.0f} MB "
        f"({'ok' if rss < WORKER_RSS_MB else 'MISS'} <{WORKER_RSS_MB:g}), "
        f"hello {result['hello_worker_rss_mb']:.0f} MB",
    ]
    search = result["search_sequential"]
    lines.append(
        f"search, one visitor at a time, {search['queries']} queries made afresh: "
        f"p50 {search['p50_ms']} ms, p95 {search['p95_ms']} ms "
        f"({'ok' if search['p95_ms'] < SEARCH_P95_MS else 'MISS'} <{SEARCH_P95_MS:g}), "
        f"max {search['max_ms']} ms "
        + " · ".join(f"{k} p95 {v['p95_ms']}" for k, v in search["by_kind"].items())
    )
    asked = result.get("search_sequential_questions")
    if asked:
        lines.append(
            f"question search, one visitor at a time, {asked['queries']} queries made afresh: "
            f"p50 {asked['p50_ms']} ms, p95 {asked['p95_ms']} ms "
            f"({'ok' if asked['p95_ms'] < SEARCH_P95_MS else 'MISS'} <{SEARCH_P95_MS:g}), "
            f"max {asked['max_ms']} ms"
        )
    replied = result.get("search_sequential_replies")
    if replied:
        lines.append(
            f"reply search, one visitor at a time, {replied['queries']} queries made afresh: "
            f"p50 {replied['p50_ms']} ms, p95 {replied['p95_ms']} ms "
            f"({'ok' if replied['p95_ms'] < SEARCH_P95_MS else 'MISS'} <{SEARCH_P95_MS:g}), "
            f"max {replied['max_ms']} ms"
        )
    cached = result.get("search_sequential_cached")
    if cached:
        lines.append(
            f"the same searches from the cache: p50 {cached['p50_ms']} ms, "
            f"p95 {cached['p95_ms']} ms, max {cached['max_ms']} ms"
        )
    posts = result["support_posts"]
    lines.append(
        f"support POSTs: {posts['redirects']:,} success redirects, {posts['new_rows']:,} new "
        f"support rows ({'consistent' if posts['consistent'] else 'INCONSISTENT'}), "
        f"{posts['reused_pairs']} pairs reused (must be 0)"
    )
    posts = result.get("question_support_posts")
    if posts:
        lines.append(
            f"question support POSTs: {posts['redirects']:,} success redirects, "
            f"{posts['new_rows']:,} new support rows "
            f"({'consistent' if posts['consistent'] else 'INCONSISTENT'}), "
            f"{posts['reused_pairs']} pairs reused (must be 0)"
        )
    fanned = result.get("fan_out")
    if fanned:
        verified = fanned["verified"]
        failing = [name for name, good in verified["checks"].items() if not good]
        lines.append(
            f"fan-out of a reply letter to {verified['question_followers']:,} followers of its "
            f"question ({verified['expected_recipients']:,} recipients with its topic, session, "
            f"councillors …): {fanned['seconds']:.2f} s, {fanned['notified']:,} notifications "
            f"({fanned['notifications_per_second']:,.0f}/s), {fanned['mailed']:,} e-mails queued,"
            f" {fanned['batches']} batches of {fanned['batch_size']}, peak memory "
            f"{fanned['peak_mb_after']:.0f} MB (+{fanned['peak_mb_growth']:.0f}); second run "
            f"{fanned['second_run']['seconds'] * 1000:.0f} ms, "
            f"{fanned['second_run']['notified']} notifications; "
            + ("OK" if verified["ok"] else "FAILED: " + ", ".join(failing))
        )
    badges = result.get("unread_header")
    if badges:
        lines.append(
            f"unread count in the header, {badges['checked']} residents "
            f"({badges['with_unread']} with unread): "
            + (
                "OK"
                if badges["ok"]
                else f"WRONG for {badges['wrong']}, e.g. {badges['examples'][:3]}"
            )
        )
    posted = result["support_posts"]
    if "supports_without_their_follow" in posted:
        lines.append(
            f"support POSTs and follows: {posted['initiative_follows_added']:,} follows added for"
            f" {posted['new_supports']:,} new supports, "
            f"{posted['supports_without_their_follow']} supports without their follow (must be 0)"
        )
    check = result["integrity"]
    lines.append(
        f"integrity ({check['residents']} at once, then withdrawals): "
        f"{'OK' if check['ok'] else 'FAILED'} — counter/rows {check['after_supports']['counter']}/"
        f"{check['after_supports']['rows']} after supports, "
        f"{check['after_withdrawals']['counter']}/{check['after_withdrawals']['rows']} after "
        f"withdrawals; {check['counters_off_everywhere']} initiatives off anywhere, "
        f"{check.get('question_counters_off', 0)} questions"
    )
    load = result["conditions"]
    lines.append(
        f"load average before/after: {load['load_average_before'][0]}/"
        f"{load['load_average_after'][0]} on {load['cpus']} CPUs"
    )
    return "\n".join(lines)


def compare(small: dict[str, Any], large: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Each page at the large scale against the same page at the small one.

    "Slower" is judged on throughput relative to the hello app of the same run (the ratio),
    so that a busier or quieter machine during one of the two runs does not count as the
    page getting slower or faster; the raw p50 latencies are shown beside it.
    """
    before = {e["name"]: e for e in small["endpoints"]}
    rows, data = [], {}
    for entry in large["endpoints"]:
        name = entry["name"]
        # The deep page's name carries its page number, which differs between scales.
        match = before.get(name) or next(
            (e for n, e in before.items() if n.split(" (")[0] == name.split(" (")[0]), None
        )
        if match is None or not entry["ratio"] or not match["ratio"]:
            continue
        slowdown = match["ratio"] / entry["ratio"]
        p50 = entry["p50_ms"] / match["p50_ms"] if match["p50_ms"] else 0
        good = slowdown <= SCALE_SLOWDOWN
        data[name] = {"slowdown": round(slowdown, 2), "p50_ratio": round(p50, 2)}
        rows.append(
            f"{name:<40} x{slowdown:5.2f}  {'ok  ' if good else 'MISS'}   p50 "
            f"{match['p50_ms']:7.1f} -> {entry['p50_ms']:7.1f} ms"
        )
    title = (
        f"{large['scale']}x against {small['scale']}x ({small['date']}): how much slower, "
        f"relative to hello (target <= {SCALE_SLOWDOWN})"
    )
    return "\n".join([title, *rows]), data


def _latest(folder: Path, scale: int) -> dict[str, Any] | None:
    found = sorted(folder.glob(f"*-{scale}x.json"))
    return json.loads(found[-1].read_text()) if found else None


def _write(folder: Path, result: dict[str, Any], name: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    suffix = f"-{name}" if name else ""
    path = folder / f"{result['json']['date']}-{result['json']['scale']}x{suffix}.json"
    path.write_text(json.dumps(result["json"], indent=1, ensure_ascii=False) + "\n")
    plans_path = path.with_name(path.stem + "-plans.txt")
    plans_path.write_text(result["plans"])
    return path


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The benchmark of Glas (see bench/run.py).")
    parser.add_argument("--scale", type=int, action="append", choices=sorted(SCALES),
                        help="1 or 10; repeat for both (default: both)")  # fmt: skip
    parser.add_argument("--duration", type=float, default=8, help="seconds per run (8)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds over all pages (2)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--no-prime", dest="prime", action="store_false",
                        help="measure rotations without first asking for each page")  # fmt: skip
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help="folder for the JSON and the plans (bench/results)")  # fmt: skip
    parser.add_argument("--only", action="append", default=[], metavar="WORDS",
                        help="measure only endpoints whose name contains WORDS (repeatable;"
                        " the POSTs always)")  # fmt: skip
    parser.add_argument("--name", default="",
                        help="a suffix of the results' names (e.g. notifications)")  # fmt: skip
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk (make bench does it as root)")
        return 2
    options = Options(args.duration, args.rounds, args.warmup, args.connections, args.threads,
                      args.results.resolve(), args.prime, tuple(args.only))  # fmt: skip
    signal.signal(signal.SIGTERM, _interrupt)
    processes: list[Process] = []
    done: dict[int, dict[str, Any]] = {}
    failed = False
    try:
        for factor in sorted(set(args.scale or sorted(SCALES))):
            result = run_scale(SCALES[factor], options, processes)
            json_data = result["json"]
            small = done.get(1) if factor != 1 else None
            small = small or (_latest(options.output, 1) if factor != 1 else None)
            comparison = ""
            if small is not None:
                comparison, json_data["versus_1x"] = compare(small, json_data)
            path = _write(options.output, result, args.name)
            done[factor] = json_data
            print()
            print(table(json_data))
            if comparison:
                print()
                print(comparison)
            print(f"\nwritten: {path} and its -plans.txt\n")
            failed = failed or not json_data["integrity"]["ok"]
            failed = failed or any(
                e["unexpected"] or e["empty_runs"]
                for e in [*json_data["endpoints"], *json_data["informational"]]
                if e["group"] != "info"
            )
            for posts in (json_data["support_posts"], json_data["question_support_posts"]):
                failed = failed or posts["reused_pairs"] > 0 or not posts["consistent"]
            failed = (
                failed or json_data["support_posts"].get("supports_without_their_follow", 0) > 0
            )
            fanned = json_data.get("fan_out")
            failed = failed or bool(fanned and not fanned["verified"]["ok"])
            badges = json_data.get("unread_header")
            failed = failed or bool(badges and not badges["ok"])
    except KeyboardInterrupt:
        print("\ninterrupted: everything the benchmark started has been stopped", file=sys.stderr)
        return 130
    finally:
        for process in processes:
            process.stop()
    if failed:
        print("the benchmark measured errors or failed its integrity check: see above")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
