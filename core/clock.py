"""The one source of "now" for handlers, jobs and the rows they write.

Everything that needs the time asks `clock.now()` (an aware UTC datetime) or
`clock.today(tz)`, never `datetime.now()`: tests (and the demo) move this clock, and the
code cannot tell. The application holds it as `application.clock`; rows stamped by the
database layer (`models.base.utcnow`) read the same object through `now()` below.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, tzinfo


class Clock:
    """Wall-clock time, optionally shifted: `set()` moves it to a moment, from which it keeps
    ticking at the normal pace (a frozen clock would stall timeouts and orderings)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = timedelta(0)
        if start is not None:
            self.set(start)

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time(), UTC) + self._offset

    def today(self, tz: tzinfo) -> date:
        """The calendar day in `tz` (the regency's day, not the server's)."""
        return self.now().astimezone(tz).date()

    def set(self, moment: datetime) -> None:
        """From now on, the clock reads `moment` (aware) and ticks on from there."""
        if moment.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        self._offset = moment - datetime.fromtimestamp(time.time(), UTC)

    def advance(self, delta: timedelta) -> None:
        self._offset += delta


_current = Clock()


def current() -> Clock:
    """The process's clock (one per process: there is one application per process)."""
    return _current


def install(clock: Clock) -> Clock:
    """Makes `clock` the process's clock; returns it."""
    global _current
    _current = clock
    return clock


def now() -> datetime:
    """Now, in UTC, by the process's clock."""
    return _current.now()
