"""`stakeholders` and `retention` commands."""

import os
import sys

import click
from flask.cli import AppGroup

from leaktrack.errors import NotFoundError, ValidationError
from leaktrack.extensions import db
from leaktrack.incidents import service as incidents
from leaktrack.vocab import STAKEHOLDER_KINDS

from . import maintenance, service
from .records import ENCODINGS, FIELDS

stakeholders_cli = AppGroup("stakeholders", help="Import and manage affected people.")
retention_cli = AppGroup("retention", help="Erase personal data past its retention period.")


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        source, _, field = pair.partition("=")
        if not source or field not in FIELDS:
            raise click.BadParameter(
                f"{pair!r}: use HEADER=FIELD, FIELD one of {', '.join(FIELDS)}"
            )
        mapping[source] = field
    return mapping


@stakeholders_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", required=True, type=click.Choice(STAKEHOLDER_KINDS))
@click.option("--encoding", default="auto", show_default=True, type=click.Choice(ENCODINGS))
@click.option("--incident", "incident_ref", help="Link everyone imported to this incident.")
@click.option("--categories", default="", help="Data categories exposed, comma-separated "
              "(default: the incident's).")  # fmt: skip
@click.option("--map", "pairs", multiple=True, help="HEADER=FIELD for headers that are not ours.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, writable=True),
              help="Write the invalid rows (line,reason) to this CSV file.")  # fmt: skip
def import_command(file, kind, encoding, incident_ref, categories, pairs, errors_path) -> None:
    """Import people from CSV or JSON Lines, in one transaction; print a summary line."""
    try:
        incident = incidents.get_incident(ref=incident_ref) if incident_ref else None
        chosen = [c.strip() for c in categories.split(",") if c.strip()] or None
        with open(file, "rb") as stream, click.progressbar(
            length=os.path.getsize(file), label="importing", file=sys.stderr
        ) as bar:  # fmt: skip
            done = [0]

            def progress(_rows: int) -> None:
                position = stream.tell()
                bar.update(position - done[0])
                done[0] = position

            result = service.import_file(
                stream=stream, kind=kind, encoding=encoding, filename=file, incident=incident,
                categories=chosen, mapping=_mapping(pairs), actor_label="cli", progress=progress,
            )  # fmt: skip
        db.session.commit()
    except (ValidationError, NotFoundError) as exc:
        db.session.rollback()
        message = "; ".join(getattr(exc, "fields", {}).values()) or str(exc)
        raise click.ClickException(message) from None
    for line, reason in result.first_errors:
        click.echo(f"{file}:{line}: {reason}", err=True)
    if errors_path and result.invalid:
        with open(errors_path, "w", encoding="utf-8", newline="") as out:
            out.write(result.errors_csv())
    click.echo(result.summary())


@stakeholders_cli.command("rotate-key")
def rotate_key_command() -> None:
    """Re-seal all contact data under the current LEAKTRACK_DATA_KEY."""
    try:
        count = maintenance.rotate_key()
    except (KeyError, ValueError) as exc:
        db.session.rollback()
        raise click.ClickException(
            f"{exc}: list the old key in LEAKTRACK_RETIRED_DATA_KEYS and run again"
        ) from None
    db.session.commit()
    click.echo(f"re-sealed {count} records under the current data key")


@retention_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Count, change nothing.")
def purge_command(dry_run: bool) -> None:
    """Erase contact data of people whose incidents all ended their retention period."""
    count = maintenance.purge_expired(dry_run=dry_run, actor_label="cli")
    if dry_run:
        db.session.rollback()
        click.echo(f"would erase the contact data of {count} people (dry run)")
        return
    db.session.commit()
    click.echo(f"erased the contact data of {count} people")
