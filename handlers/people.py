"""/pengguna (/users): an admin lists people, opens a card, deactivates, reactivates, and
changes a person's role and scope.

As in /undang, the buttons' callback data carries the whole state ("usr:R:12:staff:3" =
make person 12 staff of agency 3), so nothing is kept between presses. Every press is
checked again on the server (admin, target exists, the rules on admins) because callback
data can be forged, and every change is confirmed first and audited in the same commit.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from core.context import AppContext
from core.i18n import Raw, date_time
from handlers.common import admin_only, button_grid, keyboard, scope_label
from models import audit
from models.agencies import get_agency, list_agencies
from models.regions import get_kecamatan, list_kecamatan
from models.users import (
    Role,
    User,
    active_admin_count,
    get_person,
    get_user,
    invitation_used_by,
    last_report_of,
    page_of_people,
)
from services.commands import aliases, sync_user_menu

_LOG = logging.getLogger(__name__)
PREFIX = "usr:"
PER_PAGE = 8
_ALL = "all"


def _button(context: AppContext, key: str, data: str, **args: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(context.t(key, **args), callback_data=f"{PREFIX}{data}")


@admin_only
async def start(update: Update, context: AppContext) -> None:
    message = update.effective_message
    assert message is not None
    text, markup = await _list(context, None, 0)
    await message.reply_text(text, reply_markup=markup)


@admin_only
async def on_button(update: Update, context: AppContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.removeprefix(PREFIX).split(":")
    try:
        await _dispatch(update, context, parts)
    except (ValueError, IndexError, LookupError):
        await query.answer(context.t("stale-button"), show_alert=True)


def _role_filter(value: str) -> Role | None:
    return None if value == _ALL else Role(value)


async def _target(context: AppContext, user_id: str) -> User:
    person = await get_person(context.session, int(user_id))
    if person is None:
        raise LookupError(user_id)
    return person


async def _dispatch(update: Update, context: AppContext, parts: list[str]) -> None:
    query = update.callback_query
    assert query is not None
    match parts:
        case ["l", role_value, page]:
            text, markup = await _list(context, _role_filter(role_value), int(page))
            await query.answer()
            await query.edit_message_text(text, reply_markup=markup)
        case ["c", user_id]:
            person = await _target(context, user_id)
            await query.answer()
            await _show_card(update, context, person)
        case ["d", user_id]:
            await _ask(
                update, context, await _target(context, user_id), "deactivate", f"D:{user_id}"
            )
        case ["a", user_id]:
            await _ask(
                update, context, await _target(context, user_id), "reactivate", f"A:{user_id}"
            )
        case ["D", user_id]:
            await _set_active(update, context, await _target(context, user_id), active=False)
        case ["A", user_id]:
            await _set_active(update, context, await _target(context, user_id), active=True)
        case ["r", user_id]:
            await _ask_role(update, context, await _target(context, user_id))
        case ["s", user_id, role_value]:
            await _ask_scope(update, context, await _target(context, user_id), Role(role_value))
        case ["q", user_id, role_value, scope_id]:
            person = await _target(context, user_id)
            role = Role(role_value)
            await _check_scope(context, role, int(scope_id))
            await _ask(
                update,
                context,
                person,
                "change-role",
                f"R:{user_id}:{role.value}:{int(scope_id)}",
                new_role=role,
                new_scope=await _scope_text(context, role, int(scope_id)),
            )
        case ["R", user_id, role_value, scope_id]:
            role = Role(role_value)
            await _check_scope(context, role, int(scope_id))
            await _change_role(
                update, context, await _target(context, user_id), role, int(scope_id)
            )
        case _:
            raise ValueError(parts)


# -- listing ---------------------------------------------------------------------------------


async def _list(
    context: AppContext, role: Role | None, page: int
) -> tuple[Raw, InlineKeyboardMarkup]:
    if page < 0:
        raise ValueError(page)
    people, total = await page_of_people(
        context.session, role=role, offset=page * PER_PAGE, limit=PER_PAGE
    )
    pages = max(1, -(-total // PER_PAGE))
    if page >= pages:
        raise ValueError(page)
    role_value = role.value if role is not None else _ALL
    rows = [
        [
            InlineKeyboardButton(
                # Button labels are plain text, not HTML: the name goes in unescaped.
                " ".join(
                    (
                        context.t("people-list-mark", active="yes" if person.active else "no"),
                        person.full_name,
                        "·",
                        context.t(f"role-{person.role.value}"),
                    )
                ),
                callback_data=f"{PREFIX}c:{person.id}",
            )
        ]
        for person in people
    ]
    nav = []
    if page > 0:
        nav.append(_button(context, "button-previous", f"l:{role_value}:{page - 1}"))
    if page < pages - 1:
        nav.append(_button(context, "button-next", f"l:{role_value}:{page + 1}"))
    if nav:
        rows.append(nav)
    filters = [_button(context, "people-filter-all", f"l:{_ALL}:0")] + [
        _button(context, f"role-{r.value}", f"l:{r.value}:0") for r in Role if r is not role
    ]
    rows.extend(
        button_grid([b for b in filters if b.callback_data != f"{PREFIX}l:{role_value}:0"])
    )
    role_text = context.t(f"role-{role.value}") if role is not None else context.t("people-all")
    text = context.t("people-list", role=role_text, total=total, page=page + 1, pages=pages)
    return text, InlineKeyboardMarkup(rows)


# -- a person's card -------------------------------------------------------------------------


async def _card_text(context: AppContext, person: User) -> Raw:
    tz = context.settings.tz
    invitation = await invitation_used_by(context.session, person.id)
    if invitation is not None:
        inviter = await get_user(context.session, invitation.created_by_telegram_id)
        invited = context.t(
            "people-card-invited",
            by=inviter.full_name
            if inviter is not None
            else str(invitation.created_by_telegram_id),
            when=date_time(invitation.used_at or invitation.created_at, context.lang, tz),
        )
    else:
        invited = context.t("people-card-not-invited")
    last = await last_report_of(context.session, person.id)
    last_text = (
        context.t(
            "people-card-last-report",
            reference=last[0],
            when=date_time(last[1], context.lang, tz),
        )
        if last is not None
        else context.t("people-card-no-report")
    )
    return context.t(
        "people-card",
        name=person.full_name,
        # Telegram usernames never read "none" (at least 5 characters).
        username=person.username or "none",
        scope=scope_label(
            context.app.translator, context.lang, person.role, person.agency, person.kecamatan
        ),
        language=context.t(f"people-language-{person.language}"),
        active="yes" if person.active else "no",
        invited=invited,
        last_report=last_text,
    )


async def _show_card(update: Update, context: AppContext, person: User) -> None:
    query = update.callback_query
    assert query is not None
    toggle = (
        _button(context, "people-button-deactivate", f"d:{person.id}")
        if person.active
        else _button(context, "people-button-reactivate", f"a:{person.id}")
    )
    rows = [[toggle], [_button(context, "people-button-role", f"r:{person.id}")]]
    await query.edit_message_text(
        await _card_text(context, person),
        reply_markup=keyboard(rows, _button(context, "button-back", f"l:{_ALL}:0")),
    )


# -- the rules on admins ---------------------------------------------------------------------


async def _refusal(
    context: AppContext, person: User, *, deactivate: bool = False, new_role: Role | None = None
) -> str | None:
    """The message key saying why this change may not happen, or None when it may."""
    me = context.user
    assert me is not None
    loses_admin = person.is_admin and (
        deactivate or (new_role is not None and new_role is not Role.ADMIN)
    )
    if person.id == me.id and deactivate:
        return "people-refused-self-deactivate"
    if person.id == me.id and loses_admin:
        return "people-refused-own-admin"
    if loses_admin and person.active and await active_admin_count(context.session) <= 1:
        return "people-refused-last-admin"
    return None


async def _ask(
    update: Update,
    context: AppContext,
    person: User,
    what: str,
    confirm_data: str,
    *,
    new_role: Role | None = None,
    new_scope: Raw | None = None,
) -> None:
    """Shows what is about to happen with a confirm button, unless the rules forbid it."""
    query = update.callback_query
    assert query is not None
    refusal = await _refusal(context, person, deactivate=what == "deactivate", new_role=new_role)
    if refusal is not None:
        await query.answer(context.t(refusal), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(
        context.t(
            f"people-confirm-{what}",
            name=person.full_name,
            role=context.t(f"role-{new_role.value}") if new_role is not None else "",
            scope=new_scope or "",
        ),
        reply_markup=keyboard(
            [[_button(context, "button-confirm", confirm_data)]],
            _button(context, "button-back", f"c:{person.id}"),
        ),
    )


async def _set_active(update: Update, context: AppContext, person: User, *, active: bool) -> None:
    query = update.callback_query
    me = context.user
    assert query is not None and me is not None
    refusal = await _refusal(context, person, deactivate=not active)
    if refusal is not None:
        await query.answer(context.t(refusal), show_alert=True)
        return
    if person.active != active:
        person.active = active
        audit.record(
            context.session,
            "user.reactivated" if active else "user.deactivated",
            actor=me.telegram_id,
            target=str(person.telegram_id),
        )
        await context.session.commit()
        _LOG.info("admin %s set %s active=%s", me.telegram_id, person.telegram_id, active)
    await query.answer(context.t("people-done-reactivate" if active else "people-done-deactivate"))
    await _show_card(update, context, person)


# -- role and scope --------------------------------------------------------------------------


async def _ask_role(update: Update, context: AppContext, person: User) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    rows = [[_button(context, f"role-{r.value}", f"s:{person.id}:{r.value}")] for r in Role]
    await query.edit_message_text(
        context.t("people-choose-role", name=person.full_name),
        reply_markup=keyboard(rows, _button(context, "button-back", f"c:{person.id}")),
    )


async def _ask_scope(update: Update, context: AppContext, person: User, role: Role) -> None:
    query = update.callback_query
    assert query is not None
    if role is Role.STAFF:
        choices = [(a.id, a.label) for a in await list_agencies(context.session)]
        key = "people-choose-agency"
    elif role is Role.KECAMATAN_COORDINATOR:
        choices = [(k.id, k.name) for k in await list_kecamatan(context.session)]
        key = "people-choose-kecamatan"
    else:
        # No scope to choose: straight to the confirmation.
        await _dispatch(update, context, ["q", str(person.id), role.value, "0"])
        return
    await query.answer()
    rows = button_grid(
        [
            InlineKeyboardButton(label, callback_data=f"{PREFIX}q:{person.id}:{role.value}:{i}")
            for i, label in choices
        ]
    )
    await query.edit_message_text(
        context.t(key, name=person.full_name),
        reply_markup=keyboard(rows, _button(context, "button-back", f"r:{person.id}")),
    )


async def _check_scope(context: AppContext, role: Role, scope_id: int) -> None:
    """A forged scope (missing agency, scope on a role that has none) is refused."""
    if role is Role.STAFF:
        agency = await get_agency(context.session, scope_id)
        if agency is None or not agency.active:
            raise LookupError(scope_id)
    elif role is Role.KECAMATAN_COORDINATOR:
        if await get_kecamatan(context.session, scope_id) is None:
            raise LookupError(scope_id)
    elif scope_id != 0:
        raise ValueError(scope_id)


async def _scope_text(context: AppContext, role: Role, scope_id: int) -> Raw:
    agency = await get_agency(context.session, scope_id) if role is Role.STAFF else None
    kecamatan = (
        await get_kecamatan(context.session, scope_id)
        if role is Role.KECAMATAN_COORDINATOR
        else None
    )
    return scope_label(context.app.translator, context.lang, role, agency, kecamatan)


async def _change_role(
    update: Update, context: AppContext, person: User, role: Role, scope_id: int
) -> None:
    query = update.callback_query
    me = context.user
    assert query is not None and me is not None
    refusal = await _refusal(context, person, new_role=role)
    if refusal is not None:
        await query.answer(context.t(refusal), show_alert=True)
        return
    before = {
        "role": person.role.value,
        "agency_id": person.agency_id,
        "kecamatan_id": person.kecamatan_id,
    }
    person.role = role
    person.agency_id = scope_id if role is Role.STAFF else None
    person.kecamatan_id = scope_id if role is Role.KECAMATAN_COORDINATOR else None
    audit.record(
        context.session,
        "user.role_changed",
        actor=me.telegram_id,
        target=str(person.telegram_id),
        before=before,
        role=role.value,
        agency_id=person.agency_id,
        kecamatan_id=person.kecamatan_id,
    )
    await context.session.commit()
    await context.session.refresh(person, ["agency", "kecamatan"])
    _LOG.info("admin %s made %s %s", me.telegram_id, person.telegram_id, role.value)
    # The person's command menu follows their new role at once.
    if await sync_user_menu(context.bot, context.app.translator, person):
        await context.session.commit()
    await query.answer(context.t("people-done-role"))
    await _show_card(update, context, person)


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler(aliases("users"), start),
        CallbackQueryHandler(on_button, pattern=f"^{PREFIX}"),
    ]
