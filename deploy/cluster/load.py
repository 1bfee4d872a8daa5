"""The drills' load generator: readers and supporters through the proxy, every answer kept.

Readers walk the public pages and the API anonymously. Supporters are signed-in residents
(real server-side sessions and CSRF tokens, ``bench.residents``), each POST a new support of
an open initiative. A supporter does what a person does when a page fails: tries again, a
moment later, until the site answers (``RETRIES``); every attempt is recorded. Each client
thread sends from its own loopback address (127.0.x.y), so the proxy, and through it Glas's
rate limits, see many clients as in real life, not one.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter

#: Attempts of one support before the supporter gives up (a person would, after a minute).
RETRIES = 120
RETRY_PAUSE = 0.5
#: Statuses worth trying again: the site said "not now" or the proxy had no answer.
RETRYABLE = frozenset({429, 500, 502, 503, 504})


class SourceAdapter(HTTPAdapter):
    """Connections from one loopback address, as one client host."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__(pool_connections=2, pool_maxsize=2, max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client(address: str, cafile: Path) -> requests.Session:
    session = requests.Session()
    session.mount("https://", SourceAdapter(address))
    session.mount("http://", SourceAdapter(address))
    session.verify = str(cafile)
    # Not the environment's CA bundle (REQUESTS_CA_BUNDLE would replace the cluster's own).
    session.trust_env = False
    return session


@dataclass
class Answer:
    kind: str
    path: str
    started: float
    ended: float
    status: int | None  # None: no HTTP answer at all (refused, reset, timed out)
    error: str = ""
    friendly: bool = False  # a 5xx that was one of Glas's or the proxy's own error pages


FRIENDLY_MARKS = ("Glas je za trenutek nedosegljiv", 'class="error-page"', "Poskusite znova")


def friendly(text: str) -> bool:
    return any(mark in text for mark in FRIENDLY_MARKS)


@dataclass
class Support:
    resident: Any  # bench.residents.Resident
    initiative: int
    attempts: list[Answer] = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        """The site said it took it: Glas redirects back to the initiative (302)."""
        return any(a.status in (302, 303) for a in self.attempts)


class Load:
    def __init__(
        self,
        base_url: str,
        cafile: Path,
        cookie_name: str,
        read_paths: Sequence[str],
        supports: Iterable[Support] = (),
        *,
        readers: int = 3,
        supporters: int = 2,
        think: float = 0.03,
        first_address: int = 1,
    ) -> None:
        self.base_url = base_url
        self.cafile = cafile
        self.cookie_name = cookie_name
        self.read_paths = list(read_paths)
        self.pending: queue.Queue[Support] = queue.Queue()
        for item in supports:
            self.pending.put(item)
        self.done: list[Support] = []
        self.answers: list[Answer] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._read, args=(f"127.0.1.{first_address + n}",), daemon=True)
            for n in range(readers)
        ] + [
            threading.Thread(
                target=self._support, args=(f"127.0.2.{first_address + n}",), daemon=True
            )
            for n in range(supporters)
        ]
        self.think = think
        self.started = 0.0

    def start(self) -> Load:
        self.started = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stop sending; supports already started are carried to their end (or RETRIES)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=RETRIES * RETRY_PAUSE + 60)

    def _record(self, answer: Answer) -> None:
        with self._lock:
            self.answers.append(answer)

    def _get(self, session: requests.Session, kind: str, path: str, **kwargs: Any) -> Answer:
        started = time.monotonic()
        try:
            response = session.request(
                kwargs.pop("method", "GET"),
                self.base_url + path,
                timeout=40,
                allow_redirects=False,
                **kwargs,
            )
        except requests.RequestException as error:
            answer = Answer(kind, path, started, time.monotonic(), None, type(error).__name__)
        else:
            answer = Answer(
                kind,
                path,
                started,
                time.monotonic(),
                response.status_code,
                friendly=response.status_code >= 500 and friendly(response.text),
            )
        self._record(answer)
        return answer

    def _read(self, address: str) -> None:
        session = client(address, self.cafile)
        rng = random.Random(address)  # noqa: S311
        while not self._stop.is_set():
            path = rng.choice(self.read_paths)
            self._get(session, "api" if path.startswith("/api/") else "read", path)
            time.sleep(self.think)

    def _support(self, address: str) -> None:
        session = client(address, self.cafile)
        while not self._stop.is_set():
            try:
                item = self.pending.get_nowait()
            except queue.Empty:
                return
            self.support(session, item)
            with self._lock:
                self.done.append(item)
            time.sleep(self.think)

    def support(self, session: requests.Session, item: Support) -> None:
        path = f"/initiatives/{item.initiative}/support"
        for _ in range(RETRIES):
            answer = self._get(
                session,
                "support",
                path,
                method="POST",
                data={"csrf_token": item.resident.token},
                headers={"Cookie": f"{self.cookie_name}={item.resident.cookie}"},
            )
            item.attempts.append(answer)
            if answer.status is not None and answer.status not in RETRYABLE:
                return
            time.sleep(RETRY_PAUSE)

    # --- what was seen ------------------------------------------------------------------------

    def between(self, start: float, end: float, kinds: Iterable[str] | None = None) -> list[Answer]:
        wanted = set(kinds) if kinds else None
        return [
            a
            for a in self.answers
            if a.started < end and a.ended >= start and (wanted is None or a.kind in wanted)
        ]


def failed(answer: Answer) -> bool:
    """An answer a client sees as an error (a refusal, a 5xx, no answer)."""
    return answer.status is None or answer.status >= 500 or answer.status == 429


def summary(answers: Sequence[Answer]) -> dict[str, Any]:
    statuses = Counter(str(a.status) if a.status is not None else a.error for a in answers)
    errors = [a for a in answers if failed(a)]
    return {
        "requests": len(answers),
        "errors": len(errors),
        "statuses": dict(sorted(statuses.items())),
        "friendly_5xx": sum(1 for a in errors if a.friendly),
    }


def recovery(answers: Sequence[Answer], since: float) -> float | None:
    """Seconds from ``since`` to the end of the last failed answer (0.0: none failed)."""
    ends = [a.ended for a in answers if failed(a) and a.ended >= since]
    return round(max(ends) - since, 2) if ends else 0.0
