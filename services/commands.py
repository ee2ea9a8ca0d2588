"""The bot's commands: Indonesian and English names, and the menu each role sees.

Both names of a command always work; the menu shows the one in the person's language.
Descriptions live in `locales/*/commands.ftl` as `command-<key>`.
"""

from __future__ import annotations

import hashlib
import json
import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from core.i18n import Translator
from core.settings import SUPPORTED_LANGUAGES
from models.users import Role, User

_LOG = logging.getLogger(__name__)

# key -> name per language. Telegram command names: 1-32 of a-z, 0-9 and _.
COMMANDS: dict[str, dict[str, str]] = {
    "start": {"id": "start", "en": "start"},
    "help": {"id": "bantuan", "en": "help"},
    "language": {"id": "bahasa", "en": "language"},
    "cancel": {"id": "batal", "en": "cancel"},
    "invite": {"id": "undang", "en": "invite"},
    "report": {"id": "lapor", "en": "report"},
    "history": {"id": "riwayat", "en": "history"},
    "pause": {"id": "jeda", "en": "pause"},
    "schedule": {"id": "jadwal", "en": "schedule"},
    "summary": {"id": "ringkasan", "en": "summary"},
    "review": {"id": "tinjau", "en": "review"},
    "export": {"id": "ekspor", "en": "export"},
    "users": {"id": "pengguna", "en": "users"},
    "assign": {"id": "tugas", "en": "assign"},
    "audit": {"id": "audit", "en": "audit"},
    "import": {"id": "impor", "en": "import"},
    "broadcast": {"id": "siaran", "en": "broadcast"},
}

_EVERYONE = ("start", "help", "language")
ROLE_MENUS: dict[Role, tuple[str, ...]] = {
    Role.STAFF: ("report", "history", "cancel", "pause", *_EVERYONE),
    Role.KECAMATAN_COORDINATOR: ("review", "summary", "export", "cancel", *_EVERYONE),
    Role.REGENCY_COORDINATOR: ("review", "summary", "export", "cancel", *_EVERYONE),
    # Admins may review everything too (handlers/review.py).
    Role.ADMIN: (
        *_EVERYONE,
        "invite",
        "users",
        "assign",
        "schedule",
        "summary",
        "review",
        "export",
        "audit",
        "import",
        "broadcast",
    ),
}
# What a person who is not registered yet sees in the menu.
GUEST_MENU = ("start", "help")


def aliases(key: str) -> list[str]:
    """Every name of a command, for a CommandHandler."""
    return sorted(set(COMMANDS[key].values()))


def command_name(key: str, lang: str) -> str:
    return COMMANDS[key][lang]


def build_menu(keys: tuple[str, ...], lang: str, translator: Translator) -> list[BotCommand]:
    return [BotCommand(COMMANDS[key][lang], translator(lang, f"command-{key}")) for key in keys]


def _signature(commands: list[BotCommand]) -> str:
    payload = json.dumps([(c.command, c.description) for c in commands])
    return hashlib.sha256(payload.encode()).hexdigest()


async def set_guest_menus(bot: Bot, translator: Translator) -> None:
    """Sets the default menu, once per language and once for clients of other languages."""
    await bot.set_my_commands(build_menu(GUEST_MENU, translator.default, translator))
    for lang in SUPPORTED_LANGUAGES:
        await bot.set_my_commands(
            build_menu(GUEST_MENU, lang, translator),
            scope=BotCommandScopeDefault(),
            language_code=lang,
        )


async def sync_user_menu(
    bot: Bot, translator: Translator, user: User, *, force: bool = False
) -> bool:
    """Shows a person the commands of their role in their language; a deactivated person
    gets no menu of their own (see remove_user_menu).

    Updates `user.menu_signature` (the caller commits); returns whether Telegram was called.
    A failure is logged, not raised: a stale menu must never stop a registration.
    """
    if not user.active:
        return await remove_user_menu(bot, user, force=force)
    menu = build_menu(ROLE_MENUS[user.role], user.language, translator)
    signature = _signature(menu)
    if not force and user.menu_signature == signature:
        return False
    try:
        await bot.set_my_commands(menu, scope=BotCommandScopeChat(user.telegram_id))
    except TelegramError as exc:
        _LOG.warning("could not set the menu of %s: %s", user.telegram_id, exc)
        return False
    user.menu_signature = signature
    return True


async def remove_user_menu(bot: Bot, user: User, *, force: bool = False) -> bool:
    """Deletes a person's own menu, so Telegram shows them the default one (a stranger's).

    `menu_signature` is None exactly when no menu of their own is (believed) set: it is
    cleared only once Telegram said yes, so a failure leaves it set and the menu refresh at
    start-up (jobs/menus.py) tries again. Returns whether Telegram was called; the caller
    commits. A failure is logged, not raised: the deactivation itself is already stored.
    """
    if not force and user.menu_signature is None:
        return False
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(user.telegram_id))
    except TelegramError as exc:
        _LOG.warning("could not remove the menu of %s: %s", user.telegram_id, exc)
        return False
    user.menu_signature = None
    return True
