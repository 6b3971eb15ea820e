"""What a delivered photo says about itself: the camera settings stay, where and whose it is go.

Agents publish results on portals, so by default a result carries no GPS position, no serial
numbers of body or lens, no owner or author, and nothing that could hold them (the maker's private
notes, embedded XMP and IPTC). The exposure, the camera and lens models, the date and the copyright
notice stay. Orientation is already applied to the pixels, so the tag is never carried over.
"""

from __future__ import annotations

from PIL import ExifTags, Image

_EXIF_IFD = ExifTags.IFD.Exif
# Tags of the main directory that name a person or a machine, or may carry a position.
_PRIVATE_MAIN = (
    ExifTags.Base.Artist,
    ExifTags.Base.HostComputer,
    ExifTags.Base.XPAuthor,
    ExifTags.Base.XMLPacket,
    ExifTags.Base.IPTCNAA,
    ExifTags.Base.CameraSerialNumber,
)
# Tags of the Exif sub-directory that identify the owner or the equipment.
_PRIVATE_EXIF = (
    ExifTags.Base.CameraOwnerName,
    ExifTags.Base.BodySerialNumber,
    ExifTags.Base.LensSerialNumber,
    ExifTags.Base.ImageUniqueID,
    ExifTags.Base.MakerNote,
)
_PRIVATE_IFDS = (ExifTags.IFD.GPSInfo,)


def delivered_exif(exif: Image.Exif, *, keep_private: bool = False) -> bytes | None:
    """The EXIF block to save with a result (None: none), without the private tags unless
    `keep_private`; never an orientation (the pixels are upright already)."""
    exif.pop(ExifTags.Base.Orientation, None)
    if not keep_private:
        sub = exif.get_ifd(_EXIF_IFD)
        for tag in _PRIVATE_EXIF:
            sub.pop(tag, None)
        for tag in (*_PRIVATE_MAIN, *_PRIVATE_IFDS):
            exif.pop(tag, None)
    return exif.tobytes() if len(exif) else None
