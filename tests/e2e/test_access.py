"""Invitations and access, end to end: admin invites, people join, strangers are turned away."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import segno
from PIL import Image
from sqlalchemy import func, select, update

from models.audit import AuditEntry
from models.base import utcnow
from models.users import Invitation, Role, User, get_user
from sandbox import SandboxUser
from sandbox.server import JSONDict
from tests.e2e.conftest import ADMIN_ID, Harness

LINK = re.compile(r"https://t\.me/(\w+)\?start=([A-Za-z0-9_-]+)")


def buttons(message: JSONDict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


async def invite(
    h: Harness, admin: SandboxUser, role_button: str, scope_button: str | None
) -> str:
    """Drives /undang as the admin and returns the token from the link the bot sent."""
    await admin.send_text("/undang")
    menu = await admin.next_message()
    assert "Undangan baru" in menu["text"]
    await admin.press(menu, role_button)
    if scope_button is not None:
        await h.sandbox.settle()
        await admin.press(menu, scope_button)
    photo = await admin.wait_for(lambda m: "photo" in m)
    match = LINK.search(photo["caption"])
    assert match, photo["caption"]
    assert match.group(1) == h.app.bot.username
    # The QR code really encodes the link: same module matrix as segno's for that text.
    image = Image.open(io.BytesIO(admin.download(photo)))
    assert image.format == "PNG"
    assert image.tobytes() == Image.open(_qr(match.group(0))).tobytes()
    return match.group(2)


def _qr(link: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=10, border=4)
    buffer.seek(0)
    return buffer


async def test_admin_invites_staff_who_joins(harness: Harness) -> None:
    admin = harness.user(ADMIN_ID, "Rina")
    await admin.send_text("/start")
    welcome = await admin.next_message()
    assert "/undang" in welcome["text"]

    token = await invite(harness, admin, "Petugas lapangan", "Bappeda")
    staff = harness.user(2001, "Budi")
    await staff.send_text(f"/start {token}")
    joined = await staff.next_message()
    assert "Selamat datang" in joined["text"]
    assert "Bappeda" in joined["text"] and "Petugas lapangan" in joined["text"]
    assert "/undang" not in joined["text"]
    await harness.sandbox.settle()

    async with harness.db() as session:
        user = await get_user(session, 2001)
        assert user is not None and user.role is Role.STAFF
        assert user.agency is not None and user.agency.short_name == "Bappeda"
        assert user.language == "id"
        actions = (await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
        assert "invitation.created" in actions and "invitation.redeemed" in actions

    # The staff member's own menu: Indonesian command names, no admin commands.
    staff_menu = _chat_menu(harness, 2001)
    assert [c["command"] for c in staff_menu] == [
        "lapor",
        "riwayat",
        "batal",
        "jeda",
        "start",
        "bantuan",
        "bahasa",
    ]
    admin_menu = _chat_menu(harness, ADMIN_ID)
    assert "undang" in [c["command"] for c in admin_menu]


def _chat_menu(h: Harness, chat_id: int) -> list[JSONDict]:
    for (scope, _lang), commands in h.sandbox.commands.items():
        parsed = json.loads(scope)
        if parsed.get("type") == "chat" and parsed.get("chat_id") == chat_id:
            return commands
    raise AssertionError(f"no menu for chat {chat_id}: {list(h.sandbox.commands)}")


async def test_token_is_single_use(harness: Harness) -> None:
    admin = harness.user(ADMIN_ID, "Rina")
    token = await invite(harness, admin, "Koordinator kecamatan", "Taman")
    first = harness.user(3001, "Sari")
    await first.send_text(f"/start {token}")
    assert "Kecamatan Taman" in (await first.next_message())["text"]

    second = harness.user(3002, "Joko")
    await second.send_text(f"/start {token}")
    assert "sudah dipakai" in (await second.next_message())["text"]
    async with harness.db() as session:
        assert await get_user(session, 3002) is None
        coordinator = await get_user(session, 3001)
        assert coordinator is not None and coordinator.role is Role.KECAMATAN_COORDINATOR
        assert coordinator.kecamatan is not None and coordinator.kecamatan.name == "Taman"


async def test_expired_token_is_refused(harness: Harness) -> None:
    admin = harness.user(ADMIN_ID, "Rina")
    token = await invite(harness, admin, "Koordinator kabupaten", "✅ Ya, lanjutkan")
    async with harness.db() as session:  # eight days later
        await session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(days=1)))
        await session.commit()
    late = harness.user(4001, "Telat")
    await late.send_text(f"/start {token}")
    assert "kedaluwarsa" in (await late.next_message())["text"]
    async with harness.db() as session:
        assert await get_user(session, 4001) is None


async def test_unknown_people_are_turned_away_politely(harness: Harness) -> None:
    stranger = harness.user(5001, "Asing")
    await stranger.send_text("halo")
    reply = await stranger.next_message()
    assert "tautan undangan" in reply["text"] and "Asing" in reply["text"]

    english = harness.user(5002, "Stranger", language_code="en-GB")
    await english.send_text("/bantuan")
    assert "invitation link" in (await english.next_message())["text"]

    await stranger.send_text("/start notARealToken123")
    assert "tidak dikenal" in (await stranger.next_message())["text"]
    await stranger.send_text("/undang")
    assert "tautan undangan" in (await stranger.next_message())["text"]
    # A forged button from someone unregistered gets an alert, nothing else.
    answer = await stranger.press_data(1, "inv:r:admin")
    assert answer is not None and answer.get("show_alert") is True
    await harness.sandbox.settle()
    async with harness.db() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 0
        assert await session.scalar(select(func.count()).select_from(Invitation)) == 0


async def test_admin_commands_are_refused_to_others(harness: Harness) -> None:
    admin = harness.user(ADMIN_ID, "Rina")
    token = await invite(harness, admin, "Petugas lapangan", "Dinas Kesehatan")
    staff = harness.user(2002, "Wati")
    await staff.send_text(f"/start {token}")
    await staff.next_message()

    await staff.send_text("/invite")
    assert "hanya untuk admin" in (await staff.next_message())["text"]
    # Forged invitation buttons: refused with an alert, nothing created.
    answer = await staff.press_data(1, "inv:ok:admin")
    assert answer is not None and answer.get("show_alert") is True
    # Even an admin's forged button naming an agency that does not exist is refused.
    answer = await admin.press_data(1, "inv:a:999999")
    assert answer is not None and "tidak berlaku" in answer.get("text", "")
    await harness.sandbox.settle()
    async with harness.db() as session:
        count = await session.scalar(select(func.count()).select_from(Invitation))
        assert count == 1


async def test_language_switch_changes_replies_and_menu(harness: Harness) -> None:
    admin = harness.user(ADMIN_ID, "Rina")
    await admin.send_text("/bahasa")
    choice = await admin.next_message()
    await admin.press(choice, "🇬🇧 English")
    await harness.sandbox.settle()
    assert "Language changed" in admin.inbox[-1]["text"]
    await admin.send_text("/help")
    assert "Commands you can use" in (await admin.next_message())["text"]
    assert [c["command"] for c in _chat_menu(harness, ADMIN_ID)] == [
        "start",
        "help",
        "language",
        "invite",
        "users",
        "assign",
        "schedule",
        "summary",
        "review",
        "export",
        "audit",
        "import",
        "broadcast",
    ]
    async with harness.db() as session:
        user = await get_user(session, ADMIN_ID)
        assert user is not None and user.language == "en"


async def test_guest_menus_in_both_languages(harness: Harness) -> None:
    await harness.sandbox.settle()
    by_lang = {
        lang: [c["command"] for c in commands]
        for (scope, lang), commands in harness.sandbox.commands.items()
        if json.loads(scope).get("type", "default") == "default"
    }
    assert by_lang["id"] == ["start", "bantuan"]
    assert by_lang["en"] == ["start", "help"]


async def test_state_survives_restart(harness: Harness) -> None:
    admin = harness.user(ADMIN_ID, "Rina")
    token = await invite(harness, admin, "Petugas lapangan", "Bappeda")
    await harness.restart()
    staff = harness.user(2003, "Tono")
    await staff.send_text(f"/start {token}")
    assert "Selamat datang" in (await staff.next_message())["text"]
