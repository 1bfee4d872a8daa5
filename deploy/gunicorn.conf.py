"""gunicorn's settings for a Glas app server: the same file on every host and in `make cluster`.

The unit (``systemd/glas-web@.service``) runs ``gunicorn --config deploy/gunicorn.conf.py
wsgi:app``; what differs between hosts comes from the environment, so this file is not edited
per host:

- ``GLAS_BIND``: where the proxy reaches this server (``127.0.0.1:8001`` …; on several hosts
  the private address);
- ``GLAS_WEB_WORKERS``: processes (default ``2 x cores + 1``, at most 8; each holds ~180 MB);
- ``GLAS_LOG_DIR``: write ``access-<name>.log`` and ``error-<name>.log`` there (reopened on
  SIGUSR1, which ``logrotate/glas`` sends); unset: both go to the journal.
"""

from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get("GLAS_BIND", "127.0.0.1:8000")
# Sync workers: a request holds one process, so the count bounds the connections to
# PostgreSQL (workers x servers <= max_connections, with room for the workers and psql).
workers = int(os.environ.get("GLAS_WEB_WORKERS") or min(8, multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# Longer than the slowest page (a CSV export of a big list), shorter than the proxy's
# ``timeout server`` (35 s), so a stuck worker is killed before the proxy gives up on it.
timeout = 30
# A restart (SIGTERM) lets requests in flight finish for up to this long; the proxy has drained
# the server before, so nothing new arrives meanwhile (docs/deploy.md, "Upgrades").
graceful_timeout = 25
# The proxy closes each request's connection to us (sync workers keep none open).
keepalive = 2
backlog = 2048
# A worker is replaced after this many requests (±jitter), so that a slow leak costs nothing.
max_requests = 20_000
max_requests_jitter = 2_000
# Each server has its own name in the logs and in ``ps``.
proc_name = os.environ.get("GLAS_SERVER_NAME", "glas")
# Two servers on one host (the cluster) must not share gunicorn's control socket.
control_socket_disable = True
# Behind exactly one proxy: Glas reads X-Forwarded-For itself (FLASK_TRUSTED_PROXY_COUNT=1,
# werkzeug's ProxyFix); gunicorn only logs it.
forwarded_allow_ips = "127.0.0.1"
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

_logs = os.environ.get("GLAS_LOG_DIR")
if _logs:
    accesslog = os.path.join(_logs, f"access-{proc_name}.log")
    errorlog = os.path.join(_logs, f"error-{proc_name}.log")
else:
    accesslog = "-"
    errorlog = "-"
