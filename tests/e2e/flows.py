"""Steps of the report form as a person does them, shared by the end-to-end tests."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date

from core import clock
from sandbox import Sandbox, SandboxUser
from sandbox.server import JSONDict
from tests.conftest import JAKARTA

STAFF = 2001


def today() -> date:
    """Today by the bot's clock, in the regency's time zone."""
    return clock.current().today(JAKARTA)


def buttons(message: JSONDict) -> list[str]:
    markup = message.get("reply_markup") or {}
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return [b["text"] for row in rows for b in row]


async def caught_up(sandbox: Sandbox, user: SandboxUser) -> JSONDict:
    """Waits until the bot is idle; returns its latest message, marking all as read."""
    await sandbox.settle()
    last_id = user.last_message()["message_id"]
    return await user.wait_for(lambda m: m["message_id"] == last_id)


async def answer(user: SandboxUser, text: str) -> JSONDict:
    await user.send_text(text)
    return await user.next_message()


async def press(sandbox: Sandbox, user: SandboxUser, message: JSONDict, button: str) -> JSONDict:
    await user.press(message, button)
    return await user.next_message()


async def fill_until_households(
    sandbox: Sandbox, user: SandboxUser, *, village: str = "Majalangu"
) -> JSONDict:
    """/lapor through the activity; returns the households question."""
    ask_village = await answer(user, "/lapor")
    assert "Desa/kelurahan mana" in ask_village["text"]
    assert set(buttons(ask_village)) >= {"Majalangu", "Pagergunung", "Asemdoyong"}
    ask_date = await press(sandbox, user, ask_village, village)
    assert "Tanggal kunjungan" in ask_date["text"]
    ask_strategy = await press(sandbox, user, ask_date, buttons(ask_date)[0])  # today
    ask_activity = await press(
        sandbox, user, ask_strategy, "1. Pengurangan beban pengeluaran masyarakat"
    )
    assert "PBI JKN (iuran BPJS Kesehatan)" in buttons(ask_activity)
    ask_households = await press(sandbox, user, ask_activity, "PBI JKN (iuran BPJS Kesehatan)")
    assert "keluarga (KK)" in ask_households["text"]
    return ask_households


async def fill_until_photos(
    sandbox: Sandbox, user: SandboxUser, *, village: str = "Majalangu"
) -> JSONDict:
    """/lapor through the description; returns the photo question."""
    await fill_until_households(sandbox, user, village=village)
    await answer(user, "12")
    ask_description = await answer(user, "40")
    assert "Uraikan" in ask_description["text"]
    ask_photos = await answer(user, "Pendataan 12 KK calon penerima PBI JKN di RT 03.")
    assert "Kirim foto" in ask_photos["text"]
    return ask_photos


async def finish_from_photos(sandbox: Sandbox, user: SandboxUser) -> JSONDict:
    """Done with photos, no more activities, share the location; returns the summary."""
    status = await caught_up(sandbox, user)
    ask_location = await press(sandbox, user, status, buttons(status)[0])
    assert "Bagikan lokasi" in ask_location["text"]
    await user.send_location(-7.1234, 109.3456, horizontal_accuracy=12.5)
    summary = await user.next_message()
    assert "Periksa laporan Anda" in summary["text"]
    return summary


async def refused(
    sandbox: Sandbox, user: SandboxUser, sent: Awaitable[object], reason: str
) -> JSONDict:
    """Sends wrong input; asserts the reason given, and returns the question asked again."""
    await sent
    error = await user.next_message()
    assert reason in error["text"], error["text"]
    question = await caught_up(sandbox, user)
    assert question["message_id"] != error["message_id"], "the question was not asked again"
    return question


MONTHS_ID = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]


@dataclass
class Visit:
    """What one person reports, so each answer can be checked in its own field."""

    village: str
    households: int
    people: int
    description: str
    photos: list[bytes]


async def report_through_trouble(
    sandbox: Sandbox, user: SandboxUser, visit: Visit, *, max_actions: int = 80
) -> JSONDict:
    """Files a whole report as a person would whatever the network does: looks at the
    latest message, answers the question it asks, and when the bot's last word is not a
    question (an apology, or nothing), types /lapor, which resumes the draft. Returns the
    confirmation."""
    photos_sent = False
    await user.send_text("/lapor")
    for _ in range(max_actions):
        await sandbox.settle(timeout=60)
        confirmation = next(
            (m for m in user.inbox if "Laporan terkirim" in str(m.get("text"))), None
        )
        if confirmation is not None:
            return confirmation
        last = user.last_message() if user.inbox else {}
        text = str(last.get("text", ""))
        labels = buttons(last)
        if "Desa/kelurahan mana" in text:
            await user.press(last, visit.village)
        elif "Tanggal kunjungan" in text:
            await user.press(last, labels[0])
        elif "Strategi mana" in text:
            await user.press(last, "1. Pengurangan beban pengeluaran masyarakat")
        elif "Kegiatan apa" in text:
            await user.press(last, "PBI JKN (iuran BPJS Kesehatan)")
        elif "keluarga (KK)" in text:
            await user.send_text(str(visit.households))
        elif "orang/jiwa" in text:
            await user.send_text(str(visit.people))
        elif "Uraikan" in text:
            await user.send_text(visit.description)
        elif "Kirim foto" in text and not photos_sent:
            photos_sent = True
            if len(visit.photos) > 1:
                await user.send_album(list(visit.photos))
            else:
                await user.send_photo(visit.photos[0])
        elif ("foto diterima" in text or "Kirim foto" in text) and any(
            label.startswith("✅ Selesai") for label in labels
        ):
            await user.press(last, next(b for b in labels if b.startswith("✅ Selesai")))
        elif "Bagikan lokasi" in text:
            await user.send_location(-7.1234, 109.3456, horizontal_accuracy=12.5)
        elif "Periksa laporan" in text:
            await user.press(last, "✅ Kirim")
        else:
            # An apology, a notice, or a question that never arrived: ask where we are.
            await user.send_text("/lapor")
    raise AssertionError(f"no confirmation after {max_actions} actions: {user.inbox[-3:]}")
