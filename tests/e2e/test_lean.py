"""What one update costs, counted (never timed): SQL statements and commits for a typed
answer, Bot API calls for a whole report. The benches (bench/report_flow.py) measure the
speed; these counts keep the budget from slipping back unnoticed."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.report import form
from jobs.outbox import JOB_NAME as OUTBOX_JOB
from models.updates import unhandled
from tests.conftest import REPO
from tests.e2e.conftest import Harness
from tests.e2e.factories import add_staff, all_photos, jpeg
from tests.e2e.flows import (
    STAFF,
    answer,
    buttons,
    caught_up,
    fill_until_households,
    fill_until_photos,
    finish_from_photos,
    press,
)


def _poller_batch_work(statement: str) -> bool:
    """Storing a fetched batch in the update inbox, or marking the form's answers handled
    in one statement (the SQL differs between SQLite and PostgreSQL in its parameters)."""
    return statement.startswith("INSERT INTO update_inbox") or (
        statement.startswith("UPDATE update_inbox SET handled_at") and " IN (" in statement
    )


@dataclass
class SqlLog:
    statements: list[str] = field(default_factory=list)
    commits: int = 0
    rollbacks: int = 0

    def of_handlers(self) -> list[str]:
        """Statements of the handlers, not of the poller's work per fetched batch: storing
        it in the update inbox and marking the answers handled since the last batch (one
        statement each, however many updates), nor of the outbox job's periodic look for
        messages left unsent."""
        return [
            s for s in self.statements if not _poller_batch_work(s) and "outbox_message" not in s
        ]


@contextmanager
def counting(h: Harness) -> Iterator[SqlLog]:
    engine: AsyncEngine = h.app.bot_data["engine"]
    log = SqlLog()

    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        log.statements.append(" ".join(sql.split()))

    def commit(conn: Any) -> None:
        log.commits += 1

    def rollback(conn: Any) -> None:
        log.rollbacks += 1

    event.listen(engine.sync_engine, "before_cursor_execute", statement)
    event.listen(engine.sync_engine, "commit", commit)
    event.listen(engine.sync_engine, "rollback", rollback)
    try:
        yield log
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", statement)
        event.remove(engine.sync_engine, "commit", commit)
        event.remove(engine.sync_engine, "rollback", rollback)


async def test_a_typed_answer_costs_two_statements_and_one_commit(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_households(h.sandbox, user)
    await h.sandbox.settle()

    for text, next_question in (("12", "orang/jiwa"), ("40", "Uraikan")):
        with counting(h) as sql:
            asked = await answer(user, text)
            await h.sandbox.settle()
        assert next_question in asked["text"]
        handlers = sql.of_handlers()
        # The person with their draft in one SELECT, the answer in one UPDATE of the draft
        # (which also records the update as handled), one commit.
        assert len(handlers) == 2, handlers
        assert handlers[0].startswith("SELECT") and "FROM app_user" in handlers[0]
        assert handlers[1].startswith("UPDATE report SET")
        assert sql.commits == 2  # the handler's, and the poller's for the batch


async def test_every_step_before_the_send_costs_at_most_three_statements_and_one_commit(
    harness: Harness,
) -> None:
    """Each update of a whole report up to the summary, and a text where a button is due:
    the person with the draft, the answer written, and at most one read the step needs
    (the village list, the activities, a photo's reuse check, the summary's activity
    names); one commit of the handler's, which ends its transaction: the next question's
    reads come before it. (Read after it, they left a transaction that closing the session
    rolled back, and psycopg forgets the statements it prepared on a connection at every
    rollback: PostgreSQL then planned the person-and-draft query anew for every update.)
    The send writes the report itself and is counted on its own."""
    h = harness
    # The outbox job's reads (a second after start-up, then every minute) end with a
    # rollback of their own: taken away, so that only the handlers' are counted.
    assert h.app.job_queue is not None
    for job in h.app.job_queue.get_jobs_by_name(OUTBOX_JOB):
        job.schedule_removal()
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    sandbox = h.sandbox
    await sandbox.settle()
    asked: dict[str, Any] = {}

    async def lapor() -> None:
        asked["village"] = await answer(user, "/lapor")

    async def village() -> None:
        asked["date"] = await press(sandbox, user, asked["village"], "Majalangu")

    async def visit_date() -> None:
        asked["strategy"] = await press(sandbox, user, asked["date"], buttons(asked["date"])[0])

    async def strategy() -> None:
        asked["activity"] = await press(
            sandbox, user, asked["strategy"], "1. Pengurangan beban pengeluaran masyarakat"
        )

    async def typed_at_activity() -> None:
        # Text where a button is due: told so, and the question asked again (its reads, the
        # activities to choose from, before the commit that records it as asked).
        await answer(user, "PBI")
        asked["activity"] = await caught_up(sandbox, user)
        assert "PBI JKN (iuran BPJS Kesehatan)" in buttons(asked["activity"])

    async def activity() -> None:
        await press(sandbox, user, asked["activity"], "PBI JKN (iuran BPJS Kesehatan)")

    async def photo() -> None:
        await user.send_photo(jpeg(seed=7))
        asked["photos"] = await caught_up(sandbox, user)

    async def done() -> None:
        await press(sandbox, user, asked["photos"], buttons(asked["photos"])[0])

    async def location() -> None:
        await user.send_location(-7.1234, 109.3456, horizontal_accuracy=12.5)
        assert "Periksa" in (await caught_up(sandbox, user))["text"]

    steps: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        ("/lapor", lapor),
        ("village", village),
        ("date", visit_date),
        ("strategy", strategy),
        ("text at the activity question", typed_at_activity),
        ("activity", activity),
        ("households", lambda: answer(user, "12")),
        ("people", lambda: answer(user, "40")),
        ("description", lambda: answer(user, "Pendataan 12 KK calon penerima PBI JKN.")),
        ("photo", photo),
        ("done", done),
        ("location", location),
    ]
    for name, step in steps:
        with counting(h) as sql:
            await step()
            await sandbox.settle()
        handlers = sql.of_handlers()
        assert 2 <= len(handlers) <= 3, (name, handlers)
        assert "FROM app_user" in handlers[0], (name, handlers)
        # The handler's commit, and the poller's for the batch it fetched.
        assert sql.commits == 2, (name, sql.commits, sql.statements)
        assert sql.rollbacks == 0, (name, sql.statements)


async def test_a_photo_costs_three_statements_and_one_commit(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_photos(h.sandbox, user)
    await h.sandbox.settle()

    with counting(h) as sql:
        await user.send_photo(jpeg(seed=1))
        received = await user.next_message()
        await h.sandbox.settle()
    assert "1 foto diterima" in received["text"]
    handlers = sql.of_handlers()
    # The person with their draft; the other reports' photos with the same bytes or a
    # pHash of the last year, in one SELECT; the photo in the draft's UPDATE.
    assert len(handlers) == 3, handlers
    assert handlers[0].startswith("SELECT") and "FROM app_user" in handlers[0]
    assert handlers[1].startswith("SELECT photo.id, photo.phash")
    assert handlers[2].startswith("UPDATE report SET")
    assert sql.commits == 2  # the handler's, and the poller's for the batch


async def test_sending_a_report_writes_its_claimed_confirmation_in_one_commit(
    harness: Harness,
) -> None:
    h = harness
    # The outbox job's own reads (a second after start-up, then every minute) are not the
    # handler's: it is taken away, so that only the handler's statements are counted.
    assert h.app.job_queue is not None
    for job in h.app.job_queue.get_jobs_by_name(OUTBOX_JOB):
        job.schedule_removal()
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_photos(h.sandbox, user)
    await user.send_photo(jpeg(seed=1))
    summary = await finish_from_photos(h.sandbox, user)
    await h.sandbox.settle()

    with counting(h) as sql:
        await user.press(summary, "✅ Kirim")
        sent = await user.next_message()
        await h.sandbox.settle()
    assert "Laporan terkirim" in sent["text"]
    handlers = [s for s in sql.statements if not _poller_batch_work(s)]
    reads = [s for s in handlers if s.startswith("SELECT")]
    # The person with their draft, the activity names, the evidence (photos, then visits),
    # the coordinators to tell: no read of the outbox row it queued.
    assert len(reads) == 5, reads
    assert "FROM app_user" in reads[0] and "FROM activity_type" in reads[1]
    assert reads[2].startswith("SELECT photo.id, photo.phash")
    assert reads[3].startswith("SELECT report.reference, report_activity.activity")
    writes = [s.split(" (")[0].split(" SET")[0] for s in handlers if not s.startswith("SELECT")]
    # The confirmation is queued claimed, the report's UPDATE records the update as handled
    # (no inbox mark of its own), and once sent the confirmation is marked so: no claim.
    assert writes == [
        "INSERT INTO outbox_message",
        "INSERT INTO report_version",
        "UPDATE report",
        "INSERT INTO report_activity",
        "INSERT INTO photo",
        # The photos' pHash band keys, all in one statement.
        "INSERT INTO photo_phash_band",
        "UPDATE outbox_message",
    ], handlers
    assert "sent_at=" in handlers[-1]
    assert sql.commits == 3  # the submission, the confirmation sent, the poller's batch


async def test_an_album_delivered_in_two_batches_is_counted_once(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram may deliver an album's photos in more than one getUpdates batch: the first
    photo is then handled while nothing waits behind it. It is not answered while the chat
    is still sending (the quiet time is widened here so a slow machine cannot outlast it)."""
    h = harness
    monkeypatch.setattr(form, "ALBUM_QUIET", 5.0)
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_photos(h.sandbox, user)
    group = "13579"
    await user.send_photo(jpeg(seed=1), media_group_id=group)
    # The first photo is stored (its batch handled) before the second is even sent.
    for _ in range(500):
        async with h.db() as session:
            if len(await all_photos(session)) == 1:
                break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError("the first photo of the album was never stored")
    await user.send_photo(jpeg(seed=2), media_group_id=group)
    await h.sandbox.settle(timeout=60)
    counts = [m["text"] for m in user.inbox if "foto diterima" in str(m.get("text"))]
    assert len(counts) == 1 and "2 foto diterima" in counts[0], counts


