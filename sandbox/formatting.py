"""Telegram's text formatting: parse modes into text + entities, and entities back to a terminal.

Telegram never stores the markup a bot sends: it parses HTML or MarkdownV2 into plain text and
a list of MessageEntity objects (offsets in UTF-16 code units) and rejects the whole message
when the markup is malformed. The HTML parser follows tdlib's ``parse_html`` closely, including
its error texts, because "can't parse entities" is the commonest way a bot breaks on user
input. MarkdownV2 and legacy Markdown are covered in their usual forms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "EntityParseError",
    "find_bot_commands",
    "parse_text",
    "render_ansi",
    "strip_whitespace",
    "utf16_len",
]

Entity = dict[str, Any]

HTML_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
        "tg-spoiler", "tg-emoji", "tg-time", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip
_HTML_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
# tdlib's is_space(): the characters that end a tag name.
_SPACES = " \t\r\n\v\f\0"
MARKDOWN_V2_RESERVED = "_*[]()~`>#+-=|{}.!"


class EntityParseError(ValueError):
    """Malformed markup; ``str(error)`` is Telegram's text after "can't parse entities: "."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of MessageEntity offsets."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


@dataclass
class _Open:
    tag: str
    argument: str
    utf16_offset: int
    text_index: int
    attributes: dict[str, str]


