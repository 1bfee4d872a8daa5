"""Projects and commitments at municipal scale (issue 12), written with ``COPY``.

Kranj runs some two hundred projects at a time; 10x is 2,000, each with one to four years of
money, up to six milestones, a timeline of three to fifteen updates and up to three links to
public initiatives, questions and letters; and a commitment in about half of the public reply
letters (1,500 at 10x), a quarter of them late. The lights follow a plausible mix (most on
track, a fifth at risk, a tenth delayed, a fifth done), some projects have not been updated
for half a year (stale), and every derived column is the app's: the totals of the years, the
first plan beside the current one, ``description_html`` (``render_markdown``) and the lemma
columns of search (the search index itself is written by the migration's trigger, as for any
insert).
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bench.seed import copy_rows

if TYPE_CHECKING:
    from bench.seed import Seeding

PROJECTS_PER_SCALE = 200
LIGHTS = (("green", 0.5), ("amber", 0.2), ("red", 0.1), ("done", 0.2))
STALE_SHARE = 0.1
_PUBLIC_REPLIES = "state IN ('published', 'corrected', 'retracted')"
TABLES = ("projects", "project_years", "project_milestones", "project_updates",
          "project_links", "commitments")  # fmt: skip


def _pick(rng: Any, mix: tuple[tuple[str, float], ...]) -> str:
    roll, total = rng.random(), 0.0
    for value, share in mix:
        total += share
        if roll < total:
            return value
    return mix[-1][0]


def write_projects(seeding: Seeding) -> str:
    from app.core.text import render_markdown
    from app.core.time import to_local
    from app.initiatives.lemmas import lemma_text

    started = time.perf_counter()
    rng, text, connection = seeding.rng, seeding.text, seeding.connection
    now = seeding.now
    today = to_local(now).date()
    units = [
        (unit_id, code)
        for code, unit_id in sorted(seeding.units.items())
        if code not in ("KZ", "SSMS")
    ] or sorted((i, c) for c, i in seeding.units.items())
    topics = sorted(seeding.topics.values())
    communities = sorted(seeding.communities.values())
    officials = {code: seeding.staff.get(f"official:{code}") for _unit, code in units}

    def ids(query: str, limit: int = 200_000) -> list[int]:
        return [int(row[0]) for row in connection.execute(f"{query} LIMIT {limit}")]

    initiatives = ids(
        "SELECT id FROM initiatives WHERE state IN ('answered', 'completed', 'awaiting_response',"
        " 'published') ORDER BY id"
    )
    questions = ids("SELECT id FROM questions WHERE published_at IS NOT NULL ORDER BY id")
    replies = [
        (int(row[0]), row[1], int(row[2]))
        for row in connection.execute(
            f"SELECT id, letter_date, issuer_unit_id FROM replies WHERE {_PUBLIC_REPLIES}"  # noqa: S608
            " ORDER BY id"
        )
    ]
    count = PROJECTS_PER_SCALE * seeding.scale.factor
    projects, years, milestones, updates, links = [], [], [], [], []
    update_id = milestone_id = year_id = link_id = 0
    codes: list[str] = []
    for project_id in range(1, count + 1):
        unit_id, unit_code = units[rng.randrange(len(units))]
        light = _pick(rng, LIGHTS)
        starts = today - timedelta(days=rng.randint(30, 1500))
        planned_days = rng.randint(90, 900)
        original_ends = starts + timedelta(days=planned_days)
        troubled = light in ("amber", "red")
        delay = rng.choice((0, 0, 0, 14, 30, 60, 120, 240) if troubled else (0, 0, 0, 0, 21))
        ends = original_ends + timedelta(days=delay)
        if light == "done":
            ends = min(ends, today - timedelta(days=rng.randint(1, 300)))
            ends = max(ends, starts)
            original_ends = min(original_ends, ends)
        progress = 100 if light == "done" else rng.randint(0, 95)
        stale = light != "done" and rng.random() < STALE_SHARE
        updated = now - timedelta(days=rng.randint(200, 400) if stale else rng.randint(0, 60),
                                  seconds=rng.randint(0, 86_400))  # fmt: skip
        created = min(updated, now - timedelta(days=(today - starts).days + 10))
        title = text.title()
        summary = text.summary(title)
        description = text.body()
        code = f"P-{starts.year}-{project_id:05d}"
        codes.append(code)
        budget_total = original_total = spent_total = 0
        for year in range(starts.year, min(ends.year, starts.year + 3) + 1):
            original = rng.randint(5_000, 800_000) * 100
            budget = original + (rng.choice((0, 0, 0, 1)) * rng.randint(1_000, 200_000) * 100)
            spent = rng.randint(0, budget) if year <= today.year else 0
            year_id += 1
            years.append((year_id, project_id, year, budget, original, spent))
            budget_total += budget
            original_total += original
            spent_total += spent
        for index in range(rng.randint(0, 6)):
            milestone_id += 1
            planned = starts + timedelta(days=int(planned_days * (index + 1) / 7))
            moved = planned + timedelta(days=rng.choice((0, 0, 0, 10, 30)))
            done = moved + timedelta(days=rng.randint(-5, 20)) if moved < today else None
            milestones.append(
                (milestone_id, project_id, text.sentence(3, 7)[:200], moved, planned,
                 done if done is None or done <= today else None)
            )  # fmt: skip
        reason = text.sentence(8, 20) if light in ("amber", "red") else None
        steps = rng.randint(3, 15)
        span = max((updated - created).total_seconds(), 1.0)
        for step in range(steps):
            update_id += 1
            at = created + timedelta(seconds=span * step / max(steps - 1, 1))
            kind = (
                "created"
                if step == 0
                else rng.choice(("status", "budget", "milestone", "schedule", "status"))
            )
            before: dict[str, Any] = {} if step == 0 else {"progress": max(0, progress - 10)}
            after: dict[str, Any] = (
                {"light": "green", "progress": 0, "budget_cents": original_total}
                if step == 0
                else {"progress": progress}
            )
            updates.append(
                (update_id, project_id, kind, at, officials.get(unit_code), unit_id,
                 before, after, reason if kind in ("status", "schedule") and step else None)
            )  # fmt: skip
        projects.append(
            {
                "id": project_id,
                "code": code,
                "title": title[:200],
                "summary": summary[:400],
                "description": description,
                "description_html": render_markdown(description),
                "unit_id": unit_id,
                "topic_id": topics[rng.randrange(len(topics))],
                "community_id": (
                    communities[rng.randrange(len(communities))] if rng.random() < 0.7 else None
                ),
                "location": text.place() if rng.random() < 0.5 else None,
                "starts_on": starts,
                "ends_on": ends,
                "original_starts_on": starts,
                "original_ends_on": original_ends,
                "budget_cents": budget_total,
                "original_budget_cents": original_total,
                "spent_cents": spent_total,
                "progress": progress,
                "light": light,
                "light_reason": reason,
                "created_at": created,
                "updated_at": updated,
                "done_at": updated if light == "done" else None,
                "title_lemmas": lemma_text(title),
                "summary_lemmas": lemma_text(summary),
                "description_lemmas": lemma_text(description),
            }
        )
        chosen: set[tuple[str, int]] = set()
        for _ in range(rng.randint(0, 3)):
            kind, pool = rng.choice(
                (("initiative", initiatives), ("question", questions),
                 ("reply", [r[0] for r in replies]))
            )  # fmt: skip
            if not pool:
                continue
            target = (kind, pool[rng.randrange(len(pool))])
            if target in chosen:
                continue
            chosen.add(target)
            link_id += 1
            links.append(
                (link_id, project_id, kind, target[1], rng.choice(("led_to", "speaks_of")), created)
            )
    names = list(projects[0]) if projects else []
    copy_rows(connection, "projects", names, ([row[n] for n in names] for row in projects))
    copy_rows(connection, "project_years",
              ("id", "project_id", "year", "budget_cents", "original_budget_cents", "spent_cents"),
              years)  # fmt: skip
    copy_rows(connection, "project_milestones",
              ("id", "project_id", "title", "planned_on", "original_planned_on", "done_on"),
              milestones)  # fmt: skip
    from psycopg.types.json import Jsonb

    copy_rows(
        connection,
        "project_updates",
        ("id", "project_id", "kind", "created_at", "actor_id", "unit_id", "before", "after",
         "reason"),
        ((*row[:6], Jsonb(row[6]), Jsonb(row[7]), row[8]) for row in updates),
    )  # fmt: skip
    copy_rows(connection, "project_links",
              ("id", "project_id", "target", "target_id", "relation", "created_at"),
              links)  # fmt: skip
    commitments = []
    chosen_replies = [r for r in replies if rng.random() < 0.5]
    for commitment_id, (reply_id, letter_date, issuer_id) in enumerate(chosen_replies, start=1):
        due = letter_date + timedelta(days=rng.randint(30, 720))
        late = due < today and rng.random() < 0.25
        state = (
            "open"
            if late or due >= today or rng.random() < 0.2
            else rng.choice(("done", "done", "done", "dropped"))
        )
        closed = None if state == "open" else min(today, due + timedelta(days=rng.randint(-30, 40)))
        if closed is not None and closed < letter_date:
            closed = letter_date
        project = rng.randint(1, count) if rng.random() < 0.4 else None
        owner = units[rng.randrange(len(units))][0] if rng.random() < 0.7 else issuer_id
        moment = now - timedelta(days=rng.randint(0, 300))
        commitments.append(
            (commitment_id, reply_id, text.sentence(8, 20)[:500], owner, due, project, state,
             closed, text.sentence(5, 12) if state == "dropped" else None, moment, moment, None)
        )  # fmt: skip
    copy_rows(
        connection,
        "commitments",
        ("id", "reply_id", "text", "owner_unit_id", "due_on", "project_id", "state",
         "closed_on", "note", "created_at", "updated_at", "created_by_id"),
        commitments,
    )  # fmt: skip
    seeding.timings["write projects"] = time.perf_counter() - started
    return (
        f"{len(projects):,} projects, {len(years):,} years, {len(milestones):,} milestones, "
        f"{len(updates):,} updates, {len(links):,} links, {len(commitments):,} commitments"
    )


def finish_projects(seeding: Seeding) -> str:
    """Sequences, the checks that the totals are the years', statistics."""
    connection = seeding.connection
    for table in TABLES:
        connection.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608  (our names)
            f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
        )
    wrong = connection.execute(
        "SELECT count(*) FROM projects p WHERE budget_cents <>"
        " (SELECT coalesce(sum(budget_cents), 0) FROM project_years y WHERE y.project_id = p.id)"
    ).fetchone()
    if wrong is None or wrong[0]:
        raise SystemExit(f"seeding error: {wrong} projects whose budget is not their years'")
    connection.commit()
    connection.autocommit = True
    for table in TABLES:
        connection.execute(f"VACUUM ANALYZE {table}")
    connection.autocommit = False
    late = connection.execute(
        "SELECT count(*) FROM commitments WHERE state = 'open' AND due_on < current_date"
    ).fetchone()
    return f"project totals equal their years; {late[0] if late else 0:,} commitments late"