async def test_a_whole_report_costs_at_most_one_and_a_half_calls_per_update(
    harness: Harness,
) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    sandbox = h.sandbox
    first_update = sandbox.last_update_id
    before = len(sandbox.requests)
    ask_village = await answer(user, "/lapor")
    ask_date = await press(sandbox, user, ask_village, "Majalangu")
    ask_strategy = await press(sandbox, user, ask_date, buttons(ask_date)[0])
    ask_activity = await press(
        sandbox, user, ask_strategy, "1. Pengurangan beban pengeluaran masyarakat"
    )
    await press(sandbox, user, ask_activity, "PBI JKN (iuran BPJS Kesehatan)")
    await answer(user, "12")
    await answer(user, "40")
    await answer(user, "Pendataan 12 KK calon penerima PBI JKN di RT 03.")
    await user.send_album([jpeg(seed=i) for i in range(3)])
    status = await caught_up(sandbox, user)
    # The album is answered once, with the count of all three.
    assert "3 foto diterima" in status["text"]
    assert sum("foto diterima" in str(m.get("text")) for m in user.inbox) == 1
    await press(sandbox, user, status, buttons(status)[0])
    await user.send_location(-7.1234, 109.3456, horizontal_accuracy=12.5)
    summary = await user.next_message()
    await press(sandbox, user, summary, "✅ Kirim")
    await sandbox.settle()
    updates = sandbox.last_update_id - first_update
    calls = [
        r.method for r in sandbox.requests[before:] if r.method not in ("getUpdates", "getMe")
    ]
    assert updates == 14
    assert len(calls) / updates <= 1.5, sorted(calls)


async def test_answers_marked_in_a_batch_reach_the_inbox_by_the_next_start(
    harness: Harness,
) -> None:
    """A form answer is recorded as handled by the draft; its inbox mark follows in a batch
    (between two polls, and at a clean stop), so the next start has nothing to redo."""
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_households(h.sandbox, user)
    assert "orang/jiwa" in (await answer(user, "12"))["text"]
    await h.restart()
    async with h.db() as session:
        assert await unhandled(session) == []


# Each is several MiB resident (NumPy 14, matplotlib 20, SciPy 26) and needed only by a
# feature's first use: a photo, a digest's drawings, an export or an import of XLSX.
# libheif (6.5 MiB) waits for the first HEIF file.
HEAVY = ("numpy", "matplotlib", "openpyxl", "scipy", "imagehash", "pillow_heif")


def test_the_bot_starts_without_its_heavy_libraries() -> None:
    code = (
        "import sys\n"
        "from bot.app import build_application\n"
        "from core.settings import Settings\n"
        "build_application(Settings(_env_file=None, TELEGRAM_BOT_TOKEN='1:x'))\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
