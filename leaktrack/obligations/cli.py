"""`obligations check` and `obligations register`."""

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from . import service
from .rules import RulesError, load_rules

obligations_cli = AppGroup("obligations", help="Notification rules and the breach register.")


@obligations_cli.command("check")
@click.argument("folder", required=False, type=click.Path(file_okay=False))
def check(folder: str | None) -> None:
    """Validate the rule files with FOLDER (or LEAKTRACK_RULES_DIR) laid over the shipped ones."""
    try:
        rules = load_rules(folder or current_app.config.get("LEAKTRACK_RULES_DIR"))
    except RulesError as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        sys.exit(1)
    regimes = {rule.regime.key for rule in rules.rules}
    click.echo(f"{len(rules.rules)} rules in {len(regimes)} regimes: all valid")


@obligations_cli.command("register")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-")
def register(output) -> None:
    """Write the breach register (every incident, notified or not) as CSV."""
    output.write(service.breach_register_csv())
