"""Helpers of the service tests: a scripted OCR engine, synthetic pages, filings, a running app."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image

from api.app import create_app
from core.model import TextLine
from core.settings import Settings
from extractors.normalize import credit_code_check_char
from intake.persistence.database import Database, upgrade
from intake.pipeline.read import Pipeline, PipelineOptions
from intake.service.accounts import create_user

CAMPAIGN = "jiangsu-2021-first-edition"
LICENCE, CERTIFICATE, REPORT = (235, 235, 225), (205, 220, 240), (220, 240, 205)
"""Page colours the scripted engine reads as each document (no red: red is taken for seals)."""
SUZHOU, NANJING = "320500", "320100"
Color = tuple[int, int, int]


def credit_code(serial: int, region: str = "320500") -> str:
    """A valid 18-character credit code registered in `region`."""
    first17 = f"91{region}MA1{serial:06d}"
    return first17 + credit_code_check_char(first17)


def filing_data(
    filing_id: str, bureau: str = SUZHOU, serial: int = 1, **product: Any
) -> dict[str, Any]:
    """A filing of the Jiangsu 2021 campaign that breaks none of its rules."""
    name = f"苏州云帆{serial}号软件有限公司"
    return {
        "filing_id": filing_id,
        "campaign": CAMPAIGN,
        "bureau": bureau,
        "submitted_at": "2021-03-01T10:00:00+08:00",
        "applicant": {
            "name": name,
            "credit_code": credit_code(serial, bureau),
            "established_date": "2015-03-02",
            "address": "苏州市工业园区星湖街328号",
            "legal_representative": "张三",
        },
        "product": {
            "name": f"云帆工业互联网平台{serial}",
            "version": "V2.0",
            "category": "工业软件",
            "copyright_registration_no": "2021SR0123456",
            "copyright_certificate_no": "6846082",  # 2021SR0123456 + the offset of 2021
            "development_completed_date": "2020-08-01",
            "first_published_date": None,
            "copyright_holders": [name],
            "test_report_no": "JSSC-2021-0312",
            "testing_institution": "江苏省软件产品检测中心",
            "test_standard": "GB/T 25000.51-2016",
            "rd_investment_wan": 350.0,
            **product,
        },
    }


def licence_lines(filing: dict[str, Any], **changes: str) -> list[str]:
    applicant = filing["applicant"]
    values = {
        "credit_code": applicant["credit_code"],
        "name": applicant["name"],
        "established": "2015年03月02日",
        "company_type": "有限责任公司",
        "business_term": "2015年03月02日至长期",
        **changes,
    }
    return [
        "营业执照",
        f"统一社会信用代码 {values['credit_code']}",
        f"名称 {values['name']}",
        f"类型 {values['company_type']}",
        f"法定代表人 {applicant['legal_representative']}",
        "注册资本 500万元整",
        f"成立日期 {values['established']}",
        f"营业期限 {values['business_term']}",
        f"住所 {applicant['address']}",
        "登记机关",
        "2020年05月06日",
    ]


def certificate_lines(filing: dict[str, Any]) -> list[str]:
    product = filing["product"]
    return [
        "计算机软件著作权登记证书",
        f"证书号：软著登字第{product['copyright_certificate_no']}号",
        f"软件名称：{product['name']}{product['version']}",
        f"著作权人：{filing['applicant']['name']}",
        "开发完成日期：2020年08月01日",
        "首次发表日期：未发表",
        f"登记号：{product['copyright_registration_no']}",
        "根据《计算机软件保护条例》和《计算机软件著作权登记办法》的规定，经审查，准予登记。",
        "国家版权局",
        "2021年01月05日",
    ]


def report_lines(filing: dict[str, Any]) -> list[str]:
    product = filing["product"]
    return [
        "软件产品检测报告",
        f"报告编号：{product['test_report_no']}",
        f"产品名称：{product['name']}",
        f"版本号：{product['version']}",
        f"委托单位：{filing['applicant']['name']}",
        f"检测单位：{product['testing_institution']}",
        "检测依据：GB/T 25000.51-2016",
        "检测结论：符合标准要求",
        "签发日期：2021年02月01日",
    ]


def text_lines(texts: list[str]) -> list[TextLine]:
    return [
        TextLine(text, (100.0, 100.0 + i * 80, 100.0 + 40 * len(text), 150.0 + i * 80), 0.98)
        for i, text in enumerate(texts)
    ]


class Boom(RuntimeError):
    """What the scripted engine raises for a page scripted to crash its worker."""


@dataclass
class ScriptedEngine:
    """An OCR engine that 'reads' a page by its colour: each colour stands for a script.

    A script is a list of printed lines; `None` makes the read raise (a crashing document).
    `delay` seconds pass per read, so that tests can catch a job half-way.
    """

    scripts: dict[Color, list[str] | None] = field(default_factory=dict)
    delay: float = 0.0
    name: str = "scripted"
    reads: int = 0

    def read(self, image: np.ndarray) -> list[TextLine]:
        self.reads += 1
        if self.delay:
            time.sleep(self.delay)
        blue, green, red = (int(v) for v in image[5, 5][:3])
        script = self.scripts.get((red, green, blue), [])
        if script is None:
            raise Boom(f"scripted crash on page colour {(red, green, blue)}")
        return text_lines(script)


def scripted_pipeline(engine: ScriptedEngine) -> Callable[[], Pipeline]:
    def build() -> Pipeline:
        return Pipeline(PipelineOptions(cleanup=False, triage=False), engine=engine)

    return build


def page_png(color: Color, size: tuple[int, int] = (240, 320)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def pages_tiff(colors: list[Color], size: tuple[int, int] = (240, 320)) -> bytes:
    """A multi-page TIFF, one flat colour per page."""
    images = [Image.new("RGB", size, c) for c in colors]
    buffer = io.BytesIO()
    images[0].save(buffer, format="TIFF", save_all=True, append_images=images[1:])
    return buffer.getvalue()


def service_settings(root: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": root,
        "queue": "local",
        "events_poll_seconds": 0.05,
        "events_timeout_seconds": 30,
        "job_lease_seconds": 60,
        **overrides,
    }
    return Settings(**values)


@dataclass
class Accounts:
    """API tokens of the test users, and Authorization headers for them."""

    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


USERS = {
    "admin": ("admin", None),
    "reviewer": ("reviewer", None),
    "clerk_sz": ("clerk", SUZHOU),
    "clerk_nj": ("clerk", NANJING),
}


def add_accounts(database_url: str, password: str | None = "correct-horse") -> Accounts:
    upgrade(database_url)
    db = Database(database_url)
    tokens = {}
    try:
        with db.session(write=True) as session:
            for name, (role, bureau) in USERS.items():
                tokens[name] = create_user(session, name, role, bureau, password).token
    finally:
        db.dispose()
    return Accounts(tokens)


@contextmanager
def running_service(
    settings: Settings, pipeline: Callable[[], Pipeline] | None = None
) -> Iterator[tuple[TestClient, Accounts]]:
    accounts = add_accounts(settings.effective_database_url)
    app = create_app(settings, pipeline=pipeline)
    with TestClient(app) as client:
        yield client, accounts


def wait_for_jobs(
    client: TestClient, filing_id: str, headers: dict[str, str], timeout: float = 120.0
) -> list[dict[str, Any]]:
    """Poll the filing's jobs until none is queued or running; the jobs."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/api/filings/{filing_id}/jobs", headers=headers)
        assert response.status_code == 200, response.text
        jobs = response.json()["data"]
        if jobs and all(j["state"] in ("done", "failed") for j in jobs):
            return jobs
        assert time.monotonic() < deadline, f"jobs not finished in {timeout}s: {jobs}"
        time.sleep(0.05)


