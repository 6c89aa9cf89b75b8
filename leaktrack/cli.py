"""The `leaktrack` console script: the same commands as `flask --app leaktrack`."""

from flask.cli import FlaskGroup

from leaktrack import create_app


def main() -> None:
    FlaskGroup(create_app=create_app, help="leaktrack commands.").main()
