"""Flags: list and filter across filings, read one, confirm it or dismiss it with a reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import BureauScope, Filter, IdPath, Offset, SessionDep
from api.schemas import DecisionIn, FlagPublic, ListOf
from intake.service import review
from intake.service.filings import MAX_PAGE_SIZE

router = APIRouter(prefix="/api/flags", tags=["flags"])


@router.get("", response_model=ListOf[FlagPublic])
def list_flags(
    session: SessionDep,
    scope: BureauScope,
    bureau: Filter = None,
    status: Annotated[
        str | None, Query(max_length=16, description="open, confirmed, dismissed, resolved")
    ] = None,
    code: Filter = None,
    filing_id: Filter = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    offset: Offset = 0,
) -> Response:
    query = review.FlagQuery(bureau, status, code, filing_id, limit, offset)
    rows, count = review.list_flags(session, scope, query)
    every = scope.bureau is None
    data = [FlagPublic.seen_by(r, every) for r in rows]
    return ListOf[FlagPublic](data=data, count=count).response()


@router.get("/{flag_id}", response_model=FlagPublic)
def get_flag(flag_id: IdPath, session: SessionDep, scope: BureauScope) -> FlagPublic:
    return FlagPublic.seen_by(review.get_flag(session, scope, flag_id), scope.bureau is None)


@router.post("/{flag_id}/decision", response_model=FlagPublic)
def decide(
    flag_id: IdPath, body: DecisionIn, session: SessionDep, scope: BureauScope
) -> FlagPublic:
    """Confirm the flag, or dismiss it with a reason (required); recorded in the audit log."""
    flag = review.decide_flag(session, scope, flag_id, body.decision, body.reason)
    session.commit()
    return FlagPublic.seen_by(flag, scope.bureau is None)
