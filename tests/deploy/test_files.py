"""The files of deploy/ as the tools that read them check them: systemd, HAProxy, gunicorn, Redis.

These are what an operator copies to a host, and what ``make cluster`` runs as they stand; a
typo in a unit or the proxy's configuration would otherwise be found on the day of a deploy.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from app.config import Defaults
from deploy.cluster import units

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").iterdir())


def _on_this_machine(unit: Path, into: Path) -> Path:
    """The unit with the host's install path moved to this checkout (whose .venv exists)."""
    text = unit.read_text(encoding="utf-8").replace("/opt/glas/current", str(ROOT))
    target = into / unit.name
    target.write_text(text, encoding="utf-8")
    return target


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_every_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    copies = [_on_this_machine(unit, tmp_path) for unit in UNITS]
    result = subprocess.run(
        ["systemd-analyze", "verify", *map(str, copies)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # verify only warns about some mistakes (an unknown key is "ignoring"): none may be left.
    assert "ignoring" not in result.stderr.lower(), result.stderr


def test_a_unit_with_a_typo_is_caught(tmp_path: Path) -> None:
    """The check above can fail: a misspelt key makes systemd-analyze complain."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze not installed")
    unit = _on_this_machine(DEPLOY / "systemd" / "glas-worker@.service", tmp_path)
    unit.write_text(unit.read_text().replace("ExecStart=", "ExecStrat="), encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True
    )
    assert result.returncode != 0 or "ignoring" in result.stderr.lower()


def test_every_timer_has_its_service_and_every_service_one_command() -> None:
    names = {unit.name for unit in UNITS}
    for timer in (u for u in UNITS if u.suffix == ".timer"):
        assert timer.with_suffix(".service").name in names
    for service in (u for u in UNITS if u.suffix == ".service"):
        command = units.command(service.name, "1", {"/opt/glas/current": ROOT})
        program = Path(command.argv[0])
        assert program.is_absolute(), service.name
        if str(program).startswith(str(ROOT)):
            assert program.exists(), f"{service.name}: {program}"


def test_the_units_run_glas_commands_that_exist() -> None:
    """Each `flask --app wsgi …` of a unit is a command Glas has (names change in refactors)."""
    from app import create_app

    app = create_app(
        {"SECRET_KEY": "x" * 32, "SUBJECT_PEPPER": "y" * 32, "TESTING": True,
         "SQLALCHEMY_DATABASE_URI": "sqlite://", "OIDC_ISSUER": "http://127.0.0.1:1",
         "OIDC_CLIENT_ID": "c", "OIDC_CLIENT_SECRET": "s" * 32}
    )  # fmt: skip
    seen = 0
    for service in (u for u in UNITS if u.suffix == ".service"):
        text = service.read_text(encoding="utf-8")
        for found in re.finditer(r"flask --app wsgi ([a-z-]+)(?: ([a-z-]+))?", text):
            group, sub = found.group(1), found.group(2)
            command = app.cli.get_command(None, group)  # type: ignore[arg-type]
            assert command is not None, f"{service.name}: flask {group}"
            if sub and hasattr(command, "commands"):
                assert sub in command.commands, f"{service.name}: flask {group} {sub}"
            seen += 1
    assert seen >= 8


def _haproxy_environment(tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/sbin:/usr/bin:/bin",
        "GLAS_HTTPS_BIND": "127.0.0.1:18443",
        "GLAS_HTTP_BIND": "127.0.0.1:18080",
        "GLAS_TLS_PEM": str(_certificate(tmp_path)),
        "GLAS_APP1": "127.0.0.1:18001",
        "GLAS_APP2": "127.0.0.1:18002",
        "GLAS_PUBLIC_HOST": "127.0.0.1:18443",
        "GLAS_APP_MAXCONN": "2",
        "GLAS_ERRORS": str(DEPLOY / "haproxy" / "errors"),
        "GLAS_ADMIN_SOCKET": str(tmp_path / "admin.sock"),
        "GLAS_LOG": "stdout",
    }


def _certificate(folder: Path) -> Path:
    key, cert, pem = folder / "k.pem", folder / "c.pem", folder / "glas.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "1", "-subj", "/CN=test", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    pem.write_bytes(cert.read_bytes() + key.read_bytes())
    return pem


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy not installed")
def test_the_proxy_configuration_is_valid(tmp_path: Path) -> None:
    config = DEPLOY / "haproxy" / "haproxy.cfg"
    environment = _haproxy_environment(tmp_path)
    result = subprocess.run(
        ["haproxy", "-c", "-f", str(config)], env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Configuration file is valid" in result.stdout + result.stderr
    # Every variable the configuration reads is documented in haproxy.env.
    lines = [line for line in config.read_text(encoding="utf-8").splitlines() if "#" not in line]
    used = set(re.findall(r"\$\{(\w+)\}", "\n".join(lines)))
    documented = set(units.read_environment_file(DEPLOY / "haproxy" / "haproxy.env"))
    assert used == documented


def test_the_proxy_trusts_no_forwarded_header_of_the_client() -> None:
    """Glas trusts one proxy: that one must drop what the client claims before adding its own."""
    text = (DEPLOY / "haproxy" / "haproxy.cfg").read_text(encoding="utf-8")
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Forwarded"):
        assert f"http-request del-header {header}\n" in text
    assert text.index("del-header X-Forwarded-For") < text.index("option forwardfor")
    env = units.read_environment_file(DEPLOY / "env" / "glas.env")
    assert env["FLASK_TRUSTED_PROXY_COUNT"] == "1"


@pytest.mark.parametrize("code", ["502", "503", "504"])
def test_the_proxy_error_pages_are_whole_http_answers(code: str) -> None:
    raw = (DEPLOY / "haproxy" / "errors" / f"{code}.http").read_bytes()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("ascii").split("\r\n")
    assert lines[0].startswith(f"HTTP/1.1 {code} ")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert int(headers["Content-Length"]) == len(body)
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    text = body.decode("utf-8")
    assert '<html lang="sl">' in text
    assert 'lang="en"' in text
    assert len(raw) < 16384  # HAProxy's buffer


def test_the_gunicorn_settings_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from gunicorn.config import Config

    monkeypatch.setenv("GLAS_BIND", "127.0.0.1:8123")
    monkeypatch.setenv("GLAS_WEB_WORKERS", "3")
    monkeypatch.setenv("GLAS_SERVER_NAME", "glas-web-7")
    monkeypatch.delenv("GLAS_LOG_DIR", raising=False)
    namespace: dict[str, object] = {"__file__": str(DEPLOY / "gunicorn.conf.py")}
    exec(compile((DEPLOY / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)  # noqa: S102
    config = Config()
    for name, value in namespace.items():
        if name in config.settings:
            config.set(name, value)
    assert config.bind == ["127.0.0.1:8123"]
    assert config.workers == 3
    assert config.proc_name == "glas-web-7"
    # gunicorn kills a stuck worker before the proxy gives up on the request.
    proxy = (DEPLOY / "haproxy" / "haproxy.cfg").read_text(encoding="utf-8")
    server_timeout = int(re.search(r"timeout server (\d+)s", proxy).group(1))  # type: ignore[union-attr]
    assert config.timeout < server_timeout
    assert config.graceful_timeout < config.timeout + 10


def test_the_environment_files_name_real_settings_and_hold_no_secret() -> None:
    known = {name for name in dir(Defaults) if name.isupper()} | {
        "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "INSTANCE_PATH", "MAIL_USERNAME", "MAIL_PASSWORD",
        "RATELIMIT_STORAGE_URI",
    }  # fmt: skip
    plain = units.read_environment_file(DEPLOY / "env" / "glas.env")
    secret = units.read_environment_file(DEPLOY / "env" / "secrets.env.example")
    for name in {*plain, *secret}:
        if name.startswith("FLASK_"):
            assert name.removeprefix("FLASK_") in known, name
    for name, value in plain.items():
        assert not re.search(r"SECRET|PASSWORD|PEPPER", name), name
        assert "@" not in value.split("//", 1)[-1].split("/", 1)[0] or "glas@" in value, name
    # The example of the secrets carries no value that could be mistaken for a real one.
    for name in ("FLASK_SECRET_KEY", "FLASK_SUBJECT_PEPPER", "FLASK_OIDC_CLIENT_SECRET"):
        assert secret[name] == ""


@pytest.fixture
def redis_with(request: pytest.FixtureRequest) -> Iterator[redis.Redis]:
    """Debian's redis-server started with one of deploy/redis's files, on a socket."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not installed")
    folder = Path(tempfile.mkdtemp(prefix="glas-redis-conf-"))
    socket = folder / "r.sock"
    process = subprocess.Popen(
        [binary, str(DEPLOY / "redis" / request.param), "--port", "0", "--unixsocket",
         str(socket), "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(unix_socket_path=str(socket))
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield client
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize(
    ("redis_with", "policy"),
    [("glas-cache.conf", "allkeys-lru"), ("glas-limits.conf", "noeviction")],
    indirect=["redis_with"],
)
def test_redis_runs_each_file_with_its_eviction_policy(
    redis_with: redis.Redis, policy: str
) -> None:
    assert redis_with.config_get("maxmemory-policy")["maxmemory-policy"] == policy
    assert redis_with.config_get("save")["save"] == ""
    assert int(redis_with.config_get("maxmemory")["maxmemory"]) > 0


@pytest.mark.skipif(shutil.which("logrotate") is None, reason="logrotate not installed")
def test_the_log_rotation_parses(tmp_path: Path) -> None:
    state = tmp_path / "state"
    # The service user exists on a Glas host, not here: root stands in for it.
    config = tmp_path / "glas"
    config.write_text(
        (DEPLOY / "logrotate" / "glas")
        .read_text(encoding="utf-8")
        .replace("glas glas", "root root")
    )
    result = subprocess.run(
        ["logrotate", "--debug", "--state", str(state), str(config)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr.lower(), result.stderr
    assert "/var/log/glas/*.log" in result.stderr  # the rule was read, not skipped


def test_every_unit_may_write_where_glas_writes() -> None:
    """ProtectSystem=strict makes everything read-only but ReadWritePaths: the folders Glas
    writes to (uploads, open data, instance, logs, backups) must all be under them."""
    env = units.read_environment_file(DEPLOY / "env" / "glas.env")
    written = [
        env[name]
        for name in ("FLASK_UPLOAD_FOLDER", "FLASK_OPEN_DATA_FOLDER", "FLASK_INSTANCE_PATH",
                     "GLAS_LOG_DIR")
    ] + ["/var/lib/glas/backups"]  # fmt: skip
    for unit in (u for u in UNITS if u.suffix == ".service"):
        text = unit.read_text(encoding="utf-8")
        if "ProtectSystem=strict" not in text:
            continue
        allowed = re.search(r"^ReadWritePaths=(.+)$", text, re.MULTILINE)
        assert allowed, unit.name
        roots = allowed.group(1).split()
        for path in written:
            assert any(path == root or path.startswith(root + "/") for root in roots), (
                unit.name,
                path,
            )


def test_the_backup_unit_writes_private_files() -> None:
    text = (DEPLOY / "systemd" / "glas-backup.service").read_text(encoding="utf-8")
    assert re.search(r"^UMask=0077$", text, re.MULTILINE)
