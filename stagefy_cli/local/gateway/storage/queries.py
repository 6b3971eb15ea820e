"""SQL on `storage.buckets` and `storage.objects`. Callers pick the connection (caller's role or
superuser); these functions never bypass RLS themselves.
"""

from __future__ import annotations

import uuid

import psycopg
from psycopg.types.json import Jsonb

from stagefy_cli.local.gateway.storage.errors import bucket_not_found, object_not_found

OBJECT_COLUMNS = "id, bucket_id, name, owner, owner_id, version, created_at, updated_at, last_accessed_at, metadata, user_metadata"
BUCKET_COLUMNS = (
    "id, name, owner, owner_id, public, file_size_limit, allowed_mime_types, created_at, updated_at"
)
LIST_SORT_COLUMNS = ("name", "updated_at", "created_at", "last_accessed_at")


def find_bucket(conn: psycopg.Connection, bucket_id: str) -> dict:
    row = conn.execute(f"select {BUCKET_COLUMNS} from storage.buckets where id = %s", (bucket_id,)).fetchone()
    if row is None:
        raise bucket_not_found()
    return row


def find_object(conn: psycopg.Connection, bucket_id: str, name: str) -> dict:
    row = conn.execute(
        f"select {OBJECT_COLUMNS} from storage.objects where bucket_id = %s and name = %s", (bucket_id, name)
    ).fetchone()
    if row is None:
        raise object_not_found()
    return row


def visible_names(conn: psycopg.Connection, bucket_id: str, names: list[str]) -> set[str]:
    rows = conn.execute(
        "select name from storage.objects where bucket_id = %s and name = any(%s)", (bucket_id, names)
    ).fetchall()
    return {row["name"] for row in rows}


def write_object(
    conn: psycopg.Connection,
    *,
    bucket_id: str,
    name: str,
    owner_id: str | None,
    metadata: dict,
    user_metadata: dict | None,
    upsert: bool,
) -> uuid.UUID:
    """Insert (or with `upsert`, insert or overwrite) an object row; returns its id.

    A plain insert has no RETURNING: Storage needs only an INSERT policy for new keys, and
    RETURNING would also demand SELECT. An upsert needs SELECT + UPDATE anyway.
    """
    object_id = uuid.uuid4()
    values = (
        object_id,
        bucket_id,
        name,
        owner_uuid(owner_id),
        owner_id,
        Jsonb(metadata),
        Jsonb(user_metadata) if user_metadata is not None else None,
        str(uuid.uuid4()),
    )
    insert = (
        "insert into storage.objects (id, bucket_id, name, owner, owner_id, metadata, user_metadata, version)"
        " values (%s, %s, %s, %s, %s, %s, %s, %s)"
    )
    if not upsert:
        conn.execute(insert, values)
        return object_id
    row = conn.execute(
        insert + " on conflict (bucket_id, name) do update set owner = excluded.owner,"
        " owner_id = excluded.owner_id, metadata = excluded.metadata, user_metadata = excluded.user_metadata,"
        " version = excluded.version, updated_at = now(), last_accessed_at = now() returning id",
        values,
    ).fetchone()
    return row["id"]


def delete_objects(conn: psycopg.Connection, bucket_id: str, names: list[str] | None) -> list[dict]:
    """Delete the named objects (all of the bucket's with `None`) that RLS lets the caller delete."""
    if names is None:
        return conn.execute(
            f"delete from storage.objects where bucket_id = %s returning {OBJECT_COLUMNS}", (bucket_id,)
        ).fetchall()
    return conn.execute(
        f"delete from storage.objects where bucket_id = %s and name = any(%s) returning {OBJECT_COLUMNS}",
        (bucket_id, names),
    ).fetchall()


def rename_object(conn: psycopg.Connection, bucket_id: str, name: str, to_bucket: str, to_name: str) -> None:
    moved = conn.execute(
        "update storage.objects set bucket_id = %s, name = %s, updated_at = now()"
        " where bucket_id = %s and name = %s returning id",
        (to_bucket, to_name, bucket_id, name),
    ).fetchone()
    if moved is None:
        raise object_not_found()


def list_folder(
    conn: psycopg.Connection,
    bucket_id: str,
    prefix: str,
    search: str,
    *,
    limit: int,
    offset: int,
    sort_column: str,
    descending: bool,
) -> list[dict]:
    """One level of the bucket under `prefix`: files, and folders as rows with null ids (Storage's
    `storage.search`), RLS-filtered because only visible objects can make up a folder."""
    if sort_column not in LIST_SORT_COLUMNS:
        sort_column = "name"
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    level = len(prefix.split("/"))
    pattern = _like_escape(prefix) + _like_escape(search) + "%"
    direction = "desc" if descending else "asc"
    if sort_column == "name":
        order = f'name collate "C" {direction}'
    else:
        order = f'{sort_column} {direction} nulls last, name collate "C"'
    return conn.execute(
        "with matched as (select * from storage.objects where bucket_id = %(bucket)s"
        "   and name ilike %(pattern)s escape '\\'),"
        " entries as ("
        "   select distinct path_tokens[%(level)s] as name, null::uuid as id, null::timestamptz as updated_at,"
        "     null::timestamptz as created_at, null::timestamptz as last_accessed_at, null::jsonb as metadata"
        "   from matched where array_length(path_tokens, 1) > %(level)s"
        "   union all"
        "   select path_tokens[%(level)s], id, updated_at, created_at, last_accessed_at, metadata"
        "   from matched where array_length(path_tokens, 1) = %(level)s)"
        f" select * from entries order by {order}"
        " limit %(limit)s offset %(offset)s",
        {"bucket": bucket_id, "pattern": pattern, "level": level, "limit": limit, "offset": offset},
    ).fetchall()


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def owner_uuid(owner_id: str | None) -> uuid.UUID | None:
    """`owner` is the JWT `sub` when that is a uuid (`owner_id` keeps it verbatim)."""
    try:
        return uuid.UUID(owner_id) if owner_id else None
    except ValueError:
        return None
