"""What a task needs, whichever runner runs it (arq in a worker, or in-process)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.core.config import Settings

# dispatch(task_name, args, job_key): hand a task to the queue (a delayed task waits in the outbox).
Dispatch = Callable[[str, list, str], Awaitable[None]]


@dataclass
class TaskContext:
    settings: Settings
    session_factory: async_sessionmaker[AsyncSession]
