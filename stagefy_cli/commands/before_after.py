"""`--preview` and `--open` (projects show, edit, projects watch): each result beside its original,
drawn in the terminal or opened as one comparison image in the system viewer.

PIL is imported only when one of the two is asked for, so `projects show` stays light.
"""

from __future__ import annotations

import sys
from typing import NamedTuple

MAX_COLUMNS = 160


class BeforeAfter(NamedTuple):  # NamedTuple, not a dataclass: dataclasses imports inspect
    draw: bool = False
    open: bool = False

    def __bool__(self) -> bool:
        return self.draw or self.open

    def check(self, as_json: bool, no_wait: bool = False) -> None:
        """Refuse a bad request up front (before anything is spent): --preview with --json, whose
        output owns stdout, either with --no-wait, which returns before there is a result, or an
        unknown STAGEFY_PREVIEW."""
        import os

        from stagefy_cli.errors import UsageError

        if self and no_wait:
            raise UsageError(
                "--preview and --open show the finished result; drop --no-wait, or run "
                "stagefy projects show ID --preview when it is done."
            )
        if self.draw and as_json:
            raise UsageError(
                "--preview draws on the terminal and cannot be combined with --json; use --open."
            )
        if self.draw:
            from stagefy_cli import terminal_image

            terminal_image.detect(os.environ)

    def show(self, ctx, project: dict) -> None:
        """Draw and/or open the before/after pictures of `project`'s photo results."""
        from stagefy_cli import render
        from stagefy_cli.services import preview

        count = len(preview.photo_results(project))
        if not count:
            render.notice(f"Project {project['id'][:8]} has no finished photo results to compare.")
            return
        protocol = _terminal_protocol() if self.draw else None
        if not protocol and not self.open:
            return
        row_height = preview.sheet_row_height(count)
        rows = []
        for pair in preview.pairs(ctx, project):
            if protocol:
                _draw(pair, protocol)
            if self.open:
                rows.append(pair.reduced(row_height))
        if self.open:
            from stagefy_cli.errors import StagefyError
            from stagefy_cli.viewer import open_file

            path = preview.save_sheet(project["id"], rows, row_height)
            try:
                open_file(path)
            except StagefyError as exc:  # the paid results are saved: a missing viewer is no failure
                render.notice(f"Warning: {exc.message}")
                return
            render.notice(f"Opened {path}")


def _terminal_protocol() -> str | None:
    import os

    from stagefy_cli import render, terminal_image

    if not render.stdout_is_tty():
        render.notice("Preview not drawn: the output is not a terminal (use --open).")
        return None
    protocol = terminal_image.detect(os.environ)
    if protocol is None:
        render.notice("Preview not drawn: this terminal shows no colour (TERM=dumb); use --open.")
    return protocol


def _draw(pair, protocol: str) -> None:
    import shutil

    from stagefy_cli import render, terminal_image
    from stagefy_cli.imaging.comparison import side_by_side

    size = shutil.get_terminal_size()
    cell_px = terminal_image.cell_pixels(sys.stdout)
    # Captions drawn into the picture are readable in real pixels only; blocks get the text line.
    picture = side_by_side(pair, min(720, pair.before.height), captions=protocol != "blocks")
    box = terminal_image.Box.fit(picture, min(size.columns - 1, MAX_COLUMNS), max(4, size.lines - 4), cell_px)
    render.emphasis(f"{pair.label}  before | after")
    terminal_image.draw(picture, protocol, box, sys.stdout)
