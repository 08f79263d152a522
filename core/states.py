"""The states a job, a flag and a filing go through; stored as their string values."""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


ACTIVE_JOB_STATES = (JobState.QUEUED, JobState.RUNNING)
FINISHED_JOB_STATES = (JobState.DONE, JobState.FAILED)


class FlagStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
    RESOLVED = "resolved"
    """Not raised by the latest check any more; the decision, if any, is kept for later."""


STANDING_FLAG_STATUSES = (FlagStatus.OPEN, FlagStatus.CONFIRMED)
"""Flags that still stand against a filing."""


class FilingStatus(StrEnum):
    AWAITING_UPLOAD = "awaiting_upload"
    PROCESSING = "processing"
    FLAGGED = "flagged"
    CLEAN = "clean"
    RECOMMENDED = "recommended"
    NOT_RECOMMENDED = "not_recommended"
