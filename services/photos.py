"""Photo storage: check what people send, keep an upright archive copy and a thumbnail.

A photo sent as a file also keeps its bytes as received (`original_path`), so its SHA-256 can
be checked against a kept file; every photo gets a perceptual hash (pHash) that finds the
same picture after Telegram's recompression (services/evidence.py compares them).

The files are written without EXIF, XMP or comments: the capture time and GPS position go to
the database, and the JPEGs shown to reviewers or exported carry nothing about where the phone
was. Rejections are codes (`PhotoRejected.code`); the caller turns them into a sentence.

Ingest is meant to cost about as much as decoding the file once: a JPEG that is already small
enough, upright and free of metadata (what Telegram delivers for a photo) is kept as it came;
a larger JPEG is decoded at a reduced scale; one resize with a fast filter, baseline encoding.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib.util
import io
import math
import operator
import os
import re
import stat
import statistics
import struct
import tempfile
import threading
import warnings
from collections.abc import Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone, tzinfo
from functools import cache, partial
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image, ImageFile, JpegImagePlugin, UnidentifiedImageError

REJECTION_CODES = frozenset(
    {
        "not-an-image",
        "corrupt",
        "too-large-bytes",
        "too-many-pixels",
        "too-small",
        "unsupported-format",
    }
)

# What phone cameras and galleries produce, with the file names and MIME types they travel
# under when sent "as file". Other formats Pillow can read (TIFF, EPS, PSD...) are refused so
# that hostile files only ever meet a few well-exercised decoders. The form accepts a file
# by these (`accepts_file`), so it takes exactly what the store takes.
_WANTED_FORMATS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "JPEG": ((".jpg", ".jpeg", ".jpe", ".jfif"), ("image/jpeg", "image/pjpeg")),
    "MPO": ((".mpo",), ("image/mpo",)),
    "PNG": ((".png",), ("image/png",)),
    "WEBP": ((".webp",), ("image/webp",)),
    "AVIF": ((".avif",), ("image/avif",)),
    "HEIF": (
        (".heic", ".heif", ".hif"),
        ("image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence"),
    ),
}
# The name an original is kept under, by format (an MPO is a JPEG with more pictures).
_ORIGINAL_SUFFIX = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "AVIF": "avif", "HEIF": "heic"}

# Pillow raises a zoo of exceptions on malformed input, from the header parser or the decoder.
_DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    struct.error,
    ZeroDivisionError,
)

# HEIF brands (ISO/IEC 23008-12) that iPhones and newer Androids write; Pillow only reads them
# with the pillow-heif plugin, so without it they are "unsupported", not "not an image".
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}

# Key segments become directory and file names under the photos root.
_KEY_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")

# What `_write_jpeg` leaves when the process dies between mkstemp and os.replace:
# ".<target name>.<random>.tmp" beside the target.
_TEMPORARY_NAME = re.compile(r"^\.[A-Za-z0-9._-]+\.tmp$")
# A write in progress touches its file at least every few seconds (each block written
# moves its mtime); one not touched for this long belongs to a process that died. Generous,
# because one left behind costs a few kilobytes until the next start or the orphan sweep.
TEMPORARY_MIN_AGE = timedelta(minutes=10)
# A photo's files are written before its row is committed; an unreferenced file younger
# than this may belong to an upload still in progress (or retried after an outage).
ORPHAN_MIN_AGE = timedelta(hours=24)

_EXIF_DATETIME = re.compile(r"^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")

# EXIF orientation -> the transpose that makes the pixels upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# The JPEG segments a file kept as it came may carry: JFIF (APP0), Adobe's colour transform
# flag (APP14) and a colour profile (APP2 "ICC_PROFILE"). Any other (EXIF or XMP in APP1,
# IPTC, comments, makers' own) may say where or by whom the photo was taken: re-encode.
_PLAIN_JPEG_SEGMENTS = ("APP0", "APP14")
_ICC_SEGMENT = ("APP2", b"ICC_PROFILE\x00")

# The downscale factors libjpeg can apply while decoding (its DCT scaling), largest first.
_JPEG_SCALES = (8, 4, 2)

# The archive copy: box (area averaging), which Pillow's docs rate as bilinear for making
# pictures smaller, at about half the time (2000x1500 -> 1600x1200: 15 ms against 27 for
# bilinear and 42 for Lanczos). The thumbnail, a fraction of that work, keeps bilinear: the
# near-duplicate check hashes it, and box's aliasing moved the same picture's hash by up to
# 4 bits from one size to another where bilinear keeps it within 2.
_ARCHIVE_FILTER = Image.Resampling.BOX
_THUMB_FILTER = Image.Resampling.BILINEAR

# Pillow's resize first box-reduces by a whole factor while the rest stays at least this big;
# 2.0 is where Pillow's docs call the result indistinguishable from a plain resize.
_REDUCING_GAP = 2.0


@cache
def _photo_threads(count: int) -> ThreadPoolExecutor:
    """The threads photos are decoded on, as many as may decode at once (`max_concurrent`),
    shared by every store of the process: on the default executor any of its threads would
    decode in turn, and glibc gives threads arenas of their own, each keeping what a decode
    freed."""
    return ThreadPoolExecutor(max_workers=count, thread_name_prefix="dampingan-photos")


# `warnings.catch_warnings` swaps a process-wide filter list; two threads doing it at once
# can leave the wrong list behind. Only the (cheap, header-only) Image.open runs under it.
_OPEN_LOCK = threading.Lock()


class PhotoRejected(Exception):
    """The bytes are not a photo we keep. `code` says why; `details` holds figures for the
    message (limits, sizes, the format found)."""

    def __init__(self, code: str, **details: int | str) -> None:
        if code not in REJECTION_CODES:
            raise ValueError(f"unknown rejection code {code!r}")
        super().__init__(code, details)
        self.code = code
        self.details = details


@dataclass(frozen=True)
class StoredPhoto:
    """What `PhotoStore.ingest` kept; paths are relative to the store's root."""

    # Of the bytes as received.
    sha256: str
    archive_path: str
    thumb_path: str
    # Of the archive copy, upright (EXIF orientation applied).
    width: int
    height: int
    # As stored in the original file, before orientation was applied (HEIF: as libheif
    # decodes it, already turned by the file's own rotation, which it writes for EXIF's).
    original_width: int
    original_height: int
    taken_at: datetime | None
    latitude: float | None
    longitude: float | None
    format: str
    # Perceptual hash (64-bit pHash, 16 hex digits) of the upright picture.
    phash: str
    # Of the archive copy written (the same as `sha256` when the bytes were kept as they came).
    archive_sha256: str
    # The bytes as received (`keep_original`): a file of their own, or the archive copy
    # itself when that is the bytes as received.
    original_path: str | None = None


