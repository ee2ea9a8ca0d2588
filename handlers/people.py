"""/pengguna (/users): an admin lists people (by role, agency or kecamatan, or a typed
search), opens a card, deactivates, reactivates, and changes a person's role and scope.

As in /undang, the buttons' callback data carries the whole state ("usr:R:12:staff:3" =
make person 12 staff of agency 3; "usr:l:staff:k4:1" = the second page of the staff of
kecamatan 4), so nothing is kept between presses. Every press is checked again on the
server (admin, target and filter exist, the rules on admins) because callback data can be
forged, and every change is confirmed first and audited in the same commit. The search is
typed as a reply to the bot's "🔎👥" question, as /tugas asks for a date.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from core.context import AppContext
from core.i18n import Raw, date_time, short_date
from handlers.common import RepliesTo, admin_only, button_grid, keyboard, page_nav, scope_label
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
    last_reports_of,
    page_of_people,
    search_people,
)
from services.commands import aliases, sync_user_menu

_LOG = logging.getLogger(__name__)
PREFIX = "usr:"
PER_PAGE = 8
CHOICES_PER_PAGE = 10
_ALL = "all"
_ANYWHERE = "-"
# The typed search: at most this many characters, and this many people in the answer.
MAX_SEARCH = 50
SEARCH_LIMIT = 20
# The search question starts with this, in every language (see people-search-ask).
_ASKED = re.compile(r"^🔎👥 ")


def _button(context: AppContext, key: str, data: str, **args: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(context.t(key, **args), callback_data=f"{PREFIX}{data}")


@admin_only
async def start(update: Update, context: AppContext) -> None:
    """Lists everyone, a page at a time, with the filters and the search."""
    message = update.effective_message
    assert message is not None
    text, markup = await _list(context, None, _Where(), 0)
    await message.reply_text(text, reply_markup=markup)


@admin_only
async def on_button(update: Update, context: AppContext) -> None:
    """Any of /pengguna's buttons; one forged or gone stale is refused with an alert."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.removeprefix(PREFIX).split(":")
    try:
        await _dispatch(update, context, parts)
    except (ValueError, IndexError, LookupError):
        await query.answer(context.t("stale-button"), show_alert=True)


def _role_filter(value: str) -> Role | None:
    """The role a button names ("all": any); a forged one raises ValueError."""
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
        case ["l", role_value, where, page]:
            role = _role_filter(role_value)
            text, markup = await _list(context, role, await _where(context, where), int(page))
            await query.answer()
            await query.edit_message_text(text, reply_markup=markup)
        case ["l", role_value, page]:
            # A list sent before the agency and kecamatan filters existed.
            text, markup = await _list(context, _role_filter(role_value), _Where(), int(page))
            await query.answer()
            await query.edit_message_text(text, reply_markup=markup)
        case ["fa" | "fk" as kind, role_value, page]:
            text, markup = await _choose_where(context, kind[1], role_value, int(page))
            await query.answer()
            await query.edit_message_text(text, reply_markup=markup)
        case ["s"]:
            await _ask_search(update, context)
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


@dataclass(frozen=True)
class _Where:
    """Where the listed people work: everywhere, an agency's staff, or a kecamatan's people.
    In callback data: "-", "a<agency id>" or "k<kecamatan id>"."""

    token: str = _ANYWHERE
    agency_id: int | None = None
    kecamatan_id: int | None = None
    # Plain text is escaped where it is used; a translation (Raw) is HTML already.
    label: str | None = None


async def _where(context: AppContext, token: str) -> _Where:
    """The filter a button names, checked again: a forged or stale id raises LookupError."""
    if token == _ANYWHERE:
        return _Where()
    kind, number = token[:1], int(token[1:])
    if kind == "a":
        agency = await get_agency(context.session, number)
        if agency is None or not agency.active:
            raise LookupError(token)
        return _Where(f"a{agency.id}", agency_id=agency.id, label=agency.label)
    if kind == "k":
        kecamatan = await get_kecamatan(context.session, number)
        if kecamatan is None:
            raise LookupError(token)
        label = context.t("people-filter-kecamatan-label", kecamatan=kecamatan.name)
        return _Where(f"k{kecamatan.id}", kecamatan_id=kecamatan.id, label=label)
    raise ValueError(token)


