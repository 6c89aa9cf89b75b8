"""`sources` commands."""

import sys

import click
from flask.cli import AppGroup

from leaktrack.errors import ValidationError
from leaktrack.extensions import db
from leaktrack.vocab import CAUSES, SEVERITIES

from . import service
from .parse import FORMATS

sources_cli = AppGroup("sources", help="Manage monitoring webhook sources.")


@sources_cli.command("create")
@click.argument("name")
@click.option("--format", "format_", required=True, type=click.Choice(FORMATS))
@click.option("--auth", required=True, type=click.Choice(service.AUTH_MODES))
@click.option(
    "--default-severity", default="medium", show_default=True, type=click.Choice(SEVERITIES)
)
@click.option("--default-cause", default="other", show_default=True, type=click.Choice(CAUSES))
@click.option(
    "--rate-limit",
    default=60,
    show_default=True,
    type=click.IntRange(0, 100_000),
    help="Deliveries accepted per minute; 0 for no limit.",
)
def create_source(name, format_, auth, default_severity, default_cause, rate_limit) -> None:
    """Add a webhook source and print its secret (shown once)."""
    try:
        source, secret = service.create_source(
            name=name,
            format=format_,
            auth=auth,
            actor=None,
            default_severity=default_severity,
            default_cause=default_cause,
            rate_limit_per_minute=rate_limit,
        )
    except ValidationError as exc:
        for field, message in exc.fields.items():
            click.echo(f"error: {field}: {message}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"created {source.format} source {source.name} at /api/v1/alerts/{source.name}")
    click.echo(f"secret (shown once): {secret}")
