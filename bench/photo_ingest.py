"""How long PhotoStore.ingest takes on a phone-camera photo, against a plain full decode.

Run: .venv/bin/python bench/photo_ingest.py [--count N]

The test photo is 4000x3000 (12 megapixels) with grain and smooth shapes, so it compresses
like a real picture (a few MB at the quality phones use), and carries EXIF orientation, a
capture time and GPS, so every step of ingest does real work. Figures only, no assertions.
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
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import ExifTags, Image, ImageChops, ImageFilter
from PIL.TiffImagePlugin import IFDRational

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.photos import PhotoStore

SIZE = (4000, 3000)


def photo_like_jpeg() -> bytes:
    """A 12-megapixel JPEG that compresses like a photo, with orientation, time and GPS."""
    width, height = SIZE
    # Smooth large-scale structure (sky, walls, ground)...
    shapes = [
        Image.linear_gradient("L").resize(SIZE),
        Image.radial_gradient("L").resize(SIZE),
        Image.effect_mandelbrot(SIZE, (-2.2, -1.2, 1.0, 1.2), 60),
    ]
    base = Image.merge("RGB", shapes).filter(ImageFilter.GaussianBlur(3))
    # ...plus mid-frequency texture (foliage, fabric) and sensor grain, per channel.
    texture = Image.effect_noise((width // 8, height // 8), 60).resize(
        SIZE, Image.Resampling.BICUBIC
    )
    grain = Image.merge("RGB", [Image.effect_noise(SIZE, 10) for _ in range(3)])
    textured = ImageChops.overlay(base, Image.merge("RGB", [texture] * 3))
    picture = ImageChops.add(textured, grain, scale=1.0, offset=-128)

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
    picture.save(buf, "JPEG", quality=90, exif=exif)
    return buf.getvalue()


def timings_ms(run: Callable[[int], object], count: int) -> list[float]:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20, help="timed runs of each (default 20)")
    args = parser.parse_args()
    count = max(1, args.count)

    started = time.perf_counter()
    data = photo_like_jpeg()
    made_in = time.perf_counter() - started

    def decode(_: int) -> None:
        with Image.open(io.BytesIO(data)) as image:
            image.load()

    def decode_reduced(_: int) -> None:
        # What ingest itself decodes: libjpeg's 1/2-scale output for a 1600 px archive.
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (1600, 1200))
            image.load()

    with tempfile.TemporaryDirectory() as tmp:
        store = PhotoStore(Path(tmp), tz=ZoneInfo("Asia/Jakarta"))
        stored = store.ingest(data, key="bench/check")
        archive_kb = store.path(stored.archive_path).stat().st_size / 1024
        thumb_kb = store.path(stored.thumb_path).stat().st_size / 1024

        def ingest(i: int) -> None:
            store.ingest(data, key=f"bench/photo-{i + 1}")

        ingest_ms = timings_ms(ingest, count)
    decode_ms = timings_ms(decode, count)
    reduced_ms = timings_ms(decode_reduced, count)

    print(f"input: {SIZE[0]}x{SIZE[1]} JPEG, {len(data) / 1e6:.2f} MB (made in {made_in:.1f} s)")
    print(
        f"output: archive {stored.width}x{stored.height} {archive_kb:.0f} KB, "
        f"thumb {thumb_kb:.0f} KB; taken_at {stored.taken_at}, "
        f"GPS {stored.latitude}, {stored.longitude}"
    )
    print(f"runs: {count} of each, after one warm-up")
    med_ingest, med_decode = statistics.median(ingest_ms), statistics.median(decode_ms)
    print(f"ingest                 median {med_ingest:7.1f} ms   p95 {p95(ingest_ms):7.1f} ms")
    print(f"Image.open().load()    median {med_decode:7.1f} ms   p95 {p95(decode_ms):7.1f} ms")
    print(f"ratio ingest/decode    {med_ingest / med_decode:.2f}x (medians)")
    print(
        f"(draft 1/2-scale load  median {statistics.median(reduced_ms):7.1f} ms: the decode "
        "inside ingest)"
    )


if __name__ == "__main__":
    main()
