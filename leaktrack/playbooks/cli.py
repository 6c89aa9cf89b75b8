"""`playbooks check`."""

import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from leaktrack.extensions import db

from .parse import load_library
from .service import version_problems


def _against_database(library) -> list[str]:
    """Version problems, or none with a warning when the database cannot be read."""
    try:
        return version_problems(library=library)
    except SQLAlchemyError:
        db.session.rollback()
        click.echo(
            "warning: versions not compared with the database (is it migrated? "
            "run `leaktrack db upgrade`)",
            err=True,
        )
        return []


playbooks_cli = AppGroup("playbooks", help="Playbook checklists.")


@playbooks_cli.command("check")
@click.argument("folder", required=False, type=click.Path(file_okay=False))
def check(folder: str | None) -> None:
    """Validate every playbook in FOLDER (default: LEAKTRACK_PLAYBOOKS_DIR); print file:line."""
    library = load_library(folder or current_app.config["LEAKTRACK_PLAYBOOKS_DIR"])
    problems = [*library.problems, *_against_database(library)]
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) in {library.folder}", err=True)
        sys.exit(1)
    count = len(library.playbooks)
    click.echo(f"{count} playbook{'' if count == 1 else 's'} in {library.folder}: all valid")
