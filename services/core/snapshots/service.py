import uuid
from collections.abc import AsyncIterator

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.core.errors import Invalid, NotFound
from services.core.pagination import decode_cursor, encode_cursor, page_of, paginate
from services.core.snapshots.identity import row_sort_key
from services.core.snapshots.models import SCORE_FIELDS, Snapshot, SnapshotScore

LATEST = "latest"
EXPORT_BATCH = 2000


async def get_snapshot(session: AsyncSession, reference: str) -> Snapshot:
    """A snapshot by id, or the newest published one for `latest`."""
    if reference == LATEST:
        snapshot = await session.scalar(select(Snapshot).order_by(Snapshot.id.desc()).limit(1))
        if snapshot is None:
            raise NotFound("No snapshot has been published yet.")
        return snapshot
    try:
        snapshot_id = uuid.UUID(reference)
    except ValueError as exc:
        raise Invalid.field(
            ["path", "snapshot_id"], "A snapshot id (UUID) or `latest`.", "uuid_parsing"
        ) from exc
    snapshot = await session.get(Snapshot, snapshot_id)
    if snapshot is None:
        raise NotFound("No snapshot with this id.")
    return snapshot


async def list_snapshots(
    session: AsyncSession, *, methodology_version: int | None, cursor: str | None, limit: int
):
    statement = select(Snapshot)
    if methodology_version is not None:
        statement = statement.where(Snapshot.methodology_version == methodology_version)
    statement = paginate(statement, Snapshot.id, cursor, limit, parse=uuid.UUID)
    rows = list((await session.scalars(statement)).all())
    return page_of(rows, limit, key=lambda snapshot: snapshot.id)


def _scores_statement(
    snapshot_id: uuid.UUID, subject_type: str | None, subject_id: str | None, axis: str | None
):
    statement = select(SnapshotScore).where(SnapshotScore.snapshot_id == snapshot_id)
    if subject_type is not None:
        statement = statement.where(SnapshotScore.subject_type == subject_type)
    if subject_id is not None:
        statement = statement.where(SnapshotScore.subject_id == subject_id)
    if axis is not None:
        statement = statement.where(SnapshotScore.axis == axis)
    return statement


async def list_scores(
    session: AsyncSession,
    snapshot: Snapshot,
    *,
    subject_type: str | None,
    subject_id: str | None,
    axis: str | None,
    cursor: str | None,
    limit: int,
):
    statement = paginate(
        _scores_statement(snapshot.id, subject_type, subject_id, axis),
        SnapshotScore.id,
        cursor,
        limit,
        parse=int,
    )
    rows = list((await session.scalars(statement)).all())
    return page_of(rows, limit, key=lambda score: score.id)


async def stream_scores(
    factory: async_sessionmaker[AsyncSession], snapshot_id: uuid.UUID
) -> AsyncIterator[dict]:
    """Every score row, read in batches by keyset: memory stays constant whatever the size."""
    after = 0
    while True:
        async with factory() as session:
            rows = (
                await session.scalars(
                    select(SnapshotScore)
                    .where(SnapshotScore.snapshot_id == snapshot_id, SnapshotScore.id > after)
                    .order_by(SnapshotScore.id)
                    .limit(EXPORT_BATCH)
                )
            ).all()
        for row in rows:
            yield {field: getattr(row, field) for field in SCORE_FIELDS}
        if len(rows) < EXPORT_BATCH:
            return
        after = rows[-1].id


async def compare(
    session: AsyncSession,
    snapshot: Snapshot,
    other: Snapshot,
    *,
    subject_type: str | None,
    axis: str | None,
    cursor: str | None,
    limit: int,
):
    def load(snapshot_id):
        return _scores_statement(snapshot_id, subject_type, None, axis).with_only_columns(
            SnapshotScore.subject_type, SnapshotScore.subject_id, SnapshotScore.axis, SnapshotScore.score
        )

    mine = {(r.subject_type, r.subject_id, r.axis): r.score for r in await session.execute(load(snapshot.id))}
    theirs = {(r.subject_type, r.subject_id, r.axis): r.score for r in await session.execute(load(other.id))}
    keys = sorted(
        set(mine) | set(theirs),
        key=lambda k: row_sort_key({"subject_type": k[0], "subject_id": k[1], "axis": k[2]}),
    )
    start = 0
    if cursor is not None:
        try:
            start = int(decode_cursor(cursor))
        except ValueError as exc:
            raise Invalid.field(["query", "cursor"], "Malformed cursor.", "cursor_invalid") from exc
    page = keys[start : start + limit]
    items = []
    for key in page:
        score, other_score = mine.get(key), theirs.get(key)
        difference = None if score is None or other_score is None else round(score - other_score, 6)
        items.append(
            {
                "subject_type": key[0],
                "subject_id": key[1],
                "axis": key[2],
                "score": score,
                "other_score": other_score,
                "difference": difference,
            }
        )
    next_cursor = encode_cursor(start + limit) if start + limit < len(keys) else None
    return items, next_cursor
