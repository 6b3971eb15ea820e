"""Supabase's database linter (splinter), run as the dashboard's Security and Performance Advisors run it.

`splinter.sql` is splinter's compiled query, vendored unchanged (see NOTICE): a statement that sets
`search_path` to '' for the transaction, then the union of every lint. The dashboard runs it after
`set local pgrst.db_schemas = '<the project's exposed schemas>'` (several lints look only at the
schemas the Data API exposes) and shows its text with plain backticks; `run_lints` does the same.
"""

from __future__ import annotations

import re
from importlib import resources

import psycopg

FIELDS = ("name", "level", "facing", "categories", "title", "detail", "remediation", "cache_key")
# Supabase's default "Exposed schemas" (Data API settings; the Supabase CLI's `api.schemas`).
DEFAULT_EXPOSED_SCHEMAS = "public, graphql_public"
_PREFIX = "set local search_path = '';"

# PostgREST's in-database configuration: `pgrst.db_schemas` set on `authenticator` overrides the
# configured exposed schemas (the local stack sets it to what its gateway serves).
_CONFIGURED_SCHEMAS_SQL = """
select split_part(setting, '=', 2) from pg_catalog.pg_db_role_setting s
  cross join unnest(s.setconfig) as setting
 where s.setrole = (select oid from pg_catalog.pg_roles where rolname = 'authenticator')
   and s.setdatabase in (0, (select oid from pg_catalog.pg_database where datname = current_database()))
   and setting like 'pgrst.db\\_schemas=%'
 order by s.setdatabase desc limit 1
"""

# Lint 0025 reads storage.buckets through query_to_xml()/xpath() (so that it compiles where Storage
# is not installed), which needs a server built with libxml, as hosted Supabase's is; the embedded
# PostgreSQL wheels are built without it. There, and only there, that one CTE reads the table
# directly: the same rows, since the local stack always has Storage.
_XML_BUCKETS = re.compile(r"(with public_buckets as \(\n).*?(\n\),\nmatching_policies as \()", re.DOTALL)
_PLAIN_BUCKETS = (
    "    select id::text as bucket_id, name::text as bucket_name from storage.buckets where public = true"
)


def _lint_query(with_xml: bool) -> str:
    text = (resources.files(__name__) / "splinter.sql").read_text(encoding="utf-8")
    if not text.startswith(_PREFIX):  # the vendored file's shape, which the split below relies on
        raise RuntimeError("splinter.sql does not start with its search_path statement")
    # The dashboard's copy has these backticks unescaped (its source says so); splinter.sql has `\``
    query = text[len(_PREFIX) :].replace("\\`", "`")
    if with_xml:
        return query
    query, found = _XML_BUCKETS.subn(lambda m: m[1] + _PLAIN_BUCKETS + m[2], query)
    if found != 1 or "xml" in query:
        raise RuntimeError("splinter.sql needs XML support beyond the public_buckets CTE of lint 0025")
    return query


def _has_xml(cur: psycopg.Cursor) -> bool:
    try:
        with cur.connection.transaction():
            cur.execute("select pg_catalog.query_to_xml('select 1', false, false, '')")
    except psycopg.errors.FeatureNotSupported:
        return False
    return True


def exposed_schemas(conn: psycopg.Connection) -> str:
    """The schemas the Data API exposes, as the database says: PostgREST's in-database setting on
    `authenticator` when there is one, else Supabase's default."""
    row = conn.execute(_CONFIGURED_SCHEMAS_SQL).fetchone()
    return row[0] if row else DEFAULT_EXPOSED_SCHEMAS


def run_lints(conn: psycopg.Connection, schemas: str | None = None) -> list[dict]:
    """Every lint splinter reports on the database behind `conn` (ERROR first, then WARN, INFO),
    with `schemas` as the Data API's exposed schemas (default: `exposed_schemas(conn)`). Runs in one
    transaction that is rolled back. Each lint is a dict with the keys of `FIELDS`."""
    columns = ", ".join(FIELDS)
    with conn.transaction(force_rollback=True), conn.cursor() as cur:
        with_xml = _has_xml(cur)
        schemas = schemas if schemas is not None else exposed_schemas(conn)
        cur.execute("select set_config('pgrst.db_schemas', %s, true)", (schemas,))
        cur.execute(_PREFIX)
        cur.execute(f"select {columns} from ({_lint_query(with_xml)}) as lints")
        rows = cur.fetchall()
    order = {"ERROR": 0, "WARN": 1, "INFO": 2}
    lints = [dict(zip(FIELDS, row, strict=True)) for row in rows]
    return sorted(lints, key=lambda lint: (order.get(lint["level"], 3), lint["cache_key"]))
