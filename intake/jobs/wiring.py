"""Building the service's parts from its settings: database, file store, job context, queue and the
sweeper of orphaned files."""

from __future__ import annotations

from collections.abc import Callable

from core.settings import Settings
from intake.jobs.orphans import OrphanSweeper
from intake.jobs.queues import CeleryQueue, JobQueue, LocalRunner, per_thread
from intake.jobs.work import JobContext, JobSettings
from intake.persistence.database import Database
from intake.persistence.storage import Storage
from intake.persistence.storage_url import storage_from_url
from intake.pipeline.read import Pipeline, PipelineOptions

PipelineFactory = Callable[[], Pipeline]


def default_pipeline(settings: Settings) -> PipelineFactory:
    def build() -> Pipeline:
        return Pipeline(PipelineOptions(engine=settings.engine, ocr_threads=settings.ocr_threads))

    return build


def job_settings(settings: Settings) -> JobSettings:
    return JobSettings(
        campaign_dirs=list(settings.campaign_dirs),
        lease_seconds=settings.job_lease_seconds,
        max_attempts=settings.job_max_attempts,
        retry_seconds=settings.job_retry_seconds,
    )


def job_context(
    settings: Settings,
    db: Database | None = None,
    storage: Storage | None = None,
    pipeline: PipelineFactory | None = None,
) -> JobContext:
    return JobContext(
        db=db or Database(settings.effective_database_url),
        storage=storage or storage_from_url(settings.effective_storage),
        pipeline=per_thread(pipeline or default_pipeline(settings)),
        settings=job_settings(settings),
    )


def make_queue(settings: Settings, context: JobContext) -> JobQueue:
    if settings.queue == "celery":
        return CeleryQueue(context, settings.redis_url, sweep_seconds=settings.sweep_seconds)
    return LocalRunner(context, workers=settings.local_workers)


def make_sweeper(settings: Settings, db: Database, storage: Storage) -> OrphanSweeper:
    """A single service process on the local queue is the store's only writer: at start it
    sweeps everything without a row. With several processes (or Celery workers) another writer
    may be half-way through a file, so only what is older than the grace period goes."""
    return OrphanSweeper(
        db,
        storage,
        settings.orphan_grace_seconds,
        settings.orphan_sweep_seconds,
        alone=settings.queue == "local" and settings.service_processes == 1,
    )
