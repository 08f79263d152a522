"""The check report: the contract's JSON for one filing, and a readable summary for the terminal."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from core.filing import Filing
from core.model import DocumentResult, FieldValue, Flag, PageKind, PagePart, SealReading
from validators.flags import load_flag_catalogue


@dataclass
class ReportNotes:
    """Properties the service adds to a report (the contract allows additions, never removals).

    `documents` and `flags` run parallel to the report's lists; `fields` is keyed by
    (document position, page index, field name). A flag whose note has status `dismissed`
    no longer makes the report flagged.
    """

    documents: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    fields: dict[tuple[int, int, str], dict[str, Any]] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)


@dataclass
class CheckReport:
    filing: Filing
    documents: list[DocumentResult]
    flags: list[Flag]
    notes: ReportNotes | None = None

    def _standing_flags(self) -> list[Flag]:
        if self.notes is None or not self.notes.flags:
            return self.flags
        return [
            flag
            for flag, note in zip(self.flags, self.notes.flags)
            if note.get("status") not in ("dismissed", "resolved")
        ]

    @property
    def status(self) -> str:
        if self.documents and all(d.error and not d.pages for d in self.documents):
            return "failed"
        if self._standing_flags() or any(
            d.error or any(p.error for p in d.pages) for d in self.documents
        ):
            return "flagged"
        return "clean"

    @property
    def exit_status(self) -> int:
        return 0 if self.status == "clean" else 1

    def to_dict(self) -> dict[str, Any]:
        notes = self.notes or ReportNotes()
        return {
            "filing_id": self.filing.filing_id,
            "campaign": self.filing.campaign,
            "bureau": self.filing.bureau,
            "status": self.status,
            "documents": [
                _document(d, _nth(notes.documents, i), _fields_of(notes, i))
                for i, d in enumerate(self.documents)
            ],
            "flags": [_flag(f, _nth(notes.flags, i)) for i, f in enumerate(self.flags)],
            **notes.report,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def _box(box) -> list[float] | None:
    return [round(float(v), 1) for v in box] if box is not None else None


def field_json(fv: FieldValue) -> dict[str, Any]:
    """A field as pages store it: the report's JSON (value, raw text, confidence, box) and the
    recogniser's steps along the value, which the report leaves out."""
    return _field(fv) | ({"steps": fv.steps.to_json()} if fv.steps is not None else {})


def seal_json(seal: SealReading) -> dict[str, Any]:
    """A seal as the report's JSON (how pages store it): its lettering, confidence and box."""
    return {
        "text": seal.text,
        "confidence": round(seal.confidence, 4),
        "box": _box(seal.box),
        "centre_text": seal.centre_text,
        "code": seal.code,
        "star": seal.star,
    }


def seal_of_json(data: dict[str, Any]) -> SealReading:
    """A seal from its JSON (`seal_json`), as stored with its page."""
    box = data.get("box") or (0.0, 0.0, 0.0, 0.0)
    return SealReading(
        box=tuple(float(v) for v in box),
        text=str(data.get("text") or ""),
        confidence=float(data.get("confidence") or 0.0),
        centre_text=str(data.get("centre_text") or ""),
        code=str(data.get("code") or ""),
        star=bool(data.get("star")),
    )


def part_of_json(value: str | None) -> PagePart | None:
    return PagePart(value) if value in {p.value for p in PagePart} else None


def _nth(items: list[dict[str, Any]], index: int) -> dict[str, Any]:
    return items[index] if index < len(items) else {}


def _fields_of(notes: ReportNotes, position: int) -> dict[tuple[int, str], dict[str, Any]]:
    return {
        (page, name): extra for (doc, page, name), extra in notes.fields.items() if doc == position
    }


def _field(fv: FieldValue, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "value": fv.value,
        "raw": fv.raw,
        "confidence": fv.confidence,
        "box": _box(fv.box),
        **({"second": fv.second} if fv.second is not None else {}),
        **(extra or {}),
    }


def _document(
    doc: DocumentResult,
    extra: dict[str, Any] | None = None,
    field_notes: dict[tuple[int, str], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    field_notes = field_notes or {}
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
                "fields": {
                    name: _field(fv, field_notes.get((p.index, name)))
                    for name, fv in p.fields.items()
                },
                **({"error": p.error} if p.error else {}),
                **({"part": p.part.value} if p.part else {}),
                **({"seals": [seal_json(s) for s in p.seals]} if p.seals else {}),
            }
            for p in doc.pages
        ],
        **(extra or {}),
    }


def _flag(flag: Flag, extra: dict[str, Any] | None = None) -> dict[str, Any]:
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
        **(extra or {}),
    }


def render_text(report: CheckReport) -> str:
    """A summary for a clerk at a terminal, with Chinese labels."""
    catalogue = load_flag_catalogue()
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
            f"第{p.index + 1}页 {catalogue.kind_label(p.kind)}"
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
                f"  [{catalogue.severity_label(flag.severity)}] {flag.code}：{flag.message}{where}"
            )
    return "\n".join(out)
