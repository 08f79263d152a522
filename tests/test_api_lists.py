"""The list routes' fast path: the same bytes as the models, keyset paging, indexed plans, and
one job runner among several service processes."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert, select

from api.schemas import FilingPublic, FlagPublic, ListOf
from intake.jobs.election import ElectedRunner
from intake.persistence.database import Database
from intake.persistence.records import FilingRecord, FlagRecord
from intake.service import lists
from intake.service.scope import Scope
from tests.api_support import NANJING, SUZHOU, running_service, service_settings

BUREAUS = (SUZHOU, NANJING, "320200")
STATUSES = ("flagged", "clean", "awaiting_upload")
CODES = ("established_date_mismatch", "missing_document", "duplicate_application")


def _seed(url: str, filings: int = 60) -> None:
    """Filings and flags with every kind of value a list shows: missing versions and times,
    reasons, decisions, boxes of ints and floats, values of any JSON type, reviewer details."""
    now = datetime(2026, 12, 1, 3, 4, 5, 678901, tzinfo=UTC)
    filing_rows, flag_rows = [], []
    for n in range(filings):
        bureau = BUREAUS[n % len(BUREAUS)]
        filing_id = f"JS2021-{bureau}-{n:04d}"
        name = f"江苏“测试”{n}号软件有限公司"
        filing_rows.append(
            {
                "id": filing_id,
                "campaign": "jiangsu-2021-first-edition",
                "bureau": bureau,
                "applicant_name": name,
                "credit_code": f"91{bureau}MA{n:08d}",
                "credit_code_key": f"91{bureau}MA{n:08d}",
                "name_key": name,
                "product_name": f"产品\\{n}",
                "product_version": None if n % 4 == 0 else f"V{n}.0",
                "submitted_at": None if n % 5 == 0 else now - timedelta(days=n, seconds=n),
                "data": {},
                "status": STATUSES[n % len(STATUSES)],
                "open_flags": n % 3,
                "recommendation": "not_recommended" if n % 7 == 0 else None,
                "recommendation_reason": "材料不全\n请补交" if n % 7 == 0 else None,
                "created_at": now - timedelta(hours=n),
                "updated_at": now.replace(microsecond=0),
            }
        )
        for position in range(n % 4):
            code = CODES[(n + position) % len(CODES)]
            decided = (n + position) % 3 == 2
            flag_rows.append(
                {
                    "filing_id": filing_id,
                    "bureau": bureau,
                    "fingerprint": f"{filing_id}/{position}",
                    "position": position,
                    "code": code,
                    "severity": "error",
                    "message": f"{code}：其他受理单位的 1 项申报",
                    "detail": {"message": "JS2021-320100-0001 也在申报"}
                    if code == "duplicate_application"
                    else None,
                    "field": "applicant.name" if position else None,
                    "filing_value": [1, "甲", None, 2.5] if n % 2 else "2015-03-02",
                    "document_value": {"a": True, "b": 10**15} if n % 2 else None,
                    "source": "营业执照.png" if position else None,
                    "document_id": n if position else None,
                    "page": 0 if position else None,
                    "box": [10, 20.5, 300, 400] if position else None,
                    "status": ("open", "confirmed", "dismissed")[(n + position) % 3],
                    "decision": "dismissed" if decided else None,
                    "reason": "已电话核实" if decided else None,
                    "decided_by": 1 if decided else None,
                    "decided_at": now if decided else None,
                    "raised_at": now - timedelta(minutes=n),
                }
            )
    db = Database(url)
    try:
        with db.session(write=True) as session:
            session.execute(insert(FilingRecord), filing_rows)
            session.execute(insert(FlagRecord), flag_rows)
    finally:
        db.dispose()


def _filings_by_models(db: Database, scope: Scope, query: lists.FilingQuery) -> bytes:
    with db.session() as session:
        rows, count = lists.list_filings(session, scope, query)
        return (
            ListOf[FilingPublic](data=[FilingPublic.of(r) for r in rows], count=count)
            .response()
            .body
        )


def _flags_by_models(db: Database, scope: Scope, query: lists.FlagQuery) -> bytes:
    with db.session() as session:
        rows, count = lists.list_flags(session, scope, query)
        data = [FlagPublic.seen_by(r, scope.bureau is None) for r in rows]
        return ListOf[FlagPublic](data=data, count=count).response().body


REVIEWER = Scope(None, "reviewer", "reviewer", None)
CLERK = Scope(None, "clerk_sz", "clerk", SUZHOU)


def test_lists_answer_the_same_bytes_as_the_models(tmp_path: Path) -> None:
    settings = service_settings(tmp_path)
    with running_service(settings) as (client, users):
        url = settings.effective_database_url
        _seed(url)
        db = Database(url)
        try:
            cases: list[tuple[str, dict[str, Any], Scope, Any]] = [
                ("reviewer", {}, REVIEWER, lists.FilingQuery()),
                (
                    "reviewer",
                    {"limit": 7, "offset": 3},
                    REVIEWER,
                    lists.FilingQuery(limit=7, offset=3),
                ),
                (
                    "reviewer",
                    {"bureau": NANJING, "status": "clean"},
                    REVIEWER,
                    lists.FilingQuery(bureau=NANJING, status="clean"),
                ),
                ("reviewer", {"q": "“测试”1"}, REVIEWER, lists.FilingQuery(q="“测试”1")),
                (
                    "reviewer",
                    {"flag_code": "missing_document"},
                    REVIEWER,
                    lists.FilingQuery(flag_code="missing_document"),
                ),
                ("clerk_sz", {}, CLERK, lists.FilingQuery()),
                (
                    "clerk_sz",
                    {"bureau": NANJING},
                    CLERK,
                    lists.FilingQuery(bureau=NANJING),
                ),
            ]
            for who, params, scope, query in cases:
                answer = client.get("/api/filings", params=params, headers=users.headers(who))
                assert answer.status_code == 200, answer.text
                assert answer.headers["content-type"] == "application/json"
                assert answer.content == _filings_by_models(db, scope, query), params
            flag_cases: list[tuple[str, dict[str, Any], Scope, lists.FlagQuery]] = [
                ("reviewer", {}, REVIEWER, lists.FlagQuery()),
                ("reviewer", {"status": "open"}, REVIEWER, lists.FlagQuery(status="open")),
                (
                    "reviewer",
                    {"bureau": SUZHOU, "code": "duplicate_application"},
                    REVIEWER,
                    lists.FlagQuery(bureau=SUZHOU, code="duplicate_application"),
                ),
                ("clerk_sz", {"status": "dismissed"}, CLERK, lists.FlagQuery(status="dismissed")),
                ("clerk_sz", {}, CLERK, lists.FlagQuery()),
            ]
            for who, params, scope, query in flag_cases:
                answer = client.get("/api/flags", params=params, headers=users.headers(who))
                assert answer.status_code == 200, answer.text
                assert answer.content == _flags_by_models(db, scope, query), params
            # An empty bureau filter matches nothing (no bureau has the empty code).
            for path in ("/api/filings", "/api/flags"):
                for who in ("reviewer", "clerk_sz"):
                    empty = client.get(path, params={"bureau": ""}, headers=users.headers(who))
                    assert empty.status_code == 200 and empty.json() == {"data": [], "count": 0}
            # The reviewers' message for duplicate_application, the clerks' own to a clerk.
            reviewer_flags = client.get(
                "/api/flags",
                params={"code": "duplicate_application"},
                headers=users.headers("reviewer"),
            ).json()["data"]
            assert {f["message"] for f in reviewer_flags} == {"JS2021-320100-0001 也在申报"}
            clerk_flags = client.get(
                "/api/flags",
                params={"code": "duplicate_application"},
                headers=users.headers("clerk_sz"),
            ).json()["data"]
            assert clerk_flags and all("其他受理单位" in f["message"] for f in clerk_flags)
            assert all(f["box"] in (None, [10.0, 20.5, 300.0, 400.0]) for f in reviewer_flags)
        finally:
            db.dispose()


def _walk(client, path: str, params: dict[str, Any], headers, key: str, cursor: str) -> list[Any]:
    seen, after = [], None
    while True:
        page = client.get(
            path, params={**params, **({"after": after} if after else {})}, headers=headers
        )
        assert page.status_code == 200, page.text
        body = page.json()
        if not body["data"]:
            return seen
        seen += [row[key] for row in body["data"]]
        after = body["data"][-1][cursor]


def test_keyset_paging_walks_the_same_rows_as_offsets(tmp_path: Path) -> None:
    settings = service_settings(tmp_path)
    with running_service(settings) as (client, users):
        _seed(settings.effective_database_url)
        reviewer, clerk = users.headers("reviewer"), users.headers("clerk_sz")
        for headers, params in ((reviewer, {}), (reviewer, {"status": "flagged"}), (clerk, {})):
            everything = client.get(
                "/api/filings", params={**params, "limit": 500}, headers=headers
            ).json()
            walked = _walk(
                client, "/api/filings", {**params, "limit": 7}, headers, "filing_id", "filing_id"
            )
            assert walked == [f["filing_id"] for f in everything["data"]] and walked
            page = client.get(
                "/api/filings", params={**params, "limit": 7, "after": walked[6]}, headers=headers
            ).json()
            assert page["count"] == everything["count"]  # the count is of every match
            by_offset = client.get(
                "/api/filings", params={**params, "limit": 7, "offset": 7}, headers=headers
            ).json()
            assert page["data"] == by_offset["data"]
        for headers, params in (
            (reviewer, {}),
            (reviewer, {"status": "open"}),
            (clerk, {"code": "missing_document"}),
        ):
            everything = client.get(
                "/api/flags", params={**params, "limit": 500}, headers=headers
            ).json()
            walked = _walk(client, "/api/flags", {**params, "limit": 4}, headers, "id", "id")
            assert walked == [f["id"] for f in everything["data"]] and walked

        # A clerk cannot page from another bureau's flag: 404, as for a flag that does not exist.
        nanjing_flag = client.get(
            "/api/flags", params={"bureau": NANJING}, headers=reviewer
        ).json()["data"][0]["id"]
        foreign = client.get("/api/flags", params={"after": nanjing_flag}, headers=clerk)
        missing = client.get("/api/flags", params={"after": 10**9}, headers=clerk)
        assert foreign.status_code == missing.status_code == 404
        assert foreign.json()["error"]["message"].replace(str(nanjing_flag), "N") == missing.json()[
            "error"
        ]["message"].replace(str(10**9), "N")


def test_list_queries_read_their_order_off_an_index(tmp_path: Path) -> None:
    """Every filter of the two lists and its page in order without sorting the matches (SQLite's
    plan has no temporary B-tree), and counts that read only an index."""
    settings = service_settings(tmp_path)
    with running_service(settings):
        url = settings.effective_database_url
        _seed(url)
        db = Database(url)
        statements: list[tuple[str, Any]] = []

        @event.listens_for(db.engine, "before_cursor_execute")
        def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
            if statement.lstrip().upper().startswith("SELECT"):
                statements.append((statement, parameters))

        try:
            with db.session() as session:
                suzhou_flag = session.scalar(
                    select(FlagRecord.id).where(FlagRecord.bureau == SUZHOU).limit(1)
                )
                for scope in (REVIEWER, CLERK):
                    for query in (
                        lists.FilingQuery(),
                        lists.FilingQuery(bureau=SUZHOU),
                        lists.FilingQuery(status="clean"),
                        lists.FilingQuery(bureau=SUZHOU, status="clean"),
                        lists.FilingQuery(after="JS2021-320100-0003"),
                    ):
                        lists.list_filings(session, scope, query)
                    for flag_query in (
                        lists.FlagQuery(),
                        lists.FlagQuery(bureau=SUZHOU),
                        lists.FlagQuery(status="open"),
                        lists.FlagQuery(status="open", code="missing_document"),
                        lists.FlagQuery(bureau=SUZHOU, status="open"),
                        lists.FlagQuery(bureau=SUZHOU, status="open", code="missing_document"),
                        lists.FlagQuery(filing_id="JS2021-320500-0001"),
                        lists.FlagQuery(after=suzhou_flag),
                    ):
                        lists.list_flags(session, scope, flag_query)
                assert len(statements) > 20
                connection = session.connection()
                for statement, parameters in statements:
                    plan = [
                        row[-1]
                        for row in connection.exec_driver_sql(
                            f"EXPLAIN QUERY PLAN {statement}", parameters
                        )
                    ]
                    assert not any("TEMP B-TREE" in step for step in plan), (statement, plan)
                    if "count(" in statement and "WHERE" in statement:
                        assert any("COVERING INDEX" in step for step in plan), (statement, plan)
        finally:
            db.dispose()


class _Runner:
    def __init__(self) -> None:
        self.started = threading.Event()
        self.stopped = False
        self.submitted: list[int] = []

    def start(self) -> None:
        self.started.set()

    def submit(self, job_ids: list[int]) -> None:
        self.submitted += job_ids

    def stop(self) -> None:
        self.stopped = True


def test_one_of_several_service_processes_runs_the_jobs(tmp_path: Path) -> None:
    """Two service processes on one data folder: the first runs the jobs, the second stands by
    (handing nothing on) and takes over as soon as the first ends."""
    lock = tmp_path / "job-runner.lock"
    first, second = _Runner(), _Runner()
    leader = ElectedRunner(first, lock, retry_seconds=0.05)
    standby = ElectedRunner(second, lock, retry_seconds=0.05)
    leader.start()
    standby.start()
    try:
        assert leader.leading and first.started.is_set()
        time.sleep(0.2)
        assert not standby.leading and not second.started.is_set()
        standby.submit([7])
        leader.submit([8])
        assert second.submitted == [] and first.submitted == [8]
        leader.stop()
        assert first.stopped
        assert second.started.wait(5) and standby.leading
    finally:
        standby.stop()
        leader.stop()
    assert second.stopped


@pytest.mark.parametrize("workers, expected", [(None, "cores"), (3, 3)])
def test_serve_starts_a_process_per_core_by_default(monkeypatch, workers, expected) -> None:
    import uvicorn

    from intake.cli import serve

    ran: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: ran.update(kwargs))
    monkeypatch.setattr("intake.persistence.database.upgrade", lambda url: None)
    monkeypatch.setenv("INTAKE_SERVICE_PROCESSES", "1")  # restored after, whatever serve sets
    assert serve.serve("127.0.0.1", 8000, workers) == 0
    assert ran["workers"] == (serve.cpu_cores() if expected == "cores" else expected)
    # The processes learn how many they are (the orphan sweep is careful when not alone).
    assert os.environ["INTAKE_SERVICE_PROCESSES"] == str(ran["workers"])
