"""`stagefy billing serve` as a real process: it answers PayFast's ITN on its own port and applies the
payment to the stack's database with the service role."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import psycopg
from stagefy_testing import free_port
from test_billing_itn import PASSPHRASE, itn_body


def test_billing_serve_applies_an_itn(stack, make_agent, fake_payfast):
    agent = make_agent()
    port = free_port()
    env = {
        **os.environ,
        "SUPABASE_URL": stack.url,
        "SUPABASE_ANON_KEY": stack.anon_key,
        "SUPABASE_SERVICE_ROLE_KEY": stack.service_role_key,
        "PAYFAST_SANDBOX": "1",
        "PAYFAST_PASSPHRASE": PASSPHRASE,
        "STAGEFY_PAYFAST_VALIDATE_URL": f"{fake_payfast.url}/eng/query/validate",
        "STAGEFY_PAYFAST_ITN_HOSTS": "localhost",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "stagefy_cli.entry", "billing", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.post(
                    url,
                    content=itn_body(agent.id, pf_payment_id="serve-1"),
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
                break
            except httpx.ConnectError:
                assert process.poll() is None, process.communicate()[1]
                assert time.monotonic() < deadline, "billing serve did not start"
                time.sleep(0.2)
        assert (response.status_code, response.text) == (200, "OK")
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=15)
    assert f"listening on http://127.0.0.1:{port}/" in stderr
    assert PASSPHRASE not in stderr
    with psycopg.connect(stack.dsn) as conn:
        credits = conn.execute("select credits from public.users where id = %s", (agent.id,)).fetchone()
    assert credits == (150,)
