"""Follow one private Realtime channel from a background thread: Supabase Realtime's Phoenix protocol
(vsn 1.0.0), as supabase-py's realtime client speaks it, over `websockets`' synchronous client.

Why not supabase-py's client: it is asyncio-only and costs about 0.3 s of imports; a waiting command
needs one channel, joined with the user's token, heartbeats, and the broadcasts it receives. The
thread reports four things to `on_event(kind, data)`:

- `("joined", {})`: the channel is joined (again, after a reconnect): anything may have changed
  while it was not, so the caller reads once;
- `("broadcast", {"event": ..., "payload": ...})`: a message of the channel;
- `("down", {"reason": ...})`: the socket failed or closed; it reconnects with backoff;
- `("refused", {"reason": ...})`: Realtime refused the join (no policy, Realtime off, a bad key);
  the thread stops: nothing will be pushed, the caller polls.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from websockets.sync.connection import Connection

HEARTBEAT_S = 25.0  # what Realtime's clients send; the server drops a socket silent for 60 s
JOIN_TIMEOUT_S = 5.0
RECONNECT_FIRST_S = 0.5
RECONNECT_MAX_S = 10.0


def websocket_url(api_url: str, api_key: str) -> str:
    base = api_url.rstrip("/").replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    from urllib.parse import urlencode

    return f"{base}/realtime/v1/websocket?{urlencode({'apikey': api_key, 'vsn': '1.0.0'})}"


class _Refused(Exception):
    pass


class ChannelFeed:
    """`start()` the thread, `wait_joined(seconds)` for the first join, `close()` when done."""

    def __init__(
        self, url: str, topic: str, access_token: Callable[[], str], on_event: Callable[[str, dict], None]
    ):
        self.url = url
        self.topic = f"realtime:{topic}"
        self.access_token = access_token
        self.on_event = on_event
        self._stop = threading.Event()
        self._joined = threading.Event()
        self._settled = threading.Event()  # joined or given up: wait_joined returns
        self._socket: Connection | None = None
        self._thread = threading.Thread(target=self._run, name="stagefy-realtime", daemon=True)

    def start(self) -> ChannelFeed:
        self._thread.start()
        return self

    def wait_joined(self, seconds: float) -> bool:
        self._settled.wait(seconds)
        return self._joined.is_set()

    def close(self) -> None:
        self._stop.set()
        socket = self._socket
        if socket is not None:
            with contextlib.suppress(Exception):  # closing a socket that already failed
                socket.close()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        backoff = RECONNECT_FIRST_S
        while not self._stop.is_set():
            try:
                self._follow()
                backoff = RECONNECT_FIRST_S
            except _Refused as refused:
                self._settled.set()
                self.on_event("refused", {"reason": str(refused)})
                return
            except Exception as exc:  # noqa: BLE001 - any failure of the socket means reconnect
                if self._stop.is_set():
                    return
                self._settled.set()
                self.on_event("down", {"reason": f"{type(exc).__name__}: {exc}"})
            self._stop.wait(backoff)
            backoff = min(backoff * 2, RECONNECT_MAX_S)

    def _follow(self) -> None:
        from websockets.sync.client import connect

        with connect(self.url, open_timeout=JOIN_TIMEOUT_S, close_timeout=0.1) as socket:
            self._socket = socket
            token = self.access_token()
            config = {
                "broadcast": {"ack": False, "self": False},
                "presence": {"enabled": False},
                "private": True,
            }
            self._send(socket, "phx_join", {"config": config, "access_token": token}, ref="1")
            self._await_join(socket)
            self._joined.set()
            self._settled.set()
            self.on_event("joined", {})
            self._listen(socket, token)

    def _send(
        self, socket, event: str, payload: dict, ref: str | None = None, topic: str | None = None
    ) -> None:
        frame = {
            "topic": topic or self.topic,
            "event": event,
            "payload": payload,
            "ref": ref,
            "join_ref": "1",
        }
        socket.send(json.dumps(frame))

    def _await_join(self, socket) -> None:
        deadline = time.monotonic() + JOIN_TIMEOUT_S
        while True:
            frame = json.loads(socket.recv(timeout=max(0.0, deadline - time.monotonic())))
            if (
                frame.get("topic") == self.topic
                and frame.get("event") == "phx_reply"
                and frame.get("ref") == "1"
            ):
                reply = frame.get("payload") or {}
                if reply.get("status") != "ok":
                    raise _Refused((reply.get("response") or {}).get("reason") or "the channel was refused")
                return

    def _listen(self, socket, token: str) -> None:
        beat = 1
        next_beat = time.monotonic() + HEARTBEAT_S
        while not self._stop.is_set():
            try:
                text = socket.recv(timeout=max(0.0, next_beat - time.monotonic()))
            except TimeoutError:
                beat += 1
                self._send(socket, "heartbeat", {}, ref=f"hb{beat}", topic="phoenix")
                fresh = self.access_token()
                if fresh != token:  # the session was refreshed: hand Realtime the new token
                    token = fresh
                    self._send(socket, "access_token", {"access_token": token})
                next_beat = time.monotonic() + HEARTBEAT_S
                continue
            frame = json.loads(text)
            if frame.get("topic") != self.topic:
                continue
            event = frame.get("event")
            if event == "broadcast":
                payload = frame.get("payload") or {}
                self.on_event("broadcast", {"event": payload.get("event"), "payload": payload.get("payload")})
            elif event in ("phx_close", "phx_error") or (
                event == "system" and (frame.get("payload") or {}).get("status") == "error"
            ):
                raise ConnectionError((frame.get("payload") or {}).get("message") or f"channel {event}")
