"""One error shape for every failure: `{"error": {"code", "message"}}` with the right status."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from core.errors import FilingInvalid, IntakeError

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "upload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
}
HTTP_MESSAGES = {
    401: "请先登录或提供有效的令牌",
    404: "找不到该地址",
    405: "不支持该请求方法",
    413: "请求内容超过大小上限，未保存",
}


class FieldProblem(BaseModel):
    field: str = Field(description="the filing field's path, e.g. applicant/credit_code")
    message: str = Field(description="what is wrong with it, in Chinese")


class ErrorDetail(BaseModel):
    code: str
    message: str = Field(description="in Chinese, for the clerk")
    fields: list[FieldProblem] | None = Field(
        default=None, description="filing_invalid: every field's problem, for a form"
    )


class ErrorBody(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "malformed JSON or a bad file name"),
        (401, "no, or no valid, token or session"),
        (403, "not allowed for this role, or a CSRF token missing"),
        (404, "not found, or another bureau's"),
        (405, "method not allowed"),
        (409, "conflicts with what is stored"),
        (413, "too large"),
        (415, "the file's bytes are not of an accepted type"),
        (422, "invalid input (the message names the field)"),
        (429, "too many attempts"),
    )
}
"""Every error any API route may answer, in the one error shape (documented in the OpenAPI)."""


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app serves at this path (for a 405's Allow header)."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE and getattr(route, "methods", None):
            methods |= set(route.methods)
    return sorted(methods)


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


async def intake_error(_request: Request, exc: IntakeError) -> JSONResponse:
    status = exc.http_status
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    extra = {}
    if isinstance(exc, FilingInvalid) and exc.fields:
        extra["fields"] = [{"field": where, "message": what} for where, what in exc.fields]
    return JSONResponse(error_body(exc.code, exc.message, **extra), status, headers=headers)


async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = HTTP_CODES.get(exc.status_code, "http_error")
    detail = exc.detail if isinstance(exc.detail, str) else None
    message = HTTP_MESSAGES.get(exc.status_code) or detail or code
    if detail and exc.status_code not in HTTP_MESSAGES:
        message = detail
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return JSONResponse(error_body(code, message), exc.status_code, headers=headers or None)


VALIDATION_MESSAGES = {
    "missing": "缺少此项",
    "string_too_long": "不能超过 {max_length} 个字符",
    "string_too_short": "至少 {min_length} 个字符",
    "string_pattern_mismatch": "格式不符（不能含控制字符或不允许的字符）",
    "string_type": "须为文字",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "bool_parsing": "须为 true 或 false",
    "bool_type": "须为 true 或 false",
    "less_than_equal": "不能大于 {le}",
    "greater_than_equal": "不能小于 {ge}",
    "literal_error": "须为 {expected} 之一",
    "dict_type": "须为 JSON 对象",
    "list_type": "须为列表",
    "float_parsing": "须为数值",
    "finite_number": "须为有限的数值",
}
"""Pydantic's error types in Chinese, for the 422 of a request that does not fit its route."""


def _validation_message(error: dict[str, Any]) -> str:
    template = VALIDATION_MESSAGES.get(error.get("type", ""))
    if template is None:
        return str(error.get("msg", "无效"))
    try:
        return template.format(**error.get("ctx", {}))
    except (KeyError, IndexError):
        return str(error.get("msg", "无效"))


async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        first = errors[0]
        where = first.get("ctx", {}).get("error", "")
        return JSONResponse(
            error_body("invalid_json", f"请求内容不是有效的 JSON（{where}）"),
            400,
        )
    first = errors[0] if errors else {}
    location = "/".join(str(p) for p in first.get("loc", ()) if p != "body") or "(请求)"
    message = f"字段 {location}：{_validation_message(first)}"
    if len(errors) > 1:
        message += f"（另有 {len(errors) - 1} 处问题）"
    return JSONResponse(error_body("invalid_request", message), 422)


async def unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return JSONResponse(error_body("internal_error", "服务内部错误，请稍后重试或联系管理员"), 500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(IntakeError, intake_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected_error)
