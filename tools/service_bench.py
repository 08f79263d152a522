"""Service benchmarks (`intake bench-service`): list latency, upload memory, Celery scaling.

1. 10,000 filings with 30,000 documents (and their jobs and flags) are bulk-inserted; a real
   uvicorn process serves them; 20 concurrent clients on loopback send a bounded number of
   list and filter requests; p50/p95/p99 latency per route; then `wrk` (20 connections back
   to back) per route, with the service's CPU time per request; the same again with as many
   service processes as `intake serve` starts by default (one per core).
2. One 50 MB upload to that process: its VmRSS and VmHWM (/proc) before and after.
3. 40 scanned pages as 40 jobs through Celery on PostgreSQL + Redis: one worker, then two.
4. Off the request path: the list routes while a workbook that unpacks to 180 MiB is imported
   again and again (and while valid 500-row tables are), beside the same measure without an
   import; the service's memory for a 9990×9990 PNG and for a page at the pixel bound.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, insert, select

from intake.cli.serve import cpu_cores
from intake.persistence.database import Database, upgrade
from intake.persistence.records import DocumentRecord, FilingRecord, FlagRecord, JobRecord
from intake.service.accounts import create_user
from tools import import_load
from validators.bureaus import load_bureaus

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
STATUSES = ("awaiting_upload", "flagged", "clean", "processing", "recommended")
FLAG_CODES = (
    "established_date_mismatch",
    "credit_code_mismatch",
    "missing_document",
    "late_submission",
)


# --------------------------------------------------------------------------- seeding


def seed(database_url: str, filings: int, documents_per_filing: int) -> dict[str, str]:
    """Bulk-insert filings, documents, jobs and flags (no OCR); API tokens of two users."""
    upgrade(database_url)
    db = Database(database_url)
    bureaus = sorted(load_bureaus())
    rng = random.Random(20210312)
    now = datetime.now(UTC)
    try:
        with db.session(write=True) as session:
            tokens = {
                "reviewer": create_user(session, "bench-reviewer", "reviewer").token,
                "clerk": create_user(session, "bench-clerk", "clerk", "320500").token,
            }
        filing_rows, document_rows, job_rows, flag_rows = [], [], [], []
        document_id = 0
        for n in range(filings):
            bureau = bureaus[n % len(bureaus)]
            filing_id = f"JS2021-{bureau}-{n:05d}"
            status = STATUSES[rng.randrange(len(STATUSES))]
            name = f"江苏测试{n}号软件科技有限公司"
            code = f"91{bureau}MA{n:08d}"
            data = {
                "filing_id": filing_id,
                "campaign": "jiangsu-2021-first-edition",
                "bureau": bureau,
                "submitted_at": "2021-03-01T10:00:00+08:00",
                "applicant": {"name": name, "credit_code": code},
                "product": {"name": f"测试产品{n}", "version": "V1.0", "rd_investment_wan": 300},
            }
            filing_rows.append(
                {
                    "id": filing_id,
                    "campaign": "jiangsu-2021-first-edition",
                    "bureau": bureau,
                    "applicant_name": name,
                    "credit_code": code,
                    "credit_code_key": code,
                    "name_key": name,
                    "product_name": f"测试产品{n}",
                    "product_version": "V1.0",
                    "submitted_at": now,
                    "data": data,
                    "status": status,
                    "open_flags": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            for d in range(documents_per_filing):
                document_id += 1
                sha = uuid.uuid5(uuid.NAMESPACE_OID, f"{filing_id}/{d}").hex * 2
                document_rows.append(
                    {
                        "id": document_id,
                        "filing_id": filing_id,
                        "sha256": sha,
                        "source": f"scan_{d}.jpg",
                        "storage_key": f"originals/bench/{sha}.jpg",
                        "size": 400_000,
                        "content_type": "jpeg",
                        "page_count": 1,
                        "created_at": now,
                    }
                )
                job_rows.append(
                    {
                        "document_id": document_id,
                        "filing_id": filing_id,
                        "bureau": bureau,
                        "state": "done",
                        "pages_done": 1,
                        "pages_total": 1,
                        "attempts": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            for f in range(rng.randrange(3)):
                code_name = FLAG_CODES[rng.randrange(len(FLAG_CODES))]
                flag_rows.append(
                    {
                        "filing_id": filing_id,
                        "bureau": bureau,
                        "fingerprint": uuid.uuid4().hex * 2,
                        "position": f,
                        "code": code_name,
                        "severity": "error",
                        "message": f"{code_name} 测试疑点",
                        "status": ("open", "confirmed", "dismissed")[rng.randrange(3)],
                        "raised_at": now,
                    }
                )
        with db.session(write=True) as session:
            for table, rows in (
                (FilingRecord, filing_rows),
                (DocumentRecord, document_rows),
                (JobRecord, job_rows),
                (FlagRecord, flag_rows),
            ):
                for start in range(0, len(rows), 2000):
                    session.execute(insert(table), rows[start : start + 2000])
        return tokens
    finally:
        db.dispose()


# --------------------------------------------------------------------------- a server process


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    url: str

    def memory_kb(self) -> dict[str, int]:
        values = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
        return values

    def cpu_seconds(self) -> float:
        """User and system CPU time of the service so far: its process and the worker
        processes uvicorn started (`--workers`), from /proc."""
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        ticks = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_server(env: dict[str, str], log: Path, workers: int = 1) -> Server:
    port = free_port()
    command = [
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
        "--no-access-log",
        "--workers",
        str(workers),
    ]
    with log.open("ab") as handle:
        process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=handle, stderr=subprocess.STDOUT
        )
    server = Server(process, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{server.url}/login", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("server did not start in 60 s")


# --------------------------------------------------------------------------- 1. list latency

LIST_REQUESTS = [
    ("filings", "reviewer", "/api/filings", {}),
    (
        "filings bureau+status",
        "reviewer",
        "/api/filings",
        {"bureau": "320500", "status": "flagged"},
    ),
    ("filings q", "reviewer", "/api/filings", {"q": "测试12"}),
    (
        "filings flag_code",
        "reviewer",
        "/api/filings",
        {"flag_code": "late_submission", "limit": 20},
    ),
    ("filings (clerk)", "clerk", "/api/filings", {"status": "clean"}),
    ("flags status+code", "reviewer", "/api/flags", {"status": "open", "code": "missing_document"}),
    ("flags bureau", "reviewer", "/api/flags", {"bureau": "320100"}),
    ("flags (clerk)", "clerk", "/api/flags", {"status": "open"}),
    ("filings bureau", "reviewer", "/api/filings", {"bureau": "320200"}),
    ("filings page 101 (after)", "reviewer", "/api/filings", {"after": "JS2021-320500-05000"}),
    ("flags open", "reviewer", "/api/flags", {"status": "open"}),
]


def latency(
    server: Server, tokens: dict[str, str], clients: int, requests: int, interval: float = 0.0
) -> dict[str, list[float]]:
    """Latencies (ms) by route: `clients` threads, each sending its share of `requests`,
    back to back (`interval` 0) or one every `interval` seconds (a person clicking)."""
    timings: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()
    per_client = max(1, requests // clients)
    failures: list[str] = []

    def client_loop(number: int) -> None:
        pace = random.Random(number)
        with httpx.Client(base_url=server.url, timeout=30) as http:
            if interval:
                time.sleep(pace.uniform(0, interval))
            for i in range(per_client):
                name, who, path, params = LIST_REQUESTS[(number + i) % len(LIST_REQUESTS)]
                started = time.perf_counter()
                response = http.get(
                    path, params=params, headers={"Authorization": f"Bearer {tokens[who]}"}
                )
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    if response.status_code != 200:
                        failures.append(f"{name}: {response.status_code}")
                    timings[name].append(elapsed)
                    timings["all"].append(elapsed)
                if interval:
                    time.sleep(max(0.0, interval - elapsed / 1000))

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[:3]}")
    return timings


WRK_SCRIPT = """
local p = {}
done = function(summary, latency, requests)
  io.write(string.format("p50 %.2f p95 %.2f p99 %.2f requests %d errors %d\\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.timeout))
end
"""


def wrk_latency(
    server: Server, tokens: dict[str, str], clients: int, seconds: int, work: Path
) -> list[tuple[str, str]]:
    """p50/p95/p99 per list route from `wrk` (a C load generator, one thread, `clients`
    connections back to back), so that the load generator takes little of the machine; and
    the service's CPU time per request (what a shared machine's load changes least)."""
    script = work / "p95.lua"
    script.write_text(WRK_SCRIPT)
    rows = []
    for name, who, path, params in LIST_REQUESTS:
        url = str(httpx.URL(server.url + path, params=params))
        cpu_before = server.cpu_seconds()
        result = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{clients}",
                f"-d{seconds}s",
                "-s",
                str(script),
                "-H",
                f"Authorization: Bearer {tokens[who]}",
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        line = result.stdout.strip().splitlines()[-1]
        served = int(line.split("requests ")[1].split()[0])
        cpu_ms = (server.cpu_seconds() - cpu_before) * 1000 / max(1, served)
        rows.append((name, f"{line} service-cpu/request {cpu_ms:.2f} ms"))
    return rows


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def report_latency(title: str, timings: dict[str, list[float]], clients: int) -> None:
    print(
        f"\nlist and filter routes, {clients} concurrent clients, {len(timings['all'])} requests: {title}"
    )
    print(f"{'route':<24}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for name in [r[0] for r in LIST_REQUESTS] + ["all"]:
        values = timings[name]
        print(
            f"{name:<24}{len(values):>6}{statistics.median(values):>9.1f}"
            f"{percentile(values, 0.95):>9.1f}{percentile(values, 0.99):>9.1f}"
        )


# --------------------------------------------------------------------------- 2. upload memory


class _GeneratedBody:
    """A 50 MB PDF-looking upload made on the fly (never whole in this process either)."""

    def __init__(self, size: int):
        self.size = size
        self.header = b"%PDF-1.4\n%bench\n"

    def __iter__(self):
        yield self.header
        sent = len(self.header)
        block = os.urandom(1024 * 1024)
        while sent < self.size:
            piece = block[: min(len(block), self.size - sent)]
            sent += len(piece)
            yield piece


def _wait_for_job(server: Server, token: str, job_id: int, timeout: float = 180) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = httpx.get(
            f"{server.url}/api/jobs/{job_id}", headers={"Authorization": f"Bearer {token}"}
        ).json()
        if job["state"] in ("done", "failed"):
            return job["state"]
        time.sleep(0.2)
    return "unfinished"


def warm_up_ocr(server: Server, token: str, filing_id: str) -> None:
    """Read one sample page first, so that loading the OCR models is not counted below."""
    page = sample_pages(1)[0]
    response = httpx.post(
        f"{server.url}/api/filings/{filing_id}/documents",
        files=[("files", (page.name, page.read_bytes(), "image/jpeg"))],
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    response.raise_for_status()
    _wait_for_job(server, token, response.json()["data"][0]["job"]["id"])


def upload_memory(server: Server, token: str, filing_id: str, megabytes: int) -> dict[str, int]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    payload = megabytes * 1024 * 1024

    def body():
        yield head
        yield from _GeneratedBody(payload)
        yield tail

    length = len(head) + payload + len(tail)
    before = server.memory_kb()
    response = httpx.post(
        f"{server.url}/api/filings/{filing_id}/documents",
        content=body(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(length),
        },
        timeout=300,
    )
    after = server.memory_kb()
    if response.status_code != 202:
        raise RuntimeError(f"upload answered {response.status_code}: {response.text[:300]}")
    # The in-process worker then reads the file (and refuses it: it only looks like a PDF).
    state = _wait_for_job(server, token, response.json()["data"][0]["job"]["id"])
    settled = server.memory_kb()
    return {
        "rss_before_kb": before["VmRSS"],
        "rss_after_kb": after["VmRSS"],
        "hwm_before_kb": before["VmHWM"],
        "hwm_after_kb": after["VmHWM"],
        "hwm_job_kb": settled["VmHWM"],
        "job_state": state,
    }


# --------------------------------------------------------------------------- 3. celery workers


def sample_pages(count: int) -> list[Path]:
    images = sorted(p for p in SAMPLES.glob("*/*") if p.suffix.lower() in (".jpg", ".png"))
    if not images:
        raise RuntimeError("no sample scans under samples/ (run `intake samples` first)")
    return [images[i % len(images)] for i in range(count)]


def celery_run(env: dict[str, str], workers: int, pages: list[Path], work: Path) -> float:
    """Seconds from the first upload to the last job done, with `workers` Celery workers."""
    logs = work / f"celery-{workers}"
    logs.mkdir(parents=True, exist_ok=True)
    server = start_server(env, logs / "server.log")
    worker_env = {**os.environ, **env}
    processes = []
    try:
        tokens_file = Path(env["INTAKE_DATA_DIR"]) / "tokens.json"
        token = json.loads(tokens_file.read_text())["reviewer"]
        headers = {"Authorization": f"Bearer {token}"}
        for n in range(workers):
            with (logs / f"worker-{n}.log").open("ab") as handle:
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "intake.cli", "worker", "--pool", "solo"],
                        cwd=ROOT,
                        env=worker_env,
                        stdout=handle,
                        stderr=subprocess.STDOUT,
                    )
                )
        time.sleep(8)  # workers connect and load their models before the clock starts
        started = time.perf_counter()
        filing_ids = []
        with httpx.Client(base_url=server.url, headers=headers, timeout=120) as http:
            for n, page in enumerate(pages):
                filing_id = f"BENCH-{workers}W-{n // 4:02d}"
                if n % 4 == 0:
                    filing = {
                        "filing_id": filing_id,
                        "campaign": "jiangsu-2021-first-edition",
                        "bureau": "320500",
                        "applicant": {
                            "name": f"基准{workers}-{n}公司",
                            "credit_code": f"9132050{n:011d}",
                        },
                        "product": {"name": f"基准产品{n}"},
                    }
                    http.post("/api/filings", json=filing).raise_for_status()
                    filing_ids.append(filing_id)
                http.post(
                    f"/api/filings/{filing_id}/documents",
                    files=[("files", (f"p{n}{page.suffix}", page.read_bytes(), "image/jpeg"))],
                ).raise_for_status()
            while True:
                states = [
                    j["state"]
                    for f in filing_ids
                    for j in http.get(f"/api/filings/{f}/jobs").json()["data"]
                ]
                if len(states) == len(pages) and all(s in ("done", "failed") for s in states):
                    break
                if time.perf_counter() - started > 1800:
                    raise RuntimeError("jobs not done in 30 minutes")
                time.sleep(0.25)
        return time.perf_counter() - started
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        server.stop()


def _postgres_database() -> tuple[str, str] | None:
    try:
        import psycopg

        admin = psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=3
        )
    except Exception:  # noqa: BLE001 - no PostgreSQL: the caller says so
        return None
    name = f"intake_bench_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return name, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _drop_postgres(name: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def celery_scaling(pages_count: int, work: Path, redis_url: str) -> dict[str, float]:
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=3)
    client.ping()
    pages = sample_pages(pages_count)
    times = {}
    for workers in (1, 2):
        client.flushdb()
        database = _postgres_database()
        data_dir = work / f"celery-data-{workers}"
        data_dir.mkdir(parents=True, exist_ok=True)
        url = database[1] if database else f"sqlite:///{data_dir / 'intake.db'}"
        upgrade(url)
        db = Database(url)
        with db.session(write=True) as session:
            token = create_user(session, "bench", "reviewer").token
        db.dispose()
        (data_dir / "tokens.json").write_text(json.dumps({"reviewer": token}))
        env = {
            "INTAKE_DATA_DIR": str(data_dir),
            "INTAKE_DATABASE_URL": url,
            "INTAKE_QUEUE": "celery",
            "INTAKE_REDIS_URL": redis_url,
            # One worker process per core, each with one OCR thread: how workers scale out.
            "INTAKE_OCR_THREADS": "1",
        }
        try:
            times[workers] = celery_run(env, workers, pages, work)
        finally:
            if database:
                _drop_postgres(database[0])
    client.flushdb()
    return {"one": times[1], "two": times[2], "ratio": times[2] / times[1]}


# --------------------------------------------------------------------------- 4. off the request path


def off_the_request_path(server: Server, tokens: dict[str, str], args: argparse.Namespace) -> None:
    """p95 of the list routes with and without imports running, measured in alternating
    rounds (so that the machine's other load weighs on both alike); memory for large images."""
    pid = server.process.pid
    bomb = import_load.bomb_xlsx()
    tables = import_load.valid_tables(args.import_rows) if args.import_rows else None
    print(
        f"\nimports: the workbook is {len(bomb) / 1024:.0f} KB packed, "
        f"{import_load.unpacked_size(bomb) / 2**20:.0f} MiB unpacked (formatted empty cells); "
        f"{args.rounds} alternating rounds per measure"
    )
    loads = [("the 180 MiB workbook", bomb, "征集信息表.xlsx")]
    if tables:
        loads.append((f"a valid {args.import_rows:,}-row table", tables, "征集信息表.csv"))
    for title, requests, interval in (
        (f"each client one request every {args.interval:g} s", args.paced_requests, args.interval),
        ("each client back to back", args.requests, 0.0),
    ):
        share = max(args.clients, requests // args.rounds)

        def measure(share: int = share, interval: float = interval) -> dict[str, list[float]]:
            return latency(server, tokens, args.clients, share, interval)

        for what, data, name in loads:
            quiet: dict[str, list[float]] = defaultdict(list)
            busy: dict[str, list[float]] = defaultdict(list)
            runs = import_load.ImportRuns()
            for _ in range(args.rounds):
                for route, values in measure().items():
                    quiet[route] += values
                timings, more = import_load.during_imports(
                    measure, server.url, tokens["clerk"], data, name, pid
                )
                for route, values in timings.items():
                    busy[route] += values
                runs.merge(more)
            report_latency(f"{title}, no import (rounds between those below)", quiet, args.clients)
            report_latency(f"{title}, while {what} is imported", busy, args.clients)
            print(f"  {import_load.summary(runs)}\n  e.g. {runs.example}")
    print()
    for line in import_load.image_memory(
        server.url,
        tokens["clerk"],
        "JS2021-320500-00036",
        pid,
        lambda job: _wait_for_job(server, tokens["clerk"], job),
    ):
        print(line)


def off_path_only(args: argparse.Namespace, work: Path) -> None:
    """Seed and serve as for the lists, load the OCR models, then part 4 alone."""
    data_dir = work / "lists"
    data_dir.mkdir(parents=True)
    tokens = seed(f"sqlite:///{data_dir / 'intake.db'}", args.filings, args.documents_per_filing)
    print(
        f"seeded {args.filings:,} filings, {args.filings * args.documents_per_filing:,} documents"
    )
    server = start_server(
        {"INTAKE_DATA_DIR": str(data_dir), "INTAKE_QUEUE": "local"}, work / "s.log"
    )
    try:
        latency(server, tokens, args.clients, 200)  # warm-up
        warm_up_ocr(server, tokens["clerk"], "JS2021-320500-00020")
        off_the_request_path(server, tokens, args)
    finally:
        server.stop()


# --------------------------------------------------------------------------- the command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="intake bench-service", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--filings", type=int, default=10_000)
    parser.add_argument("--documents-per-filing", type=int, default=3)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=4000, help="list requests in all")
    parser.add_argument("--paced-requests", type=int, default=1000)
    parser.add_argument(
        "--interval", type=float, default=0.5, help="seconds between a paced client's requests"
    )
    parser.add_argument(
        "--api-workers",
        type=int,
        default=cpu_cores(),
        help="service processes for the last run (default: as `intake serve`, one per core)",
    )
    parser.add_argument("--skip-upload", action="store_true", help="no 50 MB upload")
    parser.add_argument("--wrk-seconds", type=int, default=8, help="per route, when wrk is here")
    parser.add_argument("--upload-mb", type=int, default=50)
    parser.add_argument("--pages", type=int, default=40, help="pages for the Celery run")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--skip-celery", action="store_true")
    parser.add_argument("--skip-lists", action="store_true", help="only the Celery run")
    parser.add_argument(
        "--skip-off-path", action="store_true", help="no imports or large images (part 4)"
    )
    parser.add_argument(
        "--import-rows", type=int, default=500, help="rows of each valid table (0: none)"
    )
    parser.add_argument("--rounds", type=int, default=4, help="alternations per measure (part 4)")
    parser.add_argument("--only-off-path", action="store_true", help="seed, serve, then part 4")
    parser.add_argument("--keep", type=Path, help="keep the work folder here")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="intake-bench-service-"))
    try:
        if args.only_off_path:
            off_path_only(args, work)
        elif not args.skip_lists:
            lists_and_upload(args, work)
        if not args.skip_celery:
            result = celery_scaling(args.pages, work, args.redis_url)
            print(
                f"\nCelery, {args.pages} pages as {args.pages} jobs (RapidOCR, solo pool, one OCR "
                f"thread per worker, {os.cpu_count()} CPUs): one worker {result['one']:.1f} s, "
                f"two workers {result['two']:.1f} s, ratio {result['ratio']:.2f}"
            )
    finally:
        if args.keep:
            shutil.copytree(work, args.keep, dirs_exist_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    return 0


def lists_and_upload(args: argparse.Namespace, work: Path) -> None:
    """Seed, serve, and measure the list routes and one large upload."""
    data_dir = work / "lists"
    url = f"sqlite:///{data_dir / 'intake.db'}"
    data_dir.mkdir(parents=True)
    started = time.perf_counter()
    tokens = seed(url, args.filings, args.documents_per_filing)
    seeded = time.perf_counter() - started
    print(
        f"seeded {args.filings:,} filings, {args.filings * args.documents_per_filing:,} documents "
        f"and jobs, {count_rows(url, FlagRecord):,} flags (SQLite, bulk insert) in {seeded:.1f} s; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (other work)"
    )
    env = {"INTAKE_DATA_DIR": str(data_dir), "INTAKE_QUEUE": "local"}
    server = start_server(env, work / "server.log")
    try:
        latency(server, tokens, args.clients, 200)  # warm-up
        report_latency(
            "one service process (embedded defaults), each client back to back",
            latency(server, tokens, args.clients, args.requests),
            args.clients,
        )
        report_latency(
            f"one service process, each client one request every {args.interval:g} s",
            latency(server, tokens, args.clients, args.paced_requests, args.interval),
            args.clients,
        )
        report_wrk(server, tokens, args, work, "one service process")
        if not args.skip_upload:
            warm_up_ocr(server, tokens["clerk"], "JS2021-320500-00020")
            report_upload(server, tokens["clerk"], args.upload_mb)
        if not args.skip_off_path:
            off_the_request_path(server, tokens, args)
    finally:
        server.stop()
    if args.api_workers > 1:
        # As `intake serve` runs by default: one process per core, the local queue's jobs run
        # by the one holding the data folder's lock (the jobs here are all done).
        server = start_server(env, work / "server-multi.log", workers=args.api_workers)
        try:
            latency(server, tokens, args.clients, 200)
            report_latency(
                f"{args.api_workers} service processes (intake serve's default), back to back",
                latency(server, tokens, args.clients, args.requests),
                args.clients,
            )
            report_wrk(server, tokens, args, work, f"{args.api_workers} service processes")
        finally:
            server.stop()


def count_rows(url: str, table) -> int:
    db = Database(url)
    try:
        with db.session() as session:
            return session.scalar(select(func.count()).select_from(table)) or 0
    finally:
        db.dispose()


def report_wrk(
    server: Server, tokens: dict[str, str], args: argparse.Namespace, work: Path, title: str
) -> None:
    if not shutil.which("wrk"):
        print("\nwrk not found: no saturation figures (apt-get install wrk)")
        return
    print(
        f"\nwrk, {args.clients} connections back to back, {args.wrk_seconds} s per route, {title}"
        f" (load average {os.getloadavg()[0]:.1f}):"
    )
    for name, line in wrk_latency(server, tokens, args.clients, args.wrk_seconds, work):
        print(f"  {name:24} {line}")


def report_upload(server: Server, token: str, megabytes: int) -> None:
    memory = upload_memory(server, token, "JS2021-320500-00004", megabytes)
    grew = (memory["hwm_after_kb"] - memory["hwm_before_kb"]) / 1024
    rss = (memory["rss_after_kb"] - memory["rss_before_kb"]) / 1024
    print(
        f"\n{megabytes} MB upload: VmRSS {memory['rss_before_kb'] / 1024:.0f} → "
        f"{memory['rss_after_kb'] / 1024:.0f} MB ({rss:+.1f} MB); peak VmHWM "
        f"{memory['hwm_before_kb'] / 1024:.0f} → {memory['hwm_after_kb'] / 1024:.0f} MB "
        f"({grew:+.1f} MB); after its job ran ({memory['job_state']}): peak "
        f"{memory['hwm_job_kb'] / 1024:.0f} MB "
        f"({(memory['hwm_job_kb'] - memory['hwm_before_kb']) / 1024:+.1f} MB)"
    )


if __name__ == "__main__":
    sys.exit(main())
