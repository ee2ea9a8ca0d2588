"""/tugas (/assign): an admin sees an agency's villages, assigns a village or ends an
assignment, with buttons: agency → kecamatan → village.

Stateless like /undang and /pengguna: the callback data carries the choice ("asg:N:4:17" =
assign village 17 to agency 4), each press is checked again on the server, and every change
is confirmed first and audited in the same commit. An assignment ends today, at the end of
this month (both worked out on the server), or on a typed date: the admin answers the bot's
question as a reply, whose "🗓 #<id>" names the assignment, so nothing waits in memory; the
typed date travels in the confirm button and is checked again there, like everything else.
"""

from __future__ import annotations

import calendar
import logging
import re
from datetime import date, datetime

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from core.context import AppContext
from core.i18n import Raw, long_date
from handlers.common import (
    RepliesTo,
    admin_only,
    button_grid,
    keyboard,
    page_nav,
    parse_date,
)
from models import audit
from models.agencies import (
    Agency,
    Assignment,
    assign_village,
    current_assignments,
    get_agency,
    get_assignment,
    list_agencies,
    villages_to_assign,
)
from models.regions import Village, get_kecamatan, list_kecamatan
from services.commands import aliases

_LOG = logging.getLogger(__name__)
PREFIX = "asg:"
AGENCIES_PER_PAGE = 10
# When an assignment ends: "t" today, "m" the last day of this month.
END_CHOICES = ("t", "m")
# The question for a typed date starts with this, in every language (see assign-ask-date).
_ASKED = re.compile(r"^🗓 #(\d+)\b")


