"""Named dependencies of the routes: settings, session, storage, queue, current user, scope."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from core.errors import CsrfFailed, Forbidden, Unauthorized
from core.filing import LIMITS
from core.settings import Settings
from intake.jobs.queues import JobQueue
from intake.persistence.database import Database
from intake.persistence.storage import Storage
from intake.service.accounts import (
    Principal,
    browser_session_user,
    principal_by_token,
    same_secret,
    scope_of,
)
from intake.service.scope import Scope

SESSION_COOKIE = "intake_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
T = TypeVar("T")


@dataclass
class Services:
    """What the running app holds: built in the lifespan, reached through the dependencies."""

    settings: Settings
    db: Database
    storage: Storage
    queue: JobQueue


def services_of(request: Request) -> Services:
    return request.app.state.services


# The dependencies that only hand out what the app holds are `async`: FastAPI runs them in
# the event loop instead of sending each to the thread pool.


async def get_settings_dep(request: Request) -> Settings:
    return services_of(request).settings


async def get_storage(request: Request) -> Storage:
    return services_of(request).storage


async def get_queue(request: Request) -> JobQueue:
    return services_of(request).queue


async def get_db(request: Request) -> Database:
    return services_of(request).db


_INLINE = "intake_inline"


async def get_session(
    request: Request, db: Annotated[Database, Depends(get_db)]
) -> AsyncIterator[Session]:
    """A session per request; requests that may write take the write lock at BEGIN (SQLite).

    Opening a session touches no connection; the route (in the thread pool) does the I/O,
    or `on_session` does.
    """
    write = request.method not in SAFE_METHODS
    session = db.new_session(write=write)
    session.info[_INLINE] = db.local and not write
    try:
        yield session
    finally:
        await on_session(session, session.close)


async def on_session(session: Session, work: Callable[..., T], *args: Any) -> T:
    """`work(*args)` on the request's session: in the event loop itself for a read of an
    embedded database (SQLite in WAL mode: a local read that never waits for a writer takes
    less time than handing it to a thread, and spares the thread pool's contention for the
    GIL that makes a loaded process's slowest answers slow); in the thread pool for a
    request that writes (it may wait for the write lock) or a database over the network."""
    if session.info.get(_INLINE):
        return work(*args)
    return await run_in_threadpool(work, *args)


_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
IdPath = Annotated[int, Path(ge=0, le=LIMITS.max_int, description="a number id")]
"""A numeric id in a path: above 2^63-1 it cannot be stored, so it is refused (422)."""
FilingIdPath = Annotated[str, Path(max_length=LIMITS.filing_id, pattern=_PRINTABLE)]
Offset = Annotated[int, Query(ge=0, le=LIMITS.max_int)]
Filter = Annotated[str | None, Query(max_length=LIMITS.query, pattern=_PRINTABLE)]
"""A list filter or search text: bounded, and no control characters."""

SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DatabaseDep = Annotated[Database, Depends(get_db)]
SessionDep = Annotated[Session, Depends(get_session)]
StorageDep = Annotated[Storage, Depends(get_storage)]
QueueDep = Annotated[JobQueue, Depends(get_queue)]


@dataclass
class Authenticated:
    """Who is calling, and how: an API token, or a browser session (which needs CSRF tokens)."""

    user: Principal
    csrf_token: str | None = None
    """Set for a browser session: its unsafe requests must send it back."""

    @property
    def via_browser(self) -> bool:
        return self.csrf_token is not None


def _by_token(session: Session, token: str) -> Principal | None:
    return principal_by_token(session, token)


def _by_cookie(session: Session, cookie: str) -> Authenticated | None:
    found = browser_session_user(session, cookie)
    if found is None:
        return None
    return Authenticated(Principal.of(found[0]), found[1].csrf_token)


async def authenticate(request: Request, session: SessionDep) -> Authenticated:
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("令牌无效或已停用")
        principal = await on_session(session, _by_token, session, token)
        if principal is None:
            raise Unauthorized("令牌无效、已停用或已过期")
        return Authenticated(principal)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        found = await on_session(session, _by_cookie, session, cookie)
        if found is None:
            raise Unauthorized("登录已过期，请重新登录")
        return found
    raise Unauthorized("请先登录或提供令牌：Authorization: Bearer <token>")


async def require_csrf(
    request: Request, caller: Annotated[Authenticated, Depends(authenticate)]
) -> Authenticated:
    """A browser session's unsafe requests must carry its CSRF token (header or form field)."""
    if not caller.via_browser or request.method in SAFE_METHODS:
        return caller
    sent = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if not sent and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not same_secret(sent, caller.csrf_token):
        raise CsrfFailed("缺少或错误的 CSRF 令牌，请刷新页面后重试")
    return caller


CurrentUser = Annotated[Authenticated, Depends(require_csrf)]


async def bureau_scope(caller: CurrentUser) -> Scope:
    """The caller's jurisdiction: a clerk's bureau, or every bureau for reviewers and admins."""
    return scope_of(caller.user)


BureauScope = Annotated[Scope, Depends(bureau_scope)]


async def admin_scope(caller: CurrentUser) -> Scope:
    if caller.user.role != "admin":
        raise Forbidden("只有管理员可以管理用户")
    return scope_of(caller.user)


AdminScope = Annotated[Scope, Depends(admin_scope)]


# --------------------------------------------------------------------------- pages


class SignInRequired(Exception):
    """A page was asked for without a working browser session.

    `expired`: the browser sent a session cookie that no longer works (timed out or signed
    out elsewhere) — shown as the expired-session page; otherwise the browser is sent to /login.
    """

    def __init__(self, expired: bool):
        super().__init__("登录已过期，请重新登录" if expired else "请先登录")
        self.expired = expired


async def page_caller(request: Request, session: SessionDep) -> Authenticated:
    """The signed-in user of a page (GET only: the pages' writes go through the API with CSRF)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise SignInRequired(expired=False)
    found = await on_session(session, _by_cookie, session, cookie)
    if found is None:
        raise SignInRequired(expired=True)
    return found


PageUser = Annotated[Authenticated, Depends(page_caller)]
