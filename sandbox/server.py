"""A local stand-in for the Telegram Bot API, served over real HTTP with aiohttp.

The bot talks to it exactly as to api.telegram.org (``base_url`` / ``base_file_url``), so
end-to-end tests exercise PTB's real request code, the terminal demo needs no token, and
staff can practise with the real bot. Simulated people are :class:`SandboxUser` objects.

Only private chats exist: a user's chat (id == user id) is created by the user's first message.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import math
import random
import re
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal

from aiohttp import BodyPartReader, web

from sandbox.files import DOWNLOAD_LIMIT, FileStore, ImageError, StoredFile, Upload, document_dict
from sandbox.formatting import EntityParseError, parse_text, strip_whitespace
from sandbox.spec import BotApiSpec, default_spec_path
from sandbox.user import SandboxUser

__all__ = [
    "METHODS",
    "ApiError",
    "ChatEvent",
    "FaultKind",
    "FloodAnswer",
    "Kind",
    "RecordedRequest",
    "Sandbox",
    "kind_of",
]

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]


# Parameters python-telegram-bot sends although the method does not take them, and that
# Telegram silently ignores. Each is listed with its reason; anything else unknown fails.
IGNORED_EXTRAS: frozenset[tuple[str, str]] = frozenset(
    {
        # ExtBot fills `Defaults.parse_mode` into every `_send_message` call, including
        # editMessageReplyMarkup, which has no text to parse (PTB 22.8, telegram/_bot.py).
        ("editMessageReplyMarkup", "parse_mode"),
    }
)


class Kind(Enum):
    """How a parameter sent as a form string is decoded (PTB JSON-encodes non-strings)."""

    INT = "Integer"
    FLOAT = "Float"
    STR = "String"
    BOOL = "Boolean"
    CHAT = "Integer or String"
    FILE = "InputFile or String"
    JSON = "JSON-serialized object or array"


def kind_of(types: Sequence[str]) -> Kind:
    """The decoding kind matching a parameter's api.json ``types``."""
    simple = {
        ("Integer",): Kind.INT,
        ("Float",): Kind.FLOAT,
        ("String",): Kind.STR,
        ("Boolean",): Kind.BOOL,
        ("Integer", "String"): Kind.CHAT,
        ("InputFile", "String"): Kind.FILE,
        ("InputFile",): Kind.FILE,
    }
    return simple.get(tuple(sorted(types)), Kind.JSON)


_I, _F, _S, _B, _C, _FILE, _J = (
    Kind.INT, Kind.FLOAT, Kind.STR, Kind.BOOL, Kind.CHAT, Kind.FILE, Kind.JSON,
)  # fmt: skip
_SEND_COMMON: Final = {"chat_id": _C, "reply_markup": _J, "reply_parameters": _J}
_CAPTION: Final = {"caption": _S, "parse_mode": _S, "caption_entities": _J}
_EDIT_TARGET: Final = {"chat_id": _C, "message_id": _I, "inline_message_id": _S}
_SCOPE: Final = {"scope": _J, "language_code": _S}

# The methods the sandbox implements and the parameters each one honours (acts upon). Other
# parameters that api.json defines for a method are accepted, type-checked and recorded, but
# have no effect here. tests/sandbox/test_spec.py checks this table against api.json.
METHODS: Final[Mapping[str, Mapping[str, Kind]]] = {
    "getMe": {},
    "logOut": {},
    "close": {},
    "getUpdates": {"offset": _I, "limit": _I, "timeout": _I, "allowed_updates": _J},
    "deleteWebhook": {"drop_pending_updates": _B},
    "getWebhookInfo": {},
    "setMyCommands": {"commands": _J, **_SCOPE},
    "getMyCommands": _SCOPE,
    "deleteMyCommands": _SCOPE,
    "setMyDescription": {"description": _S, "language_code": _S},
    "getMyDescription": {"language_code": _S},
    "setMyShortDescription": {"short_description": _S, "language_code": _S},
    "getMyShortDescription": {"language_code": _S},
    "setChatMenuButton": {"chat_id": _I, "menu_button": _J},
    "getChatMenuButton": {"chat_id": _I},
    "sendMessage": {**_SEND_COMMON, "text": _S, "parse_mode": _S, "entities": _J},
    "sendPhoto": {
        **_SEND_COMMON,
        **_CAPTION,
        "photo": _FILE,
        "has_spoiler": _B,
        "show_caption_above_media": _B,
    },
    "sendDocument": {**_SEND_COMMON, **_CAPTION, "document": _FILE},
    "sendMediaGroup": {"chat_id": _C, "media": _J, "reply_parameters": _J},
    "sendLocation": {
        **_SEND_COMMON,
        "latitude": _F,
        "longitude": _F,
        "horizontal_accuracy": _F,
        "live_period": _I,
        "heading": _I,
    },
    "sendChatAction": {"chat_id": _C, "action": _S},
    "editMessageText": {
        **_EDIT_TARGET,
        "text": _S,
        "parse_mode": _S,
        "entities": _J,
        "reply_markup": _J,
    },
    "editMessageCaption": {**_EDIT_TARGET, **_CAPTION, "reply_markup": _J},
    "editMessageReplyMarkup": {**_EDIT_TARGET, "reply_markup": _J},
    "deleteMessage": {"chat_id": _C, "message_id": _I},
    "answerCallbackQuery": {
        "callback_query_id": _S,
        "text": _S,
        "show_alert": _B,
        "url": _S,
        "cache_time": _I,
    },
    "getFile": {"file_id": _S},
}

# Methods that put a message into a chat, for flood limits.
_SENDING: Final = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "sendLocation"}
)
_CHAT_ACTIONS: Final = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
# Without allowed_updates Telegram delivers every kind except these three.
_NOT_BY_DEFAULT: Final = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# Methods the fault controls leave alone unless a test names them: a failing getUpdates tests
# PTB's poller rather than the bot, and a failing getMe stops Application.initialize before
# the test has begun.
_UNFAULTED: Final = frozenset({"getUpdates", "getMe"})
_INT_RE: Final = re.compile(r"-?\d+")
_COMMAND_RE: Final = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_RE: Final = re.compile(r"[a-z]{2}")

TEXT_LIMIT: Final = 4096
CAPTION_LIMIT: Final = 1024
CALLBACK_DATA_LIMIT: Final = 64
ANSWER_TEXT_LIMIT: Final = 200

# Telegram's exact error texts, kept in one place.
NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
CHAT_NOT_FOUND: Final = "Bad Request: chat not found"
BLOCKED: Final = "Forbidden: bot was blocked by the user"
QUERY_TOO_OLD: Final = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
WRONG_FILE_ID: Final = "Bad Request: wrong file identifier/HTTP URL specified"
POLL_CONFLICT: Final = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)


