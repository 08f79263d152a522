"""Read the validators' YAML files strictly: dates stay text for pydantic, errors name the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from core.errors import CampaignInvalid


class _TextDatesLoader(yaml.SafeLoader):
    """A SafeLoader that leaves `2019-12-31` as a string, so pydantic parses it and names the key.

    PyYAML would otherwise build the date itself and fail on `2019-13-31` without saying where.
    """


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> Any:
    """The parsed content of `path`; CampaignInvalid when it is missing or not YAML."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CampaignInvalid(f"找不到配置文件：{path}（file not found）") from None
    except UnicodeDecodeError:
        raise CampaignInvalid(f"配置文件不是 UTF-8 文本：{path}（not UTF-8）") from None
    try:
        return yaml.load(text, Loader=_TextDatesLoader)  # noqa: S506 — a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else "位置不明"
        problem = getattr(exc, "problem", None) or str(exc)
        raise CampaignInvalid(
            f"配置文件 {path} 不是有效的 YAML：{where}：{problem}（invalid YAML）"
        ) from None


def key_path(loc: tuple[int | str, ...]) -> str:
    """`('qualified_institutions', 0, 'name')` → `qualified_institutions[0].name`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(根)"


def invalid_file(path: Path, exc: ValidationError) -> CampaignInvalid:
    """A CampaignInvalid naming the file and the first offending key of a pydantic error."""
    errors = exc.errors()
    first = errors[0]
    more = f"（另有 {len(errors) - 1} 处问题）" if len(errors) > 1 else ""
    key = key_path(tuple(first["loc"]))
    return CampaignInvalid(
        f"配置文件 {path} 无效：键 {key}：{first['msg']}{more}"
        f"（invalid file {path.name}: key '{key}': {first['msg']}）"
    )
