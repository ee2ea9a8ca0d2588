"""What each step of the form shows: the question, its buttons, and the summary."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from core.context import AppContext
from core.i18n import Raw, long_date, number, short_date
from handlers.common import button_grid
from handlers.report.steps import Step, activity_index, editing
from models.activities import OTHER, ActivityType, Strategy
from models.drafts import DraftActivity
from models.regions import Village
from models.reports import MAX_ACTIVITIES, Report, ReportActivity

PREFIX = "rp:"
# A summary must fit one Telegram message (4,096 characters) even with five activities.
SUMMARY_DESCRIPTION_CHARS = 400


def cb(data: str) -> str:
    return f"{PREFIX}{data}"


def _button(context: AppContext, key: str, data: str, **args: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(context.t(key, **args), callback_data=cb(data))


def _back(context: AppContext) -> InlineKeyboardButton:
    return _button(context, "button-back", "back")


def village_label(village: Village, villages: Sequence[Village]) -> str:
    """The name, with the kecamatan only where two villages share a name."""
    same = [v for v in villages if v.name == village.name]
    return village.label if len(same) > 1 else village.name


def activity_name(
    context: AppContext, activity: DraftActivity | ReportActivity, catalogue: dict[str, str]
) -> str:
    if activity.activity == OTHER:
        return activity.activity_other or context.t("report-activity-other")
    return catalogue.get(activity.activity or "", activity.activity or "—")


def village_keyboard(
    context: AppContext, villages: Sequence[Village], *, back: bool
) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(village_label(v, villages), callback_data=cb(f"v:{v.id}"))
        for v in villages
    ]
    rows = button_grid(buttons)
    if back:
        rows.append([_back(context)])
    return InlineKeyboardMarkup(rows)


def date_keyboard(context: AppContext, today: date, has_back: bool) -> InlineKeyboardMarkup:
    yesterday = today - timedelta(days=1)
    rows = [
        [
            _button(context, "report-date-today", "d:today", date=short_date(today, context.lang)),
            _button(
                context,
                "report-date-yesterday",
                "d:yesterday",
                date=short_date(yesterday, context.lang),
            ),
        ]
    ]
    if has_back:
        rows.append([_back(context)])
    return InlineKeyboardMarkup(rows)


def strategy_keyboard(context: AppContext) -> InlineKeyboardMarkup:
    rows = [[_button(context, f"strategy-{s.value}", f"s:{s.value}")] for s in Strategy]
    rows.append([_button(context, "report-strategy-explain", "s:info"), _back(context)])
    return InlineKeyboardMarkup(rows)


def activity_keyboard(
    context: AppContext, activities: Sequence[ActivityType]
) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(a.name(context.lang), callback_data=cb(f"a:{a.key}"))
        for a in activities
    ]
    rows = button_grid(buttons, columns=1)
    rows.append([_button(context, "report-activity-other-button", f"a:{OTHER}"), _back(context)])
    return InlineKeyboardMarkup(rows)


def back_keyboard(context: AppContext, *extra: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[*extra, _back(context)]])


def people_keyboard(context: AppContext) -> InlineKeyboardMarkup:
    return back_keyboard(context, _button(context, "report-people-skip", "skip"))


def photos_keyboard(context: AppContext, report: Report, count: int) -> InlineKeyboardMarkup:
    """Done, and (with a photo) another activity of the same visit straight away: a visit
    with one activity, the usual case, needs no extra question for it."""
    rows = []
    if count:
        rows.append([_button(context, "report-photos-done", "done", count=count)])
        if len(report.contents) < MAX_ACTIVITIES:
            rows.append([_button(context, "report-more-add", "more")])
        if editing(report):
            # Changing the photos (a correction, say) may mean replacing them.
            rows.append([_button(context, "report-photos-clear", "clear")])
    rows.append([_back(context)])
    return InlineKeyboardMarkup(rows)


def location_keyboard(context: AppContext) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(context.t("report-location-share"), request_location=True)],
            [
                KeyboardButton(context.t("report-location-skip")),
                KeyboardButton(context.t("button-back")),
            ],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def summary_keyboard(context: AppContext, report: Report) -> InlineKeyboardMarkup:
    """Send, and another activity of the visit without going through the edit menu."""
    rows = [[_button(context, "report-send", "send")]]
    if len(report.contents) < MAX_ACTIVITIES:
        rows.append([_button(context, "report-more-add", "e:add")])
    rows.append(
        [_button(context, "report-edit", "edit"), _button(context, "report-cancel", "cancel")]
    )
    return InlineKeyboardMarkup(rows)


def correction_button(context: AppContext, report_id: int) -> InlineKeyboardButton:
    """Opens a sent report in the form as its next version (handlers/report/form.py)."""
    return _button(context, "correction-button", f"fix:{report_id}")


def cancel_confirm_keyboard(context: AppContext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(context, "report-cancel-yes", "cancel!"),
                _button(context, "report-cancel-no", "summary"),
            ]
        ]
    )


def edit_keyboard(context: AppContext, report: Report, village_count: int) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    visit = []
    if village_count > 1:
        visit.append(_button(context, "report-edit-village", "e:village"))
    visit.append(_button(context, "report-edit-date", "e:date"))
    visit.append(_button(context, "report-edit-location", "e:location"))
    rows.append(visit)
    several = len(report.contents) > 1
    for index in range(len(report.contents)):
        n = index + 1
        label = {"n": n} if several else {"n": ""}
        rows.append(
            [
                _button(context, "report-edit-strategy", f"e:strategy:{index}", **label),
                _button(context, "report-edit-figures", f"e:households:{index}", **label),
            ]
        )
        rows.append(
            [
                _button(context, "report-edit-description", f"e:description:{index}", **label),
                _button(context, "report-edit-photos", f"e:photos:{index}", **label),
            ]
        )
        if several:
            rows.append([_button(context, "report-edit-remove", f"e:remove:{index}", n=n)])
    if len(report.contents) < MAX_ACTIVITIES:
        rows.append([_button(context, "report-more-add", "e:add")])
    rows.append([_button(context, "report-edit-done", "summary")])
    return InlineKeyboardMarkup(rows)


def activity_texts(context: AppContext, report: Report, catalogue: dict[str, str]) -> list[Raw]:
    """Each activity of the report as the summary (and the review card) shows it, long
    descriptions cut so that five activities fit one message."""
    lang = context.lang
    several = len(report.contents) > 1
    texts = []
    for index, activity in enumerate(report.contents):
        description = activity.description or "—"
        if len(description) > SUMMARY_DESCRIPTION_CHARS:
            description = description[: SUMMARY_DESCRIPTION_CHARS - 1] + "…"
        texts.append(
            context.t(
                "report-summary-activity",
                n=index + 1 if several else "",
                strategy=context.t(f"strategy-{activity.strategy}") if activity.strategy else "—",
                activity=activity_name(context, activity, catalogue),
                households=number(activity.households, lang)
                if activity.households is not None
                else "—",
                people=number(activity.people, lang) if activity.people is not None else "—",
                description=description,
                photos=len(activity.photos),
            )
        )
    return texts


def summary_text(
    context: AppContext,
    report: Report,
    *,
    catalogue: dict[str, str],
    header_key: str = "report-summary",
    **header_args: object,
) -> Raw:
    """Everything on one screen, in the person's language; user text is escaped.
    `header_args` are further arguments of the header's message."""
    lang = context.lang
    parts = activity_texts(context, report, catalogue)
    if report.latitude is not None and report.longitude is not None:
        location = context.t(
            "report-summary-location",
            lat=f"{report.latitude:.5f}",
            lon=f"{report.longitude:.5f}",
        )
    else:
        location = context.t("report-summary-no-location")
    return context.t(
        header_key,
        reference=report.reference or "",
        village=report.village.label if report.village else "—",
        date=long_date(report.visit_date, lang) if report.visit_date else "—",
        location=location,
        activities=Raw("\n\n".join(parts)),
        photos=report.photo_count,
        **header_args,
    )


def step_prompt_key(step: Step) -> str:
    return f"report-ask-{step.value.replace('_', '-')}"


def activity_prefix(context: AppContext, report: Report) -> Raw:
    """ "Kegiatan 2 — " when the visit has several activities, else nothing."""
    if len(report.contents) > 1:
        return context.t("report-activity-prefix", n=activity_index(report) + 1)
    return Raw("")