_warned_no_spec = False


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status == error_code."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def envelope(self) -> JSONDict:
        """The JSON body Telegram sends with this error."""
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


# What a fault control did to a call: "next" (fail_next), "fail" (fail_randomly, refused
# untouched), "fail-after-acting" (carried out, then answered with the error), "late"
# (answer_late), "429" (flood), "slow-download" (slow_downloads; the method is "download").
FaultKind = Literal["next", "fail", "fail-after-acting", "late", "429", "slow-download"]


@dataclass
class RecordedRequest:
    """One API call the bot made, as the sandbox decoded it.

    ``fault`` names the fault injected into it, if any; ``early_retry`` is true when it came
    while a retry_after pause the sandbox had announced with a 429 was still running.
    """

    method: str
    params: JSONDict
    time: float
    attachments: dict[str, Upload] = field(default_factory=dict)
    status: int = 0
    response: JSONDict | None = None
    fault: FaultKind | None = None
    early_retry: bool = False

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.status == 200

    def summary(self) -> str:
        """One line for error messages: time, method, short parameters, outcome."""
        stamp = time.strftime("%H:%M:%S", time.localtime(self.time))
        shown = ", ".join(f"{k}={_short(v)}" for k, v in self.params.items())
        outcome = "ok" if self.ok else f"{self.status} {(self.response or {}).get('description')}"
        if self.fault is not None:
            outcome += f" [{self.fault}]"
        if self.early_retry:
            outcome += " [early retry]"
        return f"{stamp} {self.method}({shown}) -> {outcome}"


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class ChatEvent:
    """Something the bot did in a chat, for the terminal UI and other observers.

    ``kind`` is "message" (new), "edited", "deleted" (``message`` is the last state),
    "answer" (a callback query was answered; ``data`` holds the parameters) or "action"
    (sendChatAction; ``data`` holds the action).
    """

    kind: Literal["message", "edited", "deleted", "answer", "action"]
    chat_id: int
    message: JSONDict | None = None
    data: JSONDict | None = None


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None
    times: int


@dataclass(frozen=True)
class FloodAnswer:
    """A 429 the sandbox answered during a flood: ``at`` is ``time.monotonic()`` then."""

    method: str
    at: float
    retry_after: int


@dataclass
class _RandomFailure:
    rate: float
    error: ApiError
    methods: frozenset[str] | None
    after_acting: float
    rng: random.Random


@dataclass
class _LateAnswers:
    rate: float
    delay: float
    methods: frozenset[str] | None
    rng: random.Random


@dataclass
class _Flood:
    until: float  # time.monotonic() when the storm ends
    retry_after: int
    methods: frozenset[str] | None


@dataclass
class _PendingCallback:
    user: SandboxUser
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    answer: JSONDict | None = None


class _Bucket:
    """A token bucket: ``rate`` per second with bursts up to ``burst``."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.capacity = burst
        self.tokens = burst
        self.stamp = time.monotonic()

    def take(self) -> float:
        """Takes a token; returns 0 on success, else the seconds until one is available."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate

    def refund(self) -> None:
        """Gives back a token taken by a request that another limit refused."""
        self.tokens = min(self.capacity, self.tokens + 1)


@dataclass
class _Call:
    """A decoded call: parameters plus multipart parts referenced by attach://."""

    method: str
    params: JSONDict
    attachments: dict[str, Upload]

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


Handler = Callable[[_Call], Awaitable[Any]]


def _coerce(value: Any, kind: Kind | None) -> Any:
    """Decodes a form/query string by the parameter's kind; other values pass through."""
    if not isinstance(value, str):
        return value
    if kind in (Kind.INT, Kind.CHAT) and _INT_RE.fullmatch(value):
        return int(value)
    if kind is Kind.FLOAT:
        try:
            return float(value)
        except ValueError:
            return value
    if kind is Kind.BOOL:
        return {"true": True, "false": False, "1": True, "0": False}.get(value.lower(), value)
    if kind is Kind.JSON:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _canonical_scope(scope: Any) -> str:
    """The key under which commands for a BotCommandScope are stored."""
    if not isinstance(scope, dict) or not scope:
        scope = {"type": "default"}
    return json.dumps(scope, sort_keys=True, separators=(",", ":"))


def _applies(methods: frozenset[str] | None, method: str) -> bool:
    """Whether a fault control configured for ``methods`` (None: the default set) hits it."""
    return method not in _UNFAULTED if methods is None else method in methods


def _check_rate(name: str, value: float) -> None:
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be between 0 and 1, not {value}")


def _inline_rows(markup: Any) -> list[list[JSONDict]]:
    if isinstance(markup, dict) and isinstance(markup.get("inline_keyboard"), list):
        return [row for row in markup["inline_keyboard"] if isinstance(row, list)]
    return []


