"""The nightly backup job: a backup in a timestamped folder, and a failure told to admins."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from jobs.backup import nightly
from models.audit import AuditEntry
from models.outbox import OutboxMessage
from services import backup
from tests.conftest import PG_SERVER_URL, TEST_NOW
from tests.e2e.conftest import ADMIN_ID, Harness


async def test_the_nightly_backup_is_stamped_and_pruned(harness: Harness, tmp_path: Path) -> None:
    if PG_SERVER_URL and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump not installed (Debian: postgresql-client of the server's version)")
    directory = tmp_path / "backups"
    harness.app.settings = harness.settings.model_copy(
        update={"backup_dir": directory, "backup_keep": 2}
    )
    for day in range(3):
        folder = await nightly(harness.app, TEST_NOW + timedelta(days=day))
        assert folder is not None and backup.verify(folder)[1] == []
    assert sorted(p.name for p in directory.iterdir()) == ["20261126-100000", "20261127-100000"]
    async with harness.db() as session:
        entries = (
            await session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "backup.nightly")
                .order_by(AuditEntry.id)
            )
        ).all()
    assert [Path(e.target or "").name for e in entries] == [
        "20261125-100000",
        "20261126-100000",
        "20261127-100000",
    ]
    assert [e.details["removed"] for e in entries] == [[], [], ["20261125-100000"]]


async def test_a_failed_backup_is_told_to_the_admins(harness: Harness, tmp_path: Path) -> None:
    admin = harness.user(ADMIN_ID, "Rina", language_code="en")
    await admin.send_text("/start")
    await admin.next_message()
    await harness.sandbox.settle()
    # The backup folder's parent is a file: the backup cannot be written.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    harness.app.settings = harness.settings.model_copy(update={"backup_dir": blocker / "b"})

    assert await nightly(harness.app, TEST_NOW) is None

    notice = await admin.next_message()
    assert "nightly backup" in notice["text"] and "failed" in notice["text"]
    assert "not-a-folder" in notice["text"]
    async with harness.db() as session:
        queued = (await session.scalars(select(OutboxMessage))).all()
    # Through the outbox: queued, then marked sent.
    assert [(m.chat_id, m.sent_at is not None) for m in queued][-1] == (ADMIN_ID, True)
