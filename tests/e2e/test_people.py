"""/pengguna end to end: listing (by role, agency, kecamatan), the typed search, a person's
card, deactivating (and their command menu), reactivating, changing a role, and the
refusals (non-admins, an admin on themself, forged buttons)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.clock import Clock
from jobs.reminders import send_reminders
from models.agencies import Agency, Assignment
from models.audit import AuditEntry
from models.regions import Kecamatan, Village
from models.reports import Report, ReportStatus
from models.users import Role, User, create_invitation, get_user
from sandbox import SandboxUser
from sandbox.server import JSONDict
from tests.e2e.conftest import ADMIN_ID, Harness
from tests.e2e.factories import add_agency, add_staff
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


# -- filters, search, menus of deactivated people -------------------------------------------


async def _add_person(
    h: Harness,
    telegram_id: int,
    name: str,
    role: Role,
    *,
    username: str | None = None,
    kecamatan: str | None = None,
) -> None:
    async with h.db() as session:
        kecamatan_id = None
        if kecamatan is not None:
            kecamatan_id = await session.scalar(
                select(Kecamatan.id).where(Kecamatan.name == kecamatan)
            )
            assert kecamatan_id is not None, kecamatan
        session.add(
            User(
                telegram_id=telegram_id,
                full_name=name,
                username=username,
                role=role,
                kecamatan_id=kecamatan_id,
                language="id",
            )
        )
        await session.commit()


def _people(message: JSONDict) -> list[str]:
    """The names on a list's or a search's person buttons ("✅ Staff 2001 · Admin")."""
    return sorted(b.split(" ", 1)[1].split(" · ")[0] for b in buttons(message) if " · " in b)


async def _until(condition: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    """Waits for work the bot does on its own (a job), failing after `seconds`."""
    async with asyncio.timeout(seconds):
        while True:
            if await condition():
                return
            await asyncio.sleep(0.05)


async def test_people_filtered_by_agency_and_by_kecamatan(harness: Harness, clock: Clock) -> None:
    h = harness
    admin = await _admin(h)
    await add_staff(h, 2001, "Bappeda")
    await add_staff(h, 2002, "Bappeda")
    await add_staff(h, 2003, "Disnaker")  # Randudongkal only
    await _add_person(h, 3001, "Koor Taman", Role.KECAMATAN_COORDINATOR, kecamatan="Taman")
    await _add_person(h, 3002, "Koor Ulujami", Role.KECAMATAN_COORDINATOR, kecamatan="Ulujami")
    for n in range(5):  # 12 active agencies: two pages of them to choose from
        await add_agency(h, f"Dinas Percobaan {n}")
    await add_agency(h, "Dinas P&K <Uji>")  # shown as text, not taken for HTML
    async with h.db() as session:
        person = await get_user(session, 2001)
        assert person is not None and person.agency_id is not None
        session.add(
            Report(
                user_id=person.id,
                agency_id=person.agency_id,
                status=ReportStatus.SUBMITTED,
                reference="LPR-2026-000001",
                visit_date=date(2026, 11, 24),
                submitted_at=datetime(2026, 11, 24, 5, 0, tzinfo=UTC),
            )
        )
        await session.commit()

    await admin.send_text("/pengguna")
    listing = await admin.next_message()
    # Each person's last report is in the list itself.
    assert "✅ Staff 2001: laporan terakhir 24 Nov 2026" in listing["text"]
    assert "✅ Staff 2002: belum pernah melapor" in listing["text"]

    agencies = await _press(h, admin, listing, "🏢 Per perangkat daerah")
    assert "halaman 1 dari 2" in agencies["text"]
    assert "Bappeda" in buttons(agencies) and "Disnaker" not in buttons(agencies)
    page2 = await _press(h, admin, agencies, "Berikutnya ▶️")
    assert "halaman 2 dari 2" in page2["text"]
    assert "Disnaker" in buttons(page2) and "Bappeda" not in buttons(page2)
    agencies = await _press(h, admin, page2, "◀️ Sebelumnya")
    odd = await _press(h, admin, agencies, "Dinas P&K <Uji>")
    assert "(semua peran, Dinas P&K <Uji>): 0 orang" in odd["text"]
    agencies = await _press(h, admin, odd, "🏢 Per perangkat daerah")
    bappeda = await _press(h, admin, agencies, "Bappeda")
    assert "(semua peran, Bappeda): 2 orang" in bappeda["text"]
    assert _people(bappeda) == ["Staff 2001", "Staff 2002"]
    # The role filter keeps the agency, and the agency filter can be dropped again.
    staff_of_bappeda = await _press(h, admin, bappeda, "Petugas lapangan")
    assert "(Petugas lapangan, Bappeda): 2 orang" in staff_of_bappeda["text"]
    admins_of_bappeda = await _press(h, admin, staff_of_bappeda, "Admin")
    assert "(Admin, Bappeda): 0 orang" in admins_of_bappeda["text"]
    assert _people(admins_of_bappeda) == []
    admins = await _press(h, admin, admins_of_bappeda, "✖️ Semua wilayah")
    assert "(Admin): 1 orang" in admins["text"] and _people(admins) == ["Rina"]

    # A kecamatan: its coordinator and the staff of agencies accompanying a village there.
    everyone = await _press(h, admin, admins, "👥 Semua")
    kecamatan = await _press(h, admin, everyone, "📍 Per kecamatan")
    assert buttons(kecamatan)[:4] == ["Watukumpul", "Randudongkal", "Taman", "Ulujami"]
    taman = await _press(h, admin, kecamatan, "Taman")
    assert "(semua peran, Kec. Taman): 3 orang" in taman["text"]
    assert _people(taman) == ["Koor Taman", "Staff 2001", "Staff 2002"]
    coordinators = await _press(h, admin, taman, "Koordinator kecamatan")
    assert _people(coordinators) == ["Koor Taman"]

    # Bappeda's village in Taman ends: from the next day its staff are no longer Taman's.
    async with h.db() as session:
        ending = await session.scalar(
            select(Assignment)
            .join(Village, Village.id == Assignment.village_id)
            .join(Agency, Agency.id == Assignment.agency_id)
            .where(Agency.short_name == "Bappeda", Village.code.startswith("33.27.09."))
        )
        assert ending is not None
        ending.ends_on = date(2026, 11, 25)
        await session.commit()
    clock.advance(timedelta(days=1))
    taman = await _press(h, admin, coordinators, "👥 Semua")
    assert _people(taman) == ["Koor Taman"]
    assert all(len(b["callback_data"].encode()) <= 64 for row in _rows(taman) for b in row)


def _rows(message: JSONDict) -> list[list[JSONDict]]:
    return list(message["reply_markup"]["inline_keyboard"])


async def test_forged_filter_buttons_are_refused(harness: Harness) -> None:
    h = harness
    admin = await _admin(h)
    await add_staff(h, 2001, "Bappeda")
    staff = h.user(2001, "Budi")
    async with h.db() as session:
        bappeda = await session.scalar(select(Agency).where(Agency.short_name == "Bappeda"))
        assert bappeda is not None
        bappeda_id = bappeda.id
    await admin.send_text("/pengguna")
    listing = await admin.next_message()
    mid = listing["message_id"]
    for forged in (
        "usr:l:all:a999999:0",
        "usr:l:all:k999999:0",
        "usr:l:all:x1:0",
        "usr:l:all:a:0",
        f"usr:l:pharaoh:a{bappeda_id}:0",
        f"usr:l:all:a{bappeda_id}:5",
        "usr:fa:pharaoh:0",
        "usr:fk:all:7",
    ):
        answer = await admin.press_data(mid, forged)
        assert answer is not None and "tidak berlaku" in str(answer.get("text")), forged
    await h.sandbox.settle()
    assert admin.find(mid) == listing  # nothing was edited

    # A non-admin gets none of it: no filter, no search question.
    await staff.send_text("/start")
    await caught_up(h.sandbox, staff)
    smid = staff.last_message()["message_id"]
    for data in (f"usr:l:all:a{bappeda_id}:0", "usr:fk:all:0", "usr:s"):
        answer = await staff.press_data(smid, data)
        assert answer is not None and "hanya admin" in str(answer.get("text")), data
    await h.sandbox.settle()
    assert not [m for m in staff.inbox if str(m.get("text", "")).startswith("🔎")]


async def test_search_by_name_username_and_id(harness: Harness) -> None:
    h = harness
    admin = await _admin(h)
    await _add_person(h, 2101, "Budi Santoso", Role.STAFF)
    await _add_person(h, 2102, "Ibu Budiarti", Role.REGENCY_COORDINATOR, username="budiarti")
    await _add_person(h, 2103, "Sari", Role.REGENCY_COORDINATOR, username="sari_pml")
    await _add_person(h, 2104, "Tim 50% Desa", Role.REGENCY_COORDINATOR)
    for n in range(25):
        await add_staff(h, 3000 + n, "Bappeda")

    await admin.send_text("/pengguna")
    listing = await admin.next_message()
    await admin.press(listing["message_id"], "🔎 Cari")
    question = await admin.next_message()
    assert question["text"].startswith("🔎👥 ")
    assert question["reply_markup"]["force_reply"] is True

    async def search(text: str) -> JSONDict:
        await admin.send_text(text, reply_to=question["message_id"])
        return await admin.next_message()

    # A part of a name in any case, a @username, a Telegram id.
    found = await search("  BUDI  ")
    assert "«BUDI»: 2 orang" in found["text"]
    assert _people(found) == ["Budi Santoso", "Ibu Budiarti"]
    assert "Budi Santoso: belum pernah melapor" in found["text"]
    assert _people(await search("@sari_PML")) == ["Sari"]
    assert _people(await search("2102")) == ["Ibu Budiarti"]
    # LIKE's wildcards are plain characters: "%" and "_" match only names holding them.
    assert _people(await search("50%")) == ["Tim 50% Desa"]
    assert _people(await search("_")) == ["Sari"]  # sari_pml
    assert _people(await search("%")) == ["Tim 50% Desa"]  # not everyone
    none = await search("b%i")  # "Budi" would match an unescaped pattern
    assert "Tidak ada pengguna yang cocok dengan «b%i»" in none["text"]
    assert "Tidak ada pengguna yang cocok" in (await search("zzz"))["text"]
    assert "Terlalu panjang" in (await search("x" * 51))["text"]
    assert "Tidak ada yang bisa dicari" in (await search("@ "))["text"]
    # Many matches: one message with the first of them, saying how many there are.
    many = await search("staff")
    assert "«staff»: 25 orang" in many["text"]
    assert "Ditampilkan 20 pertama dari 25" in many["text"]
    assert len(_people(many)) == 20

    # A result opens the person's card.
    found = await search("budi santoso")
    card = await _press(h, admin, found, "✅ Budi Santoso · Petugas lapangan")
    assert card["text"].startswith("Budi Santoso\n")

    # An admin demoted since they were asked is refused when they answer.
    await _add_person(h, 1002, "Sari Admin", Role.ADMIN)
    other = h.user(1002, "Sari")
    await other.send_text("/pengguna")
    await other.press((await other.next_message())["message_id"], "🔎 Cari")
    asked = await other.next_message()
    async with h.db() as session:
        demoted = await get_user(session, 1002)
        assert demoted is not None
        demoted.role = Role.REGENCY_COORDINATOR
        await session.commit()
    await other.send_text("budi", reply_to=asked["message_id"])
    reply = await other.next_message()
    assert "hanya untuk admin" in reply["text"] and "Budi" not in reply["text"]


async def test_deactivation_takes_the_menu_away_and_reactivation_gives_it_back(
    harness: Harness,
) -> None:
    h = harness
    admin = await _admin(h)
    await add_staff(h, 2001, "Bappeda")
    staff = h.user(2001, "Budi")
    await staff.send_text("/start")  # Telegram knows the chat only once they wrote
    await caught_up(h.sandbox, staff)
    await h.restart()  # the menu refresh at start-up gives the new person their menu

    async def signature() -> str | None:
        async with h.db() as session:
            person = await get_user(session, 2001)
            assert person is not None
            return person.menu_signature

    async def menu_set() -> bool:
        return _has_menu(h, 2001) and await signature() is not None

    await _until(menu_set)
    assert "lapor" in _menu(h, 2001)

    card = await _card(h, admin, "Staff 2001")
    asked = await _press(h, admin, card, "⛔ Nonaktifkan")
    done = await _press(h, admin, asked, "✅ Ya, lanjutkan")
    assert "nonaktif" in done["text"]
    # Telegram now shows them the default menu, a stranger's.
    assert not _has_menu(h, 2001) and await signature() is None
    assert [c["command"] for c in h.sandbox.menu_for(2001, "id")] == ["start", "bantuan"]
    # The menu refresh at the next start does not give it back. It commits once, at its
    # end: the admin's menu, made stale here, sent again says it has run.
    async with h.db() as session:
        me = await get_user(session, ADMIN_ID)
        assert me is not None
        me.menu_signature = None
        await session.commit()

    async def refreshed() -> bool:
        async with h.db() as session:
            me = await get_user(session, ADMIN_ID)
            return me is not None and me.menu_signature is not None

    await h.restart()
    await _until(refreshed)
    assert not _has_menu(h, 2001)

    again = await _press(h, admin, done, "✅ Aktifkan kembali")
    await _press(h, admin, again, "✅ Ya, lanjutkan")
    assert "lapor" in _menu(h, 2001) and await signature() is not None

    # Telegram refuses the removal: the deactivation stays, the next start removes the menu.
    h.sandbox.fail_next("deleteMyCommands", status=400, description="Bad Request: try later")
    card = await _card(h, admin, "Staff 2001")
    asked = await _press(h, admin, card, "⛔ Nonaktifkan")
    done = await _press(h, admin, asked, "✅ Ya, lanjutkan")
    assert "nonaktif" in done["text"]
    async with h.db() as session:
        person = await get_user(session, 2001)
        assert person is not None and not person.active
    assert _has_menu(h, 2001) and await signature() is not None
    await h.restart()

    async def menu_gone() -> bool:
        return not _has_menu(h, 2001) and await signature() is None

    await _until(menu_gone)


def _has_menu(h: Harness, chat_id: int) -> bool:
    try:
        _menu(h, chat_id)
    except AssertionError:
        return False
    return True


async def test_the_pagination_row_of_invite_and_assign(harness: Harness) -> None:
    """The same "◀️ / ▶️" row (handlers.common.page_nav) pages /undang's and /tugas's agencies."""
    h = harness
    admin = await _admin(h)
    for n in range(6):
        await add_agency(h, f"Dinas Percobaan {n}")
    await admin.send_text("/undang")
    roles = await admin.next_message()
    agencies = await _press(h, admin, roles, "Petugas lapangan")
    assert "Berikutnya ▶️" in buttons(agencies) and "◀️ Sebelumnya" not in buttons(agencies)
    last = await _press(h, admin, agencies, "Berikutnya ▶️")
    assert "◀️ Sebelumnya" in buttons(last) and "Berikutnya ▶️" not in buttons(last)
    await admin.send_text("/tugas")
    agencies = await admin.next_message()
    assert "halaman 1 dari 2" in agencies["text"]
    last = await _press(h, admin, agencies, "Berikutnya ▶️")
    assert "halaman 2 dari 2" in last["text"]
    assert "◀️ Sebelumnya" in buttons(last) and "Berikutnya ▶️" not in buttons(last)
