"""Jobs: a worker killed mid-job is resumed with the same result; failures stay in their own job."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from api.app import create_app
from core.errors import ImportInvalid, ObjectNotFound, StorageError
from intake.jobs import imports as job_imports
from intake.jobs.isolated import ChildFailed, ChildLimits, MiB, run_isolated
from intake.jobs.queues import CeleryQueue, LocalRunner, per_thread
from intake.jobs.work import (
    JobContext,
    JobSettings,
    LeaseLost,
    claim,
    claimable_jobs,
    process_claimed,
    run_job,
)
from intake.persistence.database import Database
from intake.persistence.records import FilingRecord, ImportRecord, JobRecord, PageRecord, utcnow
from intake.persistence.storage import LocalStorage
from intake.pipeline.report import field_json
from intake.service.filings import create_filing
from intake.service.imports import receive_import
from intake.service.scope import Scope
from intake.service.uploads import IncomingFile, receive_files
from tests.api_support import (
    BUNDLE_COLORS,
    BUNDLE_FILING,
    CAMPAIGN,
    ROOT_DIR,
    add_accounts,
    bundle_engine,
    filing_data,
    page_png,
    pages_tiff,
    running_service,
    scripted_pipeline,
    service_settings,
    stored_files,
    wait_for_jobs,
)
from tests.helpers import assert_valid_report
from tests.test_importer import csv_bytes, platform_row

VOLATILE = {"decided_at", "corrected_at", "job_id", "document_id", "id"}


def _stable(value):
    """A report without ids and times, for comparing two runs."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def _store_bundle(settings, filing: dict, name: str = "bundle.tif") -> int:
    db = Database(settings.effective_database_url)
    storage = LocalStorage(Path(settings.effective_storage))
    try:
        with db.session(write=True) as session:
            create_filing(session, Scope.system(), filing, [])
        with db.session(write=True) as session:
            outcomes = receive_files(
                session,
                storage,
                Scope.system(),
                filing["filing_id"],
                [IncomingFile(name, io.BytesIO(pages_tiff(BUNDLE_COLORS)))],
                max_bytes=10 * 1024 * 1024,
                max_files=5,
            )
            return outcomes[0].job.id
    finally:
        db.dispose()


def _job(settings, job_id: int) -> JobRecord:
    db = Database(settings.effective_database_url)
    try:
        with db.session() as session:
            return session.get(JobRecord, job_id)
    finally:
        db.dispose()


def test_killed_worker_is_resumed_with_the_same_result(tmp_path: Path) -> None:
    settings = service_settings(tmp_path)
    users = add_accounts(settings.effective_database_url)
    job_id = _store_bundle(settings, BUNDLE_FILING)

    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from tests.api_support import slow_worker; slow_worker({str(tmp_path)!r}, 0.6)",
        ],
        cwd=ROOT_DIR,
        env={**os.environ, "PYTHONPATH": str(ROOT_DIR)},
    )
    try:
        deadline = time.monotonic() + 60
        while _job(settings, job_id).pages_done < 2:
            assert worker.poll() is None, "the worker exited on its own"
            assert time.monotonic() < deadline, "the worker made no progress"
            time.sleep(0.05)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    killed = _job(settings, job_id)
    assert killed.state == "running" and 2 <= killed.pages_done < 4 and killed.attempts == 1

    app = create_app(settings, pipeline=scripted_pipeline(bundle_engine()))
    with TestClient(app) as client:  # starting up re-queues the job left running
        reviewer = users.headers("reviewer")
        filing_id = BUNDLE_FILING["filing_id"]
        (job,) = wait_for_jobs(client, filing_id, reviewer)
        assert job["state"] == "done" and job["attempts"] == 2
        assert job["pages_done"] == job["pages_total"] == 4
        resumed = client.get(f"/api/filings/{filing_id}/report", headers=reviewer).json()
        assert_valid_report(resumed)
        assert [f["code"] for f in resumed["flags"]] == ["established_date_mismatch"]

        with Database(settings.effective_database_url).session(write=True) as session:
            session.execute(update(JobRecord).values(state="queued"))
        app.state.services.queue.submit([job_id])
        time.sleep(0.1)
        (job,) = wait_for_jobs(client, filing_id, reviewer)
        assert job["attempts"] == 3
        rerun = client.get(f"/api/filings/{filing_id}/report", headers=reviewer).json()
        assert _stable(rerun) == _stable(resumed)

    # The same file read straight through the pipeline, with no service in between.
    path = tmp_path / "bundle.tif"
    path.write_bytes(pages_tiff(BUNDLE_COLORS))
    direct = scripted_pipeline(bundle_engine())().read_document(path, source="bundle.tif")
    pages = resumed["documents"][0]["pages"]
    assert [p["kind"] for p in pages] == [p.kind.value for p in direct.pages]
    assert [p["fields"] for p in pages] == [
        {n: field_json(f) for n, f in p.fields.items()} for p in direct.pages
    ]


