"""``flask open-data dump``: what it writes, that it writes it safely, and what a failure leaves."""

from __future__ import annotations

import fcntl
import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient

from app.council.models import CouncilMandate
from app.extensions import db
from app.initiatives.models import LISTED as LISTED_INITIATIVES
from app.initiatives.models import Initiative
from app.opendata import datasets, dumps
from app.opendata.datasets import Dataset
from app.questions.models import LISTED as LISTED_QUESTIONS
from app.questions.models import Question
from app.replies.models import PUBLIC as PUBLIC_REPLIES
from app.replies.models import Reply
from app.sessions.models import CouncilSession
from tests.opendata.conftest import read_csv


def all_files() -> list[str]:
    """Every dataset's file, asked when a test runs: features register theirs as the app is
    made (``app.projects.open_data``), which is after this module is imported."""
    return [dataset.file for dataset in datasets.all_datasets()]


#: The site's CSV export of the same list, unfiltered: the dump must be that file exactly.
SITE_EXPORTS = {
    "initiatives.csv": "/initiatives/export.csv",
    "questions.csv": "/questions/export.csv",
    "replies.csv": "/replies/export.csv",
    "accountability-units.csv": "/accountability/units.csv",
    "accountability-councillors.csv": "/accountability/councillors.csv",
    "projects.csv": "/projects/export.csv",
    "commitments.csv": "/projects/commitments.csv",
}


