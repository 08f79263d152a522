"""Real paper regression: the tuning part of tests/real/truth.yaml read as `intake check` reads it.

Fails when accuracy on real documents falls below what the readers reached. The images are read
from ../shared/real-dev/ (never copied here); where that folder is absent the test is skipped with
the reason. The held-out part is never read here: it is measured by `intake bench --real` only.
"""

from __future__ import annotations

import pytest

from intake.pipeline.read import Pipeline
from tools.real_bench import read_entries
from tools.real_lookalikes import LookalikeTally
from tools.real_paper import load_truth, real_dev_missing_reason

# Reached on the tuning part (tests/real/truth.yaml, split: tune) on 2026-12-04, tenth session:
# 93.2% of legible values (507/544), credit codes 95.2% (40/42), no false alarm on 96.6% (57/59)
# of documents with an agreeing filing (ninth session: 91.5%, 92.9%, 96.6%; seventh and eighth:
# 91.5%, 92.9%, 94.9%; sixth: 89.5%, 92.9%, 94.9%; fifth: 89.2%, 92.9%, 91.5%; fourth: 86.8%,
# 92.9%, 86.4%; third: 84.4%, 88.1%, 83.1%; second: 81.4%, 88.1%, 81.4%; first: 73.3%, 88.1%,
# 66.1%). The floors sit a little under those; raise them as the readers improve.
FLOOR_ALL_VALUES = 0.925
FLOOR_CREDIT_CODE = 0.93
FLOOR_NO_FALSE_ALARM = 0.95
# A name filed one character off the paper, that character the one the second recogniser's step
# found next likeliest after the printed one: 63 of 66 raise applicant_name_mismatch (tenth
# session; the other 3 the steps could not tell apart, validators/borne_out.py); one character
# off that no step considered: all of them.
FLOOR_LOOKALIKE_FLAGGED = 0.93

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tune_tally():
    reason = real_dev_missing_reason()
    if reason:
        pytest.skip(reason)
    lookalikes = LookalikeTally()
    tally, _ = read_entries(load_truth("tune"), Pipeline(), lookalikes=lookalikes)
    return tally, lookalikes


def test_real_values_read_exactly(tune_tally):
    tune_tally, _ = tune_tally
    assert tune_tally.accuracy() >= FLOOR_ALL_VALUES, "\n".join(tune_tally.misses[:60])


def test_real_credit_codes_read_exactly(tune_tally):
    tune_tally, _ = tune_tally
    codes = tune_tally.fields["business_license.credit_code"]
    assert codes.right / codes.total >= FLOOR_CREDIT_CODE, "\n".join(
        m for m in tune_tally.misses if "credit_code" in m
    )


def test_agreeing_filings_raise_no_false_alarm(tune_tally):
    tune_tally, _ = tune_tally
    share = tune_tally.no_false_alarm / tune_tally.checked_for_alarms
    assert share >= FLOOR_NO_FALSE_ALARM, "\n".join(
        m for m in tune_tally.misses if "false alarm" in m
    )


def test_a_name_filed_one_look_alike_character_off_the_paper_is_still_flagged(tune_tally):
    _, lookalikes = tune_tally
    assert lookalikes.filings >= 40, lookalikes.summary()
    assert lookalikes.flagged / lookalikes.filings >= FLOOR_LOOKALIKE_FLAGGED, "\n".join(
        lookalikes.missed
    )
    assert lookalikes.unlike_flagged == lookalikes.unlike_filings > 0, lookalikes.summary()
