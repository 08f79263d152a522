"""Scans: upload (202 with a job per file), jobs and their re-run, documents, page images, corrections."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, File, Form, UploadFile
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from api.deps import (
    BureauScope,
    FilingIdPath,
    IdPath,
    QueueDep,
    SessionDep,
    SettingsDep,
    StorageDep,
)
from api.schemas import (
    CorrectionIn,
    CorrectionPublic,
    CorrectionReviewIn,
    DocumentPublic,
    DocumentRemovalIn,
    DocumentRemoved,
    JobPublic,
    ListOf,
    PageKindIn,
    PageTurnIn,
    UploadItem,
)
from core.errors import Conflict, UploadTooLarge
from core.filing import LIMITS
from core.settings import Settings
from intake.persistence.storage import CHUNK_SIZE, Storage
from intake.persistence.stored import latest_jobs
from intake.service import documents as removal
from intake.service import review, uploads
from intake.service.filings import not_found
from intake.service.reused import recheck_reused_scans
from intake.service.scope import Scope
from intake.service.uploads import IncomingFile, receive_files

router = APIRouter(tags=["documents"])


@router.post(
    "/api/filings/{filing_id}/documents", response_model=ListOf[UploadItem], status_code=202
)
def upload_documents(
    filing_id: FilingIdPath,
    files: Annotated[list[UploadFile], File(description="PDF, JPEG, PNG or TIFF scans")],
    session: SessionDep,
    storage: StorageDep,
    queue: QueueDep,
    scope: BureauScope,
    settings: SettingsDep,
) -> ListOf[UploadItem]:
    """Store the scans and queue a job per new file; answered once every file is stored and
    recorded. The same file uploaded again is the same document, with its existing job; if
    that job failed, the document is read again by a new job (`requeued`)."""
    for upload in files:
        if upload.size is not None and upload.size > settings.max_upload_bytes:
            raise UploadTooLarge(settings.max_upload_bytes)
    outcomes = receive_files(
        session,
        storage,
        scope,
        filing_id,
        [IncomingFile(f.filename, f.file) for f in files],
        settings.max_upload_bytes,
        settings.max_files_per_upload,
    )
    queue.submit([o.job.id for o in outcomes if not o.duplicate or o.requeued])
    items = [
        UploadItem(
            document=DocumentPublic.of(o.document),
            job=JobPublic.of(o.job),
            duplicate=o.duplicate,
            requeued=o.requeued,
        )
        for o in outcomes
    ]
    return ListOf[UploadItem](data=items, count=len(items))


def _remove(
    session: Session,
    storage: Storage,
    scope: Scope,
    document_id: int,
    settings: Settings,
    reason: str | None,
    confirm: bool,
    replaced_by=None,
) -> removal.Removed:
    removed = removal.remove_document(
        session,
        scope,
        document_id,
        settings.campaign_dirs,
        reason=reason,
        confirm=confirm,
        replaced_by=replaced_by,
    )
    session.commit()
    recheck_reused_scans(session, removed.filing_id, settings.campaign_dirs, actor=scope)
    session.commit()
    for key in removed.storage_keys:  # left to the orphan sweep if this fails
        try:
            storage.delete(key)
        except Exception:  # noqa: BLE001 - the rows are gone; the sweep removes the file
            pass
    return removed


@router.post("/api/documents/{document_id}/replacement", response_model=UploadItem, status_code=202)
def replace_document(
    document_id: IdPath,
    file: Annotated[UploadFile, File(description="the right scan: PDF, JPEG, PNG or TIFF")],
    session: SessionDep,
    storage: StorageDep,
    queue: QueueDep,
    scope: BureauScope,
    settings: SettingsDep,
    reason: Annotated[
        str | None, Form(max_length=LIMITS.reason, description="why the upload was wrong")
    ] = None,
    confirm: Annotated[
        bool, Form(description="replace although a person decided something on it")
    ] = False,
) -> UploadItem:
    """A wrong upload replaced by the right file: the new one is stored and queued as an upload
    is (202 with its job), then the old one removed as `DELETE` removes it (its decisions need
    `confirm`); the history says which file replaced which. 409 if the file is one already
    uploaded for the filing."""
    if file.size is not None and file.size > settings.max_upload_bytes:
        raise UploadTooLarge(settings.max_upload_bytes)
    filing_id = removal.removable(session, scope, document_id, confirm).filing_id
    (outcome,) = receive_files(
        session,
        storage,
        scope,
        filing_id,
        [IncomingFile(file.filename, file.file)],
        settings.max_upload_bytes,
        settings.max_files_per_upload,
    )
    if outcome.duplicate:
        if outcome.requeued:
            queue.submit([outcome.job.id])
        raise Conflict(f"所选文件与已上传的「{outcome.document.source}」内容相同，未替换")
    _remove(session, storage, scope, document_id, settings, reason, confirm, outcome.document)
    queue.submit([outcome.job.id])
    return UploadItem(
        document=DocumentPublic.of(outcome.document),
        job=JobPublic.of(outcome.job),
        duplicate=False,
    )


@router.delete("/api/documents/{document_id}", response_model=DocumentRemoved)
def remove_document(
    document_id: IdPath,
    session: SessionDep,
    storage: StorageDep,
    scope: BureauScope,
    settings: SettingsDep,
    body: Annotated[DocumentRemovalIn | None, Body()] = None,
) -> DocumentRemoved:
    """Remove a wrong upload with its pages: audit-logged, the filing re-checked. 409 while it
    is being read; 409 `confirmation_required` (listing them) when a person decided something
    on it and `confirm` is not set; the decisions are then recorded in the history."""
    body = body or DocumentRemovalIn()
    removed = _remove(session, storage, scope, document_id, settings, body.reason, body.confirm)
    return DocumentRemoved(
        document_id=removed.document_id, filing_id=removed.filing_id, source=removed.source
    )


@router.post(
    "/api/documents/{document_id}/pages/{index}/kind", response_model=JobPublic, status_code=202
)
def set_page_kind(
    document_id: IdPath,
    index: IdPath,
    body: PageKindIn,
    session: SessionDep,
    queue: QueueDep,
    scope: BureauScope,
) -> JobPublic:
    """A person overrides the page's kind (with a reason): the document is read again, that
    page as that kind (202 with the job), and keeps it on later re-reads; audit-logged. 409
    while the document is being read or when the page already is that kind."""
    job = removal.set_page_kind(session, scope, document_id, index, body.kind, body.reason)
    session.commit()
    queue.submit([job.id])
    return JobPublic.of(job)


@router.get("/api/jobs/{job_id}", response_model=JobPublic)
def get_job(job_id: IdPath, session: SessionDep, scope: BureauScope) -> JobPublic:
    """A job's state (queued, running, done, failed) and progress (pages done of total)."""
    return JobPublic.of(review.get_job(session, scope, job_id))


