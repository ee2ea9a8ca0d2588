"""/siaran: an admin's broadcast to a role in a scope, delivered once, with a report."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from models.agencies import Agency
from models.audit import AuditEntry
from models.broadcasts import Broadcast, BroadcastStatus
from models.deliveries import Delivery, DeliveryStatus
from models.regions import Kecamatan
from models.users import Role, User
from sandbox import SandboxUser
from sandbox.server import JSONDict
from tests.e2e.conftest import ADMIN_ID, Harness
from tests.e2e.factories import jpeg
from tests.e2e.flows import caught_up

# Randudongkal: Dinas Kesehatan and Disnaker have villages there (demo/assignments.csv),
# Bappeda has none.
RANDUDONGKAL = "33.27.07"
WATUKUMPUL = "33.27.04"
REPORT = "Laporan siaran"


async def people(h: Harness) -> None:
    """Staff of two agencies, coordinators of two kecamatan and of the regency, and a
    deactivated staff member; all have started the bot."""
    async with h.db() as session:
        agencies = {str(a.name): a.id for a in await session.scalars(select(Agency))}
        agencies |= {str(a.short_name): a.id for a in await session.scalars(select(Agency))}
        kecamatan = {k.code: k.id for k in await session.scalars(select(Kecamatan))}
        rows = [
            (2001, Role.STAFF, agencies["Bappeda"], None, True),
            (2002, Role.STAFF, agencies["Dinas Kesehatan"], None, True),
            (2003, Role.STAFF, agencies["Dinas Kesehatan"], None, False),
            (3001, Role.KECAMATAN_COORDINATOR, None, kecamatan[RANDUDONGKAL], True),
            (3002, Role.KECAMATAN_COORDINATOR, None, kecamatan[WATUKUMPUL], True),
            (4001, Role.REGENCY_COORDINATOR, None, None, True),
        ]
        for telegram_id, role, agency_id, kecamatan_id, active in rows:
            session.add(
                User(
                    telegram_id=telegram_id,
                    full_name=f"P{telegram_id}",
                    role=role,
                    agency_id=agency_id,
                    kecamatan_id=kecamatan_id,
                    language="id",
                    active=active,
                )
            )
        await session.commit()
    for telegram_id, *_ in rows:
        h.sandbox.user(telegram_id).started = True


async def admin(h: Harness) -> SandboxUser:
    user = h.user(ADMIN_ID, "Rina")
    await user.send_text("/start")
    await caught_up(h.sandbox, user)
    return user


async def compose(h: Harness, user: SandboxUser, audience: str, scope: str | None) -> JSONDict:
    """/siaran up to the message question; returns it."""
    await user.send_text("/siaran")
    question = await caught_up(h.sandbox, user)
    assert "Siaran untuk siapa" in question["text"]
    await user.press(question, audience)
    question = await caught_up(h.sandbox, user)
    if scope is not None:
        assert "kecamatan" in question["text"]
        await user.press(question, scope)
        question = await caught_up(h.sandbox, user)
    assert "Ketik pesannya" in question["text"]
    return question


def received(user: SandboxUser) -> list[JSONDict]:
    return list(user.inbox)


async def wait_for_report(h: Harness, user: SandboxUser, timeout: float = 10.0) -> str:  # noqa: ASYNC109
    message = await user.wait_for(lambda m: REPORT in str(m.get("text", "")), timeout=timeout)
    return str(message["text"])


async def test_preview_counts_and_confirm_sends_text_once(harness: Harness) -> None:
    h = harness
    await people(h)
    rina = await admin(h)
    await compose(h, rina, "Petugas lapangan", "Randudongkal")
    await rina.send_text("Rapat koordinasi hari Jumat pukul 09.00.")
    preview = await caught_up(h.sandbox, rina)
    # Only the Dinas Kesehatan staff member: Bappeda has no village in Randudongkal and the
    # other Dinas Kesehatan account is deactivated.
    assert "Akan dikirim ke 1 orang" in preview["text"], preview["text"]
    copy = rina.inbox[-2]
    assert copy["text"] == "Rapat koordinasi hari Jumat pukul 09.00."
    await rina.press(preview, "✅ Kirim")
    report = await wait_for_report(h, rina)
    assert "1 terkirim, 0 memblokir bot, 0 gagal" in report
    await h.sandbox.settle()
    assert [m["text"] for m in received(h.sandbox.user(2002))] == [
        "Rapat koordinasi hari Jumat pukul 09.00."
    ]
    for other in (2001, 2003, 3001, 3002, 4001):
        assert received(h.sandbox.user(other)) == [], other
    # Pressing confirm again sends nothing more.
    await rina.press_data(
        preview["message_id"], preview["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    )
    await h.sandbox.settle()
    assert len(received(h.sandbox.user(2002))) == 1
    async with h.db() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
        assert "broadcast.send" in actions and "broadcast.delivered" in actions
        broadcast = await session.scalar(select(Broadcast))
        assert broadcast is not None and broadcast.status is BroadcastStatus.DONE


async def test_photo_broadcast_to_everyone_and_a_blocked_recipient(harness: Harness) -> None:
    h = harness
    await people(h)
    h.sandbox.block(3002)
    rina = await admin(h)
    await compose(h, rina, "Semua orang", "Seluruh kabupaten")
    await rina.send_photo(jpeg(), caption="Foto kegiatan bersama")
    preview = await caught_up(h.sandbox, rina)
    # Everyone active but the admin: 2001, 2002, 3001, 3002, 4001.
    assert "Akan dikirim ke 5 orang" in preview["text"], preview["text"]
    assert "photo" in rina.inbox[-2]
    await rina.press(preview, "✅ Kirim")
    report = await wait_for_report(h, rina)
    assert "4 terkirim, 1 memblokir bot, 0 gagal" in report, report
    await h.sandbox.settle()
    for telegram_id in (2001, 2002, 3001, 4001):
        inbox = received(h.sandbox.user(telegram_id))
        assert len(inbox) == 1 and "photo" in inbox[0], telegram_id
        assert inbox[0]["caption"] == "Foto kegiatan bersama"
    assert received(h.sandbox.user(2003)) == []


async def test_too_long_text_or_caption_is_refused_and_the_step_kept(harness: Harness) -> None:
    h = harness
    await people(h)
    rina = await admin(h)
    await compose(h, rina, "Koordinator kabupaten", None)
    await rina.send_text("x" * 4097)
    refusal = await caught_up(h.sandbox, rina)
    assert "Pesan terlalu panjang: 4.097 karakter" in refusal["text"], refusal["text"]
    # Premium accounts may send captions longer than a broadcast photo can carry.
    await rina.send_photo(jpeg(), caption="y" * 1025)
    refusal = await caught_up(h.sandbox, rina)
    assert "Keterangan foto terlalu panjang: 1.025" in refusal["text"], refusal["text"]
    await rina.send_text("Pendek saja.")
    preview = await caught_up(h.sandbox, rina)
    assert "Akan dikirim ke 1 orang" in preview["text"]
    await rina.send_text("/batal")
    cancelled = await caught_up(h.sandbox, rina)
    assert "dibatalkan" in cancelled["text"]
    await h.sandbox.settle()
    assert received(h.sandbox.user(4001)) == []


async def test_non_admin_and_forged_buttons_are_refused(harness: Harness) -> None:
    h = harness
    await people(h)
    coordinator = h.sandbox.user(4001)
    await coordinator.send_text("/siaran")
    refusal = await caught_up(h.sandbox, coordinator)
    assert "hanya dapat dikirim oleh admin" in refusal["text"]

    rina = await admin(h)
    question = await compose(h, rina, "Koordinator kabupaten", None)
    await rina.send_text("Pesan uji.")
    preview = await caught_up(h.sandbox, rina)
    data = preview["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    # The coordinator forges the admin's confirm button.
    answer = await coordinator.press_data(question["message_id"], data)
    assert answer is not None and "admin" in answer["text"]
    # The admin presses a button of another (made-up) draft and a malformed one.
    draft_id = int(data.rsplit(":", 1)[1])
    for forged in (f"bc:ok:{draft_id + 5}", "bc:a:x:staff", f"bc:k:{draft_id}:99999"):
        answer = await rina.press_data(preview["message_id"], forged)
        assert answer is not None and "tidak berlaku" in answer["text"], forged
    await h.sandbox.settle()
    assert received(h.sandbox.user(4001)) == [refusal]
    async with h.db() as session:
        broadcast = await session.scalar(select(Broadcast))
        assert broadcast is not None and broadcast.status is BroadcastStatus.DRAFT
        assert (await session.scalars(select(Delivery))).all() == []


async def test_300_recipients_with_flood_limits_and_a_restart_get_it_once(
    harness: Harness,
) -> None:
    h = harness
    h.sandbox.flood_limits = True
    crowd = range(5000, 5300)
    async with h.db() as session:
        for telegram_id in crowd:
            session.add(
                User(
                    telegram_id=telegram_id,
                    full_name=f"K{telegram_id}",
                    role=Role.REGENCY_COORDINATOR,
                    language="id",
                )
            )
        await session.commit()
    for telegram_id in crowd:
        h.sandbox.user(telegram_id).started = True
    rina = await admin(h)
    await compose(h, rina, "Koordinator kabupaten", None)
    await rina.send_text("Pengumuman untuk semua koordinator.")
    preview = await caught_up(h.sandbox, rina)
    assert "Akan dikirim ke 300 orang" in preview["text"], preview["text"]
    await rina.press(preview, "✅ Kirim")

    def delivered() -> int:
        return sum(len(h.sandbox.user(t).inbox) for t in crowd)

    # Polls the sandbox's record: it has no event for "n messages sent".
    async with asyncio.timeout(60):
        while delivered() < 60:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    await h.restart()  # the bot goes down mid-way; the new one resumes at start-up
    assert delivered() < 300
    report = await wait_for_report(h, rina, timeout=60)
    assert "300 terkirim, 0 memblokir bot, 0 gagal" in report, report
    await h.sandbox.settle()
    for telegram_id in crowd:
        inbox = received(h.sandbox.user(telegram_id))
        assert [m["text"] for m in inbox] == ["Pengumuman untuk semua koordinator."], telegram_id
    assert sum(REPORT in str(m.get("text", "")) for m in rina.inbox) == 1
    async with h.db() as session:
        statuses = (await session.scalars(select(Delivery.status))).all()
        assert len(statuses) == 300 and set(statuses) == {DeliveryStatus.SENT}
