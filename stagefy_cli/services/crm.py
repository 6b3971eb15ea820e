"""Contacts and listings, as the signed-in agent, through supabase-py and row level security.

Every read names `user_id = me` as well as relying on RLS: admins may read every agent's rows
(policy), but the CRM is always the caller's own, and the filter lets the composite indexes of
supabase/migrations/*_crm_and_media.sql answer the query. Values are validated here, before any request, with
the same rules for `add`, `update` and CSV import (services/csv_io.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from stagefy_cli.backend.client import UserContext
from stagefy_cli.errors import FieldError, NotFound, UsageError
from stagefy_cli.models import CONTACT_STATUSES, CONTACT_TYPES, LISTING_STATUSES, ON_DUPLICATE
from stagefy_cli.services import ids
from stagefy_cli.services.fields import check_choice, choice_problem, email_problem, phone_problem

# The columns a user writes; id, user_id and the timestamps are the database's.
CONTACT_FIELDS = ("name", "email", "phone", "type", "status", "tags", "notes", "last_contacted_at")
LISTING_FIELDS = (
    "address",
    "city",
    "state",
    "zip_code",
    "price",
    "currency",
    "bedrooms",
    "bathrooms",
    "sqft",
    "status",
    "notes",
    "contact_id",
)
SEARCH_COLUMNS = ("name", "email", "phone", "notes")
EXPORT_PAGE = 1000

MAX_PRICE = 10**10  # numeric(12, 2)


# -- validation -------------------------------------------------------------------------------


def _text(value) -> str | None:
    """Trimmed text, or None for empty: an empty option or CSV cell clears the field."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _timestamp(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"'{value}' is not a date and time (ISO 8601, e.g. 2026-11-25T09:30:00+02:00)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # a bare local time means the user's time zone
    return moment.isoformat()


_CONTACT_CHOICES = {"type": CONTACT_TYPES, "status": CONTACT_STATUSES}


def _contact_problems(field: str, value) -> tuple[object, str | None]:
    """The cleaned value of one contact field and the problem with it, if any."""
    if field == "tags":
        tags = [t.strip() for t in (value or []) if t and t.strip()]
        bad = [t for t in tags if ";" in t]
        return tags, (f"a tag may not contain ';': {bad[0]!r}" if bad else None)
    value = _text(value)
    if field == "name":
        return value, None if value else "name is required"
    if value is None:
        return None, None
    if field == "email":
        return value, email_problem(value)
    if field == "phone":
        return value, phone_problem(value)
    if field in _CONTACT_CHOICES:
        return value, choice_problem(value, _CONTACT_CHOICES[field], field)
    if field == "last_contacted_at":
        try:
            return _timestamp(value), None
        except ValueError as exc:
            return value, str(exc)
    return value, None


def validate_contact(raw: dict) -> tuple[dict, list[str]]:
    """Clean the given contact fields; returns them and every problem found (not only the first)."""
    clean, problems = {}, []
    for field, value in raw.items():
        clean[field], problem = _contact_problems(field, value)
        if problem:
            problems.append(problem)
    return clean, problems


def _valid_contact(raw: dict) -> dict:
    clean, problems = validate_contact(raw)
    if problems:
        raise UsageError("; ".join(problems) + ".")
    return clean


def _number(value, field: str, low: float, high: float):
    if value is not None and not low <= value < high:
        raise FieldError(f"{{{field}}} must be between {low:g} and {high:g}.", field)
    return value


def _valid_listing(raw: dict) -> dict:
    clean: dict = {k: (_text(v) if isinstance(v, str) else v) for k, v in raw.items()}
    if "address" in clean and not clean["address"]:
        raise FieldError("{address} must not be empty.", "address")
    check_choice(clean.get("status"), LISTING_STATUSES, "status")
    _number(clean.get("price"), "price", 0, MAX_PRICE)
    if clean.get("currency"):
        clean["currency"] = clean["currency"].upper()
        if not re.fullmatch(r"[A-Z]{3}", clean["currency"]):
            raise FieldError(
                f"{{currency}} takes an ISO 4217 code such as ZAR or USD, not '{raw['currency']}'.",
                "currency",
            )
    _number(clean.get("bedrooms"), "bedrooms", 0, 1000)
    _number(clean.get("bathrooms"), "bathrooms", 0, 100)
    _number(clean.get("sqft"), "sqft", 0, 2**31)
    if "sqm" in clean:
        clean["sqft"] = _sqm_as_sqft(clean.pop("sqm"), "sqft" in clean)
    return clean