def test_a_failing_document_fails_only_its_own_job(tmp_path: Path) -> None:
    filing = filing_data("JS-320500-FAIL-1")
    crash, good = (66, 66, 66), (205, 220, 240)
    engine = bundle_engine()
    engine.scripts[crash] = None
    engine.scripts[good] = ["营业执照", f"统一社会信用代码 {filing['applicant']['credit_code']}"]
    settings = service_settings(tmp_path)
    users = add_accounts(settings.effective_database_url)
    with TestClient(create_app(settings, pipeline=scripted_pipeline(engine))) as client:
        clerk = users.headers("clerk_sz")
        assert client.post("/api/filings", json=filing, headers=clerk).status_code == 201
        truncated = page_png((5, 5, 5))[:40]
        files = [
            ("files", ("crashes.png", page_png(crash), "image/png")),
            ("files", ("truncated.png", truncated, "image/png")),
            ("files", ("licence.png", page_png(good), "image/png")),
        ]
        assert (
            client.post(
                "/api/filings/JS-320500-FAIL-1/documents", files=files, headers=clerk
            ).status_code
            == 202
        )
        jobs = wait_for_jobs(client, "JS-320500-FAIL-1", clerk)
        assert [j["state"] for j in jobs] == ["failed", "failed", "done"]
        assert "Boom" in jobs[0]["error"] and "scripted crash" in jobs[0]["error"]
        assert jobs[1]["error"]
        report = client.get("/api/filings/JS-320500-FAIL-1/report", headers=clerk).json()
        assert_valid_report(report)
        documents = report["documents"]
        assert documents[0]["error_code"] == "processing_failed"
        assert documents[1]["error"] and documents[1]["pages"] == []
        assert (
            documents[2]["error"] is None and documents[2]["pages"][0]["kind"] == "business_license"
        )
        unreadable = [f for f in report["flags"] if f["code"] == "document_unreadable"]
        assert {f["source"] for f in unreadable} == {"crashes.png", "truncated.png"}
        assert (
            client.get("/api/filings/JS-320500-FAIL-1", headers=clerk).json()["status"] == "flagged"
        )


def _context(settings, engine=None, **job_settings) -> JobContext:
    return JobContext(
        db=Database(settings.effective_database_url),
        storage=LocalStorage(Path(settings.effective_storage)),
        pipeline=per_thread(scripted_pipeline(engine or bundle_engine())),
        settings=JobSettings(lease_seconds=60, **job_settings),
    )


def test_a_worker_whose_lease_ran_out_cannot_write(tmp_path: Path) -> None:
    settings = service_settings(tmp_path)
    add_accounts(settings.effective_database_url)
    job_id = _store_bundle(settings, BUNDLE_FILING)
    context = _context(settings)
    first = claim(context.db, job_id, lease_seconds=60)
    assert first is not None
    assert claim(context.db, job_id, lease_seconds=60) is None  # held: nobody else gets it
    with context.db.session(write=True) as session:
        session.execute(update(JobRecord).values(lease_until=utcnow() - timedelta(seconds=1)))
    second = claim(context.db, job_id, lease_seconds=60)
    assert second is not None and second != first
    with pytest.raises(LeaseLost):
        process_claimed(context, job_id, first)
    assert process_claimed(context, job_id, second) == "done"
    with context.db.session() as session:
        job = session.get(JobRecord, job_id)
        assert job.attempts == 2 and job.state == "done"
        assert len(list(session.scalars(select(PageRecord)))) == 4
    assert run_job(context, job_id) is None  # a finished job is not taken again
    context.db.dispose()


