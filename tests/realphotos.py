"""Real pictures as bytes, for the evidence tests: a photograph, other real pictures, and
files as phones send them (a large JPEG with EXIF, a HEIC made with pillow-heif).

Perceptual hashes are only meaningful on real pictures (on noise every copy is a stranger),
so these come from matplotlib's sample data, which the project installs anyway: a photograph
(Grace Hopper's portrait) and a relief rendered from measured elevations.
"""

from __future__ import annotations

import io
from datetime import datetime
from functools import cache
from pathlib import Path

import numpy as np
from matplotlib import cbook, colormaps
from matplotlib.colors import LightSource
from PIL import ExifTags, Image

from sandbox.files import encode_photo_sizes


def _sample(name: str) -> Path:
    return Path(cbook.get_sample_data(name, asfileobj=False))


@cache
def photograph() -> Image.Image:
    """A real photograph (512x600)."""
    with Image.open(_sample("grace_hopper.jpg")) as image:
        return image.convert("RGB")


@cache
def relief() -> Image.Image:
    """Another real picture: a shaded relief of measured elevations (Jacksboro fault)."""
    with np.load(_sample("jacksboro_fault_dem.npz")) as dem:
        elevation = dem["elevation"].astype(float)
    shaded = LightSource(azdeg=315, altdeg=45).shade(
        elevation, cmap=colormaps["gist_earth"], blend_mode="soft"
    )
    return Image.fromarray((shaded[:, :, :3] * 255).astype("uint8"), "RGB")


def jpeg_bytes(image: Image.Image, *, exif: Image.Exif | None = None, quality: int = 92) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, exif=exif if exif is not None else Image.Exif())
    return buffer.getvalue()


def phone_photo(
    image: Image.Image | None = None, *, long_side: int = 2400, exif: Image.Exif | None = None
) -> bytes:
    """`image` (the photograph by default) at a phone camera's size, as a JPEG."""
    image = image if image is not None else photograph()
    scale = long_side / max(image.size)
    size = (round(image.width * scale), round(image.height * scale))
    return jpeg_bytes(image.resize(size, Image.Resampling.BICUBIC), exif=exif)


def telegram_photo(data: bytes) -> bytes:
    """The largest size Telegram would keep of `data` sent as a photo (re-encoded, no EXIF),
    through the sandbox's own re-encoding."""
    jpeg, _width, _height = encode_photo_sizes(data)[-1]
    return jpeg


def camera_exif(
    *,
    taken: datetime | None = None,
    position: tuple[float, float] | None = None,
    orientation: int | None = None,
) -> Image.Exif:
    """EXIF as a phone camera writes it: capture time, GPS position, orientation."""
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if taken is not None:
        stamp = taken.strftime("%Y:%m:%d %H:%M:%S")
        exif[ExifTags.Base.DateTime] = stamp
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = stamp
    if position is not None:
        lat, lon = position
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "S" if lat < 0 else "N"
        gps[ExifTags.GPS.GPSLatitude] = _dms(lat)
        gps[ExifTags.GPS.GPSLongitudeRef] = "W" if lon < 0 else "E"
        gps[ExifTags.GPS.GPSLongitude] = _dms(lon)
    return exif


def _dms(value: float) -> tuple[float, float, float]:
    # Whole hundredths of a second, so rounding never yields 60 seconds.
    hundredths = round(abs(value) * 360_000)
    degrees, rest = divmod(hundredths, 360_000)
    minutes, seconds = divmod(rest, 6_000)
    return (float(degrees), float(minutes), seconds / 100)


def heic(image: Image.Image | None = None, *, exif: Image.Exif | None = None) -> bytes:
    """`image` (the photograph by default) as an iPhone sends it "as file": HEIC, with EXIF.
    pillow-heif turns an EXIF orientation into the HEIF rotation property, as iPhones do."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    image = image if image is not None else photograph()
    buffer = io.BytesIO()
    image.save(buffer, "HEIF", quality=80, exif=(exif or Image.Exif()).tobytes())
    return buffer.getvalue()
