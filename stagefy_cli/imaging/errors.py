"""The errors of rendering videos and templates, shared by both renderers and their callers."""

from __future__ import annotations

from stagefy_cli.errors import StagefyError


class RenderError(StagefyError):
    """A photo, clip or setting could not be rendered; the message names the input at fault.

    The worker fails the project with this message and refunds the credits.
    """


class PhotoError(RenderError):
    """One input photo or clip is unreadable; `index` is its 0-based position in the input."""

    def __init__(self, message: str, index: int):
        super().__init__(message)
        self.index = index