class _Builder:
    """Collects output characters while tracking the UTF-16 offset."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.utf16 = 0

    def add(self, chars: str) -> None:
        self.parts.append(chars)
        self.utf16 += utf16_len(chars)

    def text(self) -> str:
        return "".join(self.parts)


def _decode_html_entity(source: str, pos: int) -> tuple[str, int] | None:
    """Decodes ``&...;`` at ``pos`` as tdlib does (the ``;`` is optional); None if not one."""
    end = pos + 1
    if end < len(source) and source[end] == "#":
        end += 1
        digits = "0123456789"
        base = 10
        if end < len(source) and source[end] in "xX":
            end += 1
            digits += "abcdefABCDEF"
            base = 16
        start = end
        while end < len(source) and source[end] in digits and end - start < 10:
            end += 1
        if end == start:
            return None
        code = int(source[start:end], base)
        if code == 0 or code >= 0x10FFFF:
            return None
        char = chr(code)
    else:
        start = end
        while end < len(source) and source[end].isascii() and source[end].isalpha():
            end += 1
        named = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}.get(source[start:end])
        if named is None:
            return None
        char = named
    if end < len(source) and source[end] == ";":
        end += 1
    return char, end


def parse_html(source: str, *, strict: bool = False) -> tuple[str, list[Entity]]:
    """Parses Telegram HTML into plain text and entities; raises EntityParseError.

    Telegram itself keeps a bare ``&`` or ``>`` as text. The Bot API documentation says they
    must be escaped, so ``strict`` rejects them too, to catch unescaped user text early.
    """
    out = _Builder()
    entities: list[Entity] = []
    stack: list[_Open] = []
    i = 0
    n = len(source)
    while i < n:
        char = source[i]
        if char == "&":
            decoded = _decode_html_entity(source, i)
            if decoded is not None:
                out.add(decoded[0])
                i = decoded[1]
                continue
            if strict:
                raise EntityParseError(
                    f"Character '&' at byte offset {_byte_offset(source, i)} must be written "
                    "as &amp; (the sandbox is stricter than Telegram here)"
                )
        if char == ">" and strict:
            raise EntityParseError(
                f"Character '>' at byte offset {_byte_offset(source, i)} must be written as "
                "&gt; (the sandbox is stricter than Telegram here)"
            )
        if char != "<":
            out.add(char)
            i += 1
            continue
        begin = i
        i += 1
        if i >= n or source[i] != "/":
            i = _html_start_tag(source, begin, i, out, stack)
        else:
            i = _html_end_tag(source, begin, i, out, stack, entities)
    if stack:
        raise EntityParseError(f"Can't find end tag corresponding to start tag {stack[-1].tag}")
    return out.text(), _sorted(entities)


def _html_start_tag(source: str, begin: int, i: int, out: _Builder, stack: list[_Open]) -> int:
    n = len(source)
    while i < n and source[i] not in _SPACES and source[i] != ">":
        i += 1
    offset = _byte_offset(source, begin)
    if i >= n:
        raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
    tag = source[begin + 1 : i].lower()
    if tag not in HTML_TAGS:
        raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {offset}')
    attributes: dict[str, str] = {}
    while i < n and source[i] != ">":
        while i < n and source[i] in _SPACES:
            i += 1
        if i < n and source[i] == ">":
            break
        name_start = i
        while i < n and source[i] not in _SPACES and source[i] not in "=>":
            i += 1
        name = source[name_start:i]
        if not name:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {offset}'
            )
        while i < n and source[i] in _SPACES:
            i += 1
        if i < n and source[i] != "=":
            if tag == "blockquote" and name.lower() == "expandable":
                attributes["expandable"] = ""
                continue
            raise EntityParseError(
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{tag}" at byte offset {offset}'
            )
        i += 1
        while i < n and source[i] in _SPACES:
            i += 1
        if i >= n:
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {offset}')
        if source[i] not in "'\"":
            token_start = i
            while i < n and ((source[i].isascii() and source[i].isalnum()) or source[i] in ".-"):
                i += 1
            value = source[token_start:i].lower()
            if i < n and source[i] not in _SPACES and source[i] != ">":
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset "
                    f"{_byte_offset(source, token_start)}"
                )
        else:
            quote = source[i]
            i += 1
            chunk: list[str] = []
            while i < n and source[i] != quote:
                if source[i] == "&":
                    decoded = _decode_html_entity(source, i)
                    if decoded is not None:
                        chunk.append(decoded[0])
                        i = decoded[1]
                        continue
                chunk.append(source[i])
                i += 1
            if i < n:
                i += 1
            value = "".join(chunk)
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
        attributes[name.lower()] = value
    argument = _html_argument(tag, attributes)
    if tag == "span" and argument != "spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    stack.append(_Open(tag, argument, out.utf16, len(out.parts), attributes))
    return i + 1


def _html_argument(tag: str, attributes: dict[str, str]) -> str:
    if tag == "a":
        return attributes.get("href", "")
    if tag == "code" and attributes.get("class", "").startswith("language-"):
        return attributes["class"].removeprefix("language-")
    if tag == "span" and attributes.get("class", "").startswith("tg-"):
        return attributes["class"].removeprefix("tg-")
    if tag == "tg-emoji":
        return attributes.get("emoji-id", "")
    if tag == "tg-time":
        return attributes.get("unix", "")
    return ""


def _html_end_tag(
    source: str,
    begin: int,
    i: int,
    out: _Builder,
    stack: list[_Open],
    entities: list[Entity],
) -> int:
    n = len(source)
    offset = _byte_offset(source, begin)
    if not stack:
        raise EntityParseError(f"Unexpected end tag at byte offset {offset}")
    while i < n and source[i] not in _SPACES and source[i] != ">":
        i += 1
    end_name = source[begin + 2 : i].lower()
    while i < n and source[i] in _SPACES and source[i] != "\0":
        i += 1
    if i >= n or source[i] != ">":
        raise EntityParseError(f"Unclosed end tag at byte offset {offset}")
    opened = stack.pop()
    if end_name and end_name != opened.tag:
        raise EntityParseError(
            f'Unmatched end tag at byte offset {offset}, expected "</{opened.tag}>", '
            f'found "</{end_name}>"'
        )
    length = out.utf16 - opened.utf16_offset
    if length > 0:
        _html_entity(opened, length, out, entities)
    return i + 1


def _html_entity(opened: _Open, length: int, out: _Builder, entities: list[Entity]) -> None:
    start = opened.utf16_offset
    tag = opened.tag
    if tag in _HTML_TYPES:
        entities.append({"type": _HTML_TYPES[tag], "offset": start, "length": length})
    elif tag == "tg-emoji":
        if not opened.argument.isdigit() or int(opened.argument) == 0:
            raise EntityParseError("Invalid custom emoji identifier specified")
        entities.append(
            {"type": "custom_emoji", "offset": start, "length": length,
             "custom_emoji_id": opened.argument}
        )  # fmt: skip
    elif tag == "tg-time":
        entity: Entity = {"type": "date_time", "offset": start, "length": length}
        if opened.argument.isdigit():
            entity["unix_time"] = int(opened.argument)
        if opened.attributes.get("format"):
            entity["date_time_format"] = opened.attributes["format"]
        entities.append(entity)
    elif tag == "a":
        url = opened.argument or "".join(out.parts[opened.text_index :])
        if url:
            entities.append({"type": "text_link", "offset": start, "length": length, "url": url})
    elif tag == "pre":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "code"
            and (last["offset"], last["length"]) == (start, length)
            and last.get("language")
        ):
            last["type"] = "pre"
        else:
            entities.append({"type": "pre", "offset": start, "length": length})
    elif tag == "code":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "pre"
            and (last["offset"], last["length"]) == (start, length)
            and opened.argument
        ):
            last["language"] = opened.argument
        else:
            code: Entity = {"type": "code", "offset": start, "length": length}
            if opened.argument:
                code["language"] = opened.argument  # dropped below unless inside <pre>
            entities.append(code)
    elif tag == "blockquote":
        kind = "expandable_blockquote" if "expandable" in opened.attributes else "blockquote"
        entities.append({"type": kind, "offset": start, "length": length})


def _sorted(entities: list[Entity]) -> list[Entity]:
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


# -- MarkdownV2 ---------------------------------------------------------------------------

_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}
_MDV2_DELIMITERS = {
    "bold": "*",
    "italic": "_",
    "underline": "__",
    "strikethrough": "~",
    "spoiler": "||",
}


def parse_markdown_v2(source: str) -> tuple[str, list[Entity]]:
    """Parses MarkdownV2 into plain text and entities; raises EntityParseError."""
    out = _Builder()
    entities: list[Entity] = []
    # (kind, utf16 offset, byte offset of the opening delimiter, argument)
    stack: list[tuple[str, int, int, str]] = []
    i = 0
    n = len(source)
    while i < n:
        char = source[i]
        inside_code = bool(stack) and stack[-1][0] in ("code", "pre")
        if char == "\\" and i + 1 < n and 0 < ord(source[i + 1]) <= 126:
            out.add(source[i + 1])
            i += 2
            continue
        if inside_code:
            kind = stack[-1][0]
            closing = "```" if kind == "pre" else "`"
            if source.startswith(closing, i):
                _close_markdown(stack, out, entities)
                i += len(closing)
            else:
                out.add(char)
                i += 1
            continue
        if char not in MARKDOWN_V2_RESERVED:
            out.add(char)
            i += 1
            continue
        closed = _markdown_v2_try_close(source, i, stack, out, entities)
        if closed is not None:
            i = closed
            continue
        i = _markdown_v2_open(source, i, stack, out)
    if stack:
        kind, _, byte_offset, _ = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MDV2_NAMES.get(kind, kind)} entity at byte offset {byte_offset}"
        )
    return out.text(), _sorted(entities)


def _markdown_v2_try_close(
    source: str,
    i: int,
    stack: list[tuple[str, int, int, str]],
    out: _Builder,
    entities: list[Entity],
) -> int | None:
    """Closes the innermost open entity if ``source[i:]`` ends it; returns the new index."""
    if not stack:
        return None
    kind = stack[-1][0]
    if kind == "text_link" and source[i] == "]":
        i += 1
        url = ""
        if i < len(source) and source[i] == "(":
            i += 1
            chars: list[str] = []
            while i < len(source) and source[i] != ")":
                if source[i] == "\\" and i + 1 < len(source):
                    i += 1
                chars.append(source[i])
                i += 1
            if i >= len(source):
                raise EntityParseError(
                    f"Can't find end of a URL at byte offset {_byte_offset(source, i)}"
                )
            i += 1
            url = "".join(chars)
        _close_markdown(stack, out, entities, url=url)
        return i
    delimiter = _MDV2_DELIMITERS.get(kind)
    if delimiter is None or not source.startswith(delimiter, i):
        return None
    # As in tdlib, "__" inside italic opens underline rather than closing the italic.
    if kind == "italic" and source.startswith("__", i):
        return None
    _close_markdown(stack, out, entities)
    return i + len(delimiter)


def _markdown_v2_open(
    source: str, i: int, stack: list[tuple[str, int, int, str]], out: _Builder
) -> int:
    char = source[i]
    offset = _byte_offset(source, i)
    if char == "_" and source.startswith("__", i):
        stack.append(("underline", out.utf16, offset, ""))
        return i + 2
    if char in "*_~":
        kind = {"*": "bold", "_": "italic", "~": "strikethrough"}[char]
        stack.append((kind, out.utf16, offset, ""))
        return i + 1
    if char == "|" and source.startswith("||", i):
        stack.append(("spoiler", out.utf16, offset, ""))
        return i + 2
    if char == "[":
        stack.append(("text_link", out.utf16, offset, ""))
        return i + 1
    if char == "`":
        if source.startswith("```", i):
            i += 3
            language_end = i
            while language_end < len(source) and source[language_end] not in "\n`":
                language_end += 1
            language = ""
            if language_end < len(source) and source[language_end] == "\n":
                language = source[i:language_end]
                i = language_end + 1
            stack.append(("pre", out.utf16, offset, language))
            return i
        stack.append(("code", out.utf16, offset, ""))
        return i + 1
    if char == ">" and (i == 0 or source[i - 1] == "\n"):
        # A blockquote line: the quote marker is dropped; the quote spans the line.
        return i + 1
    raise EntityParseError(
        f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
    )


def _close_markdown(
    stack: list[tuple[str, int, int, str]],
    out: _Builder,
    entities: list[Entity],
    *,
    url: str = "",
) -> None:
    kind, start, _, argument = stack.pop()
    length = out.utf16 - start
    if length <= 0:
        return
    entity: Entity = {"type": kind, "offset": start, "length": length}
    if kind == "pre" and argument:
        entity["language"] = argument
    if kind == "text_link":
        if not url:
            return
        entity["url"] = url
    entities.append(entity)


# -- legacy Markdown ----------------------------------------------------------------------


def parse_markdown(source: str) -> tuple[str, list[Entity]]:
    """Parses legacy Markdown (*bold*, _italic_, `code`, ```pre```, [text](url))."""
    out = _Builder()
    entities: list[Entity] = []
    i = 0
    n = len(source)
    while i < n:
        char = source[i]
        if char == "\\" and i + 1 < n and source[i + 1] in "_*`[":
            out.add(source[i + 1])
            i += 2
            continue
        if char not in "_*`[":
            out.add(char)
            i += 1
            continue
        begin = i
        offset = _byte_offset(source, begin)
        if char == "[":
            close = source.find("](", i + 1)
            end = source.find(")", close + 2) if close != -1 else -1
            if close == -1 or end == -1:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {offset}"
                )
            label = source[i + 1 : close]
            start = out.utf16
            out.add(label)
            if label:
                entities.append(
                    {"type": "text_link", "offset": start, "length": utf16_len(label),
                     "url": source[close + 2 : end]}
                )  # fmt: skip
            i = end + 1
            continue
        delimiter = "```" if source.startswith("```", i) else char
        end = source.find(delimiter, i + len(delimiter))
        if end == -1:
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {offset}"
            )
        inner = source[i + len(delimiter) : end]
        kind = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}[delimiter]
        start = out.utf16
        out.add(inner)
        if inner:
            entities.append({"type": kind, "offset": start, "length": utf16_len(inner)})
        i = end + len(delimiter)
    return out.text(), _sorted(entities)


def parse_text(
    text: str, parse_mode: str | None, *, strict: bool = False
) -> tuple[str, list[Entity]]:
    """Text and entities for ``text`` sent with ``parse_mode`` (None: no formatting)."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return parse_html(text, strict=strict)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    if mode:
        raise EntityParseError(f"Unsupported parse_mode {parse_mode!r}")
    return text, []