@dataclass(frozen=True)
class Swept:
    """What a sweep of the store deleted."""

    files: int = 0
    bytes: int = 0


class PhotoStore:
    """Verifies image bytes and writes an archive JPEG and a thumbnail under `root`."""

    def __init__(
        self,
        root: Path,
        *,
        max_bytes: int = 20 * 1024 * 1024,
        max_pixels: int = 50_000_000,
        archive_long_side: int = 1600,
        thumb_long_side: int = 320,
        min_side: int = 100,
        archive_quality: int = 85,
        thumb_quality: int = 80,
        max_concurrent: int = 2,
        tz: tzinfo,
    ) -> None:
        if min(max_bytes, max_pixels, archive_long_side, thumb_long_side, max_concurrent) < 1:
            raise ValueError("PhotoStore limits must be positive")
        self.root = Path(root)
        self._resolved_root = self.root.resolve()
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
        self.archive_long_side = archive_long_side
        self.thumb_long_side = thumb_long_side
        self.min_side = min_side
        self.archive_quality = archive_quality
        self.thumb_quality = thumb_quality
        self.tz = tz
        # HEIF among them when pillow-heif is installed; its opener is registered with the
        # first HEIF file (`_open`).
        self.formats = _accepted_formats()
        # A 50-megapixel PNG needs ~200 MB while it is decoded; a burst of album uploads must
        # not multiply that by the size of the thread pool on a small server.
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self.max_concurrent = max_concurrent
        self._guard_pillow_limit()

    # -- paths ---------------------------------------------------------------------------

    def path(self, rel: str) -> Path:
        """The absolute path of a stored file; refuses anything that leaves the root.

        Checked on the normalised name, not by resolving links: the store's own names hold
        none, and resolving every component cost a tenth of a photo's storing (two files
        written per photo). A folder inside the store linked to another disk stays usable."""
        root = self._resolved_root
        candidate = Path(os.path.normpath(root / rel))
        if not candidate.is_relative_to(root) or candidate == root:
            raise ValueError(f"{rel!r} is not a path inside the photo store")
        return candidate

    def open_archive(self, rel: str) -> Path:
        """The path of an existing stored file, ready to open or send."""
        candidate = self.path(rel)
        if not candidate.is_file():
            raise FileNotFoundError(candidate)
        return candidate

    def remove(self, *rels: str) -> int:
        """Deletes stored files (a cancelled draft's, a removed photo's) and the folders
        they leave empty; returns how many files were deleted. Missing files are fine."""
        removed = 0
        root = self.root.resolve()
        for rel in rels:
            target = self.path(rel)
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
                removed += 1
            _prune_empty(target.parent, root)
        return removed

    def sweep_temporary(self, *, now: datetime, min_age: timedelta = TEMPORARY_MIN_AGE) -> Swept:
        """Deletes the temporary files of writes that were killed half-way (not touched for
        `min_age` before `now`), and the folders they leave empty."""
        cutoff = (now - min_age).timestamp()
        root = self.root.resolve()
        found = [
            (path, info)
            for path, info in _files(root)
            if _TEMPORARY_NAME.match(path.name) and info.st_mtime < cutoff
        ]
        return _delete(found, root)

    def sweep_orphans(
        self,
        referenced: Collection[str],
        *,
        now: datetime,
        min_age: timedelta = ORPHAN_MIN_AGE,
    ) -> Swept:
        """Deletes files that no photo row points at (`referenced`: paths relative to the
        root, as `names_for` gives them) and that were last written `min_age` before `now`,
        then the folders they leave empty.

        `referenced` must be read before this runs: a file whose row is committed meanwhile
        was written moments ago (or rewritten, for a retried upload) and is too young."""
        cutoff = (now - min_age).timestamp()
        root = self.root.resolve()
        found = [
            (path, info)
            for path, info in _files(root)
            if info.st_mtime < cutoff and path.relative_to(root).as_posix() not in referenced
        ]
        return _delete(found, root)

    @staticmethod
    def names_for(key: str) -> tuple[str, str]:
        """The archive and thumbnail paths (relative) that `key` gives."""
        segments = key.split("/")
        if not all(_KEY_SEGMENT.match(s) for s in segments):
            raise ValueError(f"photo key {key!r} must be /-separated [A-Za-z0-9._-] names")
        # Both files of a report sit in its folder, so removing a report is one rmtree.
        return f"{key}.jpg", f"{key}.thumb.jpg"

    @staticmethod
    def original_name_for(key: str, fmt: str) -> str:
        """Where the bytes as received are kept, beside the archive copy of `key`."""
        PhotoStore.names_for(key)  # the same checks of the key
        return f"{key}.orig.{_ORIGINAL_SUFFIX.get(fmt, 'bin')}"

    # -- ingest --------------------------------------------------------------------------

    async def ingest_async(
        self, data: bytes, *, key: str, keep_original: bool = False
    ) -> StoredPhoto:
        """`ingest` in a worker thread, so other people's updates keep flowing meanwhile."""
        work = partial(self.ingest, data, key=key, keep_original=keep_original)
        threads = _photo_threads(self.max_concurrent)
        return await asyncio.get_running_loop().run_in_executor(threads, work)

    def ingest(self, data: bytes, *, key: str, keep_original: bool = False) -> StoredPhoto:
        """Checks `data`, writes the archive copy and thumbnail for `key`, returns the facts;
        with `keep_original` (a photo sent as a file) also the bytes as received.

        Raises PhotoRejected for anything that is not a usable photo. The same bytes and key
        always give the same files and result, so a retried upload is harmless.
        """
        archive_rel, thumb_rel = self.names_for(key)
        if not data:
            raise PhotoRejected("not-an-image")
        if len(data) > self.max_bytes:
            raise PhotoRejected("too-large-bytes", limit=self.max_bytes, size=len(data))
        digest = hashlib.sha256(data).hexdigest()
        self._guard_pillow_limit()
        with self._slots:
            stored = self._ingest(data, digest, archive_rel, thumb_rel)
        if not keep_original:
            return stored
        if stored.archive_sha256 == digest:
            # Kept as it came: the archive copy is the original, no second file needed.
            return replace(stored, original_path=archive_rel)
        original_rel = self.original_name_for(key, stored.format)
        self._write_jpeg(data, original_rel)
        return replace(stored, original_path=original_rel)

    def _ingest(self, data: bytes, digest: str, archive_rel: str, thumb_rel: str) -> StoredPhoto:
        formats = self.formats
        im = self._open(data, formats)
        if type(im).verify is not ImageFile.ImageFile.verify:
            # Only some formats check anything in verify() without decoding (PNG: the chunk
            # CRCs, which decoding skips); it leaves the image unusable, so these are opened
            # a second time. JPEG's verify() does nothing: one open.
            try:
                im.verify()
            except _DECODE_ERRORS:
                raise PhotoRejected("corrupt") from None
            finally:
                im.close()
            im = self._open(data, formats)

        with im:
            original_size = im.size
            width, height = original_size
            if width * height > self.max_pixels:
                raise PhotoRejected(
                    "too-many-pixels", limit=self.max_pixels, pixels=width * height
                )
            if min(width, height) < self.min_side:
                raise PhotoRejected("too-small", minimum=self.min_side, width=width, height=height)
            fmt = "JPEG" if im.format == "MPO" else str(im.format)

            # Without an APP1 segment a JPEG has no EXIF or XMP, so no orientation to apply.
            keep = max(original_size) <= self.archive_long_side and _is_plain_jpeg(im, data)
            if isinstance(im, JpegImagePlugin.JpegImageFile):
                # libjpeg decodes at 1/2, 1/4 or 1/8 scale for a fraction of the work and
                # memory: a 12-megapixel photo bound for 1600 px is decoded at 2000x1500, a
                # kept photo only at its thumbnail's size (every byte is still decoded, so a
                # broken file is still found).
                needed = self.thumb_long_side if keep else self.archive_long_side
                _draft(im, needed)
            try:
                im.load()
            except _DECODE_ERRORS:
                raise PhotoRejected("corrupt") from None
            icc_profile = im.info.get("icc_profile")
            # A mangled EXIF block (common after some gallery apps) is no reason to refuse
            # the pixels: the photo is kept without time, position or orientation.
            try:
                exif = im.getexif()
            except _DECODE_ERRORS:
                exif = Image.Exif()
            try:
                taken_at = _taken_at(exif, self.tz)
                latitude, longitude = _position(exif)
            except _DECODE_ERRORS:
                taken_at, latitude, longitude = None, None, None

            pixels = _to_rgb(im)
            if keep:
                archive_data = data
                archive_size = original_size
                thumb = _resize(pixels, _fit(original_size, self.thumb_long_side), _THUMB_FILTER)
            else:
                # Resized before it is turned upright: fewer pixels to turn. `_fit` keeps the
                # long side, so it gives the same size either way round.
                reduced = _resize(
                    pixels, _fit(original_size, self.archive_long_side), _ARCHIVE_FILTER
                )
                archive = _upright(reduced, exif)
                archive_data = _encode_jpeg(archive, self.archive_quality, icc_profile)
                archive_size = archive.size
                thumb = _resize(archive, _fit(archive.size, self.thumb_long_side), _THUMB_FILTER)
            thumb_data = _encode_jpeg(thumb, self.thumb_quality, icc_profile)
            # From the thumbnail, upright on both paths: pHash looks at a 32x32 greyscale
            # version anyway, so the small image gives the same hash for a fraction of the work.
            phash = perceptual_hash(thumb)

            self._write_jpeg(archive_data, archive_rel)
            self._write_jpeg(thumb_data, thumb_rel)
            return StoredPhoto(
                sha256=digest,
                archive_path=archive_rel,
                thumb_path=thumb_rel,
                width=archive_size[0],
                height=archive_size[1],
                original_width=original_size[0],
                original_height=original_size[1],
                taken_at=taken_at,
                latitude=latitude,
                longitude=longitude,
                format=fmt,
                phash=phash,
                # A kept photo's archive is the input, whose digest is already known.
                archive_sha256=(
                    digest if archive_data is data else hashlib.sha256(archive_data).hexdigest()
                ),
            )

    def _open(self, data: bytes, formats: tuple[str, ...]) -> Image.Image:
        """Image.open with the pixel limit enforced: Pillow's warning becomes an error too."""
        try:
            with _OPEN_LOCK, warnings.catch_warnings():
                # Between MAX_IMAGE_PIXELS and twice that Pillow only warns; we refuse.
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                return Image.open(io.BytesIO(data), formats=_openers(data, formats))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRejected("too-many-pixels", limit=self.max_pixels) from None
        except UnidentifiedImageError:
            found = _sniff_unsupported(data)
            if found == "HEIC" and "HEIF" in formats:
                # libheif reads the whole container when it opens a file: a HEIC cut short
                # (an upload broken off) is not recognised at all. Its header says what it
                # is, so it is a broken photo, not a format we cannot read.
                raise PhotoRejected("corrupt") from None
            if found is not None:
                raise PhotoRejected("unsupported-format", format=found) from None
            raise PhotoRejected("not-an-image") from None
        except _DECODE_ERRORS:
            raise PhotoRejected("corrupt") from None

    def _guard_pillow_limit(self) -> None:
        # Pillow's limit is process-wide; only ever lower it (or switch it back on), never
        # raise it, so a second store with a bigger limit cannot weaken the first one.
        current = Image.MAX_IMAGE_PIXELS
        if current is None or current > self.max_pixels:
            Image.MAX_IMAGE_PIXELS = self.max_pixels

    def _write_jpeg(self, data: bytes, rel: str) -> None:
        # Writes any bytes (an original is kept in its own format): the name is historical.
        """Writes beside the target and renames, so readers never see half a file."""
        target = self.path(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            # mkstemp creates 0600; the files are served to reviewers by other processes.
            os.chmod(tmp_name, 0o644)
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise


def _prune_empty(folder: Path, root: Path) -> None:
    """Removes `folder` and its parents up to (not including) `root` while they are empty."""
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()  # only succeeds when empty
        except OSError:
            break
        folder = folder.parent


def _files(root: Path) -> Iterator[tuple[Path, os.stat_result]]:
    """Every regular file under `root` with its stat; links are not followed. Files and
    folders that vanish meanwhile (another process writing or removing) are skipped."""
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(Path(entry.path))
                    continue
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if stat.S_ISREG(info.st_mode):
                yield Path(entry.path), info


def _delete(found: list[tuple[Path, os.stat_result]], root: Path) -> Swept:
    """Deletes files found stale by a sweep, unless they were replaced since they were
    looked at; prunes the folders left empty."""
    files = size = 0
    for path, seen in found:
        # A retried upload rewrites the same name (os.replace: a new inode) and may commit
        # its row between the look and the delete. Moving the file aside first shows which
        # file was taken: an unknown one is put back.
        aside = path.with_name(f".{path.name}.sweep.tmp")
        try:
            os.rename(path, aside)
        except FileNotFoundError:
            continue
        try:
            taken = os.stat(aside, follow_symlinks=False)
        except FileNotFoundError:  # a second sweeper (another process) took it
            continue
        if (taken.st_ino, taken.st_mtime_ns) != (seen.st_ino, seen.st_mtime_ns):
            # Same key, same bytes, same result (ingest is deterministic): putting it back
            # over an even newer copy loses nothing.
            os.replace(aside, path)
            continue
        os.unlink(aside)
        files += 1
        size += seen.st_size
        _prune_empty(path.parent, root)
    return Swept(files=files, bytes=size)


@cache
def _accepted_formats() -> tuple[str, ...]:
    """The wanted formats this Pillow can open: HEIF with pillow-heif installed (its opener
    registered when the first HEIF file comes, `_openers`)."""
    # Image.open(formats=...) does not load plugins itself when a list is given.
    Image.init()
    heif = importlib.util.find_spec("pillow_heif") is not None
    return tuple(f for f in _WANTED_FORMATS if f in Image.OPEN or (f == "HEIF" and heif))


def _openers(data: bytes, formats: tuple[str, ...]) -> tuple[str, ...]:
    """The formats to try on `data` (under _OPEN_LOCK). libheif (6.5 MB resident) is loaded
    by the first HEIF file, not at start-up: most photos are Telegram's JPEGs. A format no
    plugin registered would make Image.open raise KeyError, so HEIF is left out until then."""
    if "HEIF" not in formats or "HEIF" in Image.OPEN:
        return formats
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        _register_heif()
        return formats
    return tuple(f for f in formats if f != "HEIF")


def _register_heif() -> None:
    """Lets Pillow open HEIC/HEIF (what iPhones send "as file")."""
    from pillow_heif import register_heif_opener

    # Depth maps, auxiliary pictures and embedded thumbnails are never looked at.
    register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)


