"""Sign-in throttle: failed attempts counted per account and per address, in the database (so
that every service process sees them), with a lockout that an admin can lift."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from intake.persistence.records import LoginThrottle, as_utc, utcnow


@dataclass(frozen=True)
class ThrottlePolicy:
    """`account_failures` wrong passwords for one name, or `address_failures` from one
    address, within `window` lock that name or address for `lock`."""

    account_failures: int = 5
    address_failures: int = 20
    window: timedelta = timedelta(minutes=15)
    lock: timedelta = timedelta(minutes=15)


def account_key(name: str) -> str:
    return f"user:{(name or '').strip()[:150]}"


def address_key(address: str | None) -> str:
    return f"addr:{(address or 'unknown')[:150]}"


def locked_until(session: Session, keys: list[str], now: datetime | None = None) -> datetime | None:
    """The latest lock in force on any of `keys`, or None."""
    now = now or utcnow()
    ends = [
        as_utc(row.locked_until)
        for row in session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))
        if row.locked_until is not None and as_utc(row.locked_until) > now
    ]
    return max(ends) if ends else None


def record_failure(
    session: Session, account: str, address: str, policy: ThrottlePolicy
) -> datetime | None:
    """Count a failed sign-in; the lock it brings into force, if any."""
    now = utcnow()
    for key, limit in ((account, policy.account_failures), (address, policy.address_failures)):
        row = session.get(LoginThrottle, key, with_for_update=True)
        if row is None:
            row = LoginThrottle(key=key, failures=0, window_start=now)
            session.add(row)
        if as_utc(row.window_start) + policy.window < now:
            row.failures, row.window_start = 0, now
        row.failures += 1
        if row.failures >= limit:
            row.locked_until = now + policy.lock
            row.failures, row.window_start = 0, now
    session.flush()
    return locked_until(session, [account, address], now)


def clear(session: Session, key: str) -> bool:
    """Forget a name's or an address's failures and lift its lock; whether there was any."""
    return bool(session.execute(delete(LoginThrottle).where(LoginThrottle.key == key)).rowcount)


def lockout_message(until: datetime) -> str:
    minutes = max(1, round((until - utcnow()).total_seconds() / 60))
    return f"登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试；如需立即解锁，请联系管理员"