def _count(app: Flask, statement: sa.Select[tuple[int]]) -> int:
    with app.app_context():
        return int(db.session.scalar(statement) or 0)


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of the folder: its bytes and modification time (nanoseconds)."""
    return {
        path.name: (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.iterdir())
        if not path.name.startswith(".")
    }


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.usefixtures("demo_site")
def test_a_dump_writes_every_dataset_as_the_site_exports_it(
    app: Flask, client: FlaskClient, dump: Callable[..., Result], folder: Path
) -> None:
    result = _ok(dump())
    for name in all_files():
        assert f"{name}: " in result.output
    assert f"Open data written to {folder}." in result.output
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == sorted(
        [*all_files(), "datasets.json"]
    )
    for name, path in SITE_EXPORTS.items():
        site = client.get(path)
        assert site.status_code == 200, path
        assert (folder / name).read_bytes() == site.data, name

    rows = {name: read_csv((folder / name).read_bytes()) for name in all_files()}
    # The public rows, counted in the database as the lists define them.
    assert len(rows["initiatives.csv"]) - 1 == _count(
        app,
        sa.select(sa.func.count())
        .select_from(Initiative)
        .where(Initiative.state.in_(LISTED_INITIATIVES)),
    )
    assert len(rows["questions.csv"]) - 1 == _count(
        app,
        sa.select(sa.func.count())
        .select_from(Question)
        .where(Question.state.in_(LISTED_QUESTIONS)),
    )
    assert len(rows["replies.csv"]) - 1 == _count(
        app, sa.select(sa.func.count()).select_from(Reply).where(Reply.state.in_(PUBLIC_REPLIES))
    )
    assert len(rows["sessions.csv"]) - 1 == _count(
        app, sa.select(sa.func.count()).select_from(CouncilSession)
    )
    assert len(rows["councillors.csv"]) - 1 == _count(
        app, sa.select(sa.func.count(sa.distinct(CouncilMandate.person_id)))
    )
    for name in all_files():
        assert len(rows[name]) > 1, f"the demo has rows for {name}"
        assert len({len(row) for row in rows[name]}) == 1, f"{name}: every row has every column"


@pytest.mark.usefixtures("demo_site")
def test_sessions_and_councillors_as_their_pages_show_them(
    client: FlaskClient, dump: Callable[..., Result], folder: Path
) -> None:
    _ok(dump("--only", "sessions", "--only", "councillors"))
    sessions = read_csv((folder / "sessions.csv").read_bytes())
    assert sessions[0] == [
        "id", "url", "body", "term", "kind", "number", "held_on", "note", "questions",
    ]  # fmt: skip
    rows = [dict(zip(sessions[0], row, strict=True)) for row in sessions[1:]]
    # The 16th regular session of 20 April 2016, the sample letter's.
    (sixteenth,) = [r for r in rows if (r["kind"], r["number"]) == ("regular", "16")]
    assert sixteenth["held_on"] == "2016-04-20"
    assert sixteenth["url"] == f"http://localhost/sessions/{sixteenth['id']}"
    assert sixteenth["term"] == "2014–2018"
    assert sixteenth["body"] == "mestni-svet"
    page = client.get(f"/sessions/{sixteenth['id']}").get_data(as_text=True)
    assert int(sixteenth["questions"]) == page.count('class="item-card__title"') > 0
    days = [r["held_on"] for r in rows]
    assert days == sorted(days, reverse=True)  # the latest first

    councillors = read_csv((folder / "councillors.csv").read_bytes())
    assert councillors[0] == ["id", "url", "name", "current", "list_or_party", "group", "terms"]
    listing = client.get("/councillors/").get_data(as_text=True)
    for row in councillors[1:]:
        assert f'href="/councillors/{row[0]}">{row[2]}</a>' in listing
        assert row[3] in ("yes", "no")
    assert [row[2] for row in councillors[1:]] == sorted(row[2] for row in councillors[1:])


@pytest.mark.usefixtures("demo_site")
def test_the_manifest_describes_each_file(dump: Callable[..., Result], folder: Path) -> None:
    _ok(dump())
    manifest = json.loads((folder / "datasets.json").read_text(encoding="utf-8"))
    assert manifest["licence"] == {
        "name": "CC BY 4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    }
    assert manifest["catalogue"] == "http://localhost/open-data/catalog.ttl"
    assert [entry["id"] for entry in manifest["datasets"]] == [
        dataset.id for dataset in datasets.all_datasets()
    ]
    for entry in manifest["datasets"]:
        data = (folder / entry["file"]).read_bytes()
        rows = read_csv(data)
        assert entry["url"] == f"http://localhost/open-data/{entry['file']}"
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["rows"] == len(rows) - 1
        assert entry["columns"] == rows[0]
        assert datetime.fromisoformat(entry["generated_at"]).utcoffset() is not None


@pytest.mark.usefixtures("demo_site")
def test_a_second_run_on_unchanged_data_leaves_every_file_as_it_was(
    app: Flask, dump: Callable[..., Result], folder: Path
) -> None:
    _ok(dump())
    before = _snapshot(folder)
    result = _ok(dump())
    assert _snapshot(folder) == before  # bytes and modification times
    assert result.output.count(", unchanged") == len(all_files())

    # A change to one list rewrites its file and the manifest, and nothing else.
    with app.app_context():
        session = db.session.scalars(sa.select(CouncilSession).limit(1)).one()
        session.note = "Sejna soba, Slovenski trg 1"
        db.session.commit()
    result = _ok(dump())
    after = _snapshot(folder)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"sessions.csv", "datasets.json"}
    assert "sessions.csv: " in result.output
    assert "Sejna soba, Slovenski trg 1" in (folder / "sessions.csv").read_text(encoding="utf-8")


def test_only_some_datasets(dump: Callable[..., Result], folder: Path) -> None:
    result = _ok(dump("--only", "initiatives"))
    assert "initiatives.csv: 0 rows" in result.output
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [
        "datasets.json",
        "initiatives.csv",
    ]
    _ok(dump("--only", "replies"))
    manifest = dumps.read_manifest(folder)
    assert list(manifest.entries) == ["initiatives", "replies"]  # the earlier one is kept


def test_an_unknown_dataset_is_refused_by_name(dump: Callable[..., Result], folder: Path) -> None:
    result = dump("--only", "initiatives", "--only", "budget")
    assert result.exit_code == 2
    assert "no dataset budget; the datasets are: initiatives, questions" in result.output
    assert not folder.exists() or not any(folder.iterdir())


@pytest.fixture
def failing_sessions(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The sessions' dataset, failing halfway through its file while ``fail[0]`` is true.

    The registry's own entry is swapped for the test (and put back after it).
    """
    fail = [False]
    real = datasets._REGISTRY["sessions"]

    def chunks() -> Iterator[str]:
        text = iter(real.chunks())
        yield next(text)  # the header, already on its way into the file
        if fail[0]:
            raise RuntimeError("the database went away")
        yield from text

    swapped = Dataset(**{**real.__dict__, "chunks": chunks})
    monkeypatch.setitem(datasets._REGISTRY, "sessions", swapped)
    return fail


