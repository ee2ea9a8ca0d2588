"""/ekspor (/export): the reports of a period as XLSX, CSV, GeoJSON or photo ZIPs, with
filters.

Admins and regency coordinators export the whole regency or one kecamatan; kecamatan
coordinators only their own kecamatan. Agencies are regency-wide, so anyone allowed to
export may narrow to any agency, but a kecamatan coordinator's export stays inside their
kecamatan whatever the agency.

The flow, built for a phone: a period (this month, last month, this year, or two typed
dates), then one screen that sums up the filters with buttons to change the kecamatan, the
agency, the strategy or the review status (each a short or paged list with "all"), and the
format buttons that make the file.

Stateless: every button carries the whole choice, compactly (`ex:s:20261101:20261130:3:0:2:0`
= the filters screen for 1-30 November, kecamatan id 3, every agency, strategy 2, every
review status; 0 always means "all"; strategies and review statuses by their place in
their enums, 1-based), so nothing is held between taps and a restart loses nothing. Every
tap is checked again against the person's role and scope: a forged button could claim
anything. Typed dates answer a question whose text starts with "📤🗓 #k.a.s.r" (the filters
chosen so far), read with handlers.common.RepliesTo; the dates then travel in the buttons.

A period is at most MAX_DAYS long and starts no later than today: the bot builds an export in
memory, and the programme itself runs two years; longer spans are for `dampingan export`.

The files are written in a worker thread: the bot keeps answering other chats meanwhile.
"""

from __future__ import annotations

import asyncio
import calendar
import logging
import re
import shutil
import tempfile
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from core.context import AppContext
from core.i18n import Raw, short_date
from handlers.common import RepliesTo, button_grid, page_nav, parse_date
from models import audit
from models.activities import Strategy
from models.agencies import Agency, get_agency, list_agencies
from models.exports import ExportFilter
from models.regions import get_kecamatan, list_kecamatan
from models.reports import ReviewStatus
from models.users import Role, User
from services.commands import aliases
from services.exports import PART_LIMIT, ExportFormat, load_export, render, write_photo_zips

_LOG = logging.getLogger(__name__)

PREFIX = "ex:"
PERIODS = ("this_month", "last_month", "this_year")
ALLOWED = (Role.KECAMATAN_COORDINATOR, Role.REGENCY_COORDINATOR, Role.ADMIN)
STRATEGIES = tuple(Strategy)
REVIEW_STATUSES = tuple(ReviewStatus)
# The longest period, in days counted inclusively: two calendar years, a leap day included.
MAX_DAYS = 731
# Buttons per page of the kecamatan and agency lists (two a row on a phone).
PER_PAGE = 12
# Telegram's limit on a button's data.
MAX_DATA = 64
# The longest typed answer read (two dates and a word between them).
MAX_TYPED = 80
_SUFFIX = {
    ExportFormat.XLSX: "xlsx",
    ExportFormat.CSV: "csv",
    ExportFormat.GEOJSON: "geojson",
}
# Marks the current choice in a list (a sign, not a sentence).
_SELECTED = "✅ "
# How often the photo ZIP's progress message is edited (seconds).
PROGRESS_EVERY = 1.0

# The typed-dates question starts with this in every language (see export-ask-dates): the
# filters chosen so far, as kecamatan.agency.strategy.review.
_ASKED = re.compile(r"^📤🗓 #(\d{1,9})\.(\d{1,9})\.(\d)\.(\d)(?!\d)")
_DATE_TOKEN = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")
# What may stand between the two typed dates: spaces or line breaks, a dash, "s.d.",
# "s/d", "sampai", "hingga", "to", "until".
_BETWEEN = re.compile(
    r"\s*(?:[-\u2013\u2014]|s\.?\s?d\.?|s/d|sampai|hingga|to|until)?\s*", re.IGNORECASE
)


