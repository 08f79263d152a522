"""Accounts, managed by admins: create, list, deactivate, reset a password, rotate or revoke a
token, lift a sign-in lockout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import AdminScope, SessionDep, SettingsDep
from api.schemas import (
    ListOf,
    PasswordIn,
    UserActiveIn,
    UserCreate,
    UserCreated,
    UserPublic,
)
from intake.service import accounts, throttle

router = APIRouter(prefix="/api/users", tags=["users"])

UserName = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("", response_model=UserCreated, status_code=201)
def add_user(
    body: UserCreate, session: SessionDep, settings: SettingsDep, _admin: AdminScope
) -> UserCreated:
    """Create an account; the response holds its API token, which is not shown again."""
    created = accounts.create_user(
        session, body.name, body.role, body.bureau, body.password, token_days=settings.token_days
    )
    session.commit()
    return UserCreated(**UserPublic.of(created.user).model_dump(), token=created.token)


@router.get("", response_model=ListOf[UserPublic])
def list_users(session: SessionDep, _admin: AdminScope) -> ListOf[UserPublic]:
    users = accounts.list_users(session)
    return ListOf[UserPublic](data=[UserPublic.of(u) for u in users], count=len(users))


@router.post("/{name}/active", response_model=UserPublic)
def set_active(
    name: UserName, body: UserActiveIn, session: SessionDep, _admin: AdminScope
) -> UserPublic:
    """Deactivate an account (its token and sessions stop at their next request) or reactivate it."""
    user = accounts.set_active(session, name, body.active)
    session.commit()
    return UserPublic.of(user)


@router.post("/{name}/password", response_model=UserPublic)
def reset_password(
    name: UserName, body: PasswordIn, session: SessionDep, _admin: AdminScope
) -> UserPublic:
    """Set a new password; the account's browser sessions are signed out."""
    user = accounts.reset_password(session, name, body.password)
    session.commit()
    return UserPublic.of(user)


@router.post("/{name}/token", response_model=UserCreated)
def rotate_token(
    name: UserName, session: SessionDep, settings: SettingsDep, _admin: AdminScope
) -> UserCreated:
    """A new API token (shown once); the old one stops working."""
    rotated = accounts.rotate_token(session, name, settings.token_days)
    session.commit()
    return UserCreated(**UserPublic.of(rotated.user).model_dump(), token=rotated.token)


@router.delete("/{name}/token", response_model=UserPublic)
def revoke_token(name: UserName, session: SessionDep, _admin: AdminScope) -> UserPublic:
    """The API token stops working at once."""
    user = accounts.revoke_token(session, name)
    session.commit()
    return UserPublic.of(user)


@router.delete("/{name}/lockout", response_model=UserPublic)
def unlock(name: UserName, session: SessionDep, _admin: AdminScope) -> UserPublic:
    """Lift the account's sign-in lockout (after too many wrong passwords)."""
    user = accounts.find_user(session, name)
    throttle.clear(session, throttle.account_key(user.name))
    session.commit()
    return UserPublic.of(user)
