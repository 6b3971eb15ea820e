r"""Output: Rich tables on a terminal, tab-separated rows when piped, JSON with --json.

Everything for humans that is not the result itself (progress, notices, warnings) goes to stderr,
so `stagefy ... --json | jq` and `stagefy ... | cut -f1` always see clean data.

User data is printed as data, never as instructions to the terminal: on a terminal every value
becomes a Rich `Text` (so `[/]` or `[urgent]` in a name is not markup), and control characters
(escape sequences, bidi overrides, tabs, newlines) are shown as `\x1b`, `\u202e`, `\t`, `\n` in
tables, details, notices and errors. Piped rows escape backslash, tab and newline the same way, so
every row is one line with a fixed number of tab-separated fields (undo with one unescape pass).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple, NoReturn

from stagefy_cli.errors import CLOSED_PIPE_EXIT, UsageError


class Column(NamedTuple):  # NamedTuple, not a dataclass: dataclasses imports inspect, half a bare start
    key: str
    header: str | None = None
    format: Callable[[Any], str] | None = None
    max_width: int | None = None
    # for a value shown with another of its row's values on a terminal (a price in the row's currency)
    format_row: Callable[[dict], str] | None = None
    # a value that reads wrong when broken across lines (an e-mail, an ID, a time): a narrow
    # terminal wraps the other columns first
    nowrap: bool = False

    def text(self, row: dict) -> str:
        """The cell as a terminal shows it."""
        value = row.get(self.key)
        if value is None:
            return ""
        if self.format_row:
            return self.format_row(row)
        return self.format(value) if self.format else plain(value)


# Control characters (C0, DEL, C1) and the bidi embedding/override/isolate controls that can make
# text read backwards on screen ("Trojan source").
_CONTROLS = [*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_NAMED = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
_VISIBLE = {
    code: _NAMED.get(code, f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}") for code in _CONTROLS
}
_TSV = {**_VISIBLE, ord("\\"): "\\\\"}


def visible(text: str) -> str:
    r"""`text` with every control character made visible as an escape (`\x1b`, `\n`, `\u202e`)."""
    return text.translate(_VISIBLE)


def tsv_field(value: Any) -> str:
    """One field of a piped row: `plain(value)` with backslash, tab, newline and every other control
    character escaped, so a row stays one line with one field per column."""
    return plain(value).translate(_TSV)


def exit_closed_pipe() -> NoReturn:
    """Stdout's reader is gone (`stagefy ... | head -1`): stop quietly, with the status a shell
    reports for a Unix tool ended by SIGPIPE. Stdout then points at /dev/null, so Python's final
    flush has nowhere to fail."""
    import contextlib

    with contextlib.suppress(OSError, ValueError, AttributeError):  # not a real file (in-process tests)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    raise SystemExit(CLOSED_PIPE_EXIT)


def stdout_is_tty() -> bool:
    return sys.stdout.isatty()


def console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def err_console():
    from rich.console import Console

    # soft_wrap: a notice stays one line in logs when stderr is not a terminal
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _json_default(value: Any):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return str(value)


def select_fields(data: Any, fields: str | None) -> Any:
    """Narrow objects to `--fields a,b,c` (gh's --json fields)."""
    if not fields:
        return data
    wanted = [f.strip() for f in fields.split(",") if f.strip()]

    def narrow(obj):
        if not isinstance(obj, dict):
            return obj
        unknown = [f for f in wanted if f not in obj]
        if unknown:
            raise UsageError(
                f"unknown field(s) for --fields: {', '.join(unknown)}. Available: {', '.join(obj)}"
            )
        return {f: obj[f] for f in wanted}

    return [narrow(item) for item in data] if isinstance(data, list) else narrow(data)


def emit_json(data: Any, fields: str | None = None) -> None:
    sys.stdout.write(json.dumps(select_fields(data, fields), indent=2, default=_json_default) + "\n")


def plain(value: Any) -> str:
    """A value as text for piped output: ISO times, empty for None, lists joined with commas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(plain(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, default=_json_default)
    if isinstance(value, float):  # JSON numbers: 2450000.0 -> "2450000", 2.5 -> "2.5"
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def truncate(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def print_table(rows: Sequence[dict], columns: Sequence[Column], *, title: str | None = None) -> None:
    if not stdout_is_tty():
        for row in rows:
            sys.stdout.write("\t".join(tsv_field(row.get(c.key)) for c in columns) + "\n")
        return
    from rich.table import Table
    from rich.text import Text

    texts = [[_cell(column, row) for column in columns] for row in rows]
    # A column empty in every row is left out on a terminal: its header would take room for nothing.
    shown = [i for i in range(len(columns)) if not rows or any(cells[i] for cells in texts)]
    table = Table(title=title, header_style="bold", box=None, pad_edge=False)
    for i in shown:
        column = columns[i]
        table.add_column(
            column.header or column.key.replace("_", " ").upper(), overflow="fold", no_wrap=column.nowrap
        )
    for cells in texts:
        table.add_row(*(Text(visible(cells[i])) for i in shown))
    console().print(table)


def _cell(column: Column, row: dict) -> str:
    text = column.text(row)
    return truncate(text, column.max_width) if column.max_width else text


def print_detail(record: dict, fields: Iterable[Column]) -> None:
    """One record as `label: value` lines (or `key<TAB>value` when piped)."""
    columns = list(fields)
    if not stdout_is_tty():
        for column in columns:
            sys.stdout.write(f"{column.key}\t{tsv_field(record.get(column.key))}\n")
        return
    from rich.text import Text

    out = console()
    width = max(len(c.header or c.key) for c in columns)
    for column in columns:
        text = column.text(record)
        out.print(Text.assemble(((column.header or column.key).ljust(width), "bold"), "  ", visible(text)))


def output(
    result: Any,
    columns: Sequence[Column] | None = None,
    *,
    as_json: bool,
    fields: str | None = None,
    total: int | None = None,
    title: str | None = None,
    shown: Any = None,
    done: str | None = None,
    show: Callable[[], None] | None = None,
) -> None:
    """The one way a command prints its result.

    With `--json`: `result` as JSON, narrowed to `--fields`. Otherwise, for people: a table of
    `result` (a list) under `columns`, with `Showing N of TOTAL` when `total` says there are more;
    or the `label  value` lines of one record (a dict) under `columns`; `shown` replaces `result`
    there when people see more than the JSON holds (a derived column). An action prints its
    `done` line instead (`✓ Deleted ...` on stderr), and a result of its own shape calls `show`."""
    if as_json:
        emit_json(result, fields)
    elif show is not None:
        show()
    elif done is not None:
        success(done)
    else:
        rows = result if shown is None else shown
        if isinstance(rows, list):
            print_table(rows, columns or [], title=title)
            more_notice(len(rows), total)
        else:
            print_detail(rows, columns or [])


def print_paths(paths: Iterable[Any]) -> None:
    """Saved files, one path a line on stdout (what a script reads)."""
    import typer

    for path in paths:
        typer.echo(str(path))


def line(text: str = "") -> None:
    """One line of plain text on stdout, without Rich (whose import would double a quick command's
    time): a value a script reads, or a blank line between two blocks."""
    sys.stdout.write(text + "\n")


def more_notice(shown: int, total: int | None) -> None:
    if total is not None and total > shown:
        notice(f"Showing {shown} of {total}; use --limit to see more.")


def notice(message: str) -> None:
    """A line for humans on stderr; `message` is text (it may carry user data), never markup."""
    from rich.text import Text

    err_console().print(Text(visible(message)))


def debug(message: str) -> None:
    """A diagnostic line on stderr, only under STAGEFY_DEBUG=1."""
    if os.environ.get("STAGEFY_DEBUG") == "1":
        sys.stderr.write(f"debug: {visible(message)}\n")


def quick_notice(message: str | None) -> None:
    """`notice` without Rich, whose import would double a quick command's time: for the line that
    may follow an everyday command's output. Nothing for None."""
    if message:
        sys.stderr.write(visible(message) + "\n")


def success(message: str) -> None:
    from rich.text import Text

    err_console().print(Text.assemble(("✓", "green"), " ", visible(message)))


def emphasis(text: str) -> None:
    """The one result a command prints on a terminal (e.g. a balance), in bold, as text."""
    from rich.text import Text

    console().print(Text(visible(text), style="bold"))


def blank_line() -> None:
    """A blank line between two blocks of terminal output."""
    console().print()


def confirm(question: str, yes: bool) -> bool:
    """Ask before something destructive or costly. Without a terminal, refuse unless --yes."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError("this needs confirmation; run it again with --yes (no terminal to ask on).")
    import typer

    return typer.confirm(visible(question), default=False, err=True)


def money(value: Any, currency: str | None = None) -> str:
    """An amount as tables show it, by the one money formatter (templates and videos use it too)."""
    if value is None:
        return ""
    from stagefy_cli.money import format_money

    return format_money(value, currency)


def row_money(amount_key: str, currency_key: str = "currency") -> Callable[[dict], str]:
    """A `Column.format_row` that prints `row[amount_key]` in `row[currency_key]`."""
    return lambda row: money(row.get(amount_key), row.get(currency_key))


def row_area(sqft_key: str = "sqft", currency_key: str = "currency") -> Callable[[dict], str]:
    """A `Column.format_row` that prints a floor area (stored in sq ft) in the unit of the row's market."""
    from stagefy_cli.money import format_area

    return lambda row: format_area(row[sqft_key], row.get(currency_key))


def file_size(value: Any) -> str:
    """A byte count as tables show it: 512 B, 1.5 KB, 2.0 MB."""
    size = float(value)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(value)


def local_time(value: Any) -> str:
    """An ISO timestamp from the API shown in the user's local time zone."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


class _Unseen:
    """What `progress()` and `spinner()` give when stderr is not a terminal, where Rich would draw
    nothing: the same calls, without importing Rich (its progress module costs ~3x a bare Python
    start, paid on every `edit` in a script)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def add_task(self, *args, **kwargs) -> int:
        return 0

    def advance(self, *args, **kwargs) -> None:
        return None

    def update(self, *args, **kwargs) -> None:
        return None


def progress(transient: bool = True):
    """A progress bar on stderr (invisible when stderr is not a terminal)."""
    if not sys.stderr.isatty():
        return _Unseen()
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    console = err_console()
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=transient,
        disable=not console.is_terminal,
    )


def spinner(text: str):
    """A spinner with a changing status line on stderr; use `.update(text)` on the result."""
    if not sys.stderr.isatty():
        return _Unseen()
    return err_console().status(text, spinner="dots")
