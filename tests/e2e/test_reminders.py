"""Weekly reminders with a chosen clock, pausing them, and changing the schedule."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from jobs.reminders import send_reminders
from jobs.schedule import JOB_NAMES, catch_up
from models.audit import AuditEntry
from models.deliveries import Delivery, DeliveryStatus
from models.reports import Report, ReportActivity, ReportStatus
from models.schedules import ScheduleKind, get_schedule
from models.users import get_user
from tests.e2e.conftest import ADMIN_ID, Harness
from tests.e2e.factories import add_agency, add_staff
from tests.e2e.flows import answer, buttons, caught_up

JAKARTA = ZoneInfo("Asia/Jakarta")
FRIDAY = datetime(2026, 11, 27, 9, 0, tzinfo=JAKARTA)  # an ordinary working Friday
CHRISTMAS = datetime(2026, 12, 25, 9, 0, tzinfo=JAKARTA)  # also a Friday


async def submitted_report(h: Harness, telegram_id: int, visit: date) -> None:
    async with h.db() as session:
        user = await get_user(session, telegram_id)
        assert user is not None and user.agency_id is not None
        report = Report(
            user_id=user.id,
            agency_id=user.agency_id,
            status=ReportStatus.SUBMITTED,
            visit_date=visit,
            submitted_at=datetime.combine(visit, time(12), tzinfo=JAKARTA),
            activities=[ReportActivity(strategy="pengurangan_beban", households=3)],
        )
        session.add(report)
        await session.flush()
        report.reference = f"LPR-2026-{report.id:06d}"
        await session.commit()


async def people(h: Harness) -> None:
    """Bappeda staff who has not reported, Dinkes staff who has, Disnaker staff on leave,
    and staff of an agency with no village."""
    await add_staff(h, 2001, "Bappeda")
    await add_staff(h, 2002, "Dinas Kesehatan")
    await add_staff(h, 2003, "Disnaker")
    await add_agency(h, "Dinas Perikanan")
    await add_staff(h, 2004, "Dinas Perikanan")
    async with h.db() as session:
        disnaker = await get_user(session, 2003)
        assert disnaker is not None
        disnaker.reminders_paused_until = FRIDAY.date() + timedelta(days=3)
        await session.commit()
    for telegram_id in (2001, 2002, 2003, 2004):
        await h.user(telegram_id).send_text("/start")  # they have talked to the bot before
        await caught_up(h.sandbox, h.user(telegram_id))
    await submitted_report(h, 2002, FRIDAY.date() - timedelta(days=2))
    # A report from last week does not count for this week.
    await submitted_report(h, 2001, FRIDAY.date() - timedelta(days=7))


def reminders_to(h: Harness, telegram_id: int) -> list[dict[str, object]]:
    return [m for m in h.user(telegram_id).inbox if "belum ada laporan" in str(m.get("text"))]


async def test_reminders_go_only_to_those_who_have_not_reported(harness: Harness) -> None:
    h = harness
    await people(h)
    result = await send_reminders(h.app, FRIDAY)
    assert result is not None
    await h.sandbox.settle()
    assert len(reminders_to(h, 2001)) == 1
    assert reminders_to(h, 2002) == []  # reported this week
    assert reminders_to(h, 2003) == []  # paused
    assert reminders_to(h, 2004) == []  # no village to report on
    reminder = reminders_to(h, 2001)[0]
    assert "Bappeda" in str(reminder["text"])
    assert buttons(reminder) == ["📝 Lapor sekarang", "⏸ Jeda pengingat"]

    # Run again (a restart, a catch-up): nobody gets a second one.
    await send_reminders(h.app, FRIDAY + timedelta(hours=2))
    await h.sandbox.settle()
    assert len(reminders_to(h, 2001)) == 1
    async with h.db() as session:
        deliveries = (await session.scalars(select(Delivery))).all()
        assert [(d.kind, d.period, d.status) for d in deliveries] == [
            ("reminder", "2026-11-23", DeliveryStatus.SENT)
        ]

    # The button starts the report form directly.
    staff = h.user(2001)
    await staff.press(reminder, "📝 Lapor sekarang")
    assert (
        "Desa/kelurahan mana"
        in (await staff.wait_for(lambda m: "Desa/kelurahan" in str(m.get("text"))))["text"]
    )


async def test_no_reminder_on_a_holiday(harness: Harness) -> None:
    h = harness
    await people(h)
    assert await send_reminders(h.app, CHRISTMAS) is None
    await h.sandbox.settle()
    assert reminders_to(h, 2001) == []
    async with h.db() as session:
        assert (await session.scalars(select(Delivery))).all() == []


async def test_blocked_person_is_marked_inactive_and_admins_told(harness: Harness) -> None:
    h = harness
    await people(h)
    admin = h.user(ADMIN_ID, "Rina")
    await admin.send_text("/start")
    await h.sandbox.settle()
    await add_staff(h, 2005, "Disperkim")
    await h.user(2005, "Wati").send_text("/start")
    await h.sandbox.settle()
    h.sandbox.block(2001)
    result = await send_reminders(h.app, FRIDAY)
    assert result is not None
    await h.sandbox.settle()
    assert len(reminders_to(h, 2005)) == 1  # the others still get theirs
    async with h.db() as session:
        blocked = await get_user(session, 2001)
        assert blocked is not None and blocked.active is False
    told = [m for m in admin.inbox if "memblokir bot" in str(m.get("text"))]
    assert len(told) == 1 and "Staff 2001" in str(told[0]["text"])


async def test_staff_pause_their_reminders(harness: Harness) -> None:
    h = harness
    await people(h)
    staff = h.user(2001)
    menu = await answer(staff, "/jeda")
    assert "Pengingat Anda aktif" in menu["text"]
    await staff.press(menu, "7 hari")
    await h.sandbox.settle()
    today = h.app.clock.today(JAKARTA)
    async with h.db() as session:
        user = await get_user(session, 2001)
        assert user is not None and user.reminders_paused_until == today + timedelta(days=6)
    assert "dijeda sampai" in str((staff.find(menu["message_id"]) or {}).get("text"))
    await send_reminders(h.app, datetime.combine(today, time(9), tzinfo=JAKARTA))
    await h.sandbox.settle()
    assert reminders_to(h, 2001) == []


async def test_schedule_change_applies_at_once_and_after_restart(harness: Harness) -> None:
    h = harness
    h.settings = h.settings.model_copy(update={"scheduled_jobs": True})
    await h.restart()
    queue = h.app.job_queue
    assert queue is not None
    job = queue.get_jobs_by_name(JOB_NAMES[ScheduleKind.REMINDER])[0]
    assert job.next_t is not None
    assert (job.next_t.weekday(), job.next_t.time()) == (4, time(9, 0))  # Friday 09:00

    admin = h.user(ADMIN_ID, "Rina")
    overview = await answer(admin, "/jadwal")
    assert "Jumat 09:00" in overview["text"] and "Senin 07:00" in overview["text"]
    # The overview message turns into the day question, then the time question.
    for button in ("Ubah jadwal pengingat", "Kamis", "10:30"):
        await admin.press(overview, button)
        await h.sandbox.settle()
    assert "Kamis 10:30" in str((admin.find(overview["message_id"]) or {}).get("text"))
    job = queue.get_jobs_by_name(JOB_NAMES[ScheduleKind.REMINDER])[0]
    assert job.next_t is not None and (job.next_t.weekday(), job.next_t.time()) == (
        3,
        time(10, 30),
    )

    await h.restart()
    queue = h.app.job_queue
    assert queue is not None
    jobs = queue.get_jobs_by_name(JOB_NAMES[ScheduleKind.REMINDER])
    assert len(jobs) == 1
    assert jobs[0].next_t is not None
    assert (jobs[0].next_t.weekday(), jobs[0].next_t.time()) == (3, time(10, 30))
    async with h.db() as session:
        assert await get_schedule(session, ScheduleKind.REMINDER) == (3, time(10, 30))
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "schedule.changed")
        )
        assert entry is not None and entry.actor_telegram_id == ADMIN_ID


async def test_reminder_missed_while_down_is_sent_on_return_the_same_week(
    harness: Harness,
) -> None:
    h = harness
    await people(h)
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=JAKARTA)  # down on Friday 09:00
    await catch_up(h.app, saturday)
    await h.sandbox.settle()
    assert len(reminders_to(h, 2001)) == 1 and reminders_to(h, 2002) == []
    await catch_up(h.app, saturday)
    # A new week has begun by Monday: last week's reminder is not sent any more.
    await catch_up(h.app, datetime(2026, 11, 30, 10, 0, tzinfo=JAKARTA))
    await h.sandbox.settle()
    assert len(reminders_to(h, 2001)) == 1
