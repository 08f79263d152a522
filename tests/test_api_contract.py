"""The contract with clients: a bounded Schemathesis run against the service's own OpenAPI, on a
real uvicorn process on loopback, finds no server error, no undocumented status and no wrong
`Allow` header."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from intake.persistence.database import Database, upgrade
from intake.service.accounts import create_user
from tests.api_support import ROOT_DIR

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
CHECKS = (
    "not_a_server_error,status_code_conformance,allow_header_conformance,"
    "content_type_conformance,unsupported_method,positive_data_acceptance"
)
"""What the run holds the service to: among others, that a request the document calls valid
is accepted (every body is typed as the service checks it, api/openapi.py)."""
CONFIG = Path(__file__).with_name("schemathesis.toml")
"""The one rule the document cannot state (an upload's bytes must be a scan), allowed there."""
MAX_EXAMPLES = 10


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(not SCHEMATHESIS.exists(), reason="schemathesis not installed (test extra)")
def test_schemathesis_finds_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'intake.db'}"
    upgrade(url)
    db = Database(url)
    try:
        with db.session(write=True) as session:
            token = create_user(session, "st-reviewer", "reviewer").token
    finally:
        db.dispose()
    port = _free_port()
    env = {
        **os.environ,
        "INTAKE_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT_DIR),
        "INTAKE_EVENTS_TIMEOUT_SECONDS": "1",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "api.app:app_from_env",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT_DIR,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "service did not start"
            time.sleep(0.3)
        run = subprocess.run(
            [
                str(SCHEMATHESIS),
                "--config-file",
                str(CONFIG),
                "run",
                f"{base}/openapi.json",
                "-H",
                f"Authorization: Bearer {token}",
                "-n",
                str(MAX_EXAMPLES),
                "--phases",
                "coverage,fuzzing",
                "-c",
                CHECKS,
                "--seed",
                "20261201",
                "--request-timeout",
                "30",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(tmp_path / "schemathesis-report", ignore_errors=True)
    summary = run.stdout[-3000:]
    print(summary)  # the figures (operations, cases, failures), shown with -s
    assert run.returncode == 0, summary
    assert " generated" in summary and "failed" not in summary.split("Test cases:")[-1], summary
