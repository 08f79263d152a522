"""One hierarchy of typed errors, each with a stable code and a message a clerk can act on."""

from __future__ import annotations


class IntakeError(Exception):
    """Base of every error the service reports; `code` is stable, `message` is for people."""

    code = "intake_error"
    exit_status = 2

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UsageError(IntakeError):
    code = "usage_error"


class FilingInvalid(IntakeError):
    """The filing is not JSON or does not satisfy the contract's filing schema."""

    code = "filing_invalid"


class CampaignNotFound(IntakeError):
    code = "campaign_not_found"


class CampaignInvalid(IntakeError):
    """A campaign YAML file is malformed; fails loudly instead of being skipped."""

    code = "campaign_invalid"


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
