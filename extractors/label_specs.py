"""The labels of each page kind's fields as printed (labels.yaml), loaded once into typed specs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from core.errors import IntakeError
from core.model import PageKind
from extractors import normalize as nz


@dataclass(frozen=True)
class FieldSpec:
    name: str
    labels: tuple[str, ...]
    type: str
    multiline: bool = False
    below: int = 0
    """Rows under the label where the value may stand (a date under a seal)."""
    always: bool = False
    """Printed on every page of its kind: not found, the page's reading lost it."""
    reread: bool = False
    """Compared with the filing: read again from its own box by a second recogniser."""
    wraps_when: re.Pattern[str] | None = None
    """A value not `multiline` carries on onto the rows under it only where its first row's
    text matches this (a 营业期限 whose first line leaves the period open: 自2011年6月21日)."""


@dataclass(frozen=True)
class KindSpec:
    fields: tuple[FieldSpec, ...]
    stops: tuple[str, ...]
    noise: tuple[str, ...] = ()
    headings: frozenset[str] = frozenset()

    @property
    def all_labels(self) -> list[str]:
        labels = {lab for f in self.fields for lab in f.labels} | set(self.stops) | self.headings
        return sorted(labels, key=len, reverse=True)


@lru_cache(maxsize=1)
def load_specs() -> dict[PageKind, KindSpec]:
    raw = yaml.safe_load(resources.files("extractors").joinpath("labels.yaml").read_text("utf-8"))
    try:
        return {
            PageKind(kind): KindSpec(
                fields=tuple(
                    FieldSpec(
                        name=name,
                        labels=tuple(nz.strip_spaces(lab) for lab in spec["labels"]),
                        type=spec["type"],
                        multiline=bool(spec.get("multiline", False)),
                        below=int(spec.get("below", 0)),
                        always=bool(spec.get("always", False)),
                        reread=bool(spec.get("reread", False)),
                        wraps_when=re.compile(spec["wraps_when"]) if "wraps_when" in spec else None,
                    )
                    for name, spec in body["fields"].items()
                ),
                stops=tuple(nz.strip_spaces(s) for s in body.get("stops", [])),
                noise=tuple(nz.to_halfwidth(nz.strip_spaces(s)) for s in body.get("noise", [])),
                headings=frozenset(nz.strip_spaces(s) for s in body.get("headings", [])),
            )
            for kind, body in raw.items()
        }
    except (KeyError, TypeError, ValueError, re.error) as exc:
        raise IntakeError(f"labels.yaml 配置有误：{exc!r}") from exc


def dates_under_seal(kind: PageKind) -> tuple[str, ...]:
    """The fields of `kind` printed as a date under its seal (labels.yaml: `below`)."""
    if kind == PageKind.OTHER:
        return ()
    return tuple(f.name for f in load_specs()[kind].fields if f.below)


def always_printed(kind: PageKind) -> tuple[str, ...]:
    """The fields every page of `kind` carries (labels.yaml: `always`)."""
    if kind == PageKind.OTHER:
        return ()
    return tuple(f.name for f in load_specs()[kind].fields if f.always)