def _sqm_as_sqft(sqm: float, sqft_given: bool) -> int:
    """Floor area is stored once, in square feet: `--sqm` is converted (and printed back in the
    listing market's unit)."""
    from stagefy_cli.money import SQFT_PER_SQM

    if sqft_given:
        raise FieldError("give the floor area once: {sqft} or {sqm}, not both.", "sqft", "sqm")
    _number(sqm, "sqm", 0, 1_000_000)
    return int((Decimal(str(sqm)) * SQFT_PER_SQM).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _search_filter(text: str) -> str:
    """A PostgREST `or` filter: TEXT anywhere in name, email, phone or notes (case-insensitive)."""
    # Quoted so commas and parentheses in TEXT stay part of the value; `"` and `\` would end it.
    quoted = text.replace("\\", "").replace('"', "")
    return ",".join(f'{column}.ilike."*{quoted}*"' for column in SEARCH_COLUMNS)


# -- reading rows -----------------------------------------------------------------------------


def _own(ctx: UserContext, table: str, ref: str, noun: str) -> dict:
    """The caller's own row whose ID starts with `ref` (NotFound for anyone else's)."""
    row_id = ids.resolve(ctx.rest, table, ref, noun)
    rows = ctx.rest.table(table).select("*").eq("id", row_id).eq("user_id", ctx.user_id).execute().data
    if not rows:
        raise NotFound(f"no {noun} with ID {ref}.")
    return rows[0]


def _changed(rows: list[dict], noun: str, ref: str) -> dict:
    """The one row an update or delete returned; none means RLS hid it (not the caller's)."""
    if not rows:
        raise NotFound(f"no {noun} with ID {ref}.")
    return rows[0]


# -- contacts ---------------------------------------------------------------------------------


def list_contacts(
    ctx: UserContext,
    *,
    contact_type: str | None = None,
    status: str | None = None,
    tag: str | None = None,
    search: str | None = None,
    limit: int = 30,
) -> tuple[list[dict], int | None]:
    query = ctx.rest.table("crm_contacts").select("*", count="exact").eq("user_id", ctx.user_id)
    if check_choice(contact_type, CONTACT_TYPES, "contact_type"):
        query = query.eq("type", contact_type)
    if check_choice(status, CONTACT_STATUSES, "status"):
        query = query.eq("status", status)
    if tag:
        query = query.cs("tags", [tag])
    if search and search.strip():
        query = query.or_(_search_filter(search.strip()))
    response = query.order("name").order("id").limit(limit).execute()
    return response.data, response.count


def contact_with_email(ctx: UserContext, email: str) -> dict | None:
    """The caller's contact whose email is `email` in any case, or None (what `import` counts as a
    duplicate)."""
    # ILIKE with LIKE's own wildcards escaped; PostgREST turns `*` into `%` whatever we do, so the
    # rows are compared exactly here.
    pattern = re.sub(r"([\\%_])", r"\\\1", email)
    rows = (
        ctx.rest.table("crm_contacts")
        .select("id,name,email")
        .eq("user_id", ctx.user_id)
        .ilike("email", pattern)
        .execute()
        .data
    )
    return next((row for row in rows if (row["email"] or "").lower() == email.lower()), None)


def add_contact(ctx: UserContext, fields: dict, *, allow_duplicate: bool = False) -> dict:
    """Add a contact; one whose email is already a contact's is refused unless `allow_duplicate`."""
    fields = {k: v for k, v in fields.items() if v is not None}
    clean = _valid_contact({"name": None, **fields})
    if clean.get("email") and not allow_duplicate:
        same = contact_with_email(ctx, clean["email"])
        if same:
            raise FieldError(
                f"{same['name']} ({same['id'][:8]}) already has the email {same['email']}. Update that "
                f"contact (stagefy crm contacts update {same['id'][:8]}), or add another with "
                "{allow_duplicate}.",
                "allow_duplicate",
            )
    return ctx.client.table("crm_contacts").insert({**clean, "user_id": ctx.user_id}).execute().data[0]


def get_contact(ctx: UserContext, ref: str) -> dict:
    """The contact and its listings."""
    contact = _own(ctx, "crm_contacts", ref, "contact")
    contact["listings"] = (
        ctx.rest.table("crm_listings")
        .select("*")
        .eq("contact_id", contact["id"])
        .eq("user_id", ctx.user_id)
        .order("created_at", desc=True)
        .execute()
        .data
    )
    return contact


def update_contact(ctx: UserContext, ref: str, changes: dict) -> dict:
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        raise UsageError("nothing to update; pass at least one option (see --help).")
    clean = _valid_contact(changes)
    contact_id = ids.resolve(ctx.client, "crm_contacts", ref, "contact")
    rows = (
        ctx.client.table("crm_contacts")
        .update(clean)
        .eq("id", contact_id)
        .eq("user_id", ctx.user_id)
        .execute()
    ).data
    return _changed(rows, "contact", ref)


def touch_contact(ctx: UserContext, ref: str) -> dict:
    """Record that the agent was in touch with the contact just now."""
    return update_contact(ctx, ref, {"last_contacted_at": datetime.now(UTC).isoformat()})


def delete_contact(ctx: UserContext, ref: str) -> dict:
    """Delete the contact; its listings and media stay, unlinked (ON DELETE SET NULL)."""
    contact_id = ids.resolve(ctx.client, "crm_contacts", ref, "contact")
    rows = ctx.client.table("crm_contacts").delete().eq("id", contact_id).eq("user_id", ctx.user_id).execute()
    return _changed(rows.data, "contact", ref)


def _existing_by_email(ctx: UserContext) -> dict[str, str]:
    """The caller's contact IDs by lower-cased email. Read page by page (two short columns), because
    matching any case of each email in the URL would need escaped ilike patterns."""
    found: dict[str, str] = {}
    for row in iter_contacts(ctx, columns="id,email"):
        if row["email"]:
            found.setdefault(row["email"].lower(), row["id"])
    return found


def import_contacts(ctx: UserContext, contacts: list[dict], on_duplicate: str = "skip") -> dict:
    """Store validated contacts in one request (one statement, one transaction: all or none).

    A contact whose email (any case) is already one of the caller's contacts is a duplicate: `skip`
    leaves the stored one as it is, `update` overwrites it with the file's columns. Returns how many
    were imported (new), updated and skipped."""
    check_choice(on_duplicate, ON_DUPLICATE, "on_duplicate")
    existing = _existing_by_email(ctx) if any(c.get("email") for c in contacts) else {}
    new, updates, skipped = [], [], 0
    for contact in contacts:
        match = existing.get((contact.get("email") or "").lower())
        if match is None:
            new.append({**contact, "user_id": ctx.user_id})
        elif on_duplicate == "update":
            updates.append({**contact, "id": match, "user_id": ctx.user_id})
        else:
            skipped += 1
    table = ctx.client.table("crm_contacts")
    if updates:  # new rows ride along: an upsert without an id inserts, so it stays one statement
        table.upsert(updates + new, on_conflict="id", returning="minimal", default_to_null=False).execute()
    elif new:
        table.insert(new, returning="minimal", default_to_null=False).execute()
    return {"imported": len(new), "updated": len(updates), "skipped": skipped}


def iter_contacts(ctx: UserContext, page_size: int = EXPORT_PAGE, columns: str = "*") -> Iterator[dict]:
    """Every contact of the caller, a page at a time (keyset over id), so memory stays flat."""
    last_id = None
    while True:
        query = ctx.rest.table("crm_contacts").select(columns).eq("user_id", ctx.user_id)
        if last_id:
            query = query.gt("id", last_id)
        page = query.order("id").limit(page_size).execute().data
        yield from page
        if len(page) < page_size:
            return
        last_id = page[-1]["id"]


# -- listings ---------------------------------------------------------------------------------


def list_listings(
    ctx: UserContext,
    *,
    status: str | None = None,
    city: str | None = None,
    min_price: float | None = None,
    max_price: float | None = None,
    limit: int = 30,
) -> tuple[list[dict], int | None]:
    query = ctx.rest.table("crm_listings").select("*", count="exact").eq("user_id", ctx.user_id)
    if check_choice(status, LISTING_STATUSES, "status"):
        query = query.eq("status", status)
    if city and city.strip():
        # Case-insensitive equality: LIKE's wildcards in the name are matched literally.
        literal = re.sub(r"([\\%_])", r"\\\1", city.strip())
        query = query.ilike("city", literal)
    if min_price is not None:
        query = query.gte("price", min_price)
    if max_price is not None:
        query = query.lte("price", max_price)
    response = query.order("created_at", desc=True).order("id").limit(limit).execute()
    return response.data, response.count


def _contact_link(ctx: UserContext, contact_ref: str | None) -> dict:
    if contact_ref is None:
        return {}
    return {"contact_id": ids.resolve(ctx.client, "crm_contacts", contact_ref, "contact")}


def _check_currency(ctx: UserContext, code: str | None) -> None:
    """Refuse a currency the database does not know (its table of current ISO 4217 codes), naming
    the known ones: those Stagefy prints with a symbol, and those that start like `code`."""
    if not code:
        return
    known = [row["code"] for row in ctx.rest.table("currencies").select("code").order("code").execute().data]
    if code in known:
        return
    from stagefy_cli.money import CURRENCIES

    alike = [other for other in known if other[0] == code[0] and other not in CURRENCIES]
    hint = f" ({', '.join(alike)} start like it)" if alike else ""
    raise UsageError(
        f"unknown currency {code}. Known currencies: {', '.join(CURRENCIES)} and the other "
        f"{len(known) - len(CURRENCIES)} current ISO 4217 codes{hint}."
    )


def add_listing(ctx: UserContext, fields: dict, contact_ref: str | None = None) -> dict:
    fields = {k: v for k, v in fields.items() if v is not None}
    clean = _valid_listing({"address": None, **fields})
    _check_currency(ctx, clean.get("currency"))
    row = {**clean, **_contact_link(ctx, contact_ref), "user_id": ctx.user_id}
    return ctx.client.table("crm_listings").insert(row).execute().data[0]


def get_listing(ctx: UserContext, ref: str) -> dict:
    """The listing with its contact (or None) and its media, newest first."""
    listing = _own(ctx, "crm_listings", ref, "listing")
    contact = None
    if listing.get("contact_id"):
        contacts = (
            ctx.rest.table("crm_contacts")
            .select("*")
            .eq("id", listing["contact_id"])
            .eq("user_id", ctx.user_id)
            .execute()
            .data
        )
        contact = contacts[0] if contacts else None
    listing["contact"] = contact
    listing["media"] = (
        ctx.rest.table("media_items")
        .select("*")
        .eq("listing_id", listing["id"])
        .eq("user_id", ctx.user_id)
        .order("created_at", desc=True)
        .execute()
        .data
    )
    return listing


def update_listing(
    ctx: UserContext,
    ref: str,
    changes: dict,
    *,
    contact_ref: str | None = None,
    clear_contact: bool = False,
) -> dict:
    if contact_ref and clear_contact:
        raise FieldError("give either {contact} or {no_contact}, not both.", "contact", "no_contact")
    changes = {k: v for k, v in changes.items() if v is not None}
    clean = {**_valid_listing(changes), **_contact_link(ctx, contact_ref)}
    _check_currency(ctx, clean.get("currency"))
    if clear_contact:
        clean["contact_id"] = None
    if not clean:
        raise UsageError("nothing to update; pass at least one option (see --help).")
    listing_id = ids.resolve(ctx.client, "crm_listings", ref, "listing")
    rows = (
        ctx.client.table("crm_listings")
        .update(clean)
        .eq("id", listing_id)
        .eq("user_id", ctx.user_id)
        .execute()
    ).data
    return _changed(rows, "listing", ref)


def delete_listing(ctx: UserContext, ref: str) -> dict:
    """Delete the listing; its media stay in the library, unlinked (ON DELETE SET NULL)."""
    listing_id = ids.resolve(ctx.client, "crm_listings", ref, "listing")
    rows = ctx.client.table("crm_listings").delete().eq("id", listing_id).eq("user_id", ctx.user_id).execute()
    return _changed(rows.data, "listing", ref)
