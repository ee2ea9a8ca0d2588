"""Every step answers every kind of message for what it is, end to end through the sandbox:
a sticker, contact, poll or video at a button step is told to use the buttons, at a text step
that text is needed; invisible or oversized answers are refused like any wrong one. Each
refusal asks the question again and leaves the draft as it was.

A test sends fewer than 20 updates: the access gate tells a chat sending more within
10 seconds to slow down (handlers/access.py, FLOOD_LIMIT)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import select

from models.reports import Report, ReportStatus
from sandbox import SandboxUser
from sandbox.server import JSONDict
from tests.e2e.conftest import Harness
from tests.e2e.factories import add_staff
from tests.e2e.flows import STAFF, answer, buttons, press, refused

USE_BUTTONS = "Silakan jawab dengan tombol pada pertanyaan di bawah ini."
TEXT_EXPECTED = "Yang diperlukan di sini adalah teks yang diketik."
ASK_VILLAGE = "Desa/kelurahan mana"
ASK_STRATEGY = "Strategi mana"
ASK_ACTIVITY = "Kegiatan apa"
ASK_HOUSEHOLDS = "keluarga (KK)"
STRATEGY = "1. Pengurangan beban pengeluaran masyarakat"
ACTIVITY = "PBI JKN (iuran BPJS Kesehatan)"

Draft = tuple[object, ...]


def non_text(user: SandboxUser) -> list[Callable[[], Awaitable[JSONDict]]]:
    """What a phone can send besides text and a button press, one of each."""
    return [user.send_sticker, user.send_contact, user.send_poll, user.send_video]


async def draft(h: Harness) -> Draft:
    """The stored draft, every field a step writes (not `asked_rev`: a question asked again
    is recorded as asked, which is the point)."""
    async with h.db() as session:
        report = await session.scalar(select(Report).where(Report.status == ReportStatus.DRAFT))
        assert report is not None
        activities = report.draft
        return (
            report.village_id,
            report.visit_date,
            report.form_state,
            report.form_rev,
            [
                (a.strategy, a.activity, a.activity_other, a.households, a.people, a.description)
                for a in activities
            ],
        )


async def each_refused(
    h: Harness,
    user: SandboxUser,
    *,
    reason: str,
    question: str,
    sends: list[Callable[[], Awaitable[JSONDict]]],
) -> JSONDict:
    """Sends each of `sends`; each gets `reason` and `question` again with its buttons, and the
    draft stays as it was. Returns the last question asked."""
    before = await draft(h)
    asked: JSONDict = {}
    for send in sends:
        asked = await refused(h.sandbox, user, send(), reason)
        assert question in asked["text"], asked["text"]
        assert buttons(asked), f"asked again without its buttons: {asked}"
    assert await draft(h) == before
    return asked


async def test_village_and_strategy_buttons_answer_anything_else_with_use_the_buttons(
    harness: Harness,
) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    ask_village = await answer(user, "/lapor")
    assert ASK_VILLAGE in ask_village["text"]

    ask_village = await each_refused(
        h, user, reason=USE_BUTTONS, question=ASK_VILLAGE, sends=non_text(user)
    )
    ask_date = await press(h.sandbox, user, ask_village, "Majalangu")
    ask_strategy = await press(h.sandbox, user, ask_date, buttons(ask_date)[0])  # today
    assert ASK_STRATEGY in ask_strategy["text"]

    ask_strategy = await each_refused(
        h, user, reason=USE_BUTTONS, question=ASK_STRATEGY, sends=non_text(user)
    )
    ask_activity = await press(h.sandbox, user, ask_strategy, STRATEGY)
    assert ASK_ACTIVITY in ask_activity["text"]
    village_id, *_ = await draft(h)
    assert village_id is not None


async def test_activity_buttons_then_text_steps_refuse_what_they_cannot_take(
    harness: Harness,
) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    ask_village = await answer(user, "/lapor")
    ask_date = await press(h.sandbox, user, ask_village, "Pagergunung")
    ask_strategy = await press(h.sandbox, user, ask_date, buttons(ask_date)[0])
    await press(h.sandbox, user, ask_strategy, STRATEGY)

    ask_activity = await each_refused(
        h, user, reason=USE_BUTTONS, question=ASK_ACTIVITY, sends=non_text(user)
    )
    ask_households = await press(h.sandbox, user, ask_activity, ACTIVITY)
    assert ASK_HOUSEHOLDS in ask_households["text"]

    # A text step: a sticker is told that typed text is needed.
    before = await draft(h)
    asked = await refused(h.sandbox, user, user.send_sticker(), TEXT_EXPECTED)
    assert ASK_HOUSEHOLDS in asked["text"]
    # 5,000 digits are more than Python's int() takes from text (4,300): refused as too
    # large, with the same sentence as any number over the limit, and the form goes on.
    asked = await refused(
        h.sandbox, user, user.send_text("12" * 2500), "terlalu besar (paling banyak 5.000)"
    )
    assert ASK_HOUSEHOLDS in asked["text"]
    assert await draft(h) == before
    ask_people = await answer(user, "12")
    assert "orang/jiwa" in ask_people["text"]

    ask_description = await answer(user, "40")
    assert "Uraikan" in ask_description["text"]
    before = await draft(h)
    asked = await refused(
        h.sandbox,
        user,
        user.send_text("\u200b\u200c\u200d\u2060\ufeff" * 20),
        "Teks terlalu pendek (0 karakter); paling sedikit 10 karakter.",
    )
    assert "Uraikan" in asked["text"]
    assert await draft(h) == before
    ask_photos = await answer(user, "\ufeffPendataan\u200b 12 KK calon penerima PBI JKN.")
    assert "Kirim foto" in ask_photos["text"]

    *_, activities = await draft(h)
    assert activities == [
        (
            "pengurangan_beban",
            "pbi_jkn",
            None,
            12,
            40,
            "Pendataan 12 KK calon penerima PBI JKN.",
        )
    ]


async def test_use_the_buttons_in_english(harness: Harness) -> None:
    h = harness
    await add_staff(h, 2600, language="en")
    user = h.user(2600, "Alex", language_code="en")
    ask_village = await answer(user, "/report")
    assert "Which village did you visit?" in ask_village["text"]

    await each_refused(
        h,
        user,
        reason="Please answer with the buttons of the question below.",
        question="Which village did you visit?",
        sends=non_text(user),
    )
