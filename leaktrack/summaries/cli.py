"""The `demo` command: load the demo data set into an empty database."""

import secrets

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from leaktrack.auth import service as auth
from leaktrack.auth.models import User
from leaktrack.extensions import db
from leaktrack.incidents.models import Incident

DEMO_EXECUTIVE = "executive@demo.example"


@click.command("demo")
@click.option(
    "--seed", default=7, show_default=True, help="Random seed: the same seed, the same data."
)
@click.option("--incidents", "count", default=72, show_default=True, type=click.IntRange(8, 20_000))
@with_appcontext
def demo_command(seed: int, count: int) -> None:
    """Load a realistic demo data set: a year of incidents, people, obligations, notes."""
    from .demo import run_demo

    if db.session.scalar(select(func.count()).select_from(Incident)):
        raise click.ClickException(
            "the database already has incidents; demo data loads only into an empty one"
        )
    made = run_demo(seed=seed, count=count)
    password = None
    if db.session.scalar(select(User).where(User.email == DEMO_EXECUTIVE)) is None:
        password = secrets.token_urlsafe(12)
        auth.create_user(email=DEMO_EXECUTIVE, role="executive", password=password)
    db.session.commit()
    people = sum(incident.affected_count for incident in made)
    click.echo(f"demo data loaded: {len(made)} incidents, {people} people affected")
    if password:
        click.echo(f"executive e-mail: {DEMO_EXECUTIVE}  password: {password}")
