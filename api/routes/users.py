"""Accounts, managed by admins: create a clerk, reviewer or admin and hand out its API token."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from api.deps import AdminScope, SessionDep
from api.schemas import ListOf, UserCreate, UserCreated, UserPublic
from intake.persistence.records import User
from intake.service.accounts import create_user

router = APIRouter(prefix="/api/users", tags=["users"])


@router.post("", response_model=UserCreated, status_code=201)
def add_user(body: UserCreate, session: SessionDep, _admin: AdminScope) -> UserCreated:
    """Create an account; the response holds its API token, which is not shown again."""
    created = create_user(session, body.name, body.role, body.bureau, body.password)
    session.commit()
    return UserCreated(**UserPublic.of(created.user).model_dump(), token=created.token)


@router.get("", response_model=ListOf[UserPublic])
def list_users(session: SessionDep, _admin: AdminScope) -> ListOf[UserPublic]:
    users = list(session.scalars(select(User).order_by(User.id)))
    return ListOf[UserPublic](data=[UserPublic.of(u) for u in users], count=len(users))
