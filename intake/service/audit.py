"""The append-only audit log: every filing change, import, decision and correction, who and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.persistence.records import AuditEntry, utcnow
from intake.service.scope import Scope


def record(
    session: Session,
    actor: Scope,
    action: str,
    filing_id: str | None,
    *,
    target: str | None = None,
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (it commits with the change it describes)."""
    entry = AuditEntry(
        filing_id=filing_id,
        user_id=actor.user_id,
        user_name=actor.user_name,
        action=action,
        target=target,
        before=before,
        after=after,
        at=utcnow(),
    )
    session.add(entry)
    return entry


def history(session: Session, filing_id: str) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.filing_id == filing_id).order_by(AuditEntry.id)
        )
    )
