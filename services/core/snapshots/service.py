import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from services.core.db import uses_postgresql
from services.core.errors import Invalid, NotFound
from services.core.list_queries import bound_conditions
from services.core.pagination import INTEGER_CURSOR, page_of, paginate
from services.core.scoring.config import AXES
from services.core.snapshots import repository
from services.core.snapshots.identity import row_sort_key
from services.core.snapshots.models import SCORE_FIELDS, Snapshot, SnapshotExplanation, SnapshotScore
from services.core.snapshots.schemas import ScoreRead

LATEST = "latest"
EXPORT_BATCH = 2000
WHOLE_OBSERVATORY = "all"  # the subject id of the `all` group in paths (null in rows)


async def any_published(session: AsyncSession) -> bool:
    return await session.scalar(select(col(Snapshot.id)).limit(1)) is not None


async def get_snapshot(session: AsyncSession, reference: str) -> Snapshot:
    """A snapshot by id, or the newest published one for `latest`."""
    if reference == LATEST:
        snapshot = await session.scalar(select(Snapshot).order_by(col(Snapshot.id).desc()).limit(1))
        if snapshot is None:
            raise NotFound("No snapshot has been published yet.")
        return snapshot
    snapshot = await session.get(Snapshot, _snapshot_uuid(reference))
    if snapshot is None:
        raise NotFound("No snapshot with this id.")
    return snapshot


def _snapshot_uuid(reference: str) -> uuid.UUID:
    try:
        return uuid.UUID(reference)
    except ValueError as exc:
        raise Invalid.field(
            ["path", "snapshot_id"], "A snapshot id (UUID) or `latest`.", "uuid_parsing"
        ) from exc


async def latest_snapshot_id(session: AsyncSession) -> uuid.UUID | None:
    """The id of the newest published snapshot (ids grow with time), or None."""
    if uses_postgresql(session):
        return await repository.latest_id(session)
    return await session.scalar(select(col(Snapshot.id)).order_by(col(Snapshot.id).desc()).limit(1))


async def get_snapshot_id(session: AsyncSession, reference: str) -> uuid.UUID:
    """The id of a snapshot (`latest`: the newest), with the errors of get_snapshot, without
    reading the snapshot itself: its diagnostics are hundreds of kilobytes of JSON."""
    if reference == LATEST:
        snapshot_id = await latest_snapshot_id(session)
        if snapshot_id is None:
            raise NotFound("No snapshot has been published yet.")
        return snapshot_id
    snapshot_id = _snapshot_uuid(reference)
    if uses_postgresql(session):
        found = await repository.existing_id(session, snapshot_id)
    else:
        found = await session.scalar(select(col(Snapshot.id)).where(col(Snapshot.id) == snapshot_id))
    if found is None:
        raise NotFound("No snapshot with this id.")
    return found


async def list_snapshots(
    session: AsyncSession, *, methodology_version: int | None, cursor: str | None, limit: int
):
    statement = select(Snapshot)
    if methodology_version is not None:
        statement = statement.where(col(Snapshot.methodology_version) == methodology_version)
    statement = paginate(statement, Snapshot.id, cursor, limit)
    rows = list((await session.scalars(statement)).all())
    return page_of(rows, limit, key=lambda snapshot: snapshot.id)


async def scores_by_key(
    session: AsyncSession, owner, owner_id: uuid.UUID, subject_type: str | None, axis: str | None
) -> dict[tuple, float | None]:
    """Each score of a snapshot (or preview) by (subject_type, subject_id, axis), for comparisons.
    `owner` is the column that names whose rows they are (repository.score_filters)."""
    model = owner.class_
    values = {"owner": owner_id, "subject_type": subject_type, "axis": axis}
    statement = select(model.subject_type, model.subject_id, model.axis, model.score).where(
        *bound_conditions(repository.score_filters(owner), values)
    )
    return {(r.subject_type, r.subject_id, r.axis): r.score for r in await session.execute(statement)}


def compared(key: tuple, score: float | None, other_score: float | None) -> dict:
    """One row of a comparison: both scores and their difference (null when either is)."""
    difference = None if score is None or other_score is None else round(score - other_score, 6)
    return {
        "subject_type": key[0],
        "subject_id": key[1],
        "axis": key[2],
        "score": score,
        "other_score": other_score,
        "difference": difference,
    }


async def list_score_rows(
    session: AsyncSession,
    snapshot_id: uuid.UUID,
    *,
    subject_type: str | None,
    subject_id: str | None,
    axis: str | None,
    cursor: str | None,
    limit: int,
):
    """A page of score rows as ScoreRead-shaped dicts (see list_queries.ListQuery.read_page)."""
    filters = {"owner": snapshot_id, "subject_type": subject_type, "subject_id": subject_id, "axis": axis}
    return await repository.SNAPSHOT_SCORE_LIST.read_page(
        session, ScoreRead, filters, cursor=cursor, limit=limit
    )


