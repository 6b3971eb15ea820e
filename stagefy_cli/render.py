"""Output: Rich tables on a terminal, tab-separated rows when piped, JSON with --json.

Everything for humans that is not the result itself (progress, notices, warnings) goes to stderr,
so `stagefy ... --json | jq` and `stagefy ... | cut -f1` always see clean data.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from stagefy_cli.errors import UsageError


@dataclass(frozen=True)
class Column:
    key: str
    header: str | None = None
    format: Callable[[Any], str] | None = None
    max_width: int | None = None


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
    return str(value)


def truncate(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def print_table(rows: Sequence[dict], columns: Sequence[Column], *, title: str | None = None) -> None:
    if not stdout_is_tty():
        for row in rows:
            sys.stdout.write("\t".join(plain(row.get(c.key)) for c in columns) + "\n")
        return
    from rich.table import Table

    table = Table(title=title, header_style="bold", box=None, pad_edge=False)
    for column in columns:
        table.add_column(column.header or column.key.replace("_", " ").upper(), overflow="fold")
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column.key)
            text = column.format(value) if column.format and value is not None else plain(value)
            if column.max_width:
                text = truncate(text, column.max_width)
            cells.append(text)
        table.add_row(*cells)
    console().print(table)


def print_detail(record: dict, fields: Iterable[Column]) -> None:
    """One record as `label: value` lines (or `key<TAB>value` when piped)."""
    columns = list(fields)
    if not stdout_is_tty():
        for column in columns:
            sys.stdout.write(f"{column.key}\t{plain(record.get(column.key))}\n")
        return
    out = console()
    width = max(len(c.header or c.key) for c in columns)
    for column in columns:
        value = record.get(column.key)
        text = column.format(value) if column.format and value is not None else plain(value)
        out.print(f"[bold]{(column.header or column.key).ljust(width)}[/bold]  {text}")


def more_notice(shown: int, total: int | None) -> None:
    if total is not None and total > shown:
        notice(f"Showing {shown} of {total}; use --limit to see more.")


def notice(message: str) -> None:
    err_console().print(message)


def success(message: str) -> None:
    err_console().print(f"[green]✓[/green] {message}")


def confirm(question: str, yes: bool) -> bool:
    """Ask before something destructive or costly. Without a terminal, refuse unless --yes."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError("this needs confirmation; run it again with --yes (no terminal to ask on).")
    import typer

    return typer.confirm(question, default=False, err=True)


def money(value: Any, currency: str = "ZAR") -> str:
    if value is None:
        return ""
    amount = Decimal(str(value))
    symbol = {"ZAR": "R ", "USD": "$", "EUR": "€", "GBP": "£"}.get(currency, f"{currency} ")
    return f"{symbol}{amount:,.2f}"


def local_time(value: Any) -> str:
    """An ISO timestamp from the API shown in the user's local time zone."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def progress(transient: bool = True):
    """A progress bar on stderr (invisible when stderr is not a terminal)."""
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
    return err_console().status(text, spinner="dots")
