"""What an import's child process runs: the workbook's bounds first, with nothing heavy loaded (a
file that unpacks huge is refused in a fraction of a second), then the full read of the table."""

from __future__ import annotations

from intake.service.import_sheets import check_bounds


def read_table(data: bytes, filename: str, campaign: str):
    """`import_table` of the importer, after `check_bounds`."""
    check_bounds(data, filename)
    from intake.service.importer import import_table  # the importer's models and rules

    return import_table(data, filename, campaign)
