"""The `intake` command."""

from intake.cli.main import main

__all__ = ["main"]
