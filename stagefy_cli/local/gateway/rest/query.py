"""PostgREST's URL grammar: `select`, filters, `and`/`or` trees, `order`, `limit`/`offset`, `columns`.

Parsing only: this module turns the decoded query pairs into plain dataclasses and raises PGRST100
on malformed input. Nothing here knows about SQL or the schema (see sql.py for that).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from stagefy_cli.local.gateway.rest.errors import query_error

# Operator -> SQL operator; `in`, `is` and the full-text operators are special-cased by the compiler.
OPERATORS = {
    "eq": "=",
    "neq": "<>",
    "gt": ">",
    "gte": ">=",
    "lt": "<",
    "lte": "<=",
    "like": "LIKE",
    "ilike": "ILIKE",
    "match": "~",
    "imatch": "~*",
    "cs": "@>",
    "cd": "<@",
    "ov": "&&",
    "sl": "<<",
    "sr": ">>",
    "nxr": "&<",
    "nxl": "&>",
    "adj": "-|-",
    "isdistinct": "IS DISTINCT FROM",
}
FTS_OPERATORS = {
    "fts": "to_tsquery",
    "plfts": "plainto_tsquery",
    "phfts": "phraseto_tsquery",
    "wfts": "websearch_to_tsquery",
}
IS_VALUES = {"null": "NULL", "true": "TRUE", "false": "FALSE", "unknown": "UNKNOWN"}
RESERVED_KEYS = {"select", "columns", "on_conflict"}
RESERVED_SUFFIXES = {"order", "limit", "offset", "and", "or"}

_JSON_ARROW = re.compile(r"(->>|->)")
_OPERATION = re.compile(r"^(?P<op>[a-z]+)(?:\((?P<lang>[A-Za-z_]+)\))?\.(?P<value>.*)$", re.S)
_LOGIC = re.compile(r"^(?P<not>not\.)?(?P<op>and|or)\((?P<body>.*)\)$", re.S)


@dataclass(frozen=True)
class Field:
    """A column, optionally followed by a JSON path: `data->a->>b` is ("data", (("->","a"), ("->>","b")))."""

    column: str
    path: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        """The output name PostgREST gives the field: the last JSON key, else the column."""
        return self.path[-1][1] if self.path else self.column


@dataclass(frozen=True)
class SelectColumn:
    field: Field
    alias: str | None = None
    cast: str | None = None


@dataclass(frozen=True)
class SelectStar:
    pass


@dataclass(frozen=True)
class SelectEmbed:
    """`alias:relation!hint!inner(items)`: rows of a foreign-key related table."""

    relation: str
    items: tuple
    alias: str | None = None
    hint: str | None = None
    inner: bool = False

    @property
    def name(self) -> str:
        return self.alias or self.relation


@dataclass(frozen=True)
class Condition:
    field: Field
    operator: str
    value: str | tuple[str, ...]
    negated: bool = False
    language: str | None = None


@dataclass(frozen=True)
class Logic:
    operator: str  # "and" | "or"
    children: tuple
    negated: bool = False


@dataclass(frozen=True)
class OrderTerm:
    field: Field
    descending: bool = False
    nulls: str | None = None  # "first" | "last"


@dataclass
class Node:
    """Filters, order and paging for one level: the root table, or an embedded relation."""

    where: list = field(default_factory=list)
    order: list[OrderTerm] = field(default_factory=list)
    limit: int | None = None
    offset: int | None = None


@dataclass
class ApiQuery:
    select: tuple = (SelectStar(),)
    root: Node = field(default_factory=Node)
    embedded: dict[str, Node] = field(default_factory=dict)
    columns: list[str] | None = None
    on_conflict: list[str] | None = None
    args: dict[str, str] = field(default_factory=dict)

    def node(self, path: str | None) -> Node:
        if not path:
            return self.root
        return self.embedded.setdefault(path, Node())


def split_top(text: str, sep: str = ",") -> list[str]:
    """Split on `sep` outside parentheses, braces and double quotes."""
    parts, depth, quoted, start, i = [], 0, False, 0, 0
    while i < len(text):
        ch = text[i]
        if quoted:
            if ch == "\\":
                i += 1
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return parts


def unquote(text: str) -> str:
    """`"a\\"b"` -> `a"b`; unquoted text is returned unchanged."""
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


def parse_field(text: str) -> Field:
    text = text.strip()
    if not text:
        raise query_error("failed to parse field: empty name")
    pieces = _JSON_ARROW.split(text)
    column = unquote(pieces[0])
    if not column:
        raise query_error(f"failed to parse field ({text})")
    path = tuple((pieces[i], unquote(pieces[i + 1])) for i in range(1, len(pieces) - 1, 2))
    if any(not key for _, key in path):
        raise query_error(f"failed to parse JSON path ({text})")
    return Field(column, path)


# ---------------------------------------------------------------------------------------------- select
def parse_select(text: str) -> tuple:
    if text.strip() == "":
        return (SelectStar(),)
    items = []
    for raw in split_top(text):
        item = raw.strip()
        if not item:
            raise query_error(f'"failed to parse select parameter ({text})"', "unexpected empty item")
        items.append(_parse_select_item(item, text))
    return tuple(items)


def _split_alias(item: str) -> tuple[str | None, str]:
    """`alias:rest` -> ("alias", "rest"), leaving `::casts` alone."""
    match = re.match(r'^("(?:[^"\\]|\\.)*"|[^:"(]+):(?!:)(.*)$', item, re.S)
    if match:
        return unquote(match.group(1).strip()), match.group(2)
    return None, item


def _parse_select_item(item: str, whole: str):
    if item == "*":
        return SelectStar()
    alias, rest = _split_alias(item)
    if rest.endswith(")") and "(" in rest:
        head, _, inner = rest.partition("(")
        names = head.split("!")
        modifiers = names[1:]
        inner_join = "inner" in modifiers
        hints = [m for m in modifiers if m not in ("inner", "left")]
        return SelectEmbed(
            relation=unquote(names[0].strip()),
            items=parse_select(inner[:-1]),
            alias=alias,
            hint=hints[0] if hints else None,
            inner=inner_join,
        )
    cast = None
    if "::" in rest:
        rest, cast = rest.rsplit("::", 1)
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ ]*(\[\])?", cast):
            raise query_error(f'"failed to parse select parameter ({whole})"', f"invalid cast ({cast})")
    return SelectColumn(parse_field(rest), alias, cast)


# --------------------------------------------------------------------------------------------- filters
def parse_operation(field_: Field, text: str, in_logic: bool = False) -> Condition:
    """Parse `[not.]op[(lang)].value` for `field_`."""
    negated = text.startswith("not.")
    if negated:
        text = text[4:]
    match = _OPERATION.match(text)
    if not match:
        raise query_error(f'"failed to parse filter ({text})"', "expected operator.value")
    op, language, value = match.group("op"), match.group("lang"), match.group("value")
    if op == "in":
        if not (value.startswith("(") and value.endswith(")")):
            raise query_error(f'"failed to parse filter (in.{value})"', "expected (a,b,...)")
        inner = value[1:-1]
        elements = tuple(unquote(v.strip()) for v in split_top(inner)) if inner.strip() else ()
        return Condition(field_, op, elements, negated)
    if op == "is":
        if value.lower() not in IS_VALUES:
            raise query_error(
                f'"failed to parse filter (is.{value})"', "expected null, true, false or unknown"
            )
        return Condition(field_, op, value.lower(), negated)
    if op not in OPERATORS and op not in FTS_OPERATORS:
        raise query_error(f'"failed to parse filter ({text})"', f"unknown operator {op}")
    if language and op not in FTS_OPERATORS:
        raise query_error(f'"failed to parse filter ({text})"', "only full-text operators take a language")
    if in_logic:
        value = unquote(value)
    if op in ("like", "ilike"):
        value = value.replace("*", "%")
    return Condition(field_, op, value, negated, language)


def parse_logic(operator: str, text: str, negated: bool = False) -> Logic:
    """`(a.eq.1,or(b.gt.2,c.is.null))` as the value of an `or`/`and` key."""
    text = text.strip()
    if not (text.startswith("(") and text.endswith(")")):
        raise query_error(f'"failed to parse logic tree ({text})"', "expected (...)")
    children = []
    for raw in split_top(text[1:-1]):
        item = raw.strip()
        nested = _LOGIC.match(item)
        if nested:
            children.append(
                parse_logic(nested.group("op"), f"({nested.group('body')})", bool(nested.group("not")))
            )
            continue
        parts = split_top(item, ".")
        if len(parts) < 3:
            raise query_error(f'"failed to parse logic tree ({text})"', f"bad condition ({item})")
        children.append(parse_operation(parse_field(parts[0]), item[len(parts[0]) + 1 :], in_logic=True))
    return Logic(operator, tuple(children), negated)


# ----------------------------------------------------------------------------------------------- order
def parse_order(text: str) -> list[OrderTerm]:
    terms = []
    for raw in split_top(text):
        parts = raw.strip().split(".")
        descending, nulls = False, None
        for modifier in parts[1:]:
            if modifier in ("asc", "desc"):
                descending = modifier == "desc"
            elif modifier in ("nullsfirst", "nullslast"):
                nulls = modifier[5:]
            else:
                raise query_error(f'"failed to parse order ({text})"', f"unexpected modifier {modifier}")
        terms.append(OrderTerm(parse_field(parts[0]), descending, nulls))
    return terms


def _parse_int(key: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise query_error(f"{key} must be a non-negative integer", f"got {value!r}")
    return number


def parse_name_list(text: str) -> list[str]:
    """`columns="title","done"` or `on_conflict=a,b`."""
    names = [unquote(part.strip()) for part in split_top(text)]
    if not all(names):
        raise query_error(f'"failed to parse columns parameter ({text})"')
    return names


# ------------------------------------------------------------------------------------------------ main
def parse_query(pairs: list[tuple[str, str]], arg_names: frozenset[str] = frozenset()) -> ApiQuery:
    """Parse decoded query pairs. Keys in `arg_names` are RPC arguments (GET /rpc/fn), not filters."""
    query = ApiQuery()
    for key, value in pairs:
        if key in arg_names:
            query.args[key] = value
        elif key == "select":
            query.select = parse_select(value)
        elif key == "columns":
            query.columns = parse_name_list(value)
        elif key == "on_conflict":
            query.on_conflict = parse_name_list(value)
        else:
            _parse_keyed(query, key, value)
    return query


def _parse_keyed(query: ApiQuery, key: str, value: str) -> None:
    segments = split_top(key, ".")
    last = segments[-1]
    if last in RESERVED_SUFFIXES:
        negated = last in ("and", "or") and len(segments) > 1 and segments[-2] == "not"
        path = ".".join(segments[: -2 if negated else -1])
        node = query.node(path)
        if last in ("and", "or"):
            node.where.append(parse_logic(last, value, negated))
        elif last == "order":
            node.order.extend(parse_order(value))
        elif last == "limit":
            node.limit = _parse_int(key, value)
        else:
            node.offset = _parse_int(key, value)
        return
    path = ".".join(segments[:-1])
    query.node(path).where.append(parse_operation(parse_field(last), value))
