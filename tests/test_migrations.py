"""The migrations are a frozen baseline (eight chapters) and append-only changes after it: a deployed
database upgrades by the later files, each change is documented, and the local stack refuses a database
migrated with another history."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import psycopg
import pytest
from stagefy_testing import new_database

from stagefy_cli.local.migrate import (
    MigrationHistoryMismatch,
    apply_migrations,
    list_migrations,
    migrations_dir,
    prepare_database,
)

CREATE_FUNCTION = re.compile(r"\bcreate\s+(?:or\s+replace\s+)?function\s+([\w.\"]+)\s*\(", re.IGNORECASE)
# Words that start a multi-word type rather than name a parameter ("double precision", ...).
TYPE_WORDS = {"double", "timestamp", "time", "character", "bit", "interval", "national"}


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def _arguments(sql: str, start: int) -> str:
    """The text between the parenthesis at `start` and its match (types like numeric(10, 2) nest)."""
    depth = 0
    for index in range(start, len(sql)):
        if sql[index] == "(":
            depth += 1
        elif sql[index] == ")":
            depth -= 1
            if depth == 0:
                return sql[start + 1 : index]
    raise AssertionError(f"unbalanced parentheses after {sql[start - 40 : start]!r}")


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, []
    for char in text:
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        depth += char == "("
        depth -= char == ")"
        current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def _argument_type(argument: str) -> str:
    argument = re.split(r"\s+default\s+|\s*=\s*", argument, maxsplit=1, flags=re.IGNORECASE)[0]
    words = argument.split()
    if words and words[0].lower() in {"in", "out", "inout", "variadic"}:
        words = words[1:]
    if len(words) > 1 and words[0].lower() not in TYPE_WORDS:
        words = words[1:]  # the parameter's name
    return " ".join(words).lower()


def function_signatures(sql: str) -> list[str]:
    """`schema.name(type, ...)` of every function the SQL text creates."""
    sql = _strip_comments(sql)
    signatures = []
    for match in CREATE_FUNCTION.finditer(sql):
        name = match.group(1).lower().replace('"', "")
        types = [_argument_type(arg) for arg in _split_top_level(_arguments(sql, match.end() - 1))]
        signatures.append(f"{name}({', '.join(types)})")
    return signatures


def test_the_parser_reads_names_and_argument_types():
    sql = """
    -- create function private.commented_out(p_x integer)
    create or replace function public.submit(p_a text, p_b numeric(10, 2) default 0,
                                             p_c double precision = 1, p_d public.ai_service default 'local')
    returns void language sql as $$ select 1 $$;
    create function private.on_change() returns trigger language plpgsql as $$ begin return new; end $$;
    """
    assert function_signatures(sql) == [
        "public.submit(text, numeric(10, 2), double precision, public.ai_service)",
        "private.on_change()",
    ]


# The baseline: the eight chapters as first deployed. A database that ran them is upgraded by the
# files after them (`supabase db push`), so they are never edited again; a change is a new file.
BASELINE = {
    "20261125000100_schema.sql": "b98c2445e15f7704aa2950766d7fda236b1e63bea7a869348b16693f8e1f5039",
    "20261125000200_security.sql": "392d511fd804f548f59dddfb280a71fd8564db744f5e74bc3263093b52cfd737",
    "20261125000300_ledger.sql": "d8d27f541a14445d95fddba44d3e7be9688db656d25a5dd1ebf37759fa3bcc3b",
    "20261125001000_jobs.sql": "7bdb6f9f572f287aa6df9fa8a20285c6322999dd9d38fe002df87163ca2e9adb",
    "20261125002000_crm_and_media.sql": "f3b2da8590f8ef547684e963e6aee8174bae58ba0261cb93500309583ab691b6",
    "20261125003000_billing.sql": "c6ef82a80a3b393b9d8d4fb564b8bb422dd52b5929bfb25360484060fc64f063",
    "20261125003100_admin.sql": "b68cffe544e0125bd194fce9bb4a0e595cc443971d1af321562467c4d289c6ae",
    "20261125004000_video_and_templates.sql": "03d63821158e59659fa4133fc969df27b79ec26a00a90cc3da0d60e12db3f732",
}
DATABASE_DOC = Path(__file__).resolve().parents[1] / "docs" / "database.md"


def test_the_baseline_migrations_are_never_edited():
    shipped = {m.path.name: m for m in list_migrations(migrations_dir())}
    for name, digest in BASELINE.items():
        assert name in shipped, f"{name} was removed; applied migrations stay"
        assert hashlib.sha256(shipped[name].path.read_bytes()).hexdigest() == digest, (
            f"{name} was edited; a deployed database never sees that: put the change in a new migration"
        )
    later = [name for name in shipped if name not in BASELINE]
    assert all(name > max(BASELINE) for name in later), "a new migration sorts before the baseline"


def test_a_function_is_created_once_within_a_migration():
    for migration in list_migrations(migrations_dir()):
        signatures = function_signatures(migration.path.read_text(encoding="utf-8"))
        twice = {s for s in signatures if signatures.count(s) > 1}
        assert twice == set(), f"{migration.path.name} creates {sorted(twice)} twice"


def _latest_definitions() -> dict[str, str]:
    """Each function's signature -> the file holding its last (current) definition."""
    latest = {}
    for migration in list_migrations(migrations_dir()):
        for signature in function_signatures(migration.path.read_text(encoding="utf-8")):
            latest[signature] = migration.path.name
    return latest


