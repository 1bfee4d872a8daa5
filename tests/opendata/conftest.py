"""Fixtures for the open data: a dump folder of each test's own, a real dump.

The demo site is ``demo_site`` of ``tests/conftest.py``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskCliRunner


@pytest.fixture
def folder(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """``OPEN_DATA_FOLDER`` for this test alone (the session's app shares one otherwise)."""
    previous = app.config["OPEN_DATA_FOLDER"]
    where = tmp_path / "open-data"
    app.config["OPEN_DATA_FOLDER"] = str(where)
    yield where
    app.config["OPEN_DATA_FOLDER"] = previous


@pytest.fixture
def dump(runner: FlaskCliRunner, folder: Path) -> Callable[..., Result]:
    """``dump(*args)``: run ``flask open-data dump`` for real; the result (checked by the test)."""

    def _dump(*args: str) -> Result:
        return runner.invoke(args=["open-data", "dump", *args])

    return _dump


def read_csv(data: bytes) -> list[list[str]]:
    """A file as a CSV reader sees it (after the byte-order mark): header first."""
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
