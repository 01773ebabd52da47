"""Every error as JSON with its status code: ``detail`` (read by Jina clients, Haystack, FastAPI
clients) and the same text under ``error.message`` (read by the ``openai`` client)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from latechunk.serve.service import LimitExceeded, Overloaded

log = logging.getLogger("latechunk.serve")


CLIENT_CLOSED = 499
"""The status a request is logged with when its client closed the connection before the answer (nginx's code)."""

_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "request_too_large",
    422: "invalid_request_error",
    CLIENT_CLOSED: "client_closed_request",
    503: "service_unavailable",
}


def error_body(status: int, detail: str) -> dict:
    """The JSON body of an error answer."""
    return {"detail": detail, "error": {"message": detail, "type": _TYPES.get(status, "server_error"), "code": status}}


def error_response(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """An error answer."""
    return JSONResponse(error_body(status, detail), status_code=status, headers=headers)


def _where(loc: tuple) -> str:
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts) or "body"


def validation_message(error: RequestValidationError) -> tuple[int, str]:
    """400 for a body that is not JSON, else 422 with one readable line per problem."""
    problems = error.errors()
    for problem in problems:
        if problem.get("type") == "json_invalid":
            reason = problem.get("ctx", {}).get("error", "")
            return 400, f"the request body is not valid JSON: {reason}".rstrip(": ")
    lines = []
    for problem in problems:
        message = str(problem.get("msg", "invalid")).removeprefix("Value error, ")
        where = _where(tuple(problem.get("loc", ())))
        lines.append(message if message.startswith(where) else f"{where}: {message}")
    return 422, "; ".join(lines)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        return error_response(*validation_message(error))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> JSONResponse:
        return error_response(error.status_code, str(error.detail), getattr(error, "headers", None))

    @app.exception_handler(Overloaded)
    async def _overloaded(request: Request, error: Overloaded) -> JSONResponse:
        return error_response(503, error.detail, {"Retry-After": str(error.retry_after)})

    @app.exception_handler(LimitExceeded)
    async def _too_large(request: Request, error: LimitExceeded) -> JSONResponse:
        return error_response(413, str(error))

    @app.exception_handler(Exception)
    async def _internal(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, f"internal server error: {type(error).__name__}: {error}")
