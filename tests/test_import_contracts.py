"""The import contracts (`lint-imports`, run by scripts/test) cover the whole package, and "nothing
below the commands prints" holds for what an import contract cannot see: a new module left out of
the layers, or a new command group out of the independence contract, could import anything
unnoticed; a `print` in a service would write into a command's `--json` answer."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from stagefy_cli.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "stagefy_cli"
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
LAYERS = next(c for c in CONTRACTS if c["type"] == "layers")["layers"]
# The layer of the renderer and its terminal helpers: the ones below it must not print.
RENDER_LAYER = next(i for i, layer in enumerate(LAYERS) if "stagefy_cli.render" in layer.split(" | "))


def _layer_modules(layers: list[str]) -> set[str]:
    return {name.strip() for layer in layers for name in layer.replace(":", "|").split("|")}


def _modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its `__init__`), the root excluded."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if len(parts) > 1:
            found[".".join(parts)] = path
    return found


def _within(module: str, containers: set[str]) -> bool:
    return any(module == c or module.startswith(c + ".") for c in containers)


def test_every_command_group_is_in_the_independence_contract():
    independent = next(c for c in CONTRACTS if c["type"] == "independence")
    assert sorted(independent["modules"]) == sorted(module for module, _ in COMMANDS.values())


def test_every_module_is_in_a_layer():
    layered = _layer_modules(LAYERS)
    outside = sorted(m for m in _modules() if not _within(m, layered))
    assert outside == [], f"add these modules to a layer of the layers contract in pyproject.toml: {outside}"


def _layer_of(module: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if _within(module, _layer_modules([layer])))


def test_every_ignored_import_goes_up_a_layer():
    """lint-imports fails on an ignore that matches no import; this fails on one that matches an
    import the contracts allow anyway, which would hide a later upward import between the same
    modules. The cycle contract ignores the same imports: an upward import is what closes a loop."""
    contract = next(c for c in CONTRACTS if c["type"] == "layers")
    ignored = [line.split(" -> ") for line in contract["ignore_imports"]]
    downward = [f"{a} -> {b}" for a, b in ignored if _layer_of(b) >= _layer_of(a)]
    assert downward == [], (
        f"these ignored imports do not go up a layer: drop them from pyproject.toml: {downward}"
    )
    acyclic = next(c for c in CONTRACTS if c["type"] == "acyclic_siblings")
    assert sorted(acyclic["ignore_imports"]) == sorted(contract["ignore_imports"])


def test_the_no_printing_contract_names_every_layer_below_the_commands():
    forbidden = next(c for c in CONTRACTS if c["type"] == "forbidden" and "rich" in c["forbidden_modules"])
    assert sorted(forbidden["source_modules"]) == sorted(_layer_modules(LAYERS[RENDER_LAYER + 1 :]))


STREAMS = {"stdout", "stderr", "__stdout__", "__stderr__"}


def _prints(tree: ast.AST) -> list[tuple[int, str]]:
    """Where a module prints or reaches the process's standard streams."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "print":
            found.append((node.lineno, "print"))
        elif isinstance(node, ast.Attribute) and node.attr in STREAMS | {"print"}:
            if isinstance(node.value, ast.Name) and node.value.id in {"sys", "builtins"}:
                found.append((node.lineno, f"{node.value.id}.{node.attr}"))
        elif isinstance(node, ast.ImportFrom) and node.module in {"sys", "builtins"}:
            names = {alias.name for alias in node.names} & (STREAMS | {"print"})
            found += [(node.lineno, f"from {node.module} import {name}") for name in sorted(names)]
        elif (
            isinstance(node, ast.Call)
            and ast.unparse(node.func) == "os.write"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value in (1, 2)
        ):
            found.append((node.lineno, "os.write to fd 1 or 2"))
    return found


def test_nothing_below_the_commands_prints():
    """Services, the backend, the worker and everything under them return values or raise; what the
    user sees is the commands' job (the backend's own notices go through `backend.notices`)."""
    below = _layer_modules(LAYERS[RENDER_LAYER + 1 :])
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for module, path in _modules().items()
        if _within(module, below)
        for line, what in _prints(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == [], (
        "below the commands nothing prints (return a value, or use backend.notices): " + "; ".join(offenders)
    )


def test_the_print_check_sees_each_way_of_printing():
    sources = [
        "print('x')",
        "import sys\nsys.stdout.write('x')",
        "import sys\nsys.stderr.write('x')",
        "import sys\nlog(file=sys.stderr)",
        "from sys import stderr",
        "import builtins\nbuiltins.print('x')",
        "import os\nos.write(2, b'x')",
    ]
    assert [bool(_prints(ast.parse(source))) for source in sources] == [True] * len(sources)
    assert _prints(ast.parse("import logging\nlogging.getLogger('x').info('fine')\nprinted = 1")) == []
