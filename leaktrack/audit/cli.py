"""`audit verify`."""

import sys

import click
from flask.cli import AppGroup

from . import service

audit_cli = AppGroup("audit", help="The audit trail.")


@audit_cli.command("verify")
def verify() -> None:
    """Check the hash chain; exit 1 naming the first altered or deleted event."""
    checked, problem = service.verify_chain()
    if problem:
        click.echo(f"audit chain broken: {problem.message} ({checked} events before it are intact)")
        sys.exit(1)
    click.echo(f"audit chain intact: {checked} events")
