"""Cross-cutting commands: ``flask seed-demo`` and ``flask translate …``."""

from __future__ import annotations

from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from app.core import cli as core_cli
from app.extensions import db

translate = AppGroup("translate", help="Extract, update and compile the message catalogues.")


def _project_root() -> Path:
    return Path(current_app.root_path).parent


def _pybabel(*args: str) -> None:
    # Babel's own command line, called in-process (no shell, no os.system).
    CommandLineInterface().run(["pybabel", "-q", *args])  # type: ignore[no-untyped-call]


def _translations_dir(directory: str | None) -> Path:
    return Path(directory) if directory else _project_root() / "translations"


_DIR_OPTION = click.option(
    "--dir", "directory", default=None, help="Catalogue folder (default: translations/)."
)


@translate.command("extract")
@_DIR_OPTION
def extract(directory: str | None) -> None:
    """Collect the translatable strings into messages.pot."""
    root = _project_root()
    target = _translations_dir(directory) / "messages.pot"
    _pybabel(
        "extract",
        "-F",
        str(root / "babel.cfg"),
        "-k",
        "_l",
        "-k",
        "lazy_gettext",
        # Context first, then the message, as pgettext (a word shared with another meaning).
        "-k",
        "lazy_pgettext:1c,2",
        "--no-location",
        "--sort-output",
        # Babel skips folders starting with "_" by default; our macros live in _macros/.
        "--ignore-dirs",
        ".* __pycache__",
        "--project",
        "Glas",
        "--copyright-holder",
        "Glas contributors",
        "-o",
        str(target),
        str(root / "app"),
        str(root / "templates"),
    )
    click.echo(f"Extracted to {target}")


@translate.command("update")
@_DIR_OPTION
def update(directory: str | None) -> None:
    """Merge messages.pot into every language's catalogue."""
    folder = _translations_dir(directory)
    _pybabel(
        "update",
        "-i",
        str(folder / "messages.pot"),
        "-d",
        str(folder),
        "--no-wrap",
        "--ignore-obsolete",
    )
    click.echo(f"Updated the catalogues in {folder}")


@translate.command("compile")
@_DIR_OPTION
def compile_(directory: str | None) -> None:
    """Compile every catalogue to the .mo files the app reads."""
    folder = _translations_dir(directory)
    _pybabel("compile", "-d", str(folder), "--statistics")
    click.echo(f"Compiled the catalogues in {folder}")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the demo data (idempotent: a second run adds nothing)."""
    from app.demo import seed_demo

    added = seed_demo()
    db.session.commit()
    total = sum(added.values())
    for name, count in added.items():
        click.echo(f"  {name}: {count} added")
    click.echo(f"Demo data ready ({total} rows added).")


def register(app: Flask) -> None:
    from app.auth.cli import users_cli
    from app.backup.cli import backup_cli
    from app.council.cli import council_cli
    from app.initiatives.cli import initiatives_cli
    from app.notifications.cli import notifications_cli
    from app.opendata.cli import open_data_cli
    from app.org.cli import units_cli
    from app.projects.cli import projects_cli
    from app.questions.cli import questions_cli
    from app.reference.cli import reference_cli
    from app.replies.cli import replies_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(initiatives_cli)
    app.cli.add_command(notifications_cli)
    app.cli.add_command(questions_cli)
    app.cli.add_command(replies_cli)
    app.cli.add_command(units_cli)
    app.cli.add_command(council_cli)
    app.cli.add_command(reference_cli)
    app.cli.add_command(open_data_cli)
    app.cli.add_command(projects_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(translate)
    app.cli.add_command(seed_demo_command)
    core_cli.register(app)  # flask worker (the e-mail outbox)
