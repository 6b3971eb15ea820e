"""Compile parsed PostgREST requests into one SQL statement each, with psycopg.sql only.

Every statement returns one row `(total, page_count, body, inserted)`: PostgreSQL itself builds the
JSON body (`json_agg`), so a 10k-row list costs no per-row Python work. User values are always
bound parameters sent with the `unknown` type, so PostgreSQL casts them to the column's type
exactly as PostgREST's literals are cast; names are always `sql.Identifier`s. SQL taken from the
catalog (types, DEFAULT expressions) is trusted but has its `%` doubled for psycopg's placeholders.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from psycopg import sql

from stagefy_cli.local.gateway.rest.errors import ApiError
from stagefy_cli.local.gateway.rest.query import (
    FTS_OPERATORS,
    IS_VALUES,
    OPERATORS,
    ApiQuery,
    Condition,
    Field,
    Logic,
    Node,
    SelectColumn,
    SelectEmbed,
    SelectStar,
)
from stagefy_cli.local.gateway.rest.schema import EXPOSED_SCHEMA, Function, SchemaCache, Table

SOURCE = sql.Identifier("pgrst_source")
CALL = sql.Identifier("pgrst_call")
SCALAR = sql.Identifier("pgrst_scalar")
NULL = sql.SQL("NULL")


def ident(*names: str) -> sql.Identifier:
    """An identifier safe inside a query that also has `%(name)s` placeholders."""
    return sql.Identifier(*(name.replace("%", "%%") for name in names))


def catalog_sql(text: str) -> sql.SQL:
    """SQL text read from the catalog (a type name, a DEFAULT expression)."""
    return sql.SQL(text.replace("%", "%%"))


def qualified(table: str) -> sql.Identifier:
    return ident(EXPOSED_SCHEMA, table)


class Params:
    """Named bind parameters; a placeholder can be used more than once (e.g. in the count query)."""

    def __init__(self):
        self.values: dict[str, object] = {}

    def add(self, value) -> sql.Placeholder:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return sql.Placeholder(name)


# The parameter holding an RPC's JSON arguments: a statement built once for some argument names
# serves every call with those names, given the call's own JSON under this name.
JSON_ARGS = "json_args"


@dataclass
class Statement:
    query: sql.Composable
    params: dict


@dataclass(frozen=True)
class Output:
    """How the result is wanted: body shape and whether to count."""

    count: bool = False
    singular: bool = False  # Accept: application/vnd.pgrst.object+json
    body: bool = True  # False for HEAD and return=minimal


def pg_array_literal(values: tuple[str, ...]) -> str:
    """`("a", 'b"c')` -> `{"a","b\\"c"}`: the text form PostgreSQL casts to any array type."""
    quoted = ('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "{" + ",".join(quoted) + "}"


# ------------------------------------------------------------------------------------------ expressions
def field_sql(field: Field, qualifier: sql.Identifier, params: Params) -> sql.Composable:
    expr: sql.Composable = sql.SQL("{}.{}").format(qualifier, ident(field.column))
    for arrow, key in field.path:
        is_index = key.lstrip("-").isdigit()
        key_sql = (
            sql.SQL("{}::int").format(params.add(key))
            if is_index
            else sql.SQL("{}::text").format(params.add(key))
        )
        expr = sql.SQL("({} {} {})").format(expr, sql.SQL(arrow), key_sql)
    return expr


def condition_sql(cond: Condition | Logic, qualifier: sql.Identifier, params: Params) -> sql.Composable:
    if isinstance(cond, Logic):
        joiner = sql.SQL(" AND " if cond.operator == "and" else " OR ")
        inner = sql.SQL("({})").format(
            joiner.join(condition_sql(c, qualifier, params) for c in cond.children)
        )
        return sql.SQL("NOT {}").format(inner) if cond.negated else inner
    left = field_sql(cond.field, qualifier, params)
    if cond.operator == "is":
        expr = sql.SQL("{} IS {}").format(left, sql.SQL(IS_VALUES[cond.value]))
    elif cond.operator == "in":
        expr = sql.SQL("{} = ANY({})").format(left, params.add(pg_array_literal(cond.value)))
    elif cond.operator in FTS_OPERATORS:
        function = sql.SQL(FTS_OPERATORS[cond.operator])
        if cond.language:
            query = sql.SQL("{}({}::regconfig, {})").format(
                function, params.add(cond.language), params.add(cond.value)
            )
        else:
            query = sql.SQL("{}({})").format(function, params.add(cond.value))
        expr = sql.SQL("{} @@ {}").format(left, query)
    else:
        expr = sql.SQL("{} {} {}").format(left, sql.SQL(OPERATORS[cond.operator]), params.add(cond.value))
    return sql.SQL("NOT ({})").format(expr) if cond.negated else expr


def where_sql(node: Node, qualifier: sql.Identifier, params: Params, extra=()) -> sql.Composable:
    parts = [condition_sql(c, qualifier, params) for c in node.where] + list(extra)
    if not parts:
        return sql.SQL("")
    return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(parts)


def order_sql(node: Node, qualifier: sql.Identifier, params: Params) -> sql.Composable:
    if not node.order:
        return sql.SQL("")
    terms = []
    for term in node.order:
        text = " DESC" if term.descending else " ASC"
        if term.nulls:
            text += f" NULLS {term.nulls.upper()}"
        terms.append(field_sql(term.field, qualifier, params) + sql.SQL(text))
    return sql.SQL(" ORDER BY ") + sql.SQL(", ").join(terms)


def page_sql(node: Node, params: Params) -> sql.Composable:
    text = sql.SQL("")
    if node.limit is not None:
        text += sql.SQL(" LIMIT {}::bigint").format(params.add(node.limit))
    if node.offset:
        text += sql.SQL(" OFFSET {}::bigint").format(params.add(node.offset))
    return text


# ---------------------------------------------------------------------------------------------- select
@dataclass
class Scope:
    """What a select list is evaluated against: a table (with its schema) or an RPC result."""

    qualifier: sql.Identifier
    table: Table | None = None


def select_sql(
    items: tuple, scope: Scope, query: ApiQuery, params: Params, schema: SchemaCache, path: str = ""
):
    """The select list, plus extra WHERE conditions needed by `!inner` embeds."""
    columns, conditions = [], []
    for item in items:
        if isinstance(item, SelectStar):
            if scope.table is not None:
                columns.extend(
                    sql.SQL("{}.{}").format(scope.qualifier, ident(name)) for name in scope.table.columns
                )
            else:
                columns.append(sql.SQL("{}.*").format(scope.qualifier))
        elif isinstance(item, SelectColumn):
            expr = field_sql(item.field, scope.qualifier, params)
            if item.cast:  # like PostgREST: a whitelisted type name (query.py checks the characters)
                expr = sql.SQL("CAST({} AS {})").format(expr, sql.SQL(item.cast))
            columns.append(sql.SQL("{} AS {}").format(expr, ident(item.alias or item.field.name)))
        elif isinstance(item, SelectEmbed):
            embed, inner_condition = embed_sql(item, scope, query, params, schema, path)
            columns.append(embed)
            if inner_condition is not None:
                conditions.append(inner_condition)
    if not columns:
        raise ApiError(400, "PGRST100", "the select list is empty")
    return sql.SQL(", ").join(columns), conditions


def embed_sql(
    item: SelectEmbed, scope: Scope, query: ApiQuery, params: Params, schema: SchemaCache, path: str
):
    """A correlated subquery for one foreign-key relation (either direction), one JSON value per row."""
    if scope.table is None:
        raise ApiError(
            400, "PGRST200", f"Could not find a relationship for '{item.relation}' in the schema cache"
        )
    target = schema.table(item.relation)
    link = find_relationship(schema, scope.table.name, item.relation, item.hint) if target else None
    if target is None or link is None:
        raise ApiError(
            400,
            "PGRST200",
            f"Could not find a relationship between '{scope.table.name}' and '{item.relation}' in the schema cache",
        )
    own_columns, their_columns, to_one = link
    node_path = f"{path}.{item.name}" if path else item.name
    node = query.embedded.get(node_path, Node())
    alias = ident(f"pgrst_{node_path.replace('.', '_')}")
    inner_scope = Scope(alias, target)
    select_list, inner_conditions = select_sql(item.items, inner_scope, query, params, schema, node_path)
    join = [
        sql.SQL("{}.{} = {}.{}").format(alias, ident(theirs), scope.qualifier, ident(own))
        for own, theirs in zip(own_columns, their_columns, strict=True)
    ]
    rows = sql.SQL("SELECT {} FROM {} AS {}{}{}{}").format(
        select_list,
        qualified(target.name),
        alias,
        where_sql(node, alias, params, join + inner_conditions),
        order_sql(node, alias, params),
        page_sql(node, params),
    )
    if to_one:
        value = sql.SQL("(SELECT to_json(pgrst_e) FROM ({}) pgrst_e LIMIT 1)").format(rows)
    else:
        value = sql.SQL("(SELECT coalesce(json_agg(pgrst_e), '[]') FROM ({}) pgrst_e)").format(rows)
    inner_condition = None
    if item.inner:  # `!inner`: drop parent rows without a related row
        test = "{} IS NOT NULL" if to_one else "json_array_length({}) > 0"
        inner_condition = sql.SQL(test).format(value)
    return sql.SQL("{} AS {}").format(value, ident(item.name)), inner_condition


def find_relationship(schema: SchemaCache, table: str, relation: str, hint: str | None):
    """(own columns, their columns, to_one) for the foreign key linking `table` and `relation`."""
    candidates = []
    for fk in schema.foreign_keys():
        if hint and hint not in (fk.name, *fk.columns):
            continue
        if fk.table == table and fk.ref_table == relation:
            candidates.append((fk.columns, fk.ref_columns, True))  # many-to-one
        elif fk.ref_table == table and fk.table == relation:
            candidates.append((fk.ref_columns, fk.columns, False))  # one-to-many
    if len(candidates) > 1:
        raise ApiError(
            300,
            "PGRST201",
            f"Could not embed because more than one relationship was found for '{table}' and '{relation}'",
            hint=f"Try changing '{relation}' to '{relation}!<constraint name>'",
        )
    return candidates[0] if candidates else None


# ----------------------------------------------------------------------------------------------- reads
def read_statement(table: Table, query: ApiQuery, out: Output, schema: SchemaCache) -> Statement:
    params = Params()
    qualifier = ident(table.name)
    select_list, conditions = select_sql(query.select, Scope(qualifier, table), query, params, schema)
    source = sql.SQL("{} AS {}").format(qualified(table.name), qualifier)
    where = where_sql(query.root, qualifier, params, conditions)
    rows = sql.SQL("WITH {} AS (SELECT {} FROM {}{}{}{})").format(
        SOURCE,
        select_list,
        source,
        where,
        order_sql(query.root, qualifier, params),
        page_sql(query.root, params),
    )
    total = sql.SQL("(SELECT count(*) FROM {}{})").format(source, where) if out.count else NULL
    return Statement(_result(rows, total, out), params.values)


# ---------------------------------------------------------------------------------------------- writes
def _returning(table: Table, out: Output, upsert: bool) -> sql.Composable:
    qualifier = ident(table.name)
    if not out.body:
        return sql.SQL(" RETURNING 1")  # no column read: the SELECT policies are not applied
    text = sql.SQL(" RETURNING {}.*").format(qualifier)
    if upsert:
        text += sql.SQL(", ({}.xmax = 0) AS pgrst_inserted").format(qualifier)
    return text


def _mutation_result(
    table: Table,
    mutation: sql.Composable,
    query: ApiQuery,
    out: Output,
    schema: SchemaCache,
    params: Params,
    upsert: bool,
) -> sql.Composable:
    """Wrap an INSERT/UPDATE/DELETE in the CTEs that count its rows and build the body from RETURNING."""
    rows = sql.SQL("WITH {} AS ({})").format(ident("pgrst_mutation"), mutation)
    inserted = NULL
    if out.body:
        qualifier = ident(table.name)
        select_list, _ = select_sql(query.select, Scope(qualifier, table), query, params, schema)
        rows += sql.SQL(", {} AS (SELECT {} FROM {} AS {})").format(
            SOURCE, select_list, ident("pgrst_mutation"), qualifier
        )
        if upsert:
            inserted = sql.SQL("(SELECT count(*) FROM {} WHERE pgrst_inserted)").format(
                ident("pgrst_mutation")
            )
    else:
        rows += sql.SQL(", {} AS (SELECT 1 FROM {})").format(SOURCE, ident("pgrst_mutation"))
    body: sql.Composable = NULL
    if out.body:
        agg = "(json_agg(_t) -> 0)::text" if out.singular else "coalesce(json_agg(_t), '[]')::text"
        body = sql.SQL("(SELECT " + agg + " FROM {} _t)").format(SOURCE)
    total = sql.SQL("(SELECT count(*) FROM {})").format(SOURCE) if out.count else NULL
    return sql.SQL(
        "{} SELECT {}::bigint AS total, (SELECT count(*) FROM {}) AS page_count, {} AS body, {} AS inserted"
    ).format(rows, total, SOURCE, body, inserted)


def insert_statement(
    table: Table,
    query: ApiQuery,
    out: Output,
    schema: SchemaCache,
    body_json: str,
    columns: list[str],
    missing_default: bool,
    resolution: str | None,
) -> Statement:
    """INSERT from a JSON array `body_json`, optionally as an upsert (`resolution` merge/ignore)."""
    params = Params()
    target = qualified(table.name)
    body = params.add(body_json)
    if missing_default:
        values = sql.SQL(", ").join(
            sql.SQL("CASE WHEN pgrst_elem.j ? {} THEN pgrst_row.{} ELSE {} END").format(
                params.add(name), ident(name), _default_sql(table, name)
            )
            for name in columns
        )
        source = sql.SQL(
            "jsonb_array_elements({}::jsonb) AS pgrst_elem(j),"
            " LATERAL jsonb_populate_record(NULL::{}, pgrst_elem.j) AS pgrst_row"
        ).format(body, target)
    else:
        values = sql.SQL(", ").join(sql.SQL("pgrst_row.{}").format(ident(name)) for name in columns)
        source = sql.SQL("json_populate_recordset(NULL::{}, {}::json) AS pgrst_row").format(target, body)
    if columns:
        column_list = sql.SQL(", ").join(ident(name) for name in columns)
        mutation = sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(
            target, column_list, values, source
        )
    else:  # every column takes its default
        mutation = sql.SQL("INSERT INTO {} SELECT FROM {}").format(target, source)
    if resolution:
        mutation += _on_conflict_sql(table, query, columns, resolution)
    upsert = resolution == "merge-duplicates"
    mutation += _returning(table, out, upsert)
    return Statement(_mutation_result(table, mutation, query, out, schema, params, upsert), params.values)


def _default_sql(table: Table, name: str) -> sql.Composable:
    default = table.columns[name].default
    return catalog_sql(default) if default else NULL


def _on_conflict_sql(table: Table, query: ApiQuery, columns: list[str], resolution: str) -> sql.Composable:
    targets = query.on_conflict or list(table.primary_key)
    target_sql = (
        sql.SQL(" ({})").format(sql.SQL(", ").join(ident(c) for c in targets)) if targets else sql.SQL("")
    )
    if resolution == "ignore-duplicates" or not columns:
        return sql.SQL(" ON CONFLICT{} DO NOTHING").format(target_sql)
    if not targets:
        raise ApiError(400, "PGRST100", "an upsert needs on_conflict or a primary key")
    updates = sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(ident(c)) for c in columns)
    return sql.SQL(" ON CONFLICT{} DO UPDATE SET {}").format(target_sql, updates)


def update_statement(
    table: Table, query: ApiQuery, out: Output, schema: SchemaCache, body_json: str, columns: list[str]
) -> Statement:
    params = Params()
    target, qualifier = qualified(table.name), ident(table.name)
    if not columns:  # an empty patch changes nothing and returns no rows
        nothing = sql.SQL("SELECT {}.* FROM {} AS {} WHERE false").format(qualifier, target, qualifier)
        return Statement(_mutation_result(table, nothing, query, out, schema, params, False), params.values)
    assignments = sql.SQL(", ").join(sql.SQL("{0} = pgrst_patch.{0}").format(ident(c)) for c in columns)
    mutation = sql.SQL(
        "UPDATE {} AS {} SET {} FROM json_populate_record(NULL::{}, {}::json) AS pgrst_patch"
    ).format(target, qualifier, assignments, target, params.add(body_json))
    mutation += where_sql(query.root, qualifier, params) + _returning(table, out, upsert=False)
    return Statement(_mutation_result(table, mutation, query, out, schema, params, False), params.values)


def delete_statement(table: Table, query: ApiQuery, out: Output, schema: SchemaCache) -> Statement:
    params = Params()
    target, qualifier = qualified(table.name), ident(table.name)
    mutation = sql.SQL("DELETE FROM {} AS {}").format(target, qualifier)
    mutation += where_sql(query.root, qualifier, params) + _returning(table, out, upsert=False)
    return Statement(_mutation_result(table, mutation, query, out, schema, params, False), params.values)


# ------------------------------------------------------------------------------------------------- rpc
def rpc_statement(
    function: Function, args: dict, args_are_json: bool, query: ApiQuery, out: Output, schema: SchemaCache
) -> Statement:
    """Call `function` with named `args` (JSON values from a POST body, or text from a GET query)."""
    params = Params()
    arguments = [a for a in function.arguments if a.name in args]
    if args_are_json and arguments:
        params.values[JSON_ARGS] = json.dumps(args)
        record = sql.SQL("json_to_record({}::json) AS pgrst_args({})").format(
            sql.Placeholder(JSON_ARGS),
            sql.SQL(", ").join(
                sql.SQL("{} {}").format(ident(a.name), catalog_sql(a.type)) for a in arguments
            ),
        )
        values = [sql.SQL("pgrst_args.{}").format(ident(a.name)) for a in arguments]
        prefix = record + sql.SQL(" CROSS JOIN LATERAL ")
    else:
        values = [sql.SQL("{}::{}").format(params.add(args[a.name]), catalog_sql(a.type)) for a in arguments]
        prefix = sql.SQL("")
    call = sql.SQL("{}({})").format(
        qualified(function.name),
        sql.SQL(", ").join(
            sql.SQL("{} => {}").format(ident(a.name), v) for a, v in zip(arguments, values, strict=True)
        ),
    )
    scalar = not function.returns_row
    alias = sql.SQL("{}({})").format(CALL, SCALAR) if scalar or function.returns_void else CALL
    from_clause = prefix + sql.SQL("{} AS {}").format(call, alias)

    if function.returns_void:
        return Statement(
            sql.SQL(
                "SELECT NULL::bigint AS total, count(*) AS page_count, NULL AS body, NULL AS inserted FROM {}"
            ).format(from_clause),
            params.values,
        )
    if scalar and not function.returns_set:
        body = sql.SQL("coalesce(to_json({}.{})::text, 'null')").format(CALL, SCALAR) if out.body else NULL
        return Statement(
            sql.SQL(
                "SELECT NULL::bigint AS total, 1 AS page_count, {} AS body, NULL AS inserted FROM {}"
            ).format(body, from_clause),
            params.values,
        )

    call_cte = sql.SQL("WITH {} AS MATERIALIZED (SELECT {}.* FROM {}{})").format(
        CALL,
        CALL,
        from_clause,
        sql.SQL("") if function.returns_set else sql.SQL(" WHERE NOT ({} IS NULL)").format(CALL),
    )
    if scalar:
        select_list = sql.SQL("{}.{}").format(CALL, SCALAR)
        conditions = []
    else:
        select_list, conditions = select_sql(query.select, Scope(CALL), query, params, schema)
    where = where_sql(query.root, CALL, params, conditions)
    rows = call_cte + sql.SQL(", {} AS (SELECT {} FROM {}{}{}{})").format(
        SOURCE, select_list, CALL, where, order_sql(query.root, CALL, params), page_sql(query.root, params)
    )
    total = sql.SQL("(SELECT count(*) FROM {}{})").format(CALL, where) if out.count else NULL
    singular = out.singular or not function.returns_set
    final = Output(count=out.count, singular=singular, body=out.body)
    return Statement(_result(rows, total, final, scalar), params.values)


def _result(rows: sql.Composable, total: sql.Composable, out: Output, scalar: bool = False) -> sql.Composable:
    """The final `SELECT total, page_count, body, inserted` over the CTE `pgrst_source`."""
    value = sql.SQL("_t.{}").format(SCALAR) if scalar else sql.SQL("_t")
    if not out.body:
        body: sql.Composable = NULL
    elif out.singular:
        body = sql.SQL("coalesce((SELECT (json_agg({}) -> 0)::text FROM {} _t), 'null')").format(
            value, SOURCE
        )
    else:
        body = sql.SQL("(SELECT coalesce(json_agg({}), '[]')::text FROM {} _t)").format(value, SOURCE)
    return sql.SQL(
        "{} SELECT {} AS total, (SELECT count(*) FROM {}) AS page_count, {} AS body, NULL::bigint AS inserted"
    ).format(rows, total, SOURCE, body)
