"""Runs of the bot that ended without stopping: their questions may not have been sent.

The form records a question as asked in the same commit as the answer before it, and only
then sends it (one commit per answer instead of two; a failed send takes it back). A bot
killed between that commit and the send leaves a draft whose question is recorded as asked
but never arrived. Each run that handles updates leaves a marker file while it runs; a
marker whose process is gone at the next start names such a run, and the drafts changed
during it get their question again before their next typed answer is taken.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from core import lease
from core.context import DampinganApplication
from models import reports

_LOG = logging.getLogger(__name__)


async def begin(application: DampinganApplication) -> None:
    """Deals with the runs that were cut short, then marks this one as running."""
    folder = application.settings.data_dir / "runs"
    folder.mkdir(parents=True, exist_ok=True)
    for marker in sorted(folder.iterdir()):
        if not lease.is_gone(marker.name):
            continue
        try:
            started = datetime.fromisoformat(marker.read_text().strip())
        except ValueError:
            started = datetime(2000, 1, 1, tzinfo=UTC)  # unreadable: every draft
        async with application.scope() as scope:
            count = await reports.forget_questions_asked(scope.session, changed_since=started)
            await scope.session.commit()
        _LOG.warning(
            "run %s ended without stopping: %d draft(s) will get their question again",
            marker.name,
            count,
        )
        marker.unlink(missing_ok=True)
    (folder / lease.holder()).write_text(application.clock.now().isoformat())


def end(application: DampinganApplication) -> None:
    """This run stopped cleanly: every question it recorded as asked was sent or taken back."""
    (application.settings.data_dir / "runs" / lease.holder()).unlink(missing_ok=True)
