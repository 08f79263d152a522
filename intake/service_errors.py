"""Errors of the service's operations, each with a stable code; the API maps them to statuses."""

from __future__ import annotations

from intake.errors import IntakeError


class NotFound(IntakeError):
    """No such record, or one of another bureau: the two are indistinguishable on purpose."""

    code = "not_found"


class Conflict(IntakeError):
    """The request clashes with what is stored (an id in use, a decision on a resolved flag)."""

    code = "conflict"


class Forbidden(IntakeError):
    """The user is known but the role or bureau does not allow the action."""

    code = "forbidden"


class Unauthorized(IntakeError):
    """No valid token or session."""

    code = "unauthorized"


class CsrfFailed(IntakeError):
    code = "csrf_failed"


class InvalidInput(IntakeError):
    """A request value breaks a rule of the service (an empty reason, an unknown field)."""

    code = "invalid_input"


class FileNameInvalid(IntakeError):
    """An upload's file name has a path separator, a control character or is too long."""

    code = "bad_file_name"


class UploadTypeInvalid(IntakeError):
    """The stored bytes are no supported type, or not the type the file name says."""

    code = "unsupported_media_type"
