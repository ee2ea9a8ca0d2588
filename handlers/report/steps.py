"""The form's steps and how one leads to the next (forward, back, and after an edit)."""

from __future__ import annotations

from enum import StrEnum

from models.activities import OTHER
from models.drafts import DraftActivity
from models.reports import Report


class Step(StrEnum):
    VILLAGE = "village"
    DATE = "date"
    STRATEGY = "strategy"
    ACTIVITY = "activity"
    ACTIVITY_OTHER = "activity_other"
    HOUSEHOLDS = "households"
    PEOPLE = "people"
    DESCRIPTION = "description"
    PHOTOS = "photos"
    LOCATION = "location"
    SUMMARY = "summary"
    EDIT = "edit"


# Steps that belong to one activity (asked again for each activity of the visit).
ACTIVITY_STEPS = (
    Step.STRATEGY,
    Step.ACTIVITY,
    Step.ACTIVITY_OTHER,
    Step.HOUSEHOLDS,
    Step.PEOPLE,
    Step.DESCRIPTION,
    Step.PHOTOS,
)


def state(report: Report) -> dict[str, object]:
    return report.form_state or {}


# Steps of earlier versions, as drafts saved then may still hold them.
_RETIRED = {"more": Step.PHOTOS}


def current_step(report: Report) -> Step:
    value = str(state(report).get("step", Step.VILLAGE))
    return _RETIRED.get(value) or Step(value)


def activity_index(report: Report) -> int:
    index = int(str(state(report).get("act", 0)))
    return min(max(index, 0), len(report.draft) - 1)


def current_activity(report: Report) -> DraftActivity:
    return report.draft[activity_index(report)]


def editing(report: Report) -> bool:
    return bool(state(report).get("edit"))


def set_state(report: Report, **changes: object) -> None:
    """Replaces the JSON dict (not mutating it) so SQLAlchemy sees the change."""
    report.form_state = {**state(report), **changes}


def advance(report: Report, step: Step, *, update_id: int | None = None) -> None:
    """Moves the draft to `step` as a new revision, recorded as asked: the question is sent
    right after the commit, and a failed send takes that back (`not_asked`), so a second
    commit is needed only when sending fails. A run cut short between the commit and the
    send is caught at the next start (bot/runs.py). `update_id` is the update whose answer
    this is: written with it, it marks the update handled (see `Report.last_update_id`)."""
    set_state(report, step=step.value, **({"edit": False} if step is Step.SUMMARY else {}))
    report.store_draft()
    report.form_rev += 1
    report.asked_rev = report.form_rev
    if update_id is not None:
        report.last_update_id = update_id


def not_asked(report: Report) -> None:
    """The question of the current revision did not reach the person (sending failed)."""
    report.asked_rev = report.form_rev - 1


def question_delivered(report: Report) -> bool:
    """Whether the question of the current revision is known to have reached the person."""
    return report.asked_rev >= report.form_rev


def after(report: Report, step: Step, *, village_count: int) -> Step:
    """The step that follows `step` once it is answered."""
    activity = current_activity(report)
    if editing(report) and step not in (Step.STRATEGY, Step.HOUSEHOLDS):
        if step is Step.ACTIVITY and activity.activity == OTHER:
            return Step.ACTIVITY_OTHER
        return Step.SUMMARY
    match step:
        case Step.VILLAGE:
            return Step.DATE
        case Step.DATE:
            return Step.STRATEGY
        case Step.STRATEGY:
            return Step.ACTIVITY
        case Step.ACTIVITY:
            return Step.ACTIVITY_OTHER if activity.activity == OTHER else Step.HOUSEHOLDS
        case Step.ACTIVITY_OTHER:
            return Step.HOUSEHOLDS
        case Step.HOUSEHOLDS:
            return Step.PEOPLE
        case Step.PEOPLE:
            return Step.DESCRIPTION
        case Step.DESCRIPTION:
            return Step.PHOTOS
        case Step.PHOTOS:
            return Step.SUMMARY if state(report).get("location_done") else Step.LOCATION
        case _:
            return Step.SUMMARY


def before(report: Report, step: Step, *, village_count: int) -> Step | None:
    """Where "back" leads from `step`; None when there is nothing before it."""
    if editing(report):
        return Step.EDIT
    activity = current_activity(report)
    match step:
        case Step.DATE:
            return Step.VILLAGE if village_count > 1 else None
        case Step.STRATEGY:
            # A further activity: back to the photos of the one before.
            return Step.DATE if activity_index(report) == 0 else Step.PHOTOS
        case Step.ACTIVITY:
            return Step.STRATEGY
        case Step.ACTIVITY_OTHER:
            return Step.ACTIVITY
        case Step.HOUSEHOLDS:
            return Step.ACTIVITY_OTHER if activity.activity == OTHER else Step.ACTIVITY
        case Step.PEOPLE:
            return Step.HOUSEHOLDS
        case Step.DESCRIPTION:
            return Step.PEOPLE
        case Step.PHOTOS:
            return Step.DESCRIPTION
        case Step.LOCATION:
            return Step.PHOTOS
        case Step.EDIT:
            return Step.SUMMARY
        case _:
            return None


def first_missing(report: Report) -> tuple[Step, int] | None:
    """The first unanswered step (and its activity), or None when the report is complete."""
    if report.village_id is None:
        return Step.VILLAGE, 0
    if report.visit_date is None:
        return Step.DATE, 0
    for index, activity in enumerate(report.draft):
        if activity.strategy is None:
            return Step.STRATEGY, index
        if activity.activity is None:
            return Step.ACTIVITY, index
        if activity.activity == OTHER and not activity.activity_other:
            return Step.ACTIVITY_OTHER, index
        if activity.households is None:
            return Step.HOUSEHOLDS, index
        if not activity.description:
            return Step.DESCRIPTION, index
        if not activity.photos:
            return Step.PHOTOS, index
    return None
