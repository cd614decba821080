"""HTTP API and web UI (FastAPI): `create_app()`; `jakpath serve` runs it."""

from jakpath.web.app import create_app

__all__ = ["create_app"]
