"""Development tools run from the source tree: the sample generator and the benchmarks."""

from __future__ import annotations

import sys
from pathlib import Path

from core.errors import UsageError


def source_tool(module: str):
    """A development tool (`tools.synth`, `tools.bench`, …) from the source tree beside the package.

    The tools are not shipped in the package: they run from a checkout, where `tools/` stands
    next to `intake/`.
    """
    import importlib

    root = Path(__file__).resolve().parents[2]
    if not (root / "tools" / "__init__.py").is_file():
        raise UsageError("样例生成器和基准测试只在源码目录中提供（找不到 tools/）")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return importlib.import_module(module)
