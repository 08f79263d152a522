"""The OpenAPI document: every request body typed, as the service checks it.

FastAPI describes what the routes declare; a filing arrives as raw JSON (it is checked against
the contract's schema and the input limits by the service, with messages naming the field), and
some rules live with settings (the known campaigns, how many files an upload takes). They are
written into the document here, so that a request the document calls valid is accepted.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from core.filing import filing_schema
from core.settings import Settings
from validators.bureaus import load_bureaus
from validators.campaign import list_campaigns

FILING_ROUTES = (("/api/filings", "post"), ("/api/filings/{filing_id}", "put"))


def _body_schema(schema: dict[str, Any], path: str, method: str, media: str) -> dict[str, Any]:
    """The (component) schema of one operation's request body."""
    body = schema["paths"][path][method]["requestBody"]["content"][media]["schema"]
    if "$ref" in body:
        return schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    return body


def typed_bodies(schema: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """`schema` (FastAPI's) with the filing body, the import's campaign and the upload's file
    count written in."""
    campaigns = list_campaigns(list(settings.campaign_dirs))
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    filing = filing_schema(campaigns, sorted(load_bureaus()))
    update = copy.deepcopy(filing)
    del update["properties"]["filing_id"]
    update["required"].remove("filing_id")
    update["title"] = "FilingUpdate"
    update["description"] = "the filing; its filing_id is the path's (one sent must equal it)"
    components.update(FilingIn=filing, FilingUpdate=update)
    for (path, method), name in zip(FILING_ROUTES, ("FilingIn", "FilingUpdate")):
        content = schema["paths"][path][method]["requestBody"]["content"]
        content["application/json"]["schema"] = {"$ref": f"#/components/schemas/{name}"}
    form = _body_schema(schema, "/api/filings/import", "post", "multipart/form-data")
    form["properties"]["campaign"].update(enum=campaigns)
    upload = "/api/filings/{filing_id}/documents"
    files = _body_schema(schema, upload, "post", "multipart/form-data")["properties"]["files"]
    files.update(minItems=1, maxItems=settings.max_files_per_upload)
    return schema


def install(app: FastAPI, settings: Settings) -> None:
    """Serve `typed_bodies` of the app's own document at /openapi.json (built once)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = typed_bodies(schema, settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
