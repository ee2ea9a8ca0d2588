"""A conversation whose state is read from the database on every update.

PTB's ConversationHandler keeps each chat's state in memory and moves it when a callback
returns. When the reply after a committed step fails, memory and database disagree, and
the person's next answer is filed under the previous question. `StoredConversation` keeps
PTB's declarative shape (entry points, a table of states, fallbacks) but has no memory of
its own: the state is whatever `state()` says for the current update, which a loader
handler in an earlier group read from the database (the form's draft). Callbacks write the
new state to the database themselves; their return values are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseHandler

from core.context import AppContext

Handler = BaseHandler[Update, AppContext, Any]
Match = tuple[Handler, object]


async def _never_called(update: Update, context: AppContext) -> None:
    raise AssertionError("StoredConversation dispatches to the handlers of its table")


class StoredConversation(BaseHandler[Update, AppContext, object]):
    """Entry points while `state()` is None; otherwise the handlers of that state, then the
    fallbacks. The first handler whose check accepts the update takes it."""

    def __init__(
        self,
        *,
        state: Callable[[], str | None],
        entry_points: Sequence[Handler],
        states: Mapping[str, Sequence[Handler]],
        fallbacks: Sequence[Handler],
    ) -> None:
        super().__init__(_never_called)
        self.state = state
        self.entry_points = list(entry_points)
        self.states = {key: list(handlers) for key, handlers in states.items()}
        self.fallbacks = list(fallbacks)

    def check_update(self, update: object) -> Match | None:
        if not isinstance(update, Update):
            return None
        current = self.state()
        candidates = (
            self.entry_points
            if current is None
            else [*self.states.get(current, ()), *self.fallbacks]
        )
        for handler in candidates:
            check = handler.check_update(update)
            if check is not None and check is not False:
                return handler, check
        return None

    async def handle_update(
        self,
        update: Update,
        application: Application[Any, AppContext, Any, Any, Any, Any],
        check_result: object,
        context: AppContext,
    ) -> object:
        assert isinstance(check_result, tuple)
        handler, inner = check_result
        assert isinstance(handler, BaseHandler)
        return await handler.handle_update(update, application, inner, context)
