"""``ppp gazetteer import FILE --format abp|os-open-uprn``: load the council's gazetteer into places."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from core.places.gazetteer import BATCH_SIZE, FORMATS, GazetteerError

#: rejected rows listed again in the summary (every one is reported on stderr as it is found)
SUMMARY_REJECTIONS = 50
KIND_LABELS = {
    "place": "Places",
    "street": "Street descriptors",
    "lpi": "LPIs",
    "dpa": "Delivery points",
    "classification": "Classifications",
}


@click.group()
def gazetteer():
    """Import the gazetteer (AddressBase Premium or OS Open UPRN) into places."""


@gazetteer.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", metavar="FORMAT",
    help="abp: AddressBase Premium CSV (no header row); os-open-uprn: OS Open UPRN CSV (coordinates only).",
)
@click.option(
    "--create-missing", is_flag=True,
    help="os-open-uprn only: add places (without addresses) for UPRNs not yet in the gazetteer.",
)
@click.option("--batch-size", default=BATCH_SIZE, show_default=True, type=click.IntRange(1), help="Rows per write.")
@with_appcontext
def import_file(file: Path, fmt: str | None, create_missing: bool, batch_size: int) -> None:
    """Import FILE in one transaction: all of it is applied, or (on an error or Ctrl-C) none of it.

    Rejected rows are reported on stderr with their line numbers and listed in the summary; the command exits
    non-zero only when nothing could be imported or the import failed.
    """
    from core.places import services

    # checked here rather than by click, so each mistake is one line, like every other ppp error
    if not fmt:
        raise click.ClickException(f"Give the file's format: {' or '.join(f'--format {name}' for name in FORMATS)}.")
    if fmt not in FORMATS:
        raise click.ClickException(f'Unknown format "{fmt}": use {" or ".join(FORMATS)}.')
    if not file.is_file():
        reason = "it is a folder" if file.is_dir() else "No such file or directory"
        raise click.ClickException(f"Cannot open {file}: {reason}.")
    started = time.monotonic()
    stderr = sys.stderr

    def rejected(line: int, reason: str) -> None:
        click.echo(f"\nline {line}: {reason}", err=True)

    # off a terminal (cron, a pipe) the bar is left out, so the output is only what happened
    with click.progressbar(
        length=file.stat().st_size, label=f"Reading {file.name}", file=stderr, hidden=not stderr.isatty()
    ) as bar:
        try:
            run = services.import_gazetteer(
                file,
                fmt,
                create_missing=create_missing,
                batch_size=batch_size,
                on_progress=bar.update,
                on_reject=rejected,
                on_stage=lambda message: click.echo(f"\n{message}…", err=True),
            )
        except GazetteerError as exc:
            raise click.ClickException(f"{exc} Nothing was changed.") from exc
        except Exception as exc:
            # the run's record keeps the reason; a database error's SQL and background stay out of the one line
            reason = (str(exc).splitlines() or [""])[0]
            raise click.ClickException(
                f"The import failed, so nothing was changed: {type(exc).__name__}: {reason}"
            ) from exc
    _summary(run, time.monotonic() - started)


def _summary(run, seconds: float) -> None:
    click.echo(f"Imported {run.file_name} ({FORMATS[run.format]}) in {seconds:.1f} s: import {run.id}.")
    click.echo(
        f"Rows read: {run.rows_read:,}. Rejected: {run.rejected:,}. "
        f"Skipped: {run.skipped:,} (header, trailer and records PPP does not use)."
    )
    click.echo(f"{'':20}{'inserted':>10}{'updated':>10}{'deleted':>10}{'unchanged':>11}")
    for kind, label in KIND_LABELS.items():
        counts = run.details.get(kind)
        if counts is not None:
            click.echo(
                f"{label:20}{counts['inserted']:>10,}{counts['updated']:>10,}{counts['deleted']:>10,}"
                f"{counts['unchanged']:>11,}"
            )
    for warning in run.warning_list:
        click.echo(f"Warning: {warning}")
    rejections = run.rejection_list
    if rejections:
        click.echo("Rejected rows:")
        for line in rejections[:SUMMARY_REJECTIONS]:
            click.echo(f"  {line}")
        if run.rejected > SUMMARY_REJECTIONS:
            click.echo(f"  … and {run.rejected - SUMMARY_REJECTIONS:,} more (each is on stderr above).")
