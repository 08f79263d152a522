"""The bureaus that receive filings (data/bureaus.yaml), keyed by administrative code."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.errors import CampaignInvalid
from core.yamlfile import invalid_file, read_yaml

BUREAUS_PATH = Path(__file__).parent / "data" / "bureaus.yaml"


class Bureau(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[0-9]{6}$")
    name: str = Field(min_length=1)
    area: str = Field(min_length=1)
    level: Literal["设区市", "县级市", "县"]
    city: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    """For a county-level bureau, the code of the 设区市 it lies in."""

    @model_validator(mode="after")
    def _city_for_counties(self) -> Bureau:
        if self.level == "设区市" and self.city is not None:
            raise ValueError("a 设区市 bureau has no parent city")
        if self.level != "设区市" and self.city is None:
            raise ValueError("a county-level bureau needs its city")
        return self


class BureauList(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    bureaus: tuple[Bureau, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_and_linked(self) -> BureauList:
        codes = [b.code for b in self.bureaus]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"bureau codes listed twice: {twice}")
        dangling = [b.code for b in self.bureaus if b.city is not None and b.city not in codes]
        if dangling:
            raise ValueError(f"bureaus whose city is not listed: {dangling}")
        return self


def parse_bureaus(path: Path) -> dict[str, Bureau]:
    """The bureaus of `path` keyed by code; CampaignInvalid naming the file and key on error."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise CampaignInvalid(
            f"配置文件 {path} 无效：顶层必须是映射（top level must be a mapping）"
        )
    try:
        bureau_list = BureauList.model_validate(data)
    except ValidationError as exc:
        raise invalid_file(path, exc) from None
    return {b.code: b for b in bureau_list.bureaus}


@lru_cache(maxsize=1)
def _packaged_bureaus() -> dict[str, Bureau]:
    return parse_bureaus(BUREAUS_PATH)


def load_bureaus() -> dict[str, Bureau]:
    """The packaged bureaus, code → Bureau (a fresh dict; the Bureau values are frozen)."""
    return dict(_packaged_bureaus())