def test_a_job_that_keeps_killing_workers_is_failed(tmp_path: Path) -> None:
    settings = service_settings(tmp_path)
    add_accounts(settings.effective_database_url)
    job_id = _store_bundle(settings, BUNDLE_FILING)
    context = _context(settings, max_attempts=2)
    with context.db.session(write=True) as session:
        session.execute(
            update(JobRecord).values(
                state="running", attempts=2, lease_until=utcnow() - timedelta(seconds=1)
            )
        )
    assert run_job(context, job_id) == "failed"
    with context.db.session() as session:
        job = session.get(JobRecord, job_id)
        assert job.state == "failed" and "中断" in job.error
    context.db.dispose()


# --------------------------------------------------------------------------- failures


class FlakyStorage(LocalStorage):
    """A file store whose first `failures` reads of an original raise `error` (then it heals)."""

    def __init__(self, root: Path, error: Exception, failures: int):
        super().__init__(root)
        self.error, self.failures, self.reads = error, failures, 0

    def local_copy(self, key: str):
        self.reads += 1
        if self.reads <= self.failures:
            raise self.error
        return super().local_copy(key)


TRANSIENT = [
    StorageError("存储服务暂时不可用 / storage timed out"),
    OperationalError("SELECT 1", {}, ConnectionError("server closed the connection")),
]


@pytest.mark.parametrize("error", TRANSIENT, ids=["storage", "database"])
def test_a_transient_error_that_heals_is_retried(tmp_path: Path, error: Exception) -> None:
    settings = service_settings(tmp_path)
    add_accounts(settings.effective_database_url)
    job_id = _store_bundle(settings, BUNDLE_FILING)
    context = _context(settings, max_attempts=3, retry_seconds=30)
    context.storage = FlakyStorage(Path(settings.effective_storage), error, failures=1)
    assert run_job(context, job_id) == "queued"
    waiting = _job(settings, job_id)
    assert waiting.attempts == 1 and "暂时出错" in waiting.error and waiting.claim_token is None
    assert claimable_jobs(context.db) == []  # held for its wait
    assert run_job(context, job_id) is None
    with context.db.session(write=True) as session:  # the wait is over
        session.execute(update(JobRecord).values(lease_until=utcnow() - timedelta(seconds=1)))
    assert claimable_jobs(context.db) == [job_id]
    assert run_job(context, job_id) == "done"
    job = _job(settings, job_id)
    assert job.attempts == 2 and job.error is None and job.pages_done == 4
    context.db.dispose()


def test_a_transient_error_that_lasts_fails_after_the_bound(tmp_path: Path) -> None:
    settings = service_settings(tmp_path)
    add_accounts(settings.effective_database_url)
    job_id = _store_bundle(settings, BUNDLE_FILING)
    context = _context(settings, max_attempts=2, retry_seconds=0)
    context.storage = FlakyStorage(Path(settings.effective_storage), TRANSIENT[0], failures=99)
    assert run_job(context, job_id) == "queued"
    assert run_job(context, job_id) == "failed"
    job = _job(settings, job_id)
    assert job.attempts == 2 and "已尝试 2 次" in job.error and "重新处理" in job.error
    assert "storage timed out" in job.error
    assert run_job(context, job_id) is None and context.storage.reads == 2
    context.db.dispose()


def test_a_permanent_error_fails_at_once_with_its_reason(tmp_path: Path) -> None:
    settings = service_settings(tmp_path)
    add_accounts(settings.effective_database_url)
    job_id = _store_bundle(settings, BUNDLE_FILING)
    context = _context(settings, max_attempts=3, retry_seconds=0)
    gone = ObjectNotFound("存储中没有该文件 / no stored object originals/x.tif")
    context.storage = FlakyStorage(Path(settings.effective_storage), gone, failures=1)
    assert run_job(context, job_id) == "failed"
    job = _job(settings, job_id)
    assert job.attempts == 1 and "存储中没有该文件" in job.error
    context.db.dispose()


