"""The local stack speaks Realtime: supabase-py's own realtime client joins its owner's private channel,
receives what the database broadcasts there, and is refused a channel that is not theirs."""

from __future__ import annotations

import asyncio
import uuid

import psycopg
import pytest
from realtime import AsyncRealtimeClient, RealtimeSubscribeStates

pytestmark = pytest.mark.timeout(60)


def _send(dsn: str, topic: str, event: str, payload: str, private: bool = True) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("select realtime.send(%s::jsonb, %s, %s, %s)", (payload, event, topic, private))


async def _join(stack, token: str, topic: str, received: list, states: list):
    client = AsyncRealtimeClient(f"{stack.url}/realtime/v1", stack.anon_key, auto_reconnect=False)
    await client.set_auth(token)
    channel = client.channel(topic, {"config": {"private": True}})
    channel.on_broadcast("*", received.append)
    await channel.subscribe(lambda state, error: states.append((state, error)))
    return client


async def _until(condition, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)


def test_an_agent_joins_their_private_channel_and_receives_its_broadcasts(stack, make_agent):
    agent = make_agent()
    token = agent.client.auth.get_session().access_token

    async def scenario():
        received, states = [], []
        client = await _join(stack, token, f"user:{agent.id}", received, states)
        assert states[0][0] == RealtimeSubscribeStates.SUBSCRIBED
        await asyncio.to_thread(_send, stack.dsn, f"user:{agent.id}", "hello", '{"n": 1}')
        # a public message of the same topic is not delivered to a private channel
        await asyncio.to_thread(_send, stack.dsn, f"user:{agent.id}", "public", '{"n": 2}', False)
        await asyncio.to_thread(_send, stack.dsn, f"user:{agent.id}", "again", '{"n": 3}')
        await _until(lambda: len(received) >= 2)
        await asyncio.sleep(0.2)
        await client.close()
        return received

    received = asyncio.run(scenario())
    assert [(m["event"], m["payload"]["n"]) for m in received] == [("hello", 1), ("again", 3)]
    assert received[0]["meta"]["id"] == received[0]["payload"]["id"]  # realtime.send gives each an id


def test_an_agent_is_refused_another_agents_channel(stack, make_agent):
    agent, other = make_agent(), make_agent()
    token = agent.client.auth.get_session().access_token

    async def scenario():
        received, states = [], []
        client = await _join(stack, token, f"user:{other.id}", received, states)
        await asyncio.to_thread(_send, stack.dsn, f"user:{other.id}", "secret", '{"n": 1}')
        await asyncio.sleep(0.3)
        await client.close()
        return received, states

    received, states = asyncio.run(scenario())
    assert received == []
    state, error = states[0]
    assert state == RealtimeSubscribeStates.CHANNEL_ERROR
    assert "Unauthorized: You do not have permissions to read from this Channel topic" in str(error)


def test_the_anon_key_alone_cannot_join_a_private_channel(stack, make_agent):
    agent = make_agent()

    async def scenario():
        states: list = []
        client = await _join(stack, stack.anon_key, f"user:{agent.id}", [], states)
        await client.close()
        return states

    assert asyncio.run(scenario())[0][0] == RealtimeSubscribeStates.CHANNEL_ERROR


def test_a_socket_without_a_valid_api_key_is_refused_at_the_handshake(stack):
    import websockets.sync.client

    url = stack.url.replace("http://", "ws://") + "/realtime/v1/websocket?apikey=nonsense&vsn=1.0.0"
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        websockets.sync.client.connect(url, open_timeout=5)
    assert refused.value.response.status_code == 403


def test_project_changes_are_pushed_to_the_owner(stack, make_agent):
    """The trigger on projects: a submitted edit's project announces itself, counts without outputs."""
    agent = make_agent()
    token = agent.client.auth.get_session().access_token

    async def scenario():
        received, states = [], []
        client = await _join(stack, token, f"user:{agent.id}", received, states)
        with psycopg.connect(stack.dsn, autocommit=True) as conn:
            conn.execute(
                "insert into public.projects (user_id, name, type, status, output_data) "
                "values (%s, 'Pushed', 'photo_edit', 'processing', "
                '\'{"total": 2, "completed": 1, "outputs": ["a.jpg"]}\')',
                (agent.id,),
            )
            conn.execute("update public.projects set name = 'Renamed' where user_id = %s", (agent.id,))
            conn.execute("update public.projects set status = 'completed' where user_id = %s", (agent.id,))
        await _until(lambda: len(received) >= 2)
        await asyncio.sleep(0.2)
        await client.close()
        return received

    received = asyncio.run(scenario())
    assert [m["event"] for m in received] == ["project_changed", "project_changed"]  # the rename is not news
    first, last = (m["payload"] for m in received)
    assert first["status"] == "processing" and first["output_data"] == {"total": 2, "completed": 1}
    assert last["status"] == "completed"


