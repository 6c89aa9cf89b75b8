"""leaktrack: incident and data-leak response tracker."""

from pathlib import Path

from flask import Flask

from leaktrack import config as settings
from leaktrack.extensions import babel, csrf, db, limiter, login_manager, migrate

PACKAGE_DIR = Path(__file__).resolve().parent


def create_app(config: dict | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, commands."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(settings.DEFAULTS)
    app.config.update(settings.from_environment(app.instance_path, given=config or {}))
    app.config.update(config or {})
    _init_extensions(app)
    _register_blueprints(app)
    _register_commands(app)
    return app


def _translation_directories() -> str:
    return ";".join(str(path) for path in sorted(PACKAGE_DIR.glob("**/translations")))


def _init_extensions(app: Flask) -> None:
    from leaktrack import database, notifications, obligations, playbooks, stakeholders, web
    from leaktrack.auth.access import enforce_access
    from leaktrack.auth.views import load_user, load_user_from_request
    from leaktrack.errors import register_error_handlers

    web.configure_logging(app)
    db.init_app(app)
    database.configure(app)
    migrate.init_app(app, db, directory=str(PACKAGE_DIR / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.request_loader(load_user_from_request)
    csrf.init_app(app)
    limiter.init_app(app)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = _translation_directories()
    babel.init_app(
        app,
        locale_selector=web.select_locale,
        default_timezone=app.config["LEAKTRACK_TIMEZONE"],
    )
    web.register_web(app)
    app.before_request(enforce_access)
    register_error_handlers(app)
    obligations.init_app(app)
    stakeholders.init_app(app)
    notifications.init_app(app)
    playbooks.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from leaktrack.alerts.views import api as alerts_api_bp
    from leaktrack.alerts.views import bp as alerts_bp
    from leaktrack.api.views import bp as api_bp
    from leaktrack.auth.views import bp as auth_bp
    from leaktrack.incidents.api import bp as incidents_api_bp
    from leaktrack.incidents.views import bp as incidents_bp
    from leaktrack.notifications.views import api as notifications_api_bp
    from leaktrack.notifications.views import bp as notifications_bp
    from leaktrack.obligations.views import api as obligations_api_bp
    from leaktrack.obligations.views import bp as obligations_bp
    from leaktrack.playbooks.api import bp as playbooks_api_bp
    from leaktrack.playbooks.views import bp as playbooks_bp
    from leaktrack.stakeholders.api import bp as stakeholders_api_bp
    from leaktrack.stakeholders.views import bp as stakeholders_bp
    from leaktrack.summaries.views import api as summaries_api_bp
    from leaktrack.summaries.views import bp as summaries_bp

    for blueprint in (
        auth_bp,
        incidents_bp,
        api_bp,
        incidents_api_bp,
        obligations_bp,
        obligations_api_bp,
        alerts_bp,
        alerts_api_bp,
        stakeholders_bp,
        stakeholders_api_bp,
        notifications_bp,
        notifications_api_bp,
        playbooks_bp,
        playbooks_api_bp,
        summaries_bp,
        summaries_api_bp,
    ):
        app.register_blueprint(blueprint)
    for name, blueprint in app.blueprints.items():
        if name.startswith("api"):
            csrf.exempt(blueprint)


def _register_commands(app: Flask) -> None:
    from leaktrack.alerts.cli import sources_cli
    from leaktrack.audit.cli import audit_cli
    from leaktrack.auth.cli import tokens_cli, users_cli
    from leaktrack.obligations.cli import obligations_cli
    from leaktrack.playbooks.cli import playbooks_cli
    from leaktrack.scheduler import scheduler_command
    from leaktrack.stakeholders.cli import retention_cli, stakeholders_cli
    from leaktrack.summaries.cli import demo_command

    for command in (
        users_cli,
        tokens_cli,
        audit_cli,
        obligations_cli,
        sources_cli,
        scheduler_command,
        stakeholders_cli,
        retention_cli,
        playbooks_cli,
        demo_command,
    ):
        app.cli.add_command(command)
