"""The ``serve`` command: the web UI and HTTP API (the ``[web]`` extra)."""

from __future__ import annotations

import typer

from jakpath.cli.output import (
    DISCLAIMER,
    console,
    handles_errors,
)


@handles_errors
def serve_cmd(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="TCP port."),
):
    """Run the web UI and HTTP API (OpenAPI at /docs); writes need JAKPATH_API_TOKEN."""
    from jakpath.extras import require

    uvicorn = require("uvicorn", "web", "jakpath serve")
    from jakpath.web import create_app
    from jakpath.web.app import warm_up

    console.print(f"jakpath on http://{host}:{port}  ({DISCLAIMER})", highlight=False)
    web_app = create_app()
    warm_up(web_app)  # open the store, import and compile now: the first page pays only its rank
    uvicorn.run(web_app, host=host, port=port, log_level="warning")
