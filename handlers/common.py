"""Small pieces several handler modules share: role labels and keyboard building."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.i18n import Raw, Translator
from models.agencies import Agency
from models.regions import Kecamatan
from models.users import Role


def scope_label(
    translator: Translator,
    lang: str,
    role: Role,
    agency: Agency | None,
    kecamatan: Kecamatan | None,
) -> Raw:
    """'Petugas lapangan — Bappeda', 'Koordinator kecamatan — Kecamatan Taman', ..."""
    role_text = translator(lang, f"role-{role.value}")
    if role is Role.STAFF and agency is not None:
        return translator(lang, "scope-agency", role=role_text, agency=agency.label)
    if role is Role.KECAMATAN_COORDINATOR and kecamatan is not None:
        return translator(lang, "scope-kecamatan", role=role_text, kecamatan=kecamatan.name)
    if role is Role.REGENCY_COORDINATOR:
        return translator(lang, "scope-regency", role=role_text)
    return role_text


def button_grid(
    buttons: Sequence[InlineKeyboardButton], columns: int = 2
) -> list[list[InlineKeyboardButton]]:
    """Lays buttons out in rows; Telegram shows at most 8 per row, phones fit about 2."""
    return [list(buttons[i : i + columns]) for i in range(0, len(buttons), columns)]


def keyboard(
    rows: list[list[InlineKeyboardButton]], *footer: InlineKeyboardButton
) -> InlineKeyboardMarkup:
    if footer:
        rows = [*rows, list(footer)]
    return InlineKeyboardMarkup(rows)
