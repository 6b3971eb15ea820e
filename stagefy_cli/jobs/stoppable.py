"""Run CPU-bound rendering in a child process the worker can stop.

A thread cannot be stopped from outside, and a render given hostile input (or simply a huge video)
could run past its job's time limit or keep a shutting-down worker alive. A child process can be
killed: `run_stoppable` starts one per render from a fork server (which has the renderers imported
already, so a start costs milliseconds), waits for its answer, and kills it as soon as the job is
stopped (cancelled, lease lost, past its time limit, worker shutting down).
"""

from __future__ import annotations

import multiprocessing
import pickle
import threading
from collections.abc import Callable
from typing import Any

from stagefy_cli.errors import StagefyError
from stagefy_cli.jobs import JobStopped

PRELOAD = [
    "stagefy_cli.imaging.templates.render",
    "stagefy_cli.imaging.video.render",
    "stagefy_cli.jobs.render_tasks",
]
POLL_SECONDS = 0.1

_context_lock = threading.Lock()
_context: multiprocessing.context.BaseContext | None = None


def _mp_context():
    """The fork-server context (safe in a threaded parent, unlike a plain fork), prepared once;
    `spawn` where there is no fork server (Windows)."""
    global _context
    with _context_lock:
        if _context is None:
            if "forkserver" in multiprocessing.get_all_start_methods():
                forkserver = multiprocessing.get_context("forkserver")
                forkserver.set_forkserver_preload(PRELOAD)
                _context = forkserver
            else:
                _context = multiprocessing.get_context("spawn")
        return _context


def _child(conn, function: Callable, args: tuple) -> None:
    try:
        result = (True, function(*args))
    except StagefyError as exc:
        result = (False, (type(exc).__name__, exc.message))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which logs and fails the job
        result = (False, ("Exception", f"{type(exc).__name__}: {exc}"))
    try:
        conn.send(result)
    except (pickle.PicklingError, TypeError) as exc:
        conn.send((False, ("Exception", f"the render's result could not be returned: {exc}")))
    finally:
        conn.close()


class RenderFailed(StagefyError):
    """The render in the child process raised; the message is the child's."""


def run_stoppable(stop: threading.Event, function: Callable, *args) -> Any:
    """`function(*args)` in a child process; its result, or RenderFailed with its error message.

    `function` must be importable by name (a module-level function) and its arguments and result
    picklable. Raises JobStopped (after killing the child) once `stop` is set.
    """
    context = _mp_context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, function, args), daemon=True)
    process.start()
    sender.close()
    try:
        while True:
            if stop.is_set():
                raise JobStopped("stopped while rendering")
            if receiver.poll(POLL_SECONDS):
                try:
                    ok, value = receiver.recv()
                except EOFError:
                    ok, value = False, ("Exception", "the renderer stopped without an answer")
                if ok:
                    return value
                raise RenderFailed(value[1])
            if not process.is_alive() and not receiver.poll():
                raise RenderFailed(f"the renderer stopped unexpectedly (exit code {process.exitcode})")
    finally:
        if process.is_alive():
            process.kill()
        process.join(timeout=5)
        receiver.close()
