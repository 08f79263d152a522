"""Validators: cross-checks of documents against the filing, and campaign rules loaded from YAML."""

from validators.run import check_filing

__all__ = ["check_filing"]
