"""The queue's routes: search in the scans' OCR text (SQLite FTS5 trigram and PostgreSQL
pg_trgm, each through its index), the change token the queue polls, and the summary of the
filings chosen on the queue."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, insert, select, text

from intake.persistence.database import Database, upgrade
from intake.persistence.records import DocumentRecord, FilingRecord, PageRecord
from intake.persistence.text_search import search_terms, snippet
from tests.api_support import (
    CERTIFICATE,
    LICENCE,
    NANJING,
    REPORT,
    SUZHOU,
    ScriptedEngine,
    certificate_lines,
    filing_data,
    licence_lines,
    page_png,
    report_lines,
    running_service,
    scripted_pipeline,
    service_settings,
    wait_for_jobs,
)
from tests.helpers import scratch_postgres

ANNEX = (180, 200, 180)
FIRST, SECOND = "JS2021-320500-S001", "JS2021-320500-S002"
OTHER = "JS2021-320100-S003"


def _engine() -> ScriptedEngine:
    first = filing_data(FIRST, serial=1)
    return ScriptedEngine(
        {
            LICENCE: licence_lines(first),
            CERTIFICATE: certificate_lines(first),
            REPORT: report_lines(first),
            ANNEX: [
                "附件三 用户使用报告",
                "使用单位：无锡星河精密机械有限公司",
                "Cloud ERP 系统运行稳定",
            ],
        }
    )


def _file(name: str, color) -> tuple[str, tuple[str, bytes, str]]:
    return ("files", (name, page_png(color), "image/png"))


def _seed(client, users) -> None:
    """Three filings: two of 苏州 (one with the annex page), one of 南京 with a certificate."""
    clerk, nanjing = users.headers("clerk_sz"), users.headers("clerk_nj")
    for filing_id, bureau, serial, who in (
        (FIRST, SUZHOU, 1, clerk),
        (SECOND, SUZHOU, 2, clerk),
        (OTHER, NANJING, 3, nanjing),
    ):
        created = client.post(
            "/api/filings", json=filing_data(filing_id, bureau=bureau, serial=serial), headers=who
        )
        assert created.status_code == 201, created.text
    uploads = {
        FIRST: (clerk, [_file("执照.png", LICENCE), _file("证书.png", CERTIFICATE)]),
        SECOND: (clerk, [_file("报告.png", REPORT), _file("使用报告.png", ANNEX)]),
        OTHER: (nanjing, [_file("证书.png", CERTIFICATE)]),
    }
    for filing_id, (who, files) in uploads.items():
        accepted = client.post(f"/api/filings/{filing_id}/documents", files=files, headers=who)
        assert accepted.status_code == 202, accepted.text
        assert {j["state"] for j in wait_for_jobs(client, filing_id, who)} == {"done"}


def _search(client, who, words: str, **params) -> dict:
    response = client.get("/api/search", params={"text": words, **params}, headers=who)
    assert response.status_code == 200, response.text
    return response.json()


def _check_search(client, users) -> None:
    """What both databases must answer alike."""
    reviewer, clerk, nanjing = (users.headers(w) for w in ("reviewer", "clerk_sz", "clerk_nj"))
    found = _search(client, reviewer, "著作权登记证书")
    assert [f["filing_id"] for f in found["data"]] == [OTHER, FIRST] and found["count"] == 2
    assert [f["matching_pages"] for f in found["data"]] == [1, 1]
    page = found["data"][1]["pages"][0]
    assert page["source"] == "证书.png" and page["page"] == 0
    assert page["kind"] == "copyright_certificate" and "著作权登记证书" in page["snippet"]
    document_id = page["document_id"]
    assert page["url"] == f"/filings/{FIRST}#page-{document_id}-0"
    # a clerk sees only their bureau's filings
    assert [f["filing_id"] for f in _search(client, nanjing, "著作权登记证书")["data"]] == [OTHER]
    assert [f["filing_id"] for f in _search(client, clerk, "著作权登记证书")["data"]] == [FIRST]
    # two characters (shorter than a trigram), Latin letters in any case, every word on a page
    assert [f["filing_id"] for f in _search(client, reviewer, "星河")["data"]] == [SECOND]
    assert [f["filing_id"] for f in _search(client, reviewer, "cloud erp")["data"]] == [SECOND]
    both = _search(client, reviewer, "使用单位 精密机械")["data"]
    assert [f["filing_id"] for f in both] == [SECOND] and both[0]["pages"][0]["source"] == (
        "使用报告.png"
    )
    assert _search(client, reviewer, "使用单位 著作权登记证书")["count"] == 0  # not on one page
    assert _search(client, reviewer, "100%_")["count"] == 0  # LIKE's wildcards are plain text
    # the other filters narrow the search; the list route takes the same words
    assert _search(client, reviewer, "著作权登记证书", bureau=NANJING)["count"] == 1
    listed = client.get("/api/filings", params={"text": "检测报告"}, headers=reviewer).json()
    assert [f["filing_id"] for f in listed["data"]] == [SECOND]
    assert client.get("/api/search", params={"text": "  "}, headers=reviewer).status_code == 422
    _check_q(client, users)


def _q(client, who, q: str) -> list[str]:
    response = client.get("/api/filings", params={"q": q}, headers=who)
    assert response.status_code == 200, response.text
    return [f["filing_id"] for f in response.json()["data"]]


def _check_q(client, users) -> None:
    """The list's `q` (id, names, credit code) through its trigram index, and kept by it."""
    reviewer, clerk = users.headers("reviewer"), users.headers("clerk_sz")
    assert _q(client, reviewer, "云帆2号软件") == [SECOND]
    assert _q(client, reviewer, "云帆") == [OTHER, FIRST, SECOND]  # two characters: a scan
    assert _q(client, reviewer, "320100-S") == [OTHER]
    assert _q(client, clerk, "320100-S") == []  # another bureau's
    assert _q(client, reviewer, "工业互联网平台3") == [OTHER]
    assert _q(client, reviewer, "MA1000001") == [FIRST]
    assert _q(client, reviewer, "云帆_号") == []  # LIKE's wildcards are plain text
    renamed = filing_data(SECOND, serial=2)
    renamed["applicant"]["name"] = "苏州星海数据科技有限公司"
    assert client.put(f"/api/filings/{SECOND}", json=renamed, headers=clerk).status_code == 200
    assert _q(client, reviewer, "云帆2号软件") == []
    assert _q(client, reviewer, "星海数据") == [SECOND]


