"""`playbooks check`."""

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from .parse import load_library
from .service import version_problems

playbooks_cli = AppGroup("playbooks", help="Playbook checklists.")


@playbooks_cli.command("check")
@click.argument("folder", required=False, type=click.Path(file_okay=False))
def check(folder: str | None) -> None:
    """Validate every playbook in FOLDER (default: LEAKTRACK_PLAYBOOKS_DIR); print file:line."""
    library = load_library(folder or current_app.config["LEAKTRACK_PLAYBOOKS_DIR"])
    problems = [*library.problems, *version_problems(library=library)]
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) in {library.folder}", err=True)
        sys.exit(1)
    click.echo(f"{len(library.playbooks)} playbooks in {library.folder}: all valid")
