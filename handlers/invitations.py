"""/undang (/invite): an admin creates a single-use invitation link and QR code.

The choices are buttons whose callback data carries the whole state ("inv:a:12" = staff of
agency 12), so nothing is kept between presses: a restart in the middle loses nothing,
and every press is checked again (admin, existing agency/kecamatan) because callback data
can be forged.
"""

from __future__ import annotations

import io
import logging
from datetime import timedelta

import segno
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from core.context import AppContext
from core.i18n import long_date
from handlers.common import admin_only, button_grid, keyboard, page_nav, scope_label
from models import audit
from models.agencies import get_agency, list_agencies
from models.regions import get_kecamatan, list_kecamatan
from models.users import Role, create_invitation
from services.commands import aliases

_LOG = logging.getLogger(__name__)
PREFIX = "inv:"
AGENCIES_PER_PAGE = 10


def _button(context: AppContext, key: str, data: str, **args: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(context.t(key, **args), callback_data=f"{PREFIX}{data}")


def _role_menu(context: AppContext) -> InlineKeyboardMarkup:
    rows = [[_button(context, f"role-{role.value}", f"r:{role.value}")] for role in Role]
    return keyboard(rows, _button(context, "button-cancel", "x"))


@admin_only
async def start_invitation(update: Update, context: AppContext) -> None:
    """Asks an admin which role the new person will have."""
    message = update.effective_message
    assert message is not None
    await message.reply_text(context.t("invite-choose-role"), reply_markup=_role_menu(context))


@admin_only
async def on_button(update: Update, context: AppContext) -> None:
    """Walks the admin through role and scope, then creates the invitation."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.removeprefix(PREFIX).split(":")
    try:
        await _dispatch(update, context, parts)
    except (ValueError, IndexError):
        await query.answer(context.t("stale-button"), show_alert=True)


async def _dispatch(update: Update, context: AppContext, parts: list[str]) -> None:
    query = update.callback_query
    assert query is not None
    match parts:
        case ["home"]:
            await query.answer()
            await query.edit_message_text(
                context.t("invite-choose-role"), reply_markup=_role_menu(context)
            )
        case ["x"]:
            await query.answer()
            await query.edit_message_text(context.t("invite-cancelled"))
        case ["r", "staff", *page]:
            await query.answer()
            await _ask_agency(update, context, int(page[0]) if page else 0)
        case ["r", "kecamatan_coordinator"]:
            await query.answer()
            await _ask_kecamatan(update, context)
        case ["r", role_value] if Role(role_value) in (Role.REGENCY_COORDINATOR, Role.ADMIN):
            await query.answer()
            await query.edit_message_text(
                context.t("invite-confirm", role=context.t(f"role-{role_value}")),
                reply_markup=keyboard(
                    [[_button(context, "button-confirm", f"ok:{role_value}")]],
                    _button(context, "button-back", "home"),
                ),
            )
        case ["a", agency_id]:
            agency = await get_agency(context.session, int(agency_id))
            if agency is None or not agency.active:
                raise ValueError(agency_id)
            await _create(update, context, Role.STAFF, agency_id=agency.id)
        case ["k", kecamatan_id]:
            kecamatan = await get_kecamatan(context.session, int(kecamatan_id))
            if kecamatan is None:
                raise ValueError(kecamatan_id)
            await _create(update, context, Role.KECAMATAN_COORDINATOR, kecamatan_id=kecamatan.id)
        case ["ok", role_value] if Role(role_value) in (Role.REGENCY_COORDINATOR, Role.ADMIN):
            await _create(update, context, Role(role_value))
        case _:
            raise ValueError(parts)


async def _ask_agency(update: Update, context: AppContext, page: int) -> None:
    query = update.callback_query
    assert query is not None
    agencies = await list_agencies(context.session)
    if not agencies:
        await query.edit_message_text(
            context.t("invite-no-agencies"),
            reply_markup=keyboard([], _button(context, "button-back", "home")),
        )
        return
    pages = max(1, -(-len(agencies) // AGENCIES_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = agencies[page * AGENCIES_PER_PAGE : (page + 1) * AGENCIES_PER_PAGE]
    rows = button_grid(
        [InlineKeyboardButton(a.label, callback_data=f"{PREFIX}a:{a.id}") for a in shown]
    )
    nav = page_nav(context, page, pages, lambda n: f"{PREFIX}r:staff:{n}")
    if nav:
        rows.append(nav)
    await query.edit_message_text(
        context.t("invite-choose-agency", page=page + 1, pages=pages),
        reply_markup=keyboard(rows, _button(context, "button-back", "home")),
    )


async def _ask_kecamatan(update: Update, context: AppContext) -> None:
    query = update.callback_query
    assert query is not None
    kecamatan = await list_kecamatan(context.session)
    if not kecamatan:
        await query.edit_message_text(
            context.t("invite-no-kecamatan"),
            reply_markup=keyboard([], _button(context, "button-back", "home")),
        )
        return
    rows = button_grid(
        [InlineKeyboardButton(k.name, callback_data=f"{PREFIX}k:{k.id}") for k in kecamatan]
    )
    await query.edit_message_text(
        context.t("invite-choose-kecamatan"),
        reply_markup=keyboard(rows, _button(context, "button-back", "home")),
    )


async def _create(
    update: Update,
    context: AppContext,
    role: Role,
    *,
    agency_id: int | None = None,
    kecamatan_id: int | None = None,
) -> None:
    """Stores the invitation, logs it, and sends the link with its QR code."""
    query = update.callback_query
    admin = context.user
    assert query is not None and admin is not None
    invitation, token = create_invitation(
        context.session,
        role=role,
        created_by=admin.telegram_id,
        valid_for=timedelta(days=context.settings.invitation_days),
        agency_id=agency_id,
        kecamatan_id=kecamatan_id,
    )
    await context.session.flush()
    await context.session.refresh(invitation, ["agency", "kecamatan"])
    audit.record(
        context.session,
        "invitation.created",
        actor=admin.telegram_id,
        target=f"invitation:{invitation.id}",
        role=role.value,
        agency_id=agency_id,
        kecamatan_id=kecamatan_id,
    )
    await context.session.commit()
    _LOG.info("admin %s invited a %s", admin.telegram_id, role.value)

    link = f"https://t.me/{context.bot.username}?start={token}"
    label = scope_label(
        context.app.translator, context.lang, role, invitation.agency, invitation.kecamatan
    )
    expires = long_date(invitation.expires_at.astimezone(context.settings.tz), context.lang)
    await query.answer()
    await query.edit_message_text(context.t("invite-created", scope=label))
    await query.get_bot().send_photo(
        chat_id=admin.telegram_id,
        photo=_qr_png(link),
        caption=context.t("invite-link", scope=label, link=link, expires=expires),
    )


def _qr_png(link: str) -> bytes:
    """A QR code big enough to print on an A4 sheet or scan from another phone's screen."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler(aliases("invite"), start_invitation),
        CallbackQueryHandler(on_button, pattern=f"^{PREFIX}"),
    ]
