"""Flags: list and filter across filings, read one, confirm it or dismiss it with a reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from api.deps import BureauScope, Filter, IdPath, Offset, SessionDep, on_session
from api.list_json import flag_items, list_response
from api.schemas import DecisionIn, FlagPublic, ListOf
from core.filing import LIMITS
from intake.service import lists, review
from intake.service.scope import Scope

router = APIRouter(prefix="/api/flags", tags=["flags"])


@router.get("", response_model=ListOf[FlagPublic])
async def list_flags(
    session: SessionDep,
    scope: BureauScope,
    bureau: Filter = None,
    status: Annotated[
        str | None, Query(max_length=16, description="open, confirmed, dismissed, resolved")
    ] = None,
    code: Filter = None,
    filing_id: Filter = None,
    limit: Annotated[int, Query(ge=1, le=lists.MAX_PAGE_SIZE)] = 50,
    offset: Offset = 0,
    after: Annotated[
        int | None,
        Query(
            ge=0, le=LIMITS.max_int, description="keyset paging: the last id of the previous page"
        ),
    ] = None,
) -> Response:
    """Flags in the caller's scope by filing and order raised; `count` is every match,
    `after` (or `offset`) pages."""
    query = lists.FlagQuery(bureau, status, code, filing_id, limit, offset, after)
    return await on_session(session, _flags_page, session, scope, query)


def _flags_page(session: Session, scope: Scope, query: lists.FlagQuery) -> Response:
    rows, count = lists.list_flags(session, scope, query)
    return list_response(flag_items(rows, scope.bureau is None), count)


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
