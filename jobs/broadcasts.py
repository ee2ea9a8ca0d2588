"""Start-up catch-up for broadcasts: the JobQueue keeps nothing across restarts, so a
broadcast confirmed but not finished by the last run is resumed from the delivery log."""

from __future__ import annotations

from core.context import AppContext
from services import broadcast


async def resume(context: AppContext) -> None:
    """One-off job at start-up: resumes unfinished broadcasts."""
    await broadcast.resume(context.app)
