"""The integrity run: 64 residents support one initiative at the same moment, then withdraw.

Over HTTP against the benchmark's gunicorn, with real sessions and CSRF tokens; every request
must get the success redirect, and afterwards the counter must equal the rows and the rows
must be exactly the residents who support (none lost, none counted twice). The same check of
counter against rows then runs over every initiative and every question, after all the
benchmark's POSTs. ``unread_badges`` checks the header's number of unread notifications (the
count that comes with every signed-in request) against each person's rows.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import requests

from bench.residents import Resident

RESIDENTS = 64


def _at_once(base_url: str, cookie_name: str, residents: list[Resident], path: str) -> list[int]:
    barrier = threading.Barrier(len(residents))

    def one(resident: Resident) -> int:
        with requests.Session() as http:
            barrier.wait(timeout=60)
            response = http.post(
                base_url + path,
                data={"csrf_token": resident.token},
                headers={
                    "Cookie": f"{cookie_name}={resident.cookie}",
                    "Sec-Fetch-Site": "same-origin",
                    "X-Forwarded-For": resident.address,
                },
                allow_redirects=False,
                timeout=120,
            )
            return response.status_code

    with ThreadPoolExecutor(max_workers=len(residents)) as pool:
        return list(pool.map(one, residents))


def _state(connection: psycopg.Connection[Any], initiative_id: int) -> tuple[int, set[int]]:
    row = connection.execute(
        "SELECT support_count FROM initiatives WHERE id = %s", (initiative_id,)
    ).fetchone()
    users = {
        user_id
        for (user_id,) in connection.execute(
            "SELECT user_id FROM initiative_supports WHERE initiative_id = %s", (initiative_id,)
        )
    }
    connection.rollback()
    return (row[0] if row else -1), users


def supporters(connection: psycopg.Connection[Any], initiative_id: int) -> frozenset[int]:
    """The accounts that support the initiative now."""
    return frozenset(_state(connection, initiative_id)[1])


def counters_off(connection: psycopg.Connection[Any]) -> int:
    """How many initiatives have a counter that is not their number of rows (should be 0)."""
    row = connection.execute(
        "SELECT count(*) FROM initiatives i WHERE support_count <>"
        " (SELECT count(*) FROM initiative_supports s WHERE s.initiative_id = i.id)"
    ).fetchone()
    connection.rollback()
    return int(row[0]) if row else -1


def question_counters_off(connection: psycopg.Connection[Any]) -> int:
    """How many questions have a counter that is not their number of rows (should be 0)."""
    row = connection.execute(
        "SELECT count(*) FROM questions q WHERE support_count <>"
        " (SELECT count(*) FROM question_supports s WHERE s.question_id = q.id)"
    ).fetchone()
    connection.rollback()
    return int(row[0]) if row else -1


def run(
    base_url: str,
    cookie_name: str,
    connection: psycopg.Connection[Any],
    residents: list[Resident],
    initiative_id: int,
) -> dict[str, Any]:
    """Support at once, check; withdraw at once, check. Returns what was seen."""
    count_before, rows_before = _state(connection, initiative_id)
    ids = {r.user_id for r in residents}
    if rows_before & ids:
        raise RuntimeError("integrity residents already support the target initiative")
    path = f"/initiatives/{initiative_id}/support"
    supported = Counter(_at_once(base_url, cookie_name, residents, path))
    count_mid, rows_mid = _state(connection, initiative_id)
    withdrawn = Counter(_at_once(base_url, cookie_name, residents, path + "/withdraw"))
    count_after, rows_after = _state(connection, initiative_id)
    ok = (
        supported == Counter({302: len(residents)})
        and withdrawn == Counter({302: len(residents)})
        and count_before == len(rows_before)
        and count_mid == len(rows_mid) == len(rows_before) + len(residents)
        and rows_mid == rows_before | ids
        and count_after == len(rows_after) == len(rows_before)
        and rows_after == rows_before
    )
    return {
        "ok": ok,
        "residents": len(residents),
        "initiative": initiative_id,
        "support_statuses": dict(supported),
        "withdraw_statuses": dict(withdrawn),
        "before": {"counter": count_before, "rows": len(rows_before)},
        "after_supports": {"counter": count_mid, "rows": len(rows_mid)},
        "after_withdrawals": {"counter": count_after, "rows": len(rows_after)},
    }


_BADGE = re.compile(r'class="count-badge"[^>]*>([^<]+)<')


def unread_badges(
    base_url: str,
    cookie_name: str,
    connection: psycopg.Connection[Any],
    residents: list[Resident],
    path: str = "/",
) -> dict[str, Any]:
    """The header's number of unread notifications against each person's unread rows.

    Over HTTP with each resident's session; the header shows the count up to 99, then
    "99+", and nothing at none. Returns the residents checked and those whose header is wrong
    (with what it said and what their rows say).
    """
    ids = [r.user_id for r in residents]
    unread = dict.fromkeys(ids, 0)
    unread.update(
        {
            int(user_id): int(n)
            for user_id, n in connection.execute(
                "SELECT user_id, count(*) FROM notifications WHERE read_at IS NULL"
                " AND user_id = ANY(%s) GROUP BY user_id",
                (ids,),
            )
        }
    )
    connection.rollback()
    wrong = []
    with requests.Session() as http:
        for resident in residents:
            response = http.get(
                base_url + path,
                headers={
                    "Cookie": f"{cookie_name}={resident.cookie}",
                    "X-Forwarded-For": resident.address,
                },
                timeout=60,
            )
            found = _BADGE.search(response.text)
            shown = found.group(1).strip() if found else ""
            actual = unread[resident.user_id]
            expected = "" if actual == 0 else "99+" if actual > 99 else str(actual)
            if response.status_code != 200 or shown != expected:
                wrong.append(
                    {"user": resident.user_id, "header": shown or "(none)", "unread_rows": actual}
                )
    return {
        "ok": not wrong,
        "checked": len(residents),
        "with_unread": sum(1 for r in residents if unread[r.user_id]),
        "wrong": len(wrong),
        "examples": wrong[:10],
    }
