"""Signing in and out of the pages (cookie session with a CSRF token), and who am I."""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import CSRF_FIELD, SESSION_COOKIE, CurrentUser, SessionDep, SettingsDep
from api.schemas import Me, UserPublic
from intake.accounts import (
    browser_session_user,
    close_browser_session,
    new_secret,
    open_browser_session,
    same_secret,
    verify_login,
)

router = APIRouter(tags=["auth"])

LOGIN_CSRF_COOKIE = "intake_login_csrf"

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — 首版次软件产品征集材料核验</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; background: #f4f5f7;
  margin: 0; display: flex; min-height: 100vh; align-items: center; justify-content: center; }}
main {{ background: #fff; padding: 2rem 2.5rem; border-radius: 6px; min-width: 20rem;
  box-shadow: 0 1px 4px rgba(0,0,0,.15); }}
h1 {{ font-size: 1.2rem; margin: 0 0 1.2rem; }}
label {{ display: block; margin: .8rem 0 .3rem; }}
input[type=text], input[type=password] {{ width: 100%; padding: .45rem; box-sizing: border-box; }}
button {{ margin-top: 1.2rem; padding: .5rem 1.4rem; }}
.error {{ color: #b00020; }}
</style></head>
<body><main>{body}</main></body></html>"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title=html.escape(title), body=body), status_code=status)


def _login_page(csrf: str, error: str | None = None, status: int = 200) -> HTMLResponse:
    message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    body = f"""<h1>首版次软件产品征集材料核验 · 登录</h1>{message}
<form method="post" action="/login">
<input type="hidden" name="{CSRF_FIELD}" value="{html.escape(csrf)}">
<label for="name">用户名</label><input id="name" name="name" type="text" autocomplete="username" required>
<label for="password">密码</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">登录</button></form>"""
    response = _page("登录", body, status)
    response.set_cookie(
        LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="strict", path="/login", max_age=3600
    )
    return response


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form() -> HTMLResponse:
    return _login_page(new_secret())


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    if not same_secret(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _login_page(new_secret(), "页面已过期，请重新登录", status=403)
    user = verify_login(session, name, password)
    if user is None:
        return _login_page(new_secret(), "用户名或密码错误", status=401)
    browser = open_browser_session(session, user, settings.session_hours)
    session.commit()
    response = RedirectResponse("/", status_code=303)
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


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request, session: SessionDep) -> Response:
    found = browser_session_user(session, request.cookies.get(SESSION_COOKIE, ""))
    if found is None:
        return RedirectResponse("/login", status_code=303)
    user, web = found
    where = f"（{html.escape(user.bureau)}）" if user.bureau else ""
    body = f"""<h1>已登录：{html.escape(user.name)}{where}</h1>
<p>角色：{html.escape(user.role)}。接口文档见 <a href="/docs">/docs</a>。</p>
<form method="post" action="/logout">
<input type="hidden" name="{CSRF_FIELD}" value="{html.escape(web.csrf_token)}">
<button type="submit">退出登录</button></form>"""
    return _page("首页", body)


@router.get("/api/me", response_model=Me, tags=["auth"])
def me(caller: CurrentUser) -> Me:
    """The signed-in user, with the CSRF token a browser session's forms must send."""
    return Me(**UserPublic.of(caller.user).model_dump(), csrf_token=caller.csrf_token)
