"""The work of the everyday read commands, in modules that do not import Typer.

Each command's options are declared once, on its Typer command in its group's module; its work is a
function here with the same parameters, wired with `runs`. The fast path (fast_path.py) parses the
command line from a generated index of those declarations and calls the function here directly, so
an everyday read never imports Typer.
"""

from __future__ import annotations

import functools


def runs(work):
    """Make the decorated Typer command (its signature and docstring: the declarations) run `work`,
    a function of the same parameters in a module without Typer, named on the command for the index."""

    def declare(command):
        @functools.wraps(command)
        def run(**params):
            return work(**params)

        run.work = f"{work.__module__}:{work.__qualname__}"
        return run

    return declare
