"""Background work: claiming a job under a lease, running it, the local and Celery queues, wiring from settings."""
