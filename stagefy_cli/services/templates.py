"""Marketing templates as the signed-in agent: the own and public ones, their settings, and using one.

Templates are rows the agent edits directly under row level security (own rows only; public ones,
including the built-in ones without an owner, are read-only to everybody else). Using one goes
through `submit_template`, which prices, debits and queues the render in one transaction. Everything
that can be wrong with a use (settings, `--set` values, prompt placeholders) is checked here first,
with the renderer's own checks, so nothing is spent on a use that cannot render.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from stagefy_cli.backend.client import UserContext
from stagefy_cli.errors import FieldError, NotFound, PermissionDenied, UsageError
from stagefy_cli.models import TEMPLATE_TYPES
from stagefy_cli.services import ids
from stagefy_cli.services.charging import charge
from stagefy_cli.services.fields import check_choice

COLUMNS = (
    "id,user_id,name,type,description,thumbnail_url,output_url,prompt_template,settings,"
    "credits_used,usage_count,is_public,created_at,updated_at"
)
LISTING_COLUMNS = "id,address,city,state,zip_code,price,currency,bedrooms,bathrooms,sqft,status"
AGENT_COLUMNS = "full_name,brokerage,phone,email,market"


def parse_sets(items: Iterable[str] | None) -> dict[str, str]:
    """`["date=Sat 14 June", "time=10:00-12:00"]` -> a dict; KEY=VALUE or a one-line error."""
    values: dict[str, str] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise FieldError(f"{{sets}} takes KEY=VALUE, not '{item}'.", "sets")
        values[key.strip()] = value.strip()
    return values


def _check_type(template_type: str) -> None:
    check_choice(template_type, TEMPLATE_TYPES, "template_type")


# The settings an agent gives (`--set KEY=VALUE`, `--unset KEY`), by the names the README and help
# use: `logo` is a media ID, stored as `logo_media_id`, a name the agent never has to know.
SETTINGS = (
    "accent",
    "background",
    "currency",
    "edit_type",
    "font",
    "headline",
    "layout",
    "logo",
    "paper",
    "primary",
    "seconds_per_photo",
    "text",
)


def check_setting_names(names) -> None:
    """Refuse a setting name the agent cannot give, listing the ones it can."""
    unknown = [name for name in names if name not in SETTINGS]
    if unknown:
        hint = " (the logo is set with logo=MEDIA_ID)" if "logo_media_id" in unknown else ""
        raise UsageError(
            f"unknown setting(s): {', '.join(unknown)}{hint}. Known settings: {', '.join(SETTINGS)}."
        )


def check_settings(ctx: UserContext, template_type: str, settings: dict) -> dict:
    """Settings as stored: `logo` (a media ID) becomes `logo_media_id`; the renderer validates the rest."""
    from stagefy_cli.imaging.errors import RenderError
    from stagefy_cli.imaging.templates.design import design_from_settings
    from stagefy_cli.imaging.templates.render import LAYOUTS

    settings = dict(settings)
    if settings.get("edit_type") is not None:
        from stagefy_cli.ai.catalog import EDIT_TYPES

        if template_type != "custom":
            raise UsageError("the edit_type setting is for custom templates only.")
        check_choice(settings["edit_type"], EDIT_TYPES, "edit_type")
    if "logo" in settings:
        logo = settings.pop("logo")
        settings["logo_media_id"] = (
            ids.resolve(ctx.client, "media_items", logo, "media item") if logo else None
        )
    try:
        design_from_settings(settings, {}, LAYOUTS[template_type])
    except RenderError as exc:
        raise UsageError(exc.message) from None
    return {key: value for key, value in settings.items() if value not in (None, "")}


def _check_prompt(template_type: str, prompt_template: str | None) -> None:
    from stagefy_cli.imaging.templates.placeholders import placeholder_names

    if template_type == "custom" and not (prompt_template or "").strip():
        raise FieldError('a custom template needs {prompt_template} "... {address} ...".', "prompt_template")
    if prompt_template:
        placeholder_names(prompt_template)


def list_templates(
    ctx: UserContext, *, template_type: str | None, public_only: bool, limit: int
) -> tuple[list[dict], int | None]:
    if template_type:
        _check_type(template_type)
    query = ctx.client.table("templates").select(COLUMNS, count="exact")
    if template_type:
        query = query.eq("type", template_type)
    if public_only:
        query = query.is_("is_public", True)
    else:  # what the agent can use: own and public (admins see everything through RLS otherwise)
        query = query.or_(f"user_id.eq.{ctx.user_id},is_public.is.true")
    response = query.order("type").order("name").order("id").limit(limit).execute()
    return response.data, response.count


def get_template(ctx: UserContext, ref: str) -> dict:
    template_id = ids.resolve(ctx.client, "templates", ref, "template")
    return ctx.client.table("templates").select(COLUMNS).eq("id", template_id).single().execute().data


def _owned(ctx: UserContext, ref: str) -> dict:
    template = get_template(ctx, ref)
    if template["user_id"] != ctx.user_id:
        whose = "a built-in template" if template["user_id"] is None else "another agent's template"
        raise PermissionDenied(
            f"template {template['id'][:8]} is {whose}; only its owner can change it. "
            "Make your own with: stagefy templates create"
        )
    return template


def create_template(
    ctx: UserContext,
    *,
    name: str,
    template_type: str,
    description: str | None,
    prompt_template: str | None,
    settings: dict,
) -> dict:
    _check_type(template_type)
    if not name.strip():
        raise FieldError("{name} must not be empty.", "name")
    _check_prompt(template_type, prompt_template)
    check_setting_names(settings)
    row = {
        "user_id": ctx.user_id,
        "name": name.strip(),
        "type": template_type,
        "description": description,
        "prompt_template": prompt_template,
        "settings": check_settings(ctx, template_type, settings),
    }
    return ctx.client.table("templates").insert(row).execute().data[0]


def update_template(
    ctx: UserContext,
    ref: str,
    *,
    name: str | None = None,
    description: str | None = None,
    prompt_template: str | None = None,
    settings: dict | None = None,
    unset: Sequence[str] = (),
) -> dict:
    template = _owned(ctx, ref)
    changes: dict = {}
    if name is not None:
        if not name.strip():
            raise FieldError("{name} must not be empty.", "name")
        changes["name"] = name.strip()
    if description is not None:
        changes["description"] = description
    if prompt_template is not None:
        _check_prompt(template["type"], prompt_template)
        changes["prompt_template"] = prompt_template
    if settings or unset:
        check_setting_names([*(settings or {}), *unset])
        merged = {k: v for k, v in (template["settings"] or {}).items() if k not in unset}
        if "logo" in unset:
            merged.pop("logo_media_id", None)
        changes["settings"] = check_settings(ctx, template["type"], merged | (settings or {}))
    if not changes:
        raise FieldError(
            "nothing to change; give {name}, {description}, {prompt_template}, {sets} or {unset}.",
            *("name", "description", "prompt_template", "sets", "unset"),
        )
    return _write(ctx, template, changes)


def _write(ctx: UserContext, template: dict, changes: dict) -> dict:
    rows = (
        ctx.client.table("templates")
        .update(changes)
        .eq("id", template["id"])
        .eq("user_id", ctx.user_id)
        .execute()
        .data
    )
    if not rows:
        raise NotFound(f"no template with ID {template['id'][:8]}.")
    return rows[0]


def publish(ctx: UserContext, ref: str, public: bool) -> dict:
    return _write(ctx, _owned(ctx, ref), {"is_public": public})


def delete_template(ctx: UserContext, ref: str) -> dict:
    template = _owned(ctx, ref)
    ctx.client.table("templates").delete().eq("id", template["id"]).eq("user_id", ctx.user_id).execute()
    return template


# -- using a template -------------------------------------------------------------------------
@dataclass(frozen=True)
class PreparedUse:
    template: dict
    listing: dict
    values: dict
    prompt: str | None  # custom templates: the filled prompt


def get_listing(ctx: UserContext, ref: str) -> dict:
    listing_id = ids.resolve(ctx.client, "crm_listings", ref, "listing")
    return (
        ctx.client.table("crm_listings").select(LISTING_COLUMNS).eq("id", listing_id).single().execute().data
    )


def get_agent(ctx: UserContext) -> dict:
    return ctx.client.table("users").select(AGENT_COLUMNS).eq("id", ctx.user_id).single().execute().data


def prepare_use(
    ctx: UserContext, template: dict, listing_ref: str, values: dict, photo_count: int
) -> PreparedUse:
    """Check a use exactly as the worker will render it; fill a custom template's prompt."""
    from stagefy_cli.imaging.errors import RenderError
    from stagefy_cli.imaging.templates.render import (
        check_template_request,
        fill_placeholders,
        listing_placeholders,
    )

    listing = get_listing(ctx, listing_ref)
    agent = get_agent(ctx)
    try:
        design = check_template_request(
            template["type"],
            listing,
            agent,
            template["settings"] or {},
            values,
            photo_count,
            template.get("prompt_template"),
        )
    except RenderError as exc:
        raise UsageError(exc.message) from None
    prompt = None
    if template["type"] == "custom":
        if photo_count == 0:
            raise FieldError("a custom template edits photos: give at least one {photos}.", "photos")
        prompt = fill_placeholders(
            template["prompt_template"] or "",
            {**listing_placeholders(listing, agent, design.currency), **values},
        )
    return PreparedUse(template, listing, values, prompt)


def quote(ctx: UserContext, template_id: str, photos: int) -> dict:
    return ctx.client.rpc("quote_template", {"p_template_id": template_id, "p_photos": photos}).execute().data


def submit(
    ctx: UserContext,
    use: PreparedUse,
    photos: Sequence[dict],
    provider: str | None = None,
    idempotency_key: str | None = None,
) -> dict:
    options = {k: v for k, v in {"prompt": use.prompt, "provider": provider}.items() if v}
    params = {
        "p_template_id": use.template["id"],
        "p_listing_id": use.listing["id"],
        "p_photos": list(photos),
        "p_values": use.values,
        "p_options": options,
    }
    return charge(ctx, "submit_template", params, idempotency_key)
