"""One FastAPI app: the JSON API, the web UI and its static assets, safe by default.

- Errors are JSON with a message and, for names, the closest known ones; bad input is 4xx.
- Request bodies are bounded (``MAX_BODY_BYTES``); every response carries a
  Content-Security-Policy that allows only the app's own scripts and styles.
- Write endpoints need the operator's bearer token (``JAKPATH_API_TOKEN``).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware

from jakpath import __version__
from jakpath.exposure.model import MissingDataError
from jakpath.inhibition.potency import _potency_table
from jakpath.kb import KnowledgeBase, UnknownNameError, load_kb

MAX_BODY_BYTES = 1_000_000
"""Largest request body accepted (1 MB): evidence imports are chunked by clients."""

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
"""Content-Security-Policy: only the app's own resources (inline styles are needed by Plotly)."""

STATIC = Path(__file__).parent / "static"

FAVICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    '<rect width="16" height="16" rx="3" fill="#2a6"/></svg>'
)


def _error(status: int, message: str, **extra) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def _status_handler(status: int):
    """An exception handler answering ``status`` with the error's message as JSON."""

    async def handler(request: Request, exc: Exception):
        return _error(status, str(exc))

    return handler


class _Guard(BaseHTTPMiddleware):
    """Body-size bound and security headers on every response."""

    async def dispatch(self, request: Request, call_next):
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return _error(413, f"request body larger than {MAX_BODY_BYTES} bytes")
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response


def create_app(
    kb: KnowledgeBase | None = None, token: str | None = None, store_url: str | None = None
) -> FastAPI:
    """Build the app around a knowledge base (default: the shipped one).

    Args:
        kb: the knowledge base to serve.
        token: bearer token for write endpoints (default: ``JAKPATH_API_TOKEN``; unset means
            writes are refused).
        store_url: evidence store URL (default ``JAKPATH_DATABASE_URL`` or the user's
            SQLite file).
    """
    from jakpath.web.api import router as api_router
    from jakpath.web.pages import router as page_router

    app = FastAPI(
        title="jakpath",
        version=__version__,
        description="JAK inhibitors, cytokine pathways and diseases: a cited, "
        "quantitative model. Research and decision support, not "
        "medical advice.",
    )
    app.state.kb = kb or load_kb()
    app.state.token = token if token is not None else os.environ.get("JAKPATH_API_TOKEN")
    app.state.rank_cache = {}
    app.state.store_url = store_url
    app.state.store = None
    app.state.rank_lock = threading.Lock()
    # build the potency table once, before the first request, not in 32 threads at once
    _potency_table(app.state.kb)
    app.add_middleware(_Guard)

    @app.exception_handler(UnknownNameError)
    async def _unknown(request: Request, exc: UnknownNameError):
        return _error(404, str(exc), kind=exc.kind, query=exc.query, suggestions=exc.suggestions)

    from jakpath.evidence import InvalidRecordError, StoreError

    @app.exception_handler(InvalidRecordError)
    async def _invalid(request: Request, exc: InvalidRecordError):
        return _error(422, str(exc), problems=[str(p) for p in exc.problems])

    # plain errors -> status; Starlette picks the most specific class (MissingDataError is a
    # LookupError, RegimenError a ValueError)
    for error_class, status in (
        (StoreError, 503),
        (MissingDataError, 422),
        (LookupError, 404),
        (ValueError, 422),
    ):
        app.add_exception_handler(error_class, _status_handler(status))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        problems = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return _error(
            422,
            "invalid request: "
            + "; ".join(f"{'.'.join(map(str, p['loc']))}: {p['msg']}" for p in problems),
            details=problems,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        return _error(exc.status_code, str(exc.detail))

    app.include_router(api_router)
    app.include_router(page_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/static-vendor/plotly.min.js", include_in_schema=False)
    def plotly_js():
        """Plotly's browser bundle, served from the installed plotly package (offline)."""
        import plotly

        return FileResponse(
            Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
            media_type="application/javascript",
        )

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        """A small SVG icon (browsers ask for one on every page)."""
        return Response(FAVICON_SVG, media_type="image/svg+xml")

    return app
