"""Users and tokens: create, authenticate, revoke. Every change is audited."""

import hashlib
import re
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from sqlalchemy import func, select

from leaktrack.audit import service as audit
from leaktrack.errors import ValidationError
from leaktrack.extensions import db
from leaktrack.timeutil import utcnow
from leaktrack.vocab import LANGUAGES, ROLES

from .models import ApiToken, User

_hasher = PasswordHasher()
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")
MIN_PASSWORD = 12


@cache
def _dummy_hash() -> str:
    """Verifying against this keeps a login for an unknown e-mail as slow as a real one."""
    return _hasher.hash("not a password of anyone")


def normalise_email(email: str) -> str:
    """E-mail addresses compare case-insensitively here."""
    return (email or "").strip().lower()


def validate_user_fields(*, email: str, role: str, password: str | None) -> dict:
    """Field errors for a new user, keyed by field name (empty when all is well)."""
    errors = {}
    if not EMAIL_RE.match(email) or len(email) > 254:
        errors["email"] = _("Enter a valid e-mail address.")
    if role not in ROLES:
        errors["role"] = _("Role must be one of: %(roles)s.", roles=", ".join(ROLES))
    if password is not None and len(password) < MIN_PASSWORD:
        errors["password"] = _("Use at least %(n)d characters.", n=MIN_PASSWORD)
    return errors


def create_user(*, email: str, role: str, password: str, actor: User | None = None) -> User:
    """Add a user with a hashed password."""
    email = normalise_email(email)
    errors = validate_user_fields(email=email, role=role, password=password)
    if not errors and get_user_by_email(email=email):
        errors["email"] = _("A user with this e-mail already exists.")
    if errors:
        raise ValidationError(errors)
    user = User(email=email, role=role, password_hash=_hasher.hash(password))
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.created",
        actor=actor,
        object_type="user",
        object_id=user.id,
        after={"email": email, "role": role},
    )
    return user


def update_user(*, user: User, actor: User, role: str, is_enabled: bool) -> User:
    """Change a user's role or whether they may sign in."""
    if role not in ROLES:
        raise ValidationError(
            {"role": _("Role must be one of: %(roles)s.", roles=", ".join(ROLES))}
        )
    before = {"role": user.role, "is_enabled": user.is_enabled}
    user.role, user.is_enabled = role, is_enabled
    after = {"role": role, "is_enabled": is_enabled}
    if before != after:
        audit.record(
            "user.updated",
            actor=actor,
            object_type="user",
            object_id=user.id,
            before=before,
            after=after,
        )
    db.session.flush()
    return user


def set_language(*, user: User, language: str | None) -> None:
    """Remember the user's UI language (None: follow the browser)."""
    user.language = language if language in LANGUAGES else None
    db.session.flush()


def get_user_by_email(*, email: str) -> User | None:
    """The user with this e-mail, if any."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(*, email: str, password: str) -> User | None:
    """The enabled user whose password matches, else None."""
    user = get_user_by_email(email=email)
    try:
        _hasher.verify(user.password_hash if user else _dummy_hash(), password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_enabled:
        return None
    user.last_login_at = utcnow()
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    db.session.flush()
    return user


def count_users() -> int:
    """How many users exist."""
    return db.session.scalar(select(func.count()).select_from(User))


def ensure_first_admin(*, email: str) -> tuple[User, str] | None:
    """On an empty database, create an admin with a fresh password and return both."""
    if count_users():
        return None
    password = secrets.token_urlsafe(12)
    return create_user(email=email, role="admin", password=password), password


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(*, user: User, actor: User | None = None) -> str:
    """Make a new API token for the user; the token is returned once and stored hashed."""
    token = "lt_" + secrets.token_urlsafe(32)
    row = ApiToken(user=user, token_hash=_token_hash(token), prefix=token[:10])
    db.session.add(row)
    db.session.flush()
    audit.record(
        "token.created",
        actor=actor or user,
        object_type="api_token",
        object_id=row.id,
        after={"user": user.email, "prefix": row.prefix},
    )
    return token


def revoke_token(*, token: ApiToken, actor: User) -> None:
    """Stop a token from working."""
    token.revoked_at = utcnow()
    db.session.flush()
    audit.record(
        "token.revoked",
        actor=actor,
        object_type="api_token",
        object_id=token.id,
        before={"prefix": token.prefix},
    )


def user_for_token(*, token: str) -> User | None:
    """The enabled user owning this unrevoked token, else None."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None or not row.user.is_enabled:
        return None
    return row.user
