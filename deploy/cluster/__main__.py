"""``make cluster``: the reference set-up of deploy/ on this machine, until Ctrl+C.

Everything lives in ``/tmp/glas-cluster`` (made afresh at each start, removed at the end unless
``--keep``; outside the checkout, whose folder the ``postgres`` user may not enter): the
databases, the logs, the environment files as written for this machine, the uploads and the mail
the relay accepted.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import signal
import tempfile
import threading
from pathlib import Path

from deploy.cluster.cluster import Cluster, ensure_tools


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-replica", action="store_true", help="no streaming replica")
    parser.add_argument("--keep", action="store_true", help="keep /tmp/glas-cluster after the stop")
    args = parser.parse_args()
    ensure_tools()
    root = Path(tempfile.gettempdir()) / "glas-cluster"
    shutil.rmtree(root, ignore_errors=True)
    cluster = Cluster(root, replica=not args.no_replica)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        cluster.up()
        print(
            f"""
Glas runs on two app servers behind HAProxy:

  {cluster.public_url}/            (self-signed certificate: {cluster.cafile})
  http://127.0.0.1:{cluster.ports.http}/        redirects to HTTPS
  Sign in with the development eID: any persona, e.g. ana (resident).
  Proxy's runtime API: socat - UNIX:{cluster.run}/haproxy.sock  (show stat, set server …)
  Logs: {cluster.logs}/   Mail the relay accepted: {cluster.mail}/
  Environment files as written for this machine: {cluster.etc}/

Ctrl+C stops everything.""",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    finally:
        print("Stopping …", flush=True)
        cluster.down()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
