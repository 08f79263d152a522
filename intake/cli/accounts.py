"""`intake users list | deactivate | activate | reset-password | rotate-token | revoke-token | unlock`."""

from __future__ import annotations

import sys
from collections.abc import Callable

from core.errors import UsageError
from intake.persistence.records import as_utc


def manage(command: str, name: str | None, settings_of: Callable, read_password: Callable) -> int:
    from intake.persistence.database import Database, upgrade
    from intake.service import accounts, throttle

    settings = settings_of()
    password = read_password() if command == "reset-password" else None
    upgrade(settings.effective_database_url)
    db = Database(settings.effective_database_url)
    try:
        with db.session(write=True) as session:
            if command == "list":
                for user in accounts.list_users(session):
                    expires = as_utc(user.token_expires_at)
                    print(
                        "\t".join(
                            [
                                user.name,
                                user.role,
                                user.bureau or "-",
                                "启用" if user.active else "已停用",
                                f"令牌有效至 {expires:%Y-%m-%d %H:%M} UTC"
                                if expires
                                else "令牌已失效",
                            ]
                        )
                    )
                return 0
            if command == "deactivate":
                accounts.set_active(session, name, False)
                message = f"已停用用户 {name}：其令牌和登录会话从下一次请求起失效"
            elif command == "activate":
                accounts.set_active(session, name, True)
                message = f"已重新启用用户 {name}"
            elif command == "reset-password":
                accounts.reset_password(session, name, password)
                message = f"已为用户 {name} 设置新密码，其登录会话均已退出"
            elif command == "rotate-token":
                rotated = accounts.rotate_token(session, name, settings.token_days)
                print(
                    f"已为用户 {name} 签发新令牌（{settings.token_days} 天内有效），旧令牌已失效。"
                    "新令牌只显示这一次：",
                    file=sys.stderr,
                )
                print(rotated.token)
                return 0
            elif command == "revoke-token":
                accounts.revoke_token(session, name)
                message = f"用户 {name} 的 API 令牌已吊销"
            elif command == "unlock":
                user = accounts.find_user(session, name)
                lifted = throttle.clear(session, throttle.account_key(user.name))
                message = f"已解除用户 {name} 的登录锁定" if lifted else f"用户 {name} 没有被锁定"
            else:
                raise UsageError(f"未知命令：users {command}")
    finally:
        db.dispose()
    print(message, file=sys.stderr)
    return 0
