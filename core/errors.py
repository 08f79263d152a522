"""One hierarchy of typed errors, each with a stable code and a message a clerk can act on.

Each class says what it means at every edge: `http_status` for the API, `exit_status` for the
command line (2: the input is wrong; 3: the installation or a service it needs is broken), and
`transient` for jobs (a transient failure is retried a bounded number of times; any other fails
the job with its message). Each edge translates them in one handler.
"""

from __future__ import annotations


class IntakeError(Exception):
    """Base of every error the service reports; `code` is stable, `message` is for people."""

    code = "intake_error"
    http_status = 422
    exit_status = 2
    transient = False

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UsageError(IntakeError):
    code = "usage_error"


class FilingInvalid(IntakeError):
    """The filing is not JSON or does not satisfy the contract's filing schema.

    `fields`: every problem found, as (path, Chinese message) — `applicant/credit_code`,
    「必填，不能缺少」 — so that a form can show each beside its field; `message` names the first.
    """

    code = "filing_invalid"

    def __init__(self, message: str, fields: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.fields = list(fields or [])


class CampaignNotFound(IntakeError):
    code = "campaign_not_found"


class CampaignInvalid(IntakeError):
    """A campaign YAML file is malformed; fails loudly instead of being skipped."""

    code = "campaign_invalid"
    http_status = 500
    exit_status = 3


class DocumentUnreadable(IntakeError):
    """One uploaded file cannot be read; its document carries the message, others go on."""

    code = "document_unreadable"


class EmptyFile(DocumentUnreadable):
    code = "empty_file"


class UnsupportedType(DocumentUnreadable):
    code = "unsupported_type"


class CorruptFile(DocumentUnreadable):
    code = "corrupt_file"


class EncryptedPdf(DocumentUnreadable):
    code = "encrypted_pdf"


class ImageTooLarge(DocumentUnreadable):
    code = "image_too_large"


class TooManyPages(DocumentUnreadable):
    code = "too_many_pages"


class NotFound(IntakeError):
    """No such record, or one of another bureau: the two are indistinguishable on purpose."""

    code = "not_found"
    http_status = 404


class Conflict(IntakeError):
    """The request clashes with what is stored (an id in use, a decision on a resolved flag)."""

    code = "conflict"
    http_status = 409


class ConfirmationRequired(Conflict):
    """The request would undo what a person decided (a flag's decision, a correction): it is
    carried out only when sent again with `confirm`; the message lists what would be undone."""

    code = "confirmation_required"


class Forbidden(IntakeError):
    """The user is known but the role or bureau does not allow the action."""

    code = "forbidden"
    http_status = 403


class Unauthorized(IntakeError):
    """No valid token or session."""

    code = "unauthorized"
    http_status = 401


class CsrfFailed(IntakeError):
    code = "csrf_failed"
    http_status = 403


class InvalidInput(IntakeError):
    """A request value breaks a rule of the service (an empty reason, an unknown field)."""

    code = "invalid_input"


class FileNameInvalid(IntakeError):
    """An upload's file name has a path separator, a control character or is too long."""

    code = "bad_file_name"
    http_status = 400


class UploadTypeInvalid(IntakeError):
    """The stored bytes are no supported type, or not the type the file name says."""

    code = "unsupported_media_type"
    http_status = 415


class ImportInvalid(IntakeError):
    """The uploaded table cannot be imported at all: not CSV/XLSX, no header, too many rows."""

    code = "import_invalid"


class StorageError(IntakeError):
    """The file store refused or failed an operation; nothing already stored was changed."""

    code = "storage_error"
    http_status = 503
    exit_status = 3
    transient = True


class ObjectNotFound(StorageError):
    """No object is stored under the requested key."""

    code = "object_not_found"
    http_status = 404
    transient = False


class UploadTooLarge(StorageError):
    """An upload went past the size limit; it was discarded and nothing was stored."""

    code = "upload_too_large"
    http_status = 413
    transient = False

    def __init__(self, max_bytes: int):
        limit_mb = f"{max_bytes / (1024 * 1024):.1f}".removesuffix(".0")
        super().__init__(
            f"上传文件超过 {limit_mb} MB 的上限，未保存；请压缩或拆分后重新上传。"
            f" / The upload exceeds the {limit_mb} MB limit and was not stored."
        )
        self.max_bytes = max_bytes


class ServiceUnavailable(IntakeError):
    """A service the operation needs (the database, the OCR engine) cannot be reached or used."""

    code = "service_unavailable"
    http_status = 503
    exit_status = 3
    transient = True


class OcrEngineUnavailable(ServiceUnavailable):
    """The OCR engine is not installed or cannot start: the installation is broken, not the file."""

    code = "ocr_engine_unavailable"
    transient = False
