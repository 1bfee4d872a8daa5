"""``flask backup create|verify|restore DIR``: for the operator and the systemd timer.

Every failure is one message on stderr and exit status 1, never a traceback: a timer's
journal then says what went wrong, and a monitoring check needs only the status.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.backup import operations, placing
from app.backup.errors import BackupError
from app.backup.manifest import Manifest

backup_cli = AppGroup("backup", help="Back up and restore the database and the uploaded files.")

_FOLDER = click.argument("directory", type=click.Path(path_type=Path))
#: How a restore will replace the uploads, for the question before it.
_HOW = {
    placing.Method.FOLDER: "replaced as a whole",
    placing.Method.ENTRIES: "a mount point or another file system: everything in it is replaced",
}


def _many(count: int, thing: str) -> str:
    """ "1 file", "2,345 files": the operator's messages are in English, as every command's."""
    return f"{count:,} {thing}" if count == 1 else f"{count:,} {thing}s"


def _size(count: int) -> str:
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if count >= factor:
            return f"{count / factor:.1f} {unit}"
    return f"{count} bytes"


def _made(manifest: Manifest) -> str:
    return (
        f"made {manifest.created_at:%Y-%m-%d %H:%M:%S} UTC by release {manifest.release}, "
        f"database revision {manifest.revision}"
    )


@backup_cli.command("create")
@_FOLDER
def create_command(directory: Path) -> None:
    """Write a backup into the new folder DIRECTORY (it must not exist, or be empty)."""
    try:
        created = operations.create(directory)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    manifest = created.manifest
    click.echo(
        f"Backup written to {created.folder}: {_many(len(manifest.tables), 'table')}, "
        f"{_many(manifest.rows, 'row')}, {_many(len(manifest.files), 'file')}, "
        f"{created.bytes:,} bytes ({_size(created.bytes)}), {created.seconds:.1f} s."
    )


@backup_cli.command("verify")
@_FOLDER
def verify_command(directory: Path) -> None:
    """Check the backup in DIRECTORY against its manifest (hashes, the database's file)."""
    try:
        verified = operations.verify(directory)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    manifest = verified.manifest
    if verified.problems:
        for problem in verified.problems:
            click.echo(f"  {problem}", err=True)
        raise click.ClickException(
            f"The backup in {directory} does not match its manifest: "
            f"{_many(len(verified.problems), 'problem')} (listed above). Do not rely on it."
        )
    click.echo(
        f"The backup in {directory} is complete ({_made(manifest)}): the database's file, "
        f"{_many(len(manifest.tables), 'table')} with {_many(manifest.rows, 'row')}, "
        f"{_many(len(manifest.files), 'file')}."
    )


@backup_cli.command("restore")
@_FOLDER
@click.option("--yes", is_flag=True, help="Really overwrite the database and the uploads.")
def restore_command(directory: Path, yes: bool) -> None:
    """Replace the database and the uploaded files with the backup in DIRECTORY.

    Stop the site and its worker first. Afterwards every table's row count and every file's
    hash are compared with the backup's manifest; exit status 1 if anything differs.
    """
    try:
        if not yes:
            chosen = operations.plan(directory)
            raise click.ClickException(
                "Nothing was restored: add --yes to overwrite\n"
                f"  the database {chosen.database} (every table the backup holds)\n"
                f"  the uploads folder {chosen.uploads} ({_HOW[chosen.placement]})\n"
                f"with the backup in {directory} ({_made(chosen.manifest)}; "
                f"{_many(chosen.manifest.rows, 'row')}, "
                f"{_many(len(chosen.manifest.files), 'file')}).\n"
                "Stop the site and its worker first."
            )
        restored = operations.restore(directory)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    _report(restored)


def _report(restored: operations.Restored) -> None:
    manifest = restored.plan.manifest
    click.echo(f"Restored from the backup {_made(manifest)}.")
    width = max(len(check.name) for check in restored.tables)
    click.echo(f"  {'table':<{width}}  {'backup':>9}  {'restored':>9}")
    for check in restored.tables:
        found = "missing" if check.found is None else f"{check.found:,}"
        verdict = "" if check.ok else "  DIFFERS"
        click.echo(f"  {check.name:<{width}}  {check.expected:>9,}  {found:>9}{verdict}")
    click.echo(f"  database revision: {restored.revision or 'none'}")
    click.echo(
        f"  files: {restored.files.matching:,} of {len(manifest.files):,} as in the backup "
        f"({_size(manifest.file_bytes)})"
    )
    for problem in restored.files.problems:
        click.echo(f"  {problem}", err=True)
    if not restored.ok:
        kept = (
            f" The previous uploaded files are kept in {restored.kept_uploads}."
            if restored.kept_uploads
            else ""
        )
        differing = sum(1 for check in restored.tables if not check.ok)
        raise click.ClickException(
            f"The restored site differs from the backup: {_many(differing, 'table')} and "
            f"{_many(len(restored.files.problems), 'file')} (listed above).{kept}"
        )
    click.echo(
        f"Every table's row count and every file's hash are as in the backup "
        f"({restored.seconds:.1f} s). Start the site again."
    )
