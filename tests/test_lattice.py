"""The recogniser's steps along a value, and how well they bear out another spelling of it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.lattice import FLOOR, Lattice

CHARACTERS = ["blank", "沭", "沈", "阳", "科", "技", "称", "1", " "]


def _probs(*steps: dict[str, float]) -> np.ndarray:
    """A (steps × classes) output; what a step leaves unsaid goes to the blank."""
    out = np.zeros((len(steps), len(CHARACTERS)), np.float32)
    for t, step in enumerate(steps):
        for char, p in step.items():
            out[t, CHARACTERS.index(char)] = p
        out[t, 0] += 1.0 - sum(step.values())
    return out


BLANK_STEP: dict[str, float] = {}


def _shen_yang(shen: float, shu: float) -> Lattice:
    """沈阳科技 read along nine steps, 沭 behind 沈 at the first character."""
    return Lattice.from_probabilities(
        _probs(
            BLANK_STEP,
            {"沈": shen, "沭": shu},
            BLANK_STEP,
            BLANK_STEP,
            {"阳": 0.97},
            {"科": 0.98},
            BLANK_STEP,
            {"技": 0.99},
            BLANK_STEP,
        ),
        CHARACTERS,
    )


def test_the_reading_is_each_steps_likeliest_without_repeats_and_blanks():
    steps = _shen_yang(0.6, 0.35)
    assert steps.text == "沈阳科技"
    assert len(steps.steps) == 8  # the two blank steps running together kept as one
    assert steps.support("沈阳科技") == pytest.approx(1.0)


def test_a_character_second_in_its_step_is_borne_out_as_its_share_of_the_first():
    steps = _shen_yang(0.6, 0.35)
    assert steps.support("沭阳科技") == pytest.approx(0.35 / 0.6, rel=1e-3)


def test_print_read_clearly_otherwise_does_not_bear_another_character_out():
    steps = _shen_yang(0.995, 0.003)
    assert steps.support("沭阳科技") < 0.01
    assert Lattice.from_probabilities(_probs({"沈": 0.999}), CHARACTERS).support("沭") == (
        pytest.approx(FLOOR / 0.999, rel=1e-2)
    )


def test_a_character_left_out_or_added_is_not_borne_out():
    steps = _shen_yang(0.6, 0.35)
    assert steps.support("沈阳技") == 0.0
    assert steps.support("沈阳科技技") == 0.0


def test_two_equal_characters_need_a_blank_between_them():
    one_one = Lattice.from_probabilities(_probs({"1": 0.9}, BLANK_STEP, {"1": 0.9}), CHARACTERS)
    assert one_one.text == "11"
    assert one_one.support("11") == pytest.approx(1.0)
    run = Lattice.from_probabilities(_probs({"1": 0.9}, {"1": 0.9}), CHARACTERS)
    assert run.text == "1"
    assert run.support("11") < 1e-3


def test_the_steps_around_a_value_leave_out_a_label_character_the_box_took_in():
    steps = Lattice.from_probabilities(
        _probs({"称": 0.9}, BLANK_STEP, {"沈": 0.6, "沭": 0.35}, {"阳": 0.97}), CHARACTERS
    )
    assert steps.support("沭阳") == 0.0  # 称 is not spelt away
    value = steps.around("沈阳")
    assert value is not None and value.text == "沈阳"
    assert value.support("沭阳") == pytest.approx(0.35 / 0.6, rel=1e-3)
    assert steps.around("科技") is None


def test_steps_survive_storage():
    steps = _shen_yang(0.6, 0.35)
    again = Lattice.from_json(steps.to_json())
    assert again is not None and again.text == steps.text
    assert math.isclose(again.support("沭阳科技"), steps.support("沭阳科技"), rel_tol=1e-3)
    assert Lattice.from_json(None) is None


def test_a_step_likely_of_nothing_keeps_its_likeliest_and_a_space_is_a_blank():
    flat = np.full((1, len(CHARACTERS)), 1.0 / len(CHARACTERS), np.float32) * 0.01
    flat[0, CHARACTERS.index("科")] = 0.0015  # nothing as likely as KEEP
    steps = Lattice.from_probabilities(flat, CHARACTERS)
    assert steps.steps[0][0][0] == "科" and steps.text == "科"
    spaced = Lattice.from_probabilities(_probs({"沈": 0.9}, {" ": 0.9}, {"阳": 0.9}), CHARACTERS)
    assert spaced.text == "沈阳"
    assert spaced.support("沈 阳") == pytest.approx(1.0)