def test_every_later_migration_and_the_functions_it_redefines_are_documented():
    doc = DATABASE_DOC.read_text(encoding="utf-8")
    rows = {line.split("`")[1]: line for line in doc.splitlines() if line.startswith("| ") and "`" in line}
    latest = _latest_definitions()
    assert len(latest) > 50  # the parser found the functions
    for migration in list_migrations(migrations_dir()):
        name = migration.path.name
        assert name in rows, f"docs/database.md has no row for {name}"
        if name in BASELINE:
            continue
        current_here = {sig.split("(")[0] for sig, where in latest.items() if where == name}
        missing = sorted(f for f in current_here if f.split(".")[-1] not in rows[name])
        assert missing == [], f"docs/database.md's row for {name} does not name {missing}"


SNAPSHOT_QUERIES = {
    "functions": "select n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) "
    "|| ')', pg_get_functiondef(p.oid), coalesce(p.proacl::text, '') from pg_proc p "
    "join pg_namespace n on n.oid = p.pronamespace where n.nspname in ('public', 'private') and p.prokind <> 'a'",
    "columns": "select table_schema || '.' || table_name || '.' || column_name, data_type, "
    "coalesce(column_default, ''), is_nullable from information_schema.columns "
    "where table_schema in ('public', 'private')",
    "indexes": "select schemaname || '.' || indexname, indexdef from pg_indexes "
    "where schemaname in ('public', 'private', 'storage')",
    "constraints": "select conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid) "
    "from pg_constraint where connamespace::regnamespace::text in ('public', 'private')",
    "policies": "select schemaname || '.' || tablename || '.' || policyname, cmd, roles::text, "
    "coalesce(qual, ''), coalesce(with_check, '') from pg_policies",
    "triggers": "select tgrelid::regclass::text || '.' || tgname, pg_get_triggerdef(oid) from pg_trigger "
    "where not tgisinternal",
    "grants": "select c.oid::regclass::text, coalesce(c.relacl::text, ''), c.relrowsecurity from pg_class c "
    "join pg_namespace n on n.oid = c.relnamespace where n.nspname in ('public', 'private', 'storage', 'auth')",
    "enums": "select t.typname, string_agg(e.enumlabel, ',' order by e.enumsortorder) from pg_enum e "
    "join pg_type t on t.oid = e.enumtypid group by t.typname",
}


def _normalised(row: tuple) -> tuple:
    """Access lists compare as sets: their order is the order of the grants, not what they grant."""
    return tuple(
        ",".join(sorted(v.strip("{}").split(","))) if isinstance(v, str) and v.startswith("{") else v
        for v in row
    )


def _snapshot(dsn: str) -> dict[str, list[tuple]]:
    with psycopg.connect(dsn) as conn:
        return {
            name: sorted(_normalised(row) for row in conn.execute(query).fetchall())
            for name, query in SNAPSHOT_QUERIES.items()
        }


def test_a_database_on_the_baseline_upgrades_to_what_a_fresh_one_is(pg_dsn, tmp_path):
    """What `supabase db push` does to a hosted project that ran the baseline: the later files, in order.
    Both databases are new ones in the same cluster, so the cluster's roles are the same for both."""
    baseline_dir = tmp_path / "baseline"
    baseline_dir.mkdir()
    for migration in list_migrations(migrations_dir()):
        if migration.path.name in BASELINE:
            (baseline_dir / migration.path.name).write_bytes(migration.path.read_bytes())
    later = [m.path.name for m in list_migrations(migrations_dir()) if m.path.name not in BASELINE]
    with (
        new_database(pg_dsn, "stagefy_upgraded") as upgraded,
        new_database(pg_dsn, "stagefy_fresh") as fresh,
    ):
        assert set(prepare_database(upgraded, baseline_dir)) >= set(BASELINE)
        assert prepare_database(upgraded) == later
        prepare_database(fresh)
        assert _snapshot(upgraded) == _snapshot(fresh)


def test_a_database_migrated_with_another_history_is_refused(pg_dsn, tmp_path):
    first = list_migrations(migrations_dir())[0]
    (tmp_path / f"{first.version}_another_history.sql").write_text(
        "create table public.never_made (id int);\n"
    )
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        with pytest.raises(MigrationHistoryMismatch, match="stagefy local reset"):
            apply_migrations(conn, tmp_path)
        made = conn.execute("select to_regclass('public.never_made')").fetchone()
    assert made == (None,)
