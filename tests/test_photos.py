"""PhotoStore: orientation, sizes, EXIF extraction and stripping, refusals, idempotence,
and the sweeps that leave nothing behind on disk."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import random
import struct
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import ExifTags, Image
from PIL.JpegImagePlugin import JpegImageFile
from PIL.TiffImagePlugin import IFDRational

from core.clock import Clock
from models.drafts import DraftPhoto
from models.reports import phash_distance
from services import photos
from services.photos import PhotoRejected, PhotoStore, StoredPhoto, Swept
from tests.realphotos import camera_exif, heic, jpeg_bytes

JAKARTA = ZoneInfo("Asia/Jakarta")
KEY = "report-12/act-3/0123456789abcdef"


@pytest.fixture(autouse=True)
def _restore_pillow_limit() -> Iterator[None]:
    # PhotoStore lowers Pillow's process-wide limit; keep tests from leaking it to each other.
    saved = Image.MAX_IMAGE_PIXELS
    yield
    Image.MAX_IMAGE_PIXELS = saved


@pytest.fixture
def store(tmp_path: Path) -> PhotoStore:
    return PhotoStore(tmp_path / "photos", tz=JAKARTA)


def _rationals(*values: float) -> tuple[IFDRational, ...]:
    return tuple(IFDRational(v) for v in values)


def make_image(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """A noisy picture (so JPEG has something to compress) with a red top-left corner."""
    noise = Image.effect_noise(size, 40).convert(mode if mode in ("L", "RGB") else "RGB")
    image = noise.convert(mode)
    corner = (size[0] // 4, size[1] // 4)
    image.paste(Image.new(mode, corner, "red"), (0, 0))
    return image


def make_jpeg(
    size: tuple[int, int] = (400, 300),
    *,
    orientation: int | None = None,
    taken: str | None = None,
    offset: str | None = None,
    gps: tuple[str, tuple[float, ...], str, tuple[float, ...]] | None = None,
) -> bytes:
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    sub: dict[int, str] = {}
    if taken is not None:
        sub[ExifTags.Base.DateTimeOriginal] = taken
    if offset is not None:
        sub[ExifTags.Base.OffsetTimeOriginal] = offset
    if sub:
        exif[ExifTags.IFD.Exif] = sub
    if gps is not None:
        lat_ref, lat, lon_ref, lon = gps
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: lat_ref,
            ExifTags.GPS.GPSLatitude: _rationals(*lat),
            ExifTags.GPS.GPSLongitudeRef: lon_ref,
            ExifTags.GPS.GPSLongitude: _rationals(*lon),
        }
    buf = io.BytesIO()
    make_image(size).save(buf, "JPEG", quality=90, exif=exif, comment=b"Samsung SM-A125F")
    return buf.getvalue()


def crafted_png(width: int, height: int) -> bytes:
    """A few hundred bytes whose header claims width x height 1-bit pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def reopen(store: PhotoStore, rel: str) -> Image.Image:
    image = Image.open(store.open_archive(rel))
    image.load()
    return image


def test_orientation_6_is_applied(store: PhotoStore) -> None:
    result = store.ingest(make_jpeg((400, 300), orientation=6), key=KEY)

    assert (result.original_width, result.original_height) == (400, 300)
    assert (result.width, result.height) == (300, 400)
    archive = reopen(store, result.archive_path)
    assert archive.size == (300, 400)
    # Orientation 6 means "turn 90° clockwise to view": the stored top-left goes top-right.
    top_right = archive.getpixel((280, 20))
    assert isinstance(top_right, tuple)
    red, green, blue = top_right
    assert red > 200 and green < 80 and blue < 80
    assert archive.getpixel((20, 20)) != archive.getpixel((280, 20))


def test_large_photo_is_shrunk_for_archive_and_thumbnail(store: PhotoStore) -> None:
    result = store.ingest(make_jpeg((4000, 3000)), key=KEY)

    assert (result.width, result.height) == (1600, 1200)
    assert (result.original_width, result.original_height) == (4000, 3000)
    assert result.archive_path == f"{KEY}.jpg"
    assert result.thumb_path == f"{KEY}.thumb.jpg"
    assert reopen(store, result.archive_path).size == (1600, 1200)
    assert reopen(store, result.thumb_path).size == (320, 240)
    assert reopen(store, result.archive_path).format == "JPEG"


def test_small_photo_is_never_enlarged(store: PhotoStore) -> None:
    result = store.ingest(make_jpeg((800, 600)), key=KEY)

    assert (result.width, result.height) == (800, 600)
    assert reopen(store, result.thumb_path).size == (320, 240)


