"""/tugas end to end: an agency's villages, assigning one and ending one, as the report form
sees it; refusals of non-admins and forged buttons."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.clock import Clock
from models.agencies import Agency, Assignment
from models.audit import AuditEntry
from models.regions import Village
from sandbox import SandboxUser
from sandbox.server import JSONDict
from tests.e2e.conftest import ADMIN_ID, Harness
from tests.e2e.factories import add_staff
from tests.e2e.flows import answer, buttons, caught_up


async def _press(h: Harness, user: SandboxUser, message: JSONDict, button: str) -> JSONDict:
    """Presses a button of an edited-in-place message and returns its new state."""
    await user.press(message["message_id"], button)
    await h.sandbox.settle()
    current = user.find(message["message_id"])
    assert current is not None
    return current


async def _form_villages(h: Harness, staff: SandboxUser) -> list[str]:
    """The villages the report form offers, the form then cancelled."""
    ask = await answer(staff, "/lapor")
    assert "Desa/kelurahan mana" in ask["text"], ask["text"]
    await staff.send_text("/batal")
    await caught_up(h.sandbox, staff)
    return buttons(ask)


async def test_assign_and_end_a_village(harness: Harness, clock: Clock) -> None:
    h = harness
    admin = h.user(ADMIN_ID, "Rina")
    await admin.send_text("/start")
    await caught_up(h.sandbox, admin)
    await add_staff(h, 2001, "Bappeda")
    staff = h.user(2001, "Budi")
    await staff.send_text("/start")
    await caught_up(h.sandbox, staff)
    assert "Beji" not in await _form_villages(h, staff)

    await admin.send_text("/tugas")
    menu = await admin.next_message()
    assert "pilih perangkat daerah" in menu["text"]
    overview = await _press(h, admin, menu, "Bappeda")
    for village in ("Majalangu", "Pagergunung", "Asemdoyong"):
        assert village in overview["text"]
    add = next(b for b in buttons(overview) if b.endswith("Tambah desa"))
    kecamatan = await _press(h, admin, overview, add)
    villages = await _press(h, admin, kecamatan, "Taman")
    assert "Beji" in buttons(villages) and "Asemdoyong" not in buttons(villages)
    confirm = await _press(h, admin, villages, "Beji")
    assert "Tugaskan Bappeda mendampingi Beji" in confirm["text"]
    added = await _press(h, admin, confirm, "✅ Ya, lanjutkan")
    assert "Beji (Kec. Taman)" in added["text"]
    assert "Beji" in await _form_villages(h, staff)

    asked = await _press(h, admin, added, "✖️ Akhiri Majalangu")
    today, month_end = "Rabu, 25 November 2026", "Senin, 30 November 2026"
    assert buttons(asked)[:2] == [f"Hari ini ({today})", f"Akhir bulan ini ({month_end})"]
    ended = await _press(h, admin, asked, f"Hari ini ({today})")
    assert f"Majalangu (Kec. Watukumpul), sampai {today}" in ended["text"]
    assert "✖️ Akhiri Majalangu" not in buttons(ended)
    # Its last day can still be reported; from the next day it is gone from the form.
    assert "Majalangu" in await _form_villages(h, staff)
    clock.advance(timedelta(days=1))
    assert "Majalangu" not in await _form_villages(h, staff)

    # A typed date, answered as a reply to the bot's question; bad answers keep it open.
    overview = await answer(admin, "/tugas")
    overview = await _press(h, admin, overview, "Bappeda")
    asked = await _press(h, admin, overview, "✖️ Akhiri Pagergunung")
    await admin.press(asked["message_id"], "📅 Tanggal lain (ketik)")
    question = await admin.next_message()
    assert question["text"].startswith("🗓 #") and "Pagergunung" in question["text"]
    assert question["reply_markup"]["force_reply"] is True
    await admin.send_text("besok lusa", reply_to=question["message_id"])
    assert "tidak terbaca" in (await admin.next_message())["text"]
    await admin.send_text("01-01-2020", reply_to=question["message_id"])
    assert "tidak bisa dipakai" in (await admin.next_message())["text"]
    await admin.send_text("31-12-2026", reply_to=question["message_id"])
    confirm = await admin.next_message()
    assert (
        "Akhiri pendampingan Pagergunung oleh Bappeda pada Kamis, 31 Desember 2026?"
        in (confirm["text"])
    )
    done = await _press(h, admin, confirm, "✅ Ya, lanjutkan")
    assert "Pagergunung (Kec. Ulujami), sampai Kamis, 31 Desember 2026" in done["text"]

    async with h.db() as session:
        pagergunung = await session.scalar(
            select(Assignment)
            .join(Village)
            .join(Agency)
            .where(Village.name == "Pagergunung", Agency.short_name == "Bappeda")
        )
        assert pagergunung is not None and str(pagergunung.ends_on) == "2026-12-31"
        beji = await session.scalar(
            select(Assignment)
            .join(Village)
            .join(Agency)
            .where(Village.name == "Beji", Agency.short_name == "Bappeda")
        )
        assert beji is not None
        assert str(beji.starts_on) == "2026-11-25" and beji.ends_on is None
        majalangu = await session.scalar(
            select(Assignment)
            .join(Village)
            .join(Agency)
            .where(Village.name == "Majalangu", Agency.short_name == "Bappeda")
        )
        assert majalangu is not None and str(majalangu.ends_on) == "2026-11-25"
        actions = (await session.scalars(select(AuditEntry.action))).all()
        assert "assignment.added" in actions and "assignment.ended" in actions


async def test_refusals(harness: Harness) -> None:
    h = harness
    await add_staff(h, 2001, "Bappeda")
    staff = h.user(2001, "Budi")
    reply = await answer(staff, "/tugas")
    assert "hanya untuk admin" in reply["text"]
    async with h.db() as session:
        majalangu = await session.scalar(
            select(Assignment)
            .join(Village)
            .join(Agency)
            .where(Village.name == "Majalangu", Agency.short_name == "Bappeda")
        )
        bappeda = await session.scalar(select(Agency).where(Agency.short_name == "Bappeda"))
        assert majalangu is not None and bappeda is not None
    pressed = await staff.press_data(reply["message_id"], f"asg:E:{majalangu.id}:t")
    assert pressed is not None and "hanya admin" in str(pressed.get("text"))

    admin = h.user(ADMIN_ID, "Rina")
    menu = await answer(admin, "/tugas")
    mid = menu["message_id"]
    for forged in (
        f"asg:E:{majalangu.id}:1999-01-01",  # only "t" (today) or "m" (end of month)
        f"asg:X:{majalangu.id}:20200101",  # a typed date is checked again: not in the past
        f"asg:X:{majalangu.id}:notadate",
        "asg:E:999999:t",
        f"asg:N:{bappeda.id}:999999",
        "asg:N:999999:1",
        "asg:p:99",
    ):
        pressed = await admin.press_data(mid, forged)
        assert pressed is not None and "tidak berlaku" in str(pressed.get("text")), forged
    await h.sandbox.settle()
    async with h.db() as session:
        again = await session.get(Assignment, majalangu.id)
        assert again is not None and again.ends_on is None
        actions = (await session.scalars(select(AuditEntry.action))).all()
        assert not [a for a in actions if a.startswith("assignment.")]
