"""Steps of the report form as a person does them, shared by the end-to-end tests."""

from __future__ import annotations

from collections.abc import Awaitable
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


async def fill_until_photos(
    sandbox: Sandbox, user: SandboxUser, *, village: str = "Majalangu"
) -> JSONDict:
    """/lapor through the description; returns the photo question."""
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
    await press(sandbox, user, ask_activity, "PBI JKN (iuran BPJS Kesehatan)")
    await answer(user, "12")
    ask_description = await answer(user, "40")
    assert "Uraikan" in ask_description["text"]
    ask_photos = await answer(user, "Pendataan 12 KK calon penerima PBI JKN di RT 03.")
    assert "Kirim foto" in ask_photos["text"]
    return ask_photos


async def finish_from_photos(sandbox: Sandbox, user: SandboxUser) -> JSONDict:
    """Done with photos, no more activities, skip location; returns the summary."""
    status = await caught_up(sandbox, user)
    ask_more = await press(sandbox, user, status, buttons(status)[0])
    ask_location = await press(sandbox, user, ask_more, "Lanjut ▶️")
    assert "Bagikan lokasi" in ask_location["text"]
    await user.send_location(-7.1234, 109.3456, horizontal_accuracy=12.5)
    await user.next_message()  # "location saved"
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
