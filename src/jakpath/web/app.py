"""One FastAPI app: the JSON API, the web UI and its static assets, safe by default.

- Errors are JSON with a message and, for names, the closest known ones; bad input is 4xx.
- Request bodies are bounded (``MAX_BODY_BYTES``); every response carries a
  Content-Security-Policy that allows only the app's own scripts and styles.
- Write endpoints need the operator's bearer token (``JAKPATH_API_TOKEN``).
"""

from __future__ import annotations

import hmac
import json
import os
import threading
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from jakpath import __version__
from jakpath.exposure.model import MissingDataError
from jakpath.extras import require
from jakpath.inhibition.potency import potency_map
from jakpath.kb import KnowledgeBase, UnknownNameError, load_kb

ENV_API_ACCOUNT = "JAKPATH_API_ACCOUNT"
"""Environment variable naming the account recorded in ``added_by`` for API writes."""

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

DOCS_ASSETS = {
    "swagger-ui-bundle.js": "application/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "application/javascript",
}
"""API-docs bundles served under ``/static-vendor/`` (from the fastapi-offline package)."""

SWAGGER_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>jakpath API - Swagger UI</title>
<link rel="stylesheet" href="/static-vendor/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static-vendor/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script></body></html>
"""

REDOC_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>jakpath API - ReDoc</title></head>
<body><redoc spec-url="/openapi.json"></redoc>
<script src="/static-vendor/redoc.standalone.js"></script></body></html>
"""


def _error(status: int, message: str, headers: dict | None = None, **extra) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)


def _wants_html(request: Request) -> bool:
    """A browser asking for a page (not the JSON API, not an asset)."""
    path = request.url.path
    if path.startswith(("/api/", "/static", "/openapi.json")):
        return False
    return "text/html" in request.headers.get("accept", "")


def _answer(request: Request, status: int, message: str, headers=None, **extra) -> Response:
    """An error answer: an HTML page for a browser on a page route, JSON otherwise."""
    if _wants_html(request):
        from http import HTTPStatus

        from jakpath.web.pages import render_error

        try:
            title = HTTPStatus(status).phrase
        except ValueError:
            title = "Error"
        page = render_error(request, status, title, message, extra.get("suggestions") or [])
        page.headers.update(headers or {})
        return page
    return _error(status, message, headers=headers, **extra)


def _allowed_methods(request: Request) -> str:
    """Every documented method of the request's path (for a 405's ``Allow``), or ''."""
    import re

    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, request.url.path):
            return ", ".join(m.upper() for m in operations if m.lower() != "parameters")
    return ""


def _status_handler(status: int):
    """An exception handler answering ``status`` with the error's message (JSON or page)."""

    async def handler(request: Request, exc: Exception):
        return _answer(request, status, str(exc))

    return handler


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
"""Methods whose routes may need the bearer token (checked before the body is read)."""

AUTH_CHALLENGE = 'Bearer realm="jakpath"'
"""``WWW-Authenticate`` value of a 401 answer (RFC 6750)."""

DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; worker-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
"""CSP of the API docs pages: as :data:`CSP`, plus the blob: worker ReDoc starts."""


class BodyTooLargeError(StarletteHTTPException):
    """A streamed request body passed :data:`MAX_BODY_BYTES` (answered 413).

    An HTTP exception, so FastAPI's body parsing passes it on instead of answering 400.
    """

    def __init__(self, detail: str):
        super().__init__(413, detail)


def token_problem(expected: str | None, authorization: bytes | None) -> tuple[int, str] | None:
    """``(status, message)`` when a write request is not authorised, else None.

    Compares bytes in constant time (``hmac.compare_digest``), so a token with non-ASCII
    characters is a wrong token (403), never an error.
    """
    raw = authorization or b""
    if raw[:7].lower() != b"bearer ":
        return 401, "write endpoints need 'Authorization: Bearer <token>'"
    given = raw[7:].strip()
    if not expected or not hmac.compare_digest(given, expected.encode("utf-8")):
        return 403, "invalid token (the operator sets JAKPATH_API_TOKEN)"
    return None


def _json_message(status: int, message: str, extra_headers=()) -> tuple[dict, bytes]:
    body = json.dumps({"error": message}).encode()
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *extra_headers,
        ],
    }
    return start, body


def _protected(scope) -> bool:
    """True when the route that would answer ``scope`` requires the bearer token."""
    from jakpath.web.api import TOKEN_ROUTES

    return (scope["method"], scope.get("path", "")) in TOKEN_ROUTES


_SET_HEADERS = (b"content-security-policy", b"x-content-type-options", b"referrer-policy")


