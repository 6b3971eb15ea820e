"""Helpers for the CRM, media and notification tests: rows another way than through the CLI.

Agents' own rows are written with their own supabase-py client (RLS applies); media files and
notifications, which only the worker and SQL functions create, with the service role.
"""

from __future__ import annotations

import uuid

from stagefy_testing import add_listing, cli_json, run_cli  # noqa: F401 - re-exported

# Storage refuses an image whose bytes are not of its type: stand-in photos start as a JPEG does.
JPEG = b"\xff\xd8\xff"


def add_contact(**fields) -> dict:
    args = ["crm", "contacts", "add"]
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            args += [f"--{key}", str(item)]
    return cli_json(args)


def make_media(
    stack, user_id: str, *, content: bytes = JPEG + b" jpeg bytes", name: str | None = None, **fields
) -> dict:
    """A media row and its file in the user's folder of the `media` bucket, as the worker makes them."""
    service = stack.service_client()
    path = f"{user_id}/outputs/{name or uuid.uuid4().hex + '.jpg'}"
    service.storage.from_("media").upload(path, content, {"content-type": "image/jpeg"})
    row = {
        "user_id": user_id,
        "type": "image",
        "title": "Kitchen, staged",
        "url": path,
        "file_size": len(content),
    }
    return service.table("media_items").insert({**row, **fields}).execute().data[0]


def make_notification(stack, user_id: str, **fields) -> dict:
    row = {
        "user_id": user_id,
        "type": "job_completed",
        "title": "Edit ready",
        "message": "Your photo is ready.",
    }
    return stack.service_client().table("notifications").insert({**row, **fields}).execute().data[0]
