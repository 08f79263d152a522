"""Receiving scans: names checked, bytes streamed to storage and hashed, type sniffed, an image's
pixel size read from its headers (never decoded here), jobs queued.

A failed job is run again as a new job of the same document (the failed one keeps its reason):
on request (`retry_job`), or when the same file is uploaded again (`requeued` in the outcome).
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import (
    Conflict,
    FileNameInvalid,
    ImageTooLarge,
    InvalidInput,
    StorageError,
    UploadTypeInvalid,
)
from core.states import JobState
from intake.persistence.records import DocumentRecord, FilingRecord, JobRecord, utcnow
from intake.persistence.storage import Storage, StoredObject
from intake.persistence.stored import latest_jobs
from intake.pipeline.sources import InputLimits, frame_sizes, pixel_problem, sniff_type
from intake.service import audit
from intake.service.filings import get_filing, not_found
from intake.service.recheck import lock_filing, refresh_status
from intake.service.scope import Scope

SUFFIX_TYPES = {
    ".pdf": "pdf",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".png": "png",
    ".tif": "tiff",
    ".tiff": "tiff",
}
MAX_NAME_LENGTH = 255
SNIFF_BYTES = 2048
HEADER_BYTES = 1024 * 1024
"""A PNG's or JPEG's size is looked for in its first MiB (nothing is decoded)."""
_UNSAFE_KEY_CHARS = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class IncomingFile:
    """One uploaded file: its name as the client sent it and a stream of its bytes."""

    name: str | None
    stream: BinaryIO


@dataclass(frozen=True)
class UploadOutcome:
    document: DocumentRecord
    job: JobRecord
    duplicate: bool
    """The same bytes were already uploaded for this filing: the existing document and job."""
    requeued: bool = False
    """A duplicate whose job had failed: `job` is a new job that reads the document again."""


def check_file_name(name: str | None) -> str:
    """The name if it is a plain file name; FileNameInvalid (400) otherwise."""
    if not name or not name.strip():
        raise FileNameInvalid("上传文件缺少文件名")
    if len(name) > MAX_NAME_LENGTH:
        raise FileNameInvalid(f"文件名超过 {MAX_NAME_LENGTH} 个字符")
    if "/" in name or "\\" in name:
        raise FileNameInvalid(f"文件名不能包含路径分隔符 / 或 \\：{name!r}")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in name):
        raise FileNameInvalid(f"文件名不能包含控制字符：{name!r}")
    if name.strip() in (".", ".."):
        raise FileNameInvalid(f"文件名无效：{name!r}")
    return name


def expected_type(name: str) -> tuple[str, str]:
    """(suffix, type) a file name announces; UploadTypeInvalid (415) for other suffixes."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in SUFFIX_TYPES:
        raise UploadTypeInvalid(f"「{name}」不是支持的文件类型；请上传 PDF、JPEG、PNG 或 TIFF")
    return suffix, SUFFIX_TYPES[suffix]


def storage_folder(filing_id: str) -> str:
    """A storage key segment for a filing id of any characters, unique per id."""
    readable = _UNSAFE_KEY_CHARS.sub("_", filing_id)[:48].strip(".") or "filing"
    digest = hashlib.sha256(filing_id.encode("utf-8")).hexdigest()[:10]
    return f"{readable}-{digest}"


def _sniff(storage: Storage, key: str) -> str | None:
    with storage.open(key) as stored:
        return sniff_type(stored.read(SNIFF_BYTES))


def _frame_sizes(
    storage: Storage, key: str, kind: str, max_frames: int
) -> list[tuple[int, int]] | None:
    """The image's frame sizes from its headers, or None when they cannot be read (the worker
    then says why the file cannot be read, as for any damaged image).

    A PNG or JPEG states its size at the start: its first MiB is enough. A TIFF's directories
    may stand anywhere (often after the pixels), so it is read from a local copy (for the local
    store the file itself)."""
    if kind != "tiff":
        with storage.open(key) as stored:
            head = stored.read(HEADER_BYTES)
        try:
            return frame_sizes(io.BytesIO(head), max_frames)
        except Exception:  # noqa: BLE001 - the headers reach past the first MiB, or are damaged
            pass
    try:
        with storage.local_copy(key) as path:
            return frame_sizes(path, max_frames)
    except StorageError:
        raise
    except Exception:  # noqa: BLE001 - damaged: refused by the worker with its reason
        return None


def _check_pixels(storage: Storage, key: str, name: str, kind: str) -> None:
    limits = InputLimits()
    sizes = _frame_sizes(storage, key, kind, limits.max_pages)
    problem = pixel_problem(sizes or [], limits.max_pixels)
    if problem:
        raise ImageTooLarge(f"「{name}」{problem}，未保存；请以 300 DPI 扫描或缩小照片后重新上传")