class Sandbox:
    """The local Bot API server with its simulated users. Use ``async with Sandbox(...)``."""

    def __init__(
        self,
        *,
        token: str,
        bot_username: str = "dampingan_bot",
        bot_first_name: str = "Dampingan",
        spec_path: Path | None = None,
        strict: bool = True,
        flood_limits: bool = False,
        long_poll_max: float = 1.0,
        first_update_id: int = 1,
    ) -> None:
        self.token = token
        prefix = token.partition(":")[0]
        self.bot_id: int = int(prefix) if prefix.isdigit() else 5_000_000_001
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.strict = strict
        self.flood_limits = flood_limits
        self.long_poll_max = long_poll_max
        self.spec: BotApiSpec | None = self._load_spec(spec_path)

        self.url: str = ""
        self.requests: list[RecordedRequest] = []
        self.errors: list[str] = []
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.menu_buttons: dict[int | None, JSONDict] = {}
        self.files = FileStore()

        self._users: dict[int, SandboxUser] = {}
        self._blocked: set[int] = set()
        self._faults: dict[str, deque[_Fault]] = {}
        # Injected faults, in the order they happened, as (method, kind).
        self.faults_injected: list[tuple[str, FaultKind]] = []
        # Every 429 answered by a flood, in order.
        self.flood_answers: list[FloodAnswer] = []
        self._random_failure: _RandomFailure | None = None
        self._late_answers: _LateAnswers | None = None
        self._flood: _Flood | None = None
        # The end (time.monotonic()) of the latest retry_after pause a flood 429 announced,
        # and the methods it covers; calls of those methods before it are early retries.
        self._pause_until = 0.0
        self._pause_methods: frozenset[str] | None = None
        self._download_delay = 0.0
        self._listeners: list[Callable[[ChatEvent], None]] = []
        self._busy_probes: list[Callable[[], bool]] = []
        self._callbacks: dict[str, _PendingCallback] = {}
        self._callback_ids = itertools.count(4_200_000_000_000_000_001)

        self._updates: deque[JSONDict] = deque()
        # Telegram numbers updates from an arbitrary point (and picks a new random one after
        # a quiet week); a demo that keeps its database across runs starts past the last run.
        self._last_update_id = first_update_id - 1
        self._fetched_up_to = first_update_id - 1
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0

        self._changed = asyncio.Event()
        self._last_activity = time.monotonic()
        self._inflight = 0
        self._closing = False
        self._global_bucket = _Bucket(rate=30, burst=30)
        self._chat_buckets: dict[int, _Bucket] = {}

        self._runner: web.AppRunner | None = None
        self._handlers: dict[str, Handler] = self._build_handlers()
        missing = set(METHODS) ^ set(self._handlers)
        assert not missing, f"METHODS and handlers disagree: {sorted(missing)}"
        self._method_by_lower = {name.lower(): name for name in METHODS}

    # -- lifecycle -----------------------------------------------------------------------

    def _load_spec(self, spec_path: Path | None) -> BotApiSpec | None:
        path = spec_path if spec_path is not None else default_spec_path()
        if not path.is_file():
            if spec_path is not None:
                raise FileNotFoundError(f"Bot API description not found: {path}")
            global _warned_no_spec
            if not _warned_no_spec:  # once per process, not once per test
                log.warning("api.json not found at %s: running without Bot API validation", path)
                _warned_no_spec = True
            return None
        return BotApiSpec.load(path)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Starts serving; ``port=0`` picks a free port. ``url`` is set afterwards."""
        # Uploads may be up to 50 MB on the real API; aiohttp's default limit is 1 MB.
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_port = self._runner.addresses[0][1]
        self.url = f"http://{host}:{bound_port}"
        self._closing = False

    async def stop(self) -> None:
        """Stops serving; long polls in progress return at once."""
        self._closing = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- simulated people and scenario controls -------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "id",
    ) -> SandboxUser:
        """The simulated user ``user_id`` (created on first call; later calls return it)."""
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        user = SandboxUser(
            self,
            user_id,
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self._users[user_id] = user
        return user

    @property
    def users(self) -> Mapping[int, SandboxUser]:
        """Every simulated user by id."""
        return self._users

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to the chat fail with 403 from now on."""
        if user_id in self._blocked:
            return
        self._blocked.add(user_id)
        user = self._users.get(user_id)
        if user is not None and user.started:
            self._member_update(user, "member", "kicked")

    def unblock(self, user_id: int) -> None:
        """The user unblocks (restarts) the bot."""
        if user_id not in self._blocked:
            return
        self._blocked.discard(user_id)
        user = self._users.get(user_id)
        if user is not None and user.started:
            self._member_update(user, "kicked", "member")

    def is_blocked(self, user_id: int) -> bool:
        """Whether the user has blocked the bot."""
        return user_id in self._blocked

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        description: str,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Makes the next ``times`` calls of ``method`` fail with this error (before checks)."""
        fault = _Fault(status, description, retry_after, times)
        self._faults.setdefault(method.lower(), deque()).append(fault)

    def fail_randomly(
        self,
        rate: float,
        *,
        status: int = 502,
        description: str = "Bad Gateway",
        methods: Iterable[str] | None = None,
        after_acting: float = 0.0,
        seed: int = 0,
    ) -> None:
        """From now on each call of ``methods`` fails with probability ``rate``.

        The answer is HTTP ``status`` with Telegram's error envelope. With probability
        ``after_acting`` a failing call is carried out first (the message is delivered and
        recorded) and answered with the error only then, as when Telegram's front end times
        out on a back end that did act. ``methods=None`` means every method but getUpdates
        and getMe. Draws come from ``random.Random(seed)``, so a run repeats exactly when the
        calls come in the same order. ``fail_randomly(0)`` turns it off.
        """
        _check_rate("rate", rate)
        _check_rate("after_acting", after_acting)
        if not rate:
            self._random_failure = None
            return
        self._random_failure = _RandomFailure(
            rate,
            ApiError(status, description),
            self._method_names(methods),
            after_acting,
            random.Random(seed),
        )

    def answer_late(
        self,
        rate: float,
        *,
        delay: float,
        methods: Iterable[str] | None = None,
        seed: int = 0,
    ) -> None:
        """From now on each call of ``methods`` is, with probability ``rate``, carried out at
        once but answered ``delay`` seconds later.

        A client with a shorter read timeout then times out although Telegram acted. The
        held answer counts as in flight for :meth:`settle`. ``methods=None`` means every
        method but getUpdates and getMe; draws come from ``random.Random(seed)``.
        ``answer_late(0, delay=0)`` turns it off.
        """
        _check_rate("rate", rate)
        if delay < 0:
            raise ValueError(f"delay must not be negative, not {delay}")
        if not rate or not delay:
            self._late_answers = None
            return
        self._late_answers = _LateAnswers(
            rate, delay, self._method_names(methods), random.Random(seed)
        )

    def flood(
        self,
        seconds: float,
        *,
        retry_after: int = 1,
        methods: Iterable[str] | None = None,
    ) -> None:
        """A 429 storm: for the next ``seconds`` seconds every call of ``methods`` is refused
        with "Too Many Requests: retry after N" (N = ``retry_after``), nothing carried out.

        Each 429 goes to :attr:`flood_answers`. A call of those methods that comes before
        the pause a 429 announced is over (its answer time + ``retry_after``), during the
        storm or after it, is marked ``early_retry`` and counted in :attr:`early_retries`.
        ``methods=None`` means every method but getUpdates and getMe; ``flood(0)`` ends a
        storm (pauses already announced still count).
        """
        if seconds < 0:
            raise ValueError(f"seconds must not be negative, not {seconds}")
        if retry_after < 1:
            raise ValueError(f"retry_after must be at least 1, not {retry_after}")
        self._flood = _Flood(time.monotonic() + seconds, retry_after, self._method_names(methods))

    def slow_downloads(self, delay: float) -> None:
        """File downloads (``/file/bot<token>/...``) are answered after ``delay`` seconds;
        0 turns it off. A held download counts as in flight for :meth:`settle`."""
        if delay < 0:
            raise ValueError(f"delay must not be negative, not {delay}")
        self._download_delay = delay

    @property
    def early_retries(self) -> int:
        """How many calls came while a retry_after pause announced by a flood 429 ran."""
        return sum(1 for r in self.requests if r.early_retry)

    def add_busy_probe(self, probe: Callable[[], bool]) -> Callable[[], None]:
        """Makes `settle` also wait while `probe()` is true: the bot says it is still working
        on updates it fetched. Without it, a slow handler that has not called the API yet
        looks like a quiet bot. Returns a function that removes the probe."""
        self._busy_probes.append(probe)
        return lambda: self._busy_probes.remove(probe)

    def add_listener(self, callback: Callable[[ChatEvent], None]) -> Callable[[], None]:
        """Calls ``callback`` for every ChatEvent; returns a function that unregisters it."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback)

    @property
    def last_update_id(self) -> int:
        """The id of the newest update queued for the bot (0 before the first)."""
        return self._last_update_id

    def calls(self, method: str) -> list[RecordedRequest]:
        """The recorded requests of one method, oldest first."""
        return [r for r in self.requests if r.method.lower() == method.lower()]

    def describe_recent(self, count: int = 10) -> str:
        """The last ``count`` non-polling requests, one per line, for failure messages."""
        recent = [r for r in self.requests if r.method != "getUpdates"][-count:]
        if not recent:
            return "  (the bot made no API call besides getUpdates)"
        return "\n".join(f"  {r.summary()}" for r in recent)

    # The timeout parameters below are part of the API tests use; asyncio.timeout would make
    # every caller wrap the call.
    async def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Waits until every queued update was fetched and the bot was quiet for ``quiet`` s.

        Raises TimeoutError (with what is still pending) after ``timeout`` seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if any(probe() for probe in self._busy_probes):
                self._last_activity = time.monotonic()
            idle = time.monotonic() - self._last_activity
            if self._all_fetched() and self._inflight == 0 and idle >= quiet:
                return
            if loop.time() >= deadline:
                pending = self._last_update_id - self._fetched_up_to
                raise TimeoutError(
                    f"sandbox did not settle within {timeout} s: {max(pending, 0)} update(s) "
                    f"not fetched by getUpdates, {self._inflight} call(s) in progress"
                    f"{', the bot busy' if any(p() for p in self._busy_probes) else ''}. "
                    f"Is the bot polling?\nRecent requests:\n{self.describe_recent()}"
                )
            await asyncio.sleep(min(0.02, max(quiet - idle, 0.005)))

    # -- internals shared with SandboxUser ------------------------------------------------

    def bot_user(self) -> JSONDict:
        """The bot as a User object (the ``from`` of its messages)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def enqueue(self, kind: str, payload: JSONDict) -> JSONDict:
        """Queues an update for getUpdates and wakes a waiting long poll."""
        self._last_update_id += 1
        update = {"update_id": self._last_update_id, kind: payload}
        self._updates.append(update)
        self._notify()
        return update

    def menu_for(self, user_id: int, language_code: str | None) -> list[JSONDict]:
        """The commands a Telegram client shows this user in a private chat: the chat's own
        scope first, then the default scopes, each for the user's language before any."""
        language = (language_code or "").split("-")[0]
        chat = _canonical_scope({"type": "chat", "chat_id": user_id})
        private = _canonical_scope({"type": "all_private_chats"})
        default = _canonical_scope(None)
        for scope in (chat, private, default):
            for lang in (language, ""):
                if (scope, lang) in self.commands:
                    return list(self.commands[(scope, lang)])
        return []

    def redeliver(self, update: JSONDict) -> None:
        """Puts an already confirmed update back, with its own update_id, as Telegram does
        for the last batch of a bot that died before its next getUpdates confirmed it.
        A poller whose offset is already past the id (the same process) will not see it;
        a restarted bot, polling without an offset, gets it again."""
        position = sum(1 for queued in self._updates if queued["update_id"] < update["update_id"])
        self._updates.insert(position, update)
        self._notify()

    def new_callback(self, user: SandboxUser) -> tuple[str, _PendingCallback]:
        """A fresh callback query id and the record its answer will fill."""
        query_id = str(next(self._callback_ids))
        pending = _PendingCallback(user)
        self._callbacks[query_id] = pending
        return query_id, pending

    async def wait_changed(self, timeout: float) -> None:  # noqa: ASYNC109
        """Waits until something happens in the sandbox or ``timeout`` passes."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)

    def emit(self, event: ChatEvent) -> None:
        """Tells listeners (the terminal) about a change in a chat."""
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("sandbox listener failed on %s", event.kind)

    def _notify(self) -> None:
        # Waiters hold the old event; replacing it lets every one of them wake exactly once.
        event = self._changed
        self._changed = asyncio.Event()
        event.set()

    def _all_fetched(self) -> bool:
        return self._fetched_up_to >= self._last_update_id

    def _member_update(self, user: SandboxUser, old: str, new: str) -> None:
        bot = self.bot_user()
        now = int(time.time())
        old_member: JSONDict = {"status": old, "user": bot}
        new_member: JSONDict = {"status": new, "user": bot}
        for member in (old_member, new_member):
            if member["status"] == "kicked":
                member["until_date"] = 0
        self.enqueue(
            "my_chat_member",
            {
                "chat": user.chat,
                "from": user.as_user,
                "date": now,
                "old_chat_member": old_member,
                "new_chat_member": new_member,
            },
        )

    # -- HTTP ------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        method_name = request.match_info["method"]
        canonical = self._canonical(method_name)
        try:
            params, attachments = await self._read_params(request, canonical or method_name)
        except ApiError as error:
            return self._respond(error.status, error.envelope())
        record = RecordedRequest(canonical or method_name, params, time.time(), attachments)
        self.requests.append(record)
        # A long poll is the bot waiting for people, not the bot working.
        busy = canonical != "getUpdates"
        if busy:
            self._inflight += 1
            self._last_activity = time.monotonic()
        try:
            hold = 0.0
            if request.match_info["token"] != self.token:
                status, body = 401, ApiError(401, "Unauthorized").envelope()
            else:
                status, body, hold = await self._dispatch(canonical, record)
            # The record shows the outcome as soon as it is decided, a held answer included.
            record.status = status
            record.response = body
            self._notify()
            if hold:
                # Telegram acted; until the bot hears so, it is still working on the call.
                if not busy:
                    busy = True
                    self._inflight += 1
                await self._hold(hold)
        finally:
            if busy:
                self._inflight -= 1
                self._last_activity = time.monotonic()
        return self._respond(status, body)

    async def _hold(self, delay: float) -> None:
        """Waits ``delay`` seconds, or less if the sandbox stops meanwhile."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + delay
        while not self._closing and (remaining := deadline - loop.time()) > 0:
            await self.wait_changed(remaining)

    @staticmethod
    def _respond(status: int, body: JSONDict) -> web.Response:
        return web.json_response(
            body, status=status, dumps=lambda obj: json.dumps(obj, ensure_ascii=False)
        )

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self.files.by_path(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None:
            return self._respond(404, ApiError(404, "Not Found").envelope())
        if self._download_delay:
            self.faults_injected.append(("download", "slow-download"))
            # The bot is busy while it waits for the file, as with a held API answer.
            self._inflight += 1
            try:
                await self._hold(self._download_delay)
            finally:
                self._inflight -= 1
                self._last_activity = time.monotonic()
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    def _canonical(self, name: str) -> str | None:
        """The method's proper name if the sandbox or the Bot API knows it."""
        known = self._method_by_lower.get(name.lower())
        if known is not None:
            return known
        if self.spec is not None:
            definition = self.spec.method(name)
            return definition.name if definition else None
        return None

    def _kind(self, method: str, name: str) -> Kind | None:
        honoured = METHODS.get(method, {}).get(name)
        if honoured is not None:
            return honoured
        if self.spec is not None:
            definition = self.spec.method(method)
            if definition is not None and name in definition.fields:
                return kind_of(definition.fields[name].types)
        return None

    async def _read_params(
        self, request: web.Request, method: str
    ) -> tuple[JSONDict, dict[str, Upload]]:
        raw: JSONDict = dict(request.query)
        uploads: dict[str, Upload] = {}
        if request.body_exists:
            content_type = request.content_type
            if content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise ApiError(400, "Bad Request: can't parse JSON request body") from exc
                if isinstance(body, dict):
                    raw.update(body)
            elif content_type.startswith("multipart/"):
                reader = await request.multipart()
                while (part := await reader.next()) is not None:
                    if not isinstance(part, BodyPartReader) or part.name is None:
                        continue
                    if part.filename is not None:
                        uploads[part.name] = Upload(
                            part.name,
                            part.filename,
                            part.headers.get("Content-Type"),
                            bytes(await part.read()),
                        )
                    else:
                        raw[part.name] = await part.text()
            else:
                form = await request.post()
                raw.update({k: v for k, v in form.items() if isinstance(v, str)})
        params = {name: _coerce(value, self._kind(method, name)) for name, value in raw.items()}
        attachments: dict[str, Upload] = {}
        for name, upload in uploads.items():
            # A part named like a parameter is that parameter; others are attach:// targets.
            if self._kind(method, name) is not None:
                params[name] = upload
            else:
                attachments[name] = upload
        return params, attachments

    async def _dispatch(
        self, canonical: str | None, record: RecordedRequest
    ) -> tuple[int, JSONDict, float]:
        """Status and body of the answer, and how long to hold it back, after faults."""
        if canonical is None:
            return 404, ApiError(404, "Not Found").envelope(), 0.0
        self._check_early_retry(canonical, record)
        fault = self._take_fault(canonical)
        if fault is not None:
            self._inject(record, "next")
            return fault.status, fault.envelope(), 0.0
        storm = self._flood_answer(canonical, record)
        if storm is not None:
            return storm.status, storm.envelope(), 0.0
        # Both draws happen for every call they cover, so that each control's sequence depends
        # only on its own seed and the calls, not on the other control.
        failure, after_acting = self._draw_failure(canonical)
        late = self._draw_late(canonical)
        if failure is not None and not after_acting:
            self._inject(record, "fail")
            return failure.status, failure.envelope(), 0.0
        status, body = await self._carry_out(canonical, record)
        if failure is not None:
            self._inject(record, "fail-after-acting")
            return failure.status, failure.envelope(), 0.0
        if late:
            self._inject(record, "late")
            return status, body, late
        return status, body, 0.0

    async def _carry_out(self, canonical: str, record: RecordedRequest) -> tuple[int, JSONDict]:
        """Checks and performs a call, as Telegram's back end does."""
        if canonical not in METHODS:
            problem = f"method {canonical} is not implemented by the sandbox"
            if self.strict:
                self.errors.append(problem)
            return 400, ApiError(400, f"Bad Request: {problem}").envelope()
        if self.strict and self.spec is not None:
            checked = {
                k: v for k, v in record.params.items() if (canonical, k) not in IGNORED_EXTRAS
            }
            problems = self.spec.validate_call(
                canonical, checked, attachments=record.attachments.keys()
            )
            if problems:
                self.errors.extend(f"{canonical}: {p}" for p in problems)
                return 400, ApiError(400, f"Bad Request: {'; '.join(problems)}").envelope()
        call = _Call(canonical, record.params, record.attachments)
        try:
            result = await self._handlers[canonical](call)
        except ApiError as error:
            return error.status, error.envelope()
        except Exception as exc:
            # A sandbox bug must fail the test that hit it, not pass as a network error.
            log.exception("sandbox failed on %s", canonical)
            self.errors.append(f"{canonical}: the sandbox crashed: {exc!r}")
            return 500, ApiError(500, "Internal Server Error").envelope()
        if self.strict and self.spec is not None:
            definition = self.spec.method(canonical)
            if definition is not None:
                problems = self.spec.validate_result(definition.returns, result)
                self.errors.extend(f"{canonical} result (sandbox bug): {p}" for p in problems)
        return 200, {"ok": True, "result": result}

    def _method_names(self, methods: Iterable[str] | None) -> frozenset[str] | None:
        """Proper method names for a fault control; None stays None (the default set)."""
        if methods is None:
            return None
        if isinstance(methods, str):
            # A bare string would iterate as letters; a test meant the one method.
            methods = [methods]
        names: set[str] = set()
        for name in methods:
            canonical = self._canonical(name)
            if canonical is None:
                raise ValueError(f"unknown Bot API method: {name!r}")
            names.add(canonical)
        return frozenset(names)

    def _inject(self, record: RecordedRequest, kind: FaultKind) -> None:
        record.fault = kind
        self.faults_injected.append((record.method, kind))

    def _check_early_retry(self, method: str, record: RecordedRequest) -> None:
        if time.monotonic() < self._pause_until and _applies(self._pause_methods, method):
            record.early_retry = True

    def _flood_answer(self, method: str, record: RecordedRequest) -> ApiError | None:
        storm = self._flood
        if storm is None or not _applies(storm.methods, method):
            return None
        now = time.monotonic()
        if now >= storm.until:
            return None
        self._inject(record, "429")
        self.flood_answers.append(FloodAnswer(method, now, storm.retry_after))
        self._pause_until = max(self._pause_until, now + storm.retry_after)
        self._pause_methods = storm.methods
        return ApiError(
            429,
            f"Too Many Requests: retry after {storm.retry_after}",
            retry_after=storm.retry_after,
        )

    def _draw_failure(self, method: str) -> tuple[ApiError | None, bool]:
        """The error a random failure answers with (None: no failure), and whether the call
        is carried out first."""
        failing = self._random_failure
        if failing is None or not _applies(failing.methods, method):
            return None, False
        if failing.rng.random() >= failing.rate:
            return None, False
        return failing.error, failing.rng.random() < failing.after_acting

    def _draw_late(self, method: str) -> float:
        """Seconds to hold this call's answer back (0: answer at once)."""
        late = self._late_answers
        if late is None or not _applies(late.methods, method):
            return 0.0
        return late.delay if late.rng.random() < late.rate else 0.0

    def _take_fault(self, method: str) -> ApiError | None:
        queue = self._faults.get(method.lower())
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.popleft()
        return ApiError(fault.status, fault.description, retry_after=fault.retry_after)

    # -- handlers: bot, updates, webhook ---------------------------------------------------

    def _build_handlers(self) -> dict[str, Handler]:
        return {
            "getMe": self._get_me,
            "logOut": self._true,
            "close": self._true,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": self._set_my_description,
            "getMyDescription": self._get_my_description,
            "setMyShortDescription": self._set_my_short_description,
            "getMyShortDescription": self._get_my_short_description,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendMediaGroup": self._send_media_group,
            "sendLocation": self._send_location,
            "sendChatAction": self._send_chat_action,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
        }

    async def _true(self, call: _Call) -> bool:
        return True

    async def _get_me(self, call: _Call) -> JSONDict:
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, call: _Call) -> list[JSONDict]:
        offset = call.get("offset")
        limit = call.get("limit", 100)
        limit = min(max(limit, 1), 100) if isinstance(limit, int) else 100
        timeout = call.get("timeout", 0)
        allowed = call.get("allowed_updates")
        if isinstance(allowed, list):
            # An empty list restores the default; the setting persists across calls.
            self._allowed_updates = frozenset(map(str, allowed)) if allowed else None
        self._confirm(offset if isinstance(offset, int) else None)

        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # an older poll still waiting is terminated, as on Telegram
        loop = asyncio.get_running_loop()
        wait = min(float(timeout), self.long_poll_max) if isinstance(timeout, int | float) else 0.0
        deadline = loop.time() + wait
        while True:
            self._drop_not_allowed()
            remaining = deadline - loop.time()
            if self._updates or remaining <= 0 or self._closing:
                break
            await self.wait_changed(remaining)
            if generation != self._poll_generation:
                raise ApiError(409, POLL_CONFLICT)
        batch = list(itertools.islice(self._updates, limit))
        if batch:
            self._fetched_up_to = max(self._fetched_up_to, batch[-1]["update_id"])
            self._last_activity = time.monotonic()
        return batch

    def _confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset > 0:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
        else:
            while len(self._updates) > -offset:
                self._updates.popleft()

    def _drop_not_allowed(self) -> None:
        def allowed(update: JSONDict) -> bool:
            kind = next(k for k in update if k != "update_id")
            if self._allowed_updates is None:
                return kind not in _NOT_BY_DEFAULT
            return kind in self._allowed_updates

        kept = deque(u for u in self._updates if allowed(u))
        if len(kept) != len(self._updates):
            for update in self._updates:
                if not allowed(update):
                    self._fetched_up_to = max(self._fetched_up_to, update["update_id"])
            self._updates = kept

    async def _delete_webhook(self, call: _Call) -> bool:
        if call.get("drop_pending_updates") is True:
            self._updates.clear()
            self._fetched_up_to = self._last_update_id
        return True

    async def _get_webhook_info(self, call: _Call) -> JSONDict:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    # -- handlers: commands, descriptions, menu button -------------------------------------

    def _command_key(self, call: _Call) -> tuple[str, str]:
        scope = call.get("scope")
        if isinstance(scope, dict) and "chat_id" in scope:
            chat_id = scope["chat_id"]
            user = self._users.get(chat_id) if isinstance(chat_id, int) else None
            if user is None or not user.started:
                raise ApiError(400, CHAT_NOT_FOUND)
        language = call.get("language_code") or ""
        if language and not _LANGUAGE_RE.fullmatch(str(language)):
            raise ApiError(400, "Bad Request: invalid language code specified")
        return _canonical_scope(scope), str(language)

    async def _set_my_commands(self, call: _Call) -> bool:
        commands = call.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be a list of at most 100 items")
        cleaned: list[JSONDict] = []
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            description = command.get("description") if isinstance(command, dict) else None
            if not isinstance(name, str) or not _COMMAND_RE.fullmatch(name.lower()):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise ApiError(400, "Bad Request: command description is empty or too long")
            cleaned.append({"command": name.lower(), "description": description})
        key = self._command_key(call)
        if cleaned:
            self.commands[key] = cleaned
        else:
            self.commands.pop(key, None)
        return True

    async def _get_my_commands(self, call: _Call) -> list[JSONDict]:
        return list(self.commands.get(self._command_key(call), []))

    async def _delete_my_commands(self, call: _Call) -> bool:
        self.commands.pop(self._command_key(call), None)
        return True

    async def _set_my_description(self, call: _Call) -> bool:
        text = str(call.get("description") or "")
        if len(text) > 512:
            raise ApiError(400, "Bad Request: description is too long")
        self.descriptions[str(call.get("language_code") or "")] = text
        return True

    async def _get_my_description(self, call: _Call) -> JSONDict:
        language = str(call.get("language_code") or "")
        text = self.descriptions.get(language, self.descriptions.get("", ""))
        return {"description": text}

    async def _set_my_short_description(self, call: _Call) -> bool:
        text = str(call.get("short_description") or "")
        if len(text) > 120:
            raise ApiError(400, "Bad Request: short description is too long")
        self.short_descriptions[str(call.get("language_code") or "")] = text
        return True

    async def _get_my_short_description(self, call: _Call) -> JSONDict:
        language = str(call.get("language_code") or "")
        text = self.short_descriptions.get(language, self.short_descriptions.get("", ""))
        return {"short_description": text}

    async def _set_chat_menu_button(self, call: _Call) -> bool:
        button = call.get("menu_button")
        self.menu_buttons[call.get("chat_id")] = (
            button if isinstance(button, dict) else {"type": "default"}
        )
        return True

    async def _get_chat_menu_button(self, call: _Call) -> JSONDict:
        chat_id = call.get("chat_id")
        return self.menu_buttons.get(chat_id, self.menu_buttons.get(None, {"type": "default"}))

    # -- handlers: sending -----------------------------------------------------------------

    def _chat(self, call: _Call) -> SandboxUser:
        """The private chat a call addresses; 400 if unknown, 403 if the user blocked us."""
        chat_id = call.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(chat_id, str) and _INT_RE.fullmatch(chat_id):
            chat_id = int(chat_id)
        user = self._users.get(chat_id) if isinstance(chat_id, int) else None
        if user is None or not user.started:
            raise ApiError(400, CHAT_NOT_FOUND)
        if user.id in self._blocked:
            raise ApiError(403, BLOCKED)
        return user

    def _check_flood(self, chat_id: int) -> None:
        if not self.flood_limits:
            return
        bucket = self._chat_buckets.setdefault(chat_id, _Bucket(rate=1.0, burst=3))
        wait = bucket.take()
        if not wait:
            wait = self._global_bucket.take()
            if wait:
                bucket.refund()
        if wait:
            seconds = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)

    def _formatted(self, text: Any, parse_mode: Any, entities: Any) -> tuple[str, list[JSONDict]]:
        """Text and entities after parsing, whitespace trimmed as Telegram does."""
        text = "" if text is None else str(text)
        if isinstance(entities, list):
            parsed, found = text, [e for e in entities if isinstance(e, dict)]
        else:
            try:
                parsed, found = parse_text(text, parse_mode, strict=self.strict)
            except EntityParseError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from exc
        return strip_whitespace(parsed, found)

    def _check_markup(self, markup: Any) -> JSONDict | None:
        """Checks a reply_markup as Telegram does; returns it with keyboards normalised."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            for row in _inline_rows(markup):
                for button in row:
                    self._check_inline_button(button)
            return markup
        if "keyboard" in markup:
            rows = markup.get("keyboard")
            if not isinstance(rows, list):
                raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
            normalised = [
                [{"text": b} if isinstance(b, str) else b for b in row]
                for row in rows
                if isinstance(row, list)
            ]
            return {**markup, "keyboard": normalised}
        return markup

    @staticmethod
    def _check_inline_button(button: Any) -> None:
        if not isinstance(button, dict):
            raise ApiError(400, "Bad Request: can't parse inline keyboard button")
        actions = set(button) - {"text", "icon_custom_emoji_id", "style"}
        if not actions:
            raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
        data = button.get("callback_data")
        if data is not None and (
            not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT
        ):
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        url = button.get("url")
        if url is not None and not re.match(r"(https?|tg)://\S+", str(url)):
            raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")

    def _reply_to(self, user: SandboxUser, reply_parameters: Any) -> JSONDict | None:
        if not isinstance(reply_parameters, dict):
            return None
        target = user.messages.get(reply_parameters.get("message_id"))  # type: ignore[arg-type]
        if target is None:
            if reply_parameters.get("allow_sending_without_reply"):
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return {k: v for k, v in target.items() if k != "reply_to_message"}

    def _post(
        self,
        user: SandboxUser,
        content: JSONDict,
        *,
        markup: JSONDict | None = None,
        reply_to: JSONDict | None = None,
    ) -> JSONDict:
        """Creates a bot message in the user's chat and shows it on the "phone"."""
        message: JSONDict = {
            "message_id": user.next_message_id(),
            "from": self.bot_user(),
            "chat": user.chat,
            "date": int(time.time()),
        }
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(content)
        # Only inline keyboards belong to a message; reply keyboards belong to the chat.
        if any(_inline_rows(markup)):
            message["reply_markup"] = markup
        user.receive(message, markup)
        self.emit(ChatEvent("message", user.id, user.view(message)))
        return message

    async def _send_message(self, call: _Call) -> JSONDict:
        user = self._chat(call)
        text, entities = self._formatted(
            call.get("text"), call.get("parse_mode"), call.get("entities")
        )
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > TEXT_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        markup = self._check_markup(call.get("reply_markup"))
        reply_to = self._reply_to(user, call.get("reply_parameters"))
        self._check_flood(user.id)
        content: JSONDict = {"text": text}
        if entities:
            content["entities"] = entities
        return self._post(user, content, markup=markup, reply_to=reply_to)

    def _caption(self, call: _Call) -> JSONDict:
        caption, entities = self._formatted(
            call.get("caption"), call.get("parse_mode"), call.get("caption_entities")
        )
        if len(caption) > CAPTION_LIMIT:
            raise ApiError(400, "Bad Request: message caption is too long")
        content: JSONDict = {}
        if caption:
            content["caption"] = caption
            if entities:
                content["caption_entities"] = entities
        return content

    def _resolve_file(self, call: _Call, value: Any) -> Upload | StoredFile:
        """An uploaded part or a stored file for an InputFile-or-String value."""
        if isinstance(value, Upload):
            return value
        if not isinstance(value, str) or not value:
            raise ApiError(400, "Bad Request: there is no file in the request")
        if value.startswith("attach://"):
            upload = call.attachments.get(value.removeprefix("attach://"))
            if upload is None:
                raise ApiError(400, f"Bad Request: file {value} not found in the request")
            return upload
        if value.startswith(("http://", "https://")):
            # The sandbox never fetches from the internet.
            raise ApiError(400, "Bad Request: failed to get HTTP URL content")
        stored = self.files.get(value)
        if stored is None:
            raise ApiError(400, WRONG_FILE_ID)
        return stored

    async def _photo_sizes(self, source: Upload | StoredFile) -> list[JSONDict]:
        if isinstance(source, StoredFile):
            if source.kind != "photo" or source.photo_group is None:
                raise ApiError(400, "Bad Request: type of file mismatch")
            return source.photo_group
        if len(source.data) > 10 * 1024 * 1024:
            raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        try:
            return await self.files.add_photo(source.data, keep_original=True)
        except ImageError as exc:
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED") from exc

    def _document(self, source: Upload | StoredFile) -> JSONDict:
        if isinstance(source, StoredFile):
            if source.kind == "photo":
                raise ApiError(400, "Bad Request: type of file mismatch")
            return document_dict(source)
        return self.files.add_document(
            source.data, file_name=source.filename, mime_type=source.content_type
        )

    async def _send_photo(self, call: _Call) -> JSONDict:
        user = self._chat(call)
        content: JSONDict = {
            "photo": await self._photo_sizes(self._resolve_file(call, call.get("photo")))
        }
        content.update(self._caption(call))
        if call.get("has_spoiler") is True:
            content["has_media_spoiler"] = True
        if call.get("show_caption_above_media") is True and "caption" in content:
            content["show_caption_above_media"] = True
        markup = self._check_markup(call.get("reply_markup"))
        reply_to = self._reply_to(user, call.get("reply_parameters"))
        self._check_flood(user.id)
        return self._post(user, content, markup=markup, reply_to=reply_to)

    async def _send_document(self, call: _Call) -> JSONDict:
        user = self._chat(call)
        content: JSONDict = {
            "document": self._document(self._resolve_file(call, call.get("document")))
        }
        content.update(self._caption(call))
        markup = self._check_markup(call.get("reply_markup"))
        reply_to = self._reply_to(user, call.get("reply_parameters"))
        self._check_flood(user.id)
        return self._post(user, content, markup=markup, reply_to=reply_to)

    async def _send_media_group(self, call: _Call) -> list[JSONDict]:
        user = self._chat(call)
        media = call.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: media group must contain 2-10 items")
        kinds = {item.get("type") for item in media if isinstance(item, dict)}
        if len(kinds) > 1 and kinds & {"document", "audio"}:
            raise ApiError(400, "Bad Request: documents can't be mixed with other media types")
        contents: list[JSONDict] = []
        for index, item in enumerate(media):
            if not isinstance(item, dict):
                raise ApiError(400, f"Bad Request: can't parse InputMedia at index {index}")
            source = self._resolve_file(call, item.get("media"))
            kind = item.get("type")
            content: JSONDict
            if kind == "photo":
                content = {"photo": await self._photo_sizes(source)}
            elif kind == "document":
                content = {"document": self._document(source)}
            else:
                raise ApiError(400, f"Bad Request: the sandbox does not support {kind} in albums")
            caption, entities = self._formatted(
                item.get("caption"), item.get("parse_mode"), item.get("caption_entities")
            )
            if len(caption) > CAPTION_LIMIT:
                raise ApiError(400, "Bad Request: message caption is too long")
            if caption:
                content["caption"] = caption
                if entities:
                    content["caption_entities"] = entities
            contents.append(content)
        reply_to = self._reply_to(user, call.get("reply_parameters"))
        self._check_flood(user.id)
        group_id = str(secrets.randbelow(10**17) + 10**17)
        return [
            self._post(user, {**content, "media_group_id": group_id}, reply_to=reply_to)
            for content in contents
        ]

    async def _send_location(self, call: _Call) -> JSONDict:
        user = self._chat(call)
        latitude, longitude = call.get("latitude"), call.get("longitude")
        if not isinstance(latitude, int | float) or not -90 <= latitude <= 90:
            raise ApiError(400, "Bad Request: wrong latitude specified")
        if not isinstance(longitude, int | float) or not -180 <= longitude <= 180:
            raise ApiError(400, "Bad Request: wrong longitude specified")
        location: JSONDict = {"latitude": float(latitude), "longitude": float(longitude)}
        for name in ("horizontal_accuracy", "live_period", "heading"):
            if call.get(name) is not None:
                location[name] = call.get(name)
        markup = self._check_markup(call.get("reply_markup"))
        reply_to = self._reply_to(user, call.get("reply_parameters"))
        self._check_flood(user.id)
        return self._post(user, {"location": location}, markup=markup, reply_to=reply_to)

    async def _send_chat_action(self, call: _Call) -> bool:
        user = self._chat(call)
        action = call.get("action")
        if action not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self.emit(ChatEvent("action", user.id, data={"action": action}))
        return True

    # -- handlers: editing, deleting, callbacks, files --------------------------------------

    def _editable(self, call: _Call) -> tuple[SandboxUser, JSONDict]:
        if call.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        user = self._chat(call)
        message_id = call.get("message_id")
        if not isinstance(message_id, int):
            raise ApiError(400, "Bad Request: message identifier is not specified")
        message = user.messages.get(message_id)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id:
            raise ApiError(400, "Bad Request: message can't be edited")
        return user, message

    def _inline_markup(self, markup: Any) -> JSONDict | None:
        checked = self._check_markup(markup)
        if checked is not None and "inline_keyboard" not in checked:
            raise ApiError(400, "Bad Request: inline keyboard expected")
        return checked if checked is not None and any(_inline_rows(checked)) else None

    def _apply_edit(
        self, user: SandboxUser, old: JSONDict, changes: JSONDict, markup: JSONDict | None
    ) -> JSONDict:
        """Stores an edited message, or fails with "message is not modified"."""
        new = {k: v for k, v in old.items() if k not in ("reply_markup", "edit_date")}
        new.update(changes)
        new = {k: v for k, v in new.items() if v is not None}
        if markup is not None:
            new["reply_markup"] = markup
        comparable = ("text", "entities", "caption", "caption_entities", "reply_markup")
        if all(old.get(k) == new.get(k) for k in comparable):
            raise ApiError(400, NOT_MODIFIED)
        new["edit_date"] = int(time.time())
        user.replace(new)
        self.emit(ChatEvent("edited", user.id, user.view(new)))
        return new

    async def _edit_message_text(self, call: _Call) -> JSONDict:
        user, old = self._editable(call)
        if "text" not in old:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, entities = self._formatted(
            call.get("text"), call.get("parse_mode"), call.get("entities")
        )
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > TEXT_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        markup = self._inline_markup(call.get("reply_markup"))
        changes = {"text": text, "entities": entities or None}
        return self._apply_edit(user, old, changes, markup)

    async def _edit_message_caption(self, call: _Call) -> JSONDict:
        user, old = self._editable(call)
        if not any(k in old for k in ("photo", "document", "video", "animation", "audio")):
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        caption = self._caption(call)
        markup = self._inline_markup(call.get("reply_markup"))
        changes = {
            "caption": caption.get("caption"),
            "caption_entities": caption.get("caption_entities"),
        }
        return self._apply_edit(user, old, changes, markup)

    async def _edit_message_reply_markup(self, call: _Call) -> JSONDict:
        user, old = self._editable(call)
        markup = self._inline_markup(call.get("reply_markup"))
        return self._apply_edit(user, old, {}, markup)

    async def _delete_message(self, call: _Call) -> bool:
        user = self._chat(call)
        message_id = call.get("message_id")
        message = user.messages.get(message_id) if isinstance(message_id, int) else None
        if message is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        user.delete(message["message_id"])
        self.emit(ChatEvent("deleted", user.id, user.view(message)))
        return True

    async def _answer_callback_query(self, call: _Call) -> bool:
        pending = self._callbacks.get(str(call.get("callback_query_id")))
        if pending is None or pending.answered.is_set():
            raise ApiError(400, QUERY_TOO_OLD)
        if len(str(call.get("text") or "")) > ANSWER_TEXT_LIMIT:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        pending.answer = dict(call.params)
        pending.answered.set()
        self.emit(ChatEvent("answer", pending.user.id, data=pending.answer))
        return True

    async def _get_file(self, call: _Call) -> JSONDict:
        stored = self.files.get(str(call.get("file_id") or ""))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if stored.size > DOWNLOAD_LIMIT:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }
