"""征集信息表 imports: the table uploaded (202 with the import), its state and result read back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile

from api.deps import BureauScope, IdPath, QueueDep, SessionDep, SettingsDep, StorageDep
from api.schemas import ImportJobPublic
from core.errors import UploadTooLarge
from intake.service import imports as service

router = APIRouter(tags=["imports"])


@router.post("/api/filings/import", response_model=ImportJobPublic, status_code=202)
def import_filings(
    response: Response,
    session: SessionDep,
    storage: StorageDep,
    queue: QueueDep,
    scope: BureauScope,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="征集信息表 export, CSV or XLSX")],
    campaign: Annotated[str, Form(description="campaign id of the rows")],
) -> ImportJobPublic:
    """Store the platform's 征集信息表 and queue its import: 202 with the import, whose state
    and result (`GET /api/imports/{id}`) say which rows became filings and which rows were
    refused, by number. The table is read by a worker, never while this request waits."""
    if file.size is not None and file.size > settings.max_import_bytes:
        raise UploadTooLarge(settings.max_import_bytes)
    record = service.receive_import(
        session,
        storage,
        scope,
        file.filename,
        file.file,
        campaign,
        settings.max_import_bytes,
        settings.campaign_dirs,
    )
    queue.submit_imports([record.id])
    response.headers["Location"] = f"/api/imports/{record.id}"
    return ImportJobPublic.of(record)


@router.get("/api/imports/{import_id}", response_model=ImportJobPublic)
def get_import(import_id: IdPath, session: SessionDep, scope: BureauScope) -> ImportJobPublic:
    """An import's state (queued, running, done, failed) and, once done, its result; a table
    refused whole (not a table, too large, no valid row) is `failed` with the reason."""
    return ImportJobPublic.of(service.get_import(session, scope, import_id))
