"""Signing in and out of the pages (cookie session with a CSRF token), and who am I."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SESSION_COOKIE, CurrentUser, SessionDep, SettingsDep
from api.routes.pages import render
from api.schemas import Me, UserPublic
from core.filing import LIMITS
from core.settings import Settings
from intake.service import throttle
from intake.service.accounts import (
    close_browser_session,
    new_secret,
    open_browser_session,
    same_secret,
    verify_login,
)

router = APIRouter(tags=["auth"])

LOGIN_CSRF_COOKIE = "intake_login_csrf"


def policy(settings: Settings) -> throttle.ThrottlePolicy:
    return throttle.ThrottlePolicy(
        account_failures=settings.login_max_failures,
        address_failures=settings.login_max_failures_per_address,
        window=timedelta(minutes=settings.login_window_minutes),
        lock=timedelta(minutes=settings.login_lock_minutes),
    )


def _login_page(
    request: Request,
    csrf: str,
    error: str | None = None,
    status: int = 200,
    next_path: str | None = None,
    name: str | None = None,
) -> HTMLResponse:
    response = render(
        request,
        "login.html",
        {"login_csrf": csrf, "error": error, "next": safe_next(next_path), "name": name},
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="strict", path="/login", max_age=3600
    )
    return response


def safe_next(path: str | None) -> str | None:
    """Where to go after signing in: a path of this site only (never another host)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return None
    if any(ord(ch) < 32 for ch in path) or path.startswith("/login"):
        return None
    return path


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _login_page(request, new_secret(), next_path=next)


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    if not same_secret(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _login_page(request, new_secret(), "页面已过期，请重新登录", 403, next, name)
    account = throttle.account_key(name)
    address = throttle.address_key(request.client.host if request.client else None)
    until = throttle.locked_until(session, [account, address])
    if until is not None:  # locked: not even the right password is tried
        return _login_page(request, new_secret(), throttle.lockout_message(until), 429, next, name)
    user = verify_login(session, name[: LIMITS.query], password[: LIMITS.password])
    if user is None:
        until = throttle.record_failure(session, account, address, policy(settings))
        session.commit()
        if until is not None:
            message = throttle.lockout_message(until)
            return _login_page(request, new_secret(), message, 429, next, name)
        return _login_page(request, new_secret(), "用户名或密码错误", 401, next, name)
    throttle.clear(session, account)
    browser = open_browser_session(session, user, settings.session_hours)
    session.commit()
    response = RedirectResponse(safe_next(next) or "/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        browser.session_id,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
        max_age=settings.session_hours * 3600,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request, session: SessionDep, caller: CurrentUser) -> Response:
    raw = request.cookies.get(SESSION_COOKIE)
    if raw and caller.via_browser:
        close_browser_session(session, raw)
        session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/api/me", response_model=Me, tags=["auth"])
def me(caller: CurrentUser) -> Me:
    """The signed-in user, with the CSRF token a browser session's forms must send."""
    return Me(**UserPublic.of(caller.user).model_dump(), csrf_token=caller.csrf_token)