@pytest.mark.usefixtures("demo_site")
def test_a_failing_dataset_keeps_its_previous_file_and_fails_the_command(
    app: Flask, dump: Callable[..., Result], folder: Path, failing_sessions: list[bool]
) -> None:
    _ok(dump())
    sessions_before = (folder / "sessions.csv").read_bytes()
    entry_before = dumps.read_manifest(folder).entries["sessions"]
    with app.app_context():
        db.session.execute(sa.update(CouncilSession).values(note="changed, not dumped"))
        initiative = db.session.scalar(
            sa.select(Initiative).where(Initiative.state.in_(LISTED_INITIATIVES)).limit(1)
        )
        assert initiative is not None
        initiative.support_count += 1
        db.session.commit()

    failing_sessions[0] = True
    result = dump()
    assert result.exit_code == 1
    assert "sessions.csv: FAILED (RuntimeError: the database went away)" in result.output
    assert "the previous file is kept" in result.output
    assert f"1 of {len(all_files())} datasets failed" in result.output
    assert (folder / "sessions.csv").read_bytes() == sessions_before
    manifest = dumps.read_manifest(folder)
    assert manifest.entries["sessions"] == entry_before
    # The others went on: the changed initiative is in the new file.
    assert (
        manifest.entries["initiatives"].sha256
        == hashlib.sha256((folder / "initiatives.csv").read_bytes()).hexdigest()
    )
    assert "initiatives.csv: " in result.output
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]

    failing_sessions[0] = False
    result = _ok(dump())
    assert "changed, not dumped" in (folder / "sessions.csv").read_text(encoding="utf-8")


def test_a_dataset_that_never_succeeded_says_so(
    dump: Callable[..., Result], folder: Path, failing_sessions: list[bool]
) -> None:
    failing_sessions[0] = True
    result = dump()
    assert result.exit_code == 1
    assert "sessions.csv: FAILED" in result.output
    assert "there is no file yet" in result.output
    assert not (folder / "sessions.csv").exists()
    assert "sessions" not in dumps.read_manifest(folder).entries


def test_files_are_readable_by_the_web_server(dump: Callable[..., Result], folder: Path) -> None:
    _ok(dump())
    for path in folder.iterdir():
        if not path.name.startswith("."):
            assert path.stat().st_mode & 0o777 == 0o644, path.name


def test_leftovers_of_a_killed_run_are_removed(dump: Callable[..., Result], folder: Path) -> None:
    folder.mkdir(parents=True)
    leftover = folder / ".initiatives.csv.abc123.tmp"
    leftover.write_bytes(b"half a fi")
    _ok(dump())
    assert not leftover.exists()


def test_a_second_dump_at_the_same_time_is_refused(
    dump: Callable[..., Result], folder: Path
) -> None:
    folder.mkdir(parents=True)
    with (folder / ".dump.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = dump()
    assert result.exit_code == 1
    assert "another dump is running in" in result.output
    assert not (folder / "datasets.json").exists()


def test_a_manifest_that_is_not_ours_is_ignored(app: Flask, folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "datasets.json").write_text("{not json", encoding="utf-8")
    with app.app_context():
        assert dumps.read_manifest().entries == {}
    (folder / "datasets.json").write_text('{"datasets": [{"id": "x"}]}', encoding="utf-8")
    with app.app_context():
        assert dumps.read_manifest().entries == {}
