"""`users` and `tokens` commands."""

import sys

import click
from flask.cli import AppGroup

from leaktrack.errors import ValidationError
from leaktrack.extensions import db
from leaktrack.vocab import ROLES

from . import service

users_cli = AppGroup("users", help="Manage users.")
tokens_cli = AppGroup("tokens", help="Manage API tokens.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(email: str, role: str, password_stdin: bool) -> None:
    """Add a user."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = service.create_user(email=email, role=role, password=password)
    except ValidationError as exc:
        for field, message in exc.fields.items():
            click.echo(f"error: {field}: {message}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"created {user.role} {user.email}")


@users_cli.command("ensure-admin")
@click.option("--email", default="admin@leaktrack.local", show_default=True)
def ensure_admin(email: str) -> None:
    """On an empty database, create a first admin and print the credentials."""
    created = service.ensure_first_admin(email=email)
    if created is None:
        click.echo("users exist; no admin created")
        return
    db.session.commit()
    user, password = created
    click.echo(f"First admin created.\n  e-mail:   {user.email}\n  password: {password}")


@tokens_cli.command("create")
@click.option("--email", required=True)
def create_token(email: str) -> None:
    """Print a new API token for the user (shown once)."""
    user = service.get_user_by_email(email=email)
    if user is None:
        click.echo(f"error: no user {email}", err=True)
        sys.exit(1)
    token = service.create_token(user=user)
    db.session.commit()
    click.echo(token)
