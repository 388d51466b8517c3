"""Structured logs: one JSON object per line, with the request or job they belong to.

Our own log calls and those of the libraries (uvicorn, arq, SQLAlchemy) go through the same
stdlib handler, so every line has the same shape. Values bound with `bound_context` (the
request id, the job id) are added to every line written while they are bound.
"""

import logging
import os
import sys
from typing import IO

import orjson
import structlog

_pid = os.getpid()


def _forked() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)


def _add_process_id(logger, method_name, event_dict):
    # Several processes write to one stream with `serve --workers N`.
    event_dict["pid"] = _pid
    return event_dict


def _json(event_dict, **_) -> str:
    return orjson.dumps(event_dict, default=str).decode()


_SHARED_PROCESSORS: list[structlog.typing.Processor] = [
    structlog.contextvars.merge_contextvars,
    _add_process_id,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]

bound_context = structlog.contextvars.bound_contextvars


def configure_logging(level: str = "info", log_format: str = "json", stream: IO[str] | None = None) -> None:
    """Send every log record to `stream` (stdout by default) as JSON or as console text."""
    # Written for every request: what the standard library would compute for each record and
    # no line shows (the caller's frame, thread and process names) is not computed.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    renderer = (
        structlog.processors.JSONRenderer(serializer=_json)
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED_PROCESSORS,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Uvicorn's own access log would repeat, without the request id, what the API logs.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "arq"):
        library_logger = logging.getLogger(name)
        library_logger.handlers[:] = []
        library_logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    structlog.configure(
        processors=[*_SHARED_PROCESSORS, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)