class Refused(Exception):
    """A choice the person may not make; `key` is the message saying why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Choice:
    """What an export will cover; 0 and None mean "all"."""

    start: date
    end: date
    kecamatan: int = 0
    agency: int = 0
    strategy: Strategy | None = None
    review: ReviewStatus | None = None

    def filters_data(self) -> str:
        strategy = STRATEGIES.index(self.strategy) + 1 if self.strategy else 0
        review = REVIEW_STATUSES.index(self.review) + 1 if self.review else 0
        return f"{self.kecamatan}:{self.agency}:{strategy}:{review}"

    def data(self) -> str:
        return f"{self.start:%Y%m%d}:{self.end:%Y%m%d}:{self.filters_data()}"

    def export_filter(self) -> ExportFilter:
        return ExportFilter(
            self.start,
            self.end,
            kecamatan_id=self.kecamatan or None,
            agency_id=self.agency or None,
            strategy=self.strategy,
            review_status=self.review,
        )


def _data(*parts: object) -> str:
    data = PREFIX + ":".join(str(part) for part in parts)
    # Ids are small numbers; this holds for any id below a billion.
    assert len(data.encode()) <= MAX_DATA, data
    return data


def _number(text: str, limit: int | None = None) -> int:
    if not text.isdigit() or len(text) > 9:
        raise ValueError(text)
    value = int(text)
    if limit is not None and value > limit:
        raise ValueError(text)
    return value


def _day(text: str) -> date:
    if len(text) != 8 or not text.isdigit():
        raise ValueError(text)
    return datetime.strptime(text, "%Y%m%d").date()


def _filters(parts: list[str], start: date, end: date) -> Choice:
    """A Choice from the four filter fields (kecamatan, agency, strategy, review); raises
    ValueError on anything malformed."""
    if len(parts) != 4:
        raise ValueError(parts)
    kecamatan, agency = _number(parts[0]), _number(parts[1])
    strategy = _number(parts[2], len(STRATEGIES))
    review = _number(parts[3], len(REVIEW_STATUSES))
    return Choice(
        start,
        end,
        kecamatan,
        agency,
        STRATEGIES[strategy - 1] if strategy else None,
        REVIEW_STATUSES[review - 1] if review else None,
    )


def period_for(choice: str, today: date) -> tuple[date, date]:
    if choice == "this_month":
        start = today.replace(day=1)
    elif choice == "last_month":
        start = (today.replace(day=1) - date.resolution).replace(day=1)
    elif choice == "this_year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    else:
        raise ValueError(choice)
    return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])


def period_problem(start: date, end: date, today: date) -> str | None:
    """Why a period cannot be exported (a message key), or None if it can."""
    if end < start:
        return "export-dates-reversed"
    if start > today:
        return "export-dates-future"
    if (end - start).days + 1 > MAX_DAYS:
        return "export-dates-too-long"
    return None


def two_dates(text: str) -> tuple[date, date] | None:
    """The two dates of a typed answer ("1-1-2026 31-3-2026", one a line, or with "s.d."
    between them), in the order typed; None if it is not that."""
    if len(text) > MAX_TYPED:
        return None
    tokens = list(_DATE_TOKEN.finditer(text))
    if len(tokens) != 2:
        return None
    first, second = tokens
    if text[: first.start()].strip() or text[second.end() :].strip():
        return None
    if not _BETWEEN.fullmatch(text[first.end() : second.start()]):
        return None
    start, end = parse_date(first.group()), parse_date(second.group())
    if start is None or end is None:
        return None
    return start, end


def _limited(user: User) -> bool:
    """Whether the person may export only their own kecamatan."""
    return user.role is Role.KECAMATAN_COORDINATOR


def _defaults(user: User, start: date, end: date) -> Choice:
    return Choice(start, end, kecamatan=(user.kecamatan_id or 0) if _limited(user) else 0)


async def _check(context: AppContext, user: User, choice: Choice) -> None:
    """Raises Refused unless `user` may export `choice` (checked on every tap and answer)."""
    if _limited(user):
        if user.kecamatan_id is None or choice.kecamatan != user.kecamatan_id:
            raise Refused("export-out-of-scope")
    elif choice.kecamatan and await get_kecamatan(context.session, choice.kecamatan) is None:
        raise Refused("export-bad-choice")
    if choice.agency and await get_agency(context.session, choice.agency) is None:
        raise Refused("export-bad-choice")


# -- the screens ---------------------------------------------------------------------------


def _period_keyboard(context: AppContext, choice: Choice) -> InlineKeyboardMarkup:
    """The period buttons; `choice` brings the filters chosen so far."""
    today = context.today()
    rows = []
    for period in PERIODS:
        start, end = period_for(period, today)
        picked = replace(choice, start=start, end=end)
        rows.append(
            [
                InlineKeyboardButton(
                    context.t(f"export-period-{period}"), callback_data=_data("s", picked.data())
                )
            ]
        )
    rows.append(
        [
            InlineKeyboardButton(
                context.t("export-period-typed"), callback_data=_data("d", choice.filters_data())
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


async def _summary(
    context: AppContext, user: User, choice: Choice
) -> tuple[Raw, InlineKeyboardMarkup]:
    """The filters screen: the choices so far, buttons to change each, and the formats."""
    every = context.t("export-filter-all")
    kecamatan: str = context.t("export-all-kecamatan")
    if choice.kecamatan:
        found = await get_kecamatan(context.session, choice.kecamatan)
        kecamatan = found.name if found else str(choice.kecamatan)
    agency: str = every
    if choice.agency:
        found_agency = await get_agency(context.session, choice.agency)
        agency = found_agency.label if found_agency else str(choice.agency)
    text = context.t(
        "export-filters",
        period=_span(context, choice),
        kecamatan=kecamatan,
        agency=agency,
        strategy=context.t(f"strategy-short-{choice.strategy.value}")
        if choice.strategy
        else every,
        review=context.t(f"digest-xlsx-review-{choice.review.value}") if choice.review else every,
    )
    state = choice.data()
    change = [
        InlineKeyboardButton(
            context.t("export-change-period"), callback_data=_data("P", choice.filters_data())
        )
    ]
    if not _limited(user):
        change.append(
            InlineKeyboardButton(
                context.t("export-change-kecamatan"), callback_data=_data("K", state, 0)
            )
        )
    change += [
        InlineKeyboardButton(
            context.t("export-change-agency"), callback_data=_data("A", state, 0)
        ),
        InlineKeyboardButton(context.t("export-change-strategy"), callback_data=_data("S", state)),
        InlineKeyboardButton(context.t("export-change-review"), callback_data=_data("R", state)),
    ]
    formats = [
        InlineKeyboardButton(
            context.t(f"export-format-{fmt.value}"), callback_data=_data("f", state, fmt.value)
        )
        for fmt in ExportFormat
    ]
    return text, InlineKeyboardMarkup([*button_grid(change), *button_grid(formats)])


def _span(context: AppContext, choice: Choice) -> str:
    lang = context.lang
    return context.t(
        "export-span", start=short_date(choice.start, lang), end=short_date(choice.end, lang)
    )


def _option(label: str, selected: bool, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(f"{_SELECTED}{label}" if selected else label, callback_data=data)


def _paged(
    context: AppContext,
    choice: Choice,
    step: str,
    page: int,
    everything: tuple[str, bool, Choice],
    options: list[tuple[str, bool, Choice]],
) -> InlineKeyboardMarkup:
    """One page of a long list (kecamatan, agencies): "all" (its label's key, whether
    chosen, the choice it makes) first, the options (label, whether chosen, the choice it
    makes), previous / next, and back to the filters as they were."""
    pages = max(1, -(-len(options) // PER_PAGE))
    if not 0 <= page < pages:
        raise ValueError(page)
    all_key, all_chosen, all_choice = everything
    shown = [
        _option(label, selected, _data("s", then.data()))
        for label, selected, then in options[page * PER_PAGE : (page + 1) * PER_PAGE]
    ]
    rows = [
        [_option(context.t(all_key), all_chosen, _data("s", all_choice.data()))],
        *button_grid(shown),
    ]
    nav = page_nav(context, page, pages, lambda n: _data(step, choice.data(), n))
    if nav:
        rows.append(nav)
    rows.append(
        [InlineKeyboardButton(context.t("button-back"), callback_data=_data("s", choice.data()))]
    )
    return InlineKeyboardMarkup(rows)


async def _kecamatan_list(
    context: AppContext, user: User, choice: Choice, page: int
) -> tuple[Raw, InlineKeyboardMarkup]:
    if _limited(user):
        raise Refused("export-out-of-scope")
    every = sorted(await list_kecamatan(context.session), key=lambda k: k.name)
    options = [(k.name, k.id == choice.kecamatan, replace(choice, kecamatan=k.id)) for k in every]
    everything = ("export-all-kecamatan", not choice.kecamatan, replace(choice, kecamatan=0))
    return context.t("export-choose-kecamatan"), _paged(
        context, choice, "K", page, everything, options
    )


async def _agency_list(
    context: AppContext, choice: Choice, page: int
) -> tuple[Raw, InlineKeyboardMarkup]:
    agencies: list[Agency] = list(await list_agencies(context.session))
    options = [(a.label, a.id == choice.agency, replace(choice, agency=a.id)) for a in agencies]
    everything = ("export-all-agencies", not choice.agency, replace(choice, agency=0))
    return context.t("export-choose-agency"), _paged(
        context, choice, "A", page, everything, options
    )


def _short_list(
    context: AppContext,
    choice: Choice,
    title: str,
    everything: tuple[str, Choice],
    options: list[tuple[str, bool, Choice]],
) -> tuple[Raw, InlineKeyboardMarkup]:
    """A list that fits one screen (strategies, review statuses): "all" (its label's key and
    the choice it makes), the options (label, whether chosen, the choice it makes), back to
    the filters as they were."""
    none_chosen = not any(selected for _, selected, _ in options)
    rows = [[_option(context.t(everything[0]), none_chosen, _data("s", everything[1].data()))]]
    rows += [
        [_option(label, selected, _data("s", then.data()))] for label, selected, then in options
    ]
    rows.append(
        [InlineKeyboardButton(context.t("button-back"), callback_data=_data("s", choice.data()))]
    )
    return context.t(title), InlineKeyboardMarkup(rows)


def _strategy_list(context: AppContext, choice: Choice) -> tuple[Raw, InlineKeyboardMarkup]:
    options = [
        (str(context.t(f"strategy-{s.value}")), s is choice.strategy, replace(choice, strategy=s))
        for s in STRATEGIES
    ]
    everything = ("export-all-strategies", replace(choice, strategy=None))
    return _short_list(context, choice, "export-choose-strategy", everything, options)


def _review_list(context: AppContext, choice: Choice) -> tuple[Raw, InlineKeyboardMarkup]:
    options = [
        (
            str(context.t(f"digest-xlsx-review-{r.value}")),
            r is choice.review,
            replace(choice, review=r),
        )
        for r in REVIEW_STATUSES
    ]
    everything = ("export-all-review", replace(choice, review=None))
    return _short_list(context, choice, "export-choose-review", everything, options)


# -- the handlers --------------------------------------------------------------------------


async def ask_period(update: Update, context: AppContext) -> None:
    """/ekspor: asks for the period (the filters come after)."""
    message = update.effective_message
    user = context.user
    assert message is not None and user is not None
    if user.role not in ALLOWED:
        await message.reply_text(context.t("export-not-allowed"))
        return
    if _limited(user) and user.kecamatan_id is None:
        await message.reply_text(context.t("export-out-of-scope"))
        return
    today = context.today()
    await message.reply_text(
        context.t("export-choose-period"),
        reply_markup=_period_keyboard(context, _defaults(user, today, today)),
    )


async def on_button(update: Update, context: AppContext) -> None:
    """Any export button: parsed, checked against the person's scope, then acted on."""
    query = update.callback_query
    user = context.user
    assert query is not None and query.data is not None and user is not None
    if user.role not in ALLOWED:
        await query.answer(context.t("export-not-allowed"), show_alert=True)
        return
    step, *parts = query.data.removeprefix(PREFIX).split(":")
    try:
        await _dispatch(update, context, user, step, parts)
    except Refused as refused:
        _LOG.warning("export button refused for %s: %r", user.telegram_id, query.data)
        await query.answer(context.t(refused.key), show_alert=True)
    except (ValueError, IndexError):
        await query.answer(context.t("stale-button"), show_alert=True)


