"""Accounts that can be stopped: deactivation on the next request, tokens that expire and can
be rotated or revoked, password resets, a sign-in lockout an admin can lift, `intake users`."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from core.errors import InvalidInput
from core.settings import get_settings
from intake.cli.main import main
from intake.persistence.database import Database
from intake.persistence.records import User, utcnow
from intake.service.accounts import create_user
from tests.api_support import running_service, service_settings

PASSWORD = "correct-horse"


@pytest.fixture
def service(tmp_path: Path):
    settings = service_settings(tmp_path, login_max_failures=3, login_max_failures_per_address=6)
    with running_service(settings) as (client, users):
        yield client, users, settings


def _login(client, name: str, password: str):
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": csrf},
        follow_redirects=False,
    )


def test_deactivation_counts_from_the_next_request(service) -> None:
    client, users, _settings = service
    clerk, admin = users.headers("clerk_sz"), users.headers("admin")
    for _ in range(3):  # a clerk busy calling: nothing it has done keeps it in
        assert client.get("/api/me", headers=clerk).status_code == 200
    stopped = client.post("/api/users/clerk_sz/active", json={"active": False}, headers=admin)
    assert stopped.status_code == 200 and stopped.json()["active"] is False
    refused = client.get("/api/me", headers=clerk)
    assert refused.status_code == 401 and "停用" in refused.json()["error"]["message"]
    assert _login(client, "clerk_sz", PASSWORD).status_code == 401
    assert client.post(
        "/api/users/clerk_sz/active", json={"active": True}, headers=admin
    ).is_success
    assert client.get("/api/me", headers=clerk).status_code == 200
    assert (
        client.post("/api/users/clerk_sz/active", json={"active": True}, headers=clerk).status_code
        == 403
    )


def test_a_deactivated_browser_session_stops_too(service) -> None:
    client, users, _settings = service
    assert _login(client, "reviewer", PASSWORD).status_code == 303
    assert client.get("/api/me").status_code == 200
    admin = users.headers("admin")
    client.post("/api/users/reviewer/active", json={"active": False}, headers=admin)
    assert client.get("/api/me").status_code == 401


def test_tokens_expire_and_can_be_rotated_and_revoked(service) -> None:
    client, users, settings = service
    clerk, admin = users.headers("clerk_sz"), users.headers("admin")
    listed = client.get("/api/users", headers=admin).json()["data"]
    mine = next(u for u in listed if u["name"] == "clerk_sz")
    assert mine["token_expires_at"] is not None
    db = Database(settings.effective_database_url)
    try:
        with db.session(write=True) as session:
            session.execute(
                update(User)
                .where(User.name == "clerk_sz")
                .values(token_expires_at=utcnow() - timedelta(seconds=1))
            )
    finally:
        db.dispose()
    expired = client.get("/api/me", headers=clerk)
    assert expired.status_code == 401 and "过期" in expired.json()["error"]["message"]

    rotated = client.post("/api/users/clerk_sz/token", headers=admin)
    assert rotated.status_code == 200
    fresh = {"Authorization": f"Bearer {rotated.json()['token']}"}
    assert client.get("/api/me", headers=fresh).status_code == 200
    assert client.get("/api/me", headers=clerk).status_code == 401
    assert client.delete("/api/users/clerk_sz/token", headers=admin).status_code == 200
    assert client.get("/api/me", headers=fresh).status_code == 401
    assert client.post("/api/users/nobody/token", headers=admin).status_code == 404


def test_password_reset_signs_the_account_out(service) -> None:
    client, users, _settings = service
    assert _login(client, "clerk_sz", PASSWORD).status_code == 303
    assert client.get("/api/me").status_code == 200
    admin = users.headers("admin")
    short = client.post("/api/users/clerk_sz/password", json={"password": "x"}, headers=admin)
    assert short.status_code == 422
    reset = client.post(
        "/api/users/clerk_sz/password", json={"password": "a-new-long-one"}, headers=admin
    )
    assert reset.status_code == 200
    assert client.get("/api/me").status_code == 401
    assert _login(client, "clerk_sz", PASSWORD).status_code == 401
    assert _login(client, "clerk_sz", "a-new-long-one").status_code == 303


def test_wrong_passwords_lock_the_account_until_an_admin_lifts_it(service) -> None:
    client, users, _settings = service
    for _ in range(2):
        assert _login(client, "clerk_sz", "wrong-password").status_code == 401
    locked = _login(client, "clerk_sz", "wrong-password")
    assert locked.status_code == 429 and "登录失败次数过多" in locked.text
    assert "联系管理员" in locked.text
    right = _login(client, "clerk_sz", PASSWORD)
    assert right.status_code == 429 and "intake_session" not in client.cookies
    assert _login(client, "reviewer", PASSWORD).status_code == 303  # others are not locked
    client.cookies.clear()
    lifted = client.delete("/api/users/clerk_sz/lockout", headers=users.headers("admin"))
    assert lifted.status_code == 200
    assert _login(client, "clerk_sz", PASSWORD).status_code == 303


def test_one_address_trying_many_names_is_locked(service) -> None:
    client, _users, _settings = service
    statuses = [_login(client, f"guess{n}", "wrong-password").status_code for n in range(6)]
    assert statuses == [401] * 5 + [429]
    assert _login(client, "reviewer", PASSWORD).status_code == 429


def test_intake_users_lists_deactivates_resets_and_rotates(service, monkeypatch, capsys) -> None:
    client, users, settings = service
    monkeypatch.setenv("INTAKE_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    try:
        assert main(["users", "list"]) == 0
        listed = capsys.readouterr().out
        assert re.search(r"clerk_sz\tclerk\t320500\t启用\t令牌有效至", listed)

        assert main(["users", "deactivate", "clerk_sz"]) == 0
        assert "已停用" in capsys.readouterr().err
        assert client.get("/api/me", headers=users.headers("clerk_sz")).status_code == 401
        assert main(["users", "activate", "clerk_sz"]) == 0

        assert main(["users", "rotate-token", "clerk_sz"]) == 0
        token = capsys.readouterr().out.strip()
        assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).is_success
        assert client.get("/api/me", headers=users.headers("clerk_sz")).status_code == 401

        assert main(["users", "revoke-token", "clerk_sz"]) == 0
        assert (
            client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        )

        monkeypatch.setattr("sys.stdin", io.StringIO("another-password\n"))
        assert main(["users", "reset-password", "clerk_sz"]) == 0
        assert _login(client, "clerk_sz", "another-password").status_code == 303

        for _ in range(3):
            _login(client, "reviewer", "wrong-password")
        assert _login(client, "reviewer", PASSWORD).status_code == 429
        capsys.readouterr()
        assert main(["users", "unlock", "reviewer"]) == 0
        assert "已解除" in capsys.readouterr().err
        assert _login(client, "reviewer", PASSWORD).status_code == 303
        assert main(["users", "deactivate", "nobody"]) == 2
    finally:
        get_settings.cache_clear()
    db = Database(settings.effective_database_url)
    try:
        with db.session() as session:
            assert session.scalar(select(User.active).where(User.name == "clerk_sz")) is True
    finally:
        db.dispose()


def test_account_errors_name_the_role_in_chinese_only(service) -> None:
    """A clerk without a bureau, a reviewer with one, a role there is none of: each refused in
    words a clerk reads, the role by its Chinese name, never its code."""
    client, users, settings = service
    admin = users.headers("admin")
    no_bureau = client.post("/api/users", json={"name": "新经办", "role": "clerk"}, headers=admin)
    assert no_bureau.status_code == 422
    message = no_bureau.json()["error"]["message"]
    assert message.startswith("经办人须指定受理单位代码，可选：") and "clerk" not in message
    with_bureau = client.post(
        "/api/users", json={"name": "新审核", "role": "reviewer", "bureau": "320500"}, headers=admin
    )
    assert with_bureau.status_code == 422
    assert with_bureau.json()["error"]["message"] == "只有经办人属于某个受理单位"
    db = Database(settings.effective_database_url)
    try:
        with db.session(write=True) as session, pytest.raises(InvalidInput) as caught:
            create_user(session, "新人", "auditor", None, PASSWORD)
    finally:
        db.dispose()
    assert caught.value.message == "角色须为经办人、审核人、管理员之一"
