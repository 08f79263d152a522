"""Scaled out for real: PostgreSQL + Redis + Celery worker processes + S3 (moto, via minio).

The same upload-to-report path as the embedded test, and a worker killed mid-job whose job
is taken over by a new worker. Skipped only when PostgreSQL or Redis cannot be reached.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from fastapi.testclient import TestClient
from moto.server import ThreadedMotoServer

from api.app import create_app
from core.settings import Settings
from intake.jobs.orphans import sweep_orphans
from intake.persistence.database import Database
from intake.persistence.records import utcnow
from intake.persistence.storage import S3Storage
from tests.api_support import CAMPAIGN, ROOT_DIR, add_accounts, wait_for_import, wait_for_jobs
from tests.helpers import SAMPLES, assert_valid_report, scratch_postgres
from tests.test_importer import csv_bytes, platform_row

pytestmark = pytest.mark.slow

REDIS = os.environ.get("INTAKE_TEST_REDIS", "redis://127.0.0.1:6379/13")
CASE = SAMPLES / "dev-2021-003-established_date_mismatch"


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    with scratch_postgres("intake_test") as url:
        yield url


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(REDIS, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis not reachable at {REDIS} (start it, e.g. with .ci/run)")
    client.flushdb()
    try:
        yield REDIS
    finally:
        client.flushdb()
        client.close()


@dataclass
class S3:
    endpoint: str
    bucket: str

    @property
    def url(self) -> str:
        return f"s3://testing:testing@{self.endpoint}/{self.bucket}?secure=false&region=us-east-1"

    def keys(self) -> list[str]:
        client = boto3.client(
            "s3",
            endpoint_url=f"http://{self.endpoint}",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


@pytest.fixture(scope="module")
def s3() -> Iterator[S3]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3(f"{host}:{port}", f"intake-{uuid.uuid4().hex[:8]}")
    finally:
        server.stop()


@pytest.fixture(scope="module")
def settings(database_url: str, redis_url: str, s3: S3, tmp_path_factory) -> Settings:
    return Settings(
        data_dir=tmp_path_factory.mktemp("scaleout"),
        database_url=database_url,
        storage=s3.url,
        queue="celery",
        redis_url=redis_url,
        job_lease_seconds=15,
        sweep_seconds=1.0,
        events_poll_seconds=0.1,
    )


def _environment(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT_DIR),
        "INTAKE_DATABASE_URL": settings.database_url or "",
        "INTAKE_STORAGE": settings.storage or "",
        "INTAKE_QUEUE": "celery",
        "INTAKE_REDIS_URL": settings.redis_url,
        "INTAKE_JOB_LEASE_SECONDS": str(settings.job_lease_seconds),
        "INTAKE_DATA_DIR": str(settings.data_dir),
    }


def start_worker(settings: Settings, log: Path) -> subprocess.Popen:
    """A real Celery worker process (`intake worker`, solo pool) on the test's settings."""
    command = [sys.executable, "-m", "intake.cli", "worker", "--pool", "solo", "--loglevel", "INFO"]
    with log.open("ab") as handle:
        return subprocess.Popen(
            command,
            cwd=ROOT_DIR,
            env=_environment(settings),
            stdout=handle,
            stderr=subprocess.STDOUT,
        )


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@pytest.fixture(scope="module")
def service(settings: Settings, tmp_path_factory):
    if not (CASE / "filing.json").exists():
        pytest.skip("sample case dev-2021-003 not generated")
    users = add_accounts(settings.effective_database_url)
    logs = tmp_path_factory.mktemp("worker-logs")
    with TestClient(create_app(settings)) as client:
        yield client, users, settings, logs


def _scans() -> list[Path]:
    return sorted(p for p in CASE.iterdir() if p.suffix in (".jpg", ".pdf", ".png"))


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"


