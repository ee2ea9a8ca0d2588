"""Conversation state read back from the drafts in the database.

PTB's persistence writes in batches (every 60 s by default), so a SIGKILL would lose the
form's position. Here the database draft is the source of truth: each step's handler
stores the step with the data in one commit, before it replies, and at start-up this class
rebuilds the ConversationHandler's state from the drafts. Nothing else is persisted
(user_data and chat_data are not used: everything lives in the database).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

StepLoader = Callable[[], Awaitable[list[tuple[int, str]]]]


class DraftPersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Restores the report form of every person who has a draft."""

    def __init__(self, conversations: dict[str, StepLoader]) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=False, callback_data=False
            ),
            update_interval=3600,
        )
        self._loaders = conversations

    async def get_conversations(self, name: str) -> ConversationDict:
        loader = self._loaders.get(name)
        if loader is None:
            return {}
        # Private chats: chat id == user id, the ConversationHandler key is (chat, user).
        return {(tg_id, tg_id): step for tg_id, step in await loader()}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Nothing to do: the step handler already committed the state with the draft."""

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        pass

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        pass

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        pass

    async def update_callback_data(self, data: CDCData) -> None:
        pass

    async def drop_chat_data(self, chat_id: int) -> None:
        pass

    async def drop_user_data(self, user_id: int) -> None:
        pass

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        pass

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        pass

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        pass

    async def flush(self) -> None:
        pass
