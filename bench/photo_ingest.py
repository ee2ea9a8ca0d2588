"""How long PhotoStore.ingest takes on a Telegram photo and on a camera JPEG, against a plain
decode of the same file in the same run.

Run: .venv/bin/python bench/photo_ingest.py [--count N]

Two inputs, made here with grain and smooth shapes so that they compress (and decode) like
real pictures:

- a 1280x960 JPEG as Telegram delivers a "photo": re-encoded by Telegram, no EXIF;
- a 4000x3000 (12 megapixel) camera JPEG as a phone writes it, sent as a file: EXIF
  orientation 6, capture time and GPS, so every step of ingest does real work.

For each: the median of a plain full decode (`Image.open` + `load`), the median of
`PhotoStore.ingest` (the real one, writing its files into a temporary folder), and their
ratio. The two are timed in turns, so that both see the same machine. Figures only, no
assertions; the target is an ingest that costs at most 1.5 times the decode.
"""

from __future__ import annotations

import argparse
import io
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import ExifTags, Image, ImageChops, ImageFilter
from PIL.TiffImagePlugin import IFDRational

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.photos import PhotoStore

TARGET_RATIO = 1.5
CAMERA_SIZE = (4000, 3000)


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    size: tuple[int, int]


def photo_like(size: tuple[int, int]) -> Image.Image:
    """Pixels that compress like a photo: smooth shapes, mid-frequency texture and grain."""
    width, height = size
    # Smooth large-scale structure (sky, walls, ground)...
    shapes = [
        Image.linear_gradient("L").resize(size),
        Image.radial_gradient("L").resize(size),
        Image.effect_mandelbrot(size, (-2.2, -1.2, 1.0, 1.2), 60),
    ]
    base = Image.merge("RGB", shapes).filter(ImageFilter.GaussianBlur(3))
    # ...plus mid-frequency texture (foliage, fabric) and sensor grain, per channel.
    texture = Image.effect_noise((width // 8, height // 8), 60).resize(
        size, Image.Resampling.BICUBIC
    )
    grain = Image.merge("RGB", [Image.effect_noise(size, 10) for _ in range(3)])
    textured = ImageChops.overlay(base, Image.merge("RGB", [texture] * 3))
    return ImageChops.add(textured, grain, scale=1.0, offset=-128)


def telegram_photo() -> Case:
    """What the Bot API hands over for a photo: Telegram's own baseline JPEG, no EXIF."""
    size = (1280, 960)
    buf = io.BytesIO()
    photo_like(size).save(buf, "JPEG", quality=87)
    return Case("Telegram photo", buf.getvalue(), size)


def photo_like_jpeg() -> bytes:
    """A 12-megapixel phone JPEG with orientation, capture time and GPS (bench/report_flow.py
    ingests it too)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "samsung"
    exif[ExifTags.Base.Model] = "SM-A125F"
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.IFD.Exif] = {
        ExifTags.Base.DateTimeOriginal: "2026:11:20 09:15:00",
        ExifTags.Base.OffsetTimeOriginal: "+07:00",
    }
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "S",
        ExifTags.GPS.GPSLatitude: (IFDRational(7), IFDRational(3), IFDRational(0)),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (IFDRational(109), IFDRational(24), IFDRational(0)),
    }
    buf = io.BytesIO()
    photo_like(CAMERA_SIZE).save(buf, "JPEG", quality=90, exif=exif)
    return buf.getvalue()


def timings_ms(run: Callable[[int], object], count: int) -> list[float]:
    """`count` timings of `run(i)` after one warm-up (bench/report_flow.py times with it)."""
    run(-1)  # warm-up: plugin imports, allocator, file-system caches
    result = []
    for i in range(count):
        start = time.perf_counter()
        run(i)
        result.append((time.perf_counter() - start) * 1000)
    return result


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def measure(case: Case, store: PhotoStore, count: int) -> float:
    """Prints one case's figures and returns its ratio of medians."""
    data = case.data

    def decode() -> None:
        with Image.open(io.BytesIO(data)) as image:
            image.load()

    keys = iter(range(10**9))

    def ingest() -> None:
        store.ingest(data, key=f"bench/{case.size[0]}/photo-{next(keys)}")

    stored = store.ingest(data, key=f"bench/{case.size[0]}/check")
    archive = store.path(stored.archive_path).read_bytes()
    thumb_kb = store.path(stored.thumb_path).stat().st_size / 1024

    # One warm-up each (plugin imports, allocator, file-system caches), then in turns, the
    # order swapped every round so that neither always runs on a warmer cache.
    decode()
    ingest()
    decode_ms: list[float] = []
    ingest_ms: list[float] = []
    decode_cpu: list[float] = []
    ingest_cpu: list[float] = []
    for i in range(count):
        pair = ((decode, decode_ms, decode_cpu), (ingest, ingest_ms, ingest_cpu))
        for run, into, cpu_into in pair if i % 2 == 0 else reversed(pair):
            start, start_cpu = time.perf_counter(), time.process_time()
            run()
            cpu_into.append((time.process_time() - start_cpu) * 1000)
            into.append((time.perf_counter() - start) * 1000)

    med_decode, med_ingest = statistics.median(decode_ms), statistics.median(ingest_ms)
    ratio = med_ingest / med_decode
    # CPU time apart from the wall clock: the wall clock includes the two fsyncs' wait for the
    # disk, which costs the bot no CPU (ingest runs on a worker thread) but varies with the disk.
    cpu_ratio = statistics.median(ingest_cpu) / statistics.median(decode_cpu)
    kept = "Telegram's bytes kept" if archive == data else "re-encoded"
    print(f"{case.name}: {case.size[0]}x{case.size[1]} JPEG, {len(data) / 1024:.0f} KB")
    print(
        f"  archive {stored.width}x{stored.height} {len(archive) / 1024:.0f} KB ({kept}), "
        f"thumb {thumb_kb:.0f} KB; taken_at {stored.taken_at}, "
        f"GPS {stored.latitude}, {stored.longitude}"
    )
    print(f"  decode (open + load)  median {med_decode:7.1f} ms   p95 {p95(decode_ms):7.1f} ms")
    print(f"  ingest                median {med_ingest:7.1f} ms   p95 {p95(ingest_ms):7.1f} ms")
    verdict = "within" if ratio <= TARGET_RATIO else "OVER"
    print(f"  ratio ingest/decode   {ratio:.2f}x (medians; {verdict} the target)")
    print(
        f"  CPU: decode {statistics.median(decode_cpu):.1f} ms, ingest "
        f"{statistics.median(ingest_cpu):.1f} ms, {cpu_ratio:.2f}x (medians; the wall-clock "
        "figures above are the target's)"
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20, help="timed runs of each (default 20)")
    args = parser.parse_args()
    count = max(1, args.count)

    started = time.perf_counter()
    cases = [telegram_photo(), Case("camera JPEG", photo_like_jpeg(), CAMERA_SIZE)]
    print(f"inputs made in {time.perf_counter() - started:.1f} s; {count} timed runs of each")
    with tempfile.TemporaryDirectory() as tmp:
        store = PhotoStore(Path(tmp), tz=ZoneInfo("Asia/Jakarta"))
        ratios = [measure(case, store, count) for case in cases]
    print(
        f"target: ingest at most {TARGET_RATIO:.1f}x decode; "
        + ", ".join(f"{case.name} {ratio:.2f}x" for case, ratio in zip(cases, ratios, strict=True))
    )


if __name__ == "__main__":
    main()
