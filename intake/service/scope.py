"""Jurisdiction in one place: who is acting, and which bureaus' records they may see and touch."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, true

ROLES = ("clerk", "reviewer", "admin")
ROLE_LABELS = {"clerk": "经办人", "reviewer": "审核人", "admin": "管理员"}
"""Each role as a clerk reads it."""


@dataclass(frozen=True)
class Scope:
    """The acting user and the bureau they are confined to (None: every bureau)."""

    user_id: int | None
    user_name: str
    role: str
    bureau: str | None

    @classmethod
    def system(cls, name: str = "system") -> Scope:
        """The service itself (workers, command line): every bureau."""
        return cls(user_id=None, user_name=name, role="admin", bureau=None)

    def allows(self, bureau: str) -> bool:
        return self.bureau is None or self.bureau == bureau

    def where(self, column) -> ColumnElement[bool]:
        """A WHERE clause restricting `column` (a bureau column) to this scope."""
        return true() if self.bureau is None else column == self.bureau

    def conditions(self, column, requested: str | None = None) -> list[ColumnElement[bool]]:
        """WHERE clauses for a list: `column` (a bureau column) in this scope and narrowed to
        the `requested` bureau; none at all for every bureau (so that indexes and counts are
        used as they are, without a `1 = 1` in front)."""
        bureau = self.narrowed(requested)
        return [] if bureau is None else [column == bureau]

    def narrowed(self, requested: str | None) -> str | None:
        """The bureau a list should show: the request's, inside this scope.

        A clerk asking for another bureau gets a filter that matches nothing (an empty list),
        never that bureau's rows.
        """
        if self.bureau is None:
            return requested
        if requested is None or requested == self.bureau:
            return self.bureau
        return "-"
