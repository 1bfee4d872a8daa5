"""The systemd units of ``deploy/systemd`` read as the cluster runs them.

These machines have no systemd, so ``make cluster`` starts each service as a plain process; it
takes the command line and the environment files from the unit itself, so what runs on one
machine here is what an operator's host runs: only the paths of the host's file system are
moved into the cluster's folder (``/opt/glas/current`` is the checkout, ``/etc/glas`` and
``/var/lib/glas`` are folders of the cluster) and ``%i`` is the instance.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

UNITS = Path(__file__).resolve().parent.parent / "systemd"


@dataclass(frozen=True)
class Command:
    argv: list[str]
    environment_files: list[Path]
    environment: dict[str, str]
    working_directory: Path


def _service_section(text: str) -> list[tuple[str, str]]:
    """The ``[Service]`` lines as (key, value), in order (a key may repeat)."""
    lines: list[tuple[str, str]] = []
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        if section == "Service" and "=" in line:
            key, value = line.split("=", 1)
            lines.append((key.strip(), value.strip()))
    return lines


def command(unit: str, instance: str, paths: dict[str, Path]) -> Command:
    """The unit's ``ExecStart`` and environment, with the host's paths mapped by ``paths``."""

    def local(value: str) -> str:
        value = value.replace("%i", instance)
        for host_path, here in sorted(paths.items(), key=lambda item: -len(item[0])):
            value = value.replace(host_path, str(here))
        return value

    lines = _service_section((UNITS / unit).read_text(encoding="utf-8"))
    starts = [value for key, value in lines if key == "ExecStart"]
    if len(starts) != 1:
        raise ValueError(f"{unit}: one ExecStart expected, found {len(starts)}")
    environment: dict[str, str] = {}
    for key, value in lines:
        if key == "Environment":
            for assignment in shlex.split(local(value)):
                name, _, setting = assignment.partition("=")
                environment[name] = setting
    files = [Path(local(v.lstrip("-"))) for k, v in lines if k == "EnvironmentFile"]
    directories = [local(v) for k, v in lines if k == "WorkingDirectory"]
    return Command(
        argv=shlex.split(local(starts[0])),
        environment_files=files,
        environment=environment,
        working_directory=Path(directories[0]) if directories else Path.cwd(),
    )


def read_environment_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines as systemd reads them (comments and blank lines skipped)."""
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        name, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip()] = value
    return values


def write_environment_file(path: Path, values: dict[str, str], header: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f"{name}={value}\n" for name, value in values.items())
    path.write_text(f"# {header}\n{body}", encoding="utf-8")
