"""Sign-in, sign-out, language, users and API tokens."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from leaktrack.errors import NotFoundError, ValidationError
from leaktrack.extensions import db, limiter
from leaktrack.vocab import LANGUAGES

from . import service
from .access import ADMINS, ALL_ROLES, personal_setting, public, roles
from .forms import LoginForm, UserEditForm, UserForm
from .models import ApiToken, User

bp = Blueprint("auth", __name__, template_folder="templates")


def load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user and user.is_enabled else None


def load_user_from_request(req) -> User | None:
    """API callers: `Authorization: Bearer <token>`; pages never authenticate this way."""
    header = req.headers.get("Authorization", "")
    if not req.path.startswith("/api/") or not header.startswith("Bearer "):
        return None
    return service.user_for_token(token=header.removeprefix("Bearer ").strip())


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") else None


def home_for(user: User) -> str:
    """Where a user lands after signing in."""
    if user.role == "executive" and "summaries.dashboard" in current_app.view_functions:
        return url_for("summaries.dashboard")
    return url_for("incidents.index")


@bp.get("/")
@roles(*ALL_ROLES)
def home():
    return redirect(home_for(current_user))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(email=form.email.data, password=form.password.data)
        if user:
            db.session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or home_for(user))
        form.password.errors.append(_("E-mail or password is wrong."))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@roles(*ALL_ROLES)
@personal_setting
def logout():
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
@public
def set_language():
    language = request.form.get("language")
    if language not in LANGUAGES:
        language = None
    session["language"] = language
    if current_user.is_authenticated:
        service.set_language(user=current_user, language=language)
        db.session.commit()
    return redirect(
        _safe_next(request.form.get("next")) or request.referrer or url_for("auth.home")
    )


@bp.route("/users", methods=["GET", "POST"])
@roles(*ADMINS)
def users():
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = service.create_user(
                email=form.email.data,
                role=form.role.data,
                password=form.password.data,
                actor=current_user,
            )
        except ValidationError as exc:
            for name, message in exc.fields.items():
                getattr(form, name).errors.append(message)
        else:
            db.session.commit()
            flash(_("User %(email)s added.", email=user.email), "success")
            return redirect(url_for("auth.users"))
    people = db.session.scalars(select(User).order_by(User.email))
    return render_template("auth/users.html", form=form, users=people)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles(*ADMINS)
def edit_user(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFoundError(_("No such user."))
    form = UserEditForm(obj=user)
    if form.validate_on_submit():
        if user.id == current_user.id and (form.role.data != "admin" or not form.is_enabled.data):
            form.role.errors.append(_("You cannot take away your own administrator access."))
        else:
            service.update_user(
                user=user, actor=current_user, role=form.role.data, is_enabled=form.is_enabled.data
            )
            db.session.commit()
            flash(_("User %(email)s updated.", email=user.email), "success")
            return redirect(url_for("auth.users"))
    return render_template("auth/user_edit.html", form=form, user=user)


@bp.route("/account/tokens", methods=["GET", "POST"])
@roles(*ALL_ROLES)
@personal_setting
def tokens():
    new_token = None
    if request.method == "POST":
        new_token = service.create_token(user=current_user)
        db.session.commit()
    rows = db.session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == current_user.id)
        .order_by(ApiToken.created_at.desc())
    )
    return render_template("auth/tokens.html", tokens=rows, new_token=new_token)


@bp.post("/account/tokens/<int:token_id>/revoke")
@roles(*ALL_ROLES)
@personal_setting
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        raise NotFoundError(_("No such token."))
    service.revoke_token(token=token, actor=current_user)
    db.session.commit()
    flash(_("Token revoked."), "success")
    return redirect(url_for("auth.tokens"))
