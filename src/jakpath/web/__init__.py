"""HTTP API and web UI (FastAPI): `create_app()`; `jakpath serve` runs it."""

from jakpath.extras import require

require("fastapi", "web", "The web app and HTTP API")

from jakpath.web.app import create_app  # noqa: E402

__all__ = ["create_app"]
