"""The Celery worker of the scaled-out mode: the tasks that process a document job and an import.

`intake worker` (or `python -m celery -A intake.jobs.celery_app worker`) runs it; the worker reads
the same INTAKE_* settings as the service (database, storage, campaign files). The app is built
on first use, never at import time.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from celery import Celery

from core.settings import get_settings
from intake.jobs.celery_conf import CELERY_IMPORT_TASK, CELERY_QUEUE, CELERY_TASK, make_celery
from intake.jobs.imports import run_import
from intake.jobs.wiring import job_context
from intake.jobs.work import JobContext, run_job

_context: JobContext | None = None
_context_lock = threading.Lock()


def worker_context() -> JobContext:
    """The worker process's database, storage and pipeline, built on first use (after fork)."""
    global _context
    with _context_lock:
        if _context is None:
            _context = job_context(get_settings())
        return _context


def process_job(job_id: int) -> str | None:
    """Claim and process one job (a duplicate delivery of a taken job does nothing)."""
    return run_job(worker_context(), job_id)


def process_import(import_id: int) -> str | None:
    """Claim and process one 征集信息表 import (its table read in a bounded child process)."""
    return run_import(worker_context(), import_id)


@lru_cache(maxsize=1)
def worker_app() -> Celery:
    """The worker's Celery app on the configured broker, with its tasks registered."""
    settings = get_settings()
    app = make_celery(settings.redis_url, settings.job_lease_seconds)
    app.task(name=CELERY_TASK, acks_late=True, reject_on_worker_lost=True)(process_job)
    app.task(name=CELERY_IMPORT_TASK, acks_late=True, reject_on_worker_lost=True)(process_import)
    return app


def __getattr__(name: str):
    # `celery -A intake.jobs.celery_app` looks up `app` here.
    if name == "app":
        return worker_app()
    raise AttributeError(name)


def run_worker(concurrency: int = 1, pool: str = "solo", loglevel: str = "INFO") -> None:
    argv = ["worker", "-Q", CELERY_QUEUE, "-P", pool, "--loglevel", loglevel]
    if pool != "solo":
        argv += ["-c", str(concurrency)]
    worker_app().worker_main(argv)