@pytest.fixture
def sqlite_service(tmp_path: Path):
    with running_service(service_settings(tmp_path), scripted_pipeline(_engine())) as served:
        _seed(*served)
        yield served


def test_search_in_ocr_text_on_sqlite(sqlite_service) -> None:
    client, users = sqlite_service
    _check_search(client, users)


def _plan(db: Database, words: str) -> str:
    from intake.persistence.text_search import page_matches

    statement = select(PageRecord.id).where(page_matches("sqlite", search_terms(words)))
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
    return " | ".join(str(r[-1]) for r in rows)


def test_sqlite_search_reads_the_trigram_index_kept_by_triggers(sqlite_service, tmp_path) -> None:
    client, users = sqlite_service
    db = Database(f"sqlite:///{tmp_path / 'intake.db'}")
    try:
        assert "page_text_fts VIRTUAL TABLE INDEX" in _plan(db, "著作权登记证书")
        from intake.persistence.text_search import filing_matches

        statement = select(FilingRecord.id).where(filing_matches("星海数据"))
        compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
        with db.engine.connect() as connection:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
        assert "filing_text_fts VIRTUAL TABLE INDEX" in str(plan)
        with db.session(write=True) as session:
            page_id = session.scalar(
                select(PageRecord.id).join(DocumentRecord).where(DocumentRecord.filing_id == OTHER)
            )
            session.execute(delete(PageRecord).where(PageRecord.id == page_id))
        with db.engine.connect() as connection:
            matched = (
                connection.execute(
                    text(
                        "SELECT rowid FROM page_text_fts WHERE page_text_fts MATCH '\"著作权登记\"'"
                    )
                )
                .scalars()
                .all()
            )
        assert page_id not in matched and len(matched) == 1
    finally:
        db.dispose()
    found = _search(client, users.headers("reviewer"), "著作权登记证书")
    assert [f["filing_id"] for f in found["data"]] == [FIRST]