def receive_files(
    session: Session,
    storage: Storage,
    scope: Scope,
    filing_id: str,
    files: list[IncomingFile],
    max_bytes: int,
    max_files: int,
) -> list[UploadOutcome]:
    """Store each file, check its bytes, and record a document and a queued job per new file.

    Commits before returning: the caller may answer 202 and queue the jobs. On any error
    nothing is recorded and every object stored by this call is deleted again.
    """
    get_filing(session, scope, filing_id)
    if not files:
        raise InvalidInput("没有收到文件")
    if len(files) > max_files:
        raise InvalidInput(f"一次最多上传 {max_files} 个文件")
    checked = [(check_file_name(f.name), f) for f in files]
    expected = [expected_type(name) for name, _ in checked]
    folder = storage_folder(filing_id)
    stored: list[StoredObject] = []
    keep: set[str] = set()
    try:
        for (name, incoming), (suffix, kind) in zip(checked, expected):
            key = f"originals/{folder}/{uuid.uuid4().hex}{suffix}"
            stored.append(storage.put_stream(key, incoming.stream, max_bytes))
            if stored[-1].size == 0:
                raise UploadTypeInvalid(f"「{name}」是空文件（0 字节），未保存；请重新扫描或导出")
            found = _sniff(storage, key)
            if found != kind:
                what = f"是 {found.upper()}" if found else "不是 PDF、JPEG、PNG 或 TIFF"
                raise UploadTypeInvalid(
                    f"「{name}」的内容{what}，与扩展名 {suffix} 不符；文件未保存"
                )
            if kind != "pdf":
                _check_pixels(storage, key, name, kind)
        outcomes = _record(session, scope, filing_id, checked, stored, expected)
        session.commit()
        keep = {o.document.storage_key for o in outcomes if not o.duplicate}
    except IntegrityError:
        session.rollback()
        raise Conflict("同一文件正在被同时上传，请稍后重试") from None
    finally:
        for obj in stored:
            if obj.key not in keep:
                storage.delete(obj.key)
    return outcomes


def _record(
    session: Session,
    scope: Scope,
    filing_id: str,
    checked: list[tuple[str, IncomingFile]],
    stored: list[StoredObject],
    expected: list[tuple[str, str]],
) -> list[UploadOutcome]:
    record = lock_filing(session, filing_id)
    assert record is not None  # checked in scope above, and filings are never deleted
    known = {
        d.sha256: d
        for d in session.scalars(
            select(DocumentRecord).where(
                DocumentRecord.filing_id == filing_id,
                DocumentRecord.sha256.in_({s.sha256 for s in stored}),
            )
        )
    }
    jobs = latest_jobs(session, [d.id for d in known.values()])
    outcomes: list[UploadOutcome] = []
    now = utcnow()
    for (name, _), obj, (_, kind) in zip(checked, stored, expected):
        if obj.sha256 in known:
            document = known[obj.sha256]
            job = jobs[document.id]
            if job.state == JobState.FAILED:
                jobs[document.id] = rerun(session, scope, record, document, job)
                outcomes.append(UploadOutcome(document, jobs[document.id], True, requeued=True))
            else:
                outcomes.append(UploadOutcome(document, job, duplicate=True))
            continue
        document = DocumentRecord(
            filing_id=filing_id,
            sha256=obj.sha256,
            source=name,
            storage_key=obj.key,
            size=obj.size,
            content_type=kind,
            page_count=0,
            uploaded_by=scope.user_id,
            created_at=now,
        )
        session.add(document)
        session.flush()
        job = queued_job(session, record, document)
        known[obj.sha256] = document
        jobs[document.id] = job
        outcomes.append(UploadOutcome(document, job, duplicate=False))
    new = [o for o in outcomes if not o.duplicate]
    if new:
        refresh_status(session, record)
        audit.record(
            session,
            scope,
            "documents_uploaded",
            filing_id,
            after=[
                {
                    "document_id": o.document.id,
                    "source": o.document.source,
                    "sha256": o.document.sha256,
                }
                for o in new
            ],
        )
    return outcomes


def queued_job(session: Session, record: FilingRecord, document: DocumentRecord) -> JobRecord:
    now = utcnow()
    job = JobRecord(
        document_id=document.id,
        filing_id=record.id,
        bureau=record.bureau,
        state=JobState.QUEUED,
        pages_done=0,
        pages_total=0,
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    session.flush()
    return job


def rerun(
    session: Session,
    scope: Scope,
    record: FilingRecord,
    document: DocumentRecord,
    failed: JobRecord,
) -> JobRecord:
    """A new queued job for `document`, whose latest job `failed`; audit-logged."""
    document.error = None
    document.error_code = None
    job = queued_job(session, record, document)
    refresh_status(session, record)
    audit.record(
        session,
        scope,
        "job_retried",
        record.id,
        target=f"document:{document.id}",
        before={"job_id": failed.id, "state": failed.state, "error": failed.error},
        after={"job_id": job.id, "document_id": document.id, "source": document.source},
    )
    return job


def retry_job(session: Session, scope: Scope, job_id: int) -> JobRecord:
    """Run a failed job's document again: the new job (the caller commits and queues it).

    404 as for any job outside the scope; 409 unless the job failed and is its document's
    latest (a job still queued, running or done, or one already run again, is left alone).
    """
    job = session.get(JobRecord, job_id)
    if job is None or not scope.allows(job.bureau):
        raise not_found("任务", job_id)
    record = lock_filing(session, job.filing_id)
    latest = latest_jobs(session, [job.document_id])[job.document_id]
    if job.state != JobState.FAILED or latest.id != job.id:
        raise Conflict(
            f"任务 {job_id} 没有处理失败或已重新处理（状态：{job.state}），无需重新处理"
            f"（only the latest failed job of a document can be run again）"
        )
    document = session.get(DocumentRecord, job.document_id)
    return rerun(session, scope, record, document, job)
