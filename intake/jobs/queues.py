"""Where jobs run: in-process worker threads (embedded default) or Celery workers (scaled out)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from sqlalchemy import or_, select, update

from core.states import ACTIVE_JOB_STATES, JobState
from intake.jobs.celery_conf import CELERY_QUEUE, CELERY_TASK, make_celery
from intake.jobs.work import JobContext, claimable_jobs, lease_expired, requeue_running, run_job
from intake.persistence.records import JobRecord, utcnow
from intake.pipeline.read import Pipeline

log = logging.getLogger(__name__)


class JobQueue(Protocol):
    """Hands queued jobs to workers; `submit` is called after the jobs' rows are committed."""

    def start(self) -> None: ...

    def submit(self, job_ids: list[int]) -> None: ...

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
    """Worker threads in the service process, claiming queued jobs from the database.

    On start, jobs left `running` by a previous process (killed mid-job) go back to the queue:
    with the local queue this process is the only worker, so nothing else can hold them.
    """

    def __init__(self, context: JobContext, workers: int = 1, poll_seconds: float = 1.0):
        self.context = context
        self.workers = max(1, workers)
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        resumed = requeue_running(self.context.db)
        if resumed:
            log.warning("re-queued %d job(s) left running by a previous process", resumed)
        self._stopping.clear()
        for number in range(self.workers):
            thread = threading.Thread(
                target=self._loop, name=f"intake-job-runner-{number}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def submit(self, job_ids: list[int]) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stopping.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                worked = self._work_once()
            except Exception:  # noqa: BLE001 - the runner must outlive any one failure
                log.exception("job runner: unexpected error; retrying")
                worked = False
            if not worked:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()

    def _work_once(self) -> bool:
        worked = False
        for job_id in claimable_jobs(self.context.db):
            if self._stopping.is_set():
                break
            if run_job(self.context, job_id) is not None:
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
        for job_id in job_ids:
            try:
                self.celery.send_task(CELERY_TASK, args=[job_id], queue=CELERY_QUEUE)
            except Exception:  # noqa: BLE001 - the job row is committed; it is not lost
                log.exception(
                    "could not send job %s to the workers; the sweeper will retry", job_id
                )
                return

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(10)
        self.celery.close()

    def sweep(self) -> list[int]:
        """Re-send stalled jobs; their ids."""
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
        return ids

    def _sweep_loop(self) -> None:
        while not self._stopping.wait(self.sweep_seconds):
            try:
                resent = self.sweep()
                if resent:
                    log.warning("re-sent %d stalled job(s) to the workers", len(resent))
            except Exception:  # noqa: BLE001 - keep sweeping
                log.exception("sweeper: unexpected error")
