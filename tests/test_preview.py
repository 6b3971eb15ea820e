"""Before/after previews through the CLI against the stack, with a real worker's results: drawn in a
real pseudo-terminal as half-blocks or as kitty, iTerm2 or sixel images as the environment says,
nothing when piped, and a comparison image handed to the system viewer with --open."""

from __future__ import annotations

import base64
import fcntl
import io
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time

import pytest
from PIL import Image, ImageStat
from stagefy_testing import make_photo, run_cli

TERMINAL_VARIABLES = ("TERM", "TERM_PROGRAM", "LC_TERMINAL", "KITTY_WINDOW_ID", "TMUX", "COLORTERM")
HALF_BLOCKS = ("▄", "▀")


def run_in_terminal(args: list[str], terminal: dict[str, str], columns=100, lines=40, timeout=120):
    """`stagefy ARGS` with stdout on a pseudo-terminal of `columns` x `lines` and the terminal
    variables set to `terminal` only. Returns (exit code, what the terminal received, stderr)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in (*TERMINAL_VARIABLES, "COLUMNS", "LINES")}
    env.pop("STAGEFY_PREVIEW", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "stagefy_cli.entry", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
        env={**env, **terminal},
    )
    os.close(slave)
    received = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1)
        if not ready:
            continue
        try:
            data = os.read(master, 1 << 16)
        except OSError:  # EIO: the command exited and closed the terminal
            break
        if not data:
            break
        received += data
    os.close(master)
    stderr = proc.communicate(timeout=timeout)[1]
    return proc.returncode, received.decode("utf-8", "replace"), stderr.decode()


@pytest.fixture
def edited_project(signed_in_agent, job_worker, tmp_path):
    """A finished enhance of one photo (800x600), by a real worker; returns the project ID."""
    photo = make_photo(tmp_path / "front.jpg")
    submitted = run_cli(["edit", str(photo), "--type", "enhance", "--yes", "--no-wait", "--json"])
    assert submitted.exit_code == 8, submitted.stderr
    job_worker(start=False).run(once=True)
    return submitted.json()["project_id"]


def decode_sixel(body: str, width: int, height: int) -> Image.Image:
    """Paint sixel data (palette `#n;2;r;g;b`, colour select `#n`, repeat `!N`, `$`, `-`) onto a
    magenta canvas: any pixel left magenta was never drawn."""
    canvas = Image.new("RGB", (width, height), (255, 0, 255))
    palette, colour, x, top = {}, (0, 0, 0), 0, 0
    for match in re.finditer(r"#(\d+);2;(\d+);(\d+);(\d+)|#(\d+)|!(\d+)(.)|([$-])|([?-~])", body):
        define, select, count, repeated, control, single = (match[n] for n in (1, 5, 6, 7, 8, 9))
        if define is not None:
            palette[int(define)] = tuple(round(int(match[n]) * 255 / 100) for n in (2, 3, 4))
        elif select is not None:
            colour = palette[int(select)]
        elif control is not None:
            x, top = (0, top) if control == "$" else (0, top + 6)
        else:
            char, times = (repeated, int(count)) if count else (single, 1)
            bits = ord(char) - 63
            for dx in range(times):
                for row in range(6):
                    if bits >> row & 1 and top + row < height:
                        canvas.putpixel((x + dx, top + row), colour)
            x += times
    return canvas


def assert_original_on_the_left(picture: Image.Image) -> None:
    """The left half shows the original photo: its wall colour (170, 140, 110) above the stripes."""
    wall = picture.convert("RGB").crop(
        (picture.width // 8, picture.height // 3, picture.width // 4, picture.height // 2 - 2)
    )
    mean = ImageStat.Stat(wall).mean
    assert all(abs(m - e) < 12 for m, e in zip(mean, (170, 140, 110), strict=True)), mean


def _png_images(payloads: list[str]) -> Image.Image:
    return Image.open(io.BytesIO(base64.standard_b64decode("".join(payloads))))


def test_terminal_without_graphics_gets_half_blocks(edited_project):
    for terminal in ({"TERM": "xterm-256color"}, {}):  # nothing said about the terminal: blocks too
        code, screen, stderr = run_in_terminal(
            ["projects", "show", edited_project[:8], "--preview"], terminal
        )
        assert code == 0, stderr
        assert "front.jpg · enhance" in screen
        assert sum(screen.count(block) for block in HALF_BLOCKS) > 500
        assert "\x1b_G" not in screen and "\x1b]1337" not in screen and "\x1bP" not in screen


@pytest.mark.slow  # three CLI runs in a pseudo-terminal and a sixel decoded (about 13 s on a busy machine)
def test_kitty_iterm2_and_sixel_terminals_get_real_pixels(edited_project):
    ref = edited_project[:8]
    code, screen, stderr = run_in_terminal(["projects", "show", ref, "--preview"], {"TERM": "xterm-kitty"})
    assert code == 0, stderr
    chunks = re.findall(r"\x1b_G([^;]*);([A-Za-z0-9+/=]*)\x1b\\", screen)
    assert chunks and chunks[0][0].startswith("a=T,f=100,") and chunks[-1][0].endswith("m=0")
    picture = _png_images([data for _, data in chunks])
    assert picture.format == "PNG"
    assert 2.0 < picture.width / picture.height < 2.8  # two 4:3 photos side by side
    assert_original_on_the_left(picture)
    assert not any(block in screen for block in HALF_BLOCKS)

    code, screen, stderr = run_in_terminal(
        ["projects", "show", ref, "--preview"], {"TERM": "xterm-256color", "TERM_PROGRAM": "iTerm.app"}
    )
    assert code == 0, stderr
    [(size, data)] = re.findall(r"\x1b\]1337;File=inline=1;size=(\d+);[^:]*:([A-Za-z0-9+/=]+)\x07", screen)
    assert len(base64.standard_b64decode(data)) == int(size)
    assert_original_on_the_left(_png_images([data]))

    code, screen, stderr = run_in_terminal(["projects", "show", ref, "--preview"], {"TERM": "foot"})
    assert code == 0, stderr
    sixel = re.search(r'\x1bP0;1q"1;1;(\d+);(\d+)(.*?)\x1b\\', screen, re.S)
    assert sixel and int(sixel[1]) > 2 * int(sixel[2])
    painted = decode_sixel(sixel[3], int(sixel[1]), int(sixel[2]))
    assert (255, 0, 255) not in {colour for _, colour in painted.getcolors(1 << 20)}  # every pixel drawn
    assert_original_on_the_left(painted)


def test_piped_output_has_no_picture_and_json_refuses_preview(edited_project):
    piped = run_cli(["projects", "show", edited_project[:8], "--preview"], env={"TERM": "xterm-kitty"})
    assert piped.exit_code == 0, piped.stderr
    assert "\x1b" not in piped.stdout
    assert not any(block in piped.stdout for block in HALF_BLOCKS)
    assert "Preview not drawn: the output is not a terminal (use --open)." in piped.stderr

    refused = run_cli(["projects", "show", edited_project[:8], "--preview", "--json"])
    assert refused.exit_code == 2
    assert refused.stdout == ""
    assert "--preview draws on the terminal and cannot be combined with --json" in refused.stderr

    bad = run_cli(["projects", "show", edited_project[:8], "--preview"], env={"STAGEFY_PREVIEW": "vt52"})
    assert bad.exit_code == 2
    assert bad.stderr.startswith(
        "Error: STAGEFY_PREVIEW 'vt52' is not one of: kitty, iterm2, sixel, blocks, off."
    )


def test_open_hands_a_comparison_image_to_the_viewer(edited_project, tmp_path, monkeypatch):
    record = tmp_path / "viewer-called-with"
    viewer = tmp_path / "record-viewer"
    viewer.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{record}.tmp" && mv "{record}.tmp" "{record}"\n')
    viewer.chmod(0o755)
    monkeypatch.setenv("STAGEFY_VIEWER", str(viewer))

    result = run_cli(["projects", "show", edited_project[:8], "--open", "--json"])
    assert result.exit_code == 0, result.stderr
    assert result.json()["id"] == edited_project  # --json output untouched
    deadline = time.monotonic() + 30
    while not record.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    opened = record.read_text()
    assert opened.endswith(f"{edited_project[:8]}.before-after.jpg")
    assert f"Opened {opened}" in result.stderr
    with Image.open(opened) as sheet:
        assert sheet.format == "JPEG"
        assert sheet.width > 2 * 0.9 * sheet.height  # before and after side by side, with a caption row
        left, right = (
            sheet.crop((0, sheet.height // 2, 40, sheet.height // 2 + 40)),
            sheet.crop((sheet.width - 40, sheet.height // 2, sheet.width, sheet.height // 2 + 40)),
        )
        assert left.getextrema() != ((24, 24), (24, 24), (24, 24))  # photos, not background
        assert right.getextrema() != ((24, 24), (24, 24), (24, 24))


def test_edit_with_preview_draws_the_result_when_done(signed_in_agent, local_worker, tmp_path):
    photo = make_photo(tmp_path / "garden.jpg", color=(70, 130, 80))
    code, screen, stderr = run_in_terminal(
        ["edit", str(photo), "--type", "enhance", "--yes", "--preview", "--timeout", "90"],
        {"TERM": "xterm-256color"},
    )
    assert code == 0, stderr
    assert str(tmp_path / "garden.enhance.jpg") in screen
    assert "garden.jpg · enhance" in screen
    assert sum(screen.count(block) for block in HALF_BLOCKS) > 500


def test_projects_show_without_preview_imports_no_imaging(edited_project):
    code = (
        "import sys; sys.argv = ['stagefy', 'projects', 'show', sys.argv[1]]\n"
        "from stagefy_cli.entry import main\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert not exit.code, exit.code\n"
        "print('HEAVY', [m for m in ('PIL', 'numpy', 'rich_pixels') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, edited_project[:8]], capture_output=True, text=True, timeout=120
    )
    assert "HEAVY []" in out.stdout, (out.stdout, out.stderr)


def test_preview_with_no_wait_is_refused_before_anything_is_spent(signed_in_agent, cli_stack, tmp_path):
    photo = make_photo(tmp_path / "hall.jpg")
    args = ["edit", str(photo), "--type", "enhance", "--yes", "--no-wait", "--preview"]
    result = run_cli(args)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --preview and --open show the finished result; drop --no-wait")
    assert run_cli(["credits", "balance", "--json"]).json()["credits"] == 50
    assert run_cli(["projects", "list", "--json"]).json() == []
