"""`make demo`'s review loop, as the README tells it, typed into the demo's terminal by a
script: invitations, a staff report, a coordinator sending it back, the author's correction,
the coordinator verifying version 2."""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from PIL import Image

from bot.demo import run_demo
from core.settings import Settings

# How long a step waits for the bot's answer to show.
WAIT = 15


class Script:
    """An input() for the terminal: each line comes from a generator that can read what the
    terminal has shown so far (to press a button by its label, or to copy a link)."""

    def __init__(self, output: io.StringIO, steps: Callable[[Script], Iterator[str]]) -> None:
        self.output = output
        self._lock = threading.Lock()
        self._steps = steps(self)
        self.typed: list[str] = []
        self._mark = 0

    def shown(self) -> str:
        return self.output.getvalue()

    def since_typed(self, pattern: re.Pattern[str], what: str) -> list[tuple[str, ...] | str]:
        """The matches of `pattern` in what was shown since the last line typed, waiting
        for the bot's answer to appear (the terminal shows it as it arrives)."""
        deadline = time.monotonic() + WAIT
        while True:
            found: list[tuple[str, ...] | str] = pattern.findall(self.shown()[self._mark :])
            if found or time.monotonic() > deadline:
                assert found, f"no {what} in:\n{self.shown()[self._mark :][-1500:]}"
                return found
            time.sleep(0.05)

    def button(self, label: str) -> str:
        """The number of the latest button whose text starts with `label`."""
        pattern = re.compile(r"\[(\d+)\] " + re.escape(label))
        return str(self.since_typed(pattern, f"button {label!r}")[-1])

    def wait_for(self, text: str) -> None:
        """Waits until the bot has shown `text` since the last line typed (a message that
        may still be waiting for its chat's turn under Telegram's one-a-second pace)."""
        self.since_typed(re.compile(re.escape(text)), repr(text))

    def link(self) -> str:
        """The invitation token of the latest link shown."""
        return str(self.since_typed(re.compile(r"start=([\w-]+)"), "invitation link")[-1])

    def __call__(self, prompt: str) -> str:
        with self._lock:
            try:
                line = next(self._steps)
            except StopIteration:
                raise EOFError from None
            self.typed.append(line)
            self._mark = len(self.shown())
            return line


def tour(photo: Path) -> Callable[[Script], Iterator[str]]:
    def steps(s: Script) -> Iterator[str]:
        # The admin invites a kecamatan coordinator of Watukumpul and a Bappeda field worker.
        yield "/undang"
        yield s.button("Koordinator kecamatan")
        yield s.button("Watukumpul")
        coordinator_link = s.link()
        yield "/undang"
        yield s.button("Petugas lapangan")
        yield s.button("Bappeda")
        staff_link = s.link()
        yield "/as coordinator"
        yield f"/start {coordinator_link}"
        # Budi reports a visit to Majalangu (Watukumpul) and sends it.
        yield "/as staff"
        yield f"/start {staff_link}"
        yield "/lapor"
        yield s.button("Majalangu")
        yield s.button("Hari ini")
        yield s.button("1. Pengurangan beban")
        yield s.button("PBI JKN")
        yield "12"
        yield "40"
        yield "Pendataan 12 KK calon penerima PBI JKN di RT 03."
        yield f"/photo {photo}"
        yield s.button("✅ Selesai")
        yield "-7.16,109.44"
        yield s.button("✅ Kirim")
        s.wait_for("Laporan terkirim")
        # Sari sends it back with a comment.
        yield "/as coordinator"
        yield "/tinjau"
        yield s.button("✏️ Perlu perbaikan")
        yield "Jumlah KK seharusnya 14."
        # Budi corrects it from Sari's message and sends it again.
        yield "/as staff"
        yield s.button("✏️ Perbaiki laporan")
        yield s.button("✏️ Ubah")
        yield s.button("Penerima")
        yield "14"
        yield "40"
        yield s.button("✅ Kirim")
        s.wait_for("Perbaikan terkirim")
        # Sari sees version 2 with what changed, and verifies it.
        yield "/as coordinator"
        yield "/tinjau"
        yield s.button("✅ Terverifikasi")
        s.wait_for("terverifikasi.")
        yield "/quit"

    return steps


async def test_the_readme_review_loop_runs_in_the_demo(tmp_path: Path) -> None:
    photo = tmp_path / "kegiatan.jpg"
    Image.new("RGB", (800, 600), (90, 140, 60)).save(photo, "JPEG")
    output = io.StringIO()
    script = Script(output, tour(photo))
    settings = Settings(DAMPINGAN_DATA_DIR=tmp_path / "data")

    assert await run_demo(settings, input_fn=script, output=output, media_dir=tmp_path) == 0

    shown = output.getvalue()
    assert script.typed[-1] == "/quit", script.typed
    assert "Laporan terkirim" in shown
    assert "Jumlah KK seharusnya 14." in shown
    assert "Perbaikan terkirim" in shown
    assert "versi 2" in shown and "KK: 12 → 14" in shown
    assert "Perubahan dari versi 1: KK: 12 → 14" in shown
    assert "✅ Laporan LPR-2026-000001 terverifikasi." in shown
