"""An image or video upload's bytes must be what its declared type says.

Storage trusts the declared Content-Type, so `<html>` uploaded as `image/jpeg` would be served back as
an image/jpeg that a browser may sniff into a page. The gateway reads the first bytes (the magic
numbers) with `filetype` and refuses an image/* or video/* upload they do not match; downloads also
send `X-Content-Type-Options: nosniff`. Other declared types (PDF, audio) are left to the bucket's
list of allowed types.
"""

from __future__ import annotations

import filetype

from stagefy_cli.local.gateway.storage.errors import StorageError

SNIFF_BYTES = 8192  # what filetype reads at most
SNIFFED_KINDS = ("image/", "video/")
# Names of one format: filetype names HEIF images image/heic, an animated PNG image/apng and an
# MPEG-4 file with Apple's M4V brand video/x-m4v.
SAME_FORMAT = {"image/heif": "image/heic", "image/apng": "image/png", "video/x-m4v": "video/mp4"}


def _format(mimetype: str) -> str:
    return SAME_FORMAT.get(mimetype, mimetype)


def check_content(mimetype: str, head: bytes) -> None:
    """Refuse (415, as for a type the bucket does not take) an image or video whose first bytes are
    not of its declared type."""
    declared = mimetype.split(";")[0].strip().lower()
    if not declared.startswith(SNIFFED_KINDS):
        return
    found = filetype.guess_mime(head[:SNIFF_BYTES])
    if found is None or _format(found) != _format(declared):
        raise StorageError(
            415,
            "invalid_mime_type",
            "InvalidMimeType",
            f"the file's content is not {declared}" + (f" (it is {found})" if found else ""),
        )
