"""The cluster's SMTP relay: aiosmtpd on loopback, each message kept as one file.

``python -m deploy.cluster.mailsink --port 2525 --folder DIR``. A message is written to a
temporary name and renamed once complete, before the relay answers 250, so a file in DIR is
exactly a message the relay accepted; the drills count them and their Message-IDs.
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import threading
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.numbers = itertools.count(len(list(folder.glob("*.eml"))) + 1)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        number = next(self.numbers)
        final = self.folder / f"{os.getpid()}-{number:07d}.eml"
        partial = final.with_suffix(".partial")
        rcpt = ",".join(envelope.rcpt_tos)
        partial.write_bytes(f"X-Envelope-To: {rcpt}\r\n".encode() + envelope.content)
        partial.rename(final)
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--folder", type=Path, required=True)
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(Keep(args.folder), hostname="127.0.0.1", port=args.port)
    controller.start()
    print(f"SMTP relay on 127.0.0.1:{args.port}, messages in {args.folder}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