def test_a_publishable_key_opens_the_socket_and_the_users_token_joins(stack, make_agent):
    agent = make_agent()
    token = agent.client.auth.get_session().access_token

    async def scenario():
        received, states = [], []
        client = AsyncRealtimeClient(
            f"{stack.url}/realtime/v1", stack.ctx.keys.publishable_key, auto_reconnect=False
        )
        await client.set_auth(token)
        channel = client.channel(f"user:{agent.id}", {"config": {"private": True}})
        channel.on_broadcast("*", received.append)
        await channel.subscribe(lambda state, error: states.append((state, error)))
        await asyncio.to_thread(_send, stack.dsn, f"user:{agent.id}", "hello", '{"n": 1}')
        await _until(lambda: received)
        await client.close()
        return received, states

    received, states = asyncio.run(scenario())
    assert states[0][0] == RealtimeSubscribeStates.SUBSCRIBED
    assert [m["event"] for m in received] == ["hello"]


def test_messages_older_than_three_days_are_deleted_as_hosted_realtime_drops_them(pg_dsn, tmp_path):
    """Hosted Realtime drops its daily partitions after three days; the local stack's listener
    deletes older messages when it starts (and hourly), and keeps the rest."""
    from stagefy_testing import PASSWORD, PASSWORD_COST

    from stagefy_cli.local.ephemeral import gateway

    topic = f"retention:{uuid.uuid4()}"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        for age in ("4 days", "2 days", "0 seconds"):
            conn.execute(
                "insert into realtime.messages (topic, extension, event, payload, private, inserted_at) "
                "values (%s, 'broadcast', %s, '{}', true, now() - %s::interval)",
                (topic, age, age),
            )

    def kept() -> list[str]:
        with psycopg.connect(pg_dsn) as conn:
            rows = conn.execute("select event from realtime.messages where topic = %s", (topic,))
            return sorted(event for (event,) in rows)

    with gateway(pg_dsn, tmp_path / "storage", password_cost=PASSWORD_COST) as fresh:
        client = fresh.client()
        email = f"retention-{uuid.uuid4().hex[:8]}@example.com"
        user = client.auth.sign_up({"email": email, "password": PASSWORD}).user
        token = client.auth.get_session().access_token

        async def listen_briefly():  # the first subscriber starts the listener
            received, states = [], []
            joined = await _join(fresh, token, f"user:{user.id}", received, states)
            assert states[0][0] == RealtimeSubscribeStates.SUBSCRIBED
            for _ in range(100):
                if len(kept()) < 3:
                    break
                await asyncio.sleep(0.05)
            await joined.close()

        asyncio.run(listen_briefly())

    assert kept() == ["0 seconds", "2 days"]


def test_another_app_over_the_stacks_context_shares_its_one_listener(stack, make_agent):
    """The local stack's gateway and any other app made over the same context (the functions
    tests make one, on a server of its own) deliver through the context's one listening
    connection, each on its own event loop."""
    from stagefy_cli.local.ephemeral import ServerThread
    from stagefy_cli.local.gateway.app import create_app

    agent = make_agent()
    token = agent.client.auth.get_session().access_token
    topic = f"user:{agent.id}"

    def listeners() -> int:
        with psycopg.connect(stack.dsn, autocommit=True) as conn:
            query = "select count(*) from pg_stat_activity where application_name = 'stagefy-realtime'"
            return conn.execute(query).fetchone()[0]

    async def through_both():
        received, states = [], []
        first = await _join(stack, token, topic, received, states)  # the stack's listener is running
        before = listeners()  # other gateways over this database (the payment tests') have their own
        with ServerThread(create_app(stack.ctx)) as other:
            via_other = type(stack)(other.url, stack.anon_key, stack.service_role_key, stack.dsn, stack.ctx)
            second = await _join(via_other, token, topic, received, states)
            assert [state for state, _ in states] == [RealtimeSubscribeStates.SUBSCRIBED] * 2
            await asyncio.to_thread(_send, stack.dsn, topic, "hello", '{"n": 1}')
            await _until(lambda: len(received) >= 2)
            after = listeners()
            await second.close()
        await first.close()
        return received, before, after

    received, before, after = asyncio.run(through_both())
    assert [m["event"] for m in received] == ["hello", "hello"]
    assert after == before
