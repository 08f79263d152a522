"""The FastAPI application: `create_app(settings)` wires the database, file store and job queue."""

from __future__ import annotations

import gc
import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from api import errors, openapi
from api.deps import Services
from api.routes import auth, bureaus, documents, filings, flags, imports, pages, users, work_pages
from api.routes import queue as queue_routes
from core.settings import Settings, get_settings
from intake.jobs.election import ElectedRunner
from intake.jobs.wiring import PipelineFactory, job_context, make_queue, make_sweeper
from intake.persistence.database import Database, upgrade
from intake.persistence.storage_url import storage_from_url

MiB = 1024 * 1024
DEFAULT_BODY_LIMIT = 2 * MiB
"""JSON bodies (a filing, a decision) are small; only the upload routes take more."""

RUNNER_LOCK = "job-runner.lock"
"""In the data folder: held by the one service process that runs the local queue's jobs."""

_UPLOAD_PATH = re.compile(r"^/api/filings/[^/]+/documents/?$")
_REPLACEMENT_PATH = re.compile(r"^/api/documents/[^/]+/replacement/?$")
_IMPORT_PATH = re.compile(r"^/api/filings/import/?$")


class BodyLimit:
    """Refuses a request body over its route's limit with 413, before or while it is read."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]):
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        length = _content_length(scope)
        if length is not None and length > limit:
            await _too_large(send)
            return
        received = 0

        async def limited() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, "请求内容超过大小上限，未保存")
            return message

        await self.app(scope, limited, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send: Send) -> None:
    body = json.dumps(
        errors.error_body("upload_too_large", "请求内容超过大小上限，未保存"),
        ensure_ascii=False,
    ).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
"""The pages load only their own script, style sheet and images; the box positions are
inline style attributes, hence 'unsafe-inline' for styles (never for scripts)."""
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """nosniff, no framing and a referrer policy on every response; the CSP on HTML pages."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] not in _OURS]
                headers += SECURITY_HEADERS
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                if content_type.startswith(b"text/html"):
                    headers.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


_OURS = frozenset(name for name, _ in SECURITY_HEADERS) | {b"content-security-policy"}


def body_limits(settings: Settings) -> Callable[[str], int]:
    upload = settings.max_upload_bytes * settings.max_files_per_upload + MiB
    table = settings.max_import_bytes + MiB

    def limit_for(path: str) -> int:
        if _UPLOAD_PATH.match(path):
            return upload
        if _REPLACEMENT_PATH.match(path):
            return settings.max_upload_bytes + MiB
        if _IMPORT_PATH.match(path):
            return table
        return DEFAULT_BODY_LIMIT

    return limit_for


def create_app(
    settings: Settings | None = None,
    *,
    pipeline: PipelineFactory | None = None,
    migrate: bool = True,
    freeze_gc: bool = False,
) -> FastAPI:
    """The service on `settings` (default: from INTAKE_* variables).

    `pipeline` builds the OCR pipeline of the in-process workers (tests pass a scripted one);
    `migrate` applies the Alembic migrations when the app starts; `freeze_gc` (a service
    process of its own) leaves what is loaded at start-up out of the garbage collector's full
    passes, which otherwise stop every request for a third of a second now and then.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = settings.effective_database_url
        if migrate:
            upgrade(url)
        db = Database(url, pool_size=settings.db_pool_size)
        storage = storage_from_url(settings.effective_storage)
        sweeper = make_sweeper(settings, db, storage)
        sweeper.start()  # before the jobs resume: sweeps at once, then periodically
        queue = make_queue(settings, job_context(settings, db, storage, pipeline))
        if settings.queue == "local":
            # Several service processes may share the data folder: one of them runs the jobs.
            queue = ElectedRunner(queue, settings.data_dir / RUNNER_LOCK)
        queue.start()
        app.state.services = Services(
            settings=settings,
            db=db,
            storage=storage,
            queue=queue,
        )
        if freeze_gc:
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            sweeper.stop()
            queue.stop()
            db.dispose()

    app = FastAPI(
        title="首版次软件产品征集材料核验 · intake service",
        description="Filings, scans, background checks, flags and bureau summaries.",
        version="0.1.0",
        lifespan=lifespan,
    )
    errors.install(app)
    openapi.install(app, settings)
    pages.install_error_pages(app)  # HTML error pages for page paths; /api keeps its JSON
    app.add_middleware(BodyLimit, limit_for=body_limits(settings))
    app.add_middleware(SecurityHeaders)
    for module in (auth, users, imports, filings, documents, flags, bureaus, queue_routes):
        app.include_router(module.router, responses=errors.ERROR_RESPONSES)
    app.include_router(work_pages.router)  # before pages: /filings/new is not a filing id
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")
    return app


def app_from_env() -> FastAPI:
    """For `uvicorn --factory api.app:app_from_env`: settings from the environment, migrated."""
    return create_app(get_settings(), migrate=False, freeze_gc=True)
