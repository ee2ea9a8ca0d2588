"""Cutting text to Telegram's limits: lengths as Telegram counts them, cuts at the best
break, HTML kept valid in every part."""

from __future__ import annotations

import html
import itertools
import random
import re
from html.parser import HTMLParser

import pytest

from services.text import CAPTION_LIMIT, MESSAGE_LIMIT, fit_caption, split_message, telegram_length

TAG = re.compile(r"<[^>]*>")


def visible(text: str) -> str:
    """The text Telegram shows for an HTML message."""
    return html.unescape(TAG.sub("", text))


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def assert_balanced(part: str) -> None:
    checker = _Balance()
    checker.feed(part)
    checker.close()
    assert not checker.errors, (checker.errors, part[:200])
    assert not checker.stack, (checker.stack, part[-200:])


def words(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices("abcdefghij", k=rng.randint(1, 12))) for _ in range(n)]


def test_short_text_is_one_part_unchanged() -> None:
    assert split_message("Halo <b>Budi</b>\n\nApa kabar?") == ["Halo <b>Budi</b>\n\nApa kabar?"]
    assert split_message("") == []
    assert split_message(" \n\n \n") == []
    assert split_message("<b></b>\n") == []


def test_length_is_counted_as_telegram_does() -> None:
    assert telegram_length("<b>Halo</b> &amp; <a href='https://x.id/very/long'>x</a>") == 8
    assert telegram_length("&#128512;") == 2  # an emoji is two UTF-16 code units
    assert telegram_length("😀é") == 3
    assert telegram_length("<b>x</b>", html=False) == 8
    # The tags are free: 4,000 visible characters in bold fit in one message.
    bold = "<b>" + "x" * 4000 + "</b>"
    assert split_message(bold) == [bold]


def test_parts_respect_the_limit_and_keep_every_line_whole() -> None:
    lines = [" ".join(words(random.Random(i).randint(1, 40), seed=i)) for i in range(600)]
    text = "\n".join(lines)
    assert len(text) > 3 * MESSAGE_LIMIT
    parts = split_message(text)
    assert len(parts) > 3
    for part in parts:
        assert 0 < telegram_length(part) <= MESSAGE_LIMIT
    # Every part is a run of whole lines, and together they are the text.
    assert [line for part in parts for line in part.split("\n")] == lines
    # Greedy: a part and the next part's first line would not fit together.
    for part, following in itertools.pairwise(parts):
        first_line = following.split("\n")[0]
        assert telegram_length(part + "\n" + first_line) > MESSAGE_LIMIT


def test_blank_lines_are_preferred() -> None:
    # Three paragraphs of 30 short lines (~1,500 characters each): the first two fit in one
    # message with room to spare for a few lines of the third, but the cut falls between
    # paragraphs.
    paragraphs = ["\n".join(f"line {p}.{i} " + "x" * 40 for i in range(30)) for p in range(3)]
    text = "\n\n".join(paragraphs)
    parts = split_message(text)
    assert parts == ["\n\n".join(paragraphs[:2]), paragraphs[2]]
    # A paragraph longer than a message is cut at line breaks.
    long_paragraph = "\n".join(f"line {i} " + "y" * 100 for i in range(100))
    parts = split_message(long_paragraph)
    assert all(telegram_length(p) <= MESSAGE_LIMIT for p in parts)
    assert "\n".join(parts) == long_paragraph


def test_a_ten_thousand_character_line_is_cut_at_spaces() -> None:
    line = " ".join(words(2000, seed=3))[:10_000].strip()
    assert len(line) >= 9_990
    parts = split_message(line)
    assert len(parts) == 3
    assert all(0 < len(p) <= MESSAGE_LIMIT for p in parts)
    assert " ".join(parts) == line
    assert all(not p.startswith(" ") and not p.endswith(" ") for p in parts)


def test_a_line_without_spaces_is_cut_anywhere_but_inside_an_entity() -> None:
    line = "&amp;" * 10_000
    parts = split_message(line)
    assert [telegram_length(p) for p in parts] == [4096, 4096, 1808]
    assert all(re.fullmatch(r"(&amp;)+", p) for p in parts)
    plain = "x" * 10_000
    assert "".join(split_message(plain, html=False)) == plain


def test_emoji_count_double_and_are_never_halved() -> None:
    line = "😀" * 5000
    parts = split_message(line)
    assert [telegram_length(p) for p in parts] == [4096, 4096, 1808]
    assert "".join(parts) == line


def test_html_tags_stay_balanced_and_whole() -> None:
    rng = random.Random(7)
    pieces = []
    for i, word in enumerate(words(3000, seed=11)):
        roll = rng.random()
        if roll < 0.1:
            pieces.append(f"<b>{word} <i>{word}</i> {word}</b>")
        elif roll < 0.15:
            pieces.append(f'<a href="https://example.org/{i}?a=1&amp;b=2">{word} &amp; co</a>')
        elif roll < 0.2:
            pieces.append(f"<tg-spoiler>{word}</tg-spoiler>")
        else:
            pieces.append(word)
    # One huge paragraph-less line, and the same words in a bold block spanning every line.
    one_line = " ".join(pieces)
    for text in (one_line, "<b>" + one_line + "</b>"):
        parts = split_message(text, 500)
        assert len(parts) > 5
        for part in parts:
            assert 0 < telegram_length(part) <= 500
            assert_balanced(part)
            # No tag or entity is cut: every '<' starts a tag, every '&' an entity.
            assert "<" not in TAG.sub("", part)
            assert re.fullmatch(r"(?:[^&]|&amp;)*", TAG.sub("", part))
        assert " ".join(visible(p) for p in parts) == visible(text)


def test_tags_open_over_several_lines_are_reopened() -> None:
    code = "\n".join(f"print({i})  # {'x' * 30}" for i in range(200))
    text = f'Kode:\n<pre><code class="language-python">{code}</code></pre>\nSelesai.'
    parts = split_message(text, 1000)
    assert len(parts) > 5
    for part in parts:
        assert_balanced(part)
    assert parts[1].startswith('<pre><code class="language-python">print(')
    assert "\n".join(visible(p) for p in parts) == visible(text)


def test_custom_limit_and_validation() -> None:
    assert split_message("a b c d", 3) == ["a b", "c d"]
    assert split_message("a\nb c d", 3) == ["a", "b c", "d"]
    with pytest.raises(ValueError):
        split_message("x", 0)


def test_fit_caption() -> None:
    assert fit_caption("Grafik minggu ini") == ("Grafik minggu ini", None)
    lines = [f"<b>Baris {i}</b>: " + "z" * 90 for i in range(20)]
    text = "\n".join(lines)
    caption, rest = fit_caption(text)
    assert rest is not None
    assert telegram_length(caption) <= CAPTION_LIMIT
    assert caption == "\n".join(lines[:10])
    assert rest == "\n".join(lines[10:])
    assert_balanced(caption)

    # A first line longer than a caption is cut at a space; the tags carry over.
    long_line = "<i>" + " ".join(["kata"] * 300) + "</i>"
    caption, rest = fit_caption(long_line)
    assert rest is not None
    assert telegram_length(caption) <= CAPTION_LIMIT
    assert caption.startswith("<i>kata") and caption.endswith("kata</i>")
    assert rest.startswith("<i>kata") and rest.endswith("</i>")
    assert visible(caption) + " " + visible(rest) == visible(long_line)

    # Only closing tags after the cut: nothing overflows.
    caption, rest = fit_caption("<b>" + "a" * 1024 + "\n</b>")
    assert (caption, rest) == ("<b>" + "a" * 1024 + "</b>", None)