def accepts_file(file_name: str | None, mime_type: str | None) -> bool:
    """Whether a file sent as a document is of a format the store takes (by its name or its
    MIME type; the bytes are checked by `ingest` all the same)."""
    name = (file_name or "").lower()
    mime = (mime_type or "").lower()
    for fmt in _accepted_formats():
        suffixes, mime_types = _WANTED_FORMATS[fmt]
        if name.endswith(suffixes) or mime in mime_types:
            return True
    return False


# imagehash.phash's parameters: an 8x8 hash from the DCT of a 32x32 grey image.
_PHASH_BITS_SIDE, _PHASH_IMAGE_SIDE = 8, 32


def perceptual_hash(image: Image.Image) -> str:
    """The picture's pHash as 16 hex digits: close for the same picture re-encoded or
    resized, far apart for different pictures (see `models.reports.phash_distance`).

    The same bits as `imagehash.phash` (tests/test_evidence.py checks they agree), computed
    here: its two DCTs need only the DCT matrix's first 8 rows, and ImageHash would load
    NumPy and SciPy for them, 40 MB resident in a bot held to 150 MB. Row n and row N-1-n
    of a DCT row are equal or opposite (k even or odd), so each product first adds or
    subtracts the mirrored halves: 5,120 products, about 0.3 ms in plain Python."""
    grey = image.convert("L").resize(
        (_PHASH_IMAGE_SIDE, _PHASH_IMAGE_SIDE), Image.Resampling.LANCZOS
    )
    pixels = grey.tobytes()  # one byte per pixel, row by row
    rows = [pixels[y : y + _PHASH_IMAGE_SIDE] for y in range(0, len(pixels), _PHASH_IMAGE_SIDE)]
    halves = _dct_halves()
    # D P: each column folded once (exact: whole numbers), then 16 products per row of D.
    columns = [_fold(column) for column in zip(*rows, strict=True)]
    left = [[_dot(k_half, column[k % 2]) for column in columns] for k, k_half in enumerate(halves)]
    # (D P) D^T the same way, row by row.
    low = [
        _dot(folded[j % 2], j_half)
        for folded in map(_fold, left)
        for j, j_half in enumerate(halves)
    ]
    middle = statistics.median(low)
    bits = "".join("1" if value > middle else "0" for value in low)
    return f"{int(bits, 2):0{len(bits) // 4}x}"


