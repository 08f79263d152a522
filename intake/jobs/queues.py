"""Where jobs and imports run: in-process worker threads (embedded default) or Celery workers
(scaled out)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from sqlalchemy import or_, select, update

from core.states import ACTIVE_JOB_STATES, JobState
from intake.jobs.celery_conf import CELERY_IMPORT_TASK, CELERY_QUEUE, CELERY_TASK, make_celery
from intake.jobs.imports import (
    claimable_imports,
    requeue_running_imports,
    run_import,
    stalled_imports,
)
from intake.jobs.work import JobContext, claimable_jobs, lease_expired, requeue_running, run_job
from intake.persistence.records import JobRecord, utcnow
from intake.pipeline.read import Pipeline

log = logging.getLogger(__name__)


class JobQueue(Protocol):
    """Hands queued jobs and imports to workers; called after their rows are committed."""

    def start(self) -> None: ...

    def submit(self, job_ids: list[int]) -> None: ...

    def submit_imports(self, import_ids: list[int]) -> None: ...

    def stop(self) -> None: ...


def per_thread(factory: Callable[[], Pipeline]) -> Callable[[], Pipeline]:
    """A pipeline factory that builds one pipeline per thread and reuses it."""
    local = threading.local()

    def pipeline() -> Pipeline:
        if getattr(local, "pipeline", None) is None:
            local.pipeline = factory()
        return local.pipeline

    return pipeline


class LocalRunner:
    """Worker threads in the service process, claiming queued jobs from the database, and one
    thread for imports (whose tables are read in child processes: intake.jobs.imports).

    On start, jobs and imports left `running` by a previous process (killed mid-job) go back
    to the queue: with the local queue this process is the only worker.
    """

    def __init__(self, context: JobContext, workers: int = 1, poll_seconds: float = 1.0):
        self.context = context
        self.workers = max(1, workers)
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._wake_imports = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        resumed = requeue_running(self.context.db)
        if resumed:
            log.warning("re-queued %d job(s) left running by a previous process", resumed)
        resumed = requeue_running_imports(self.context.db)
        if resumed:
            log.warning("re-queued %d import(s) left running by a previous process", resumed)
        self._stopping.clear()
        loops = [
            (f"intake-job-runner-{n}", self._jobs_once, self._wake) for n in range(self.workers)
        ]
        loops.append(("intake-import-runner", self._imports_once, self._wake_imports))
        for name, work_once, wake in loops:
            thread = threading.Thread(
                target=self._loop, args=(work_once, wake), name=name, daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def submit(self, job_ids: list[int]) -> None:
        self._wake.set()

    def submit_imports(self, import_ids: list[int]) -> None:
        self._wake_imports.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stopping.set()
        self._wake.set()
        self._wake_imports.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _loop(self, work_once: Callable[[], bool], wake: threading.Event) -> None:
        while not self._stopping.is_set():
            try:
                worked = work_once()
            except Exception:  # noqa: BLE001 - the runner must outlive any one failure
                log.exception("job runner: unexpected error; retrying")
                worked = False
            if not worked:
                wake.wait(self.poll_seconds)
                wake.clear()

    def _jobs_once(self) -> bool:
        worked = False
        for job_id in claimable_jobs(self.context.db):
            if self._stopping.is_set():
                break
            if run_job(self.context, job_id) is not None:
                worked = True
        return worked

    def _imports_once(self) -> bool:
        worked = False
        for import_id in claimable_imports(self.context.db):
            if self._stopping.is_set():
                break
            if run_import(self.context, import_id) is not None:
                worked = True
        return worked


class CeleryQueue:
    """Sends each job to Celery workers (`intake worker`) through Redis.

    A sweeper thread re-sends jobs whose worker died (lease run out) and queued jobs nobody
    took for a while (a message lost with a flushed broker); a job's claim makes duplicate
    messages harmless.
    """

    def __init__(
        self,
        context: JobContext,
        redis_url: str,
        sweep_seconds: float = 30.0,
        resend_after_seconds: float = 600.0,
    ):
        self.context = context
        self.celery = make_celery(redis_url, context.settings.lease_seconds)
        self.sweep_seconds = sweep_seconds
        self.resend_after = timedelta(seconds=resend_after_seconds)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._sweep_loop, name="intake-sweeper", daemon=True)
        self._thread.start()

    def submit(self, job_ids: list[int]) -> None:
        """Send the jobs; if the broker is down they stay queued and the sweeper sends them."""
        self._send(CELERY_TASK, job_ids)

    def submit_imports(self, import_ids: list[int]) -> None:
        self._send(CELERY_IMPORT_TASK, import_ids)

    def _send(self, task: str, ids: list[int]) -> None:
        for record_id in ids:
            try:
                self.celery.send_task(task, args=[record_id], queue=CELERY_QUEUE)
            except Exception:  # noqa: BLE001 - the row is committed; it is not lost
                log.exception(
                    "could not send %s %s to the workers; the sweeper will retry", task, record_id
                )
                return

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(10)
        self.celery.close()

    def sweep(self) -> list[int]:
        """Re-send stalled jobs and imports; their ids."""
        now = utcnow()
        active = JobRecord.state.in_(ACTIVE_JOB_STATES)
        stale = active & or_(
            lease_expired(now),  # a worker died, or a retry's wait is over
            (JobRecord.state == JobState.QUEUED) & (JobRecord.updated_at < now - self.resend_after),
        )
        with self.context.db.session(write=True) as session:
            ids = list(session.scalars(select(JobRecord.id).where(stale).limit(500)))
            if ids:
                session.execute(
                    update(JobRecord)
                    .where(JobRecord.id.in_(ids), JobRecord.state == JobState.QUEUED)
                    .values(updated_at=now, lease_until=None)
                    .execution_options(synchronize_session=False)
                )
        if ids:
            self.submit(ids)
        imports = stalled_imports(self.context.db, now, now - self.resend_after)
        if imports:
            self.submit_imports(imports)
        return ids + imports

    def _sweep_loop(self) -> None:
        while not self._stopping.wait(self.sweep_seconds):
            try:
                resent = self.sweep()
                if resent:
                    log.warning("re-sent %d stalled job(s) to the workers", len(resent))
            except Exception:  # noqa: BLE001 - keep sweeping
                log.exception("sweeper: unexpected error")
