"""A copyright certificate's two numbers against each other: 证书号 = 登记号's serial + the year's offset.

The copyright office numbers certificates and registrations in the same order within a year, so
the difference is a constant of the year (data: extractors/data/certificate_numbers.yaml). Two
numbers that agree confirm each other's digits; two that disagree were misread or altered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from core.model import FieldValue
from core.yamlfile import read_yaml
from extractors.normalize import normalize_certificate_no, normalize_registration_no

OFFSETS_FILE = Path(__file__).parent / "data" / "certificate_numbers.yaml"
CONFIRMED_CONFIDENCE = 0.99
_SERIAL = re.compile(r"^(\d{4})SR(\d+)$")


@cache
def year_offsets() -> dict[int, int]:
    """Registration year → 证书号 minus the 登记号's serial."""
    data = read_yaml(OFFSETS_FILE)
    return {int(year): int(offset) for year, offset in (data.get("offsets") or {}).items()}


@dataclass(frozen=True)
class NumberAgreement:
    """What the two numbers say of each other; `expected` is None when the year is not known."""

    certificate_no: str
    registration_no: str
    year: int
    expected: str | None

    @property
    def known(self) -> bool:
        return self.expected is not None

    @property
    def agrees(self) -> bool:
        return self.expected is not None and self.expected == self.certificate_no


def agreement(certificate_no: object, registration_no: object) -> NumberAgreement | None:
    """The two numbers compared by their year's offset; None when either is not a number."""
    certificate = normalize_certificate_no(str(certificate_no or ""))
    registration = normalize_registration_no(str(registration_no or ""))
    match = _SERIAL.match(registration or "")
    if certificate is None or match is None:
        return None
    year, serial = int(match.group(1)), int(match.group(2))
    offset = year_offsets().get(year)
    expected = None if offset is None else str(serial + offset)
    return NumberAgreement(certificate.lstrip("0") or "0", registration or "", year, expected)


def confirm_numbers(fields: dict[str, FieldValue]) -> dict[str, FieldValue]:
    """The certificate's fields with both numbers' confidence raised where they agree.

    Nothing is changed where they disagree or the year is unknown: the rule
    certificate_numbers_inconsistent says so, and the numbers keep their own confidence.
    """
    certificate, registration = fields.get("certificate_no"), fields.get("registration_no")
    if certificate is None or registration is None:
        return fields
    found = agreement(certificate.value, registration.value)
    if found is None or not found.agrees:
        return fields
    out = dict(fields)
    for name, value in (("certificate_no", certificate), ("registration_no", registration)):
        out[name] = replace(value, confidence=max(value.confidence, CONFIRMED_CONFIDENCE))
    return out
