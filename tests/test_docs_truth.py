"""The README, CHANGELOG and docs/ say only what is true of this repository: every path they name
exists, every Edge Function URL names a function, every `stagefy` command they name is a command,
and every module of the package has its place in docs/architecture.md's table.

Each failure names the document, the line and what to do, so drift found after a merge is quick to
fix."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "stagefy_cli"
DOCS = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
# Where a doc's relative path may start: the repository, or the package or subpackage the text is
# about (docs/architecture.md says `local/gateway/` and `auth/sessions.py` inside its table).
BASES = [
    ROOT,
    PACKAGE,
    PACKAGE / "local",
    PACKAGE / "local" / "gateway",
    PACKAGE / "imaging",
    ROOT / "docs",
    ROOT / "tests",
    ROOT / "supabase" / "migrations",
    ROOT / "supabase" / "functions" / "payfast",
]
# A folder named alone (`jobs/`) is a folder of the code: it must be one of these bases' folders.
# Tests are left out, so a folder of the tests cannot stand in for a missing package.
FOLDER_BASES = [base for base in BASES if base != ROOT / "tests"]
# Names that look like folders but are not the repository's: each with the reason.
NOT_OURS = {
    "previews/": "the folder `stagefy preview` makes in the user's data dir",
    "Mozilla/": "the start of a browser's User-Agent",
}
SOURCES = (".py", ".sql", ".ts")
SUFFIXES = (".py", ".sql", ".md", ".toml", ".ts", ".txt", ".json", ".lock", ".sh", ".jpg", ".png", ".ttf")
CODE = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\]\(([^)#\s]+)\)")
FUNCTION_URL = re.compile(r"/functions/v1/([a-z0-9][a-z0-9_-]*)")
STAGEFY = re.compile(r"(?<![\w/.-])stagefy((?: [a-z][a-z0-9_-]*)+)")


def _lines(doc: Path):
    for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), start=1):
        yield f"{doc.relative_to(ROOT)}:{number}", line


def _path_like(token: str) -> str | None:
    token = token.split(": ")[0].split(" ")[0].rstrip(".,;:")
    if not token or token.startswith(("-", "/", "~", "$", "http", "<", ".venv")) or "://" in token:
        return None
    if any(mark in token for mark in "<>{}*=|[]()'\"?"):
        return None
    if re.fullmatch(r"[\w.-]+/", token):
        return token  # a folder named alone
    if "/" in token.rstrip("/") and (token.endswith("/") or token.endswith(SUFFIXES)):
        return token  # a path: resolved against the bases
    if token.endswith(SOURCES):
        return token  # a source file named alone: it exists somewhere in the repository
    return None  # a file people make (`keys.json`), a command, a value: not a path of ours


def _named_paths(line: str) -> set[str]:
    named = {p for p in (_path_like(t) for t in CODE.findall(line)) if p}
    named |= {link for link in LINK.findall(line) if not link.startswith(("http", "mailto:"))}
    return named


@functools.cache
def _source_names() -> frozenset[str]:
    """The name of every file of the repository (not of the virtualenv or caches)."""
    skip = {".venv", ".git", "__pycache__", "node_modules"}
    names = set()
    for _folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [name for name in subfolders if name not in skip]
        names.update(files)
    return frozenset(names)


def _exists(path: str, doc: Path, sources: frozenset[str]) -> bool:
    if path in NOT_OURS:
        return True
    if re.fullmatch(r"[\w.-]+/", path):
        return any((base / path).is_dir() for base in FOLDER_BASES)
    if "/" not in path:
        return path in sources
    return any((base / path).exists() for base in [*BASES, doc.parent])


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_path_a_doc_names_exists(doc):
    if not doc.exists():
        pytest.skip(f"{doc.name} is optional")
    sources = _source_names()
    missing = [
        f"{where}: `{path}`"
        for where, line in _lines(doc)
        for path in sorted(_named_paths(line))
        if not _exists(path, doc, sources)
    ]
    assert missing == [], "these paths are named but do not exist (fix the doc, or the path): " + "; ".join(
        missing
    )


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_edge_function_a_doc_names_exists(doc):
    if not doc.exists():
        pytest.skip(f"{doc.name} is optional")
    functions = ROOT / "supabase" / "functions"
    missing = [
        f"{where}: /functions/v1/{name}"
        for where, line in _lines(doc)
        for name in FUNCTION_URL.findall(line)
        if not (functions / name).is_dir()
    ]
    assert missing == [], "no such Edge Function under supabase/functions/: " + "; ".join(missing)


def _command_paths() -> set[tuple[str, ...]]:
    import typer

    from stagefy_cli.cli import app
    from stagefy_cli.docgen import walk

    return {path for path, _command in walk(typer.main.get_command(app), ())}


def test_every_stagefy_command_a_doc_names_exists():
    commands = _command_paths()
    groups = {path[:-1] for path in commands if path}
    unknown = []
    for doc in DOCS:
        if not doc.exists():
            continue
        for where, line in _lines(doc):
            for match in STAGEFY.finditer(line):
                words = tuple(match.group(1).split())
                path: tuple[str, ...] = ()
                for word in words:
                    if path not in groups:
                        break  # a command: the rest are its arguments
                    if (*path, word) not in commands:
                        unknown.append(f"{where}: stagefy {' '.join((*path, word))}")
                        break
                    path = (*path, word)
    assert unknown == [], "these commands are named but do not exist (see docs/commands.md): " + "; ".join(
        unknown
    )


def _package_parts() -> list[str]:
    """Every module and package of stagefy_cli as the architecture table names it: `money.py`,
    `jobs/`, `local/gateway/`, `auth/` (a subpackage by its own name or its path)."""
    parts = []
    for path in sorted(PACKAGE.iterdir()):
        if path.name.startswith(("_", ".")):
            continue
        if path.is_file() and path.suffix == ".py":
            parts.append(path.name)
        elif (path / "__init__.py").exists():
            parts += [
                f"{init.parent.relative_to(PACKAGE).as_posix()}/"
                for init in sorted(path.rglob("__init__.py"))
            ]
    return parts


def test_every_module_has_its_place_in_the_architecture_table():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = "\n".join(line for line in text.splitlines() if line.startswith("| `"))
    named = set(CODE.findall(table))

    def placed(part: str) -> bool:
        if part in named:
            return True
        # A subpackage may be named from its parent's row: `auth/` in the `local/gateway/` row.
        tail = part.rstrip("/").split("/")
        return len(tail) > 1 and any(f"{'/'.join(tail[i:])}/" in named for i in range(1, len(tail)))

    missing = [part for part in _package_parts() if not placed(part)]
    assert missing == [], (
        "docs/architecture.md's table ('Where the code lives') does not place these parts of "
        f"stagefy_cli: add each, in backticks, to a row: {missing}"
    )
