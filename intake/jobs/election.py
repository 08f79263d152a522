"""One job runner per data folder: of the service processes that share it (`intake serve
--workers N` on the local queue), the one holding its lock file runs the jobs; the others stand
by and the first to take the lock after that process ends takes over.

The local runner re-queues jobs left `running` when it starts, which is right only while no
other process runs jobs: holding the lock is what makes it so. A process that stands by hands
nothing on (`submit`): the runner finds new jobs in the database within its poll interval.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from pathlib import Path
from typing import IO

from intake.jobs.queues import JobQueue

log = logging.getLogger(__name__)


class ElectedRunner:
    """A `JobQueue` that starts `runner` only in the process holding `lock_path`."""

    def __init__(self, runner: JobQueue, lock_path: Path, retry_seconds: float = 2.0):
        self.runner = runner
        self.lock_path = lock_path
        self.retry_seconds = retry_seconds
        self.leading = False
        """True in the process that runs the jobs."""
        self._file: IO[str] | None = None
        self._stopping = threading.Event()
        self._standby: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.lock_path.open("a+")
        self._stopping.clear()
        if not self._take_over():
            self._standby = threading.Thread(
                target=self._stand_by, name="intake-job-runner-standby", daemon=True
            )
            self._standby.start()

    def submit(self, job_ids: list[int]) -> None:
        if self.leading:
            self.runner.submit(job_ids)

    def submit_imports(self, import_ids: list[int]) -> None:
        """Wakes this process's import runner if it leads; else the leader's poll finds them."""
        if self.leading:
            self.runner.submit_imports(import_ids)

    def stop(self) -> None:
        self._stopping.set()
        if self._standby is not None:
            self._standby.join(self.retry_seconds + 5)
            self._standby = None
        with self._lock:
            if self.leading:
                self.runner.stop()
                self.leading = False
            if self._file is not None:
                self._file.close()  # releases the lock
                self._file = None

    def _take_over(self) -> bool:
        with self._lock:
            if self._stopping.is_set() or self._file is None:
                return False
            try:
                fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            self.leading = True
            self.runner.start()
            return True

    def _stand_by(self) -> None:
        while not self._stopping.wait(self.retry_seconds):
            if self._take_over():
                log.warning("this service process now runs the jobs (%s)", self.lock_path)
                return
