"""Telegram's parse modes as the sandbox implements them (tdlib's rules and error texts)."""

from __future__ import annotations

import pytest

from sandbox.formatting import (
    EntityParseError,
    find_bot_commands,
    parse_html,
    parse_text,
    render_ansi,
    strip_whitespace,
)


def test_html_becomes_text_and_entities_with_utf16_offsets() -> None:
    text, entities = parse_html(
        '👋 <b>Halo <i>Rina</i></b> &lt;3 <a href="https://t.me/x">tautan</a>'
    )
    assert text == "👋 Halo Rina <3 tautan"
    # The emoji takes two UTF-16 code units, so "Halo" starts at 3.
    assert entities == [
        {"type": "bold", "offset": 3, "length": 9},
        {"type": "italic", "offset": 8, "length": 4},
        {"type": "text_link", "offset": 16, "length": 6, "url": "https://t.me/x"},
    ]


def test_html_pre_with_language_spoiler_and_blockquote() -> None:
    source = (
        '<pre><code class="language-python">x = 1</code></pre>'
        '<span class="tg-spoiler">r</span><blockquote expandable>q</blockquote>'
    )
    _, entities = parse_html(source)
    assert entities == [
        {"type": "pre", "offset": 0, "length": 5, "language": "python"},
        {"type": "spoiler", "offset": 5, "length": 1},
        {"type": "expandable_blockquote", "offset": 6, "length": 1},
    ]


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<p>x</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b>x", "Can't find end tag corresponding to start tag b"),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("é<b", "Unclosed start tag at byte offset 2"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
def test_html_errors_match_telegram(source: str, error: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(source)
    assert str(caught.value) == error


def test_bare_ampersand_is_refused_only_in_strict_mode() -> None:
    assert parse_html("A & B") == ("A & B", [])
    with pytest.raises(EntityParseError, match="Character '&' at byte offset 2"):
        parse_html("A & B", strict=True)
    assert parse_html("A &amp; B &#33; &#x41;", strict=True) == ("A & B ! A", [])


def test_markdown_v2() -> None:
    text, entities = parse_text(
        r"*tebal* _miring_ __garis__ [tautan](https://t.me/a) 1\.5", "MarkdownV2"
    )
    assert text == "tebal miring garis tautan 1.5"
    assert [e["type"] for e in entities] == ["bold", "italic", "underline", "text_link"]
    assert entities[3]["url"] == "https://t.me/a"
    nested_text, nested = parse_text("_a __b__ c_", "MarkdownV2")
    assert nested_text == "a b c"
    assert nested == [
        {"type": "italic", "offset": 0, "length": 5},
        {"type": "underline", "offset": 2, "length": 1},
    ]
    with pytest.raises(EntityParseError, match=r"Character '\.' is reserved"):
        parse_text("Selesai.", "MarkdownV2")
    with pytest.raises(EntityParseError, match="Can't find end of Bold entity at byte offset 0"):
        parse_text("*tebal", "MarkdownV2")
    code_text, code = parse_text("`a.b` ```py\nx=1```", "MarkdownV2")
    assert code_text == "a.b x=1"
    assert code == [
        {"type": "code", "offset": 0, "length": 3},
        {"type": "pre", "offset": 4, "length": 3, "language": "py"},
    ]


def test_legacy_markdown() -> None:
    assert parse_text("*a* _b_", "Markdown") == (
        "a b",
        [{"type": "bold", "offset": 0, "length": 1}, {"type": "italic", "offset": 2, "length": 1}],
    )
    with pytest.raises(
        EntityParseError, match="Can't find end of the entity starting at byte offset 0"
    ):
        parse_text("*a", "Markdown")


def test_whitespace_is_trimmed_and_entities_follow() -> None:
    text, entities = strip_whitespace("  <x> \n", [{"type": "bold", "offset": 2, "length": 3}])
    assert (text, entities) == ("<x>", [{"type": "bold", "offset": 0, "length": 3}])


def test_bot_commands_and_terminal_rendering() -> None:
    assert find_bot_commands("/start abc") == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert find_bot_commands("/start@dampingan_bot") == [
        {"type": "bot_command", "offset": 0, "length": 20}
    ]
    assert find_bot_commands("halo /start") == []
    entities = [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "text_link", "offset": 5, "length": 3, "url": "https://x.id"},
    ]
    assert render_ansi("Halo web", entities, ansi=False) == "Halo web (https://x.id)"
    assert render_ansi("Halo web", entities).startswith("\x1b[1mHalo\x1b[22m ")
