"""Demo initiatives in every state, with supporters, timelines and responses.

The supporters are synthetic demo accounts (no eID identity behind them) so that initiatives
can be shown at and past the threshold.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.auth import pseudonyms
from app.auth.models import ResidencySource, User
from app.core.text import render_markdown
from app.core.time import utcnow
from app.extensions import db
from app.initiatives import rules
from app.initiatives.models import (
    EventKind,
    Initiative,
    InitiativeEvent,
    InitiativeState,
    ResponseKind,
    Support,
)
from app.org.models import OrgUnit
from app.reference.models import LocalCommunity, RejectionReason, Topic
from app.reference.seed import slugify

_S = InitiativeState
SUBSTANTIAL = "http://eidas.europa.eu/LoA/substantial"


@dataclass
class Demo:
    title: str
    summary: str
    body: str
    topic: str
    community: str | None
    state: InitiativeState
    supporters: int = 0
    #: Days ago the initiative was published.
    published_days_ago: int = 10
    author: str = "Ana K."
    location: str | None = None
    unit: str | None = None
    response: tuple[ResponseKind, str] | None = None
    progress: list[str] = field(default_factory=list)
    reason: str | None = None
    #: Days past the response deadline (an overdue answer for the accountability pages).
    overdue_days: int = 0


DEMOS = [
    Demo(
        "Varen prehod za pešce pred OŠ Stražišče",
        "Otroci vsak dan prečkajo Šolsko ulico brez semaforja. Predlagam osvetljen prehod s "
        "talnimi utripajočimi lučmi in omejitev hitrosti na 30 km/h.",
        "Zjutraj med 7.15 in 8.00 po Šolski ulici pelje veliko avtomobilov, otroci pa "
        "prečkajo cesto na več mestih.\n\nPredlagam:\n\n- **osvetljen prehod** s talnimi "
        "lučmi,\n- omejitev hitrosti na 30 km/h v času pouka,\n- prometnika ob začetku pouka.",
        "promet",
        "stražišče",
        _S.PUBLISHED,
        supporters=142,
        published_days_ago=20,
        location="Šolska ulica pri OŠ Stražišče",
        unit="UGDP",
    ),
    Demo(
        "Kolesarska steza ob Savski cesti",
        "Savska cesta je glavna povezava do centra, kolesarji pa vozijo med avtomobili. "
        "Ločena kolesarska steza bi bila varnejša za vse.",
        "Na Savski cesti je promet gost, pločnik pa ozek. Predlagam ločeno kolesarsko stezo "
        "od krožišča do Zlatega polja in več stojal za kolesa pri avtobusni postaji.",
        "promet",
        "zlato-polje",
        _S.AWAITING_RESPONSE,
        supporters=312,
        published_days_ago=45,
        author="Marko s Primskovega",
        unit="UGDP",
    ),
    Demo(
        "Klop in senca na avtobusni postaji Primskovo",
        "Na postaji ni klopi ne strehe; starejši čakajo na soncu ali dežju.",
        "Predlagam nadstrešek s klopjo na postaji Primskovo (smer center).",
        "komunala",
        "primskovo",
        _S.AWAITING_RESPONSE,
        supporters=305,
        published_days_ago=80,
        unit="UOP",
        overdue_days=9,
    ),
    Demo(
        "Več košev za pasje iztrebke v parku Khislstein",
        "V parku sta le dva koša za pasje iztrebke. Predlagam vsaj šest novih.",
        "Park obiskuje veliko lastnikov psov. Koši so le ob vhodu, zato iztrebki ostajajo na "
        "travi, kjer se igrajo otroci.",
        "okolje",
        "center",
        _S.COMPLETED,
        supporters=330,
        published_days_ago=150,
        unit="UOP",
        response=(
            ResponseKind.ACCEPTED,
            "Pobudo sprejemamo. Šest novih košev bomo "
            "postavili do konca meseca; Komunala Kranj jih bo praznila dvakrat tedensko.",
        ),
        progress=["Koši so naročeni.", "Postavljenih je šest novih košev."],
    ),
    Demo(
        "Daljši obratovalni čas knjižnice ob sobotah",
        "Mestna knjižnica je ob sobotah odprta le do 12. ure. Predlagam odprtje do 17. ure.",
        "Zaposleni ob delavnikih težko pridejo v knjižnico. Sobotno popoldne bi bilo idealno.",
        "kultura-sport",
        None,
        _S.ANSWERED,
        supporters=301,
        published_days_ago=120,
        unit="UDD",
        response=(
            ResponseKind.PARTLY_ACCEPTED,
            "Knjižnica bo s 1. marcem ob sobotah odprta "
            "do 14. ure. Daljšega časa ta hip ne moremo zagotoviti zaradi kadrovskih omejitev.",
        ),
    ),
    Demo(
        "Brezplačen mestni avtobus ob nedeljah",
        "Ob nedeljah naj bo mestni promet brezplačen, da se manj ljudi vozi z avtom.",
        "Brezplačen avtobus bi razbremenil center in parkirišča.",
        "promet",
        None,
        _S.ANSWERED,
        supporters=340,
        published_days_ago=100,
        author="Marko s Primskovega",
        unit="UGDP",
        response=(
            ResponseKind.REJECTED,
            "Pobude ne moremo sprejeti, ker bi brezplačen prevoz "
            "ob nedeljah stal približno 180.000 EUR letno. Proučili bomo cenejše vozovnice "
            "za družine.",
        ),
    ),
    Demo(
        "Pitnik na Glavnem trgu",
        "Na Glavnem trgu ni javnega pitnika. Poleti bi prišel prav obiskovalcem in turistom.",
        "Predlagam pitnik pri vodnjaku.",
        "komunala",
        "center",
        _S.EXPIRED,
        supporters=48,
        published_days_ago=120,
    ),
    Demo(
        "Nova igrala za najmlajše na Planini",
        "Igrišče na Planini III je zastarelo. Predlagam nova igrala za otroke do šest let.",
        "Obstoječa igrala so lesena in dotrajana.",
        "prostor",
        "planina",
        _S.WITHDRAWN,
        supporters=12,
        published_days_ago=30,
    ),
    Demo(
        "Nočni avtobus iz Ljubljane",
        "Zadnji avtobus iz Ljubljane pelje ob 22.30. Predlagam nočno linijo ob petkih in sobotah.",
        "Besedilo pobude.",
        "promet",
        None,
        _S.REJECTED,
        reason="competence",
    ),
    Demo(
        "Razsvetljava na sprehajalni poti ob Kokri",
        "Pot ob Kokri je zvečer temna in nevarna. Predlagam varčne svetilke.",
        "Pot uporablja veliko sprehajalcev in tekačev, pozimi že ob petih popoldne ni nič vidno.",
        "varnost",
        "center",
        _S.SUBMITTED,
    ),
    Demo(
        "Ureditev parkirišča pri zdravstvenem domu",
        "Parkirišče je polno luknjic; ob dežju nastanejo luže.",
        "Osnutek: fotografije še dodam.",
        "promet",
        "zlato-polje",
        _S.DRAFT,
    ),
]

SUPPORTERS = 360


def synthetic_residents() -> list[int]:
    """Demo accounts that only exist to support; their keys are not eID identities."""
    keys = [
        hashlib.sha256(f"glas-demo-supporter|{n}".encode()).hexdigest() for n in range(SUPPORTERS)
    ]
    existing = {
        row.subject_key: row.id
        for row in db.session.execute(
            sa.select(User.subject_key, User.id).where(User.subject_key.in_(keys))
        )
    }
    now = utcnow()
    for n, key in enumerate(keys):
        if key not in existing:
            name = f"Občan {n + 1:03d}"
            user = User(
                subject_key=key,
                pseudonym=name,
                pseudonym_key=pseudonyms.key(name),
                is_adult=True,
                last_acr=SUBSTANTIAL,
                resident_verified_at=now,
                residency_source=ResidencySource.EID,
            )
            db.session.add(user)
            db.session.flush()
            existing[key] = user.id
    return [existing[key] for key in keys]


def _author(name: str, fallback: int) -> int:
    user_id = db.session.scalar(
        sa.select(User.id).where(User.pseudonym_key == pseudonyms.key(name))
    )
    return user_id if user_id is not None else fallback


def seed_initiatives() -> int:
    have = set(db.session.scalars(sa.select(Initiative.title)))
    todo = [demo for demo in DEMOS if demo.title not in have]
    if not todo:
        return 0
    residents = synthetic_residents()
    topics = {t.slug: t for t in db.session.scalars(sa.select(Topic))}
    communities = {c.slug: c for c in db.session.scalars(sa.select(LocalCommunity))}
    units = {u.code: u for u in db.session.scalars(sa.select(OrgUnit))}
    current = rules.current()
    now = utcnow()
    for demo in todo:
        initiative, supports = _build(demo, residents, topics, communities, units, current, now)
        db.session.add(initiative)
        db.session.flush()
        for support in supports:
            support.initiative_id = initiative.id
        db.session.add_all(supports)
    db.session.flush()
    return len(todo)


def _build(
    demo: Demo,
    residents: list[int],
    topics: dict[str, Topic],
    communities: dict[str, LocalCommunity],
    units: dict[str, OrgUnit],
    current: rules.Rules,
    now: datetime,
) -> tuple[Initiative, list[Support]]:
    author_id = _author(demo.author, residents[-1])
    initiative = Initiative(
        title=demo.title,
        summary=demo.summary,
        body=demo.body,
        body_html=render_markdown(demo.body),
        topic=topics[demo.topic],
        community=communities.get(slugify(demo.community)) if demo.community else None,
        location=demo.location,
        author_id=author_id,
        state=demo.state,
        responsible_unit=units.get(demo.unit) if demo.unit else None,
    )
    created = now - timedelta(days=demo.published_days_ago + 3)
    initiative.created_at = initiative.updated_at = created
    if demo.state is _S.DRAFT:
        return initiative, []
    initiative.submitted_at = created + timedelta(hours=2)
    _event(initiative, EventKind.SUBMITTED, initiative.submitted_at)
    if demo.state is _S.SUBMITTED:
        return initiative, []
    if demo.state is _S.REJECTED:
        reason = db.session.scalar(
            sa.select(RejectionReason).where(RejectionReason.slug == demo.reason)
        )
        initiative.rejection_reason = reason
        initiative.closed_at = created + timedelta(days=1)
        _event(initiative, EventKind.REJECTED, initiative.closed_at)
        return initiative, []
    published = now - timedelta(days=demo.published_days_ago)
    initiative.published_at = published
    initiative.support_closes_at = published + timedelta(days=current.support_days)
    initiative.threshold = current.threshold
    _event(initiative, EventKind.PUBLISHED, published)
    supporters = [r for r in residents if r != author_id][: demo.supporters]
    step = timedelta(days=min(demo.published_days_ago, current.support_days) * 0.8) / max(
        1, len(supporters)
    )
    supports = [
        Support(user_id=user_id, created_at=published + step * (n + 1))
        for n, user_id in enumerate(supporters)
    ]
    initiative.support_count = len(supports)
    if demo.supporters >= current.threshold:
        reached = published + step * current.threshold
        initiative.threshold_reached_at = reached
        initiative.response_due_at = reached + timedelta(days=current.response_days)
        if demo.overdue_days:
            reached = now - timedelta(days=current.response_days + demo.overdue_days)
            initiative.threshold_reached_at = reached
            initiative.response_due_at = reached + timedelta(days=current.response_days)
        _event(initiative, EventKind.THRESHOLD_REACHED, reached)
    if demo.state is _S.EXPIRED:
        initiative.support_closes_at = now - timedelta(days=5)
        initiative.closed_at = initiative.support_closes_at
        _event(initiative, EventKind.EXPIRED, initiative.closed_at)
    if demo.state is _S.WITHDRAWN:
        initiative.closed_at = published + timedelta(days=10)
        _event(initiative, EventKind.WITHDRAWN, initiative.closed_at)
    if demo.response:
        kind, text = demo.response
        answered = (initiative.threshold_reached_at or published) + timedelta(days=12)
        initiative.response_kind, initiative.response_text = kind, text
        initiative.response_html = render_markdown(text)
        initiative.answered_at = answered
        initiative.support_closes_at = min(initiative.support_closes_at, answered)
        _event(initiative, EventKind.ANSWERED, answered)
        for n, note in enumerate(demo.progress):
            done = n == len(demo.progress) - 1 and demo.state is _S.COMPLETED
            kind_ = EventKind.COMPLETED if done else EventKind.PROGRESS
            _event(initiative, kind_, answered + timedelta(days=7 * (n + 1)), note=note)
            if done:
                initiative.completed_at = answered + timedelta(days=7 * (n + 1))
    return initiative, supports


def _event(
    initiative: Initiative, kind: EventKind, when: datetime, note: str | None = None
) -> None:
    initiative.events.append(InitiativeEvent(kind=kind, created_at=when, note=note, data={}))