def test_pages_stored_before_the_index_are_found_by_their_readings(tmp_path: Path) -> None:
    """Migration 0008 fills the text of pages stored without it from their fields and seals."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0006")
    db = Database(url)
    try:
        with db.session(write=True) as session:
            filing = filing_data(FIRST)
            session.execute(
                insert(FilingRecord).values(
                    id=FIRST,
                    campaign=filing["campaign"],
                    bureau=SUZHOU,
                    applicant_name="甲",
                    credit_code="x",
                    credit_code_key="x",
                    name_key="甲",
                    product_name="乙",
                    data=filing,
                    status="clean",
                    open_flags=0,
                )
            )
            document = DocumentRecord(
                filing_id=FIRST,
                sha256="0" * 64,
                source="执照.jpg",
                storage_key="k",
                size=1,
                content_type="jpeg",
            )
            session.add(document)
            session.flush()
            session.execute(
                text(
                    'INSERT INTO pages (document_id, "index", kind, rotation, width, height,'
                    " fields, seals) VALUES (:d, 0, 'business_license', 0, 10, 10, :f, :s)"
                ),
                {
                    "d": document.id,
                    "f": '{"name": {"value": "苏州云帆软件有限公司", "raw": "名称 苏州云帆软件有限公司"}}',
                    "s": '[{"text": "苏州市市场监督管理局", "centre_text": "", "code": ""}]',
                },
            )
    finally:
        db.dispose()
    upgrade(url)
    with running_service(service_settings(tmp_path, database_url=url)) as (client, users):
        reviewer = users.headers("reviewer")
        assert _search(client, reviewer, "云帆软件")["count"] == 1
        hit = _search(client, reviewer, "市场监督管理局")["data"][0]["pages"][0]
        assert hit["source"] == "执照.jpg" and "市场监督管理局" in hit["snippet"]


def test_snippet_marks_the_words_around_the_first_match() -> None:
    text = "前言" * 30 + "\n计算机软件著作权\n登记证书" + "后记" * 30
    found = snippet(text, ["著作权", "证书"])
    marked = [p for p, match in found.pieces if match]
    assert marked == ["著作权", "证书"]
    assert found.text.startswith("…") and found.text.endswith("…")
    assert "著作权 登记证书" in found.text and len(found.text) < 80
    assert search_terms("  甲乙  ERP erp  ") == ["甲乙", "ERP"]


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
def pg_url() -> Iterator[str]:
    with scratch_postgres("intake_search") as url:
        yield url


def test_search_in_ocr_text_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    settings = service_settings(tmp_path, database_url=pg_url)
    with running_service(settings, scripted_pipeline(_engine())) as (client, users):
        _seed(client, users)
        _check_search(client, users)
    db = Database(pg_url)
    try:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = (
                connection.exec_driver_sql(
                    "EXPLAIN SELECT id FROM pages WHERE text ILIKE '%%著作权登记%%'"
                )
                .scalars()
                .all()
            )
        assert any("ix_pages_text_trgm" in line for line in plan), plan
    finally:
        db.dispose()


# --------------------------------------------------------------------------- change token


def test_queue_version_changes_when_processing_ends_or_a_flag_appears(tmp_path: Path) -> None:
    engine = _engine()
    engine.delay = 0.3
    with running_service(service_settings(tmp_path), scripted_pipeline(engine)) as (client, users):
        clerk, nanjing = users.headers("clerk_sz"), users.headers("clerk_nj")

        def version(who, **params) -> str:
            response = client.get("/api/queue/version", params=params, headers=who)
            assert response.status_code == 200, response.text
            assert response.headers["etag"] == f'"{response.json()["version"]}"'
            return response.json()["version"]

        empty = version(clerk)
        filing = filing_data(FIRST, serial=1)
        assert client.post("/api/filings", json=filing, headers=clerk).status_code == 201
        created = version(clerk)
        assert created != empty
        assert version(nanjing) == version(clerk, bureau=NANJING)  # not 苏州's
        tag = {"If-None-Match": f'"{created}"', **clerk}
        assert client.get("/api/queue/version", headers=tag).status_code == 304
        files = [_file("执照.png", LICENCE)]
        assert client.post(f"/api/filings/{FIRST}/documents", files=files, headers=clerk)
        processing = version(clerk)
        assert processing != created
        wait_for_jobs(client, FIRST, clerk)
        done = version(clerk)
        assert done != processing
        assert client.get(f"/api/filings/{FIRST}", headers=clerk).json()["status"] == "flagged"
        # the filing changed: a flag appears (研发投入 below the campaign's minimum)
        filing["product"]["rd_investment_wan"] = 10.0
        assert client.put(f"/api/filings/{FIRST}", json=filing, headers=clerk).status_code == 200
        assert version(clerk) != done
        assert version(nanjing) == version(nanjing)


# --------------------------------------------------------------------------- selection


def test_summary_of_the_chosen_filings(sqlite_service) -> None:
    client, users = sqlite_service
    reviewer, clerk = users.headers("reviewer"), users.headers("clerk_sz")
    chosen = [("id", OTHER), ("id", FIRST)]
    response = client.get("/api/selection/summary.xlsx", params=chosen, headers=reviewer)
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "所选 2 项申报 推荐产品汇总表"
    assert [r[1] for r in rows[2:]] == [OTHER, FIRST]  # by id, as the bureau summary
    as_csv = client.get("/api/selection/summary.csv", params=chosen[1:], headers=reviewer)
    lines = as_csv.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and lines[1].split(",")[1] == FIRST
    # a clerk may not export another bureau's filing, nor nothing at all
    assert (
        client.get("/api/selection/summary.xlsx", params=chosen, headers=clerk).status_code == 404
    )
    assert client.get("/api/selection/summary.csv", headers=clerk).status_code == 422
