"""Intake: upload, storage, page images and clean-up, and the check pipeline that ties stages together."""
