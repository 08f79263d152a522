"""The reviewer pages (server-rendered, in Chinese): the bureau's queue, a filing's review, history."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import errors
from api.deps import (
    SESSION_COOKIE,
    Authenticated,
    PageUser,
    SessionDep,
    SettingsDep,
    SignInRequired,
)
from api.page_views import (
    Pager,
    bureau_choices,
    campaign_choices,
    campaign_deadlines,
    flag_code_choices,
    history_line,
    local_time,
    page_kind_choices,
    status_choices,
)
from core.errors import IntakeError
from intake.persistence.records import utcnow
from intake.persistence.stored import filing_of, filing_report
from intake.persistence.text_search import search_terms
from intake.pipeline.check import campaign_for
from intake.presentation.comparison import comparison_rows
from intake.presentation.review_marks import (
    BOX_STATE_LABELS,
    FILING_STATUS_LABELS,
    BoxState,
    review_marks,
)
from intake.presentation.times import beijing_iso
from intake.service import filings as service
from intake.service import lists
from intake.service.accounts import scope_of
from intake.service.scope import ROLE_LABELS
from intake.service.search import page_hits
from validators.bureaus import load_bureaus
from validators.flags import display_value

router = APIRouter(include_in_schema=False)

API_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = API_DIR / "templates"
STATIC_DIR = API_DIR / "static"
QUEUE_PAGE_SIZE = 50
API_PATHS = ("/api/", "/docs", "/redoc", "/openapi.json")
"""Paths that keep the JSON error shape; every other path is a page and gets HTML errors."""


@lru_cache(maxsize=32)
def static_url(name: str) -> str:
    """/static/<name>?v=<content hash>: browsers refetch an asset only when it changed."""
    digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]
    return f"/static/{name}?v={digest}"


templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.globals.update(
    static_url=static_url,
    status_labels=FILING_STATUS_LABELS,
    box_state_labels=BOX_STATE_LABELS,
    box_states=list(BoxState),
)
templates.env.filters.update(localtime=local_time, shown=display_value, beijing_iso=beijing_iso)


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    caller: Authenticated | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A page; `caller` adds the signed-in user, their bureau and the CSRF token to the context."""
    if caller is not None:
        bureau = load_bureaus().get(caller.user.bureau or "")
        context = {
            "me": caller.user,
            "role_label": ROLE_LABELS.get(caller.user.role, caller.user.role),
            "my_bureau": bureau,
            "csrf_token": caller.csrf_token,
            **context,
        }
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- the queue


