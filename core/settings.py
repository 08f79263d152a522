"""Service settings from INTAKE_* environment variables, built lazily (never at import time)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")

    data_dir: Path = Path("data")
    """Holds the SQLite database and the stored files on the embedded defaults."""
    database_url: str | None = None
    """e.g. postgresql+psycopg://user@host/db; default: SQLite in data_dir."""
    storage: str | None = None
    """A folder, or s3://ACCESS:SECRET@host:port/bucket?secure=false; default: data_dir/files."""
    queue: str = "local"
    """`local` (in-process job runner) or `celery` (workers started with `intake worker`)."""
    redis_url: str = "redis://127.0.0.1:6379/0"
    local_workers: int = Field(default=1, ge=1, le=16)
    service_processes: int = Field(default=1, ge=1, le=64)
    """Service processes sharing the data folder (`intake serve` sets it to its `--workers`)."""
    max_upload_mb: int = Field(default=200, ge=1)
    """Per file; a larger upload is refused with 413 and nothing is kept."""
    max_files_per_upload: int = Field(default=50, ge=1)
    max_import_mb: int = Field(default=20, ge=1)
    """Size limit of a 征集信息表 CSV/XLSX import."""
    campaign_dirs: list[Path] = Field(default_factory=list)
    """Folders of campaign YAML files (JSON list); default: the packaged campaigns."""
    engine: str = "rapidocr"
    ocr_threads: int | None = Field(default=None, ge=1, le=64)
    """CPU threads per OCR model in this process; 1 when running one worker per core."""
    job_lease_seconds: int = Field(default=300, ge=5)
    """A worker renews its lease after each page; a job silent this long is taken over."""
    job_max_attempts: int = Field(default=3, ge=1)
    """Claims of a job: transient failures (storage, database) are retried up to this bound."""
    job_retry_seconds: float = Field(default=10.0, ge=0)
    """The wait before retrying after a transient failure, times the attempts made."""
    sweep_seconds: float = Field(default=30.0, gt=0)
    """Celery mode: how often stalled jobs are looked for and sent again."""
    orphan_grace_seconds: float = Field(default=3600.0, ge=0)
    """A stored file no row refers to is removed once it is this old (a temp file of an
    unfinished write once it was last written this long ago)."""
    orphan_sweep_seconds: float = Field(default=1800.0, gt=0)
    """How often the service sweeps the store for such files (and once when it starts)."""
    events_poll_seconds: float = Field(default=0.5, gt=0)
    events_timeout_seconds: float = Field(default=900.0, gt=0)
    queue_poll_seconds: float = Field(default=5.0, gt=0)
    """How often an open queue page asks whether anything in it changed (/api/queue/version)."""
    session_hours: int = Field(default=10, ge=1)
    secure_cookies: bool = False
    """Set true behind HTTPS so the session cookie is sent only over TLS."""
    db_pool_size: int = Field(default=10, ge=1)
    token_days: int = Field(default=90, ge=1)
    """How long a new or rotated API token works (`intake users rotate-token` renews it)."""
    login_max_failures: int = Field(default=5, ge=1)
    """Wrong passwords for one account within the window before it is locked."""
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    login_lock_minutes: int = Field(default=15, ge=1)

    @model_validator(mode="after")
    def _known_queue(self) -> Settings:
        if self.queue not in ("local", "celery"):
            raise ValueError(f"INTAKE_QUEUE must be local or celery, not {self.queue!r}")
        return self

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'intake.db').resolve()}"

    @property
    def effective_storage(self) -> str:
        return self.storage or str((self.data_dir / "files").resolve())

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def max_import_bytes(self) -> int:
        return self.max_import_mb * 1024 * 1024


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
