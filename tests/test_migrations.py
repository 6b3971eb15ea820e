"""The migrations read as chapters: every SQL function is created in exactly one place, so its one
definition is its behaviour; and the local stack refuses a database migrated with another history."""

from __future__ import annotations

import re
from collections import defaultdict

import psycopg
import pytest

from stagefy_cli.local.migrate import (
    MigrationHistoryMismatch,
    apply_migrations,
    list_migrations,
    migrations_dir,
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


def test_every_sql_function_is_created_in_one_migration_only():
    places = defaultdict(list)
    for migration in list_migrations(migrations_dir()):
        for signature in function_signatures(migration.path.read_text(encoding="utf-8")):
            places[signature].append(migration.path.name)
    assert len(places) > 50  # the parser found the functions
    twice = {signature: files for signature, files in places.items() if len(files) > 1}
    assert twice == {}, (
        "a function is defined in more than one place; change its one definition in its chapter instead"
    )


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