@router.get("/", response_class=HTMLResponse)
def queue(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    caller: PageUser,
    bureau: str | None = None,
    status: str | None = None,
    flag_code: str | None = None,
    campaign: str | None = None,
    q: str | None = None,
    text: Annotated[str | None, Query(max_length=200)] = None,
    sort: str | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """The bureau's filings with their status and open flags, filters, deadlines, downloads,
    the chosen filings' export, search in the scans' text; it follows changes by itself."""
    scope = scope_of(caller.user)
    bureaus = {b.code: b for b in bureau_choices()}
    bureau = scope.bureau or (bureau if bureau in bureaus else None)
    status = status if status in FILING_STATUS_LABELS else None
    known_campaigns = campaign_choices(settings.campaign_dirs)
    campaign = campaign if campaign in {c.value for c in known_campaigns} else None
    q = (q or "").strip() or None
    text = " ".join(search_terms(text)) or None
    flag_code = flag_code or None
    version = lists.queue_version(session, scope, bureau)  # before the rows: no change missed
    counts = service.status_counts(session, scope, bureau, campaign)
    offset = Pager(page, QUEUE_PAGE_SIZE, 0).offset
    sort = sort if sort and sort.lstrip("-") in lists.SORTABLE else None
    query = lists.FilingQuery(
        bureau,
        status,
        campaign,
        q,
        flag_code,
        QUEUE_PAGE_SIZE,
        offset,
        flag_statuses=("open", "confirmed", "dismissed"),  # a dismissed flag can be audited
        sort=sort or "id",
        text=text,
    )
    rows, count = lists.list_filings(session, scope, query)
    filters = {
        "bureau": bureau,
        "status": status,
        "flag_code": flag_code,
        "campaign": campaign,
        "text": text,
        "sort": sort,
    }
    return render(
        request,
        "queue.html",
        {
            "rows": rows,
            "count": count,
            "counts": counts,
            "total": sum(counts.values()),
            "pager": Pager(page, QUEUE_PAGE_SIZE, count),
            "filters": filters,
            "q": q or "",
            "bureaus": list(bureaus.values()),
            "bureaus_by_code": bureaus,
            "bureau": bureaus.get(bureau or ""),
            "statuses": status_choices(),
            "flag_codes": flag_code_choices(),
            "campaigns": known_campaigns,
            "deadlines": campaign_deadlines(campaign, settings.campaign_dirs, utcnow()),
            "link": _queue_link(filters, q),
            "hits": page_hits(session, [r.id for r in rows], search_terms(text)),
            "version": version,
            "poll_seconds": settings.queue_poll_seconds,
        },
        caller,
    )


def _queue_link(filters: dict[str, str | None], q: str | None) -> Callable[..., str]:
    """`link(status=…, page=…)`: the queue's address with the current filters and these changes."""

    def link(**changes: Any) -> str:
        params = {**filters, "q": q, "page": None, **changes}
        pairs = [(k, v) for k, v in params.items() if v not in (None, "") and (k, v) != ("page", 1)]
        return "/?" + urlencode(pairs) if pairs else "/"

    return link


# --------------------------------------------------------------------------- one filing


@router.get("/filings/{filing_id}", response_class=HTMLResponse)
def review(
    request: Request, filing_id: str, session: SessionDep, settings: SettingsDep, caller: PageUser
) -> HTMLResponse:
    """A filing's pages with their boxes, the fields beside the filed values, flags and uploads."""
    record = service.get_filing(session, scope_of(caller.user), filing_id)
    campaign = campaign_for(record.campaign, settings.campaign_dirs)
    report = filing_report(session, record)
    filing = filing_of(record)
    marks = review_marks(report, filing, campaign)
    rows = comparison_rows(marks, filing, report.get("corrections", []))
    return render(
        request,
        "review.html",
        {
            "record": record,
            "bureau": load_bureaus().get(record.bureau),
            "campaign": campaign,
            "marks": marks,
            "rows": rows,
            "flag_rows": {f.id: row for row in rows for f in row.flags},
            "active": any(d.state in ("queued", "running") for d in marks.documents),
            "max_upload_mb": settings.max_upload_mb,
            "page_kinds": page_kind_choices(),
        },
        caller,
    )


@router.get("/filings/{filing_id}/history", response_class=HTMLResponse)
def history(
    request: Request, filing_id: str, session: SessionDep, caller: PageUser
) -> HTMLResponse:
    """The filing's audit log: who changed, decided, corrected or uploaded what, and when."""
    scope = scope_of(caller.user)
    entries = service.filing_history(session, scope, filing_id)
    record = service.get_filing(session, scope, filing_id)
    sources = {d.id: d.source for d in record.documents}
    numbers = {int(f["id"]): n for n, f in enumerate(filing_report(session, record)["flags"], 1)}
    lines = [history_line(e, sources, numbers) for e in reversed(entries)]
    return render(
        request,
        "history.html",
        {"record": record, "lines": lines},
        caller,
    )


# --------------------------------------------------------------------------- errors as pages


def is_page_path(path: str) -> bool:
    return not path.startswith(API_PATHS)


def error_page(request: Request, status: int, message: str) -> Response:
    if status == 401:
        return expired_page(request)
    titles = {404: "找不到该页面", 403: "无权进行该操作", 413: "文件过大"}
    title = titles.get(status, "请求未能完成" if status < 500 else "服务出错")
    return render(
        request,
        "error.html",
        {
            "status": status,
            "title": title,
            "message": message,
            "about_filing": request.url.path.startswith("/filings/"),
        },
        status_code=status,
    )


def expired_page(request: Request) -> Response:
    response = render(request, "expired.html", {"next": request.url.path}, status_code=401)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def sign_in_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    if exc.expired:
        return expired_page(request)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


Handler = Callable[[Request, Any], Awaitable[Response]]


def html_on_pages(api_handler: Handler) -> Handler:
    """The API's JSON error handler, except on page paths, where the error is a page."""

    async def handle(request: Request, exc: Any) -> Response:
        response = await api_handler(request, exc)
        if not is_page_path(request.url.path):
            return response
        if isinstance(exc, IntakeError):
            message = exc.message
        elif isinstance(exc, StarletteHTTPException):
            message = errors.HTTP_MESSAGES.get(exc.status_code) or str(exc.detail)
        elif isinstance(exc, RequestValidationError):
            message = "地址中的参数无效，请返回重试"
        else:
            message = "服务内部错误，请稍后重试或联系管理员"
        return error_page(request, response.status_code, message)

    return handle


def install_error_pages(app: FastAPI) -> None:
    """After `api.errors.install`: the same handlers, with HTML pages for page paths."""
    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(IntakeError, html_on_pages(errors.intake_error))
    app.add_exception_handler(StarletteHTTPException, html_on_pages(errors.http_error))
    app.add_exception_handler(RequestValidationError, html_on_pages(errors.validation_error))
    app.add_exception_handler(Exception, html_on_pages(errors.unexpected_error))
