"""What a recogniser saw in a field's box, kept to verify a value against it later.

A CTC recogniser (PP-OCR's) gives, for each step along a line, a probability for every
character and for "nothing here" (the blank); the text it returns is the most likely character
of each step, repeats and blanks dropped. Where print is worn, crossed by a seal or a fold, the
character printed is often the second most likely of its step (沭 behind 沈): the recogniser saw
it and chose another. A `Lattice` keeps each step's likely characters, so that the checks can ask
how well the paper supports what the filing says (`support`): the probability of the best way the
filed text could be spelt along the steps, against the probability of the text the recogniser
chose. Print that reads clearly otherwise leaves the filed character a thousandth of its step
or less; a misread leaves it a large share.

Only the steps under the value are kept (`Lattice.around`), with a few characters each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from rapidfuzz.fuzz import partial_ratio_alignment, ratio

KEEP = 0.002
"""A step keeps the characters at least this likely (the rest is noise, and storage)."""

FLOOR = 1e-5
"""The probability a step gives a character it did not keep."""

WIDTH = {"(": "（", ")": "）", ":": "：", ",": "，", ";": "；"}
"""Half-width marks the recogniser may write where print is full-width: one character."""

BLANK = ""

ALIKE = 80
"""How alike (rapidfuzz's ratio, 0–100) the reading must be to the value it is to bear on."""


def _same(char: str) -> str:
    return WIDTH.get(char, char)


@dataclass(frozen=True)
class Lattice:
    """Each step's likely characters with their probabilities (BLANK for "nothing here")."""

    steps: tuple[tuple[tuple[str, float], ...], ...]

    @classmethod
    def from_probabilities(cls, probs: np.ndarray, characters: list[str]) -> Lattice:
        """From a recogniser's (steps × classes) output, class 0 the blank; a space counts
        as the blank (blanks in print are never compared), a step likely of nothing keeps its
        likeliest, and runs of steps sure of nothing are kept as one (they only part two
        characters)."""
        steps: list[tuple[tuple[str, float], ...]] = []
        for row in probs:
            kept = np.flatnonzero(row >= KEEP)
            if len(kept) == 0:
                kept = [int(np.argmax(row))]
            merged: dict[str, float] = {}
            for index in kept:
                char = BLANK if index == 0 else _same(characters[index])
                char = BLANK if char.isspace() else char
                merged[char] = merged.get(char, 0.0) + float(row[index])
            step = tuple(sorted(merged.items(), key=lambda kv: -kv[1]))
            only_blank = len(step) == 1 and step[0][0] == BLANK
            if only_blank and steps and steps[-1] == ((BLANK, steps[-1][0][1]),):
                continue
            steps.append(step)
        return cls(tuple(steps))

    def to_json(self) -> list[list[list]]:
        return [[[c, round(p, 4)] for c, p in step] for step in self.steps]

    @classmethod
    def from_json(cls, stored) -> Lattice | None:
        if not stored:
            return None
        return cls(tuple(tuple((str(c), float(p)) for c, p in step) for step in stored))

    def spelt(self) -> list[tuple[int, str]]:
        """The recogniser's own reading as (first step, character): each step's likeliest,
        repeats and blanks dropped."""
        out, last = [], BLANK
        for i, step in enumerate(self.steps):
            char = step[0][0] if step else BLANK
            if char != last and char != BLANK:
                out.append((i, char))
            last = char
        return out

    @property
    def text(self) -> str:
        """The recogniser's own reading."""
        return "".join(char for _, char in self.spelt())

    def around(self, value: str) -> Lattice | None:
        """Only the steps that spell the part of the reading most like `value` (a label's
        character or a neighbour's the box took in left out), with the blank step before it;
        None where no part of the reading is much like `value`."""
        value = "".join(_same(c) for c in value if not c.isspace())
        spelt = self.spelt()
        starts, text = [i for i, _ in spelt], "".join(c for _, c in spelt)
        if not value or not text:
            return None
        if len(text) <= len(value):
            return self if ratio(text, value) >= ALIKE else None
        found = partial_ratio_alignment(value, text)
        if found.score < ALIKE or found.dest_end - found.dest_start < len(value) - 1:
            return None
        first = max(0, starts[found.dest_start] - 1)
        end = starts[found.dest_end] if found.dest_end < len(starts) else len(self.steps)
        return Lattice(self.steps[first:end])

    def log_best(self) -> float:
        """The log probability of the likeliest path (the recogniser's own reading)."""
        return sum(math.log(step[0][1]) if step else math.log(FLOOR) for step in self.steps)

    def log_path(self, text: str) -> float:
        """The log probability of the likeliest path along the steps that spells `text`
        (CTC's alignment: each character on one step or a run, blanks between and around,
        a blank needed between two equal characters); -inf where the steps are too few."""
        target = [_same(c) for c in text if not c.isspace()]
        states = [BLANK]
        for char in target:
            states += [char, BLANK]
        n = len(states)
        floor = math.log(FLOOR)
        table = [dict(step) for step in self.steps]
        skip = np.array(
            [s >= 2 and states[s] != BLANK and states[s] != states[s - 2] for s in range(n)]
        )
        score = np.full(n, -np.inf)
        for t, probs in enumerate(table):
            emit = np.array([math.log(probs[s]) if s in probs else floor for s in states])
            if t == 0:
                new = np.full(n, -np.inf)
                new[0] = emit[0]
                if n > 1:
                    new[1] = emit[1]
                score = new
                continue
            stay = score
            step1 = np.concatenate(([-np.inf], score[:-1]))
            step2 = np.concatenate(([-np.inf, -np.inf], score[:-2]))
            best = np.maximum(stay, step1)
            best = np.where(skip, np.maximum(best, step2), best)
            score = best + emit
        if not table:
            return -np.inf
        return float(max(score[-1], score[-2] if n > 1 else -np.inf))

    def support(self, text: str) -> float:
        """How well the steps bear `text` out against the recogniser's own reading: the ratio
        of their likeliest paths' probabilities (1 where `text` is the reading, near 0 where
        the print says otherwise). Only characters read as others are borne out: a spelling
        longer or shorter than the reading is 0 (a character's step often gives the blank a
        twentieth, and a character lost or added is no misread of one)."""
        if len([c for c in text if not c.isspace()]) != len(self.text):
            return 0.0
        return math.exp(min(0.0, self.log_path(text) - self.log_best()))
