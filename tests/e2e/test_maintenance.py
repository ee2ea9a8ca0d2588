"""Housekeeping jobs, on the running application."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from jobs.maintenance import JOB_NAME, prune_processed_updates
from models.base import utcnow
from models.updates import InboxUpdate
from tests.e2e.conftest import Harness


async def test_old_update_markers_are_pruned(harness: Harness) -> None:
    async with harness.db() as session:
        session.add(
            InboxUpdate(
                update_id=1,
                payload={},
                received_at=utcnow() - timedelta(days=3),
                handled_at=utcnow() - timedelta(days=3),
            )
        )
        session.add(
            InboxUpdate(
                update_id=2,
                payload={},
                received_at=utcnow() - timedelta(hours=1),
                handled_at=utcnow() - timedelta(hours=1),
            )
        )
        await session.commit()
    assert await prune_processed_updates(harness.app) == 1
    async with harness.db() as session:
        assert (await session.scalars(select(InboxUpdate.update_id))).all() == [2]
    assert harness.app.job_queue is not None
    assert [job.name for job in harness.app.job_queue.get_jobs_by_name(JOB_NAME)] == [JOB_NAME]
