"""`/realtime/v1/websocket`: Supabase Realtime's Phoenix channel protocol, for private broadcasts.

What supabase-py's and supabase-js's realtime clients use of it: the socket opens with the project's
API key (`?apikey=...&vsn=1.0.0`, or `2.0.0` for the array encoding); `heartbeat` on topic `phoenix`;
`phx_join` on `realtime:<topic>` with `config.private` and the user's `access_token`, answered by a
`phx_reply` (ok, or an error with Realtime's reason); `broadcast` pushes of each message written to
the topic, `{type, event, payload, meta: {id}}`; `access_token` to hand over a refreshed token;
`phx_leave`. A private channel is joined only when the user's claims can read its topic through the
row level security on `realtime.messages` (see `authorize.py`), checked at join and at each new
token; a channel whose token expires is closed with a `system` error, as Realtime does.

Not served (answered with an error, never silently accepted): Postgres Changes, Presence and
broadcasts sent by clients. Stagefy uses none of them.
"""

from __future__ import annotations

import asyncio
import json
import time

from starlette.websockets import WebSocket, WebSocketDisconnect

from stagefy_cli.local.gateway.context import InvalidToken
from stagefy_cli.local.gateway.realtime.authorize import can_read
from stagefy_cli.local.gateway.realtime.hub import Delivered
from stagefy_cli.local.gateway.threads import run_blocking

PREFIX = "realtime:"


def _encode(vsn: str, topic: str, event: str, payload, ref=None, join_ref=None) -> str:
    if vsn.startswith("2"):
        return json.dumps([join_ref, ref, topic, event, payload])
    return json.dumps({"topic": topic, "event": event, "payload": payload, "ref": ref, "join_ref": join_ref})


def _decode(vsn: str, text: str) -> tuple[str, str, dict, str | None, str | None]:
    """(topic, event, payload, ref, join_ref) of a client's frame."""
    frame = json.loads(text)
    if isinstance(frame, list):
        join_ref, ref, topic, event, payload = frame
    else:
        topic, event, payload = frame["topic"], frame["event"], frame.get("payload")
        ref, join_ref = frame.get("ref"), frame.get("join_ref")
    return str(topic), str(event), payload if isinstance(payload, dict) else {}, ref, join_ref


class _Refused(Exception):
    """A join or token Realtime would refuse; the text is its reason."""


class _Channel:
    def __init__(self, topic: str, join_ref: str | None, private: bool, claims: dict):
        self.topic = topic
        self.join_ref = join_ref
        self.private = private
        self.claims = claims
        self.unsubscribe = lambda: None


