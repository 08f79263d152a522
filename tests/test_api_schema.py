"""The schema: Alembic migrations build exactly the tables of intake/records.py; OpenAPI is served."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from intake.persistence.database import Database, upgrade
from intake.persistence.records import Base
from intake.persistence.text_search import include_name
from tests.api_support import running_service, service_settings


def test_migrations_build_the_tables_of_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'schema.db'}"
    upgrade(url)
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            # the search index (FTS5 and its shadow tables) is not one of the models' tables
            opts = {"render_as_batch": True, "include_name": include_name}
            context = MigrationContext.configure(connection, opts=opts)
            assert compare_metadata(context, Base.metadata) == []
            tables = set(inspect(connection).get_table_names())
        assert set(Base.metadata.tables) <= tables
        upgrade(url)  # applying them again changes nothing
    finally:
        db.dispose()


def test_openapi_lists_the_routes(tmp_path: Path) -> None:
    with running_service(service_settings(tmp_path)) as (client, _users):
        schema = client.get("/openapi.json").json()
        paths = schema["paths"]
        for path in (
            "/api/filings",
            "/api/filings/import",
            "/api/filings/{filing_id}/documents",
            "/api/filings/{filing_id}/report",
            "/api/filings/{filing_id}/events",
            "/api/jobs/{job_id}",
            "/api/documents/{document_id}/pages/{index}/image",
            "/api/flags/{flag_id}/decision",
            "/api/bureaus/{code}/summary.xlsx",
            "/api/users",
        ):
            assert path in paths, path
        listed = paths["/api/filings"]["get"]["responses"]["200"]["content"]["application/json"]
        assert "ListOf" in listed["schema"]["$ref"]
        assert "/api/imports/{import_id}" in paths
        body = paths["/api/filings"]["post"]["requestBody"]["content"]["application/json"]
        assert body["schema"]["$ref"] == "#/components/schemas/FilingIn"  # was untyped
        filing = schema["components"]["schemas"]["FilingIn"]
        assert "jiangsu-2021-first-edition" in filing["properties"]["campaign"]["enum"]
        assert len(filing["properties"]["bureau"]["enum"]) == 16
        assert client.get("/docs").status_code == 200
