"""Whether the paper bears out what the filing says, where the reading says otherwise.

A field compared with the filing keeps the steps its recogniser saw along the value
(`FieldValue.steps`, core/lattice.py). Where the reading differs from the filing, the filed
value as it would be printed is spelt along those steps: where the recogniser found it nearly as
likely as what it chose (the printed 沭 the second choice of its step behind 沈), the paper says
what the filing says and was misread; where print reads clearly otherwise the filed spelling is
a thousand times less likely or more, and the mismatch stands. The steps are the second
recogniser's (extractors/second_reading.py), read from the field's box alone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from core.lattice import Lattice
from extractors.printed_forms import printed_dates

SUPPORT = 0.5
"""The least share of the recogniser's own reading's probability that the filed spelling must
reach along the steps for the paper to bear it out: at least half as likely, so the steps could
not tell the two apart. On the real tune part, of 72 names filed with one character replaced by
the one its step found next likeliest (the hardest true mismatch), 3 are borne out at 0.5, 6 at
0.3 and 12 at 0.1 (`python -m tools.real_rescore`, look-alike filings)."""

Printed = Callable[[Any], list[str]]
"""The ways a filed value may be printed on the paper."""


def as_filed(value: Any) -> list[str]:
    """Text printed as it was filed (a name)."""
    return [str(value)]


def as_printed_date(value: Any) -> list[str]:
    """A date as licences and certificates print it (extractors/printed_forms.py)."""
    return printed_dates(value) if isinstance(value, date) else []


def borne_out(steps: Lattice | None, filed: Any, printed: Printed | None) -> bool:
    """Whether the steps bear out one of the filed value's printed forms (SUPPORT)."""
    if steps is None or printed is None or filed is None:
        return False
    return any(steps.support(form) >= SUPPORT for form in printed(filed))
