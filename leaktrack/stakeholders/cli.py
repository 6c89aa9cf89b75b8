"""`stakeholders` and `retention` commands."""

from flask.cli import AppGroup

stakeholders_cli = AppGroup("stakeholders", help="Import and manage affected people.")
retention_cli = AppGroup("retention", help="Erase personal data past its retention period.")
