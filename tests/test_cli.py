"""Cross-cutting commands: seed-demo and translate."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask.testing import FlaskCliRunner

from tests.conftest import ROOT


def test_seed_demo_is_idempotent(runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert "(0 rows added)" in second.output


def test_translate_update_and_compile(runner: FlaskCliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", folder, ignore=shutil.ignore_patterns("*.mo"))
    for command in ("extract", "update", "compile"):
        result = runner.invoke(args=["translate", command, "--dir", str(folder)])
        assert result.exit_code == 0, result.output
    assert (folder / "sl" / "LC_MESSAGES" / "messages.mo").stat().st_size > 1000
    assert (folder / "en" / "LC_MESSAGES" / "messages.mo").exists()
