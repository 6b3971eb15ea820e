"""Blocking work (psycopg, file I/O) off the event loop, on the gateway's own pool of threads.

`loop.run_in_executor` rather than Starlette's `run_in_threadpool` (anyio's `to_thread`): anyio's
capacity limiter and cancel scopes cost about 0.2 ms of CPU per hand-off on these machines, a sixth
of a small API request, and every request of the gateway makes one.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from concurrent.futures import ThreadPoolExecutor

# More than the database pool's connections, so a request waiting for a connection never keeps
# file work (an upload's chunks) from a thread.
_POOL = ThreadPoolExecutor(max_workers=32, thread_name_prefix="stagefy-gateway")


async def run_blocking(function, *args):
    """`function(*args)` on a gateway thread, with the caller's context variables."""
    call = functools.partial(contextvars.copy_context().run, function, *args)
    return await asyncio.get_running_loop().run_in_executor(_POOL, call)
