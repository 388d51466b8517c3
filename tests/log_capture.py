"""The log lines a test makes the service write, caught in memory in the service's JSON format."""

import contextlib
import io
import json
import logging
from collections.abc import Iterator

from services.core.logs import configure_logging


class CapturedLogs:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict]:
        """Every line written so far, parsed."""
        return [json.loads(line) for line in self.text.splitlines()]


@contextlib.contextmanager
def captured_json_logs() -> Iterator[CapturedLogs]:
    """Configure logging as the service does with the JSON format, writing into memory.

    On exit the root logger gets back the handlers and level it had, so that the logging of
    the tests that follow (pytest's own handlers among them) is as before.
    """
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    captured = CapturedLogs()
    configure_logging("info", "json", stream=captured.stream)
    try:
        yield captured
    finally:
        root.handlers[:], root.level = handlers, level
