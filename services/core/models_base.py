"""Column helpers shared by the table models."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Column, Integer, Table
from sqlmodel import Field, SQLModel

from services.core.clock import utcnow
from services.core.db import UTCDateTime
from services.core.ids import new_id


def table_of(model: type[SQLModel]) -> Table:
    """The Table of a table model, for Core statements (bulk inserts, column collections).

    SQLAlchemy gives every table model a `__table__`, but SQLModel does not declare it to the
    type checker: this is the one place that says so."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def id_field() -> uuid.UUID:
    return Field(default_factory=new_id, primary_key=True)


def created_at_field() -> datetime:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def updated_at_field() -> datetime:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def deleted_at_field() -> datetime | None:
    return Field(default=None, sa_type=UTCDateTime, nullable=True)


def sync_rows(rows: list, wanted: list, key: str, make) -> None:
    """Make a child collection hold exactly `wanted`, keeping the rows that stay.

    Replacing the whole list would delete and re-insert rows with the same primary key in one
    flush, which the database can refuse; this removes and adds only the difference.
    """
    wanted_set = set(wanted)
    for row in [row for row in rows if getattr(row, key) not in wanted_set]:
        rows.remove(row)
    present = {getattr(row, key) for row in rows}
    for value in wanted:
        if value not in present:
            rows.append(make(value))
            present.add(value)


def serial_id_column():
    """A 64-bit auto-increment key (INTEGER on SQLite, where only that type auto-increments).

    Revision tables use it: its order is the order rows were recorded, which makes the highest
    id read a usable watermark of what a computation saw.
    """
    return Column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True)
