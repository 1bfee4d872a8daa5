"""A TCP proxy that makes a server slow, silent or absent: the eID provider's faults.

The cluster puts it between Glas (and the browser) and the development eID provider, and the
drills switch its mode while sign-ins go on:

- ``pass``: bytes flow both ways untouched;
- ``slow``: every answer of the provider is held back ``delay`` seconds;
- ``silent``: connections are accepted and never answered (a host that drops packets);
- ``down``: the port is closed, so connections are refused (a provider that is off).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading


class Chaos:
    def __init__(self, listen_port: int, upstream_port: int) -> None:
        self.listen_port = listen_port
        self.upstream_port = upstream_port
        self.mode = "pass"
        self.delay = 0.0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> Chaos:
        self._thread.start()
        self._call(self._open())
        return self

    def set(self, mode: str, delay: float = 0.0) -> None:
        """Change the mode for connections from now on (``down`` closes the port)."""
        if mode not in ("pass", "slow", "silent", "down"):
            raise ValueError(mode)
        self.mode, self.delay = mode, delay
        if mode == "down":
            self._call(self._close())
        elif self._server is None:
            self._call(self._open())

    def stop(self) -> None:
        self._call(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)

    def _call(self, coroutine: object) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)  # type: ignore[arg-type]

    async def _open(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._serve, "127.0.0.1", self.listen_port, reuse_address=True
            )

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == "silent":
            with contextlib.suppress(Exception):
                await reader.read()  # until the client gives up
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(
            self._pipe(reader, up_writer, delay=False),
            self._pipe(up_reader, writer, delay=True),
            return_exceptions=True,
        )

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, delay: bool
    ) -> None:
        try:
            while chunk := await reader.read(65536):
                if delay and self.mode == "slow":
                    await asyncio.sleep(self.delay)
                writer.write(chunk)
                await writer.drain()
        finally:
            with contextlib.suppress(Exception):
                writer.close()
