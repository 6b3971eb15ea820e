"""The offline provider: classic image processing, no network, no token, no cost.

It does only what it can do honestly without a generative model; anything else is refused with
UnsupportedEdit naming the providers that can.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from PIL import Image

from ..imaging.enhance import enhance
from ..imaging.photo_io import UnreadablePhoto, decode_photo, encode_jpeg
from ..imaging.sky import day_to_dusk, replace_sky
from ..imaging.sky_mask import NoSkyFound
from .base import EditRequest, EditResult, ProviderError, UnsupportedEdit
from .catalog import CAPABILITIES, providers_for, unsupported_message

MODELS = {
    "enhance": "stagefy/local-enhance-v1",
    "sky_replacement": "stagefy/local-sky-v1",
    "day_to_dusk": "stagefy/local-dusk-v1",
}


class LocalProvider:
    name = "local"

    def __init__(self) -> None:
        self._operations: dict[str, Callable[[Image.Image, EditRequest], Image.Image]] = {
            "enhance": lambda image, _request: enhance(image),
            "sky_replacement": _sky_edit(replace_sky, "sky_replacement"),
            "day_to_dusk": _sky_edit(day_to_dusk, "day_to_dusk"),
        }

    def supports(self, edit_type: str) -> bool:
        return edit_type in CAPABILITIES[self.name]

    def model_for(self, edit_type: str) -> str:
        if not self.supports(edit_type):
            raise UnsupportedEdit(unsupported_message(edit_type, self.name))
        return MODELS[edit_type]

    def run(
        self,
        request: EditRequest,
        *,
        on_submitted: Callable[[str], None] | None = None,
        timeout: float = 300,
    ) -> EditResult:
        """Edit in-process (a 12-megapixel photo takes a few seconds, well within any timeout)."""
        model = self.model_for(request.edit_type)
        try:
            image, metadata = decode_photo(request.image, keep_metadata=request.keep_metadata)
        except UnreadablePhoto as exc:
            raise ProviderError(str(exc)) from exc
        edited = self._operations[request.edit_type](image, request)
        return EditResult(encode_jpeg(edited, metadata), "image/jpeg", model, api_cost=Decimal("0"))

    def cancel(self, provider_job_id: str) -> None:
        """Nothing to cancel: local edits run inside the worker's own process."""


def _seed(request: EditRequest) -> int:
    """Variations of a photo get different clouds; the same request always gets the same ones."""
    return request.seed if request.seed is not None else request.variation


def _sky_edit(
    edit: Callable[[Image.Image, int], Image.Image], edit_type: str
) -> Callable[[Image.Image, EditRequest], Image.Image]:
    """The sky edit, refused (naming the providers that can do it) when the photo shows no open sky."""

    def run(image: Image.Image, request: EditRequest) -> Image.Image:
        try:
            return edit(image, _seed(request))
        except NoSkyFound as exc:
            raise UnsupportedEdit(no_sky_message(str(exc), edit_type)) from None

    return run


def no_sky_message(reason: str, edit_type: str, running: Sequence[str] | None = None) -> str:
    """Why the local provider refuses a sky edit of this photo, and what to do instead: another
    provider, of those `running` (the providers running workers offer for the edit) when known,
    else of every provider that can do it."""
    able = [name for name in (providers_for(edit_type) if running is None else running) if name != "local"]
    found = f"the local provider found no sky it can replace with confidence ({reason}). Use a photo with open sky along the top"
    if not able:
        return f"{found} (no running worker offers another provider for {edit_type})"
    others = able[0] if len(able) == 1 else f"{', '.join(able[:-1])} or {able[-1]}"
    return f"{found}, or --provider {others}"