async def _choice(context: AppContext, user: User, parts: list[str]) -> Choice:
    """The full choice of a button (start, end and the four filters), checked."""
    if len(parts) < 6:
        raise ValueError(parts)
    start, end = _day(parts[0]), _day(parts[1])
    choice = _filters(parts[2:6], start, end)
    if period_problem(start, end, context.today()) is not None:
        raise Refused("export-bad-choice")
    await _check(context, user, choice)
    return choice


async def _dispatch(
    update: Update, context: AppContext, user: User, step: str, parts: list[str]
) -> None:
    query = update.callback_query
    assert query is not None
    if step in ("P", "d"):
        # Only the filters: the period is what is being chosen.
        today = context.today()
        choice = _filters(parts, today, today)
        await _check(context, user, choice)
        await query.answer()
        if step == "P":
            await query.edit_message_text(
                context.t("export-choose-period"),
                reply_markup=_period_keyboard(context, choice),
            )
        else:
            await _ask_dates(update, context, choice)
        return
    choice = await _choice(context, user, parts)
    rest = parts[6:]
    match step, rest:
        case "s", []:
            text, markup = await _summary(context, user, choice)
        case "K", [page]:
            text, markup = await _kecamatan_list(context, user, choice, _number(page))
        case "A", [page]:
            text, markup = await _agency_list(context, choice, _number(page))
        case "S", []:
            text, markup = _strategy_list(context, choice)
        case "R", []:
            text, markup = _review_list(context, choice)
        case "f", [fmt]:
            await _export(update, context, user, choice, ExportFormat(fmt))
            return
        case _:
            raise ValueError(step)
    await query.answer()
    await query.edit_message_text(text, reply_markup=markup)