def strip_whitespace(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Strips leading and trailing whitespace as Telegram does, keeping entities aligned."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    limit = utf16_len(stripped)
    result: list[Entity] = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, limit)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result


_BOT_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])")


def find_bot_commands(text: str) -> list[Entity]:
    """The bot_command entity for a message starting with /command (or /command@bot)."""
    match = _BOT_COMMAND.match(text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]


# -- terminal rendering -------------------------------------------------------------------

_ANSI = {
    "bold": ("\x1b[1m", "\x1b[22m"),
    "italic": ("\x1b[3m", "\x1b[23m"),
    "underline": ("\x1b[4m", "\x1b[24m"),
    "strikethrough": ("\x1b[9m", "\x1b[29m"),
    "code": ("\x1b[36m", "\x1b[39m"),
    "pre": ("\x1b[36m", "\x1b[39m"),
    "spoiler": ("\x1b[7m", "\x1b[27m"),
    "text_link": ("\x1b[4m", "\x1b[24m"),
}


def render_ansi(text: str, entities: list[Entity] | None, *, ansi: bool = True) -> str:
    """``text`` with entities shown as ANSI styles; links get their URL in brackets."""
    if not entities:
        return text
    # Map UTF-16 offsets to string indexes (they differ after astral characters).
    index_of: dict[int, int] = {}
    units = 0
    for index, char in enumerate(text):
        index_of[units] = index
        units += 2 if ord(char) > 0xFFFF else 1
    index_of[units] = len(text)
    inserts: dict[int, list[str]] = {}
    for entity in entities:
        start = index_of.get(entity["offset"])
        end = index_of.get(entity["offset"] + entity["length"])
        if start is None or end is None:
            continue
        codes = _ANSI.get(entity["type"])
        if ansi and codes:
            inserts.setdefault(start, []).append(codes[0])
            inserts.setdefault(end, []).insert(0, codes[1])
        if entity["type"] == "text_link":
            inserts.setdefault(end, []).append(f" ({entity['url']})")
    pieces: list[str] = []
    for index in range(len(text) + 1):
        pieces.extend(inserts.get(index, ()))
        if index < len(text):
            pieces.append(text[index])
    return "".join(pieces)