def test_a_failed_job_is_run_again_by_the_route_and_by_uploading_it_again(tmp_path: Path) -> None:
    filing = filing_data("JS-320500-RETRY-1")
    colour = (120, 80, 40)
    engine = bundle_engine()
    engine.scripts[colour] = None  # the engine crashes on this page…
    settings = service_settings(tmp_path)
    users = add_accounts(settings.effective_database_url)
    with TestClient(create_app(settings, pipeline=scripted_pipeline(engine))) as client:
        clerk = users.headers("clerk_sz")
        assert client.post("/api/filings", json=filing, headers=clerk).status_code == 201
        scan = [("files", ("licence.png", page_png(colour), "image/png"))]
        first = client.post("/api/filings/JS-320500-RETRY-1/documents", files=scan, headers=clerk)
        (failed,) = wait_for_jobs(client, "JS-320500-RETRY-1", clerk)
        assert failed["state"] == "failed" and "Boom" in failed["error"]

        # … until it is fixed; the clerk presses 重新处理 (the route).
        engine.scripts[colour] = [
            "营业执照",
            f"统一社会信用代码 {filing['applicant']['credit_code']}",
        ]
        retried = client.post(f"/api/jobs/{failed['id']}/retry", headers=clerk)
        assert retried.status_code == 202, retried.text
        again = retried.json()
        assert again["id"] != failed["id"] and again["state"] == "queued"
        assert again["document_id"] == first.json()["data"][0]["document"]["id"]
        jobs = wait_for_jobs(client, "JS-320500-RETRY-1", clerk)
        assert [(j["id"], j["state"]) for j in jobs] == [
            (failed["id"], "failed"),
            (again["id"], "done"),
        ]
        report = client.get("/api/filings/JS-320500-RETRY-1/report", headers=clerk).json()
        assert report["documents"][0]["pages"][0]["kind"] == "business_license"
        assert "document_unreadable" not in [f["code"] for f in report["flags"]]
        for job_id in (failed["id"], again["id"]):  # already run again; did not fail
            conflict = client.post(f"/api/jobs/{job_id}/retry", headers=clerk)
            assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "conflict"
        assert client.post(f"/api/jobs/{again['id']}/retry").status_code == 401
        nanjing = client.post(f"/api/jobs/{again['id']}/retry", headers=users.headers("clerk_nj"))
        assert nanjing.status_code == 404

        # A file whose job failed, uploaded again: read again by a new job, not the old failure.
        other = (60, 140, 90)
        engine.scripts[other] = None
        scan = [("files", ("certificate.png", page_png(other), "image/png"))]
        client.post("/api/filings/JS-320500-RETRY-1/documents", files=scan, headers=clerk)
        assert wait_for_jobs(client, "JS-320500-RETRY-1", clerk)[-1]["state"] == "failed"
        engine.scripts[other] = ["计算机软件著作权登记证书"]
        upload = client.post("/api/filings/JS-320500-RETRY-1/documents", files=scan, headers=clerk)
        assert upload.status_code == 202
        (item,) = upload.json()["data"]
        assert item["duplicate"] and item["requeued"] and item["job"]["state"] == "queued"
        assert wait_for_jobs(client, "JS-320500-RETRY-1", clerk)[-1]["id"] == item["job"]["id"]
        assert wait_for_jobs(client, "JS-320500-RETRY-1", clerk)[-1]["state"] == "done"
        # The same file again now that it was read: the existing job, nothing re-run.
        same = client.post("/api/filings/JS-320500-RETRY-1/documents", files=scan, headers=clerk)
        (item_again,) = same.json()["data"]
        assert item_again["duplicate"] and not item_again["requeued"]
        assert item_again["job"]["id"] == item["job"]["id"]

        history = client.get("/api/filings/JS-320500-RETRY-1/history", headers=clerk).json()["data"]
        retried_entries = [e for e in history if e["action"] == "job_retried"]
        assert len(retried_entries) == 2
        assert retried_entries[0]["before"]["job_id"] == failed["id"]
        assert "Boom" in retried_entries[0]["before"]["error"]
        assert retried_entries[0]["user_name"] == "clerk_sz"


