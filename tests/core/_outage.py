"""A real Redis that a test may stop, start again on the same socket, or fill, and the apps
that use it for their rate limits and their page cache (the fault drills of issue 13)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from app.extensions import limiter
from tests._redis import ThrowawayRedis, redis_server_binary


class StoppableRedis(ThrowawayRedis):
    """A throwaway Redis of one test, which the test may take away and give back."""

    def halt(self) -> None:
        """Stop the server as an outage does; its folder (and so its socket's path) stays."""
        assert self._process is not None
        self._process.terminate()
        self._process.wait(timeout=10)

    def resume(self) -> None:
        """Start it again on the same socket, empty (it keeps nothing on disk)."""
        self.start()

    def stop_answering(self) -> None:
        """Stall it (SIGSTOP): connections are still accepted, nothing is ever answered."""
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def answer_again(self) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGCONT)

    def refuse_writes(self, refuse: bool = True) -> None:
        """Full memory: with ``noeviction`` (the default), Redis refuses writes, serves reads."""
        self.client().config_set("maxmemory", 1 if refuse else 0)

    @property
    def limits_url(self) -> str:
        """The socket as Flask-Limiter's store (``limits``) spells it."""
        return f"redis+unix://{self.socket}"


@pytest.fixture
def own_redis() -> Iterator[StoppableRedis]:
    if redis_server_binary() is None:
        message = "redis-server is not installed (apt-get install redis-server)"
        if os.environ.get("CI"):
            pytest.fail(message + ". CI must provide it: see .ci/run.")
        pytest.skip(message)
    server = StoppableRedis().start()
    yield server
    server.stop()


@pytest.fixture
def restore_limiter(app: Flask) -> Iterator[None]:
    """The rate limiter is one object: another app's ``init_app`` gives it that app's store.
    Give it back the suite's (in memory) afterwards, so that no later test counts on Redis."""
    yield
    limiter.init_app(app)


@pytest.fixture
def redis_site(
    app_for: Callable[..., Flask],
    own_redis: StoppableRedis,
    eid_provider: Any,
    restore_limiter: None,
) -> Flask:
    """Glas as production runs it on several servers: limits and page cache in one Redis."""
    from tests.eid import oidc_config

    return app_for(
        RATELIMIT_STORAGE_URI=own_redis.limits_url,
        CACHE_REDIS_URL=own_redis.url,
        PAGE_CACHE_SECONDS=300,
        **oidc_config(eid_provider.issuer),
    )
