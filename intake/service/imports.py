"""征集信息表 imports as the service takes them: the table stored and queued, read later by a worker.

The request only stores the file and records a queued import (answered 202); a worker reads the
table in a bounded child process and writes the rows with the importer's scope
(intake.jobs.imports). The import's state and result are read back with `get_import`.
"""

from __future__ import annotations

import uuid
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from sqlalchemy.orm import Session

from core.states import JobState
from intake.persistence.records import ImportRecord, utcnow
from intake.persistence.storage import Storage
from intake.pipeline.check import campaign_for
from intake.service.filings import not_found
from intake.service.scope import Scope
from intake.service.uploads import check_file_name

TABLE_SUFFIXES = frozenset({".csv", ".xlsx", ".txt", ".tsv"})


def import_key(name: str) -> str:
    """A fresh storage key for an uploaded table (`imports/<hex>.xlsx`)."""
    suffix = PurePosixPath(name).suffix.lower()
    return f"imports/{uuid.uuid4().hex}{suffix if suffix in TABLE_SUFFIXES else '.bin'}"


def receive_import(
    session: Session,
    storage: Storage,
    scope: Scope,
    name: str | None,
    stream: BinaryIO,
    campaign: str,
    max_bytes: int,
    campaign_dirs: list[Path],
) -> ImportRecord:
    """Store the table and record a queued import; commits (the caller then queues it).

    Checked here, before anything is stored: the campaign exists (422) and the file name is a
    plain name (400); the size is capped while the bytes stream in (413). Whether the bytes
    are a table at all is the worker's to find out.
    """
    campaign = (campaign or "").strip()
    campaign_for(campaign, campaign_dirs)
    source = check_file_name(name or "import")
    key = import_key(source)
    stored = storage.put_stream(key, stream, max_bytes)
    try:
        now = utcnow()
        record = ImportRecord(
            bureau=scope.bureau,
            user_id=scope.user_id,
            user_name=scope.user_name,
            role=scope.role,
            source=source,
            campaign=campaign,
            storage_key=stored.key,
            size=stored.size,
            sha256=stored.sha256,
            state=JobState.QUEUED,
            attempts=0,
            created_at=now,
            updated_at=now,
        )
        session.add(record)
        session.commit()
    except BaseException:
        session.rollback()
        storage.delete(key)
        raise
    return record


def importer_scope(record: ImportRecord) -> Scope:
    """Whose import it is: the rows are written as that user, within their bureau."""
    return Scope(
        user_id=record.user_id, user_name=record.user_name, role=record.role, bureau=record.bureau
    )


def get_import(session: Session, scope: Scope, import_id: int) -> ImportRecord:
    """An import of the caller's bureau (any import for reviewers); 404 as for a missing one."""
    record = session.get(ImportRecord, import_id)
    if record is None or (scope.bureau is not None and record.bureau != scope.bureau):
        raise not_found("导入", import_id)
    return record
