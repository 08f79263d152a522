"""Identifiers printed on the papers: credit codes (GB 32100 / GB 11714), registration and report numbers."""

from __future__ import annotations

import random
from datetime import date

from extractors.certificate_numbers import year_offsets
from extractors.normalize import CREDIT_CODE_ALPHABET, credit_code_check_char

ORG_LETTERS = "ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code_check_char(body8: str) -> str:
    """GB 11714 check character of an 8-character organisation code body."""
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body8, _ORG_WEIGHTS))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def _with_checks(region: str, body8: str) -> str:
    first17 = "91" + region + body8 + org_code_check_char(body8)
    return first17 + credit_code_check_char(first17)


def credit_code(rng: random.Random, region: str, established: date) -> str:
    """A valid 统一社会信用代码 of a company registered in `region` (6 digits)."""
    if established.year >= 2016:
        tail = "".join(rng.choice("0123456789" + ORG_LETTERS) for _ in range(5))
        body = "MA" + rng.choice("0123456789") + tail
    else:
        body = str(rng.randint(5, 7)) + "".join(rng.choice("0123456789") for _ in range(7))
    return _with_checks(region, body)


def mistyped_credit_code(rng: random.Random, code: str) -> str:
    """Another valid code one organisation-code character away from `code` (a typing slip)."""
    body = list(code[8:16])
    position = rng.randrange(2 if body[0] == "M" else 0, 8)
    alphabet = "0123456789" if body[position].isdigit() else ORG_LETTERS
    body[position] = rng.choice([c for c in alphabet if c != body[position]])
    return _with_checks(code[2:8], "".join(body))


def broken_credit_code(rng: random.Random, code: str) -> str:
    """`code` with a wrong 18th (check) character."""
    return code[:17] + rng.choice([c for c in CREDIT_CODE_ALPHABET if c != code[17]])


def change_digit(rng: random.Random, text: str, start: int = 0) -> str:
    """`text` with one digit at or after `start` replaced by another digit."""
    positions = [i for i, c in enumerate(text) if c.isdigit() and i >= start]
    i = rng.choice(positions)
    return text[:i] + rng.choice([d for d in "0123456789" if d != text[i]]) + text[i + 1 :]


def certificate_numbers(rng: random.Random, year: int) -> tuple[str, str]:
    """A certificate's 证书号 and 登记号 (`2020SR0123456`) of registration year `year`.

    Where the year's offset is known (extractors/data/certificate_numbers.yaml) the 证书号 is the
    登记号's serial plus it, as on real certificates; otherwise a number of the year's range.
    """
    low, high = {2019: (3800000, 4900000), 2020: (4900000, 6800000)}.get(year, (6800000, 9900000))
    number = str(rng.randint(low, high))
    serial = rng.randint(10000, 1499999)
    offset = year_offsets().get(year)
    return (number if offset is None else str(serial + offset)), f"{year}SR{serial:07d}"


def report_no(rng: random.Random, pattern: str, year: int, abbr: str = "") -> str:
    return pattern.format(
        y=year, n4=f"{rng.randint(1, 9999):04d}", n3=f"{rng.randint(1, 999):03d}", abbr=abbr
    )


def phone(rng: random.Random) -> str:
    return "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))
