"""Accounts: users with roles, API tokens stored hashed, argon2 passwords, browser sessions."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import Conflict, InvalidInput, NotFound
from core.filing import LIMITS, bad_character
from intake.persistence.records import User, WebSession, as_utc, utcnow
from intake.service.scope import ROLE_LABELS, ROLES, Scope
from validators.bureaus import load_bureaus

_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("intake-dummy-password")
"""Verified against when the user does not exist, so both cases take the same time."""
MIN_PASSWORD_LENGTH = 8
DEFAULT_TOKEN_DAYS = 90


@dataclass(frozen=True)
class NewUser:
    """A created account and its API token (shown once; only its hash is stored)."""

    user: User
    token: str


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= 64 or any(unicodedata.category(ch)[0] in "CZ" for ch in name):
        raise InvalidInput("用户名须为 1–64 个字符，不能含空白或控制字符")
    return name


def _check_role(role: str, bureau: str | None) -> str | None:
    if role not in ROLES:
        names = "、".join(ROLE_LABELS[r] for r in ROLES)
        raise InvalidInput(f"角色须为{names}之一")
    if role == "clerk":
        bureaus = load_bureaus()
        if bureau not in bureaus:
            raise InvalidInput(f"经办人须指定受理单位代码，可选：{'、'.join(sorted(bureaus))}")
        return bureau
    if bureau is not None:
        raise InvalidInput("只有经办人属于某个受理单位")
    return None


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"密码至少 {MIN_PASSWORD_LENGTH} 个字符")
    if len(password) > LIMITS.password or bad_character(password):
        raise InvalidInput(f"密码不能超过 {LIMITS.password} 个字符，也不能含控制字符")
    return _HASHER.hash(password)


def create_user(
    session: Session,
    name: str,
    role: str,
    bureau: str | None = None,
    password: str | None = None,
    token_days: int = DEFAULT_TOKEN_DAYS,
) -> NewUser:
    """Add an account; returns it with its API token (valid `token_days`). Conflict when the
    name is taken."""
    name = _check_name(name)
    bureau = _check_role(role, bureau)
    token = new_secret()
    user = User(
        name=name,
        role=role,
        bureau=bureau,
        token_hash=secret_hash(token),
        token_expires_at=utcnow() + timedelta(days=token_days),
        password_hash=hash_password(password) if password is not None else None,
        active=True,
    )
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise Conflict(f"用户名「{name}」已存在")
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"用户名「{name}」已存在") from None
    return NewUser(user=user, token=token)


def user_by_token(session: Session, token: str) -> User | None:
    """The active user whose unexpired token this is; looked up on every request, so that a
    deactivation, a revocation or an expiry counts from the next request on."""
    if not token:
        return None
    user = session.scalar(select(User).where(User.token_hash == secret_hash(token)))
    if user is None or not user.active:
        return None
    expires = as_utc(user.token_expires_at)
    return user if expires is not None and expires > utcnow() else None


# --------------------------------------------------------------------------- managing accounts


def find_user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == (name or "").strip()))
    if user is None:
        raise NotFound(f"找不到用户 {name}")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.id)))


def _end_sessions(session: Session, user: User) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))


def set_active(session: Session, name: str, active: bool) -> User:
    """Deactivate (its token and browser sessions stop at the next request) or reactivate."""
    user = find_user(session, name)
    user.active = active
    if not active:
        _end_sessions(session, user)
    session.flush()
    return user


def reset_password(session: Session, name: str, password: str) -> User:
    """A new password; every browser session of the account is signed out."""
    user = find_user(session, name)
    user.password_hash = hash_password(password)
    _end_sessions(session, user)
    session.flush()
    return user


def rotate_token(session: Session, name: str, days: int = DEFAULT_TOKEN_DAYS) -> NewUser:
    """A new API token valid `days`; the old one stops working at once."""
    user = find_user(session, name)
    token = new_secret()
    user.token_hash = secret_hash(token)
    user.token_expires_at = utcnow() + timedelta(days=days)
    session.flush()
    return NewUser(user=user, token=token)


def revoke_token(session: Session, name: str) -> User:
    """The API token stops working; the account signs in with its password or gets a new one."""
    user = find_user(session, name)
    user.token_hash = secret_hash(new_secret())  # nobody holds this token
    user.token_expires_at = utcnow()
    session.flush()
    return user


def verify_login(session: Session, name: str, password: str) -> User | None:
    """The active user with this name and password, else None (timing does not tell which)."""
    user = session.scalar(select(User).where(User.name == (name or "").strip()))
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        _HASHER.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active or not user.password_hash:
        return None
    return user


@dataclass(frozen=True)
class BrowserSession:
    """A login: `session_id` goes into the HttpOnly cookie, `csrf_token` into every form."""

    session_id: str
    csrf_token: str


def open_browser_session(session: Session, user: User, hours: int) -> BrowserSession:
    raw = new_secret()
    csrf = new_secret()
    now = utcnow()
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    session.add(
        WebSession(
            id_hash=secret_hash(raw),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return BrowserSession(session_id=raw, csrf_token=csrf)


def browser_session_user(session: Session, raw: str) -> tuple[User, WebSession] | None:
    if not raw:
        return None
    web = session.get(WebSession, secret_hash(raw))
    if web is None or as_utc(web.expires_at) < utcnow():
        return None
    user = session.get(User, web.user_id)
    if user is None or not user.active:
        return None
    return user, web


def close_browser_session(session: Session, raw: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id_hash == secret_hash(raw)))


def same_secret(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


@dataclass(frozen=True)
class Principal:
    """An authenticated user as the routes see it: a plain value, safe to cache and share."""

    id: int
    name: str
    role: str
    bureau: str | None
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> Principal:
        return cls(user.id, user.name, user.role, user.bureau, user.active, user.created_at)


_PRINCIPAL_BY_TOKEN = select(
    User.id,
    User.name,
    User.role,
    User.bureau,
    User.active,
    User.created_at,
    User.token_expires_at,
).where(User.token_hash == bindparam("token_hash"))


def principal_by_token(session: Session, token: str) -> Principal | None:
    """`user_by_token` as a Principal, read as one row (no ORM object, a statement built
    once): what every API request asks first, so it is kept cheap; the same rules."""
    if not token:
        return None
    found = session.connection().execute(_PRINCIPAL_BY_TOKEN, {"token_hash": secret_hash(token)})
    row = found.first()
    if row is None or not row.active:
        return None
    expires = as_utc(row.token_expires_at)
    return Principal.of(row) if expires is not None and expires > utcnow() else None


def scope_of(user: User | Principal) -> Scope:
    return Scope(user_id=user.id, user_name=user.name, role=user.role, bureau=user.bureau)