def test_the_sweeper_resends_by_the_same_lease_rule_as_claims(tmp_path: Path) -> None:
    """Celery mode: a job whose worker died or whose retry wait is over is sent again; a job
    still held (a live lease, a wait not over) is not — exactly the jobs a claim would take."""
    settings = service_settings(tmp_path)
    add_accounts(settings.effective_database_url)
    first = _store_bundle(settings, BUNDLE_FILING)
    context = _context(settings)
    with context.db.session(write=True) as session:  # three more jobs of the same document
        job = session.get(JobRecord, first)
        copies = [
            JobRecord(
                document_id=job.document_id,
                filing_id=job.filing_id,
                bureau=job.bureau,
                state="queued",
                pages_done=0,
                pages_total=0,
                attempts=0,
                created_at=job.created_at,
                updated_at=job.updated_at,
            )
            for _ in range(3)
        ]
        session.add_all(copies)
        session.flush()
        ids = [first, *(c.id for c in copies)]
    queue = CeleryQueue(context, "redis://127.0.0.1:1/0")
    sent: list[int] = []
    queue.submit = sent.extend
    past, future = utcnow() - timedelta(seconds=5), utcnow() + timedelta(seconds=300)
    states = {
        ids[0]: ("running", past),  # its worker died
        ids[1]: ("running", future),  # its worker is at work
        ids[2]: ("queued", past),  # its retry wait is over
        ids[3]: ("queued", future),  # still waiting to retry
    }
    with context.db.session(write=True) as session:
        for job_id, (state, lease) in states.items():
            session.execute(
                update(JobRecord)
                .where(JobRecord.id == job_id)
                .values(state=state, lease_until=lease, updated_at=utcnow())
            )
    assert sorted(claimable_jobs(context.db)) == [ids[0], ids[2]]
    assert sorted(queue.sweep()) == [ids[0], ids[2]] == sorted(sent)
    assert _job(settings, ids[2]).lease_until is None  # sent: not sent again at the next sweep
    queue.celery.close()
    context.db.dispose()


# --------------------------------------------------------------------------- imports


def test_a_child_past_its_limits_is_ended_and_says_which() -> None:
    with pytest.raises(ChildFailed) as memory:
        run_isolated("builtins:bytearray", 900 * MiB, limits=ChildLimits(memory_bytes=256 * MiB))
    assert memory.value.limit == "memory"
    with pytest.raises(ChildFailed) as cpu:
        run_isolated("builtins:sum", range(10**12), limits=ChildLimits(cpu_seconds=1))
    assert cpu.value.limit == "cpu"
    with pytest.raises(ChildFailed) as wall:
        run_isolated("time:sleep", 30, limits=ChildLimits(wall_seconds=1), heartbeat_seconds=0.2)
    assert wall.value.limit == "wall"
    with pytest.raises(ImportInvalid, match="文件是空的"):  # the child's own error, as raised
        run_isolated("intake.service.import_sheets:read_sheets", b"", "a.csv")
    assert run_isolated("os.path:join", "a", "b") == "a/b"


def _queued_import(settings, data: bytes, name: str = "征集信息表.csv") -> int:
    db = Database(settings.effective_database_url)
    storage = LocalStorage(Path(settings.effective_storage))
    try:
        with db.session(write=True) as session:
            record = receive_import(
                session, storage, Scope.system(), name, io.BytesIO(data), CAMPAIGN, 1 << 20, []
            )
            return record.id
    finally:
        db.dispose()


