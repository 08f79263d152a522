"""Accounts and sign-in: hashed tokens and passwords, cookie sessions with CSRF, admin-only users."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from intake.persistence.database import Database
from intake.persistence.records import AuditEntry, AuditLogIsAppendOnly, User, WebSession
from tests.api_support import SUZHOU, filing_data, running_service, service_settings

PASSWORD = "correct-horse"


@pytest.fixture
def service(tmp_path: Path):
    settings = service_settings(tmp_path)
    with running_service(settings) as (client, users):
        yield client, users, settings


def _login(client, name: str, password: str) -> None:
    page = client.get("/login")
    assert page.status_code == 200 and "登录" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": csrf},
        follow_redirects=False,
    )
    return response


def test_secrets_are_stored_hashed(service) -> None:
    _client, users, settings = service
    db = Database(settings.effective_database_url)
    try:
        with db.session() as session:
            stored = {u.name: u for u in session.scalars(select(User))}
    finally:
        db.dispose()
    for name, token in users.tokens.items():
        assert stored[name].token_hash != token and token not in stored[name].token_hash
        assert len(stored[name].token_hash) == 64
        assert stored[name].password_hash.startswith("$argon2id$")
        assert PASSWORD not in stored[name].password_hash


def test_login_page_is_self_contained(service) -> None:
    client, _users, _ = service
    page = client.get("/login")
    assert "<form" in page.text and "http" not in page.text.split("<body>")[1]
    assert 'lang="zh-CN"' in page.text


def test_login_sets_a_safe_cookie_and_checks_csrf(service) -> None:
    client, _users, _ = service
    response = _login(client, "clerk_sz", PASSWORD)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "intake_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    me = client.get("/api/me")
    assert me.status_code == 200
    body = me.json()
    assert body["name"] == "clerk_sz" and body["bureau"] == SUZHOU and body["csrf_token"]

    filing = filing_data("JS-320500-COOKIE-1")
    refused = client.post("/api/filings", json=filing)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    wrong = client.post("/api/filings", json=filing, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    accepted = client.post(
        "/api/filings", json=filing, headers={"X-CSRF-Token": body["csrf_token"]}
    )
    assert accepted.status_code == 201

    home = client.get("/")
    assert home.status_code == 200 and "clerk_sz" in home.text
    no_token = client.post("/logout", data={}, follow_redirects=False)
    assert no_token.status_code == 403
    out = client.post("/logout", data={"csrf_token": body["csrf_token"]}, follow_redirects=False)
    assert out.status_code == 303
    client.cookies.clear()
    assert client.get("/api/me").status_code == 401


def test_bad_password_and_missing_login_csrf(service) -> None:
    client, _users, _ = service
    bad = _login(client, "clerk_sz", "wrong-password")
    assert bad.status_code == 401 and "用户名或密码错误" in bad.text
    unknown = _login(client, "nobody", PASSWORD)
    assert unknown.status_code == 401
    client.cookies.clear()
    forged = client.post(
        "/login",
        data={"name": "clerk_sz", "password": PASSWORD, "csrf_token": "x"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert "intake_session" not in client.cookies


def test_expired_session_is_refused(service) -> None:
    client, _users, settings = service
    assert _login(client, "reviewer", PASSWORD).status_code == 303
    db = Database(settings.effective_database_url)
    try:
        with db.session(write=True) as session:
            for web in session.scalars(select(WebSession)):
                web.expires_at = web.created_at
    finally:
        db.dispose()
    assert client.get("/api/me").status_code == 401


def test_admin_creates_accounts_with_checked_roles(service) -> None:
    client, users, _ = service
    admin = users.headers("admin")
    created = client.post(
        "/api/users", json={"name": "苏州经办2", "role": "clerk", "bureau": SUZHOU}, headers=admin
    )
    assert created.status_code == 201
    token = created.json()["token"]
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["name"] == "苏州经办2" and me["role"] == "clerk"
    duplicate = client.post(
        "/api/users", json={"name": "苏州经办2", "role": "reviewer"}, headers=admin
    )
    assert duplicate.status_code == 409
    no_bureau = client.post("/api/users", json={"name": "x1", "role": "clerk"}, headers=admin)
    assert no_bureau.status_code == 422
    bad_bureau = client.post(
        "/api/users", json={"name": "x2", "role": "clerk", "bureau": "123456"}, headers=admin
    )
    assert bad_bureau.status_code == 422
    reviewer_bureau = client.post(
        "/api/users", json={"name": "x3", "role": "reviewer", "bureau": SUZHOU}, headers=admin
    )
    assert reviewer_bureau.status_code == 422
    short = client.post(
        "/api/users", json={"name": "x4", "role": "reviewer", "password": "short"}, headers=admin
    )
    assert short.status_code == 422


def test_audit_rows_cannot_be_changed(service) -> None:
    client, users, settings = service
    client.post(
        "/api/filings", json=filing_data("JS-320500-AUDIT-1"), headers=users.headers("clerk_sz")
    )
    db = Database(settings.effective_database_url)
    try:
        with pytest.raises(AuditLogIsAppendOnly), db.session(write=True) as session:
            entry = session.scalars(select(AuditEntry)).first()
            entry.action = "something_else"
        with pytest.raises(AuditLogIsAppendOnly), db.session(write=True) as session:
            session.delete(session.scalars(select(AuditEntry)).first())
        with db.session() as session:
            assert [e.action for e in session.scalars(select(AuditEntry))] == ["filing_created"]
    finally:
        db.dispose()


def test_browser_upload_needs_the_csrf_field(service) -> None:
    from tests.api_support import page_png

    client, users, _ = service
    client.post(
        "/api/filings", json=filing_data("JS-320500-COOKIE-2"), headers=users.headers("clerk_sz")
    )
    assert _login(client, "clerk_sz", PASSWORD).status_code == 303
    csrf = client.get("/api/me").json()["csrf_token"]
    files = [("files", ("a.png", page_png((1, 1, 1)), "image/png"))]
    refused = client.post("/api/filings/JS-320500-COOKIE-2/documents", files=files)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    accepted = client.post(
        "/api/filings/JS-320500-COOKIE-2/documents", files=files, data={"csrf_token": csrf}
    )
    assert accepted.status_code == 202, accepted.text
