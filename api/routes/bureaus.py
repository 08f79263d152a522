"""Bureaus and their 推荐产品汇总表 (summary of the filings they received), as XLSX or CSV."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Response

from api.deps import BureauScope, Filter, SessionDep
from api.schemas import BureauPublic, ListOf
from intake.presentation.bureau_summary import SummaryQuery, summary_csv, summary_rows, summary_xlsx
from intake.service.filings import not_found
from validators.bureaus import load_bureaus

router = APIRouter(prefix="/api/bureaus", tags=["bureaus"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("", response_model=ListOf[BureauPublic])
def list_bureaus(scope: BureauScope) -> ListOf[BureauPublic]:
    bureaus = [b for code, b in sorted(load_bureaus().items()) if scope.allows(code)]
    data = [BureauPublic(**b.model_dump()) for b in bureaus]
    return ListOf[BureauPublic](data=data, count=len(data))


def _summary(session, scope, code: str, campaign: str | None, status: str | None):
    bureau = load_bureaus().get(code)
    if bureau is None or not scope.allows(code):
        raise not_found("受理单位", code)
    return bureau, summary_rows(session, SummaryQuery(code, campaign, status))


def attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename, safe='')}"}


@router.get(
    "/{code}/summary.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}}
)
def summary_as_xlsx(
    code: str,
    session: SessionDep,
    scope: BureauScope,
    campaign: Filter = None,
    status: Filter = None,
) -> Response:
    """The bureau's 推荐产品汇总表: one row per filing, its check state and recommendation."""
    bureau, rows = _summary(session, scope, code, campaign, status)
    body = summary_xlsx(bureau, rows, campaign)
    return Response(body, media_type=XLSX, headers=attachment(f"{bureau.name}推荐产品汇总表.xlsx"))


@router.get(
    "/{code}/summary.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}}
)
def summary_as_csv(
    code: str,
    session: SessionDep,
    scope: BureauScope,
    campaign: Filter = None,
    status: Filter = None,
) -> Response:
    """The same table as CSV (UTF-8 with BOM, so that Excel shows the Chinese text)."""
    bureau, rows = _summary(session, scope, code, campaign, status)
    return Response(
        summary_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers=attachment(f"{bureau.name}推荐产品汇总表.csv"),
    )
