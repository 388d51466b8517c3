"""The `observatoire` command line."""

import asyncio
import json
import os
import shutil
import signal
import tempfile
import uuid
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from services.core.config import get_settings
from services.core.vocabularies import ApiKeyScope

app = typer.Typer(help="Observatoire: the observatory of territorial alliances.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

DEFAULT_OPENAPI_PATH = Path("openapi") / "openapi.json"
GRACEFUL_SHUTDOWN_SECONDS = 30


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: PORT or 8000).")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the HTTP API."""
    import uvicorn

    from services.core.logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    # Uvicorn, once it has shut down gracefully, raises again the signal that stopped it, to
    # the handler found at its start: this one, so that an orderly stop on SIGTERM exits 0.
    signal.signal(signal.SIGTERM, _exit_after_shutdown)
    with shared_metrics_directory(workers):
        uvicorn.run(
            "services.api.main:create_app",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=workers,
            log_level=settings.log_level,
            # The API writes its own JSON logs, one line per request with its id.
            log_config=None,
            access_log=False,
            proxy_headers=True,
            # On SIGTERM, requests in flight get this long to finish before the process exits.
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )


def _exit_after_shutdown(signum, frame) -> None:
    raise SystemExit(0)


@contextmanager
def shared_metrics_directory(workers: int):
    """Several worker processes: each writes its metrics where any of them can sum them all."""
    if workers <= 1 or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        yield
        return
    directory = tempfile.mkdtemp(prefix="observatoire-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    try:
        yield
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@app.command()
def worker() -> None:
    """Run an arq worker (needs REDIS_URL): aggregations and webhook deliveries."""
    from services.worker.settings import run_worker

    run_worker()


@app.command()
def aggregate(
    as_of: Annotated[
        datetime | None,
        typer.Option("--as-of", formats=["%Y-%m-%d"], help="T, the date described (default today)."),
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Follow the job to its end with a progress bar.")
    ] = False,
    if_none_published: Annotated[
        bool,
        typer.Option(
            "--if-none-published",
            help="Request nothing when a snapshot is already published (the first run of a demo).",
        ),
    ] = False,
) -> None:
    """Request an aggregation job (like staff through the API)."""
    from services.worker.cli_aggregate import request_and_follow

    status = asyncio.run(
        request_and_follow(get_settings(), as_of.date() if as_of else None, wait, if_none_published)
    )
    if status == "failed":
        raise typer.Exit(code=1)


@app.command()
def migrate() -> None:
    """Bring the database to the current schema and load the reference territories."""
    from services.core.migrate import migrate as run_migrations

    added = run_migrations(get_settings())
    typer.echo(f"Database is up to date ({added} reference territories added).")


@app.command("seed-demo")
def seed_demo() -> None:
    """Load the demo dataset (idempotent: a second run changes nothing)."""
    from services.core.demo.seed import seed_demo as run_seed

    summary = asyncio.run(run_seed(get_settings()))
    typer.echo("Demo dataset: " + ", ".join(f"{n} {what}" for what, n in summary.items()))


@keys_app.command("create")
def create_key(
    scope: Annotated[ApiKeyScope, typer.Option(help="read, write or staff.")],
    catalyst: Annotated[uuid.UUID | None, typer.Option(help="The catalyst a write key is bound to.")] = None,
    name: Annotated[str | None, typer.Option(help="A name to recognise the key.")] = None,
) -> None:
    """Create an API key and print it (on the last line; it is shown only once)."""
    from services.core.auth.commands import create_key_from_cli
    from services.core.errors import DomainError

    try:
        api_key, secret = asyncio.run(
            create_key_from_cli(get_settings(), scope, catalyst, name or f"{scope.value} key")
        )
    except DomainError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(code=2) from exc
    typer.echo(f"Created {api_key.scope} key {api_key.id} ({api_key.name}).", err=True)
    typer.echo(secret)


@app.command()
def openapi(
    output: Annotated[Path, typer.Option(help="Where to write the document.")] = DEFAULT_OPENAPI_PATH,
) -> None:
    """Write the OpenAPI document of the API."""
    from services.api.main import create_app

    document = create_app().openapi()
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n")
    typer.echo(f"Wrote {output}.")


if __name__ == "__main__":
    app()
