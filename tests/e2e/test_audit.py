"""/audit: the audit log a page at a time, filtered by person; admins only."""

from __future__ import annotations

from datetime import timedelta

from models.audit import AuditEntry
from tests.conftest import TEST_NOW
from tests.e2e.conftest import ADMIN_ID, Harness
from tests.e2e.factories import add_staff

STAFF = 2001
OTHER = 4242


async def _entries(harness: Harness) -> None:
    """25 actions a minute apart, the newest of the log (the demo data's imports and the
    admin's registration come before them): the staff member's are the odd ones."""
    async with harness.db() as session:
        for n in range(1, 26):
            session.add(
                AuditEntry(
                    at=TEST_NOW + timedelta(hours=1, minutes=n),
                    actor_telegram_id=STAFF if n % 2 else OTHER,
                    action=f"test.action{n:02d}",
                    target=f"target-{n}",
                    details={"n": n},
                )
            )
        await session.commit()


async def test_admins_page_and_filter_the_audit_log(harness: Harness) -> None:
    await add_staff(harness, STAFF)
    admin = harness.user(ADMIN_ID, "Rina")
    await admin.send_text("/start")
    await admin.next_message()
    await harness.sandbox.settle()
    await _entries(harness)

    await admin.send_text("/audit")
    first = await admin.next_message()
    text = first["text"]
    # Newest first: actions 25 down to 16.
    assert "halaman 1" in text and "Semua orang" in text
    assert "test.action25" in text and "test.action16" in text
    assert "test.action15" not in text
    # The regency's time (WIB), the name of a known actor, the details.
    assert "2026-11-25 11:25" in text and f"Staff {STAFF} ({STAFF})" in text and "n=25" in text
    assert "Lebih baru" not in str(admin.button_texts(first["message_id"]))

    await admin.press(first, "Lebih lama ▶")
    await harness.sandbox.settle()
    second = admin.find(first["message_id"])
    assert second is not None
    assert "halaman 2" in second["text"]
    assert "test.action15" in second["text"] and "test.action06" in second["text"]
    assert "test.action16" not in second["text"] and "test.action05" not in second["text"]
    await admin.press(first, "Lebih lama ▶")
    await harness.sandbox.settle()
    third = admin.find(first["message_id"])
    # The rest: actions 5 to 1, then the admin's registration and the demo data's imports
    # (no actor: "sistem").
    assert third is not None and "test.action01" in third["text"]
    assert "user.admin_from_settings" in third["text"] and "sistem" in third["text"]
    assert "Lebih lama ▶" not in str(admin.button_texts(first["message_id"]))
    await admin.press(first, "◀ Lebih baru")
    await harness.sandbox.settle()
    assert "halaman 2" in (admin.find(first["message_id"]) or {})["text"]

    await admin.press(first, "👤 Saring menurut orang")
    await harness.sandbox.settle()
    picker = admin.button_texts(first["message_id"])
    # The latest to act first: the staff member (25), the other person (24), the admin.
    assert picker[:3] == [[f"Staff {STAFF} ({STAFF})"], [str(OTHER)], [f"Rina ({ADMIN_ID})"]]
    assert picker[3] == ["Semua orang"]
    await admin.press(first, f"Staff {STAFF} ({STAFF})")
    await harness.sandbox.settle()
    mine = admin.find(first["message_id"])
    assert mine is not None and f"Staff {STAFF} ({STAFF})" in mine["text"].split("\n")[0]
    shown = [n for n in range(1, 26) if f"test.action{n:02d}" in mine["text"]]
    assert shown == [7, 9, 11, 13, 15, 17, 19, 21, 23, 25]
    assert "4242" not in mine["text"]
    await admin.press(first, "Lebih lama ▶")
    await harness.sandbox.settle()
    rest = admin.find(first["message_id"])
    assert rest is not None
    assert [n for n in range(1, 26) if f"test.action{n:02d}" in rest["text"]] == [1, 3, 5]
    await admin.press(first, "Semua orang")
    await harness.sandbox.settle()
    assert "test.action24" in (admin.find(first["message_id"]) or {})["text"]


async def test_audit_is_refused_to_others_and_forged_buttons_are_refused(
    harness: Harness,
) -> None:
    await add_staff(harness, STAFF)
    admin = harness.user(ADMIN_ID, "Rina")
    await admin.send_text("/start")
    await admin.next_message()
    await _entries(harness)
    staff = harness.user(STAFF, "Budi")
    await staff.send_text("/audit")
    refused = await staff.next_message()
    assert "hanya untuk admin" in refused["text"] and "test.action" not in refused["text"]
    answer = await staff.press_data(1, "aud:p:0:-")
    assert answer is not None and answer.get("show_alert") is True

    await admin.send_text("/audit")
    shown = await admin.next_message()
    for forged in ("aud:p:x:-", "aud:p:-1:-", "aud:p:0:abc", "aud:zz", "aud:p:99999999:-"):
        answer = await admin.press_data(shown["message_id"], forged)
        assert answer is not None and answer.get("show_alert") is True, forged
        assert "tidak berlaku" in answer.get("text", "")
    # The page is left as it was.
    assert (admin.find(shown["message_id"]) or {})["text"] == shown["text"]
