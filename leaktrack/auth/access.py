"""Who may use which route. Every view declares it; anything undeclared is refused."""

from flask import current_app, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from leaktrack.errors import api_error

ALL_ROLES = frozenset({"admin", "responder", "executive"})
WRITERS = frozenset({"admin", "responder"})
ADMINS = frozenset({"admin"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def roles(*allowed: str):
    """Declare the roles that may use a view (the server enforces it before the view runs)."""

    def mark(view):
        view.allowed_roles = frozenset(allowed)
        return view

    return mark


def public(view):
    """Declare a view that needs no login (it authenticates by its own means, if at all)."""
    view.is_public = True
    return view


def personal_setting(view):
    """Declare a POST that only changes the caller's own settings (executives may use it)."""
    view.is_personal_setting = True
    return view


def _refuse(status: int, message: str):
    if request.path.startswith("/api/"):
        return api_error(status, "unauthorized" if status == 401 else "forbidden", message)
    if status == 401:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    from flask import abort

    abort(status, message)


def enforce_access():
    """before_request: refuse anonymous and wrong-role callers, and any write by an executive."""
    if request.endpoint in (None, "static"):
        return None
    view = current_app.view_functions[request.endpoint]
    if getattr(view, "is_public", False):
        return None
    if not current_user.is_authenticated:
        return _refuse(401, _("Sign in first."))
    allowed = getattr(view, "allowed_roles", frozenset())
    if current_user.role not in allowed:
        return _refuse(403, _("Your role may not use this page."))
    is_write = request.method not in SAFE_METHODS
    if (
        is_write
        and current_user.role == "executive"
        and not getattr(view, "is_personal_setting", False)
    ):
        return _refuse(403, _("Executives can read but not change anything."))
    return None
