"""Translations (Fluent files under `locales/<lang>/`) and locale-aware formatting.

Every sentence a user reads comes from here. Messages are sent with HTML parse mode, so
string arguments are escaped before they reach Fluent: user-typed text can never inject
markup or break a message.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from fluent.runtime import FluentBundle, FluentResource
from fluent.syntax.ast import Junk, Message

from core.settings import SUPPORTED_LANGUAGES

_LOG = logging.getLogger(__name__)
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"

# Indonesian readers expect "Rabu, 7 September 2022"; the same pattern reads well in English.
LONG_DATE = "EEEE, d MMMM y"
SHORT_DATE = "d MMM y"


class Raw(str):
    """Safe HTML: a formatted translation. Passed as an argument, it is not escaped again."""


def pick_language(code: str | None, default: str) -> str:
    """Maps a Telegram client language code ("en-GB", "id") to a supported language."""
    if code:
        base = code.split("-")[0].lower()
        if base in SUPPORTED_LANGUAGES:
            return base
    return default


class Translator:
    """Formats messages by key in one of the supported languages."""

    def __init__(self, default: str, directory: Path = LOCALES_DIR) -> None:
        self.default = default
        self.bundles: dict[str, FluentBundle] = {}
        self.keys: dict[str, set[str]] = {}
        for lang in SUPPORTED_LANGUAGES:
            # Isolation marks (U+2068/U+2069) would show up as junk in some Telegram clients.
            bundle = FluentBundle([lang], use_isolating=False)
            keys: set[str] = set()
            for path in sorted((directory / lang).glob("*.ftl")):
                resource = FluentResource(path.read_text(encoding="utf-8"))
                junk = [entry for entry in resource.body if isinstance(entry, Junk)]
                if junk:
                    raise ValueError(f"{path}: cannot parse {junk[0].content!r}")
                bundle.add_resource(resource)
                keys.update(e.id.name for e in resource.body if isinstance(e, Message))
            self.bundles[lang] = bundle
            self.keys[lang] = keys

    def __call__(self, lang: str, key: str, **args: object) -> Raw:
        bundle = self.bundles.get(lang) or self.bundles[self.default]
        if not bundle.has_message(key):
            _LOG.error("missing translation %s for %s", key, lang)
            return Raw(key)
        message = bundle.get_message(key)
        assert message.value is not None
        text, errors = bundle.format_pattern(message.value, _escape_args(args))
        if errors:
            _LOG.error("translation %s/%s: %s", lang, key, errors)
        return Raw(text)

    def attribute(self, lang: str, key: str, attribute: str, **args: object) -> Raw:
        bundle = self.bundles.get(lang) or self.bundles[self.default]
        message = bundle.get_message(key)
        text, _errors = bundle.format_pattern(message.attributes[attribute], _escape_args(args))
        return Raw(text)

    def all_languages(self, key: str, **args: object) -> Iterable[tuple[str, Raw]]:
        for lang in SUPPORTED_LANGUAGES:
            yield lang, self(lang, key, **args)


def _escape_args(args: dict[str, object]) -> dict[str, object]:
    safe: dict[str, object] = {}
    for name, value in args.items():
        if isinstance(value, Raw):
            safe[name] = str(value)
        elif isinstance(value, str):
            safe[name] = html.escape(value, quote=False)
        elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            safe[name] = value
        else:
            safe[name] = html.escape(str(value), quote=False)
    return safe


def long_date(value: date | datetime, lang: str) -> str:
    return format_date(value, LONG_DATE, locale=lang)


def short_date(value: date | datetime, lang: str) -> str:
    return format_date(value, SHORT_DATE, locale=lang)


def date_time(value: datetime, lang: str, tz: object) -> str:
    return format_datetime(value, "EEEE, d MMMM y HH:mm", tzinfo=tz, locale=lang)  # type: ignore[arg-type]


def number(value: int | float, lang: str) -> str:
    return format_decimal(value, locale=lang)
