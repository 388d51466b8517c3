"""The bare baseline of bench/read.py (a helper, not a benchmark).

A plain FastAPI app whose routes return, as they are, response bodies and headers captured
from the real server (content type, ETag, Cache-Control, request id, rate-limit and security
headers...: everything but what the HTTP server itself writes, date, server and framing): no
database, no authentication, no middleware, no model. The same bytes travel both ways.

It is served by `observatoire serve` itself, with only the application swapped: `uvicorn.run`
is wrapped so that the import string given by `services.cli.serve` is replaced by this
module's factory. Every other server setting (workers, host, port, log level and access log,
proxy headers, event loop and HTTP implementation) is the one `serve` passes, whatever it is.

    OBSERVATOIRE_BENCH_BARE_RESPONSES=responses.json \
        python bench/_bare_app.py --host 127.0.0.1 --port 8001 --workers 2

responses.json: {"/v1/catalysts": {"headers": [["content-type", "application/json"], ...],
"body_file": "..."}, ...} (paths without their query string: query parameters are ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from fastapi import FastAPI, Response

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESPONSES_ENV = "OBSERVATOIRE_BENCH_BARE_RESPONSES"


def _endpoint(body: bytes, headers: list[list[str]]):
    # Encoded once; Content-Length is the body's, as the real server's framing gives it.
    raw_headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    raw_headers.append((b"content-length", str(len(body)).encode()))

    async def endpoint() -> Response:
        response = Response(content=body)
        response.raw_headers = raw_headers  # nothing downstream changes them
        return response

    return endpoint


def create_app() -> FastAPI:
    responses = json.loads(Path(os.environ[RESPONSES_ENV]).read_text())
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    for path, response in responses.items():
        body = Path(response["body_file"]).read_bytes()
        app.add_api_route(path, _endpoint(body, response["headers"]), methods=["GET"])
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    # The worker processes import this module by name: make it importable from them too
    # (multiprocessing passes sys.path on to the processes it spawns).
    sys.path.insert(0, str(HERE))
    sys.path.insert(1, str(ROOT))
    import uvicorn

    from services.cli import serve

    real_run = uvicorn.run

    def run_bare_app(app, **kwargs):
        if not kwargs.get("factory"):
            raise RuntimeError(f"serve no longer passes an app factory ({app!r}): update bench/_bare_app.py")
        return real_run("_bare_app:create_app", **kwargs)

    uvicorn.run = run_bare_app
    serve(host=args.host, port=args.port, workers=args.workers)


if __name__ == "__main__":
    main()
