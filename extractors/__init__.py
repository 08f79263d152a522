"""Extractors: OCR engines, page classification and field extraction per document kind."""
