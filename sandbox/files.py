"""Files in the sandbox: uploads, stored files with Telegram-like ids, photo re-encoding.

Telegram re-encodes every photo into a few JPEG sizes and drops the metadata, while a file sent
as a document keeps its bytes. The bot's photo handling depends on exactly that difference
(largest size, no EXIF location), so the sandbox reproduces it with Pillow.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import mimetypes
import secrets
from dataclasses import dataclass, field
from typing import Any, ClassVar

from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = [
    "DOWNLOAD_LIMIT",
    "FileStore",
    "ImageError",
    "StoredFile",
    "Upload",
    "encode_photo_sizes",
    "image_size",
]

# getFile refuses files above 20 MB on the public Bot API server.
DOWNLOAD_LIMIT = 20 * 1024 * 1024
# Long sides of the sizes Telegram keeps of a photo (s, m, x, y); never upscaled.
PHOTO_LONG_SIDES = (90, 320, 800, 1280)
JPEG_QUALITY = 87


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request: the Bot API's ``InputFile``."""

    part_name: str
    filename: str | None
    content_type: str | None
    data: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"Upload({self.part_name!r}, {self.filename!r}, {len(self.data)} bytes)"


class ImageError(ValueError):
    """Raised when bytes that should be an image cannot be decoded."""


@dataclass
class StoredFile:
    """One file on the sandbox's "servers", reachable by ``file_id`` and ``file_path``."""

    file_id: str
    file_unique_id: str
    kind: str  # "photo", "document", "sticker", "video", ...
    data: bytes = field(repr=False)
    file_path: str
    mime_type: str | None = None
    file_name: str | None = None
    width: int | None = None
    height: int | None = None
    # For a photo size: all sizes of the same photo, so that sending a photo again by the
    # file_id of any size shows the whole photo, as Telegram does.
    photo_group: list[dict[str, Any]] | None = None
    # The bytes the bot uploaded before re-encoding (photos only), for exact comparisons.
    original: bytes | None = field(default=None, repr=False)

    @property
    def size(self) -> int:
        """File size in bytes."""
        return len(self.data)


class FileStore:
    """Keeps every file the users and the bot sent, under realistic-looking ids."""

    _KIND_PREFIX: ClassVar[dict[str, str]] = {
        "photo": "AgACAgUAAx",
        "document": "BQACAgUAAx",
        "sticker": "CAACAgUAAx",
    }

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)

    def add(
        self,
        data: bytes,
        *,
        kind: str,
        extension: str,
        mime_type: str | None = None,
        file_name: str | None = None,
        width: int | None = None,
        height: int | None = None,
        original: bytes | None = None,
    ) -> StoredFile:
        """Stores bytes and returns the new file with fresh ids and a download path."""
        number = next(self._counter)
        prefix = self._KIND_PREFIX.get(kind, "BAACAgUAAx")
        stored = StoredFile(
            file_id=f"{prefix}{number:05d}{secrets.token_urlsafe(12)}",
            file_unique_id=f"AgAD{number:05d}{secrets.token_hex(3)}",
            kind=kind,
            data=data,
            file_path=f"{kind}s/file_{number}.{extension.lstrip('.')}",
            mime_type=mime_type,
            file_name=file_name,
            width=width,
            height=height,
            original=original,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        """The file with this ``file_id``, or None."""
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        """The file downloadable at ``file_path``, or None."""
        return self._by_path.get(file_path)

    async def add_photo(
        self, image_bytes: bytes, *, keep_original: bool = False
    ) -> list[dict[str, Any]]:
        """Re-encodes an image into Telegram's photo sizes; returns the PhotoSize dicts.

        The encoding runs in a worker thread: a large photo takes Pillow a noticeable moment,
        and the bot under test shares this event loop. Raises ImageError for non-images.
        """
        encoded = await asyncio.to_thread(encode_photo_sizes, image_bytes)
        sizes: list[dict[str, Any]] = []
        for jpeg, width, height in encoded:
            stored = self.add(
                jpeg,
                kind="photo",
                extension="jpg",
                mime_type="image/jpeg",
                width=width,
                height=height,
                original=image_bytes if keep_original else None,
            )
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": stored.size,
                    "width": width,
                    "height": height,
                }
            )
        for size in sizes:
            stored_size = self._by_id[size["file_id"]]
            stored_size.photo_group = sizes
        return sizes

    def add_document(
        self, data: bytes, *, file_name: str | None, mime_type: str | None
    ) -> dict[str, Any]:
        """Stores a document byte for byte; returns the Document dict."""
        if mime_type is None and file_name:
            mime_type = mimetypes.guess_type(file_name)[0]
        extension = (file_name or "").rpartition(".")[2] if file_name and "." in file_name else ""
        stored = self.add(
            data,
            kind="document",
            extension=extension or "bin",
            mime_type=mime_type,
            file_name=file_name,
        )
        return document_dict(stored)


def document_dict(stored: StoredFile) -> dict[str, Any]:
    """The Bot API Document object for a stored file."""
    document: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
    }
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    return document


def _open_image(image_bytes: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(image_bytes))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"not a decodable image: {exc}") from exc
    return image


def image_size(image_bytes: bytes) -> tuple[int, int]:
    """Width and height of an image; raises ImageError when it cannot be decoded."""
    image = _open_image(image_bytes)
    return image.width, image.height


def encode_photo_sizes(image_bytes: bytes) -> list[tuple[bytes, int, int]]:
    """The JPEG sizes Telegram would keep of a photo: (bytes, width, height), smallest first.

    EXIF orientation is applied first, as Telegram's apps do before uploading, and no metadata
    is written, as Telegram strips it.
    """
    image = _open_image(image_bytes)
    image = ImageOps.exif_transpose(image)
    if image.mode != "RGB":
        # Transparent areas become white, as in Telegram's previews.
        background = Image.new("RGB", image.size, (255, 255, 255))
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    long_side = max(image.width, image.height)
    targets = [side for side in PHOTO_LONG_SIDES if side < long_side]
    if long_side <= PHOTO_LONG_SIDES[-1]:
        targets.append(long_side)
    result: list[tuple[bytes, int, int]] = []
    for target in targets:
        scale = target / long_side
        width = max(1, round(image.width * scale))
        height = max(1, round(image.height * scale))
        resized = image if (width, height) == image.size else image.resize((width, height))
        buffer = io.BytesIO()
        resized.save(buffer, format="JPEG", quality=JPEG_QUALITY)
        result.append((buffer.getvalue(), width, height))
    return result
