"""Photo edit jobs: pick the provider, send the photo the way its API takes it, return the result."""

from __future__ import annotations

from stagefy_cli.ai.base import EditRequest, ProviderError, UnsupportedEdit
from stagefy_cli.ai.catalog import providers_for
from stagefy_cli.jobs import JobContext, JobOutput
from stagefy_cli.jobs.limits import check_photo

EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


def choose(ctx: JobContext):
    """The provider for this job: the one the user asked for, else the preferred one available."""
    available = ctx.worker.providers
    edit_type = ctx.input["edit_type"]
    requested = ctx.input.get("provider")
    if requested:
        if requested not in available:
            raise ProviderError(
                f"the {requested} provider is not configured on the worker that picked up this job."
            )
        return available[requested]
    for name in providers_for(edit_type):
        if name in available and available[name].supports(edit_type):
            return available[name]
    able = ", ".join(providers_for(edit_type)) or "none"
    if "local" in available:  # let the local provider say why it cannot, in its own words
        return available["local"]
    raise UnsupportedEdit(f"no configured provider can do {edit_type}; providers that can: {able}.")


def run_edit(ctx: JobContext) -> JobOutput:
    provider = choose(ctx)
    edit_type = ctx.input["edit_type"]
    if not provider.supports(edit_type):
        ctx.worker.record_start(ctx.job, provider.name, "none")  # the job names who refused it
        able = [p for p in providers_for(edit_type) if p != provider.name]
        raise UnsupportedEdit(
            f"the {provider.name} provider cannot do {edit_type.replace('_', ' ')}; "
            f"use one of: {', '.join(able)} (set its API token for the worker)."
        )
    model = provider.model_for(edit_type)
    ctx.worker.record_start(ctx.job, provider.name, model)
    variation = int(ctx.input.get("variation") or 1)
    if variation > 1 and provider.name == "local":
        # classic image processing gives the same picture every time: a second copy is not a variation
        raise UnsupportedEdit(
            "the local provider makes one result per photo; variations need a generative provider "
            f"({', '.join(p for p in providers_for(edit_type) if p != 'local')})."
        )
    source_path = ctx.input["source_path"]
    image = ctx.download(source_path)
    check_photo(image, ctx.input.get("filename") or "the photo")
    request = EditRequest(
        edit_type=edit_type,
        image=image,
        mime_type=ctx.input.get("mime_type") or "image/jpeg",
        image_url=ctx.worker.signed_url(source_path),
        prompt=ctx.input.get("prompt"),
        style=ctx.input.get("style"),
        room=ctx.input.get("room"),
        variation=variation - 1,
    )
    result = provider.run(
        request,
        on_submitted=lambda provider_job_id: ctx.worker.record_start(
            ctx.job, provider.name, model, provider_job_id
        ),
        timeout=ctx.provider_timeout(),
    )
    return JobOutput(
        data=result.image,
        mime_type=result.mime_type,
        extension=EXTENSIONS.get(result.mime_type, ".jpg"),
        api_cost=result.api_cost,
    )