def wait_for_import(
    client: TestClient, response, headers: dict[str, str], timeout: float = 120.0
) -> dict[str, Any]:
    """The import a `POST /api/filings/import` answered 202 with, polled until done or failed."""
    assert response.status_code == 202, response.text
    import_id = response.json()["id"]
    assert response.headers["location"] == f"/api/imports/{import_id}"
    deadline = time.monotonic() + timeout
    while True:
        polled = client.get(f"/api/imports/{import_id}", headers=headers)
        assert polled.status_code == 200, polled.text
        body = polled.json()
        if body["state"] in ("done", "failed"):
            return body
        assert time.monotonic() < deadline, f"import not finished in {timeout}s: {body}"
        time.sleep(0.05)


def table_counts(database_url: str) -> dict[str, int]:
    """Rows per table: what 'nothing stored changed' is checked against."""
    from sqlalchemy import func, select

    from intake.persistence.records import Base

    db = Database(database_url)
    try:
        with db.session() as session:
            return {
                name: session.scalar(select(func.count()).select_from(table))
                for name, table in Base.metadata.tables.items()
            }
    finally:
        db.dispose()


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# --------------------------------------------------------------------------- a worker to kill

BUNDLE_FILING = filing_data("JS-CRASH-1", serial=77)
BUNDLE_COLORS: list[Color] = [(235, 235, 225), (205, 220, 240), (220, 240, 205), (90, 90, 90)]


def bundle_engine(delay: float = 0.0) -> ScriptedEngine:
    """Four pages: licence (one date misprinted), certificate, test report, an unrelated page."""
    scripts: dict[Color, list[str] | None] = {
        BUNDLE_COLORS[0]: licence_lines(BUNDLE_FILING, established="2015年03月09日"),
        BUNDLE_COLORS[1]: certificate_lines(BUNDLE_FILING),
        BUNDLE_COLORS[2]: report_lines(BUNDLE_FILING),
        BUNDLE_COLORS[3]: ["附件清单", "一、营业执照", "二、软件著作权登记证书"],
    }
    return ScriptedEngine(scripts, delay=delay)


def slow_worker(data_dir: str, delay: float) -> None:
    """`python -c` entry of the crash test: work the queue slowly until killed."""
    from intake.jobs.wiring import job_context
    from intake.jobs.work import claimable_jobs, run_job

    context = job_context(
        service_settings(Path(data_dir)), pipeline=scripted_pipeline(bundle_engine(delay))
    )
    while True:
        for job_id in claimable_jobs(context.db):
            run_job(context, job_id)
        time.sleep(0.05)


ROOT_DIR = Path(__file__).resolve().parent.parent
