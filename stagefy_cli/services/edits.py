"""Photo edits, as the signed-in agent: the options, the quote, the submission.

Prices, the debit and the queueing happen in one SQL function (`submit_edit`); this module only
calls RPCs, so the same code works against any Supabase project. What follows a submission (wait,
download, cancel, retry) is the same for every kind of project: `services/projects.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from stagefy_cli.backend.client import UserContext
from stagefy_cli.errors import FieldError, UsageError, has_extra
from stagefy_cli.services.charging import charge
from stagefy_cli.services.fields import check_choice


@dataclass(frozen=True)
class EditOptions:
    edit_type: str
    style: str | None = None
    room: str | None = None
    prompt: str | None = None
    variations: int = 1
    listing_id: str | None = None
    provider: str | None = None
    keep_metadata: bool | None = None  # True: the results keep GPS, serial numbers and owner

    def as_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "edit_type" and v is not None}


def validate_options(options: EditOptions) -> None:
    from stagefy_cli.ai.catalog import EDIT_TYPES, PROVIDERS, ROOM_TYPES, STYLES

    check_choice(options.edit_type, EDIT_TYPES, "edit_type")
    check_choice(options.style, STYLES, "style")
    check_choice(options.room, ROOM_TYPES, "room")
    check_choice(options.provider, PROVIDERS, "provider")
    if not 1 <= options.variations <= 4:
        raise FieldError("{variations} must be between 1 and 4.", "variations")
    if options.edit_type == "custom" and not (options.prompt or "").strip():
        raise FieldError('a custom edit needs {prompt} "what to change".', "prompt")
    _check_prompt_fits(options)


def _check_prompt_fits(options: EditOptions) -> None:
    """Refuse, before the quote and the charge, a wish longer than a service that may run the edit
    reads (it would cut the tail silently, protective instructions included)."""
    from stagefy_cli.ai.catalog import providers_for
    from stagefy_cli.ai.prompts import PromptTooLong, check_fits

    may_run = (options.provider,) if options.provider else providers_for(options.edit_type)
    try:
        check_fits(options.edit_type, options.prompt, may_run)
    except PromptTooLong as exc:
        raise FieldError(
            f"{exc}. Shorten {{prompt}} to {exc.max_wish} characters or fewer.", "prompt"
        ) from None


SKY_EDITS = ("sky_replacement", "day_to_dusk")


def refuse_unfit_photos(options: EditOptions, photos: Sequence[Path], ctx: UserContext | None = None) -> None:
    """Refuse, before anything is quoted or charged, a photo the provider that will run it is known
    to refuse: the local provider's sky edits need open sky along the top of the photo. That provider
    is known when the agent asks for it, or (with `ctx`) when every running worker that can do the
    edit would do it with `local`; otherwise the worker refuses it and the job is refunded. The
    check runs OpenCV: without the worker extras it is left to the worker, which refuses the same way."""
    if options.edit_type not in SKY_EDITS or not has_extra("worker"):
        return
    if options.provider not in (None, "local"):
        return
    running = None  # asked of the server only when needed: to decide, or to word a refusal
    if options.provider is None:
        running = providers_running(ctx, options.edit_type) if ctx is not None else None
        if running != {"local"}:
            return
    from stagefy_cli.ai.local import no_sky_message
    from stagefy_cli.imaging.photo_io import decode_photo
    from stagefy_cli.imaging.sky_mask import NoSkyFound, check_sky

    for path in photos:
        image, _ = decode_photo(Path(path).read_bytes())
        try:
            check_sky(image)
        except NoSkyFound as exc:
            if running is None and ctx is not None:
                running = providers_running(ctx, options.edit_type)
            offered = None if running is None else sorted(running)
            raise UsageError(f"{path}: {no_sky_message(str(exc), options.edit_type, offered)}.") from None


def providers_running(ctx: UserContext, edit_type: str) -> set[str]:
    """The providers the running workers would do `edit_type` with (`workers_seen`: what the workers
    seen recently registered they can run, `edit:<type>:<provider>`)."""
    seen = ctx.rest.rpc("workers_seen").execute().data or {}
    prefix = f"edit:{edit_type}:"
    return {cap[len(prefix) :] for cap in seen.get("capabilities") or [] if cap.startswith(prefix)}


def quote(
    ctx: UserContext, edit_type: str, photos: int, variations: int, provider: str | None = None
) -> dict:
    """The price and balance; the server refuses here what it would refuse or fail later (a
    provider that cannot do the type, more variations than it gives different results)."""
    params = {
        "p_edit_type": edit_type,
        "p_photos": photos,
        "p_variations": variations,
        "p_provider": provider,
    }
    return ctx.rest.rpc("quote_edit", params).execute().data


def submit(
    ctx: UserContext, uploaded: Sequence[dict], options: EditOptions, idempotency_key: str | None = None
) -> dict:
    return charge(
        ctx,
        "submit_edit",
        {"p_edit_type": options.edit_type, "p_photos": list(uploaded), "p_options": options.as_json()},
        idempotency_key,
    )
