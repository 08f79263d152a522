"""How the service and the Celery workers talk: the queue, the task's name and the broker settings."""

from __future__ import annotations

from celery import Celery

CELERY_QUEUE = "intake"
CELERY_TASK = "intake.process_job"
CELERY_IMPORT_TASK = "intake.process_import"


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
