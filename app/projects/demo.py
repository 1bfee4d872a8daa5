"""Demo projects: one in every light (and one stale), linked to the demo initiatives, questions
and replies; commitments of the published letters, one of them late.

Everything goes through the services (``as_the_system``), so that the timelines show what a
real project's would: delays with their reasons, a budget that grew, milestones done late.
Idempotent: a project whose code exists is left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from app.core.time import today, utcnow
from app.extensions import db
from app.initiatives.models import Initiative
from app.org.models import OrgUnit
from app.projects import services
from app.projects.models import (
    Commitment,
    CommitmentState,
    Light,
    LinkRelation,
    LinkTarget,
    Project,
)
from app.questions.models import Question
from app.reference.models import LocalCommunity, Topic
from app.replies.models import PUBLIC, Reply, ReplyCoverage


@dataclass(frozen=True)
class DemoProject:
    code: str
    title: str
    summary: str
    description: str
    unit: str
    topic: str
    community: str | None
    location: str | None
    #: Days from today: the start and the end as first planned.
    starts: int
    ends: int
    #: (year offset from this year, budget in euros, spent in euros)
    years: tuple[tuple[int, int, int], ...]
    #: (title, planned in days from today, done: days from today or None)
    milestones: tuple[tuple[str, int, int | None], ...]
    light: Light
    progress: int
    reason: str | None = None
    #: Later changes, each a step through the services.
    steps: tuple[Callable[[Project], object], ...] = field(default_factory=tuple)
    #: What led to it or speaks of it: (target, title or subject, relation).
    links: tuple[tuple[LinkTarget, str, LinkRelation], ...] = ()
    #: Days since its last update (a stale project has not been updated for long).
    quiet_days: int = 0


def _later(days: int, reason: str) -> Callable[[Project], object]:
    def step(project: Project) -> object:
        return services.update_schedule(
            None,
            project,
            starts_on=project.starts_on,
            ends_on=project.ends_on + timedelta(days=days),
            reason=reason,
        )

    return step


def _budget(year_offset: int, euros: int, spent: int, reason: str) -> Callable[[Project], object]:
    def step(project: Project) -> object:
        return services.set_year(
            None,
            project,
            year=today().year + year_offset,
            budget_cents=euros * 100,
            spent_cents=spent * 100,
            reason=reason,
        )

    return step


PROJECTS = (
    DemoProject(
        code="MOK-2026-001",
        title="Semafor projektov MOK",
        summary="Javni pregled projektov občine: kako napredujejo, koliko stanejo in kaj je "
        "bilo obljubljeno v odgovorih.",
        description="Semafor projektov je del e-uprave in e-demokracije Mestne občine Kranj. "
        "Vsak projekt ima **luč** (zelena, rumena, rdeča, končano), napredek, proračun in "
        "mejnike, vsaka sprememba pa je javno zapisana.",
        unit="UDOU",
        topic="uprava",
        community=None,
        location=None,
        starts=-300,
        ends=60,
        years=((0, 45_000, 38_500),),
        milestones=(
            ("Zasnova in javna razprava", -240, -236),
            ("Prva različica na spletu", -30, -28),
            ("Odprti podatki in katalog za OPSI", 45, None),
        ),
        light=Light.GREEN,
        progress=85,
        links=((LinkTarget.REPLY, "032-11/2016-2-(52/17)", LinkRelation.LED_TO),),
    ),
    DemoProject(
        code="MOK-2026-014",
        title="Osvetljen prehod pred OŠ Stražišče",
        summary="Osvetljen prehod s talnimi utripajočimi lučmi na Šolski ulici.",
        description="Prehod dobi talne utripajoče luči, dodatno razsvetljavo in označbe "
        "omejitve hitrosti na 30 km/h v času pouka.",
        unit="UGDP",
        topic="promet",
        community="strazisce",
        location="Šolska ulica pred OŠ Stražišče",
        starts=-120,
        ends=30,
        years=((0, 68_000, 41_200),),
        milestones=(
            ("Projektna dokumentacija", -90, -88),
            ("Izbira izvajalca", -45, -31),
            ("Postavitev luči", 20, None),
        ),
        light=Light.AMBER,
        progress=60,
        reason="Dobavitelj talnih luči zamuja z dobavo; izvajalec je dela na cesti že "
        "opravil, luči bodo postavljene ob dobavi.",
        steps=(
            _later(21, "Dobava talnih luči zamuja tri tedne."),
            _budget(0, 74_500, 41_200, "Dodatna razsvetljava, ki jo je zahteval varnostni načrt."),
        ),
        links=(
            (LinkTarget.INITIATIVE, "Varen prehod za pešce pred OŠ Stražišče", LinkRelation.LED_TO),
        ),
    ),
    DemoProject(
        code="MOK-2025-031",
        title="Kolesarska steza ob Savski cesti, odsek do Struževega",
        summary="Ločena kolesarska steza od krožišča do Struževega in stojala za kolesa.",
        description="Prvi odsek kolesarske steze ob Savski cesti; za nadaljevanje do Zlatega "
        "polja se pripravlja projektna dokumentacija.",
        unit="UGDP",
        topic="promet",
        community="zlato-polje",
        location="Savska cesta",
        starts=-200,
        ends=150,
        years=((-1, 120_000, 35_000), (0, 380_000, 96_000)),
        milestones=(
            ("Gradbeno dovoljenje", -100, None),
            ("Začetek gradnje", 30, None),
        ),
        light=Light.RED,
        progress=20,
        reason="Gradbeno dovoljenje še ni pravnomočno: sosed se je pritožil. Gradnja se ne "
        "more začeti pred odločitvijo ministrstva.",
        steps=(
            _later(120, "Pritožba na gradbeno dovoljenje; rok odločitve ministrstva."),
            _budget(0, 455_000, 96_000, "Višje cene gradbenih del na ponovljenem razpisu."),
        ),
        links=((LinkTarget.INITIATIVE, "Kolesarska steza ob Savski cesti", LinkRelation.LED_TO),),
    ),
    DemoProject(
        code="MOK-2025-022",
        title="Nadstrešek s klopjo na postaji Primskovo",
        summary="Nadstrešek in klop na avtobusni postaji Primskovo v smeri centra.",
        description="",
        unit="UGDP",
        topic="komunala",
        community="primskovo",
        location="Avtobusna postaja Primskovo, smer center",
        starts=-260,
        ends=-60,
        years=((0, 9_800, 9_650),),
        milestones=(("Postavitev nadstreška", -70, -64),),
        light=Light.DONE,
        progress=100,
        links=(
            (
                LinkTarget.INITIATIVE,
                "Klop in senca na avtobusni postaji Primskovo",
                LinkRelation.LED_TO,
            ),
        ),
    ),
    DemoProject(
        code="MOK-2026-040",
        title="Zasaditev dreves ob Savskem otoku",
        summary="Drevored ob novi sprehajalni poti na Savskem otoku.",
        description="",
        unit="UOP",
        topic="okolje",
        community=None,
        location="Savski otok",
        starts=-30,
        ends=330,
        years=((0, 5_000, 800), (1, 22_000, 0)),
        milestones=(("Ureditev sprehajalne poti", 200, None), ("Zasaditev", 320, None)),
        light=Light.GREEN,
        progress=10,
        links=((LinkTarget.QUESTION, "Zasaditev dreves ob Savskem otoku", LinkRelation.LED_TO),),
    ),
    DemoProject(
        code="MOK-2024-007",
        title="Prenova Pungerta",
        summary="Celovita prenova starega mestnega jedra na Pungertu.",
        description="Prenova ulic, komunalne infrastrukture in javne razsvetljave.",
        unit="UOP",
        topic="prostor",
        community="center",
        location="Pungert",
        starts=-500,
        ends=400,
        years=((-1, 150_000, 120_000), (0, 900_000, 210_000)),
        milestones=(("Izdelava projektov", -200, -150),),
        light=Light.GREEN,
        progress=30,
        links=((LinkTarget.QUESTION, "Prenova Pungerta", LinkRelation.SPEAKS_OF),),
        quiet_days=200,  # nobody updated it: the list shows it stale
    ),
)

#: Commitments of public letters: (letter's reference number or the subject of what it
#: answers, the promise, owner unit, due in days from today or a fixed day, project code,
#: closed days ago or None).
COMMITMENTS: tuple[tuple[str, str, str, int | date, str | None, int | None], ...] = (
    (
        "032-11/2016-2-(52/17)",
        "Izdelava Semaforja projektov MOK (e-uprava in e-demokracija).",
        "UDOU",
        date(2017, 12, 31),
        "MOK-2026-001",
        10,
    ),
    (
        "032-11/2016-2-(52/17)",
        "Portal odprtih podatkov MOK: spremljanje kazalnikov in trendov.",
        "UDOU",
        date(2018, 6, 30),  # still open: late
        None,
        None,
    ),
    (
        "Zasaditev dreves ob Savskem otoku",
        "Drevesa ob Savskem otoku bodo zasajena jeseni 2027, ko bo urejena sprehajalna pot.",
        "UOP",
        330,
        "MOK-2026-040",
        None,
    ),
    (
        "Prenova Pungerta",
        "Prenova Pungerta se bo začela spomladi 2027.",
        "UOP",
        180,
        "MOK-2024-007",
        None,
    ),
)


def seed_projects() -> int:
    units = {u.code: u.id for u in db.session.scalars(sa.select(OrgUnit))}
    topics = {t.slug: t.id for t in db.session.scalars(sa.select(Topic))}
    communities = {c.slug: c.id for c in db.session.scalars(sa.select(LocalCommunity))}
    added: list[tuple[Project, int]] = []
    with services.as_the_system():
        for demo in PROJECTS:
            if db.session.scalar(sa.select(Project.id).where(Project.code == demo.code)):
                continue
            if demo.unit not in units or demo.topic not in topics:
                continue
            community = communities.get(demo.community or "")
            project = _seed(demo, units[demo.unit], topics[demo.topic], community)
            added.append((project, demo.quiet_days))
        _seed_commitments(units)
    # Last, after its commitments wrote their entries: a quiet project was last updated long
    # ago, and every entry of its timeline moves back with it.
    for project, quiet_days in added:
        if quiet_days:
            back = timedelta(days=quiet_days)
            for update in project.updates:
                update.created_at = update.created_at - back
            project.updated_at = utcnow() - back
            project.created_at = project.created_at - back
    db.session.flush()
    return len(added)


def _seed(demo: DemoProject, unit_id: int, topic_id: int, community_id: int | None) -> Project:
    day = today()
    project = services.create(
        None,
        demo.code,
        services.Details(
            demo.title,
            demo.summary,
            demo.description,
            unit_id,
            topic_id,
            community_id,
            demo.location,
        ),
        starts_on=day + timedelta(days=demo.starts),
        ends_on=day + timedelta(days=demo.ends),
        years=[
            services.YearMoney(day.year + offset, budget * 100, spent * 100)
            for offset, budget, spent in demo.years
        ],
        system=True,
    )
    for title, planned, _done in demo.milestones:
        services.add_milestone(None, project, title=title, planned_on=day + timedelta(planned))
    for milestone, (_title, planned, done) in zip(project.milestones, demo.milestones, strict=True):
        if done is not None:
            services.update_milestone(
                None,
                milestone,
                planned_on=day + timedelta(planned),
                done_on=day + timedelta(done),
                reason=None,
            )
    for step in demo.steps:
        step(project)
    services.update_status(
        None, project, light=demo.light, progress=demo.progress, reason=demo.reason
    )
    for target, name, relation in demo.links:
        target_id = _target_id(target, name)
        if target_id is not None and services.public_target(target, target_id) is not None:
            services.link(None, project, target, target_id, relation)
    db.session.flush()
    return project


def _target_id(target: LinkTarget, name: str) -> int | None:
    if target is LinkTarget.INITIATIVE:
        return db.session.scalar(sa.select(Initiative.id).where(Initiative.title == name))
    if target is LinkTarget.QUESTION:
        return db.session.scalar(sa.select(Question.id).where(Question.title == name))
    return db.session.scalar(sa.select(Reply.id).where(Reply.reference_number == name))


def _reply_for(name: str) -> Reply | None:
    by_number = db.session.scalar(sa.select(Reply).where(Reply.reference_number == name))
    if by_number is not None:
        return by_number
    return db.session.scalar(
        sa.select(Reply)
        .join(ReplyCoverage, ReplyCoverage.reply_id == Reply.id)
        .join(Question, Question.id == ReplyCoverage.question_id)
        .where(Question.title == name, Reply.state.in_(list(PUBLIC)))
        .limit(1)
    )


def _seed_commitments(units: dict[str, int]) -> None:
    day = today()
    for name, text, unit, due, code, closed in COMMITMENTS:
        reply = _reply_for(name)
        if reply is None or unit not in units:
            continue
        if db.session.scalar(
            sa.select(Commitment.id).where(Commitment.reply_id == reply.id, Commitment.text == text)
        ):
            continue
        project_id = (
            db.session.scalar(sa.select(Project.id).where(Project.code == code)) if code else None
        )
        due_on = due if isinstance(due, date) else day + timedelta(days=due)
        if due_on < reply.letter_date:
            continue
        commitment = services.record_commitment(
            None,
            reply,
            text=text,
            owner_unit_id=units[unit],
            due_on=due_on,
            project_id=project_id,
        )
        if closed is not None:
            services.close_commitment(
                None,
                commitment,
                reply,
                state=CommitmentState.DONE,
                closed_on=day - timedelta(days=closed),
                note="Semafor projektov je objavljen v Glasu.",
            )
