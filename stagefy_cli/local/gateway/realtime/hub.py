"""Deliver committed `realtime.messages` rows to the sockets joined to their topic.

Hosted Realtime reads new rows from the write-ahead log; the embedded stack's trigger NOTIFYs them on
`stagefy_realtime` (see `sql/bootstrap_realtime.sql`), and one thread here LISTENs and hands each to
the event loop. NOTIFY is sent at commit, so a rolled-back message (Realtime's own authorisation
probe, a failed transaction) is never delivered, as on hosted.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

CHANNEL = "stagefy_realtime"
APPLICATION = "stagefy-realtime"  # how its one listening connection shows in pg_stat_activity
RECONNECT_SECONDS = 1.0
# Hosted Realtime keeps `realtime.messages` in daily partitions and drops those older than three
# days; the embedded stack keeps one partition, so the listening thread deletes what is older, at its
# start and hourly after.
RETENTION = "3 days"
PRUNE_EVERY_S = 3600.0
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivered:
    """One message for the sockets: its topic (without `realtime:`), whether it is private, its
    event, payload and id."""

    topic: str
    private: bool
    event: str
    payload: object
    id: str


@dataclass(frozen=True, eq=False)
class _Subscriber:
    deliver: Callable[[Delivered], None]
    loop: asyncio.AbstractEventLoop  # the socket's: deliveries are its calls, made on its loop


@dataclass
class Hub:
    """Who listens to what, and the thread that feeds them. `subscribe` returns a function that
    unsubscribes; each subscriber is called on its own event loop (apps served by several servers
    may share a hub) with every message of its topic and privacy."""

    dsn: str
    _subscribers: dict[tuple[str, bool], set[_Subscriber]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)  # loops subscribe, the thread reads
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def subscribe(
        self, topic: str, private: bool, deliver: Callable[[Delivered], None]
    ) -> Callable[[], None]:
        self._start()
        key = (topic, private)
        subscriber = _Subscriber(deliver, asyncio.get_running_loop())
        with self._lock:
            self._subscribers.setdefault(key, set()).add(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                listeners = self._subscribers.get(key)
                if listeners is not None:
                    listeners.discard(subscriber)
                    if not listeners:
                        del self._subscribers[key]

        return unsubscribe

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _start(self) -> None:
        """The listening thread starts with the first subscriber (a stack nobody subscribes to holds
        no extra connection); it waits until it listens, so nothing committed after a join is lost."""
        with self._lock:
            if self._thread is not None:
                return
            listening = threading.Event()
            self._thread = threading.Thread(
                target=self._listen, args=(listening,), name="stagefy-realtime", daemon=True
            )
            self._thread.start()
        listening.wait(timeout=5)

    def _listen(self, listening: threading.Event) -> None:
        next_prune = 0.0
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.dsn, autocommit=True, application_name=APPLICATION) as conn:
                    conn.execute(f"listen {CHANNEL}")
                    listening.set()
                    while not self._stop.is_set():
                        if time.monotonic() >= next_prune:
                            _prune(conn)
                            next_prune = time.monotonic() + PRUNE_EVERY_S
                        for notice in conn.notifies(timeout=1.0):
                            message = self._message(conn, notice.payload)
                            if message is not None:
                                self._dispatch(message)
            except psycopg.Error as exc:
                log.warning("realtime notices lost (%s); listening again", exc)
                self._stop.wait(RECONNECT_SECONDS)

    @staticmethod
    def _message(conn: psycopg.Connection, text: str) -> Delivered | None:
        row = json.loads(text)
        if row.get("extension") != "broadcast":
            return None
        if row.get("large"):  # past NOTIFY's 8000 bytes: read the row
            found = conn.execute(
                "select event, payload from realtime.messages where id = %s", (row["id"],)
            ).fetchone()
            if found is None:
                return None
            row["event"], row["payload"] = found
        return Delivered(
            row["topic"], bool(row["private"]), row.get("event") or "", row.get("payload"), row["id"]
        )

    def _dispatch(self, message: Delivered) -> None:
        with self._lock:
            subscribers = list(self._subscribers.get((message.topic, message.private), ()))
        for subscriber in subscribers:
            try:
                subscriber.loop.call_soon_threadsafe(subscriber.deliver, message)
            except RuntimeError:  # its loop has closed: the socket went with it
                continue


def _prune(conn: psycopg.Connection) -> None:
    """Delete the messages older than RETENTION (see there). A failure is logged, not raised: it
    must not stop the deliveries, and the next round tries again."""
    try:
        conn.execute(f"delete from realtime.messages where inserted_at < now() - interval '{RETENTION}'")
    except psycopg.Error as exc:
        log.warning("old realtime messages not deleted (%s)", exc)
