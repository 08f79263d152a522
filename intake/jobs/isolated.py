"""One untrusted parse in a child process: bounded memory, CPU and wall time, nothing shared.

A worker hands a table it has not read yet to `run_isolated`; a file that unpacks to gigabytes or
parses for minutes then costs a child process that the limits end, never the service's memory or
its interpreter (in the embedded mode the worker is a thread of the service process).
"""

from __future__ import annotations

import errno
import importlib
import os
import pickle
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MiB = 1024 * 1024


@dataclass(frozen=True)
class ChildLimits:
    memory_bytes: int = 512 * MiB
    """Address space of the child (RLIMIT_AS, set once the target's module is imported, and
    counting what that import mapped): past it allocations fail with MemoryError."""
    cpu_seconds: int = 120
    """CPU time of the child (RLIMIT_CPU): past it the kernel ends it."""
    wall_seconds: float = 180.0
    """Past this the parent kills the child."""
    niceness: int = 10
    """Added to the child's nice value: the scheduler serves the service's threads first."""


class ChildFailed(Exception):
    """The child ended without a result: `limit` is memory, cpu, wall or crash."""

    def __init__(self, limit: str, detail: str):
        super().__init__(f"{limit}: {detail}")
        self.limit = limit
        self.detail = detail


def run_isolated(
    target: str,
    *args: Any,
    limits: ChildLimits | None = None,
    heartbeat: Callable[[], None] | None = None,
    heartbeat_seconds: float = 5.0,
) -> Any:
    """`target` ("package.module:function") called with `args` in a fresh Python process.

    Its return value comes back here (pickled); an exception it raises is raised here;
    ChildFailed when it ended by a limit or crashed. `heartbeat` is called every
    `heartbeat_seconds` while the child runs (a worker renews its lease there).
    """
    limits = limits or ChildLimits()
    request = pickle.dumps((target, args, limits))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "intake.jobs.isolated"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    deadline = time.monotonic() + limits.wall_seconds
    send: bytes | None = request
    while True:
        try:
            out, err = child.communicate(send, timeout=heartbeat_seconds)
            break
        except subprocess.TimeoutExpired:
            send = None
            if time.monotonic() > deadline:
                child.kill()
                child.communicate()
                raise ChildFailed(
                    "wall", f"still running after {limits.wall_seconds:g} s"
                ) from None
            if heartbeat is not None:
                heartbeat()
        except BaseException:
            child.kill()
            child.communicate()
            raise
    if child.returncode == 0 and out:
        status, value = pickle.loads(out)
        if status == "ok":
            return value
        if isinstance(value, MemoryError):
            raise ChildFailed("memory", f"over {limits.memory_bytes // MiB} MiB")
        raise value
    tail = err.decode("utf-8", "replace")[-500:].strip()
    if child.returncode == -signal.SIGXCPU:
        raise ChildFailed("cpu", f"over {limits.cpu_seconds} s of CPU")
    if "MemoryError" in tail:
        raise ChildFailed("memory", f"over {limits.memory_bytes // MiB} MiB")
    raise ChildFailed("crash", f"exit status {child.returncode}: {tail}")


def _out_of_memory(exc: BaseException) -> bool:
    """A library that could not be mapped, or an allocation refused, under the address limit."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOMEM:
        return True
    text = str(exc)
    return isinstance(exc, ImportError) and (
        "failed to map segment" in text or "cannot allocate memory" in text.lower()
    )


def _child() -> int:
    # The result goes to the original stdout; anything a library prints goes to stderr.
    result = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    target, args, limits = pickle.loads(sys.stdin.buffer.read())
    module, _, name = target.partition(":")
    function = getattr(importlib.import_module(module), name)  # our own code: before the limits
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    os.nice(limits.niceness)  # the service's requests come first on a shared core
    try:
        value = ("ok", function(*args))
    except MemoryError:
        value = ("error", MemoryError())
    except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
        value = ("error", MemoryError() if _out_of_memory(exc) else exc)
    try:
        payload = pickle.dumps(value)
    except Exception as exc:  # noqa: BLE001 - an exception that does not pickle
        payload = pickle.dumps(("error", RuntimeError(f"{type(exc).__name__}: {value[1]}")))
    result.write(payload)
    result.close()
    return 0


if __name__ == "__main__":
    sys.exit(_child())