def _button(context: AppContext, key: str, data: str, **args: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(context.t(key, **args), callback_data=f"{PREFIX}{data}")


@admin_only
async def start(update: Update, context: AppContext) -> None:
    message = update.effective_message
    assert message is not None
    text, markup = await _agencies(context, 0)
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


async def _agency(context: AppContext, agency_id: str) -> Agency:
    agency = await get_agency(context.session, int(agency_id))
    if agency is None or not agency.active:
        raise LookupError(agency_id)
    return agency


async def _village(context: AppContext, village_id: str) -> Village:
    village = await context.session.get(Village, int(village_id))
    if village is None:
        raise LookupError(village_id)
    return village


def _end_date(today: date, choice: str) -> date:
    if choice == "t":
        return today
    if choice == "m":
        return today.replace(day=calendar.monthrange(today.year, today.month)[1])
    raise ValueError(choice)


async def _edit(update: Update, text: str, markup: InlineKeyboardMarkup) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(text, reply_markup=markup)


async def _dispatch(update: Update, context: AppContext, parts: list[str]) -> None:
    today = context.today()
    match parts:
        case ["p", page]:
            await _edit(update, *await _agencies(context, int(page)))
        case ["a", agency_id]:
            await _edit(update, *await _overview(context, await _agency(context, agency_id)))
        case ["k", agency_id]:
            agency = await _agency(context, agency_id)
            rows = button_grid(
                [
                    InlineKeyboardButton(k.name, callback_data=f"{PREFIX}v:{agency.id}:{k.id}")
                    for k in await list_kecamatan(context.session)
                ]
            )
            await _edit(
                update,
                context.t("assign-choose-kecamatan", agency=agency.label),
                keyboard(rows, _button(context, "button-back", f"a:{agency.id}")),
            )
        case ["v", agency_id, kecamatan_id]:
            agency = await _agency(context, agency_id)
            kecamatan = await get_kecamatan(context.session, int(kecamatan_id))
            if kecamatan is None:
                raise LookupError(kecamatan_id)
            villages = await villages_to_assign(context.session, agency.id, kecamatan.id, today)
            rows = button_grid(
                [
                    InlineKeyboardButton(v.name, callback_data=f"{PREFIX}n:{agency.id}:{v.id}")
                    for v in villages
                ]
            )
            key = "assign-choose-village" if villages else "assign-no-village-left"
            await _edit(
                update,
                context.t(key, agency=agency.label, kecamatan=kecamatan.name),
                keyboard(rows, _button(context, "button-back", f"k:{agency.id}")),
            )
        case ["n", agency_id, village_id]:
            agency = await _agency(context, agency_id)
            village = await _village(context, village_id)
            await _edit(
                update,
                context.t(
                    "assign-confirm-add",
                    agency=agency.label,
                    village=village.name,
                    kecamatan=village.kecamatan.name,
                    date=long_date(today, context.lang),
                ),
                keyboard(
                    [[_button(context, "button-confirm", f"N:{agency.id}:{village.id}")]],
                    _button(context, "button-back", f"a:{agency.id}"),
                ),
            )
        case ["N", agency_id, village_id]:
            await _add(update, context, await _agency(context, agency_id), village_id, today)
        case ["e", assignment_id]:
            assignment = await get_assignment(context.session, int(assignment_id))
            if assignment is None:
                raise LookupError(assignment_id)
            rows = [
                [
                    _button(
                        context,
                        f"assign-end-{choice}",
                        f"E:{assignment.id}:{choice}",
                        date=long_date(_end_date(today, choice), context.lang),
                    )
                ]
                for choice in END_CHOICES
            ]
            rows.append([_button(context, "assign-end-typed", f"T:{assignment.id}")])
            await _edit(
                update,
                context.t(
                    "assign-confirm-end",
                    agency=assignment.agency.label,
                    village=assignment.village.name,
                ),
                keyboard(rows, _button(context, "button-back", f"a:{assignment.agency_id}")),
            )
        case ["E", assignment_id, choice]:
            await _end(update, context, assignment_id, _end_date(today, choice), today)
        case ["T", assignment_id]:
            assignment = await _running(context, assignment_id, today, today)
            query = update.callback_query
            assert query is not None and query.message is not None
            await query.answer()
            await query.get_bot().send_message(
                query.message.chat.id,
                context.t(
                    "assign-ask-date",
                    id=assignment.id,
                    agency=assignment.agency.label,
                    village=assignment.village.name,
                ),
                reply_markup=ForceReply(
                    input_field_placeholder=context.t("assign-date-placeholder")
                ),
            )
        case ["X", assignment_id, typed]:
            ends_on = datetime.strptime(typed, "%Y%m%d").date()
            await _end(update, context, assignment_id, ends_on, today)
        case _:
            raise ValueError(parts)


async def _agencies(context: AppContext, page: int) -> tuple[Raw, InlineKeyboardMarkup]:
    agencies = await list_agencies(context.session)
    pages = max(1, -(-len(agencies) // AGENCIES_PER_PAGE))
    if not 0 <= page < pages:
        raise ValueError(page)
    shown = agencies[page * AGENCIES_PER_PAGE : (page + 1) * AGENCIES_PER_PAGE]
    rows = button_grid(
        [InlineKeyboardButton(a.label, callback_data=f"{PREFIX}a:{a.id}") for a in shown]
    )
    nav = page_nav(context, page, pages, lambda n: f"{PREFIX}p:{n}")
    if nav:
        rows.append(nav)
    key = "assign-choose-agency" if agencies else "invite-no-agencies"
    return context.t(key, page=page + 1, pages=pages), InlineKeyboardMarkup(rows)


async def _overview(context: AppContext, agency: Agency) -> tuple[Raw, InlineKeyboardMarkup]:
    """The agency's running assignments, each with a button to end it, and one to add."""
    running = await current_assignments(context.session, agency.id, context.today())
    lines = [
        context.t(
            "assign-line" if a.ends_on is None else "assign-line-ending",
            village=a.village.name,
            kecamatan=a.village.kecamatan.name,
            until=long_date(a.ends_on, context.lang) if a.ends_on is not None else "",
        )
        for a in running
    ]
    text = context.t(
        "assign-overview" if running else "assign-overview-empty",
        agency=agency.label,
        lines=Raw("\n".join(lines)),
    )
    ends = [
        _button(context, "assign-button-end", f"e:{a.id}", village=a.village.name)
        for a in running
        if a.ends_on is None
    ]
    rows = [*button_grid(ends), [_button(context, "assign-button-add", f"k:{agency.id}")]]
    return text, keyboard(rows, _button(context, "button-back", "p:0"))


async def _add(
    update: Update, context: AppContext, agency: Agency, village_id: str, today: date
) -> None:
    me = context.user
    assert me is not None
    village = await _village(context, village_id)
    assignment = await assign_village(context.session, agency.id, village.id, today)
    await context.session.flush()
    audit.record(
        context.session,
        "assignment.added",
        actor=me.telegram_id,
        target=f"assignment:{assignment.id}",
        agency_id=agency.id,
        village_id=village.id,
        starts_on=today.isoformat(),
    )
    await context.session.commit()
    _LOG.info("admin %s assigned village %s to agency %s", me.telegram_id, village.id, agency.id)
    await _edit(update, *await _overview(context, agency))


async def _running(
    context: AppContext, assignment_id: str | int, ends_on: date, today: date
) -> Assignment:
    """A running assignment that may end on `ends_on`: not in the past, not before it
    started. Anything else (forged, stale) raises LookupError."""
    assignment = await get_assignment(context.session, int(assignment_id))
    if (
        assignment is None
        or ends_on < today
        or (assignment.ends_on is not None and assignment.ends_on < today)
        or (assignment.starts_on is not None and assignment.starts_on > ends_on)
    ):
        raise LookupError(assignment_id)
    return assignment


@admin_only
async def on_date_reply(update: Update, context: AppContext) -> None:
    """The typed end date: read, checked, then confirmed with a button (nothing changes yet)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    assert message.reply_to_message is not None and message.reply_to_message.text is not None
    asked = _ASKED.match(message.reply_to_message.text)
    assert asked is not None
    today = context.today()
    ends_on = parse_date(message.text)
    if ends_on is None:
        # The question stays open: another reply to it is read the same way.
        await message.reply_text(context.t("assign-bad-date"))
        return
    try:
        assignment = await _running(context, asked.group(1), ends_on, today)
    except LookupError:
        await message.reply_text(
            context.t("assign-date-out-of-range", today=long_date(today, context.lang))
        )
        return
    await message.reply_text(
        context.t(
            "assign-confirm-end-on",
            agency=assignment.agency.label,
            village=assignment.village.name,
            date=long_date(ends_on, context.lang),
        ),
        reply_markup=keyboard(
            [
                [
                    _button(
                        context,
                        "button-confirm",
                        f"X:{assignment.id}:{ends_on.strftime('%Y%m%d')}",
                    )
                ]
            ],
            _button(context, "button-back", f"a:{assignment.agency_id}"),
        ),
    )


async def _end(
    update: Update, context: AppContext, assignment_id: str, ends_on: date, today: date
) -> None:
    me = context.user
    assert me is not None
    assignment = await _running(context, assignment_id, ends_on, today)
    assignment.ends_on = ends_on
    audit.record(
        context.session,
        "assignment.ended",
        actor=me.telegram_id,
        target=f"assignment:{assignment.id}",
        agency_id=assignment.agency_id,
        village_id=assignment.village_id,
        ends_on=ends_on.isoformat(),
    )
    await context.session.commit()
    _LOG.info("admin %s ended assignment %s on %s", me.telegram_id, assignment.id, ends_on)
    await _edit(update, *await _overview(context, assignment.agency))


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler(aliases("assign"), start),
        CallbackQueryHandler(on_button, pattern=f"^{PREFIX}"),
        MessageHandler(
            filters.TEXT & ~filters.COMMAND & filters.REPLY & RepliesTo(_ASKED),
            on_date_reply,
        ),
    ]
