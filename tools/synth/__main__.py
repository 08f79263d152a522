"""`python -m tools.synth`: write synthetic cases (see intake/synth/cli.py)."""

from __future__ import annotations

import sys

from tools.synth.cli import main

sys.exit(main())
