"""Cutting long text to Telegram's limits: 4,096 characters a message, 1,024 a caption.

Length is counted the way Telegram checks it: in UTF-16 code units of the text *after* entity
parsing. With `html=True` (the default, for `parse_mode=HTML`) a tag counts for nothing, an
entity (`&amp;`, `&#128512;`) for the character it stands for, and a character outside the
Basic Multilingual Plane (most emoji) for two. With `html=False` every character of the text
counts as it is. Counting the parsed text rather than the raw HTML lets a digest full of
`<b>` use the whole message, and it is exact, so nothing is lost by being conservative.

Cuts fall, in order of preference, at a blank line (between paragraphs), at a line break, at
a space, and only as a last resort anywhere between two characters; never inside a tag or an
entity. The whitespace at a cut is dropped. A tag still open at a cut is closed at the end of
the part and opened again (with its attributes) at the start of the next, so every part is
valid HTML on its own when the whole text was.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from enum import Enum

__all__ = ["CAPTION_LIMIT", "MESSAGE_LIMIT", "fit_caption", "split_message", "telegram_length"]

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024

_HTML_TOKEN = re.compile(
    r"<(?P<close>/?)(?P<name>[A-Za-z][\w-]*)[^>]*>"
    r"|&(?:#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);"
    r"|.",
    re.DOTALL,
)
_SPACES = frozenset(" \t\r")


class _Kind(Enum):
    TEXT = "text"
    SPACE = "space"
    NEWLINE = "newline"
    OPEN = "open"
    CLOSE = "close"


@dataclass(frozen=True, slots=True)
class _Token:
    raw: str
    kind: _Kind
    width: int
    # Tag name for OPEN and CLOSE; for TEXT, whether it shows something (not a blank).
    name: str = ""
    ink: bool = False


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _char_token(raw: str, shown: str) -> _Token:
    if raw == "\n":
        return _Token(raw, _Kind.NEWLINE, 1)
    if raw in _SPACES:
        return _Token(raw, _Kind.SPACE, 1)
    return _Token(raw, _Kind.TEXT, _utf16(shown), ink=not shown.isspace())


def _tokens(text: str, html: bool) -> list[_Token]:
    if not html:
        return [_char_token(ch, ch) for ch in text]
    tokens: list[_Token] = []
    for match in _HTML_TOKEN.finditer(text):
        raw = match.group()
        name = match.group("name")
        if name is not None:
            kind = _Kind.CLOSE if match.group("close") else _Kind.OPEN
            tokens.append(_Token(raw, kind, 0, name=name.lower()))
        elif len(raw) > 1:
            tokens.append(_char_token(raw, html_lib.unescape(raw)))
        else:
            tokens.append(_char_token(raw, raw))
    return tokens


def telegram_length(text: str, *, html: bool = True) -> int:
    """The length Telegram compares with its limits (see the module docstring)."""
    return sum(token.width for token in _tokens(text, html))


def _apply(stack: list[_Token], token: _Token) -> None:
    """Keeps `stack` as the tags open after `token`."""
    if token.kind is _Kind.OPEN:
        stack.append(token)
    elif token.kind is _Kind.CLOSE:
        for index in range(len(stack) - 1, -1, -1):
            if stack[index].name == token.name:
                del stack[index:]
                break


def _closing(stack: list[_Token]) -> str:
    return "".join(f"</{tag.name}>" for tag in reversed(stack))


@dataclass
class _Cutter:
    tokens: list[_Token]
    limit: int
    position: int = 0
    # Tags open at `position`.
    stack: list[_Token] | None = None
    # Index of the last token that shows something: past it only blanks and tags are left.
    last_ink: int = -1

    def __post_init__(self) -> None:
        self.last_ink = max((i for i, t in enumerate(self.tokens) if t.ink), default=-1)

    def done(self) -> bool:
        self._skip_blank()
        return self.position > self.last_ink

    def _skip_blank(self) -> None:
        tokens = self.tokens
        while self.position < len(tokens) and tokens[self.position].kind in (
            _Kind.SPACE,
            _Kind.NEWLINE,
        ):
            self.position += 1

    def rest(self) -> str:
        """What is left, opening the tags that were open at the last cut."""
        self._skip_blank()
        stack = self.stack or []
        return "".join(t.raw for t in stack) + "".join(t.raw for t in self.tokens[self.position :])

    def next_part(self) -> tuple[str, bool]:
        """The next part and whether it shows anything; call only when not `done()`."""
        tokens, limit, start = self.tokens, self.limit, self.position
        count = len(tokens)
        width = 0
        has_ink = False
        end = start
        # Best cut of each priority so far: (end of the part, where the next one resumes).
        # 3 = blank line, 2 = line break, 1 = space.
        cuts: dict[int, tuple[int, int]] = {}
        while end < count:
            token = tokens[end]
            if token.kind in (_Kind.SPACE, _Kind.NEWLINE):
                run_end, newlines = end, 0
                while run_end < count and tokens[run_end].kind in (_Kind.SPACE, _Kind.NEWLINE):
                    newlines += tokens[run_end].kind is _Kind.NEWLINE
                    run_end += 1
                if run_end >= count:
                    # Trailing whitespace is dropped, so the rest fits.
                    end = count
                    break
                if has_ink:
                    cuts[min(newlines, 2) + 1] = (end, run_end)
                run_width = sum(t.width for t in tokens[end:run_end])
                if width + run_width > limit:
                    break
                width += run_width
                end = run_end
                continue
            if width + token.width > limit:
                break
            width += token.width
            has_ink = has_ink or token.ink
            end += 1

        if end >= count:
            cut, resume = count, count
        elif cuts:
            cut, resume = cuts[max(cuts)]
        else:
            # No blank to cut at: cut between two tokens, before any tag just opened (it
            # would be an empty element), and always move on by at least one token.
            cut = max(end, start + 1)
            while cut - 1 > start and tokens[cut - 1].kind is _Kind.OPEN:
                cut -= 1
            resume = cut

        opened = list(self.stack or [])
        prefix = "".join(t.raw for t in opened)
        ink = False
        for token in tokens[start:cut]:
            _apply(opened, token)
            ink = ink or token.ink
        part = prefix + "".join(t.raw for t in tokens[start:cut]) + _closing(opened)
        self.position, self.stack = resume, opened
        return part, ink


def _check(limit: int) -> None:
    if limit < 1:
        raise ValueError("limit must be positive")


def split_message(text: str, limit: int = MESSAGE_LIMIT, *, html: bool = True) -> list[str]:
    """`text` in parts of at most `limit` (Telegram-counted) characters, cut at paragraph
    breaks, else line breaks, else spaces; blank parts are left out, so blank text gives [].

    Only a single character wider than `limit` (an emoji with `limit=1`) can exceed it.
    """
    _check(limit)
    tokens = _tokens(text, html)
    if sum(t.width for t in tokens) <= limit:
        return [text] if any(t.ink for t in tokens) else []
    cutter = _Cutter(tokens, limit)
    parts: list[str] = []
    while not cutter.done():
        part, ink = cutter.next_part()
        if ink:
            parts.append(part)
    return parts


def fit_caption(
    text: str, limit: int = CAPTION_LIMIT, *, html: bool = True
) -> tuple[str, str | None]:
    """(caption, overflow): the caption is `text` itself when it fits, else its longest start
    that ends at a break (as `split_message` cuts); the overflow, to send as a message of its
    own, is the rest, or None when nothing is left."""
    _check(limit)
    tokens = _tokens(text, html)
    if sum(t.width for t in tokens) <= limit:
        return text, None
    cutter = _Cutter(tokens, limit)
    caption = ""
    while not cutter.done() and not caption:
        part, ink = cutter.next_part()
        caption = part if ink else ""
    if cutter.done():
        return caption, None
    return caption, cutter.rest()
