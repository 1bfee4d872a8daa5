"""``make drills``: eight faults injected into the running cluster while load goes on.

Each drill prints what it did and what it found, and the run ends with a table and exit 1 if
any drill failed. Writes are checked against the rows afterwards: every support the site
acknowledged is in ``initiative_supports``, none is there twice, and every initiative's
counter equals its rows. The figures are written to ``/tmp/glas-drills/drills.json`` (and
``--results FILE``); ``docs/reliability.md`` records a run.

``python -m deploy.cluster.drills [--only 1 3 …] [--results FILE]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import psycopg

from app.core.ratelimits import STORE_PAUSE_SECONDS
from deploy.cluster import load as loadgen
from deploy.cluster.cluster import Cluster, ensure_tools
from deploy.cluster.control import Control
from deploy.cluster.load import Load, Support, client, failed, recovery, summary
from deploy.cluster.services import ROOT as DEPLOY_ROOT
from deploy.cluster.services import wait_for

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Report:
    number: int
    name: str
    did: list[str] = field(default_factory=list)
    found: dict[str, Any] = field(default_factory=dict)
    checks: dict[str, bool] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(self.checks.values())

    def step(self, text: str) -> None:
        self.did.append(text)
        print(f"   · {text}", flush=True)

    def check(self, name: str, ok: bool) -> None:
        self.checks[name] = bool(ok)
        print(f"   {'✔' if ok else '✘'} {name}", flush=True)


class Drills:
    def __init__(self, cluster: Cluster, app: Any) -> None:
        self.cluster = cluster
        self.app = app
        self.cookie = str(app.config["SESSION_COOKIE_NAME"])
        self.base = cluster.public_url
        self.rng = random.Random("glas-drills")  # noqa: S311
        self._prepare()

    def execute(self, statement: str, parameters: tuple[Any, ...] = ()) -> None:
        with psycopg.connect(
            dbname="glas", user="glas", host=str(self.cluster.primary.socket_dir),
            port=self.cluster.ports.primary, autocommit=True,
        ) as connection:  # fmt: skip
            connection.execute(statement, parameters)  # type: ignore[arg-type]

    def sql(self, query: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """A query on the primary, on a connection of its own (a drill restarts the server)."""
        with psycopg.connect(
            dbname="glas",
            user="glas",
            host=str(self.cluster.primary.socket_dir),
            port=self.cluster.ports.primary,
            autocommit=True,
        ) as connection:
            return list(connection.execute(query, parameters))  # type: ignore[arg-type]

    # --- data for the load ------------------------------------------------------------------

    def _prepare(self) -> None:
        from bench.residents import open_initiatives, sign_in, support_pairs

        initiatives = open_initiatives(self.app)
        self.residents = sign_in(self.app, 400)
        self.token_path = f"/initiatives/{initiatives[0]}"
        self.tokens(self.residents)
        pairs = support_pairs(self.app, self.residents, initiatives, 12, self.rng)
        self.pairs = [Support(resident, initiative) for resident, initiative in pairs]
        self.rng.shuffle(self.pairs)
        sample = self.rng.sample(initiatives, min(40, len(initiatives)))
        questions = [
            row[0]
            for row in self.sql(
                "SELECT id FROM questions WHERE published_at IS NOT NULL ORDER BY id DESC LIMIT 20"
            )
        ]
        self.read_paths = (
            ["/", "/initiatives/", "/initiatives/?sort=supported", "/questions/", "/projects/"]
            + [f"/initiatives/{i}" for i in sample]
            + [f"/questions/{q}" for q in questions]
            + ["/api/v1/initiatives?limit=20", "/api/v1/questions?limit=20"]
            + [f"/api/v1/initiatives/{i}" for i in sample[:10]]
        )
        print(
            f"   {len(self.residents)} residents signed in, {len(self.pairs)} supports to make,"
            f" {len(self.read_paths)} pages to read",
            flush=True,
        )

    def tokens(self, residents: list[Any]) -> None:
        def one(chunk: list[Any], address: str) -> None:
            session = loadgen.client(address, self.cluster.cafile)
            for resident in chunk:
                response = session.get(
                    self.base + self.token_path,
                    headers={"Cookie": f"{self.cookie}={resident.cookie}"},
                    timeout=30,
                )
                found = _TOKEN.search(response.text)
                if response.status_code != 200 or not found:
                    raise RuntimeError(
                        f"no CSRF token for {resident.user_id}: {response.status_code}"
                    )
                resident.token = found.group(1)

        chunks = [residents[n::4] for n in range(4)]
        threads = [
            threading.Thread(target=one, args=(chunk, f"127.0.9.{n + 1}"))
            for n, chunk in enumerate(chunks)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def take(self, count: int) -> list[Support]:
        taken, self.pairs = self.pairs[:count], self.pairs[count:]
        return taken

    def load(self, supports: int = 150, **kwargs: Any) -> Load:
        return Load(
            self.base,
            self.cluster.cafile,
            self.cookie,
            self.read_paths,
            self.take(supports),
            **kwargs,
        ).start()

    # --- checks against the rows ------------------------------------------------------------

    def writes(self, report: Report, supports: list[Support]) -> None:
        """Every acknowledged support is there once; counters equal rows; nothing else."""
        attempted = {(s.resident.user_id, s.initiative) for s in supports}
        acknowledged = {(s.resident.user_id, s.initiative) for s in supports if s.acknowledged}
        users = sorted({u for u, _ in attempted})
        rows = Counter(
            (user, initiative)
            for user, initiative in self.sql(
                "SELECT user_id, initiative_id FROM initiative_supports WHERE user_id = ANY(%s)",
                (users,),
            )
            if (user, initiative) in attempted
        )
        counters_off = (
            self.sql(
                "SELECT count(*) FROM initiatives i WHERE support_count <>"
                " (SELECT count(*) FROM initiative_supports s WHERE s.initiative_id = i.id)"
            )
            or [None]
        )[0]
        lost = acknowledged - set(rows)
        # A pair cannot have two rows (the table's unique key): a support counted twice would
        # show as a counter above its rows, on any initiative.
        counted_twice = int(counters_off[0] if counters_off else -1)
        unacknowledged = attempted - acknowledged
        report.found["supports"] = {
            "attempted": len(attempted),
            "acknowledged": len(acknowledged),
            "in_database": len(rows),
            "lost": len(lost),
            "counters_off": counted_twice,
            "never_acknowledged": len(unacknowledged),
            "attempts": sum(len(s.attempts) for s in supports),
        }
        report.check("supports were made during the drill", bool(acknowledged))
        report.check("no acknowledged support lost", not lost)
        report.check(
            "no support counted twice: every initiative's counter equals its rows",
            counted_twice == 0,
        )
        report.check(
            "every support the client retried was acknowledged in the end", not unacknowledged
        )

    def settle(self, seconds: float) -> None:
        time.sleep(seconds)

    # --- 1 ------------------------------------------------------------------------------------

    def kill_app_server(self) -> Report:
        report = Report(1, "Kill one app server")
        before = self._retries()
        load = self.load(200)
        self.settle(4)
        victim = self.cluster.processes["glas-web-2"]
        in_flight = wait_for_in_flight(self, "app2")
        killed = time.monotonic()
        victim.kill()
        report.step(f"SIGKILL to glas-web-2 (gunicorn master and its workers), pid {victim.pid}")
        wait_for(
            "app2 DOWN", lambda: self.cluster.server_states().get("app2", "").startswith("DOWN"), 20
        )
        down = time.monotonic()
        report.step(f"the proxy marked app2 DOWN after {down - killed:.2f} s")
        self.settle(6)
        report.step("glas-web-2 started again from its unit's command line")
        self.cluster.start_app(2)
        wait_for("app2 UP", lambda: self.cluster.server_states().get("app2") == "UP", 30)
        up = time.monotonic()
        report.step(f"app2 UP again {up - killed:.1f} s after the kill")
        self.settle(4)
        load.stop()
        after = self._retries()
        during = load.between(killed, up)
        report.found.update(
            during_fault=summary(during),
            whole_run=summary(load.answers),
            in_flight_at_the_kill=in_flight,
            no_answer_at_all=sum(1 for a in load.answers if a.status is None),
            taken_out_after_s=round(down - killed, 2),
            back_after_s=round(up - killed, 2),
            proxy_retries=after[0] - before[0],
            proxy_redispatches=after[1] - before[1],
        )
        report.check("requests were in flight on the server when it was killed", in_flight > 0)
        report.check("the proxy took the dead server out (within 3 s)", down - killed < 3)
        report.check(
            "every request that failed got an error the client can retry (5xx, none lost silently)",
            all(a.status is None or a.status >= 500 for a in load.answers if failed(a)),
        )
        self.writes(report, load.done)
        return report

    def in_flight(self, server: str) -> int:
        return self._current(server)

    def _retries(self) -> tuple[int, int]:
        retries = redispatches = 0
        for line in self.cluster.haproxy("show stat").splitlines():
            fields = line.split(",")
            if len(fields) > 16 and fields[0] == "glas_app" and fields[1].startswith("app"):
                retries += int(fields[15] or 0)
                redispatches += int(fields[16] or 0)
        return retries, redispatches

    # --- 2 ------------------------------------------------------------------------------------

    def restart_postgresql(self) -> Report:
        report = Report(2, "Restart PostgreSQL")
        load = self.load(200)
        self.settle(4)
        stopped = time.monotonic()
        self.cluster.primary.stop("fast")
        report.step("pg_ctl stop -m fast on the primary (connections cut, as in a restart)")
        self.settle(5)
        self.cluster.primary.start()
        back = time.monotonic()
        report.step(f"pg_ctl start after {back - stopped:.1f} s")
        wait_for(
            "the site",
            lambda: (
                loadgen.client("127.0.8.1", self.cluster.cafile)
                .get(self.base + "/initiatives/", timeout=10)
                .status_code
                == 200
            ),
            60,
        )
        self.settle(5)
        load.stop()
        outage = load.between(stopped, back)
        pages = [a for a in outage if a.kind != "api"]
        errors = [a for a in pages if failed(a)]
        report.found.update(
            during_outage=summary(outage),
            pages_during_outage=summary(pages),
            api_during_outage=summary([a for a in outage if a.kind == "api"]),
            after_restart=summary(load.between(back, time.monotonic())),
            recovered_after_s=recovery(load.answers, back),
            outage_s=round(back - stopped, 1),
        )
        report.check(
            "requests during the outage got the friendly 503 page",
            all(a.status == 503 and a.friendly for a in errors),
        )
        report.check(
            "the app recovered by itself within 10 s of the restart",
            (recovery(load.answers, back) or 0) < 10,
        )
        self.writes(report, load.done)
        return report

    # --- 3 ------------------------------------------------------------------------------------

    def stop_redis(self) -> Report:
        report = Report(3, "Stop Redis")
        # Enough supports to go on through the outage and after it (about 30 a second).
        load = self.load(1000)
        self.settle(4)
        for name in ("redis-cache", "redis-limits"):
            self.cluster.processes[name].stop()
        # Requests already in flight when Redis went were counted before: the outage starts now.
        stopped = time.monotonic()
        report.step("both Redis servers stopped (the cache of pages and the rate limits)")
        session = loadgen.client("127.0.8.2", self.cluster.cafile)
        self.settle(1)  # supports in flight at the stop are done by now
        rows_at_stop = self._rows(load)
        self.settle(1)
        sign_in = session.get(self.base + "/auth/login", timeout=10, allow_redirects=False)
        report.step(f"a sign-in started meanwhile: {sign_in.status_code}")
        self.settle(6)
        outage = [a for a in load.answers if a.started >= stopped]
        reads_out = [a for a in outage if a.kind != "support"]
        supports_out = [a for a in outage if a.kind == "support"]
        rows_before_back = self._rows(load)
        for name in ("cache", "limits"):
            self.cluster.start_redis(name)
        back = time.monotonic()
        report.step(f"Redis started again after {back - stopped:.1f} s")
        # Each process leaves the limits' store alone for STORE_PAUSE_SECONDS after a failure,
        # deciding as in the outage: recovery may take that long, then 2 s more at most.
        recovered_by = back + STORE_PAUSE_SECONDS + 2
        self.settle(STORE_PAUSE_SECONDS + 6)
        load.stop()
        report.found.update(
            reads_during_outage=summary(reads_out),
            supports_during_outage=summary(supports_out),
            sign_in_during_outage=sign_in.status_code,
            supports_written_during_outage=rows_before_back - rows_at_stop,
            after=summary(load.between(back, time.monotonic())),
            recovered_after_s=recovery(load.answers, back),
        )
        report.check("reads went on (fail open): no error", not any(failed(a) for a in reads_out))
        report.check(
            "supports were refused with the friendly 503 (fail closed), none taken",
            bool(supports_out) and all(a.status == 503 and a.friendly for a in supports_out),
        )
        report.check(
            "no support was written while Redis was down", rows_before_back == rows_at_stop
        )
        report.check("sign-in refused with 503 (fail closed)", sign_in.status_code == 503)
        report.check(
            "everything works again once Redis is back, without a restart",
            not any(failed(a) for a in load.between(recovered_by, time.monotonic())),
        )
        self.writes(report, load.done)
        return report

    def _rows(self, load: Load) -> int:
        """Rows of the supports this load sends (made or to be made)."""
        pairs = [(s.resident.user_id, s.initiative) for s in list(load.done)] + [
            (s.resident.user_id, s.initiative) for s in list(load.pending.queue)
        ]
        users = sorted({u for u, _ in pairs})
        wanted = set(pairs)
        return sum(
            1
            for row in self.sql(
                "SELECT user_id, initiative_id FROM initiative_supports WHERE user_id = ANY(%s)",
                (users,),
            )
            if (row[0], row[1]) in wanted
        )

    # --- 4 ------------------------------------------------------------------------------------

    def stop_smtp(self) -> Report:
        report = Report(4, "Stop the SMTP relay")
        load = self.load(0)
        residents = self.residents[-20:]
        self.cluster.processes["smtp"].stop()
        stopped = time.monotonic()
        report.step("the SMTP relay stopped")
        run = datetime.now(UTC).strftime("%H%M%S")
        addresses = {}
        session = client("127.0.8.3", self.cluster.cafile)
        statuses: Counter[int] = Counter()
        for resident in residents:
            row = (
                self.sql("SELECT pseudonym FROM users WHERE id = %s", (resident.user_id,)) or [None]
            )[0]
            address = f"drill-{run}-{resident.user_id}@example.org"
            response = session.post(
                self.base + "/me/",
                data={
                    "csrf_token": resident.token,
                    "pseudonym": row[0] if row else "",
                    "email": address,
                    "language": "sl",
                },
                headers={"Cookie": f"{self.cookie}={resident.cookie}"},
                timeout=30,
                allow_redirects=False,
            )
            statuses[response.status_code] += 1
            if response.status_code in (302, 303):
                addresses[resident.user_id] = address
        report.step(
            f"{len(addresses)} residents set an e-mail address ({dict(statuses)}):"
            " each a confirmation mail"
        )
        self.settle(8)
        attempts = self.sql(
            "SELECT count(*), coalesce(sum(attempts), 0) FROM outbox_messages"
            " WHERE recipient = ANY(%s) AND sent_at IS NULL",
            (list(addresses.values()),),
        )[0]
        report.step(
            f"after 8 s: {attempts[0]} waiting in the outbox, {attempts[1]} failed attempts"
        )
        self.cluster.start_smtp()
        back = time.monotonic()
        report.step(f"the relay started again after {back - stopped:.0f} s")

        def delivered() -> Counter[str]:
            seen: Counter[str] = Counter()
            for path in self.cluster.mail.glob("*.eml"):
                head = path.read_bytes()[:600].decode(errors="replace")
                for address in addresses.values():
                    if address in head.split("\r\n", 1)[0]:
                        seen[address] += 1
            return seen

        wait_for("delivery", lambda: len(delivered()) == len(addresses), 150)
        delivered_after = time.monotonic() - back
        self.settle(10)  # time for a second copy to show up, if one were sent
        seen = delivered()
        ids = []
        for path in self.cluster.mail.glob("*.eml"):
            text = path.read_bytes().decode(errors="replace")
            if any(a in text.split("\r\n", 1)[0] for a in addresses.values()):
                found = re.search(r"^Message-ID:\s*(\S+)", text, re.MULTILINE | re.IGNORECASE)
                ids.append(found.group(1) if found else "")
        pending = self.sql(
            "SELECT count(*) FROM outbox_messages WHERE recipient = ANY(%s) AND sent_at IS NULL",
            (list(addresses.values()),),
        )[0]
        load.stop()
        report.found.update(
            messages=len(addresses),
            waited_in_outbox=int(attempts[0]),
            failed_attempts_while_down=int(attempts[1]),
            delivered=sum(seen.values()),
            delivered_after_relay_back_s=round(delivered_after, 1),
            distinct_message_ids=len(set(ids)),
            still_pending=int(pending[0] if pending else -1),
            reads=summary(load.answers),
        )
        report.check(
            "mail waited in the outbox while the relay was down",
            int(attempts[0]) == len(addresses) > 0,
        )
        report.check(
            "each message delivered exactly once afterwards",
            bool(addresses)
            and all(seen[a] == 1 for a in addresses.values())
            and len(set(ids)) == len(addresses),
        )
        return report

    # --- 5 ------------------------------------------------------------------------------------

    def _to_callback(self, address: str) -> tuple[Any, str]:
        """A sign-in as a browser does it, up to the moment the provider sends it back."""
        session = client(address, self.cluster.cafile)
        response = session.get(self.base + "/auth/login", timeout=20, allow_redirects=False)
        if response.status_code != 302:
            raise RuntimeError(f"/auth/login answered {response.status_code}")
        location = response.headers["Location"]
        for _ in range(10):
            response = session.get(location, timeout=20, allow_redirects=False)
            if response.status_code == 200 and "<form" in response.text:
                action = re.search(r'<form method="post" action="([^"]+)"', response.text)
                assert action
                response = session.post(
                    urljoin(location, action.group(1)),
                    data={"persona": "ana", "level": "substantial"},
                    timeout=20,
                    allow_redirects=False,
                )
            location = urljoin(location, response.headers["Location"])
            if urlsplit(location).netloc == urlsplit(self.base).netloc:
                return session, location
        raise RuntimeError("the provider never sent the browser back")

    def slow_eid(self) -> Report:
        report = Report(5, "The eID provider slow, then unreachable")
        timeout = float(self.cluster.environment.get("FLASK_OIDC_TIMEOUT", "10"))
        load = self.load(150)
        self.settle(3)
        results: dict[str, Any] = {}
        for n, (mode, delay) in enumerate(
            [("pass", 0.0), ("slow", timeout + 2), ("silent", 0.0), ("down", 0.0), ("pass", 0.0)]
        ):
            self.cluster.chaos.set("pass")
            session, callback = self._to_callback(f"127.0.7.{n + 1}")
            self.cluster.chaos.set(mode, delay)
            started = time.monotonic()
            response = session.get(callback, timeout=60, allow_redirects=False)
            took = time.monotonic() - started
            # Signed in: sent on (a new account to /auth/welcome), not back to the sign-in.
            signed_in = response.status_code in (302, 303) and urlsplit(
                response.headers.get("Location", "")
            ).path not in ("/auth/login", "")
            results[f"{n + 1}. {mode}"] = {
                "status": response.status_code,
                "seconds": round(took, 2),
                "friendly": 'class="error-page"' in response.text or signed_in,
                "signed_in": signed_in,
            }
            report.step(
                f"provider {mode}{f' ({delay:.0f} s a reply)' if delay else ''}:"
                f" the callback answered {response.status_code} in {took:.2f} s"
            )
        self.cluster.chaos.set("pass")
        self.settle(3)
        load.stop()
        report.found.update(
            sign_ins=results, signed_in_load=summary(load.answers), timeout_s=timeout
        )
        faults = [v for k, v in results.items() if not k.endswith("pass")]
        report.check(
            "sign-in works while the provider is well, and again afterwards",
            all(v["signed_in"] for k, v in results.items() if k.endswith("pass")),
        )
        report.check(
            f"a slow or unreachable provider gets the friendly error within the timeout"
            f" ({timeout:.0f} s + 1 s)",
            all(
                v["friendly"] and not v["signed_in"] and v["seconds"] <= timeout + 1 for v in faults
            ),
        )
        report.check(
            "people already signed in were not affected", not any(failed(a) for a in load.answers)
        )
        self.writes(report, load.done)
        return report

    # --- 6 ------------------------------------------------------------------------------------

    def fill_uploads_disk(self) -> Report:
        from bench.residents import sign_in_accounts

        report = Report(6, "Fill the uploads disk")
        row = (
            self.sql(
                "SELECT i.id, i.author_id FROM initiatives i JOIN users u ON u.id = i.author_id"
                " WHERE i.state = 'draft' AND u.deleted_at IS NULL"
                " AND (SELECT count(*) FROM initiative_attachments a"
                " WHERE a.initiative_id = i.id) < 3"
                " ORDER BY i.id LIMIT 1"
            )
            or [None]
        )[0]
        if row is None:
            report.check("a draft initiative to attach a file to", False)
            return report
        initiative, author = row
        resident = sign_in_accounts(self.app, [author], first_address=9000)[0]
        self.token_path = f"/initiatives/{initiative}"
        self.tokens([resident])
        uploads = self.cluster.var / "uploads"
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", str(uploads)],
            capture_output=True,
            text=True,
            check=False,
        )
        if mounted.returncode != 0:
            report.check(
                f"mount a small file system on the uploads ({mounted.stderr.strip()})", False
            )
            return report
        try:
            filler = uploads / "filler"
            free = shutil.disk_usage(uploads).free
            filler.write_bytes(b"\0" * (free - 200 * 1024))
            report.step(
                f"a 4 MB file system on the uploads folder, filled to "
                f"{shutil.disk_usage(uploads).free // 1024} KB free"
            )
            picture = _noise_png(900 * 1024)
            before_files = _files(uploads)
            before_rows = self._attachments(initiative)
            session = client("127.0.8.4", self.cluster.cafile)
            cookie = {"Cookie": f"{self.cookie}={resident.cookie}"}

            def upload() -> Any:
                return session.post(
                    f"{self.base}/initiatives/{initiative}/attachments",
                    data={"csrf_token": resident.token, "description": "Zemljevid"},
                    files={"file": ("zemljevid.png", picture, "image/png")},
                    headers=cookie,
                    timeout=30,
                    allow_redirects=False,
                )

            refused = upload()
            message = re.search(r'class="field__error"[^>]*>(.*?)</p>', refused.text, re.S)
            after_files = _files(uploads)
            after_rows = self._attachments(initiative)
            report.step(f"a {len(picture) // 1024} KB picture uploaded: {refused.status_code}")
            filler.unlink()
            accepted = upload()
            report.step(f"space freed, the same upload again: {accepted.status_code}")
            rows_later = self._attachments(initiative)
            report.found.update(
                refused_status=refused.status_code,
                message=" ".join(re.sub(r"<[^>]+>", "", message.group(1)).split())
                if message
                else None,
                files_left_behind=sorted(set(after_files) - set(before_files)),
                rows_before=before_rows,
                rows_after_refusal=after_rows,
                accepted_status=accepted.status_code,
                rows_after_retry=rows_later,
            )
            report.check(
                "the upload failed with a clear message (4xx or 507)",
                400 <= refused.status_code < 500 or refused.status_code == 507,
            )
            report.check(
                "the message says why (no room on the server, nothing saved)",
                message is not None and "ni prostora" in message.group(1),
            )
            report.check(
                "nothing half-written stayed behind (no file, no row)",
                after_files == before_files and after_rows == before_rows,
            )
            report.check(
                "with space again, the upload works",
                accepted.status_code in (302, 303) and rows_later == before_rows + 1,
            )
            if accepted.status_code in (302, 303):
                self.execute(
                    # The file lived on the small file system, which goes with the unmount.
                    "DELETE FROM initiative_attachments WHERE id ="
                    " (SELECT max(id) FROM initiative_attachments WHERE initiative_id = %s)",
                    (initiative,),
                )
        finally:
            subprocess.run(["umount", "-l", str(uploads)], check=False)
        return report

    def _attachments(self, initiative: int) -> int:
        row = (
            self.sql(
                "SELECT count(*) FROM initiative_attachments WHERE initiative_id = %s",
                (initiative,),
            )
            or [None]
        )[0]
        return int(row[0]) if row else -1

    # --- 7 ------------------------------------------------------------------------------------

    def rate_limits(self) -> Report:
        report = Report(7, "Rate limits hold across both app servers")
        served_before = self.cluster.served()
        session = client("127.0.6.1", self.cluster.cafile)
        login: Counter[int] = Counter()
        for n in range(40):
            spoofed = {"X-Forwarded-For": f"10.{n}.0.1"}  # dropped by the proxy
            response = session.get(
                self.base + "/auth/login", headers=spoofed, timeout=20, allow_redirects=False
            )
            login[response.status_code] += 1
        served_login = {k: v - served_before.get(k, 0) for k, v in self.cluster.served().items()}
        report.step(
            f"40 sign-ins started from one address in a minute (limit 20 a minute),"
            f" each claiming another X-Forwarded-For: {dict(login)}"
        )
        limit = self.app.config["API_RATE_LIMIT"]
        allowed = int(str(limit).split()[0])
        api: Counter[int] = Counter()
        lock = threading.Lock()
        served_before = self.cluster.served()

        def hammer(count: int) -> None:
            own = client("127.0.6.2", self.cluster.cafile)
            for _ in range(count):
                status = own.get(self.base + "/api/v1/initiatives?limit=1", timeout=20).status_code
                with lock:
                    api[status] += 1

        threads = [threading.Thread(target=hammer, args=(allowed * 2 // 4,)) for _ in range(4)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        took = time.monotonic() - started
        served_api = {k: v - served_before.get(k, 0) for k, v in self.cluster.served().items()}
        report.step(
            f"{allowed * 2} API requests from one address in {took:.1f} s"
            f" (limit {limit}): {dict(api)}"
        )
        report.found.update(
            sign_in={
                "sent": 40,
                "limit": "20 per minute",
                "statuses": dict(login),
                "sent_to_each_server": served_login,
            },
            api={
                "sent": allowed * 2,
                "limit": limit,
                "statuses": dict(api),
                "seconds": round(took, 1),
                "sent_to_each_server_including_cache_misses": served_api,
            },
        )
        report.check(
            "sign-in: exactly 20 of 40 let through, on both servers together",
            login[302] == 20
            and login[429] == 20
            and set(served_login) == {"app1", "app2"}
            and all(v > 0 for v in served_login.values()),
        )
        report.check(
            f"API: exactly {allowed} of {allowed * 2} let through",
            api[200] == allowed and api[429] == allowed,
        )
        return report

    # --- 8 ------------------------------------------------------------------------------------

    def upgrade(self) -> Report:
        report = Report(8, "Upgrade under load")
        head = self.cluster.flask("db", "current").stdout.split()[0]
        self.cluster.flask("db", "downgrade")
        previous = self.cluster.flask("db", "current").stdout.split()[0]
        report.step(
            f"the database put back one release ({head} → {previous}), as before an upgrade"
        )
        load = self.load(200)
        self.settle(4)
        started = time.monotonic()
        self.cluster.migrate()
        migrated = time.monotonic()
        report.step(
            f"glas-migrate (flask db upgrade to {head}) under load: {migrated - started:.1f} s"
        )
        restarts: dict[str, float] = {}

        def restart(unit: str) -> None:
            """``systemctl restart glas-web@N`` as the cluster can: SIGTERM, then the unit again."""
            n = int(unit.removeprefix("glas-web@"))
            stopped = time.monotonic()
            self.cluster.processes[f"glas-web-{n}"].stop()
            self.cluster.start_app(n)
            restarts[f"app{n}"] = round(time.monotonic() - stopped, 1)

        socket_path = self.cluster.run / "control.sock"
        environment = {
            **os.environ,
            "GLAS_ADMIN_SOCKET": str(self.cluster.run / "haproxy.sock"),
            "GLAS_RESTART": f"{sys.executable} -m deploy.cluster.control {socket_path}",
            "PYTHONPATH": str(DEPLOY_ROOT),
        }
        with Control(socket_path, restart):
            script = subprocess.run(
                [
                    str(DEPLOY_ROOT / "deploy" / "rolling-restart"),
                    f"app1=127.0.0.1:{self.cluster.ports.app1}:glas-web@1",
                    f"app2=127.0.0.1:{self.cluster.ports.app2}:glas-web@2",
                ],
                env=environment,
                capture_output=True,
                text=True,
                timeout=300,
            )
        for line in script.stdout.splitlines():
            report.step(f"deploy/rolling-restart: {line.strip()}")
        report.step(f"restarts (stop to healthy): {restarts}")
        report.check(
            "deploy/rolling-restart restarted both app servers",
            script.returncode == 0 and set(restarts) == {"app1", "app2"},
        )
        if script.returncode != 0:
            report.step(f"its errors: {script.stderr.strip()[-500:]}")
        self.settle(4)
        load.stop()
        ended = time.monotonic()
        report.found.update(
            migration_s=round(migrated - started, 1),
            restart_s=restarts,
            during_upgrade=summary(load.between(started, ended)),
            whole_run=summary(load.answers),
        )
        report.check("no request failed", not any(failed(a) for a in load.answers))
        report.check(
            "the database is at the new release again",
            self.cluster.flask("db", "current").stdout.split()[0] == head,
        )
        self.writes(report, load.done)
        return report

    def _current(self, server: str) -> int:
        for line in self.cluster.haproxy("show stat").splitlines():
            fields = line.split(",")
            if len(fields) > 4 and fields[0] == "glas_app" and fields[1] == server:
                return int(fields[4] or 0)
        return -1


def wait_for_in_flight(drills: Drills, server: str, timeout: float = 10.0) -> int:
    """Wait until the proxy has requests open on ``server``; how many (0 if it never had)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = drills.in_flight(server)
        if current > 0:
            return current
        time.sleep(0.002)
    return 0