def test_an_import_whose_reading_passes_its_limits_fails_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = service_settings(tmp_path)
    add_accounts(settings.effective_database_url)
    tight = _queued_import(settings, csv_bytes([platform_row(n) for n in range(1, 1501)]))
    context = _context(settings)
    monkeypatch.setattr(job_imports, "READ_LIMITS", ChildLimits(memory_bytes=48 * MiB))
    assert job_imports.run_import(context, tight) == "failed"
    monkeypatch.undo()
    fine = _queued_import(settings, csv_bytes([platform_row(1), platform_row(2)]))
    assert job_imports.run_import(context, fine) == "done"
    assert job_imports.run_import(context, fine) is None  # a finished import is not taken again
    with context.db.session() as session:
        failed, done = session.get(ImportRecord, tight), session.get(ImportRecord, fine)
        assert failed.error_code == "import_invalid" and "内存上限（48 MB）" in failed.error
        assert failed.result is None and failed.attempts == 1
        assert len(done.result["created"]) == 2 and done.error is None
        assert session.scalar(select(func.count()).select_from(FilingRecord)) == 2
    context.db.dispose()


def test_an_import_left_running_by_a_killed_service_is_run_again(tmp_path: Path) -> None:
    settings = service_settings(tmp_path)
    add_accounts(settings.effective_database_url)
    import_id = _queued_import(settings, csv_bytes([platform_row(3)]))
    context = _context(settings)
    assert job_imports.claim_import(context.db, import_id, lease_seconds=600) is not None
    assert job_imports.run_import(context, import_id) is None  # held by the dead worker
    runner = LocalRunner(context, poll_seconds=0.05)
    runner.start()  # the service starting again: the running import goes back to the queue
    try:
        deadline = time.monotonic() + 60
        while True:
            with context.db.session() as session:
                record = session.get(ImportRecord, import_id)
                if record.state in ("done", "failed"):
                    break
            assert time.monotonic() < deadline, record.state
            time.sleep(0.1)
    finally:
        runner.stop()
    assert record.state == "done" and record.attempts == 2 and len(record.result["created"]) == 1
    context.db.dispose()


# --------------------------------------------------------------------------- orphans


def test_orphans_left_by_a_killed_upload_are_gone_when_the_service_starts(tmp_path: Path) -> None:
    """kill -9 during an upload left a stored original and a `.part` with no row (issue 12,
    item 11): at the next start they are swept; every file with a row survives; and files
    orphaned while it runs are swept once older than the grace period."""
    settings = service_settings(tmp_path, orphan_grace_seconds=1, orphan_sweep_seconds=0.3)
    files = Path(settings.effective_storage)
    with running_service(settings, scripted_pipeline(bundle_engine())) as (client, users):
        clerk = users.headers("reviewer")
        client.post("/api/filings", json=BUNDLE_FILING, headers=clerk).raise_for_status()
        upload = client.post(
            f"/api/filings/{BUNDLE_FILING['filing_id']}/documents",
            files=[("files", ("bundle.tif", pages_tiff(BUNDLE_COLORS)))],
            headers=clerk,
        )
        assert upload.status_code == 202, upload.text
        wait_for_jobs(client, BUNDLE_FILING["filing_id"], clerk)
    held = stored_files(files)
    assert any(k.startswith("originals/") for k in held) and any(
        k.startswith("pages/") for k in held
    )
    folder = next(k for k in held if k.startswith("originals/")).rsplit("/", 1)[0]
    killed = {f"{folder}/0f0f0f.tif", f"{folder}/.1e1e1e.tif.~abc123.part", "pages/77/0.jpg"}
    for key in killed:
        (files / key).parent.mkdir(parents=True, exist_ok=True)
        (files / key).write_bytes(b"left by kill -9" * 1000)
    app = create_app(settings, pipeline=scripted_pipeline(bundle_engine()))
    with TestClient(app) as client:  # the service started again
        assert stored_files(files) == held  # swept before the service answered
        late = files / folder / "1a2b3c.tif"
        late.write_bytes(b"orphaned while running")
        deadline = time.monotonic() + 20
        while late.exists():
            assert time.monotonic() < deadline, "the periodic sweep did not come"
            time.sleep(0.1)
        assert stored_files(files) == held
        report = client.get(
            f"/api/filings/{BUNDLE_FILING['filing_id']}/report", headers=users.headers("reviewer")
        )
        assert report.status_code == 200 and report.json()["documents"]