def test_upload_to_report_on_postgres_redis_celery_s3(service, s3: S3) -> None:
    client, users, settings, logs = service
    worker = start_worker(settings, logs / "w1.log")
    try:
        filing = json.loads((CASE / "filing.json").read_text("utf-8"))
        filing_id = filing["filing_id"]
        clerk = users.headers("clerk_sz")
        assert client.post("/api/filings", json=filing, headers=clerk).status_code == 201
        files = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in _scans()]
        accepted = client.post(f"/api/filings/{filing_id}/documents", files=files, headers=clerk)
        assert accepted.status_code == 202, accepted.text
        originals = [k for k in s3.keys() if k.startswith("originals/")]
        assert len(originals) == len(files)

        jobs = wait_for_jobs(client, filing_id, clerk, timeout=300)
        assert all(j["state"] == "done" for j in jobs), (jobs, _tail(logs / "w1.log"))
    finally:
        stop(worker)
    report = client.get(f"/api/filings/{filing_id}/report", headers=clerk).json()
    assert_valid_report(report)
    assert "established_date_mismatch" in [f["code"] for f in report["flags"]]
    pages = [k for k in s3.keys() if k.startswith("pages/")]
    assert len(pages) == sum(len(d["pages"]) for d in report["documents"])
    document_id = report["documents"][0]["document_id"]
    image = client.get(f"/api/documents/{document_id}/pages/0/image", headers=clerk)
    assert image.status_code == 200 and image.content.startswith(b"\xff\xd8")

    flag = next(f for f in report["flags"] if f["code"] == "established_date_mismatch")
    dismissed = client.post(
        f"/api/flags/{flag['id']}/decision",
        json={"decision": "dismiss", "reason": "已电话核实，执照为换发件"},
        headers=clerk,
    )
    assert dismissed.status_code == 200
    summary = client.get("/api/bureaus/320500/summary.xlsx", headers=clerk)
    assert summary.status_code == 200 and summary.content.startswith(b"PK")
    history = client.get(f"/api/filings/{filing_id}/history", headers=clerk).json()["data"]
    assert [h["action"] for h in history] == [
        "filing_created",
        "documents_uploaded",
        "flag_raised",
        "flag_dismissed",
    ]


def test_a_killed_worker_is_replaced_and_its_job_finished(service) -> None:
    client, users, settings, logs = service
    filing = json.loads((CASE / "filing.json").read_text("utf-8"))
    filing = dict(filing, filing_id="JS-SCALE-KILL")
    reviewer = users.headers("reviewer")
    assert client.post("/api/filings", json=filing, headers=reviewer).status_code == 201
    victim = start_worker(settings, logs / "w2.log")
    try:
        scan = CASE / "report_1.jpg"
        client.post(
            "/api/filings/JS-SCALE-KILL/documents",
            files=[("files", (scan.name, scan.read_bytes(), "image/jpeg"))],
            headers=reviewer,
        ).raise_for_status()
        deadline = time.monotonic() + 120
        while True:
            (job,) = client.get("/api/filings/JS-SCALE-KILL/jobs", headers=reviewer).json()["data"]
            if job["state"] == "running":
                break
            assert job["state"] == "queued" and time.monotonic() < deadline, (
                job,
                _tail(logs / "w2.log"),
            )
            time.sleep(0.05)
    finally:
        stop(victim, signal.SIGKILL)
    assert client.get(f"/api/jobs/{job['id']}", headers=reviewer).json()["state"] == "running"
    replacement = start_worker(settings, logs / "w3.log")
    try:
        (done,) = wait_for_jobs(client, "JS-SCALE-KILL", reviewer, timeout=240)
    finally:
        stop(replacement)
    assert done["state"] == "done" and done["attempts"] == 2, (done, _tail(logs / "w3.log"))
    report = client.get("/api/filings/JS-SCALE-KILL/report", headers=reviewer).json()
    assert_valid_report(report)
    assert report["documents"][0]["pages"][0]["kind"] == "test_report"


def test_an_import_is_read_by_a_celery_worker_and_orphans_go_from_s3(service, s3: S3) -> None:
    """Scaled out, an import is a Celery task: the table stored in S3, read by the worker in
    its bounded child process, the rows written; a file left in S3 with no row is swept."""
    client, users, settings, logs = service
    worker = start_worker(settings, logs / "w-import.log")
    clerk = users.headers("clerk_sz")
    try:
        table = csv_bytes([platform_row(91), platform_row(92)])
        response = client.post(
            "/api/filings/import",
            files={"file": ("征集信息表.csv", table, "text/csv")},
            data={"campaign": CAMPAIGN},
            headers=clerk,
        )
        done = wait_for_import(client, response, clerk, timeout=120)
        assert done["state"] == "done", (done, _tail(logs / "w-import.log"))
        assert len(done["result"]["created"]) == 2
        assert [k for k in s3.keys() if k.startswith("imports/")]
    finally:
        stop(worker)
    storage = S3Storage(s3.endpoint, s3.bucket, "testing", "testing", region="us-east-1")
    storage.put_bytes("originals/killed/0f0f.pdf", b"%PDF-1.4 left by kill -9")
    db = Database(settings.effective_database_url)
    try:
        later = utcnow() + timedelta(hours=2)
        swept = sweep_orphans(db, storage, timedelta(hours=1), now=later)
    finally:
        db.dispose()
    assert swept.objects == ["originals/killed/0f0f.pdf"]
    assert [k for k in s3.keys() if k.startswith("imports/")]  # a row holds it
    assert client.get(f"/api/imports/{done['id']}", headers=clerk).json()["state"] == "done"
