"""PostgREST's "schema cache": tables, columns, keys, foreign keys and functions of the exposed schema.

Loaded once per process with a few catalog queries and reloaded when a request names a table,
column or function the cache does not know, so objects created by later migrations show up
without a restart (PostgREST reloads on `NOTIFY pgrst`; a miss-triggered reload is enough here).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from stagefy_cli.local.gateway.db import Database

EXPOSED_SCHEMA = "public"

_TABLES_SQL = """
select c.relname as table, c.relkind::text as kind,
       coalesce(array_agg(a.attname order by a.attnum) filter (where a.attnum is not null), '{}') as columns,
       coalesce(array_agg(format_type(a.atttypid, a.atttypmod) order by a.attnum)
                filter (where a.attnum is not null), '{}') as types,
       coalesce(array_agg(pg_get_expr(d.adbin, d.adrelid) order by a.attnum)
                filter (where a.attnum is not null), '{}') as defaults,
       coalesce(array_agg(a.attgenerated::text order by a.attnum) filter (where a.attnum is not null), '{}')
         as generated,
       (select coalesce(array_agg(k.attname order by array_position(x.conkey, k.attnum)), '{}')
          from pg_constraint x join pg_attribute k on k.attrelid = x.conrelid and k.attnum = any(x.conkey)
         where x.conrelid = c.oid and x.contype = 'p') as primary_key
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
  left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
 where n.nspname = %(schema)s and c.relkind in ('r', 'v', 'm', 'f', 'p')
 group by c.oid, c.relname, c.relkind
"""

_FOREIGN_KEYS_SQL = """
select x.conname as name, src.relname as table, dst.relname as ref_table,
       array(select a.attname from unnest(x.conkey) with ordinality k(n, i)
               join pg_attribute a on a.attrelid = x.conrelid and a.attnum = k.n order by k.i) as columns,
       array(select a.attname from unnest(x.confkey) with ordinality k(n, i)
               join pg_attribute a on a.attrelid = x.confrelid and a.attnum = k.n order by k.i) as ref_columns
  from pg_constraint x
  join pg_class src on src.oid = x.conrelid join pg_namespace sn on sn.oid = src.relnamespace
  join pg_class dst on dst.oid = x.confrelid join pg_namespace dn on dn.oid = dst.relnamespace
 where x.contype = 'f' and sn.nspname = %(schema)s and dn.nspname = %(schema)s
"""

_FUNCTIONS_SQL = """
select p.proname as name, p.provolatile::text as volatility, p.proretset as returns_set,
       p.pronargs as nargs, p.pronargdefaults as nargdefaults,
       coalesce(p.proargnames, '{}') as arg_names,
       coalesce(p.proargmodes::text[], '{}') as arg_modes,
       array(select format_type(t, null) from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) t)
         as arg_types,
       p.prorettype = 'void'::regtype as returns_void,
       (rt.typtype = 'c' or (p.prorettype = 'record'::regtype and p.proallargtypes is not null)) as returns_row
  from pg_proc p
  join pg_namespace n on n.oid = p.pronamespace
  join pg_type rt on rt.oid = p.prorettype
 where n.nspname = %(schema)s and p.prokind = 'f'
