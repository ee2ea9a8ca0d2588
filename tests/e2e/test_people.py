"""/pengguna end to end: listing, a person's card, deactivating, reactivating, changing a role,
and the refusals (non-admins, an admin on themself, forged buttons)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from jobs.reminders import send_reminders
from models.agencies import Agency
from models.audit import AuditEntry
from models.regions import Kecamatan
from models.reports import Report, ReportStatus
from models.users import Role, User, create_invitation, get_user
from sandbox import SandboxUser
from sandbox.server import JSONDict
from tests.e2e.conftest import ADMIN_ID, Harness
from tests.e2e.factories import add_staff
from tests.e2e.flows import buttons, caught_up

JAKARTA = ZoneInfo("Asia/Jakarta")
FRIDAY = datetime(2026, 11, 27, 9, 0, tzinfo=JAKARTA)  # an ordinary working Friday
DEACTIVATED = "Akses Anda ke Dampingan sudah dinonaktifkan"


async def _admin(h: Harness) -> SandboxUser:
    admin = h.user(ADMIN_ID, "Rina")
    await admin.send_text("/start")
    await caught_up(h.sandbox, admin)
    return admin


async def _card(h: Harness, admin: SandboxUser, name: str) -> JSONDict:
    """Opens /pengguna and the card of the person whose button holds `name`."""
    await admin.send_text("/pengguna")
    listing = await admin.next_message()
    label = next(b for b in buttons(listing) if name in b)
    await admin.press(listing, label)
    await h.sandbox.settle()
    card = admin.find(listing["message_id"])
    assert card is not None
    return card


async def _press(h: Harness, user: SandboxUser, message: JSONDict, button: str) -> JSONDict:
    """Presses a button of an edited-in-place message and returns its new state."""
    await user.press(message["message_id"], button)
    await h.sandbox.settle()
    current = user.find(message["message_id"])
    assert current is not None
    return current


async def _actions(h: Harness) -> list[str]:
    async with h.db() as session:
        return list((await session.scalars(select(AuditEntry.action))).all())


def _menu(h: Harness, chat_id: int) -> list[str]:
    for (scope, _lang), commands in h.sandbox.commands.items():
        parsed = json.loads(scope)
        if parsed.get("type") == "chat" and parsed.get("chat_id") == chat_id:
            return [c["command"] for c in commands]
    raise AssertionError(f"no menu for chat {chat_id}")


async def test_people_are_listed_a_page_at_a_time_and_filtered(harness: Harness) -> None:
    h = harness
    admin = await _admin(h)
    for telegram_id in range(2001, 2011):
        await add_staff(h, telegram_id, "Bappeda")
    await admin.send_text("/pengguna")
    listing = await admin.next_message()
    assert "11 orang, halaman 1 dari 2" in listing["text"]
    first = [b for b in buttons(listing) if "·" in b]
    assert len(first) == 8
    page2 = await _press(h, admin, listing, "Berikutnya ▶️")
    assert "halaman 2 dari 2" in page2["text"]
    second = [b for b in buttons(page2) if "·" in b]
    assert len(second) == 3 and not set(first) & set(second)
    admins_only = await _press(h, admin, page2, "Admin")
    assert "(Admin): 1 orang" in admins_only["text"]
    assert [b for b in buttons(admins_only) if "·" in b] == ["✅ Rina · Admin"]

    card = await _press(h, admin, admins_only, "✅ Rina · Admin")
    assert "Terdaftar sebagai admin dari pengaturan" in card["text"]
    assert "aktif" in card["text"] and "Belum pernah mengirim laporan" in card["text"]


async def test_deactivated_person_is_refused_at_once_and_reminded_no_more(
    harness: Harness,
) -> None:
    h = harness
    admin = await _admin(h)
    await add_staff(h, 2001, "Bappeda")
    staff = h.user(2001, "Budi")
    await staff.send_text("/start")
    await caught_up(h.sandbox, staff)

    card = await _card(h, admin, "Staff 2001")
    assert "Bappeda" in card["text"] and "Petugas lapangan" in card["text"]
    asked = await _press(h, admin, card, "⛔ Nonaktifkan")
    assert "Nonaktifkan Staff 2001?" in asked["text"]
    async with h.db() as session:  # nothing happens before the confirmation
        person = await get_user(session, 2001)
        assert person is not None and person.active
    done = await _press(h, admin, asked, "✅ Ya, lanjutkan")
    assert "nonaktif" in done["text"]
    assert "user.deactivated" in await _actions(h)

    await staff.send_text("/lapor")
    assert DEACTIVATED in (await staff.next_message())["text"]
    # An old button is refused too, and says why.
    pressed = await staff.press_data(staff.last_message()["message_id"], "rv:v:1:1")
    assert pressed is not None and DEACTIVATED in str(pressed.get("text"))
    await send_reminders(h.app, FRIDAY)
    await h.sandbox.settle()
    assert not [m for m in staff.inbox if "belum ada laporan" in str(m.get("text"))]

    again = await _press(h, admin, done, "✅ Aktifkan kembali")
    reactivated = await _press(h, admin, again, "✅ Ya, lanjutkan")
    assert "✅ aktif" in reactivated["text"]
    assert "user.reactivated" in await _actions(h)
    await staff.send_text("/bantuan")
    assert DEACTIVATED not in (await staff.next_message())["text"]
    await send_reminders(h.app, FRIDAY)
    await h.sandbox.settle()
    assert [m for m in staff.inbox if "belum ada laporan" in str(m.get("text"))]


async def test_role_change_with_scope_refreshes_the_menu(harness: Harness) -> None:
    h = harness
    admin = await _admin(h)
    await add_staff(h, 2001, "Bappeda")
    staff = h.user(2001, "Budi")
    await staff.send_text("/start")
    await caught_up(h.sandbox, staff)

    card = await _card(h, admin, "Staff 2001")
    roles = await _press(h, admin, card, "🔁 Ubah peran")
    kecamatan = await _press(h, admin, roles, "Koordinator kecamatan")
    confirm = await _press(h, admin, kecamatan, "Taman")
    assert "Koordinator kecamatan" in confirm["text"] and "Taman" in confirm["text"]
    done = await _press(h, admin, confirm, "✅ Ya, lanjutkan")
    assert "Koordinator kecamatan — Kecamatan Taman" in done["text"]

    async with h.db() as session:
        person = await get_user(session, 2001)
        taman = await session.scalar(select(Kecamatan).where(Kecamatan.name == "Taman"))
        assert person is not None and taman is not None
        assert person.role is Role.KECAMATAN_COORDINATOR
        assert person.kecamatan_id == taman.id and person.agency_id is None
    assert "user.role_changed" in await _actions(h)
    menu = _menu(h, 2001)
    assert "tinjau" in menu and "lapor" not in menu


async def test_refusals(harness: Harness) -> None:
    h = harness
    admin = await _admin(h)
    await add_staff(h, 2001, "Bappeda")
    staff = h.user(2001, "Budi")
    await staff.send_text("/pengguna")
    assert "hanya untuk admin" in (await staff.next_message())["text"]
    async with h.db() as session:
        me = await get_user(session, ADMIN_ID)
        person = await get_user(session, 2001)
        bappeda = await session.scalar(select(Agency).where(Agency.short_name == "Bappeda"))
        assert me is not None and person is not None and bappeda is not None
    # A non-admin pressing a forged button changes nothing.
    answer = await staff.press_data(staff.last_message()["message_id"], f"usr:D:{me.id}")
    assert answer is not None and "hanya admin" in str(answer.get("text"))

    card = await _card(h, admin, "Rina")
    answer = await admin.press(card["message_id"], "⛔ Nonaktifkan")
    assert answer is not None and "diri sendiri" in str(answer.get("text"))
    # Forged confirmations straight to the change are checked again.
    mid = card["message_id"]
    answer = await admin.press_data(mid, f"usr:D:{me.id}")
    assert answer is not None and "diri sendiri" in str(answer.get("text"))
    answer = await admin.press_data(mid, f"usr:R:{me.id}:staff:{bappeda.id}")
    assert answer is not None and "peran admin Anda sendiri" in str(answer.get("text"))
    answer = await admin.press_data(mid, "usr:D:999999")
    assert answer is not None and "tidak berlaku" in str(answer.get("text"))
    answer = await admin.press_data(mid, f"usr:R:{person.id}:staff:999999")
    assert answer is not None and "tidak berlaku" in str(answer.get("text"))
    answer = await admin.press_data(mid, f"usr:R:{person.id}:pharaoh:0")
    assert answer is not None and "tidak berlaku" in str(answer.get("text"))
    await h.sandbox.settle()

    async with h.db() as session:
        me = await get_user(session, ADMIN_ID)
        person = await get_user(session, 2001)
        assert me is not None and me.active and me.role is Role.ADMIN
        assert person is not None and person.active and person.role is Role.STAFF
    assert not [
        a for a in await _actions(h) if a.startswith("user.") and a != "user.admin_from_settings"
    ]


async def test_card_shows_who_invited_and_the_last_report(harness: Harness) -> None:
    h = harness
    admin = await _admin(h)
    await add_staff(h, 2001, "Bappeda")
    async with h.db() as session:
        person = await get_user(session, 2001)
        assert person is not None and person.agency_id is not None
        invitation, _token = create_invitation(
            session, role=Role.STAFF, created_by=ADMIN_ID, valid_for=timedelta(days=7)
        )
        invitation.used_by_id = person.id
        invitation.used_at = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)
        for n, day in ((1, 20), (2, 24)):
            session.add(
                Report(
                    user_id=person.id,
                    agency_id=person.agency_id,
                    status=ReportStatus.SUBMITTED,
                    reference=f"LPR-2026-00000{n}",
                    visit_date=date(2026, 11, day),
                    submitted_at=datetime(2026, 11, day, 5, 0, tzinfo=UTC),
                )
            )
        await session.commit()
    card = await _card(h, admin, "Staff 2001")
    assert card["text"].startswith("Staff 2001\n")  # no username: no "(@...)"
    assert "Diundang oleh Rina, bergabung Senin, 2 November 2026 08:30" in card["text"]
    assert "Laporan terakhir: LPR-2026-000002, Selasa, 24 November 2026 12:00" in card["text"]


async def test_one_admin_demotes_another(harness: Harness) -> None:
    h = harness
    admin = await _admin(h)
    other = h.user(1002, "Sari")
    async with h.db() as session:
        session.add(
            User(
                telegram_id=1002,
                full_name="Sari",
                username="sari_pml",
                role=Role.ADMIN,
                language="id",
            )
        )
        await session.commit()
    await other.send_text("/pengguna")
    assert "Pengguna" in (await other.next_message())["text"]

    card = await _card(h, admin, "Sari")
    assert card["text"].startswith("Sari (@sari_pml)\n")
    roles = await _press(h, admin, card, "🔁 Ubah peran")
    confirm = await _press(h, admin, roles, "Koordinator kabupaten")
    done = await _press(h, admin, confirm, "✅ Ya, lanjutkan")
    assert "Koordinator kabupaten" in done["text"]
    async with h.db() as session:
        sari = await get_user(session, 1002)
        assert sari is not None and sari.role is Role.REGENCY_COORDINATOR
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "user.role_changed")
        )
        assert entry is not None and entry.actor_telegram_id == ADMIN_ID
        assert entry.details["before"]["role"] == "admin"
    await other.send_text("/pengguna")
    assert "hanya untuk admin" in (await other.next_message())["text"]
    assert "pengguna" not in _menu(h, 1002)