@router.post("/api/jobs/{job_id}/retry", response_model=JobPublic, status_code=202)
def retry_job(
    job_id: IdPath, session: SessionDep, queue: QueueDep, scope: BureauScope
) -> JobPublic:
    """Read a failed job's document again: 202 with the new job (the failed one keeps its
    reason); 409 for a job that did not fail or was already run again."""
    job = uploads.retry_job(session, scope, job_id)
    session.commit()
    queue.submit([job.id])
    return JobPublic.of(job)


@router.get("/api/documents/{document_id}", response_model=DocumentPublic)
def get_document(document_id: IdPath, session: SessionDep, scope: BureauScope) -> DocumentPublic:
    document = review.get_document(session, scope, document_id)
    return DocumentPublic.of(document, latest_jobs(session, [document.id]).get(document.id))


def _stream(storage, key: str):
    def chunks():
        with storage.open(key) as stored:
            while chunk := stored.read(CHUNK_SIZE):
                yield chunk

    return chunks()


@router.get(
    "/api/documents/{document_id}/original",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def get_original(
    document_id: IdPath, session: SessionDep, scope: BureauScope, storage: StorageDep
) -> StreamingResponse:
    """The file as uploaded, byte for byte."""
    document = review.get_document(session, scope, document_id)
    media = {"pdf": "application/pdf", "tiff": "image/tiff"}.get(
        document.content_type, f"image/{document.content_type}"
    )
    storage.size(document.storage_key)  # 404 now rather than a broken stream later
    return StreamingResponse(
        _stream(storage, document.storage_key),
        media_type=media,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{_quote(document.source)}"},
    )


@router.get(
    "/api/documents/{document_id}/pages/{index}/image",
    response_class=StreamingResponse,
    responses={200: {"content": {"image/jpeg": {}}}},
)
def get_page_image(
    document_id: IdPath,
    index: IdPath,
    session: SessionDep,
    scope: BureauScope,
    storage: StorageDep,
) -> StreamingResponse:
    """The upright page image (JPEG) that the page's boxes refer to; `index` from 0."""
    page = review.get_page(session, scope, document_id, index)
    if not page.image_key:
        raise not_found("页面图像", f"{document_id}/{index}")
    storage.size(page.image_key)
    return StreamingResponse(_stream(storage, page.image_key), media_type="image/jpeg")


@router.post(
    "/api/documents/{document_id}/pages/{index}/corrections",
    response_model=CorrectionPublic,
    status_code=201,
)
def correct_field(
    document_id: IdPath,
    index: IdPath,
    body: CorrectionIn,
    session: SessionDep,
    scope: BureauScope,
    settings: SettingsDep,
) -> CorrectionPublic:
    """Correct a misread value, with a reason: the OCR value is kept and the filing re-checked
    without OCR. A correction that would clear a flag stays `pending` (and the filing cannot
    be recommended) until a reviewer other than its author approves it."""
    correction = review.correct_field(
        session,
        scope,
        document_id,
        index,
        body.field,
        body.value,
        settings.campaign_dirs,
        reason=body.reason,
    )
    session.commit()
    return CorrectionPublic.of(correction)


@router.post("/api/corrections/{correction_id}/review", response_model=CorrectionPublic)
def review_correction(
    correction_id: IdPath,
    body: CorrectionReviewIn,
    session: SessionDep,
    scope: BureauScope,
    settings: SettingsDep,
) -> CorrectionPublic:
    """Four eyes: a reviewer (not the correction's author) approves a pending correction, which
    then applies, or rejects it with a reason."""
    correction = review.review_correction(
        session, scope, correction_id, body.decision, body.reason, settings.campaign_dirs
    )
    session.commit()
    return CorrectionPublic.of(correction)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@router.post(
    "/api/documents/{document_id}/pages/{index}/turn", response_model=JobPublic, status_code=202
)
def turn_page(
    document_id: IdPath,
    index: IdPath,
    body: PageTurnIn,
    session: SessionDep,
    queue: QueueDep,
    scope: BureauScope,
) -> JobPublic:
    """A person turns the page by a quarter turn (with a reason) when its orientation was found
    wrong: the document is read again, that page turned so (202 with the job), and keeps the
    turn on later re-reads; audit-logged. 409 while the document is being read."""
    job = removal.turn_page(session, scope, document_id, index, body.turn, body.reason)
    session.commit()
    queue.submit([job.id])
    return JobPublic.of(job)
