"""Error bodies for the HTTP APIs: OpenAI's error object, with a clear message and never a stack trace.

    {"error": {"message": "...", "type": "invalid_request_error", "param": null, "code": "invalid_json"}}

`install(app)` makes every error of the app's own routes (/v1, /api) take this shape: malformed JSON and
failed validation (400), HTTP errors raised by the routes (401, 404, 405, 413, 429 …) and unexpected
exceptions (500, logged server-side with their trace; the client only learns that it failed).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("gdpa.web")

_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 403: "invalid_request_error",
          404: "invalid_request_error", 405: "invalid_request_error", 413: "invalid_request_error",
          429: "rate_limit_exceeded", 500: "server_error", 503: "server_error"}


class ErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorBody(BaseModel):
    """What every failed API request returns (OpenAI's error object)."""

    error: ErrorDetail


def documented_errors(bad_request: str) -> dict[int, dict]:
    """The error responses of an API route, for its OpenAPI description (`responses=`)."""
    return {400: {"model": ErrorBody, "description": bad_request},
            401: {"model": ErrorBody, "description": "missing or wrong API key (when the server has one)"},
            413: {"model": ErrorBody, "description": "request body too large"},
            429: {"model": ErrorBody, "description": "rate limit reached; see Retry-After"}}


class APIError(Exception):
    """Raised by a route to answer with an error object."""

    def __init__(self, status: int, message: str, code: str | None = None, param: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param, self.headers = status, message, code, param, headers


def error_response(status: int, message: str, code: str | None = None, param: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(message=message, type=_TYPES.get(status, "invalid_request_error"),
                                       param=param, code=code))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def validation_message(exc: RequestValidationError) -> tuple[str, str, str | None]:
    """(message, code, param) for a request FastAPI could not parse or validate: the first problem, in words."""
    errors = exc.errors()
    if not errors:
        return "The request is not valid.", "invalid_request", None
    first = errors[0]
    if first.get("type") == "json_invalid":
        why = (first.get("ctx") or {}).get("error", "")
        return f"The request body is not valid JSON{': ' + str(why) if why else ''}.", "invalid_json", None
    loc = [str(p) for p in first.get("loc", ()) if p != "body"]
    param = ".".join(loc) or None
    msg = str(first.get("msg", "invalid value"))
    if first.get("type") == "missing":
        return f"Missing required parameter: '{param}'.", "missing_required_parameter", param
    if not loc:
        return f"The request body must be a JSON object ({msg}).", "invalid_request", None
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return f"Invalid value for '{param}': {msg}{more}.", "invalid_value", param


def install(app: FastAPI) -> None:
    """Error handlers for the app's own routes (a mounted Gradio app keeps its own)."""

    @app.exception_handler(APIError)
    async def _api_error(request: Request, exc: APIError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.code, exc.param, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, code, param = validation_message(exc)
        return error_response(400, message, code, param)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "The request failed."
        if exc.status_code == 404:
            message = f"Unknown route: {request.method} {request.url.path}"
        elif exc.status_code == 405:
            message = f"Method {request.method} is not allowed on {request.url.path}."
        return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return error_response(500, "The server failed to answer this request; please try again.", "server_error")
