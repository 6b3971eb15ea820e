"""Wake the local stack's worker the moment a job is queued, from PostgreSQL's LISTEN/NOTIFY.

The worker reaches the queue over HTTP and polls, backing off to a couple of seconds while the queue
is empty; an agent's single edit would spend most of its wait in that sleep. The local stack runs
next to its database, so it listens on the channel the `ai_jobs` trigger notifies and wakes the
worker instead. A lost connection only means polling until it is back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg

CHANNEL = "ai_jobs_queued"
RECONNECT_SECONDS = 1.0
log = logging.getLogger(__name__)


def wake_on_queued_jobs(dsn: str, wake: Callable[[], None], stop: threading.Event) -> threading.Thread:
    """Call `wake()` for every transaction that queued jobs, until `stop` is set (a daemon thread).
    Returns once it listens (or after a few seconds, when the database does not answer)."""
    listening = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True) as conn:
                    conn.execute(f"listen {CHANNEL}")
                    listening.set()
                    while not stop.is_set():
                        for _ in conn.notifies(timeout=1.0):
                            wake()
            except psycopg.Error as exc:
                log.warning("queue notices lost (%s); the worker polls until they are back", exc)
                stop.wait(RECONNECT_SECONDS)

    thread = threading.Thread(target=listen, name="stagefy-queue-notices", daemon=True)
    thread.start()
    listening.wait(5)
    return thread