def _fold(values: Sequence[float]) -> tuple[list[float], list[float]]:
    """The first half of `values` plus, and minus, the second half mirrored."""
    half = len(values) // 2
    first, mirrored = values[:half], values[: half - 1 : -1]
    return [a + b for a, b in zip(first, mirrored, strict=True)], [
        a - b for a, b in zip(first, mirrored, strict=True)
    ]


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return float(sum(map(operator.mul, a, b)))


@cache
def _dct_halves() -> list[list[float]]:
    """The first half of each of the first rows of the unnormalised DCT-II matrix
    (scipy.fftpack.dct's default): 2 cos(pi k (2n + 1) / 2N)."""
    side = _PHASH_IMAGE_SIDE
    return [
        [2 * math.cos(math.pi * k * (2 * n + 1) / (2 * side)) for n in range(side // 2)]
        for k in range(_PHASH_BITS_SIDE)
    ]


def _sniff_unsupported(data: bytes) -> str | None:
    """Names a recognisable image format we refuse, so the person hears "format" not "junk"."""
    head = data[:32]
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "HEIC"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "TIFF"
    if head.startswith(b"BM") and len(head) >= 18:
        (header_size,) = struct.unpack_from("<I", head, 14)
        if header_size in (12, 40, 52, 56, 64, 108, 124):
            return "BMP"
    return None


def _fit(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """`size` scaled so its long side is at most `long_side`; never enlarged."""
    width, height = size
    longest = max(width, height)
    if longest <= long_side:
        return size
    scale = long_side / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def _is_plain_jpeg(im: Image.Image, data: bytes) -> bool:
    """Whether `data` can be kept as it came: a plain colour JPEG that carries nothing but
    its pixels, a colour profile and the segments needed to decode it."""
    if not isinstance(im, JpegImagePlugin.JpegImageFile) or im.format != "JPEG":
        return False  # MPO too: its second picture and index would stay in the file
    if im.mode != "RGB":
        return False  # greyscale and CMYK are converted for viewers that expect RGB
    # Whatever follows the end-of-image marker (Samsung's trailer, a motion photo's video)
    # is not the picture.
    if not data.endswith(b"\xff\xd9"):
        return False
    for marker, payload in im.applist:
        if marker in _PLAIN_JPEG_SEGMENTS:
            continue
        if marker == _ICC_SEGMENT[0] and payload.startswith(_ICC_SEGMENT[1]):
            continue
        return False
    return True


def _draft(im: JpegImagePlugin.JpegImageFile, long_side: int) -> None:
    """Asks libjpeg for the smallest decode whose long side is still at least `long_side`."""
    longest = max(im.size)
    for scale in _JPEG_SCALES:
        if longest >= scale * long_side:
            # Pillow picks the largest scale s with size // request >= s on both sides;
            # asking for size // scale makes that `scale`. (Asking for the target size
            # itself does not: 4000x3000 -> (1600, 1600) gives 3000 // 1600 = 1, no scaling.)
            im.draft("RGB", (max(1, im.width // scale), max(1, im.height // scale)))
            return


def _resize(image: Image.Image, size: tuple[int, int], resample: Image.Resampling) -> Image.Image:
    """`image` at `size`, in one pass after a whole-factor box reduction (a no-op when it
    already is that size)."""
    if size == image.size:
        return image
    return image.resize(size, resample, reducing_gap=_REDUCING_GAP)


def _upright(image: Image.Image, exif: Image.Exif) -> Image.Image:
    """`image` turned as its EXIF (or XMP) orientation says; nonsense values turn nothing."""
    try:
        orientation = exif.get(ExifTags.Base.Orientation, 1)
    except _DECODE_ERRORS:
        return image
    method = _UPRIGHT.get(orientation) if isinstance(orientation, int) else None
    return image if method is None else image.transpose(method)


def _encode_jpeg(image: Image.Image, quality: int, icc_profile: bytes | None) -> bytes:
    """Baseline JPEG without metadata; the colour profile is kept."""
    # Pillow copies some metadata (comments) from `info` when saving; start from nothing.
    image.info = {}
    buf = io.BytesIO()
    image.save(
        buf,
        "JPEG",
        quality=quality,
        # Neither optimized Huffman tables nor progressive scans: for a 1600x1200 archive
        # they took 16 and 50 ms against 7 ms baseline, for 4 and 11% smaller files.
        optimize=False,
        progressive=False,
        exif=b"",
        comment=b"",
        # The colour profile is not personal, and without it a Display-P3 photo looks
        # washed out.
        icc_profile=icc_profile or None,
    )
    return buf.getvalue()


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB pixels; transparency is laid on white, as a viewer would show it."""
    if image.mode.startswith("I"):
        # 16-bit greyscale PNG: Pillow's own conversion clips everything above 255 to white.
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    if image.mode == "RGB" and "transparency" not in image.info:
        return image
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


# -- EXIF ----------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    return value.strip("\x00 \t\r\n") or None


def _taken_at(exif: Image.Exif, tz: tzinfo) -> datetime | None:
    """The capture time: DateTimeOriginal (else DateTimeDigitized), in `tz`.

    Phones write local wall-clock time; when they also write the offset (EXIF 2.31
    OffsetTimeOriginal), that offset decides the instant, otherwise the bot's zone does.
    """
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    for time_tag, offset_tag in (
        (ExifTags.Base.DateTimeOriginal, ExifTags.Base.OffsetTimeOriginal),
        (ExifTags.Base.DateTimeDigitized, ExifTags.Base.OffsetTimeDigitized),
    ):
        found = _parse_exif_datetime(_text(sub.get(time_tag)), _text(sub.get(offset_tag)), tz)
        if found is not None:
            return found
    return None


def _parse_exif_datetime(raw: str | None, offset: str | None, tz: tzinfo) -> datetime | None:
    if raw is None:
        return None
    match = _EXIF_DATETIME.match(raw)
    if match is None:
        return None
    try:
        # Cameras with a flat clock battery write "0000:00:00 00:00:00": no date, not an error.
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        naive = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    zone = tz
    offset_match = _EXIF_OFFSET.match(offset) if offset else None
    if offset_match is not None:
        sign, hours, minutes = offset_match.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        if delta <= timedelta(hours=14):
            zone = timezone(-delta if sign == "-" else delta)
    return naive.replace(tzinfo=zone).astimezone(tz)


def _position(exif: Image.Exif) -> tuple[float | None, float | None]:
    """GPS latitude and longitude in decimal degrees, or (None, None)."""
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if not gps:
        return None, None
    latitude = _coordinate(
        gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "S", 90.0
    )
    longitude = _coordinate(
        gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "W", 180.0
    )
    if latitude is None or longitude is None:
        return None, None
    # Some phones write 0/0 when they had no fix; nobody reports a visit from the Gulf of Guinea.
    if latitude == 0.0 and longitude == 0.0:
        return None, None
    return latitude, longitude


def _coordinate(value: Any, ref: Any, negative_ref: str, limit: float) -> float | None:
    """Degrees/minutes/seconds rationals (any of them may carry the fraction) to degrees."""
    parts: list[float] = []
    try:
        if isinstance(value, tuple | list):
            parts = [float(part) for part in value]
        elif value is not None:
            parts = [float(value)]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not 1 <= len(parts) <= 3 or not all(math.isfinite(p) for p in parts):
        return None
    degrees, minutes, seconds = [*parts, 0.0, 0.0][:3]
    if minutes < 0 or seconds < 0 or minutes >= 60 or seconds >= 60:
        return None
    magnitude = abs(degrees) + minutes / 60 + seconds / 3600
    if magnitude > limit:
        return None
    ref_text = (_text(ref) or "").upper()
    negative = ref_text.startswith(negative_ref) if ref_text else degrees < 0
    return round(-magnitude if negative else magnitude, 7)
