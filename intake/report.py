"""The check report: the contract's JSON for one filing, and a readable summary for the terminal."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from intake.filing import Filing
from intake.model import DocumentResult, FieldValue, Flag, PageKind

KIND_LABELS = {
    PageKind.BUSINESS_LICENSE: "营业执照",
    PageKind.COPYRIGHT_CERTIFICATE: "软件著作权登记证书",
    PageKind.TEST_REPORT: "软件产品检测报告",
    PageKind.USAGE_REPORT: "用户使用报告",
    PageKind.OTHER: "其他页",
}
SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}


@dataclass
class CheckReport:
    filing: Filing
    documents: list[DocumentResult]
    flags: list[Flag]

    @property
    def status(self) -> str:
        if self.documents and all(d.error and not d.pages for d in self.documents):
            return "failed"
        if self.flags or any(d.error or any(p.error for p in d.pages) for d in self.documents):
            return "flagged"
        return "clean"

    @property
    def exit_status(self) -> int:
        return 0 if self.status == "clean" else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "filing_id": self.filing.filing_id,
            "campaign": self.filing.campaign,
            "bureau": self.filing.bureau,
            "status": self.status,
            "documents": [_document(d) for d in self.documents],
            "flags": [_flag(f) for f in self.flags],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def _box(box) -> list[float] | None:
    return [round(float(v), 1) for v in box] if box is not None else None


def _field(fv: FieldValue) -> dict[str, Any]:
    return {"value": fv.value, "raw": fv.raw, "confidence": fv.confidence, "box": _box(fv.box)}


def _document(doc: DocumentResult) -> dict[str, Any]:
    return {
        "source": doc.source,
        "sha256": doc.sha256,
        "error": doc.error,
        "error_code": doc.error_code,
        "page_count": doc.page_count,
        "pages": [
            {
                "index": p.index,
                "kind": p.kind.value,
                "rotation": p.rotation,
                "width": p.width,
                "height": p.height,
                "fields": {name: _field(fv) for name, fv in p.fields.items()},
                **({"error": p.error} if p.error else {}),
            }
            for p in doc.pages
        ],
    }


def _flag(flag: Flag) -> dict[str, Any]:
    return {
        "code": flag.code,
        "severity": flag.severity.value,
        "message": flag.message,
        "field": flag.field,
        "filing_value": flag.filing_value,
        "document_value": flag.document_value,
        "source": flag.source,
        "page": flag.page,
        "box": _box(flag.box),
    }


@lru_cache(maxsize=1)
def report_validator() -> Draft202012Validator:
    text = resources.files("intake").joinpath("contract/report.schema.json").read_text("utf-8")
    return Draft202012Validator(json.loads(text), format_checker=FormatChecker())


def render_text(report: CheckReport) -> str:
    """A summary for a clerk at a terminal, with Chinese labels."""
    f = report.filing
    status = {"clean": "无疑点", "flagged": "有疑点", "failed": "无法核验"}[report.status]
    out = [
        f"填报编号 {f.filing_id}  {f.applicant.name} — {f.product.name}",
        f"征集活动 {f.campaign}  受理单位 {f.bureau}  结论：{status}",
        "",
        "材料：",
    ]
    for doc in report.documents:
        if doc.error and not doc.pages:
            out.append(f"  ✗ {doc.source}：{doc.error}")
            continue
        kinds = [
            f"第{p.index + 1}页 {KIND_LABELS[p.kind]}"
            for p in doc.pages
            if p.kind != PageKind.OTHER
        ]
        out.append(
            f"  • {doc.source}（{doc.page_count} 页）：{'；'.join(kinds) or '未找到关键材料'}"
        )
        if doc.error:
            out.append(f"    ✗ {doc.error}")
    out.append("")
    if not report.flags:
        out.append("疑点：无")
    else:
        out.append(f"疑点（{len(report.flags)}）：")
        for flag in report.flags:
            where = (
                f"  [{flag.source} 第{flag.page + 1}页]"
                if flag.source and flag.page is not None
                else ""
            )
            out.append(
                f"  [{SEVERITY_LABELS[flag.severity.value]}] {flag.code}：{flag.message}{where}"
            )
    return "\n".join(out)
