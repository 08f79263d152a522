"""A kind of campaign rule the package does not have, added the way a developer would add one.

One campaign key (`registered_capital_minimum_wan`), one function registered under it, and one
flag entry in a copy of validators/flags.yaml; nothing else is touched. Tests use it to show
that the check, the review page and the annotated PDF learn of a rule from those three places.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.model import PageKind
from validators import flags as flag_catalogue
from validators.campaign import CAMPAIGNS_DIR
from validators.evidence import ReadStatus
from validators.flags import make_flag
from validators.rule_registry import campaign_rule, unregister
from validators.rules import RuleInput

KEY = "registered_capital_minimum_wan"
CODE = "registered_capital_below_minimum"
TITLE = "注册资本低于要求"
FLAG_ENTRY = f"""
  {CODE}:
    title: {TITLE}
    checks: [business_license.registered_capital]
    severity: error
    params: [minimum]
    message: 营业执照的注册资本「{{document}}」低于征集要求的 {{minimum}} 万元
"""


def capital_rule(rule_input: RuleInput, flags: list) -> None:
    """The licence's 注册资本 (e.g. 500万元整) must be at least the campaign's minimum."""
    minimum = rule_input.campaign.setting(KEY)
    reading = rule_input.read(PageKind.BUSINESS_LICENSE, "registered_capital")
    if reading.status is not ReadStatus.READ:
        return
    amount = re.search(r"\d+(?:\.\d+)?", str(reading.value))
    if amount is not None and float(amount.group()) < minimum:
        flags.append(
            make_flag(
                CODE,
                field="registered_capital",
                document=reading.value,
                evidence=reading.evidence,
                minimum=minimum,
            )
        )


def campaign_with_rule(folder: Path, minimum: float, campaign_id: str) -> Path:
    """The packaged Jiangsu campaign under `campaign_id`, with the new rule's key added."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (CAMPAIGNS_DIR / "jiangsu-2021-first-edition.yaml").read_text(encoding="utf-8")
    text = text.replace("id: jiangsu-2021-first-edition", f"id: {campaign_id}")
    catalog = CAMPAIGNS_DIR / "catalogs" / "jiangsu-2020-first-edition-catalog.yaml"
    text = re.sub(r"^previous_catalog: .*$", f"previous_catalog: {catalog}", text, flags=re.M)
    text += f"\n# The new rule: one key.\n{KEY}: {minimum}\n"
    path = folder / f"{campaign_id}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@contextmanager
def new_rule_installed(tmp_path: Path) -> Iterator[None]:
    """The rule registered and its flag in the catalogue, both undone afterwards."""
    catalogue = tmp_path / "flags.yaml"
    catalogue.write_text(
        flag_catalogue.CATALOGUE_PATH.read_text(encoding="utf-8") + FLAG_ENTRY, encoding="utf-8"
    )
    packaged = flag_catalogue.CATALOGUE_PATH
    flag_catalogue.CATALOGUE_PATH = catalogue
    flag_catalogue.load_flag_catalogue.cache_clear()
    campaign_rule(KEY, CODE, setting=float)(capital_rule)
    try:
        yield
    finally:
        unregister(KEY)
        flag_catalogue.CATALOGUE_PATH = packaged
        flag_catalogue.load_flag_catalogue.cache_clear()
