"""`stagefy doctor` on a project of its own (a fresh database with every migration, the gateway and
the payment function as the local stack serves them): every check passes, and each fault injected
is named by its check, with what to do."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import psycopg
import pytest
from stagefy_testing import run_cli

from stagefy_cli.local.ephemeral import embedded_database, free_port, gateway
from stagefy_cli.local.migrate import migrations_dir

# Every setting the payment function needs, with PayFast's sandbox merchant (PayFast is not called).
SETTINGS = {
    "PAYFAST_SANDBOX": "1",
    "PAYFAST_MERCHANT_ID": "10000100",
    "PAYFAST_MERCHANT_KEY": "46f0cd694581a",
    "PAYFAST_PASSPHRASE": "jt7NOE43FZPn",
    "PAYFAST_RETURN_URL": "https://stagefy.example.co.za/paid",
    "PAYFAST_CANCEL_URL": "https://stagefy.example.co.za/cancelled",
}


@pytest.fixture(scope="module")
def project_db(tmp_path_factory):
    # A database of its own: the worker check reads the whole queue, which other tests share.
    with embedded_database(tmp_path_factory.mktemp("doctor")) as dsn:
        yield dsn


@contextmanager
def project(dsn, tmp_path, functions=SETTINGS, **options):
    with gateway(dsn, tmp_path / f"storage-{uuid.uuid4().hex[:6]}", functions=functions, **options) as stack:
        yield stack


@contextmanager
def running_worker(stack):
    """A worker on the project, as an operator runs one (with the secret key), idle while it runs."""
    import threading

    from stagefy_cli.backend.client import service_rest
    from stagefy_cli.services.workers import load_providers
    from stagefy_cli.worker import Worker, WorkerConfig

    worker = Worker(service_rest(stack.url, stack.secret_key), load_providers(["local"], {}), WorkerConfig())
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        worker.stop()
        thread.join(timeout=30)


def doctor(stack, dsn, **env):
    environment = {
        "SUPABASE_URL": stack.url,
        "SUPABASE_PUBLISHABLE_KEY": stack.publishable_key,
        "SUPABASE_SECRET_KEY": stack.secret_key,
        "SUPABASE_DB_URL": dsn,
        **env,
    }
    result = run_cli(["doctor", "--json"], env=environment)
    checks = {check["check"]: check for check in result.json()}
    return result, checks


def failed(checks) -> dict[str, str]:
    return {name: check["detail"] for name, check in checks.items() if not check["ok"]}


def sql(dsn, statement, *params):
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(statement, params)


def test_a_ready_project_passes_every_check(project_db, tmp_path):
    with project(project_db, tmp_path) as stack, running_worker(stack):
        result, checks = doctor(stack, project_db)
    assert result.exit_code == 0, result.stderr
    assert list(checks) == ["api", "keys", "migrations", "function", "secrets", "storage", "linter", "worker"]
    assert failed(checks) == {}
    assert checks["keys"]["detail"] == "profile: publishable key; operator: secret key"
    assert checks["secrets"]["detail"] == "all set (PayFast sandbox, ITN source check off)"


def test_each_fault_is_named_with_its_fix(project_db, tmp_path):
    with project(project_db, tmp_path) as stack:
        result, checks = doctor(
            stack, project_db, SUPABASE_SECRET_KEY="sb_secret_NotThisProjects0000000000_00000000"
        )
        assert result.exit_code == 1
        assert "the project refused the secret key" in checks["keys"]["detail"]
        assert "checks failed (keys" in result.stderr
        # what the refused key cannot see is not reported as missing
        assert checks["storage"]["detail"] == "not checked: Storage refused the secret key"

        sql(project_db, "create table public.doctor_no_rls (id int)")
        sql(project_db, "update storage.buckets set public = true where id = 'media'")
        sql(
            project_db,
            "insert into public.ai_jobs (user_id, service, model, status, created_at) values (null, 'local', 'x', 'queued', now() - interval '1 hour')",
        )
        version = "20261125003000"
        sql(project_db, "delete from supabase_migrations.schema_migrations where version = %s", version)
        try:
            result, checks = doctor(stack, project_db)
        finally:
            sql(project_db, "drop table public.doctor_no_rls")
            sql(project_db, "update storage.buckets set public = false where id = 'media'")
            sql(project_db, "delete from public.ai_jobs where model = 'x'")
            sql(
                project_db,
                "insert into supabase_migrations.schema_migrations (version, name) values (%s, 'billing')",
                version,
            )
    assert result.exit_code == 1
    bad = failed(checks)
    assert set(bad) == {"migrations", "storage", "linter", "worker"}
    assert bad["migrations"] == f"1 not applied: {version}_billing"
    assert checks["migrations"]["fix"] == "supabase db push"
    assert bad["storage"] == "the media bucket: it is public"
    assert "ERROR rls_disabled_in_public" in bad["linter"]
    assert "stagefy worker run" in checks["worker"]["fix"]


def test_migrations_are_compared_with_the_shipped_sql_whoever_applied_them(project_db, tmp_path):
    """The local stack records a migration's whole text; `supabase db push` each statement, its `;`
    and white space trimmed: both are the shipped file. SQL changed after it was applied is named,
    and a migration recorded without its SQL (old Supabase CLIs, a row written by hand) is taken as is."""
    version = "20261125003000"
    text = (migrations_dir() / f"{version}_billing.sql").read_text(encoding="utf-8")
    # split where statements end, as the CLI records them (where exactly does not change the check)
    pushed = [part.strip() for part in text.split(";\n") if part.strip()]
    record = "update supabase_migrations.schema_migrations set statements = %s where version = %s"
    try:
        with project(project_db, tmp_path) as stack:
            sql(project_db, record, pushed, version)
            assert doctor(stack, project_db)[1]["migrations"]["ok"] is True
            sql(project_db, record, [*pushed[:-1], "select 1"], version)
            _, edited = doctor(stack, project_db)
            sql(project_db, record, None, version)
            assert doctor(stack, project_db)[1]["migrations"]["ok"] is True
    finally:
        sql(project_db, record, [text], version)
    assert (
        edited["migrations"]["detail"]
        == f"the database ran other SQL than this stagefy ships under {version}_billing"
    )
    assert "never edited" in edited["migrations"]["fix"]


@pytest.mark.slow  # starts a project, its worker and payment function per fault (about 2.5 s)
def test_the_payment_function_faults_are_named(project_db, tmp_path):
    missing = {k: v for k, v in SETTINGS.items() if k not in ("PAYFAST_PASSPHRASE", "PAYFAST_CANCEL_URL")}
    with project(project_db, tmp_path, functions=missing) as stack, running_worker(stack):
        _, checks = doctor(stack, project_db)
    assert failed(checks) == {
        "secrets": "missing: PAYFAST_PASSPHRASE, PAYFAST_CANCEL_URL (PayFast sandbox, ITN source check off)"
    }
    assert checks["secrets"]["fix"] == "supabase secrets set PAYFAST_PASSPHRASE=... PAYFAST_CANCEL_URL=..."

    with project(project_db, tmp_path, functions=None) as stack:
        _, checks = doctor(stack, project_db)
    assert failed(checks)["function"] == "the payfast function is not deployed"
    assert checks["function"]["fix"] == "supabase functions deploy payfast --no-verify-jwt"
    assert failed(checks)["secrets"] == "not checked: the payment function did not answer"

    with project(project_db, tmp_path, verify_jwt={"payfast": True}) as stack:
        _, checks = doctor(stack, project_db)
    assert failed(checks)["function"] == (
        "the platform demands a JWT for payfast (verify_jwt is on), so PayFast's notices are refused"
    )
    assert "JWT verification off" in checks["function"]["fix"]

    dead = f"http://127.0.0.1:{free_port()}"
    _, checks = doctor(stack, project_db, SUPABASE_URL=dead)
    assert failed(checks)["api"].startswith(f"{dead} cannot be reached")