class Connection:
    """One client's socket: its channels, and one queue of frames to send (written by one task)."""

    def __init__(self, websocket: WebSocket, api_key: str, vsn: str):
        self.websocket = websocket
        self.app_state = websocket.app.state
        self.api_key = api_key
        self.vsn = vsn
        self.channels: dict[str, _Channel] = {}
        self.outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self.headers = {k.lower(): v for k, v in websocket.headers.items() if k.lower() != "authorization"}

    def push(self, topic: str, event: str, payload, ref=None, join_ref=None) -> None:
        self.outbox.put_nowait(_encode(self.vsn, topic, event, payload, ref, join_ref))

    def reply(self, topic: str, ref, join_ref, status: str, response: dict) -> None:
        self.push(topic, "phx_reply", {"status": status, "response": response}, ref, join_ref)

    async def run(self) -> None:
        writer = asyncio.create_task(self._write())
        try:
            while True:
                text = await self.websocket.receive_text()
                try:
                    topic, event, payload, ref, join_ref = _decode(self.vsn, text)
                except (ValueError, KeyError, TypeError):
                    continue  # Phoenix drops frames it cannot decode
                await self._handle(topic, event, payload, ref, join_ref)
        except WebSocketDisconnect:
            pass
        finally:
            for channel in self.channels.values():
                channel.unsubscribe()
            self.outbox.put_nowait(None)
            await writer

    async def _write(self) -> None:
        while (frame := await self.outbox.get()) is not None:
            try:
                await self.websocket.send_text(frame)
            except (WebSocketDisconnect, RuntimeError):
                return

    async def _handle(self, topic: str, event: str, payload: dict, ref, join_ref) -> None:
        if topic == "phoenix" and event == "heartbeat":
            self.reply(topic, ref, None, "ok", {})
        elif event == "phx_join":
            await self._join(topic, payload, ref, join_ref or ref)
        elif topic not in self.channels:
            self.reply(topic, ref, join_ref, "error", {"reason": "unmatched topic"})
        elif event == "phx_leave":
            self._close(self.channels.pop(topic), ref)
        elif event == "access_token":
            await self._new_token(self.channels[topic], payload.get("access_token"))
        elif ref is not None:
            self.reply(topic, ref, join_ref, "error", {"reason": f"{event} is not served by the local stack"})

    async def _join(self, topic: str, payload: dict, ref, join_ref) -> None:
        sub_topic = topic[len(PREFIX) :] if topic.startswith(PREFIX) else ""
        config = payload.get("config") or {}
        try:
            if not sub_topic:
                raise _Refused("TopicNameRequired: You must provide a topic name")
            if config.get("postgres_changes"):
                raise _Refused("PostgresChangesNotServed: the local stack serves broadcasts only")
            private = bool(config.get("private"))
            claims = self._claims(payload.get("access_token") or self.api_key)
            if private and not await run_blocking(
                can_read, self.app_state.ctx.db, sub_topic, claims, self.headers
            ):
                raise _Refused(
                    f"Unauthorized: You do not have permissions to read from this Channel topic: {sub_topic}"
                )
        except _Refused as refused:
            self.reply(topic, ref, join_ref, "error", {"reason": str(refused)})
            return
        if topic in self.channels:  # a second join replaces the first, as in Phoenix
            self.channels.pop(topic).unsubscribe()
        channel = _Channel(topic, join_ref, private, claims)
        channel.unsubscribe = self.app_state.ctx.realtime.subscribe(
            sub_topic, private, lambda message: self._deliver(channel, message)
        )
        self.channels[topic] = channel
        self.reply(topic, ref, join_ref, "ok", {"postgres_changes": []})

    def _claims(self, token: str) -> dict:
        try:
            claims = self.app_state.ctx.decode_jwt(token)
        except InvalidToken as exc:
            if "expired" in str(exc).lower():
                raise _Refused("InvalidJWTToken: Token has expired") from exc
            raise _Refused("InvalidJWTToken: The token provided is not a valid JWT") from exc
        if "role" not in claims or not isinstance(claims.get("exp"), int):
            raise _Refused("InvalidJWTToken: Fields `role` and `exp` are required in JWT")
        return claims

    async def _new_token(self, channel: _Channel, token) -> None:
        try:
            claims = self._claims(str(token or ""))
            if channel.private and not await run_blocking(
                can_read, self.app_state.ctx.db, channel.topic[len(PREFIX) :], claims, self.headers
            ):
                raise _Refused("Unauthorized: You do not have permissions to read from this Channel topic")
        except _Refused as refused:
            self._shut(channel, str(refused))
            return
        channel.claims = claims

    def _deliver(self, channel: _Channel, message: Delivered) -> None:
        if channel.claims["exp"] < time.time():
            self._shut(channel, "InvalidJWTToken: Token has expired")
            return
        self.push(
            channel.topic,
            "broadcast",
            {
                "type": "broadcast",
                "event": message.event,
                "payload": message.payload,
                "meta": {"id": message.id},
            },
        )

    def _shut(self, channel: _Channel, reason: str) -> None:
        """Realtime's system error, then the channel closes."""
        if self.channels.get(channel.topic) is not channel:
            return
        del self.channels[channel.topic]
        self.push(
            channel.topic,
            "system",
            {
                "status": "error",
                "extension": "system",
                "message": reason,
                "channel": channel.topic[len(PREFIX) :],
            },
        )
        self._close(channel, None)

    def _close(self, channel: _Channel, ref) -> None:
        channel.unsubscribe()
        if ref is not None:
            self.reply(channel.topic, ref, channel.join_ref, "ok", {})
        self.push(channel.topic, "phx_close", {}, channel.join_ref, channel.join_ref)


def _key_jwt(ctx, api_key: str) -> str | None:
    """The JWT an API key stands for: a legacy key is one; a publishable or secret key stands for
    its role's (as the API gateway maps them); None for a key the project does not have."""
    if api_key.startswith("sb_"):
        return {
            ctx.keys.publishable_key: ctx.keys.anon_key,
            ctx.keys.secret_key: ctx.keys.service_role_key,
        }.get(api_key)
    try:
        ctx.decode_jwt(api_key)
    except InvalidToken:
        return None
    return api_key


async def endpoint(websocket: WebSocket) -> None:
    """Open a socket for a valid API key (anything else is refused at the handshake: HTTP 403)."""
    api_key = websocket.query_params.get("apikey") or websocket.headers.get("apikey") or ""
    key_jwt = _key_jwt(websocket.app.state.ctx, api_key)
    if key_jwt is None:
        await websocket.close(code=1008)
        return
    await websocket.accept()
    await Connection(websocket, key_jwt, websocket.query_params.get("vsn", "1.0.0")).run()