def _files(folder: Path) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): p.stat().st_size
        for p in folder.rglob("*")
        if p.is_file() and p.name != "filler"
    }


def _noise_png(size: int) -> bytes:
    """A PNG of about ``size`` bytes that does not compress (random pixels)."""
    from PIL import Image

    side = int((size / 3) ** 0.5)
    picture = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = BytesIO()
    picture.save(out, format="PNG", compress_level=0)
    return out.getvalue()


DRILLS: list[tuple[int, Callable[[Drills], Report]]] = [
    (1, Drills.kill_app_server),
    (2, Drills.restart_postgresql),
    (3, Drills.stop_redis),
    (4, Drills.stop_smtp),
    (5, Drills.slow_eid),
    (6, Drills.fill_uploads_disk),
    (7, Drills.rate_limits),
    (8, Drills.upgrade),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", type=int, nargs="*", help="drill numbers (default: all)")
    parser.add_argument("--results", type=Path, help="also write the figures here (JSON)")
    args = parser.parse_args()
    ensure_tools()
    root = Path(tempfile.gettempdir()) / "glas-drills"
    shutil.rmtree(root, ignore_errors=True)
    cluster = Cluster(root)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    reports: list[Report] = []
    started = time.monotonic()
    try:
        app = cluster.up()
        drills = Drills(cluster, app)
        for number, drill in DRILLS:
            if args.only and number not in args.only:
                continue
            print(f"\n== Drill {number}: {drill.__name__.replace('_', ' ')}", flush=True)
            try:
                report = drill(drills)
            except Exception as error:
                report = Report(number, drill.__name__)
                report.check(f"the drill ran to its end ({type(error).__name__}: {error})", False)
            reports.append(report)
            for name, process in cluster.processes.items():
                if not process.running:
                    print(f"   ! {name} is not running:\n{process.tail(15)}", flush=True)
    finally:
        cluster.down()
    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - started),
        "machine": {"cores": os.cpu_count()},
        "drills": [
            {
                "number": r.number,
                "name": r.name,
                "passed": r.passed,
                "did": r.did,
                "found": r.found,
                "checks": r.checks,
            }
            for r in reports
        ],
    }
    text = json.dumps(results, indent=2, ensure_ascii=False)
    (root / "drills.json").write_text(text, encoding="utf-8")
    if args.results:
        args.results.parent.mkdir(parents=True, exist_ok=True)
        args.results.write_text(text + "\n", encoding="utf-8")
    print("\n== Drills")
    for r in reports:
        print(f"  {r.number}. {r.name:<45} {'passed' if r.passed else 'FAILED'}")
    print(f"  ({results['seconds']} s; figures in {root / 'drills.json'})")
    sys.exit(0 if reports and all(r.passed for r in reports) else 1)


if __name__ == "__main__":
    main()
