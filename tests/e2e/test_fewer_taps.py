"""Fewer taps: a single-activity report takes at most 12 actions, and another activity is
offered on the summary itself (as well as with the photos)."""

from __future__ import annotations

from sqlalchemy import select

from models.reports import ReportActivity
from tests.e2e.conftest import Harness
from tests.e2e.factories import add_staff, jpeg
from tests.e2e.flows import (
    STAFF,
    answer,
    buttons,
    caught_up,
    fill_until_photos,
    finish_from_photos,
    press,
)

ADD = "\u2795 Tambah kegiatan lain"


async def test_one_activity_takes_twelve_actions(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    first = h.sandbox.last_update_id
    # /lapor, village, date, strategy, activity, households, people, description: 8.
    await fill_until_photos(h.sandbox, user)
    await user.send_album([jpeg(seed=i) for i in range(3)])  # one batch of photos: 9
    # Done (10), location (11): the summary follows at once.
    summary = await finish_from_photos(h.sandbox, user)
    assert buttons(summary)[:2] == ["✅ Kirim", ADD]
    sent = await press(h.sandbox, user, summary, "✅ Kirim")  # 12
    assert "Laporan terkirim" in sent["text"]
    album_extra = 2  # the album's further photos arrive as updates of their own
    assert h.sandbox.last_update_id - first - album_extra == 12


async def test_another_activity_from_the_summary(harness: Harness) -> None:
    h = harness
    await add_staff(h, STAFF)
    user = h.user(STAFF, "Budi")
    await fill_until_photos(h.sandbox, user)
    await user.send_photo(jpeg(seed=1))
    summary = await finish_from_photos(h.sandbox, user)
    ask_strategy = await press(h.sandbox, user, summary, ADD)
    assert "Kegiatan 2" in ask_strategy["text"]
    ask_activity = await press(
        h.sandbox, user, ask_strategy, "3. Pengurangan kantong-kantong kemiskinan"
    )
    await press(h.sandbox, user, ask_activity, "Jamban / sanitasi")
    await answer(user, "3")
    await answer(user, "12")
    await answer(user, "Memeriksa pembangunan 3 jamban sehat.")
    await user.send_photo(jpeg(seed=2))
    received = await caught_up(h.sandbox, user)
    # The location is answered already: done leads straight back to the summary.
    summary = await press(h.sandbox, user, received, buttons(received)[0])
    assert "Periksa laporan" in summary["text"] and "Jamban / sanitasi" in summary["text"]
    await press(h.sandbox, user, summary, "✅ Kirim")
    async with h.db() as session:
        activities = (
            await session.scalars(select(ReportActivity).order_by(ReportActivity.position))
        ).all()
        assert [a.households for a in activities] == [12, 3]
