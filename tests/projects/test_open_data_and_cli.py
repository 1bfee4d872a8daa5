"""Projects and commitments as open data (the daily files, ``/projects/commitments.csv``), the
commitments' figures on the accountability page, and ``flask projects import``."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app.core.time import today
from app.extensions import db
from app.projects import services
from app.projects.models import Commitment, CommitmentState, Project
from app.replies.models import Reply
from tests.projects.conftest import Actors, Org, letter_date


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _late_and_kept(
    app: Flask,
    org: Org,
    make_project: Callable[..., int],
    make_reply: Callable[..., int],
    make_commitment: Callable[..., int],
) -> dict[str, int]:
    """On a published letter: one late (open, due yesterday), one kept after its due day, one
    open and not yet due; on a letter in review one whose text must not be published."""
    project_id = make_project("OB-2026-014")
    published = make_reply("published")
    in_review = make_reply("in_review", summary="Še ni objavljeno.")
    with app.app_context():
        day = letter_date(published)
    late = make_commitment(
        published, org.unit, text="Pozna obljuba.", due_on=max(day, today() - timedelta(days=1))
    )
    kept = make_commitment(
        published, org.unit, text="Izpolnjena pozno.", due_on=day, project_id=project_id
    )
    future = make_commitment(
        published, org.other_unit, text="Še ni čas.", due_on=today() + timedelta(days=30)
    )
    hidden = make_commitment(
        in_review, org.unit, text="SKRIVNA-ZAVEZA", due_on=today() + timedelta(days=30)
    )
    with app.app_context(), services.as_the_system():
        commitment = db.session.get(Commitment, kept)
        reply = db.session.get(Reply, published)
        assert commitment is not None
        assert reply is not None
        services.close_commitment(
            None, commitment, reply, state=CommitmentState.DONE,
            closed_on=min(today(), day + timedelta(days=1)), note="Urejeno.",
        )  # fmt: skip
        db.session.commit()
    return {"late": late, "kept": kept, "future": future, "hidden": hidden, "reply": published}


def test_the_commitments_csv_holds_those_of_public_letters(
    app: Flask,
    client: FlaskClient,
    org: Org,
    make_project: Callable[..., int],
    make_reply: Callable[..., int],
    make_commitment: Callable[..., int],
) -> None:
    made = _late_and_kept(app, org, make_project, make_reply, make_commitment)
    response = client.get("/projects/commitments.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert "SKRIVNA-ZAVEZA" not in text
    rows = {int(row["id"]): row for row in _csv(text)}
    assert set(rows) == {made["late"], made["kept"], made["future"]}
    assert rows[made["late"]]["late"] == "yes"
    assert rows[made["late"]]["state"] == "open"
    assert rows[made["future"]]["late"] == "no"
    assert rows[made["kept"]]["project_code"] == "OB-2026-014"
    assert rows[made["kept"]]["reply_url"] == f"http://localhost/replies/{made['reply']}"
    late_only = _csv(client.get("/projects/commitments.csv?state=late").get_data(as_text=True))
    assert [int(row["id"]) for row in late_only] == [made["late"]]
    assert client.get("/projects/commitments.csv?state=lost").status_code == 400


def test_the_daily_files_have_projects_and_commitments(
    app: Flask,
    runner: FlaskCliRunner,
    org: Org,
    make_project: Callable[..., int],
    make_reply: Callable[..., int],
    make_commitment: Callable[..., int],
) -> None:
    made = _late_and_kept(app, org, make_project, make_reply, make_commitment)
    result = runner.invoke(
        args=["open-data", "dump", "--only", "projects", "--only", "commitments"]
    )
    assert result.exit_code == 0, result.output
    folder = Path(app.config["OPEN_DATA_FOLDER"])
    projects = _csv((folder / "projects.csv").read_text(encoding="utf-8"))
    assert [row["code"] for row in projects] == ["OB-2026-014"]
    commitments = _csv((folder / "commitments.csv").read_text(encoding="utf-8"))
    assert {int(row["id"]) for row in commitments} == {made["late"], made["kept"], made["future"]}
    assert "SKRIVNA-ZAVEZA" not in (folder / "commitments.csv").read_text(encoding="utf-8")


def test_the_accountability_page_counts_the_promises(
    app: Flask,
    client: FlaskClient,
    org: Org,
    make_project: Callable[..., int],
    make_reply: Callable[..., int],
    make_commitment: Callable[..., int],
    in_english: Callable[[FlaskClient], None],
) -> None:
    _late_and_kept(app, org, make_project, make_reply, make_commitment)
    in_english(client)
    html = client.get("/accountability/").get_data(as_text=True)
    section = html[html.index("Were the promises kept?") :]
    section = section[: section.index("</table>")]
    with app.app_context():
        from app.projects import figures

        rows = {row.unit_code: row for row in figures.by_unit(today())}
    # UGDP: the late one and the one kept late; UOP: the one not yet due. The letter in review
    # counts nowhere.
    assert (rows["UGDP"].open, rows["UGDP"].late, rows["UGDP"].kept_late) == (1, 1, 1)
    assert (rows["UGDP"].kept_on_time, rows["UGDP"].dropped) == (0, 0)
    assert (rows["UOP"].open, rows["UOP"].late) == (1, 0)
    assert "SKRIVNA" not in html
    assert '<strong class="late">1</strong>' in section


def _file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "projects.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


HEADER = "code,title,summary,unit,topic,starts_on,ends_on,light,progress,reason,budget_2026\n"


def test_the_cli_imports_as_the_official_named(
    app: Flask, runner: FlaskCliRunner, org: Org, actors: Actors, tmp_path: Path
) -> None:
    good = _file(
        tmp_path,
        HEADER + "OB-2026-100,Nov prehod,Prehod.,UGDP,promet,2026-03-01,2026-10-31,green,0,,"
        "125000.00\n",
    )
    dry = runner.invoke(args=["projects", "import", good, "--official", str(actors.official),
                              "--dry-run"])  # fmt: skip
    assert dry.exit_code == 0, dry.output
    assert "1 new, 0 updated, 0 unchanged projects would be imported" in dry.output
    with app.app_context():
        assert db.session.scalar(sa.select(Project.id).filter_by(code="OB-2026-100")) is None
    done = runner.invoke(args=["projects", "import", good, "--official", str(actors.official)])
    assert done.exit_code == 0, done.output
    with app.app_context():
        project = db.session.scalar(sa.select(Project).filter_by(code="OB-2026-100"))
        assert project is not None
        assert project.budget_cents == 12_500_000
        assert project.updates[-1].actor_id == actors.official


def test_the_cli_refuses_a_file_with_a_bad_line_and_saves_nothing(
    app: Flask, runner: FlaskCliRunner, org: Org, actors: Actors, tmp_path: Path
) -> None:
    bad = _file(
        tmp_path,
        HEADER
        + "OB-2026-101,Dober,Prehod.,UGDP,promet,2026-03-01,2026-10-31,green,0,,1.00\n"
        + "OB-2026-102,Slab,Prehod.,UGDP,promet,2026-03-01,2026-10-31,green,101,,1.00\n",
    )
    result = runner.invoke(args=["projects", "import", bad, "--official", str(actors.official)])
    assert result.exit_code != 0
    assert "line 3, progress" in result.output
    assert "nothing was imported" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Project)) == 0


def test_the_cli_acts_only_as_an_official(
    runner: FlaskCliRunner, org: Org, actors: Actors, tmp_path: Path
) -> None:
    good = _file(tmp_path, HEADER)
    for account in (actors.resident, actors.moderator, 999_999):
        result = runner.invoke(args=["projects", "import", good, "--official", str(account)])
        assert result.exit_code != 0
        assert "is not an official" in result.output
    other = _file(
        tmp_path,
        HEADER + "OB-2026-103,Tuj,Prehod.,UGDP,promet,2026-03-01,2026-10-31,green,0,,\n",
    )
    result = runner.invoke(args=["projects", "import", other, "--official",
                                 str(actors.other_official)])  # fmt: skip
    assert result.exit_code != 0
    assert "line 2, unit" in result.output