async def _ask_dates(update: Update, context: AppContext, choice: Choice) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    k, a, s, r = choice.filters_data().split(":")
    await query.get_bot().send_message(
        query.message.chat.id,
        context.t("export-ask-dates", filters=f"{k}.{a}.{s}.{r}", days=MAX_DAYS),
        reply_markup=ForceReply(input_field_placeholder=context.t("export-dates-placeholder")),
    )


async def on_dates_reply(update: Update, context: AppContext) -> None:
    """Two typed dates: read and checked; good ones open the filters screen, anything else
    is explained and the question stays answerable."""
    message = update.effective_message
    user = context.user
    assert message is not None and message.text is not None and user is not None
    assert message.reply_to_message is not None and message.reply_to_message.text is not None
    if user.role not in ALLOWED:
        await message.reply_text(context.t("export-not-allowed"))
        return
    asked = _ASKED.match(message.reply_to_message.text)
    assert asked is not None
    today = context.today()
    typed = two_dates(message.text)
    if typed is None:
        await message.reply_text(context.t("export-dates-unreadable"))
        return
    start, end = typed
    problem = period_problem(start, end, today)
    if problem is not None:
        lang = context.lang
        await message.reply_text(
            context.t(
                problem,
                start=short_date(start, lang),
                end=short_date(end, lang),
                today=short_date(today, lang),
            )
        )
        return
    try:
        choice = _filters(list(asked.groups()), start, end)
        await _check(context, user, choice)
    except ValueError:
        await message.reply_text(context.t("export-bad-choice"))
        return
    except Refused as refused:
        await message.reply_text(context.t(refused.key))
        return
    text, markup = await _summary(context, user, choice)
    await message.reply_text(text, reply_markup=markup)


