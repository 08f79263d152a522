"""`python -m intake.synth`: write synthetic cases (see intake/synth/cli.py)."""

from __future__ import annotations

import sys

from intake.synth.cli import main

sys.exit(main())