"""


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # format_type(): SQL for the type, straight from the catalog
    default: str | None  # the DEFAULT expression, as SQL from the catalog
    generated: bool


@dataclass(frozen=True)
class Table:
    name: str
    kind: str
    columns: dict[str, Column]
    primary_key: tuple[str, ...]


@dataclass(frozen=True)
class ForeignKey:
    name: str
    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class Argument:
    name: str
    type: str
    has_default: bool


@dataclass(frozen=True)
class Function:
    name: str
    arguments: tuple[Argument, ...]  # input arguments, in order
    volatility: str  # 'i' immutable, 's' stable, 'v' volatile
    returns_set: bool
    returns_void: bool
    returns_row: bool  # a composite/table row (objects) rather than a scalar

    @property
    def read_only(self) -> bool:
        return self.volatility in ("i", "s")

    def accepts(self, names: set[str]) -> bool:
        """True when `names` are all arguments and every argument without a default is given."""
        known = {a.name for a in self.arguments}
        required = {a.name for a in self.arguments if not a.has_default}
        return names <= known and required <= names


@dataclass
class Snapshot:
    tables: dict[str, Table] = field(default_factory=dict)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    functions: dict[str, list[Function]] = field(default_factory=dict)


class SchemaCache:
    """The exposed schema's catalog, shared by all requests of the process."""

    def __init__(self, db: Database, schema: str = EXPOSED_SCHEMA):
        self.db = db
        self.schema = schema
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    def snapshot(self) -> Snapshot:
        snapshot = self._snapshot
        if snapshot is None:
            with self._lock:
                if self._snapshot is None:
                    self._snapshot = self._load()
                snapshot = self._snapshot
        return snapshot

    def reload(self) -> Snapshot:
        with self._lock:
            self._snapshot = self._load()
            return self._snapshot

    def table(self, name: str) -> Table | None:
        """The table or view `name`, reloading the cache once if it is not (yet) known."""
        found = self.snapshot().tables.get(name)
        return found if found is not None else self.reload().tables.get(name)

    def table_with_columns(self, name: str, columns: set[str]) -> Table | None:
        """Like table(), but also reloads when `columns` are not all known (a migration added some)."""
        table = self.table(name)
        if table is not None and not columns <= table.columns.keys():
            table = self.reload().tables.get(name)
        return table

    def function(self, name: str, arg_names: set[str]) -> Function | None:
        """The overload of `name` that takes exactly these named arguments (reloading once on a miss)."""
        for snapshot in (self.snapshot(), None):
            snapshot = snapshot or self.reload()
            matches = [f for f in snapshot.functions.get(name, []) if f.accepts(arg_names)]
            if matches:
                return min(matches, key=lambda f: len(f.arguments))
        return None

    def overloads(self, name: str) -> list[Function]:
        """All overloads of `name` (GET /rpc needs their argument names to tell arguments from filters)."""
        return self.snapshot().functions.get(name) or self.reload().functions.get(name, [])

    def foreign_keys(self) -> list[ForeignKey]:
        return self.snapshot().foreign_keys

    def _load(self) -> Snapshot:
        params = {"schema": self.schema}
        snapshot = Snapshot()
        with self.db.superuser() as conn:
            for row in conn.execute(_TABLES_SQL, params).fetchall():
                columns = {
                    name: Column(name, type_, default, generated != "")
                    for name, type_, default, generated in zip(
                        row["columns"], row["types"], row["defaults"], row["generated"], strict=True
                    )
                }
                snapshot.tables[row["table"]] = Table(
                    row["table"], row["kind"], columns, tuple(row["primary_key"])
                )
            for row in conn.execute(_FOREIGN_KEYS_SQL, params).fetchall():
                snapshot.foreign_keys.append(
                    ForeignKey(
                        row["name"],
                        row["table"],
                        tuple(row["columns"]),
                        row["ref_table"],
                        tuple(row["ref_columns"]),
                    )
                )
            for row in conn.execute(_FUNCTIONS_SQL, params).fetchall():
                function = _function_from_row(row)
                if function is not None:
                    snapshot.functions.setdefault(function.name, []).append(function)
        return snapshot


def _function_from_row(row: dict) -> Function | None:
    """Build a Function from pg_proc; None for functions PostgREST cannot call by named arguments."""
    modes = row["arg_modes"] or ["i"] * len(row["arg_types"])
    inputs = [
        (name, type_)
        for name, type_, mode in zip(
            row["arg_names"] or [""] * len(modes), row["arg_types"], modes, strict=False
        )
        if mode in ("i", "b", "v")
    ]
    if any(not name for name, _ in inputs):
        return None
    first_default = len(inputs) - row["nargdefaults"]
    arguments = tuple(
        Argument(name, type_, index >= first_default) for index, (name, type_) in enumerate(inputs)
    )
    return Function(
        name=row["name"],
        arguments=arguments,
        volatility=row["volatility"],
        returns_set=row["returns_set"],
        returns_void=row["returns_void"],
        returns_row=row["returns_row"],
    )
