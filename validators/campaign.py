"""Campaigns as data: one YAML file per campaign, validated on load; each rule on by its key."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from core.errors import CampaignInvalid, CampaignNotFound
from core.model import PageFingerprint, PageKind
from core.yamlfile import invalid_file, read_yaml
from extractors.fingerprint import image_distance, text_similarity
from extractors.normalize import normalize_standard
from validators.rule_registry import rule_setting_types

CAMPAIGNS_DIR = Path(__file__).with_name("campaigns")
_CAMPAIGN_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class Institution(BaseModel):
    """A qualified testing institution and the other names its reports are printed with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=2)
    aliases: tuple[str, ...] = ()
    level: str | None = None
    """国家级 / 省级 — documentation for people; the rule does not read it."""


class CatalogEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    version: str | None = None


class PreviousCatalog(BaseModel):
    """The list a product must not already be in (same name and version)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    products: tuple[CatalogEntry, ...] = ()
    source: str | None = None
    """Where the list was taken from (a URL or a document), for people."""


class SamePaperRule(BaseModel):
    """reused_scan: how close two page fingerprints must be to be one sheet of paper."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_text_similarity: float = Field(gt=0.0, le=1.0)
    """Estimated Jaccard similarity of the pages' character 3-grams."""
    max_image_distance: float = Field(ge=0.0, lt=0.5)
    """Fraction of the perceptual-hash bits that may differ."""

    def same(self, a: PageFingerprint, b: PageFingerprint) -> bool:
        return (
            text_similarity(a, b) >= self.min_text_similarity
            and image_distance(a, b) <= self.max_image_distance
        )


class Campaign(BaseModel):
    """One campaign's rules. A rule is checked only when its parameters are present."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str = Field(min_length=1)
    issuer: str | None = None
    notice: str | None = None
    min_confidence: float = Field(default=0.80, ge=0.0, le=1.0)
    """A field read with less confidence than this counts as unreadable."""

    deadline: AwareDatetime | None = None
    """late_submission: the filing's submitted_at must not be later."""
    recommendation_deadline: AwareDatetime | None = None
    """When the bureaus must have recommended their filings (information for the API)."""

    required_documents: tuple[PageKind, ...] = ()
    """missing_document: each kind must be found on at least one page."""
    province: str | None = Field(default=None, pattern=r"^[1-8][0-9]$")
    """not_registered_in_province: first two digits of the credit code's region."""
    province_name: str | None = None
    credit_code_must_be_valid: bool = False
    """invalid_credit_code: the licence's credit code must pass the GB 32100-2015 check."""
    established_cutoff: date | None = None
    """established_after_cutoff: the licence's 成立日期 must be on or before this day."""
    development_cutoff: date | None = None
    """development_before_cutoff: the certificate's 开发完成日期 must be on or after this day."""
    applicant_must_hold_copyright: bool = False
    """applicant_not_copyright_holder: the applicant must be among the 著作权人."""
    required_standard: str | None = None
    """wrong_test_standard: the report's 检测依据, in normal form."""
    qualified_institutions: tuple[Institution, ...] | None = None
    """test_institution_not_qualified: the report's 检测单位 must be one of these."""
    rd_minimum_wan: float | None = Field(default=None, ge=0)
    """rd_investment_below_minimum: the filing's R&D investment in 万元."""
    usage_report_must_be_stamped: bool = False
    """usage_report_not_stamped: every usage report must carry a seal."""
    usage_report_signature_accepted: bool = False
    """usage_report_signed: the user's signature stands in for the seal (reported as info)."""
    max_products_per_applicant: int | None = Field(default=None, ge=1)
    """duplicate_application: filings per applicant in this campaign."""
    reused_scan: SamePaperRule | None = None
    """reused_scan: a page of one applicant that is the same paper as another applicant's."""
    previous_catalog: PreviousCatalog | None = None
    """in_previous_catalog: the previous list (inline, or a YAML file beside the campaign)."""
    rule_settings: dict[str, Any] = Field(default_factory=dict)
    """Parameters of registered rules whose keys this model does not declare (by key)."""

    @model_validator(mode="before")
    @classmethod
    def _registered_rule_keys(cls, data: Any) -> Any:
        """Keys of rules registered with a `setting` type: checked and kept in rule_settings."""
        if not isinstance(data, dict):
            return data
        if "rule_settings" in data:
            raise ValueError("rule_settings is not a campaign key; write each rule's key itself")
        data = dict(data)
        settings: dict[str, Any] = {}
        for key, setting in rule_setting_types().items():
            if key in data and key not in cls.model_fields:
                try:
                    settings[key] = TypeAdapter(setting).validate_python(data.pop(key))
                except ValidationError as exc:
                    problem = exc.errors()[0]["msg"]
                    raise ValueError(f"key {key}: {problem}") from None
        data["rule_settings"] = settings
        return data

    def setting(self, key: str) -> Any:
        """The value of campaign key `key`: a declared field, or a registered rule's parameter."""
        if key in type(self).model_fields and key != "rule_settings":
            return getattr(self, key)
        if key in self.rule_settings:
            return self.rule_settings[key]
        if key in rule_setting_types():
            return None
        raise KeyError(f"{key!r} is no campaign key (neither declared nor a registered rule's)")

    @field_validator("province", mode="before")
    @classmethod
    def _province_as_text(cls, value: Any) -> Any:
        return f"{value:02d}" if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("required_standard")
    @classmethod
    def _standard_in_normal_form(cls, value: str | None) -> str | None:
        if value is None:
            return None
        normal = normalize_standard(value)
        if normal is None:
            raise ValueError(f"not a standard number: {value!r}")
        return normal

    @field_validator("previous_catalog", mode="before")
    @classmethod
    def _catalog_from_list(cls, value: Any) -> Any:
        if isinstance(value, list):
            return {"title": "上一批目录", "products": value}
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Campaign:
        if not _CAMPAIGN_ID.match(self.id):
            raise ValueError(f"id {self.id!r} must be lower-case letters, digits, '.', '_', '-'")
        if self.deadline and self.recommendation_deadline:
            if self.recommendation_deadline < self.deadline:
                raise ValueError("recommendation_deadline is before deadline")
        if len(set(self.required_documents)) != len(self.required_documents):
            raise ValueError("required_documents lists a kind twice")
        if PageKind.OTHER in self.required_documents:
            raise ValueError("required_documents cannot require 'other' pages")
        return self


