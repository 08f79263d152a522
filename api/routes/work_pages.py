"""The clerk's and the admin's work pages: a new filing, a 征集信息表 import and its result, accounts.

Each page is read here (GET, the signed-in browser session); what it changes goes through the
JSON API with the session's CSRF token (`api/static/work.js`), so that the browser and `curl`
take the same one path through `intake/service`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import IdPath, PageUser, SessionDep, SettingsDep
from api.page_views import bureau_choices, campaign_choices
from api.routes.pages import render
from api.work_views import account_rows, filing_form, import_view
from core.errors import Forbidden
from intake.service import accounts
from intake.service import imports as import_service
from intake.service.accounts import scope_of
from intake.service.scope import ROLE_LABELS, ROLES

router = APIRouter(include_in_schema=False)


@router.get("/filings/new", response_class=HTMLResponse)
def new_filing(request: Request, settings: SettingsDep, caller: PageUser) -> HTMLResponse:
    """The 征集信息表 of one filing typed in by hand; the service's errors beside each field."""
    scope = scope_of(caller.user)
    campaigns = campaign_choices(settings.campaign_dirs)
    return render(
        request,
        "filing_new.html",
        {
            "groups": filing_form(scope.bureau),
            "campaigns": campaigns,
            "bureaus": bureau_choices(),
            "fixed_bureau": scope.bureau,
        },
        caller,
    )


@router.get("/imports/new", response_class=HTMLResponse)
def new_import(request: Request, settings: SettingsDep, caller: PageUser) -> HTMLResponse:
    """Upload the platform's 征集信息表 (CSV or XLSX) for a campaign."""
    return render(
        request,
        "import_new.html",
        {
            "campaigns": campaign_choices(settings.campaign_dirs),
            "max_import_mb": settings.max_import_bytes // (1024 * 1024),
        },
        caller,
    )


@router.get("/imports/{import_id}", response_class=HTMLResponse)
def import_result(
    request: Request,
    import_id: IdPath,
    session: SessionDep,
    settings: SettingsDep,
    caller: PageUser,
) -> HTMLResponse:
    """An import's state while it is read, then what it created, updated, left unchanged and
    every refused row with its number and error."""
    record = import_service.get_import(session, scope_of(caller.user), import_id)
    titles = {c.value: c.label for c in campaign_choices(settings.campaign_dirs)}
    return render(
        request,
        "import.html",
        {
            "view": import_view(record),
            "campaign_title": titles.get(record.campaign, record.campaign),
        },
        caller,
    )


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, session: SessionDep, caller: PageUser) -> HTMLResponse:
    """Accounts (admins only): list, add with role, bureau and password, reset, (de)activate."""
    if caller.user.role != "admin":
        raise Forbidden("只有管理员可以管理用户")
    return render(
        request,
        "users.html",
        {
            "rows": account_rows(accounts.list_users(session)),
            "roles": [(r, ROLE_LABELS.get(r, r)) for r in ROLES],
            "bureaus": bureau_choices(),
        },
        caller,
    )
