"""Photo edit jobs: send the photo to the chosen provider the way its API takes it, return the result."""

from __future__ import annotations

from stagefy_cli.ai.base import EditRequest, UnsupportedEdit
from stagefy_cli.ai.catalog import KEEPS_GEOMETRY, providers_for
from stagefy_cli.ai.registry import choose
from stagefy_cli.imaging.photo_io import srgb_copy
from stagefy_cli.jobs import JobContext, JobOutput

EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


def run_edit(ctx: JobContext) -> JobOutput:
    """Run the edit with the provider the claim recorded (`registry.choose`, the same answer)."""
    edit_type = ctx.input["edit_type"]
    provider = choose(edit_type, ctx.input.get("provider"), ctx.providers)
    if not provider.supports(edit_type):  # the claim recorded model "none": the job names who refused it
        able = [p for p in providers_for(edit_type) if p != provider.name]
        raise UnsupportedEdit(
            f"the {provider.name} provider cannot do {edit_type.replace('_', ' ')}; "
            f"use one of: {', '.join(able)} (set its API token for the worker)."
        )
    variation = int(ctx.input.get("variation") or 1)
    if variation > 1 and provider.name == "local":
        # classic image processing gives the same picture every time: a second copy is not a variation
        raise UnsupportedEdit(
            "the local provider makes one result per photo; variations need a generative provider "
            f"({', '.join(p for p in providers_for(edit_type) if p != 'local')})."
        )
    source_path = ctx.input["source_path"]
    image = ctx.photo(source_path, ctx.input.get("filename") or "the photo")
    mime_type, image_url = ctx.input.get("mime_type") or "image/jpeg", ctx.signed_url(source_path)
    if provider.name != "local":
        # A remote model takes JPEG, PNG or WebP and reads pixel numbers as sRGB: a HEIC photo (the
        # CLI accepts them) or one in another colour space goes as an sRGB JPEG copy, inline.
        converted = _as_jpeg(image) if mime_type not in EXTENSIONS else srgb_copy(image)
        if converted is not None:
            image, mime_type, image_url = converted, "image/jpeg", None
    request = EditRequest(
        edit_type=edit_type,
        image=image,
        mime_type=mime_type,
        image_url=image_url,
        prompt=ctx.input.get("prompt"),
        style=ctx.input.get("style"),
        room=ctx.input.get("room"),
        variation=variation - 1,
        keep_metadata=bool(ctx.input.get("keep_metadata")),
    )
    result = provider.run(
        request,
        on_submitted=ctx.record_provider_job,
        timeout=ctx.provider_timeout(),
    )
    data, mime_type = result.image, result.mime_type
    if provider.name != "local":  # generative models answer at their own size, not the photo's
        from stagefy_cli.imaging.fullres import restore_resolution

        restored = restore_resolution(image, data, keeps_geometry=edit_type in KEEPS_GEOMETRY)
        if restored is not None:
            data, mime_type = restored, "image/jpeg"
    return JobOutput(
        data=data,
        mime_type=mime_type,
        extension=EXTENSIONS.get(mime_type, ".jpg"),
        api_cost=result.api_cost,
    )


def _as_jpeg(data: bytes) -> bytes:
    from stagefy_cli.ai.base import ProviderError
    from stagefy_cli.imaging.photo_io import UnreadablePhoto, decode_photo, encode_jpeg

    try:
        image, metadata = decode_photo(data)
    except UnreadablePhoto as exc:
        raise ProviderError(str(exc)) from None
    return encode_jpeg(image, metadata)
