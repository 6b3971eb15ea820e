"""Saving files from Storage to disk: the one policy of every command that downloads.

- Every name is chosen before anything downloads, so a bad ID stops the command with nothing done.
- A file is streamed into a temp file in its target folder and renamed when complete: a download
  that fails or is interrupted leaves no truncated file, and a large video never sits in memory.
- Nothing on disk is overwritten unless `force`: a taken name (on disk, chosen for an earlier file
  of the same command, or appearing while the download ran) gets `-2`, `-3`, ... With `force` the
  file replaces the one of its name in one rename.
- Files download a few at a time.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass
from pathlib import Path

from stagefy_cli.backend.storage import MEDIA_BUCKET
from stagefy_cli.errors import NotFound, UsageError

THREADS = 8
MAX_SUFFIX = 10_000


@dataclass(frozen=True)
class Download:
    """One object of the `media` bucket to save as `target`; `what` names it in errors."""

    object_path: str
    target: Path
    what: str
    size: int | None = None


def unique_path(path: Path, taken: Set[Path] = frozenset()) -> Path:
    """`path` if free, else `name-2.ext`, `name-3.ext`, ...: nothing on disk (nor any path in
    `taken`, chosen for a download still to come) is ever overwritten."""
    if not path.exists() and path not in taken:
        return path
    for n in range(2, MAX_SUFFIX):
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not candidate.exists() and candidate not in taken:
            return candidate
    raise UsageError(f"too many files named like {path}.")


def choose_targets(paths: Sequence[Path], force: bool) -> list[Path]:
    """The file each of `paths` is saved as: itself, or with `-2`, `-3` when the name is taken on
    disk (unless `force`) or by an earlier path of the same list (always)."""
    chosen: list[Path] = []
    taken: set[Path] = set()
    for path in paths:
        target = path if force and path not in taken else unique_path(path, taken)
        taken.add(target)
        chosen.append(target)
    return chosen


Progress = Callable[[Download, int, int | None], None]


def save_outputs(
    ctx, downloads: Sequence[Download], *, force: bool = False, progress: Progress | None = None
) -> list[Path]:
    """Save each download (in parallel); the paths written, in order. `progress(download,
    received, total)` reports each file's bytes as they arrive."""
    if len(downloads) <= 1:
        return [_save(ctx, item, force, progress) for item in downloads]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(THREADS, len(downloads))) as pool:
        return list(pool.map(lambda item: _save(ctx, item, force, progress), downloads))


def _save(ctx, item: Download, force: bool, progress: Progress | None) -> Path:
    from stagefy_cli.backend.api_errors import ApiError

    try:
        with ctx.rest.storage.from_(MEDIA_BUCKET).open(item.object_path) as answer:
            total = int(answer.headers.get("content-length") or 0) or item.size
            item.target.parent.mkdir(parents=True, exist_ok=True)
            # hidden, and unique to this download (the user's umask applies, as for any file)
            part = item.target.with_name(f".{item.target.name}.{os.urandom(4).hex()}.part")
            try:
                with part.open("xb") as out:
                    received = 0
                    for chunk in answer.chunks():
                        out.write(chunk)
                        received += len(chunk)
                        if progress:
                            progress(item, received, total)
                return install(part, item.target, force)
            finally:
                part.unlink(missing_ok=True)
    except ApiError as exc:
        if exc.service == "storage" and exc.status == 404:
            raise NotFound(f"{item.what} is missing from storage.") from exc
        raise


def install(part: Path, target: Path, force: bool) -> Path:
    """Give the finished temp file its name: replacing a file of that name only when `force`."""
    if force:
        os.replace(part, target)
        return target
    while True:
        try:
            os.link(part, target)  # fails if the name exists: no window to overwrite a file in
            return target
        except FileExistsError:
            target = unique_path(target)
        except OSError:  # a file system without hard links
            target = unique_path(target)
            os.replace(part, target)
            return target