def _default_dirs(search_dirs: list[Path] | None) -> list[Path]:
    """Folders given first (a bureau's own or amended campaigns), then the packaged ones."""
    dirs = [Path(d) for d in search_dirs or []]
    return dirs if CAMPAIGNS_DIR in dirs else [*dirs, CAMPAIGNS_DIR]


def list_campaigns(search_dirs: list[Path] | None = None) -> list[str]:
    """The ids of the campaigns found in `search_dirs` (default: the packaged campaigns)."""
    ids: set[str] = set()
    for directory in _default_dirs(search_dirs):
        if directory.is_dir():
            ids.update(p.stem for p in directory.glob("*.yaml") if _CAMPAIGN_ID.match(p.stem))
    return sorted(ids)


def _resolve_catalog(data: dict[str, Any], campaign_path: Path) -> None:
    """Replace `previous_catalog: file.yaml` by that file's content (relative to the campaign)."""
    reference = data.get("previous_catalog")
    if not isinstance(reference, str):
        return
    catalog_path = (campaign_path.parent / reference).resolve()
    content = read_yaml(catalog_path)
    if not isinstance(content, dict):
        raise CampaignInvalid(
            f"配置文件 {catalog_path} 无效：顶层必须是映射（top level must be a mapping）"
        )
    try:
        data["previous_catalog"] = PreviousCatalog.model_validate(content)
    except ValidationError as exc:
        raise invalid_file(catalog_path, exc) from None


def parse_campaign_file(path: Path) -> Campaign:
    """Load one campaign file; CampaignInvalid naming the file and the key when it is malformed."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise CampaignInvalid(
            f"配置文件 {path} 无效：顶层必须是映射（top level must be a mapping）"
        )
    if "id" in data and data["id"] != path.stem:
        raise CampaignInvalid(
            f"配置文件 {path} 无效：键 id：「{data['id']}」与文件名「{path.stem}」不一致"
            f"（key 'id' must equal the file name）"
        )
    _resolve_catalog(data, path)
    try:
        return Campaign.model_validate(data)
    except ValidationError as exc:
        raise invalid_file(path, exc) from None


def load_campaign(campaign_id: str, search_dirs: list[Path] | None = None) -> Campaign:
    """The campaign `campaign_id`, from the first of `search_dirs` that has `<id>.yaml`."""
    dirs = _default_dirs(search_dirs)
    if _CAMPAIGN_ID.match(campaign_id):
        for directory in dirs:
            path = directory / f"{campaign_id}.yaml"
            if path.is_file():
                return parse_campaign_file(path)
    known = "、".join(list_campaigns(dirs)) or "（无）"
    raise CampaignNotFound(
        f"未知的征集活动「{campaign_id}」，已知的有：{known}（unknown campaign; known: {known}）"
    )
