"""Sweeping the file store of what no row holds: originals, page images and imported tables left by
a process killed between writing a file and recording it, and temp files of writes it never finished.

Only keys under the folders the service writes are looked at, and only files older than a grace
period (an upload in flight keeps writing its temp file; a stored file waits at most for the rest
of its upload before its row is committed): a file that has a row, or may yet get one, is never
touched. The sweep runs when the service starts and then periodically (`OrphanSweeper`).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from core.errors import ObjectNotFound
from intake.persistence.database import Database
from intake.persistence.records import DocumentRecord, ImportRecord, PageRecord, utcnow
from intake.persistence.storage import Storage

log = logging.getLogger(__name__)

SWEPT_FOLDERS = ("originals/", "pages/", "imports/")
"""Where the service writes; anything else in the store (a shared bucket) is left alone."""
BATCH = 500


@dataclass
class Swept:
    objects: list[str] = field(default_factory=list)
    """Stored files no row refers to, removed."""
    partial: list[str] = field(default_factory=list)
    """Temp files (or S3 multipart uploads) of writes that never finished, removed."""


def _referenced(db: Database, keys: list[str]) -> set[str]:
    with db.session() as session:
        held: set[str] = set()
        for column in (DocumentRecord.storage_key, PageRecord.image_key, ImportRecord.storage_key):
            held.update(session.scalars(select(column).where(column.in_(keys))))
        return held


def sweep_orphans(
    db: Database, storage: Storage, grace: timedelta, now: datetime | None = None
) -> Swept:
    """Remove files older than `grace` that no document, page or import row refers to, and
    temp files of writes last touched before `grace` ago."""
    cutoff = (now or utcnow()) - grace
    swept = Swept(partial=storage.remove_partial_writes(cutoff))

    def drop(candidates: list[str]) -> None:
        held = _referenced(db, candidates)
        for key in candidates:
            if key in held:
                continue
            try:  # written again since it was listed (a page re-read): it waits for its row
                if storage.modified(key) >= cutoff:
                    continue
            except ObjectNotFound:
                continue
            storage.delete(key)
            swept.objects.append(key)

    for folder in SWEPT_FOLDERS:
        candidates: list[str] = []
        for key, modified in storage.list_objects(folder):
            if modified < cutoff:
                candidates.append(key)
            if len(candidates) >= BATCH:
                drop(candidates)
                candidates = []
        if candidates:
            drop(candidates)
    return swept


class OrphanSweeper:
    """Sweeps when started, then every `every_seconds` on a thread of its own.

    `alone`: this process is the store's only writer and does not serve yet (the embedded
    service starting: nothing can be in flight), so the first sweep takes every file without
    a row, at once, before the caller starts its job runner. Otherwise (workers and other
    service processes may be writing) the first sweep, too, spares files younger than the
    grace period, and runs on the thread.
    """

    def __init__(
        self,
        db: Database,
        storage: Storage,
        grace_seconds: float,
        every_seconds: float,
        alone: bool = False,
    ):
        self.db = db
        self.storage = storage
        self.grace = timedelta(seconds=grace_seconds)
        self.every_seconds = every_seconds
        self.alone = alone
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping.clear()
        if self.alone:
            self.sweep_once(timedelta(0))
        self._thread = threading.Thread(
            target=self._loop, args=(not self.alone,), name="intake-orphans", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def sweep_once(self, grace: timedelta | None = None) -> Swept | None:
        try:
            swept = sweep_orphans(self.db, self.storage, self.grace if grace is None else grace)
        except Exception:  # noqa: BLE001 - the store or database is down: next time
            log.exception("orphan sweep failed; trying again later")
            return None
        if swept.objects or swept.partial:
            log.warning(
                "removed %d stored file(s) without a row and %d unfinished write(s)",
                len(swept.objects),
                len(swept.partial),
            )
        return swept

    def _loop(self, sweep_first: bool) -> None:
        if sweep_first:
            self.sweep_once()
        while not self._stopping.wait(self.every_seconds):
            self.sweep_once()