async def _export(
    update: Update,
    context: AppContext,
    user: User,
    choice: Choice,
    fmt: ExportFormat,
) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    start, end = choice.start, choice.end
    lang = context.lang
    progress = await query.edit_message_text(context.t("export-preparing"))
    export = await load_export(
        context.session, choice.export_filter(), context.app.translator, lang
    )
    audit.record(
        context.session,
        "export",
        actor=user.telegram_id,
        target=fmt.value,
        start=start.isoformat(),
        end=end.isoformat(),
        kecamatan_id=choice.kecamatan or None,
        agency_id=choice.agency or None,
        strategy=choice.strategy.value if choice.strategy else None,
        review_status=choice.review.value if choice.review else None,
        rows=len(export.rows),
    )
    await context.session.commit()
    span = _span(context, choice)
    stem = f"laporan-{start.isoformat()}-{end.isoformat()}"

    async def finish(outcome: str) -> None:
        # The outcome above the filters screen again: another format, or other filters,
        # are one tap away.
        text, markup = await _summary(context, user, choice)
        await _edit(progress, f"{outcome}\n\n{text}", markup)

    if not export.rows:
        await finish(context.t("export-empty", period=span))
        return
    if fmt is not ExportFormat.PHOTOS:
        content = await asyncio.to_thread(
            render, export, fmt, made_at=context.now(), tz=context.settings.tz
        )
        await context.bot.send_document(
            user.telegram_id,
            document=content,
            filename=f"{stem}.{_SUFFIX[fmt]}",
            caption=context.t("export-caption", rows=len(export.rows), period=span),
        )
        await finish(context.t("export-done", period=span))
        return

    if not export.photos:
        await finish(context.t("export-no-photos", period=span))
        return
    done = [0, len(export.photos)]

    def tick(count: int, total: int) -> None:
        done[0], done[1] = count, total

    context.settings.exports_dir.mkdir(parents=True, exist_ok=True)
    directory = Path(tempfile.mkdtemp(prefix="photos-", dir=context.settings.exports_dir))
    try:
        task = asyncio.create_task(
            asyncio.to_thread(
                write_photo_zips,
                export.photos,
                open_photo=context.app.photo_store.path,
                directory=directory,
                stem=f"foto-{start.isoformat()}-{end.isoformat()}",
                limit=PART_LIMIT,
                progress=tick,
            )
        )
        shown = -1
        while not task.done():
            await asyncio.wait({task}, timeout=PROGRESS_EVERY)
            if not task.done() and done[0] != shown:
                shown = done[0]
                await _edit(
                    progress, context.t("export-photos-progress", done=shown, total=done[1])
                )
        zips = task.result()
        for number, part in enumerate(zips.parts, start=1):
            with part.open("rb") as handle:
                await context.bot.send_document(
                    user.telegram_id,
                    document=handle,
                    filename=part.name,
                    caption=context.t(
                        "export-photos-part", part=number, parts=len(zips.parts), period=span
                    ),
                )
        await finish(
            context.t(
                "export-photos-done",
                photos=zips.photos,
                parts=len(zips.parts),
                missing=len(zips.missing),
            )
        )
    finally:
        shutil.rmtree(directory, ignore_errors=True)


async def _edit(
    message: Message | bool, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Edits the progress message; an unchanged text is not an error."""
    if not isinstance(message, Message):
        return
    try:
        await message.edit_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


def handlers() -> list[BaseHandler[Update, AppContext, None]]:
    return [
        CommandHandler(aliases("export"), ask_period),
        CallbackQueryHandler(on_button, pattern=f"^{PREFIX}"),
        MessageHandler(
            filters.TEXT & ~filters.COMMAND & filters.REPLY & RepliesTo(_ASKED),
            on_dates_reply,
        ),
    ]