def test_capture_time_and_gps_are_read(store: PhotoStore) -> None:
    data = make_jpeg(taken="2026:11:20 09:15:00", gps=("S", (7, 3, 0), "E", (109, 24, 0)))

    result = store.ingest(data, key=KEY)

    assert result.taken_at == datetime(2026, 11, 20, 9, 15, tzinfo=JAKARTA)
    assert result.taken_at is not None and result.taken_at.utcoffset() is not None
    assert result.latitude == pytest.approx(-7.05)
    assert result.longitude == pytest.approx(109.4)


def test_offset_tag_decides_the_instant(store: PhotoStore) -> None:
    # Taken at 09:15 in Makassar (+08:00) is 08:15 in Jakarta.
    data = make_jpeg(taken="2026:11:20 09:15:00", offset="+08:00")

    result = store.ingest(data, key=KEY)

    assert result.taken_at == datetime(2026, 11, 20, 8, 15, tzinfo=JAKARTA)


def test_gps_sign_comes_from_ref_and_fractions_anywhere(store: PhotoStore) -> None:
    data = make_jpeg(gps=("N", (6.5, 0, 0), "W", (0, 90, 0)))

    result = store.ingest(data, key=KEY)
    # 90 minutes is not a coordinate: the photo is kept but the position is dropped.
    assert (result.latitude, result.longitude) == (None, None)

    data = make_jpeg(gps=("N", (6, 30, 0), "W", (109, 0, 36)))
    result = store.ingest(data, key=KEY)
    assert result.latitude == pytest.approx(6.5)
    assert result.longitude == pytest.approx(-109.01)


def test_no_exif_gives_no_time_or_position(store: PhotoStore) -> None:
    buf = io.BytesIO()
    make_image((1280, 960)).save(buf, "JPEG")  # what Telegram sends for a "photo"

    result = store.ingest(buf.getvalue(), key=KEY)

    assert (result.taken_at, result.latitude, result.longitude) == (None, None, None)
    assert result.format == "JPEG"


def test_written_files_carry_no_metadata(store: PhotoStore) -> None:
    data = make_jpeg(
        orientation=6, taken="2026:11:20 09:15:00", gps=("S", (7, 3, 0), "E", (109, 24, 0))
    )

    result = store.ingest(data, key=KEY)

    for rel in (result.archive_path, result.thumb_path):
        raw = store.open_archive(rel).read_bytes()
        assert b"Exif\x00\x00" not in raw
        assert b"Samsung" not in raw
        image = reopen(store, rel)
        assert len(image.getexif()) == 0
        assert "comment" not in image.info and "xmp" not in image.info


def test_sha256_is_of_the_original_bytes(store: PhotoStore) -> None:
    data = make_jpeg()

    result = store.ingest(data, key=KEY)

    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_png_with_transparency_is_flattened_on_white(store: PhotoStore) -> None:
    image = Image.new("RGBA", (600, 400), (0, 0, 0, 0))
    image.paste(Image.new("RGBA", (300, 400), (0, 0, 255, 255)), (300, 0))
    buf = io.BytesIO()
    image.save(buf, "PNG")

    result = store.ingest(buf.getvalue(), key=KEY)

    assert result.format == "PNG"
    assert (result.width, result.height) == (600, 400)
    archive = reopen(store, result.archive_path)
    assert archive.mode == "RGB"
    left = archive.getpixel((50, 200))
    right = archive.getpixel((550, 200))
    assert isinstance(left, tuple) and isinstance(right, tuple)
    assert min(left) > 240  # transparent became white, not black
    assert right[2] > 200 and right[0] < 40


