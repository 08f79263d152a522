"""The Celery app of the scaled-out mode: Redis broker, one task that processes a document job.

`intake worker` (or `python -m celery -A intake.celery_app worker`) runs it; the worker reads
the same INTAKE_* settings as the service (database, storage, campaign files).
"""

from __future__ import annotations

import threading

from celery import Celery

from intake.jobs import JobContext, run_job
from intake.runner import CELERY_QUEUE, CELERY_TASK


def make_celery(redis_url: str, lease_seconds: int = 300) -> Celery:
    """A Celery app on `redis_url`; messages are acknowledged only after the job has run."""
    celery = Celery("intake", broker=redis_url, set_as_current=False)
    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_default_queue=CELERY_QUEUE,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        # An unacknowledged message (its worker killed) is delivered again after this long;
        # the job's lease decides whether the new delivery may take the job over.
        broker_transport_options={"visibility_timeout": lease_seconds + 60},
        worker_hijack_root_logger=False,
    )
    return celery


def _settings():
    from api.settings import get_settings

    return get_settings()


app = make_celery(_settings().redis_url, _settings().job_lease_seconds)

_context: JobContext | None = None
_context_lock = threading.Lock()


def worker_context() -> JobContext:
    """The worker process's database, storage and pipeline, built on first use (after fork)."""
    global _context
    with _context_lock:
        if _context is None:
            from intake.wiring import job_context

            _context = job_context(_settings())
        return _context


@app.task(name=CELERY_TASK, acks_late=True, reject_on_worker_lost=True)
def process_job(job_id: int) -> str | None:
    """Claim and process one job (a duplicate delivery of a taken job does nothing)."""
    return run_job(worker_context(), job_id)


def run_worker(concurrency: int = 1, pool: str = "solo", loglevel: str = "INFO") -> None:
    argv = ["worker", "-Q", CELERY_QUEUE, "-P", pool, "--loglevel", loglevel]
    if pool != "solo":
        argv += ["-c", str(concurrency)]
    app.worker_main(argv)
