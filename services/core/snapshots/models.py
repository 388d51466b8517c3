import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

from services.core.models_base import created_at_field, id_field, serial_id_column, table_of


class Snapshot(SQLModel, table=True):
    """A published, immutable set of scores. Nothing updates these rows once written."""

    __tablename__ = "snapshots"

    id: uuid.UUID = id_field()
    created_at: datetime = created_at_field()
    as_of: date
    methodology_version: int = Field(foreign_key="methodologies.version")
    methodology_hash: str = Field(max_length=64)
    content_hash: str = Field(max_length=64, index=True)
    # What the computation read: K and the highest revision ids seen (JSON object).
    input_watermark: dict = Field(sa_column=Column(JSON, nullable=False))
    counts: dict = Field(sa_column=Column(JSON, nullable=False))
    diagnostics: dict = Field(sa_column=Column(JSON, nullable=False))
    # The job that computed it: one snapshot per job, so a re-run job never publishes twice.
    job_id: uuid.UUID | None = Field(default=None, unique=True)


class ScoreColumns(SQLModel):
    """The columns of a score row, shared by a snapshot's rows and a preview's."""

    subject_type: str = Field(max_length=16)
    subject_id: str | None = Field(default=None, max_length=64)
    axis: str = Field(max_length=16)
    score: float | None = None
    coverage: float | None = None
    lower: float | None = None
    upper: float | None = None
    delta_1y: float | None = None
    # sa_type, not sa_column: each table that inherits gets a column of its own.
    flags: list = Field(sa_type=JSON, nullable=False)
    n_indicators: int | None = None
    n_scored_indicators: int | None = None
    n_alliances: int | None = None
    n_scored: int | None = None
    median: float | None = None
    p25: float | None = None
    p75: float | None = None
    min: float | None = None
    max: float | None = None


class SnapshotScore(ScoreColumns, table=True):
    __tablename__ = "snapshot_scores"
    __table_args__ = (
        Index("ix_snapshot_scores_lookup", "snapshot_id", "subject_type", "subject_id", "axis"),
        # Pages of one subject type, in id order: without it PostgreSQL walks the primary key
        # through every row of the other types (the territories come after 50,000 alliances).
        Index("ix_snapshot_scores_page", "snapshot_id", "subject_type", "id"),
    )

    id: int | None = Field(default=None, sa_column=serial_id_column())
    snapshot_id: uuid.UUID = Field(foreign_key="snapshots.id")


# The fields of a score row, in a stable order: exports, the content hash and inserts use it.
SCORE_FIELDS = tuple(
    column.name for column in table_of(SnapshotScore).columns if column.name not in ("id", "snapshot_id")
)


class SnapshotExplanation(SQLModel, table=True):
    """How one subject's scores of a snapshot were obtained (METHODOLOGY.md section 8).

    One row per subject of the snapshot's score rows; each axis is a JSON object encoded once by
    the run that scored, so that a read returns the stored bytes. Derived from the same inputs
    as the scores, written in the same transaction, never updated.
    """

    __tablename__ = "snapshot_explanations"
    __table_args__ = (Index("ix_snapshot_explanations_lookup", "snapshot_id", "subject_type", "subject_id"),)

    id: int | None = Field(default=None, sa_column=serial_id_column())
    snapshot_id: uuid.UUID = Field(foreign_key="snapshots.id")
    subject_type: str = Field(max_length=16)
    subject_id: str | None = Field(default=None, max_length=64)
    performance: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    innovation: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    trust: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
