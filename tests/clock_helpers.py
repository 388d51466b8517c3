"""Instants written the short way in tests about schedules."""

from datetime import UTC, datetime


def at(text: str) -> datetime:
    """The UTC instant of an ISO 8601 date and time written without an offset, e.g.
    "2026-11-26 02:30"."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
