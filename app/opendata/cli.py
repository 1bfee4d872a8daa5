"""``flask open-data dump``: the daily files, for cron (see docs/open-data.md)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.core import replica
from app.opendata import dumps
from app.opendata.datasets import all_datasets

open_data_cli = AppGroup("open-data", help="The open-data files and their catalogue.")


def _known(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    # Checked when the command runs, not when it is defined: packages register datasets as
    # the app is made (the projects' come later than this module).
    known = [dataset.id for dataset in all_datasets()]
    unknown = [value for value in values if value not in known]
    if unknown:
        raise click.BadParameter(
            f"no dataset {', '.join(unknown)}; the datasets are: {', '.join(known)}"
        )
    return values


@open_data_cli.command("dump")
@click.option(
    "--only",
    multiple=True,
    callback=_known,
    metavar="DATASET",
    help="Write only this dataset (repeatable); the others keep their files.",
)
def dump_command(only: tuple[str, ...]) -> None:
    """Write every dataset's CSV and the manifest to OPEN_DATA_FOLDER, atomically.

    Exits with status 1 if a dataset failed: its previous file is kept, the others are written.
    """
    try:
        outcomes = dumps.dump(only or None)
    except dumps.DumpBusy as busy:
        raise click.ClickException(
            f"another dump is running in {busy}; nothing was written by this one."
        ) from None
    folder = dumps.folder()
    failed = [outcome for outcome in outcomes if outcome.error]
    for outcome in outcomes:
        entry = outcome.entry
        if outcome.error:
            kept = "the previous file is kept" if entry else "there is no file yet"
            click.echo(f"  {outcome.dataset.file}: FAILED ({outcome.error}); {kept}", err=True)
        elif entry is not None:
            what = "written" if outcome.changed else "unchanged"
            click.echo(f"  {entry.file}: {entry.rows} rows, {entry.bytes} bytes, {what}")
    click.echo(f"  {dumps.MANIFEST}: {len(dumps.read_manifest(folder).entries)} datasets")
    if replica.configured():
        sources = sorted({outcome.read_from for outcome in outcomes if not outcome.error})
        click.echo(f"  read from: {' and '.join(sources) or 'neither'}")
    if failed:
        raise click.ClickException(
            f"{len(failed)} of {len(outcomes)} datasets failed in {folder}: "
            + ", ".join(outcome.dataset.id for outcome in failed)
            + ". See the log above; run the command again once it is fixed."
        )
    click.echo(f"Open data written to {folder}.")