def _person_button(context: AppContext, person: User) -> list[InlineKeyboardButton]:
    return [
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


async def _people_lines(context: AppContext, people: Sequence[User]) -> list[Raw]:
    """One line per person with the day of their last report (one query for the page)."""
    last = await last_reports_of(context.session, [p.id for p in people])
    tz = context.settings.tz
    return [
        context.t(
            "people-list-line",
            mark=context.t("people-list-mark", active="yes" if person.active else "no"),
            name=person.full_name,
            last=context.t(
                "people-list-last-report",
                date=short_date(last[person.id].astimezone(tz), context.lang),
            )
            if person.id in last
            else context.t("people-list-no-report"),
        )
        for person in people
    ]


async def _list(
    context: AppContext, role: Role | None, where: _Where, page: int
) -> tuple[Raw, InlineKeyboardMarkup]:
    if page < 0:
        raise ValueError(page)
    people, total = await page_of_people(
        context.session,
        role=role,
        offset=page * PER_PAGE,
        limit=PER_PAGE,
        agency_id=where.agency_id,
        kecamatan_id=where.kecamatan_id,
        today=context.today(),
    )
    pages = max(1, -(-total // PER_PAGE))
    if page >= pages:
        raise ValueError(page)
    role_value = role.value if role is not None else _ALL
    rows = [_person_button(context, person) for person in people]
    nav = page_nav(context, page, pages, lambda n: f"{PREFIX}l:{role_value}:{where.token}:{n}")
    if nav:
        rows.append(nav)
    # The role filters keep the agency or kecamatan chosen, and the other way round.
    filters = [_button(context, "people-filter-all", f"l:{_ALL}:{where.token}:0")] + [
        _button(context, f"role-{r.value}", f"l:{r.value}:{where.token}:0") for r in Role
    ]
    current = f"{PREFIX}l:{role_value}:{where.token}:0"
    rows.extend(button_grid([b for b in filters if b.callback_data != current]))
    rows.append(
        [
            _button(context, "people-filter-agency", f"fa:{role_value}:0"),
            _button(context, "people-filter-kecamatan", f"fk:{role_value}:0"),
        ]
    )
    tools = [_button(context, "people-button-search", "s")]
    if where.token != _ANYWHERE:
        tools.append(_button(context, "people-filter-anywhere", f"l:{role_value}:{_ANYWHERE}:0"))
    rows.append(tools)
    role_text = context.t(f"role-{role.value}") if role is not None else context.t("people-all")
    described = (
        context.t("people-filter-both", role=role_text, where=where.label)
        if where.label is not None
        else role_text
    )
    text = context.t("people-list", role=described, total=total, page=page + 1, pages=pages)
    lines = await _people_lines(context, people)
    return Raw("\n".join([text, *lines])), InlineKeyboardMarkup(rows)


async def _choose_where(
    context: AppContext, kind: str, role_value: str, page: int
) -> tuple[Raw, InlineKeyboardMarkup]:
    """The agencies ("a") or kecamatan ("k") to narrow the list to, a page at a time."""
    _role_filter(role_value)  # a forged role is refused here already
    choices: list[tuple[str, str]]
    if kind == "a":
        choices = [(f"a{a.id}", a.label) for a in await list_agencies(context.session)]
    else:
        choices = [(f"k{k.id}", k.name) for k in await list_kecamatan(context.session)]
    pages = max(1, -(-len(choices) // CHOICES_PER_PAGE))
    if not 0 <= page < pages:
        raise ValueError(page)
    shown = choices[page * CHOICES_PER_PAGE : (page + 1) * CHOICES_PER_PAGE]
    rows = button_grid(
        [
            InlineKeyboardButton(label, callback_data=f"{PREFIX}l:{role_value}:{token}:0")
            for token, label in shown
        ]
    )
    nav = page_nav(context, page, pages, lambda n: f"{PREFIX}f{kind}:{role_value}:{n}")
    if nav:
        rows.append(nav)
    key = "people-choose-filter-agency" if kind == "a" else "people-choose-filter-kecamatan"
    return context.t(key, page=page + 1, pages=pages), keyboard(
        rows, _button(context, "button-back", f"l:{role_value}:{_ANYWHERE}:0")
    )


# -- search ----------------------------------------------------------------------------------


def _clean_search(text: str) -> str:
    """The typed search without control characters, runs of spaces or a leading "@"."""
    printable = "".join(ch for ch in text if ch.isprintable())
    return " ".join(printable.split()).removeprefix("@").strip()


async def _ask_search(update: Update, context: AppContext) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    await query.answer()
    await query.get_bot().send_message(
        query.message.chat.id,
        context.t("people-search-ask", most=MAX_SEARCH),
        reply_markup=ForceReply(input_field_placeholder=context.t("people-search-placeholder")),
    )


@admin_only
async def on_search_reply(update: Update, context: AppContext) -> None:
    """The typed search: the matching people as card buttons (the question stays open)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    typed = _clean_search(message.text)
    if not typed:
        await message.reply_text(context.t("people-search-empty"))
        return
    if len(typed) > MAX_SEARCH:
        await message.reply_text(context.t("people-search-too-long", most=MAX_SEARCH))
        return
    # The results are one message, not pages: the search text (up to MAX_SEARCH characters
    # of anything) cannot ride in 64 bytes of callback data beside a page number, and
    # reading it back from a message's rendered text would tie the state to the wording.
    # A search narrows to a few people; more than SEARCH_LIMIT says so and asks for more.
    people, total = await search_people(context.session, typed, limit=SEARCH_LIMIT)
    if not people:
        await message.reply_text(context.t("people-search-none", text=typed))
        return
    text = context.t("people-search-found", text=typed, total=total)
    if total > len(people):
        text = Raw(
            "\n".join([text, context.t("people-search-more", shown=len(people), total=total)])
        )
    rows = [_person_button(context, person) for person in people]
    rows.append(
        [
            _button(context, "people-button-search-again", "s"),
            _button(context, "people-filter-all", f"l:{_ALL}:{_ANYWHERE}:0"),
        ]
    )
    await message.reply_text(
        Raw("\n".join([text, *await _people_lines(context, people)])),
        reply_markup=InlineKeyboardMarkup(rows),
    )


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
        reply_markup=keyboard(rows, _button(context, "button-back", f"l:{_ALL}:{_ANYWHERE}:0")),
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
        # Only once the change is stored: a deactivated person loses their own command
        # menu (Telegram falls back to a stranger's), a reactivated one gets it back. A
        # failure is logged and leaves menu_signature saying so; the menu refresh at
        # start-up tries again (jobs/menus.py).
        if await sync_user_menu(context.bot, context.app.translator, person, force=True):
            await context.session.commit()
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
        MessageHandler(
            filters.TEXT & ~filters.COMMAND & filters.REPLY & RepliesTo(_ASKED),
            on_search_reply,
        ),
    ]