async def stream_scores(
    factory: async_sessionmaker[AsyncSession], snapshot_id: uuid.UUID
) -> AsyncIterator[dict]:
    """Every score row, read in batches by keyset: memory stays constant whatever the size."""
    after: int | None = 0  # the type of SnapshotScore.id (None only before an insert)
    while True:
        async with factory() as session:
            rows = (
                await session.scalars(
                    select(SnapshotScore)
                    .where(col(SnapshotScore.snapshot_id) == snapshot_id, col(SnapshotScore.id) > after)
                    .order_by(col(SnapshotScore.id))
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
    mine = await scores_by_key(session, SnapshotScore.snapshot_id, snapshot.id, subject_type, axis)
    theirs = await scores_by_key(session, SnapshotScore.snapshot_id, other.id, subject_type, axis)
    keys = sorted(
        set(mine) | set(theirs),
        key=lambda k: row_sort_key({"subject_type": k[0], "subject_id": k[1], "axis": k[2]}),
    )
    # The cursor is an offset in `keys`; one below zero starts at the beginning.
    start = max(INTEGER_CURSOR.decode(cursor), 0) if cursor is not None else 0
    page = keys[start : start + limit]
    items = [compared(key, mine.get(key), theirs.get(key)) for key in page]
    next_cursor = INTEGER_CURSOR.encode(start + limit) if start + limit < len(keys) else None
    return items, next_cursor


def _instant_text(value: str) -> str:
    """K as the API writes instants (UTC, `Z`)."""
    return datetime.fromisoformat(value).isoformat().replace("+00:00", "Z")


def _explanation_filter(statement, snapshot_id: uuid.UUID, subject_type: str, subject_id: str | None):
    statement = statement.where(
        SnapshotExplanation.snapshot_id == snapshot_id, SnapshotExplanation.subject_type == subject_type
    )
    if subject_id is None:
        return statement.where(col(SnapshotExplanation.subject_id).is_(None))
    return statement.where(SnapshotExplanation.subject_id == subject_id)


async def get_explanation(
    session: AsyncSession, reference: str, subject_type: str, subject_id: str, axis: str | None
) -> tuple[bytes, str]:
    """The explanation of one subject as JSON bytes (its stored documents, spliced), and the
    snapshot's content hash."""
    snapshot_id = await get_snapshot_id(session, reference)
    header = (
        await session.execute(
            select(col(Snapshot.as_of), col(Snapshot.input_watermark), col(Snapshot.content_hash)).where(
                col(Snapshot.id) == snapshot_id
            )
        )
    ).one()
    if subject_type == WHOLE_OBSERVATORY:
        if subject_id != WHOLE_OBSERVATORY:
            raise NotFound("The whole observatory's subject id is `all`.")
        stored_id = None
    else:
        stored_id = subject_id
    axes = [axis] if axis is not None else list(AXES)
    columns = [getattr(SnapshotExplanation, name) for name in axes]
    documents = (
        await session.execute(_explanation_filter(select(*columns), snapshot_id, subject_type, stored_id))
    ).first()
    if documents is None:
        explained = await session.scalar(
            select(col(SnapshotExplanation.id))
            .where(col(SnapshotExplanation.snapshot_id) == snapshot_id)
            .limit(1)
        )
        if explained is None:
            raise NotFound("This snapshot was published without explanations.")
        raise NotFound("No such subject in this snapshot.")
    head = orjson.dumps(
        {
            "snapshot_id": str(snapshot_id),  # the driver's own UUID type on PostgreSQL
            "subject_type": subject_type,
            "subject_id": stored_id,
            "as_of": header.as_of,
            "knowledge_cutoff": _instant_text(header.input_watermark["known_at"]),
        }
    )
    body = head[:-1] + b',"axes":[' + b",".join(bytes(document) for document in documents) + b"]}"
    return body, header.content_hash


async def stream_scores_with_explanations(
    factory: async_sessionmaker[AsyncSession], snapshot_id: uuid.UUID
) -> AsyncIterator[bytes]:
    """Every score row as JSON, with its axis's explanation under `explanation`.

    Both tables are walked by keyset in the same order (the run writes the rows of each in
    subject order), a batch of score rows and the explanations of their subjects at a time.
    """
    # The types of the ids (None only before an insert).
    after_score: int | None = 0
    after_explanation: int | None = 0
    # A batch may end within a subject's rows: the last subject's documents are kept for the next.
    documents: dict[tuple[str, str | None], dict[str, bytes]] = {}
    while True:
        async with factory() as session:
            rows = (
                await session.scalars(
                    select(SnapshotScore)
                    .where(col(SnapshotScore.snapshot_id) == snapshot_id, col(SnapshotScore.id) > after_score)
                    .order_by(col(SnapshotScore.id))
                    .limit(EXPORT_BATCH)
                )
            ).all()
            wanted = {(row.subject_type, row.subject_id) for row in rows} - documents.keys()
            explanations: Sequence[SnapshotExplanation] = []
            if wanted:
                explanations = (
                    await session.scalars(
                        select(SnapshotExplanation)
                        .where(
                            col(SnapshotExplanation.snapshot_id) == snapshot_id,
                            col(SnapshotExplanation.id) > after_explanation,
                        )
                        .order_by(col(SnapshotExplanation.id))
                        .limit(len(wanted))
                    )
                ).all()
        for explanation in explanations:
            documents[(explanation.subject_type, explanation.subject_id)] = {
                axis: bytes(getattr(explanation, axis)) for axis in AXES
            }
        for row in rows:
            encoded = orjson.dumps({field: getattr(row, field) for field in SCORE_FIELDS})
            document = documents.get((row.subject_type, row.subject_id), {}).get(row.axis, b"null")
            yield encoded[:-1] + b',"explanation":' + document + b"}"
        if explanations:
            after_explanation = explanations[-1].id
        if len(rows) < EXPORT_BATCH:
            return
        after_score = rows[-1].id
        last = (rows[-1].subject_type, rows[-1].subject_id)
        documents = {last: documents[last]} if last in documents else {}
