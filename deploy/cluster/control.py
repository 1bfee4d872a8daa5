"""The cluster's stand-in for ``systemctl restart UNIT``, for ``deploy/rolling-restart``.

The cluster's processes are children of the drills (no systemd runs here), so only the drills
can restart them: they listen on a Unix socket (``Control``), and the script's ``GLAS_RESTART``
runs ``python -m deploy.cluster.control SOCKET HOST UNIT``, which asks and waits for the
answer. The script itself (drain, wait, health check, ready) runs as it does on real hosts.
"""

from __future__ import annotations

import socket
import socketserver
import sys
import threading
from collections.abc import Callable
from pathlib import Path


class Control:
    def __init__(self, path: Path, restart: Callable[[str], None]) -> None:
        restart_unit = restart

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                unit = self.rfile.readline().decode().strip()
                try:
                    restart_unit(unit)
                except Exception as error:
                    self.wfile.write(f"failed: {error}\n".encode())
                else:
                    self.wfile.write(b"ok\n")

        path.unlink(missing_ok=True)
        self.server = socketserver.ThreadingUnixStreamServer(str(path), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Control:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    path, _host, unit = sys.argv[1:4]
    with socket.socket(socket.AF_UNIX) as connection:
        connection.settimeout(120)
        connection.connect(path)
        connection.sendall(unit.encode() + b"\n")
        answer = connection.makefile().readline().strip()
    if answer != "ok":
        sys.exit(f"restart of {unit}: {answer or 'no answer'}")


if __name__ == "__main__":
    main()