class _Guard:
    """Pure ASGI middleware: authentication before the body, a bounded body, safe headers.

    - ``Content-Length`` over :data:`MAX_BODY_BYTES` is answered 413 without reading.
    - A write to a route that needs the token is answered 401/403 before the body is read.
    - A streamed body (chunked, no ``Content-Length``) is counted as it arrives and the
      request is answered 413 as soon as it passes the bound: at most one chunk more than
      :data:`MAX_BODY_BYTES` is ever held in memory.
    - Every response carries the Content-Security-Policy and related headers.
    """

    def __init__(self, app, max_body: int = MAX_BODY_BYTES):
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        csp = (DOCS_CSP if path in ("/docs", "/redoc") else CSP).encode()
        started = False

        async def send_safe(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() not in _SET_HEADERS
                ]
                headers += [
                    (b"content-security-policy", csp),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        async def answer(status: int, text: str, extra_headers=()):
            start, body = _json_message(status, text, extra_headers)
            await send_safe(start)
            await send_safe({"type": "http.response.body", "body": body})

        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        too_large = f"request body larger than {self.max_body} bytes"
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await answer(413, too_large)
            return
        if scope["method"] in WRITE_METHODS and _protected(scope):
            problem = token_problem(scope["app"].state.token, headers.get(b"authorization"))
            if problem:
                status, text = problem
                extra = [(b"www-authenticate", AUTH_CHALLENGE.encode())] if status == 401 else []
                await answer(status, text, extra)
                return

        received = 0

        async def receive_bounded():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLargeError(too_large)
            return message

        try:
            await self.app(scope, receive_bounded, send_safe)
        except BodyTooLargeError as exc:
            if not started:
                await answer(413, str(exc.detail))
        except Exception:
            # an unexpected error: JSON with the security headers, never a plain-text page;
            # re-raised so the server logs the traceback
            if not started:
                await answer(500, "internal error (logged on the server)")
            raise


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
        docs_url=None,  # served below from the app's own assets (the CSP blocks CDNs)
        redoc_url=None,
    )
    app.state.kb = kb or load_kb()
    app.state.token = token if token is not None else os.environ.get("JAKPATH_API_TOKEN")
    app.state.rank_cache = {}
    app.state.store_url = store_url
    app.state.store = None
    app.state.rank_lock = threading.Lock()  # guards rank_locks (one lock per ranking)
    app.state.rank_locks = {}
    app.state.store_lock = threading.Lock()
    app.state.account = os.environ.get(ENV_API_ACCOUNT) or "api"
    # build the potency table once, before the first request, not in 32 threads at once
    potency_map(app.state.kb)
    app.add_middleware(_Guard)

    @app.exception_handler(UnknownNameError)
    async def _unknown(request: Request, exc: UnknownNameError):
        return _answer(
            request, 404, str(exc), kind=exc.kind, query=exc.query, suggestions=exc.suggestions
        )

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
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
        if exc.status_code == 401:
            headers.setdefault("WWW-Authenticate", AUTH_CHALLENGE)
        return _answer(request, exc.status_code, str(exc.detail), headers=headers or None)

    app.include_router(api_router)
    app.include_router(page_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/static-vendor/plotly.min.js", include_in_schema=False)
    def plotly_js():
        """Plotly's browser bundle, served from the installed plotly package (offline)."""
        plotly = require("plotly", "web", "The web app's charts")

        return FileResponse(
            Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
            media_type="application/javascript",
        )

    @app.get("/static-vendor/{name}", include_in_schema=False)
    def docs_asset(name: str):
        """Swagger UI and ReDoc browser bundles, from the installed fastapi-offline package."""
        if name not in DOCS_ASSETS:
            raise StarletteHTTPException(404, f"no vendored asset {name!r}")
        fastapi_offline = require("fastapi_offline", "web", "The API docs pages")

        return FileResponse(
            Path(fastapi_offline.__file__).parent / "static" / name, media_type=DOCS_ASSETS[name]
        )

    @app.get("/docs", include_in_schema=False)
    def docs():
        """Swagger UI for the API (assets served by the app)."""
        return HTMLResponse(SWAGGER_HTML)

    @app.get("/redoc", include_in_schema=False)
    def redoc():
        """ReDoc for the API (assets served by the app)."""
        return HTMLResponse(REDOC_HTML)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon():
        """A small SVG icon (browsers ask for one on every page)."""
        return Response(FAVICON_SVG, media_type="image/svg+xml")

    return app


def warm_up(app: FastAPI, diseases: list[str] | tuple[str, ...] | None = ()) -> int:
    """Do the one-time work of the first requests before they come: store, imports, templates.

    ``jakpath serve`` calls it before the server listens (about 0.3 s on a 2-core machine), so
    the first disease page costs only its ranking. It opens the evidence store (and runs its
    migrations), imports what a ranking imports, builds what every ranking shares (the
    candidates' PK models and label burdens) and compiles the page templates; then it ranks
    ``diseases`` into the app's ranking cache (``None``: every disease with driver data, seeds
    first), with the same per-ranking locks as the requests.

    Args:
        app: an app made by :func:`create_app`.
        diseases: disease ids to rank now (default none).

    Returns:
        The number of rankings warmed (a failure stops the warm-up quietly: the request that
        needs the ranking computes it and reports any error itself).
    """
    from types import SimpleNamespace

    import scipy.special  # noqa: F401  (the evidence intervals' beta quantiles)

    from jakpath.matching.safety import label_burden
    from jakpath.matching.scoring import NoDriverDataError, approved_regimens
    from jakpath.web.api import cached_rank, get_store
    from jakpath.web.pages import templates

    request = SimpleNamespace(app=app)  # what get_store and cached_rank read from a request
    get_store(request)
    for name in templates.env.list_templates():
        templates.env.get_template(name)
    kb = app.state.kb
    # every ranking's disease-independent part: the candidates' PK models and label burdens
    try:
        for drug in dict.fromkeys(d for d, _ in approved_regimens(kb)):
            label_burden(kb, drug)
    except Exception:  # a warm-up never takes the server down (the request reports it)
        return 0
    if diseases is None:
        d = kb.diseases
        with_drivers = set(kb.disease_drivers.disease_id)
        seeds = d[d.seed_disease == "yes"].disease_id.tolist()
        diseases = [x for x in seeds + d.disease_id.tolist() if x in with_drivers]
        diseases = list(dict.fromkeys(diseases))
    done = 0
    for did in diseases:
        try:
            cached_rank(request, kb, did, False)
        except NoDriverDataError:
            continue
        except Exception:  # a warm-up never takes the server down
            return done
        done += 1
    return done
