"""Real photographs (tests/photos/media-*, licences in tests/photos/media-LICENCES.md) and the
colour profiles and metadata a camera or a phone gives them.

`tagged` turns an sRGB photo into what a camera set to Adobe RGB or an iPhone (Display P3) writes:
the same colours, as other numbers, with the profile that says how to read them. The Adobe RGB
profile is a free one that ships with Debian (icc-profiles-free); the Display P3 one is built here
from its published definition (P3 primaries, D65 white, the sRGB tone curve), because no free
package we can use ships one.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import cv2
import numpy as np
from PIL import ExifTags, Image, ImageCms

PHOTOS = Path(__file__).resolve().parents[1] / "photos"
ADOBE_RGB_ICC = PHOTOS / "media-adobe-rgb-compatible.icc"

GPS = {
    ExifTags.GPS.GPSLatitudeRef: "S",
    ExifTags.GPS.GPSLatitude: (33.0, 55.0, 12.5),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (18.0, 25.0, 3.0),
}
SERIAL = "0423 1187 5521"
OWNER = "Pieter van Wyk"


def photo(name: str) -> Image.Image:
    """`tests/photos/media-NAME.jpg` as an RGB image (sRGB, untagged)."""
    return Image.open(PHOTOS / f"media-{name}.jpg").convert("RGB")


def jpeg(image: Image.Image, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95, **options)
    return buffer.getvalue()


def adobe_rgb_icc() -> bytes:
    return ADOBE_RGB_ICC.read_bytes()


def tagged(image: Image.Image, icc: bytes, **options) -> bytes:
    """The sRGB `image` converted into the colour space of `icc` and saved with that profile."""
    srgb = ImageCms.createProfile("sRGB")
    target = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    converted = ImageCms.profileToProfile(
        image, srgb, target, renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC, outputMode="RGB"
    )
    return jpeg(converted, icc_profile=icc, **options)


def private_exif(orientation: int = 1) -> Image.Exif:
    """EXIF as a camera writes it: settings, a GPS position, serial numbers and the owner's name."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "Canon EOS R6"
    exif[ExifTags.Base.Artist] = OWNER
    exif[ExifTags.Base.Copyright] = "Coastal Realty"
    exif[ExifTags.Base.Orientation] = orientation
    settings = exif.get_ifd(ExifTags.IFD.Exif)
    settings[ExifTags.Base.ExposureTime] = 1 / 60
    settings[ExifTags.Base.FNumber] = 8.0
    settings[ExifTags.Base.BodySerialNumber] = SERIAL
    settings[ExifTags.Base.LensSerialNumber] = "LS-99812"
    settings[ExifTags.Base.CameraOwnerName] = OWNER
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    return exif


def mean_delta_e(first: Image.Image | np.ndarray, second: Image.Image | np.ndarray) -> float:
    """Mean CIE76 colour difference of two sRGB images of one size (Lab in real units)."""

    def lab(image) -> np.ndarray:
        pixels = np.asarray(image, dtype=np.float32) / 255.0
        return cv2.cvtColor(pixels, cv2.COLOR_RGB2Lab)

    return float(np.linalg.norm(lab(first) - lab(second), axis=2).mean())


# ---- Display P3 -----------------------------------------------------------------------------------

_P3_PRIMARIES = ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060))
_D65 = (0.3127, 0.3290)
_D50_XYZ = np.array([0.9642, 1.0, 0.8249])
_BRADFORD = np.array([[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]])


def _xyz(xy: tuple[float, float]) -> np.ndarray:
    x, y = xy
    return np.array([x / y, 1.0, (1 - x - y) / y])


def _p3_columns() -> np.ndarray:
    """The red, green and blue columns of Display P3's RGB->XYZ matrix, adapted to D50 (Bradford),
    as an ICC v2 matrix profile stores them."""
    primaries = np.stack([_xyz(xy) for xy in _P3_PRIMARIES], axis=1)
    white = _xyz(_D65)
    matrix = primaries * np.linalg.solve(primaries, white)
    cone = _BRADFORD @ _D50_XYZ / (_BRADFORD @ white)
    adapt = np.linalg.inv(_BRADFORD) @ np.diag(cone) @ _BRADFORD
    return adapt @ matrix


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _tag_xyz(xyz) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(_s15(v) for v in xyz)


def _tag_srgb_curve() -> bytes:
    # parametric curve type 3: the sRGB transfer function
    params = (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)
    return b"para\0\0\0\0" + struct.pack(">HH", 3, 0) + b"".join(_s15(p) for p in params)


def _tag_desc(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\0"
    return (
        b"desc\0\0\0\0"
        + struct.pack(">I", len(ascii_text))
        + ascii_text
        + b"\0" * 4 * 2
        + b"\0" * 3
        + b"\0" * 67
    )


def display_p3_icc() -> bytes:
    """An ICC v2 display profile for Display P3 (what iPhones embed)."""
    columns = _p3_columns()
    tags = [
        (b"desc", _tag_desc("Display P3")),
        (b"cprt", b"text\0\0\0\0No copyright, use freely\0"),
        (b"wtpt", _tag_xyz(_D50_XYZ)),
        (b"rXYZ", _tag_xyz(columns[:, 0])),
        (b"gXYZ", _tag_xyz(columns[:, 1])),
        (b"bXYZ", _tag_xyz(columns[:, 2])),
        (b"rTRC", _tag_srgb_curve()),
        (b"gTRC", _tag_srgb_curve()),
        (b"bTRC", _tag_srgb_curve()),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (
        struct.pack(">I", size)
        + b"\0\0\0\0"
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\0" * 24
        + struct.pack(">I", 0)  # perceptual
        + b"".join(_s15(v) for v in _D50_XYZ)
        + b"\0" * 4
        + b"\0" * 16
        + b"\0" * 28
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data
