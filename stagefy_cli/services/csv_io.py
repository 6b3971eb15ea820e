"""Contacts to and from files: CSV import with validation of every row, streaming CSV/JSON export.

Import reads the whole file and checks every row before anything is written, so a user sees all the
mistakes at once (by line number) and the import is all or nothing. Export writes each row as it
arrives from the paginated reader, so memory does not grow with the number of contacts.

A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, tab or carriage return as a formula
(CSV injection), so export prefixes such a cell with `'` as OWASP's guidance says; a cell that
already starts with `'` gets one more, and import removes exactly that one `'`: an export imports
back as the same contacts.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from stagefy_cli.errors import UsageError
from stagefy_cli.services.crm import CONTACT_FIELDS, validate_contact
from stagefy_cli.services.fields import check_choice

TAG_SEPARATOR = ";"
EXPORT_FORMATS = ("csv", "json")
_OTHER_DELIMITERS = (";", "\t", "|")
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str


@dataclass
class ContactsFile:
    """A parsed contacts file: the valid contacts and the problems of the rows that are not."""

    columns: list[str]
    contacts: list[dict] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    rows: int = 0


def _check_header(header: list[str]) -> list[str]:
    columns = [name.strip().lower() for name in header]
    if len(columns) == 1:
        found = [d for d in _OTHER_DELIMITERS if d in columns[0]]
        if found:
            raise UsageError(
                f"the header is one column split by {found[0]!r}: the file must be comma-separated "
                "(save it as CSV with commas; tags inside a cell are separated by ';')."
            )
    unknown = [c for c in columns if c not in CONTACT_FIELDS]
    if unknown:
        raise UsageError(
            f"unknown column(s) in the header: {', '.join(unknown)}. Columns: {', '.join(CONTACT_FIELDS)}."
        )
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        raise UsageError(f"column(s) given twice in the header: {', '.join(duplicates)}.")
    if "name" not in columns:
        raise UsageError("the header has no 'name' column; every contact needs a name.")
    return columns


def read_contacts(stream: Iterable[str]) -> ContactsFile:
    """Parse and validate a contacts CSV (header row first). Raises UsageError for a file that is
    not a contacts CSV at all; row-level problems are collected in `problems`."""
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        raise UsageError("the file is empty; it needs a header row and one contact per line.") from None
    except csv.Error as exc:
        raise UsageError(f"line 1: not valid CSV ({exc}).") from None
    result = ContactsFile(columns=_check_header(header))
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.problems.append(RowProblem(line, f"not valid CSV ({exc})"))
            break
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are not contacts
        result.rows += 1
        if len(cells) != len(result.columns):
            result.problems.append(
                RowProblem(start, f"{len(cells)} cells, but the header has {len(result.columns)} columns")
            )
            continue
        raw: dict = dict(zip(result.columns, map(_from_cell, cells), strict=True))
        if "tags" in raw:
            raw["tags"] = raw["tags"].split(TAG_SEPARATOR)
        contact, problems = validate_contact(raw)
        if problems:
            result.problems.extend(RowProblem(start, problem) for problem in problems)
        else:
            result.contacts.append(contact)
    if not result.rows and not result.problems:
        raise UsageError("the file has a header but no contacts.")
    return result


def read_contacts_file(path: Path) -> ContactsFile:
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            return read_contacts(stream)
    except FileNotFoundError:
        raise UsageError(f"no such file: {path}.") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text; save it as CSV UTF-8.") from None


def _csv_cell(value) -> str:
    if value is None:
        return ""
    text = TAG_SEPARATOR.join(value) if isinstance(value, list) else str(value)
    return _QUOTE + text if text.startswith((*_FORMULA_PREFIXES, _QUOTE)) else text


def _from_cell(cell: str) -> str:
    """A cell as typed, without the `'` that export puts before a formula-like cell."""
    if cell.startswith(_QUOTE) and cell[1:].startswith((*_FORMULA_PREFIXES, _QUOTE)):
        return cell[1:]
    return cell


def write_contacts(rows: Iterable[dict], out: TextIO, fmt: str) -> int:
    """Write contacts as CSV (the importable columns) or as a JSON array (every column), one row at
    a time; returns how many were written."""
    check_choice(fmt, EXPORT_FORMATS, "export_format")
    count = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CONTACT_FIELDS)
        for row in rows:
            writer.writerow([_csv_cell(row.get(column)) for column in CONTACT_FIELDS])
            count += 1
        return count
    out.write("[")
    for row in rows:
        out.write(("," if count else "") + "\n  " + json.dumps(row, default=str))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count