def test_truncated_jpeg_is_corrupt(store: PhotoStore) -> None:
    data = make_jpeg((1200, 900))

    with pytest.raises(PhotoRejected) as caught:
        store.ingest(data[: len(data) // 2], key=KEY)

    assert caught.value.code == "corrupt"
    assert not store.path(f"{KEY}.jpg").exists()


def test_png_with_bad_checksum_is_corrupt(store: PhotoStore) -> None:
    buf = io.BytesIO()
    make_image((300, 200)).save(buf, "PNG")
    data = bytearray(buf.getvalue())
    data[60] ^= 0xFF  # inside the first IDAT chunk, so its CRC no longer matches

    with pytest.raises(PhotoRejected) as caught:
        store.ingest(bytes(data), key=KEY)

    assert caught.value.code == "corrupt"


@pytest.mark.parametrize(
    "data",
    [
        random.Random(7).randbytes(5000),
        b"Laporan kunjungan desa Banjarmulya\n" * 20,
        b"\xff\xd8\xff",  # the JPEG magic and nothing else
    ],
    ids=["random", "text", "jpeg-magic-only"],
)
def test_junk_is_not_an_image(store: PhotoStore, data: bytes) -> None:
    with pytest.raises(PhotoRejected) as caught:
        store.ingest(data, key=KEY)

    assert caught.value.code == "not-an-image"


def test_empty_bytes_are_not_an_image(store: PhotoStore) -> None:
    with pytest.raises(PhotoRejected) as caught:
        store.ingest(b"", key=KEY)

    assert caught.value.code == "not-an-image"


def test_heic_without_the_plugin_is_refused_as_unsupported(store: PhotoStore) -> None:
    # A Pillow without pillow-heif: the file is named, not called junk.
    store.formats = tuple(f for f in store.formats if f != "HEIF")

    with pytest.raises(PhotoRejected) as caught:
        store.ingest(heic(), key=KEY)

    assert caught.value.code == "unsupported-format"
    assert caught.value.details == {"format": "HEIC"}


def test_heic_is_accepted_with_its_time_position_and_orientation(store: PhotoStore) -> None:
    # Stored on its side with orientation 6, as a phone held upright writes it.
    sideways = make_image((400, 300))
    exif = camera_exif(
        taken=datetime(2026, 11, 20, 9, 30), position=(-7.158, 109.435), orientation=6
    )
    data = heic(sideways, exif=exif)
    assert data[4:12] == b"ftypheic"

    result = store.ingest(data, key=KEY, keep_original=True)

    assert result.format == "HEIF"
    assert result.taken_at == datetime(2026, 11, 20, 9, 30, tzinfo=JAKARTA)
    assert result.latitude == pytest.approx(-7.158, abs=1e-5)
    assert result.longitude == pytest.approx(109.435, abs=1e-5)
    archive = reopen(store, result.archive_path)
    assert archive.format == "JPEG" and archive.size == (300, 400) == (result.width, result.height)
    red, green, blue = archive.getpixel((280, 20))  # type: ignore[misc]
    assert red > 200 and green < 80 and blue < 80
    assert not archive.getexif()  # no position left in the copy shown to reviewers
    # The bytes as received are kept, and are what the stored SHA-256 stands for.
    assert result.original_path == f"{KEY}.orig.heic"
    assert store.open_archive(result.original_path).read_bytes() == data
    assert hashlib.sha256(data).hexdigest() == result.sha256


@pytest.mark.parametrize("cut", [0.5, 0.9, 40], ids=["half", "most", "header-only"])
def test_truncated_heic_is_refused_as_corrupt(store: PhotoStore, cut: float) -> None:
    data = heic()
    length = int(len(data) * cut) if cut < 1 else int(cut)

    with pytest.raises(PhotoRejected) as caught:
        store.ingest(data[:length], key=KEY)

    assert caught.value.code == "corrupt"
    assert not list(store.root.rglob("*.*"))


def test_original_of_a_file_is_kept_as_received(store: PhotoStore) -> None:
    data = make_jpeg((2000, 1500), taken="2026:11:20 09:30:00", orientation=6)

    result = store.ingest(data, key=KEY, keep_original=True)

    assert result.original_path == f"{KEY}.orig.jpg"
    kept = store.open_archive(result.original_path).read_bytes()
    assert kept == data and hashlib.sha256(kept).hexdigest() == result.sha256
    archive = store.open_archive(result.archive_path).read_bytes()
    assert hashlib.sha256(archive).hexdigest() == result.archive_sha256 != result.sha256


def test_a_file_kept_as_it_came_is_its_own_original(store: PhotoStore) -> None:
    data = make_image((800, 600))
    buf = io.BytesIO()
    data.save(buf, "JPEG", quality=85)

    result = store.ingest(buf.getvalue(), key=KEY, keep_original=True)

    # No second copy of the same bytes: the archive copy is the original.
    assert result.original_path == result.archive_path
    assert result.archive_sha256 == result.sha256
    assert sorted(p.name for p in store.root.rglob("*.jpg")) == [
        "0123456789abcdef.jpg",
        "0123456789abcdef.thumb.jpg",
    ]


def test_a_photo_keeps_no_original(store: PhotoStore) -> None:
    result = store.ingest(make_jpeg((2000, 1500)), key=KEY)

    assert result.original_path is None
    assert not list(store.root.rglob("*.orig.*"))


def test_removing_a_photo_removes_its_original(store: PhotoStore) -> None:
    result = store.ingest(make_jpeg((2000, 1500)), key=KEY, keep_original=True)
    photo = DraftPhoto(
        telegram_file_unique_id="u",
        source="document",
        sha256=result.sha256,
        archive_path=result.archive_path,
        thumb_path=result.thumb_path,
        width=result.width,
        height=result.height,
        original_path=result.original_path,
    )

    assert store.remove(*photo.files) == 3
    assert not store.root.exists() or not list(store.root.rglob("*"))


def test_phash_is_the_same_picture_whatever_its_size(store: PhotoStore) -> None:
    picture = make_image((1200, 900))
    sizes = []
    for size in [(1200, 900), (600, 450), (3000, 2250)]:
        buf = io.BytesIO()
        picture.resize(size).save(buf, "JPEG", quality=80)
        sizes.append(store.ingest(buf.getvalue(), key=f"k/{size[0]}").phash)

    assert all(len(h) == 16 and int(h, 16) >= 0 for h in sizes)
    assert max(phash_distance(sizes[0], h) for h in sizes) <= 2


@pytest.mark.parametrize(
    ("name", "mime", "accepted"),
    [
        ("IMG_0001.HEIC", None, True),
        ("IMG_0001.heif", "application/octet-stream", True),
        ("scan", "image/heic", True),
        ("foto.jpg", None, True),
        ("foto.JPEG", "image/jpeg", True),
        (None, "image/png", True),
        ("x.webp", None, True),
        ("x.avif", None, True),
        ("scan.tif", "image/tiff", False),
        ("animasi.gif", "image/gif", False),
        ("surat.pdf", "application/pdf", False),
        (None, None, False),
    ],
)
def test_the_form_accepts_the_files_the_store_takes(
    name: str | None, mime: str | None, accepted: bool
) -> None:
    assert photos.accepts_file(name, mime) is accepted


def test_every_format_the_store_takes_is_accepted_by_its_name(store: PhotoStore) -> None:
    extensions = Image.registered_extensions()
    assert "HEIF" in store.formats
    for fmt in store.formats:
        if fmt not in Image.SAVE:
            continue
        suffix = next(ext for ext, f in extensions.items() if f == fmt)
        buf = io.BytesIO()
        make_image((300, 200)).save(buf, fmt)
        assert photos.accepts_file(f"IMG_0001{suffix}", None), fmt
        assert store.ingest(buf.getvalue(), key=f"k/{fmt}").format == fmt


def test_libheif_waits_for_the_first_heif_file(tmp_path: Path) -> None:
    # The bot's memory: libheif (6.5 MB) is loaded by the first HEIF file, not by the store
    # nor by JPEGs; NumPy and SciPy never (the pHash is computed without them).
    (tmp_path / "photo.jpg").write_bytes(jpeg_bytes(make_image((400, 300))))
    (tmp_path / "photo.heic").write_bytes(heic())
    code = (
        "import sys; from pathlib import Path; from zoneinfo import ZoneInfo\n"
        "import services.photos as p\n"
        f"root = Path({str(tmp_path)!r})\n"
        "store = p.PhotoStore(root / 'store', tz=ZoneInfo('Asia/Jakarta'))\n"
        "assert 'HEIF' in store.formats\n"
        "store.ingest((root / 'photo.jpg').read_bytes(), key='a')\n"
        "assert 'pillow_heif' not in sys.modules\n"
        "assert store.ingest((root / 'photo.heic').read_bytes(), key='b').format == 'HEIF'\n"
        "assert 'pillow_heif' in sys.modules\n"
        "assert not {'numpy', 'scipy', 'imagehash'} & set(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


def test_gif_is_refused_as_unsupported(store: PhotoStore) -> None:
    buf = io.BytesIO()
    make_image((300, 200)).save(buf, "GIF")

    with pytest.raises(PhotoRejected) as caught:
        store.ingest(buf.getvalue(), key=KEY)

    assert caught.value.code == "unsupported-format"
    assert caught.value.details == {"format": "GIF"}


def test_too_many_bytes_is_refused_before_decoding(tmp_path: Path) -> None:
    small = PhotoStore(tmp_path, max_bytes=10_000, tz=JAKARTA)
    data = make_jpeg((800, 600))

    with pytest.raises(PhotoRejected) as caught:
        small.ingest(data, key=KEY)

    assert caught.value.code == "too-large-bytes"
    assert caught.value.details == {"limit": 10_000, "size": len(data)}


def test_tiny_image_is_too_small(store: PhotoStore) -> None:
    with pytest.raises(PhotoRejected) as caught:
        store.ingest(make_jpeg((90, 60)), key=KEY)

    assert caught.value.code == "too-small"
    assert caught.value.details["minimum"] == 100


def test_decompression_bomb_is_refused_and_protection_stays_on(store: PhotoStore) -> None:
    bomb = crafted_png(30_000, 30_000)
    assert len(bomb) < 200

    with pytest.raises(PhotoRejected) as caught:
        store.ingest(bomb, key=KEY)

    assert caught.value.code == "too-many-pixels"
    assert Image.MAX_IMAGE_PIXELS is not None
    assert Image.MAX_IMAGE_PIXELS <= 50_000_000


def test_protection_is_switched_back_on_if_someone_disabled_it(store: PhotoStore) -> None:
    Image.MAX_IMAGE_PIXELS = None

    with pytest.raises(PhotoRejected) as caught:
        store.ingest(crafted_png(30_000, 30_000), key=KEY)

    assert caught.value.code == "too-many-pixels"
    assert Image.MAX_IMAGE_PIXELS == 50_000_000


def test_pillow_warning_range_is_refused_too(tmp_path: Path) -> None:
    # 1.5 Mpx is over a 1 Mpx limit but under twice it, where Pillow itself only warns.
    strict = PhotoStore(tmp_path, max_pixels=1_000_000, tz=JAKARTA)

    with pytest.raises(PhotoRejected) as caught:
        strict.ingest(crafted_png(1500, 1000), key=KEY)

    assert caught.value.code == "too-many-pixels"
    assert Image.MAX_IMAGE_PIXELS == 1_000_000


async def test_ingest_async_gives_the_same_as_ingest(store: PhotoStore) -> None:
    data = make_jpeg(orientation=6, taken="2026:11:20 09:15:00")

    result = await store.ingest_async(data, key=KEY)

    assert isinstance(result, StoredPhoto)
    assert (result.width, result.height) == (300, 400)
    assert store.open_archive(result.archive_path).is_file()
    assert result == store.ingest(data, key=KEY)


def test_same_bytes_twice_give_the_same_result_and_files(store: PhotoStore) -> None:
    data = make_jpeg((2000, 1500), orientation=3, gps=("S", (7, 3, 0), "E", (109, 24, 0)))

    first = store.ingest(data, key=KEY)
    archive_bytes = store.open_archive(first.archive_path).read_bytes()
    thumb_bytes = store.open_archive(first.thumb_path).read_bytes()
    second = store.ingest(data, key=KEY)

    assert second == first
    assert store.open_archive(first.archive_path).read_bytes() == archive_bytes
    assert store.open_archive(first.thumb_path).read_bytes() == thumb_bytes
    folder = store.path(first.archive_path).parent
    assert sorted(p.name for p in folder.iterdir()) == [
        "0123456789abcdef.jpg",
        "0123456789abcdef.thumb.jpg",
    ]


@pytest.mark.parametrize("key", ["../escape", "/abs/path", "a//b", "a/./b", "report 1/x", ""])
def test_keys_cannot_leave_the_store(store: PhotoStore, key: str) -> None:
    with pytest.raises(ValueError):
        store.ingest(make_jpeg(), key=key)


def test_path_refuses_to_leave_the_root(store: PhotoStore) -> None:
    for outside in ("../../etc/passwd", "/etc/passwd", "report-1/../../x", ".", ""):
        with pytest.raises(ValueError):
            store.path(outside)
    assert store.path("report-1/./a.jpg") == store.root.resolve() / "report-1" / "a.jpg"
    with pytest.raises(FileNotFoundError):
        store.open_archive("report-1/missing.jpg")


def test_sixteen_bit_grey_png_keeps_its_tones(store: PhotoStore) -> None:
    buf = io.BytesIO()
    Image.new("I;16", (300, 200), 30_000).save(buf, "PNG")

    result = store.ingest(buf.getvalue(), key=KEY)

    pixel = reopen(store, result.archive_path).getpixel((150, 100))
    assert isinstance(pixel, tuple)
    assert all(100 < channel < 135 for channel in pixel)  # 30000/65535 of white, not white


def test_multi_picture_jpeg_from_phones_is_a_jpeg(store: PhotoStore) -> None:
    frames = [make_image((640, 480)), make_image((320, 240))]
    buf = io.BytesIO()
    frames[0].save(buf, "MPO", save_all=True, append_images=frames[1:])

    result = store.ingest(buf.getvalue(), key=KEY)

    assert result.format == "JPEG"
    assert (result.width, result.height) == (640, 480)


async def test_concurrent_ingests_do_not_mix_up(store: PhotoStore) -> None:
    sizes = [(400, 300), (300, 400), (1000, 500), (2000, 1000), (640, 640)]
    jobs = [
        store.ingest_async(make_jpeg(size), key=f"report-1/act-1/photo-{i}")
        for i, size in enumerate(sizes)
    ]

    results = await asyncio.gather(*jobs)

    assert [(r.original_width, r.original_height) for r in results] == sizes
    for i, result in enumerate(results):
        assert result.archive_path == f"report-1/act-1/photo-{i}.jpg"
        assert reopen(store, result.archive_path).size == (result.width, result.height)


def _nonsense_exif() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 77
    exif[ExifTags.IFD.Exif] = {
        ExifTags.Base.DateTimeOriginal: "2026:13:45 99:00:00",
        ExifTags.Base.OffsetTimeOriginal: "WIB",
    }
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "S"}
    return exif.tobytes()


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
@pytest.mark.parametrize(
    "exif",
    [
        b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x05\x01\x12\xff\xff",  # truncated IFD
        b"Exif\x00\x00II*\x00\xff\xff\xff\x7f" + b"\x00" * 40,  # IFD offset past the end
        b"Exif\x00\x00not a tiff header at all",
        _nonsense_exif(),  # orientation 77, month 13, a latitude without degrees
    ],
    ids=["truncated-ifd", "bad-offset", "no-tiff-header", "nonsense-values"],
)
def test_broken_exif_keeps_the_photo(store: PhotoStore, exif: bytes) -> None:
    buf = io.BytesIO()
    make_image((400, 300)).save(buf, "JPEG", exif=exif)

    result = store.ingest(buf.getvalue(), key=KEY)

    assert (result.width, result.height) == (400, 300)
    assert (result.taken_at, result.latitude, result.longitude) == (None, None, None)


# -- what is kept, what is decoded --------------------------------------------------------


def telegram_jpeg(size: tuple[int, int] = (1280, 960), **options: object) -> bytes:
    """A JPEG as the Bot API delivers a photo: Telegram's own encoding, no metadata."""
    buf = io.BytesIO()
    make_image(size).save(buf, "JPEG", quality=87, **options)
    return buf.getvalue()


def red_corner(image: Image.Image) -> tuple[int, int]:
    """Which corner (0 or 1 for x, 0 or 1 for y) the red quarter of `make_image` is in."""
    width, height = image.size
    for x, y in ((0, 0), (1, 0), (0, 1), (1, 1)):
        pixel = image.getpixel(
            (width // 16 + x * width * 7 // 8, height // 16 + y * height * 7 // 8)
        )
        assert isinstance(pixel, tuple)
        red, green, blue = pixel
        if red > 200 and green < 80 and blue < 80:
            return x, y
    raise AssertionError("no red corner")


def test_telegram_photo_is_kept_as_it_came(store: PhotoStore) -> None:
    data = telegram_jpeg()

    result = store.ingest(data, key=KEY)

    assert store.open_archive(result.archive_path).read_bytes() == data
    assert (result.width, result.height) == (1280, 960)
    assert (result.original_width, result.original_height) == (1280, 960)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    thumb = reopen(store, result.thumb_path)
    assert (thumb.format, thumb.size, thumb.mode) == ("JPEG", (320, 240), "RGB")
    assert red_corner(thumb) == (0, 0)


def test_plain_jpeg_with_a_colour_profile_is_kept(store: PhotoStore) -> None:
    data = telegram_jpeg((800, 600), icc_profile=b"not personal")

    result = store.ingest(data, key=KEY)

    assert store.open_archive(result.archive_path).read_bytes() == data
    assert reopen(store, result.thumb_path).info.get("icc_profile") == b"not personal"


@pytest.mark.parametrize("orientation", [None, 1])
def test_small_upright_jpeg_with_metadata_is_re_encoded_without_it(
    store: PhotoStore, orientation: int | None
) -> None:
    # Within the archive size and upright, but its EXIF holds the position: not kept as is.
    data = make_jpeg(
        (800, 600),
        orientation=orientation,
        taken="2026:11:20 09:15:00",
        gps=("S", (7, 3, 0), "E", (109, 24, 0)),
    )

    result = store.ingest(data, key=KEY)

    assert result.taken_at == datetime(2026, 11, 20, 9, 15, tzinfo=JAKARTA)
    assert result.latitude == pytest.approx(-7.05)
    assert result.longitude == pytest.approx(109.4)
    raw = store.open_archive(result.archive_path).read_bytes()
    assert raw != data
    assert b"Exif\x00\x00" not in raw and b"Samsung" not in raw
    archive = reopen(store, result.archive_path)
    assert archive.size == (800, 600)
    assert red_corner(archive) == (0, 0)


@pytest.mark.parametrize(
    "data",
    [
        telegram_jpeg() + b"SEFT trailer with the phone's own notes",
        telegram_jpeg(comment=b"Samsung SM-A125F"),
        telegram_jpeg(xmp=b"<x:xmpmeta>Samsung</x:xmpmeta>"),
    ],
    ids=["bytes-after-the-image", "comment", "xmp"],
)
def test_jpeg_carrying_anything_else_is_re_encoded(store: PhotoStore, data: bytes) -> None:
    result = store.ingest(data, key=KEY)

    raw = store.open_archive(result.archive_path).read_bytes()
    assert raw != data
    assert b"Samsung" not in raw and b"SEFT" not in raw
    assert reopen(store, result.archive_path).size == (1280, 960)


def test_greyscale_jpeg_is_stored_as_colour(store: PhotoStore) -> None:
    buf = io.BytesIO()
    make_image((640, 480), "L").save(buf, "JPEG")

    result = store.ingest(buf.getvalue(), key=KEY)

    assert store.open_archive(result.archive_path).read_bytes() != buf.getvalue()
    assert reopen(store, result.archive_path).mode == "RGB"


def test_multi_picture_jpeg_is_not_kept_as_it_came(store: PhotoStore) -> None:
    buf = io.BytesIO()
    make_image((640, 480)).save(buf, "MPO", save_all=True, append_images=[make_image((64, 48))])

    result = store.ingest(buf.getvalue(), key=KEY)

    raw = store.open_archive(result.archive_path).read_bytes()
    assert raw != buf.getvalue()
    assert reopen(store, result.archive_path).info.get("mp") is None


@pytest.mark.parametrize(
    ("orientation", "corner"),
    [(None, (0, 0)), (3, (1, 1)), (6, (1, 0)), (8, (0, 1))],
)
def test_camera_jpeg_is_reduced_and_turned_upright(
    store: PhotoStore, orientation: int | None, corner: tuple[int, int]
) -> None:
    data = make_jpeg(
        (4000, 3000),
        orientation=orientation,
        taken="2026:11:20 09:15:00",
        offset="+07:00",
        gps=("S", (7, 3, 0), "E", (109, 24, 0)),
    )

    result = store.ingest(data, key=KEY)

    upright = (1200, 1600) if orientation in (6, 8) else (1600, 1200)
    assert (result.width, result.height) == upright
    assert (result.original_width, result.original_height) == (4000, 3000)
    assert result.taken_at == datetime(2026, 11, 20, 9, 15, tzinfo=JAKARTA)
    assert result.latitude == pytest.approx(-7.05)
    assert result.longitude == pytest.approx(109.4)
    archive = reopen(store, result.archive_path)
    thumb = reopen(store, result.thumb_path)
    assert archive.size == upright
    assert thumb.size == (upright[0] // 5, upright[1] // 5)
    assert red_corner(archive) == corner
    assert red_corner(thumb) == corner
    for image in (archive, thumb):
        assert len(image.getexif()) == 0
        # Baseline: Pillow marks progressive JPEGs in `info`.
        assert "progressive" not in image.info


@pytest.mark.parametrize(
    ("size", "needed", "decoded"),
    [
        # A half-size decode covers 1600 px; a quarter (1000 px) would not.
        ((4000, 3000), 1600, (2000, 1500)),
        ((3000, 4000), 1600, (1500, 2000)),
        ((6400, 4800), 1600, (1600, 1200)),
        ((3199, 2400), 1600, (3199, 2400)),
        ((13000, 1000), 1600, (1625, 125)),
        # A kept Telegram photo is decoded at its thumbnail's size.
        ((1280, 960), 320, (320, 240)),
        ((1280, 720), 320, (320, 180)),
        ((1000, 750), 320, (500, 375)),
    ],
)
def test_jpeg_is_decoded_at_the_smallest_scale_that_covers(
    size: tuple[int, int], needed: int, decoded: tuple[int, int]
) -> None:
    buf = io.BytesIO()
    Image.new("RGB", size, "green").save(buf, "JPEG")

    with Image.open(buf) as image:
        assert isinstance(image, JpegImageFile)
        photos._draft(image, needed)
        image.load()

        assert image.size == decoded


def _cut(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _bogus_huffman_table(data: bytes) -> bytes:
    # The table's 16 code counts add up to far more than 256 codes: libjpeg gives up.
    at = data.index(b"\xff\xc4")
    return data[: at + 5] + b"\xff" * 16 + data[at + 21 :]


@pytest.mark.parametrize("damage", [_cut, _bogus_huffman_table], ids=["cut", "bogus-table"])
@pytest.mark.parametrize("size", [(1280, 960), (3200, 2400)], ids=["kept-size", "reduced"])
def test_broken_jpeg_is_corrupt_at_any_decode_scale(
    store: PhotoStore, size: tuple[int, int], damage: Callable[[bytes], bytes]
) -> None:
    data = damage(telegram_jpeg(size))

    with pytest.raises(PhotoRejected) as caught:
        store.ingest(data, key=KEY)

    assert caught.value.code == "corrupt"
    assert not store.path(f"{KEY}.jpg").exists()
    assert not store.path(f"{KEY}.thumb.jpg").exists()


# -- sweeps --------------------------------------------------------------------------------


def _age(path: Path, clock: Clock, age: timedelta) -> None:
    """Sets the file's times to `age` before the test clock's now."""
    moment = (clock.now() - age).timestamp()
    os.utime(path, (moment, moment))


def _killed_write(store: PhotoStore, rel: str) -> Path:
    """A temporary file as `_write_jpeg` leaves it when the process dies before the rename."""
    target = store.path(rel)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        fh.write(b"\xff\xd8 half a jpeg")
    return Path(name)


def test_temporary_sweep_removes_only_old_temporary_files(store: PhotoStore, clock: Clock) -> None:
    kept = store.ingest(make_jpeg(), key=KEY)
    for rel in (kept.archive_path, kept.thumb_path):
        _age(store.path(rel), clock, timedelta(days=30))  # old, but a photo
    old = _killed_write(store, kept.archive_path)
    _age(old, clock, timedelta(hours=2))
    alone = _killed_write(store, "report-13/act-4/abc.thumb.jpg")  # its folder holds no more
    _age(alone, clock, photos.TEMPORARY_MIN_AGE + timedelta(seconds=5))
    # Being written by another process right now: its mtime moves with every block.
    fresh = _killed_write(store, "report-12/act-3/other.jpg")
    _age(fresh, clock, timedelta(seconds=20))

    swept = store.sweep_temporary(now=clock.now())

    assert swept == Swept(files=2, bytes=2 * len(b"\xff\xd8 half a jpeg"))
    assert not old.exists() and not alone.exists()
    assert not (store.root / "report-13").exists()  # the folders it emptied went too
    assert fresh.exists()
    assert store.open_archive(kept.archive_path) and store.open_archive(kept.thumb_path)
    assert store.sweep_temporary(now=clock.now()) == Swept()


def test_temporary_sweep_of_a_store_never_written(store: PhotoStore, clock: Clock) -> None:
    assert not store.root.exists()
    assert store.sweep_temporary(now=clock.now()) == Swept()


def test_orphan_sweep_keeps_referenced_and_young_files(store: PhotoStore, clock: Clock) -> None:
    referenced = store.ingest(make_jpeg(), key="report-1/act-1/kept")
    orphan = store.ingest(make_jpeg(), key="report-2/act-2/orphan")
    young = store.ingest(make_jpeg(), key="report-1/act-1/young")
    for stored, age in ((referenced, timedelta(days=40)), (orphan, timedelta(hours=25))):
        for rel in (stored.archive_path, stored.thumb_path):
            _age(store.path(rel), clock, age)
    for rel in (young.archive_path, young.thumb_path):
        # Written before its row is committed: an upload in progress.
        _age(store.path(rel), clock, timedelta(hours=23))
    orphan_bytes = sum(
        store.path(rel).stat().st_size for rel in (orphan.archive_path, orphan.thumb_path)
    )

    swept = store.sweep_orphans({referenced.archive_path, referenced.thumb_path}, now=clock.now())

    assert swept == Swept(files=2, bytes=orphan_bytes)
    assert not (store.root / "report-2").exists()
    for rel in (referenced.archive_path, referenced.thumb_path, young.archive_path):
        assert store.open_archive(rel)
    # A day later the young pair is old too, and still nobody's.
    clock.advance(timedelta(hours=2))
    assert store.sweep_orphans({referenced.archive_path}, now=clock.now()).files == 3
    assert sorted(p.name for p in store.root.rglob("*")) == ["act-1", "kept.jpg", "report-1"]


def test_orphan_sweep_spares_a_file_rewritten_after_it_was_looked_at(
    store: PhotoStore, clock: Clock
) -> None:
    # A retried upload writes the same name again (and commits its row) between the walk
    # and the delete: the new file must survive.
    data = make_jpeg()
    stored = store.ingest(data, key=KEY)
    path = store.path(stored.archive_path)
    _age(path, clock, timedelta(days=2))
    looked_at = path.stat()
    assert store.ingest(data, key=KEY) == stored  # a new file under the same name

    swept = photos._delete([(path, looked_at)], store.root.resolve())

    assert swept == Swept()
    assert path.is_file() and path.stat().st_ino != looked_at.st_ino
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []
