"""The project's copy of the contract must equal ../shared/contract, byte for byte, where that exists."""

from __future__ import annotations

import pytest

from tests.helpers import CONTRACT, SHARED_CONTRACT


@pytest.mark.parametrize("name", ["filing.schema.json", "report.schema.json", "README.md"])
def test_project_copy_is_the_shared_one(name):
    if not SHARED_CONTRACT.is_dir():
        pytest.skip(f"{SHARED_CONTRACT} is absent: nothing to compare the project's copy with")
    assert (CONTRACT / name).read_bytes() == (SHARED_CONTRACT / name).read_bytes()
