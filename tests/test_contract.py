"""The contract travels with the package: its copies must equal ../shared/contract, byte for byte."""

from __future__ import annotations

from importlib import resources

import pytest

from tests.helpers import SHARED_CONTRACT


@pytest.mark.parametrize("name", ["filing.schema.json", "report.schema.json"])
def test_packaged_schema_is_the_shared_one(name):
    packaged = resources.files("intake").joinpath(f"contract/{name}").read_bytes()
    assert packaged == (SHARED_CONTRACT / name).read_bytes()
