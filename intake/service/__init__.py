"""What the service does for clerks and reviewers: filings, uploads, review, re-check, accounts, audit, import."""
