"""`stagefy doctor`: is a project ready to take payments and run jobs?

Each check asks the project what a user or PayFast would meet, and says what is wrong and how to
fix it: the API answers the profile's key; the keys are of the right kinds and accepted; every
migration is applied and is the one shipped here; the payment function is deployed, answers, takes
calls without a JWT (PayFast's notices carry none) and has its settings (it names the missing
ones, never a value); the `media` bucket keeps its limits; Supabase's linter (splinter) reports no
ERROR or WARN; a worker was seen recently. The API checks need the operator's secret key; the
database checks a connection string (`--db-url`, `SUPABASE_DB_URL`; the local stack's own).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from stagefy_cli.backend.api_errors import ApiError
from stagefy_cli.backend.api_keys import ANON, PUBLISHABLE, SERVICE_KINDS, key_kind
from stagefy_cli.backend.migration_history import same_sql
from stagefy_cli.backend.storage import MEDIA_BUCKET
from stagefy_cli.backend.wire import Reply, Wire
from stagefy_cli.errors import has_extra

TIMEOUT_S = 20.0
MEDIA_LIMIT = 50 * 1024 * 1024  # what the migrations set; Storage refuses larger uploads
RECENT = timedelta(minutes=15)  # a worker seen this recently is running
QUEUE_GRACE = timedelta(minutes=2)  # a job queued longer than this with no worker about is stuck
DEPLOY = "supabase functions deploy payfast --no-verify-jwt"


@dataclass(frozen=True)
class ShippedMigration:
    name: str
    sql: str


@dataclass(frozen=True)
class Project:
    """What the doctor examines: the API (URL and the profile's public key), the operator's secret
    key (None when not given) and the database (None when not given), against the migrations this
    stagefy ships (by version)."""

    url: str
    public_key: str
    secret_key: str | None
    db_url: str | None
    migrations: dict[str, ShippedMigration]


@dataclass
class Check:
    check: str
    ok: bool
    detail: str
    fix: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def examine(project: Project) -> list[Check]:
    """Every check, in the order a fix is best made (a later one may fail because of an earlier)."""
    wire = Wire(project.url, timeout=TIMEOUT_S)
    health = _function_health(wire, project.secret_key)
    checks = [
        _api(wire, project),
        _keys(wire, project),
        *_database_checks(project.db_url, project.migrations),
        _function(health),
        _secrets(health),
        _bucket(wire, project.secret_key),
        _worker(wire, project.secret_key),
    ]
    order = ["api", "keys", "migrations", "function", "secrets", "storage", "linter", "worker"]
    return sorted(checks, key=lambda c: order.index(c.check))


def _get(wire: Wire, path: str, key: str, params=None) -> Reply:
    """GET with `key` in `apikey` (a legacy JWT key also as the bearer, as the clients send it)."""
    headers = {"apikey": key, "Accept": "application/json"}
    if not key.startswith("sb_"):
        headers["Authorization"] = f"Bearer {key}"
    return wire.request("GET", path, params=params, headers=headers)


def _json(reply: Reply):
    try:
        return reply.json()
    except ValueError:
        return None


def _no_secret_key(check: str) -> Check:
    return Check(
        check,
        False,
        "not checked: no secret key in the environment",
        "export SUPABASE_SECRET_KEY=sb_secret_... (dashboard: Project Settings > API Keys)",
    )


def _api(wire: Wire, project: Project) -> Check:
    try:
        reply = _get(wire, "/auth/v1/health", project.public_key)
    except ApiError as exc:
        return Check(
            "api",
            False,
            f"{project.url} cannot be reached ({exc})",
            "check the profile's URL (stagefy profiles list) and the network",
        )
    if reply.status in (401, 403):
        return Check(
            "api",
            False,
            f"{project.url} refused the profile's key (HTTP {reply.status})",
            "add the profile again with the project's publishable key: stagefy profiles add NAME --url URL --publishable-key sb_publishable_...",
        )
    if not reply.ok:
        return Check(
            "api",
            False,
            f"{project.url}/auth/v1/health answered HTTP {reply.status}",
            "see the project's status in the dashboard",
        )
    return Check("api", True, f"{project.url} answers")


def _keys(wire: Wire, project: Project) -> Check:
    public = key_kind(project.public_key)
    if public not in (PUBLISHABLE, ANON):
        return Check(
            "keys",
            False,
            "the profile's key is not a publishable or anon key",
            "use the publishable key (sb_publishable_...)",
        )
    notes = [
        "profile: publishable key"
        if public == PUBLISHABLE
        else "profile: legacy anon key (Supabase retires legacy keys; a publishable key works the same)"
    ]
    if not project.secret_key:
        return Check(
            "keys", False, notes[0] + "; no secret key in the environment", _no_secret_key("keys").fix
        )
    secret = key_kind(project.secret_key)
    if secret not in SERVICE_KINDS:
        return Check(
            "keys",
            False,
            notes[0] + "; the secret key is not a secret or service_role key",
            "export SUPABASE_SECRET_KEY=sb_secret_... (dashboard: Project Settings > API Keys)",
        )
    try:
        reply = _get(wire, "/rest/v1/prices", project.secret_key, params=[("select", "code"), ("limit", "1")])
    except ApiError as exc:
        return Check("keys", False, f"the secret key could not be tried ({exc})", "fix the api check first")
    if not reply.ok:
        return Check(
            "keys",
            False,
            f"the project refused the secret key (HTTP {reply.status})",
            "copy a secret key of this project: dashboard, Project Settings > API Keys",
        )
    notes.append("operator: secret key" if secret == "secret" else "operator: legacy service_role key")
    return Check("keys", True, "; ".join(notes))


def _database_checks(db_url: str | None, shipped: dict[str, ShippedMigration]) -> list[Check]:
    if not db_url:
        fix = "pass --db-url or set SUPABASE_DB_URL (dashboard: Connect > Session pooler connection string)"
        return [Check(name, False, "not checked: no database URL", fix) for name in ("migrations", "linter")]
    if not has_extra("local"):
        detail = "not checked: talking to the database needs psycopg, from the local extras"
        fix = "pip install 'stagefy-cli[local]'"
        return [Check(name, False, detail, fix) for name in ("migrations", "linter")]
    import psycopg

    try:
        conn = psycopg.connect(db_url, connect_timeout=10, autocommit=True)
    except psycopg.Error as exc:
        detail = f"the database cannot be reached ({str(exc).strip().splitlines()[0]})"
        fix = "check the URL and the database password (dashboard: Project Settings > Database)"
        return [Check(name, False, detail, fix) for name in ("migrations", "linter")]
    with conn:
        return [_migrations(conn, shipped), _linter(conn)]


def _migrations(conn, shipped: dict[str, ShippedMigration]) -> Check:
    if conn.execute("select to_regclass('supabase_migrations.schema_migrations')").fetchone()[0] is None:
        return Check(
            "migrations",
            False,
            "no migration was ever applied",
            "supabase link --project-ref REF && supabase db push",
        )
    # statements: null where a row was written without them (old Supabase CLIs, by hand), and the
    # column is missing from tables an old Supabase CLI made: read through to_jsonb for both
    rows = conn.execute(
        "select version, name, to_jsonb(m) -> 'statements' from supabase_migrations.schema_migrations m"
    ).fetchall()
    applied = {version: name for version, name, _ in rows}
    pending = sorted(v for v in shipped if v not in applied)
    renamed = sorted(v for v in shipped if v in applied and applied[v] != shipped[v].name)
    edited = sorted(
        version
        for version, name, statements in rows
        if version in shipped and statements and not same_sql(statements, shipped[version].sql)
    )
    unknown = sorted(v for v in applied if v not in shipped)
    if renamed:
        return Check(
            "migrations",
            False,
            "the database ran other migrations under the versions " + ", ".join(renamed),
            "the project's history was rewritten: restore it, or migrate a fresh project",
        )
    if edited:
        return Check(
            "migrations",
            False,
            "the database ran other SQL than this stagefy ships under "
            + ", ".join(f"{v}_{shipped[v].name}" for v in edited),
            "an applied migration is never edited: use the stagefy release the project was migrated with, "
            "or restore the file and put the change in a new migration",
        )
    if pending:
        return Check(
            "migrations",
            False,
            f"{len(pending)} not applied: " + ", ".join(f"{v}_{shipped[v].name}" for v in pending),
            "supabase db push",
        )
    if unknown:
        return Check(
            "migrations",
            False,
            "the database has migrations this stagefy does not ship: " + ", ".join(unknown),
            "upgrade stagefy to the release the project was migrated with",
        )
    return Check("migrations", True, f"all {len(shipped)} applied")


def _linter(conn) -> Check:
    from stagefy_cli.lints import run_lints

    lints = run_lints(conn)
    faults = [lint for lint in lints if lint["level"] in ("ERROR", "WARN")]
    if faults:
        names = sorted({f"{lint['level']} {lint['name']}" for lint in faults})
        return Check(
            "linter",
            False,
            f"{len(faults)} findings: " + ", ".join(names),
            "apply the migrations (supabase db push); the dashboard's Advisors show each finding's remediation",
        )
    return Check("linter", True, f"0 ERROR, 0 WARN ({len(lints)} INFO)")


def _function_health(wire: Wire, secret_key: str | None) -> Reply | ApiError | None:
    if not secret_key:
        return None
    try:
        # The secret key in `apikey` alone: the route checks it itself (the platform verifies no
        # API key for functions), and with verify_jwt on the platform refuses the call (no JWT).
        return wire.request("GET", "/functions/v1/payfast/health", headers={"apikey": secret_key})
    except ApiError as exc:
        return exc


def _function(health: Reply | ApiError | None) -> Check:
    if health is None:
        return _no_secret_key("function")
    if isinstance(health, ApiError):
        return Check("function", False, f"the payment function cannot be reached ({health})", DEPLOY)
    body = _json(health) or {}
    if health.ok:
        return Check("function", True, "payfast is deployed, answers, and takes calls without a JWT")
    if health.status == 404 and "no such route" in str(body.get("error", "")):
        return Check(
            "function", False, "an older payfast function is deployed (it has no health route)", DEPLOY
        )
    if health.status == 404:
        return Check("function", False, "the payfast function is not deployed", DEPLOY)
    if health.status == 401 and "error" in body:
        return Check(
            "function",
            False,
            "the function does not know this secret key",
            "use a secret key of this project; the function reads the project's keys",
        )
    if health.status == 401:
        return Check(
            "function",
            False,
            "the platform demands a JWT for payfast (verify_jwt is on), so PayFast's notices are refused",
            f"{DEPLOY} (supabase/config.toml sets verify_jwt = false); the dashboard's Edge Functions > payfast > Details must show JWT verification off",
        )
    return Check("function", False, f"the payment function answered HTTP {health.status}", DEPLOY)


def _secrets(health: Reply | ApiError | None) -> Check:
    if not isinstance(health, Reply) or not health.ok:
        return Check(
            "secrets",
            False,
            "not checked: the payment function did not answer",
            "fix the function check first",
        )
    body = _json(health) or {}
    mode = f"PayFast {'sandbox' if body.get('sandbox') else 'live'}, ITN source check {body.get('itn_source_check', '?')}"
    missing = body.get("missing") or []
    if missing:
        return Check(
            "secrets",
            False,
            "missing: " + ", ".join(missing) + f" ({mode})",
            "supabase secrets set " + " ".join(f"{name}=..." for name in missing),
        )
    return Check("secrets", True, f"all set ({mode})")


def _bucket(wire: Wire, secret_key: str | None) -> Check:
    if not secret_key:
        return _no_secret_key("storage")
    try:
        reply = _get(wire, f"/storage/v1/bucket/{MEDIA_BUCKET}", secret_key)
    except ApiError as exc:
        return Check("storage", False, f"Storage cannot be reached ({exc})", "fix the api check first")
    bucket = _json(reply)
    if reply.status in (401, 403):
        return Check(
            "storage", False, "not checked: Storage refused the secret key", "fix the keys check first"
        )
    if reply.status == 404 or (isinstance(bucket, dict) and str(bucket.get("statusCode")) == "404"):
        return Check(
            "storage", False, f"no {MEDIA_BUCKET} bucket", "supabase db push (the migrations create it)"
        )
    if not reply.ok or not isinstance(bucket, dict):
        return Check(
            "storage", False, f"Storage answered HTTP {reply.status}", "see the project's Storage logs"
        )
    limit = int(bucket.get("file_size_limit") or 0)  # 0: no limit
    types = bucket.get("allowed_mime_types") or []
    problems = []
    if bucket.get("public"):
        problems.append("it is public")
    if not limit or limit > MEDIA_LIMIT:
        problems.append(f"its size limit is {limit or 'none'} (want at most {MEDIA_LIMIT})")
    if not types:
        problems.append("it takes files of any type")
    if problems:
        return Check(
            "storage",
            False,
            f"the {MEDIA_BUCKET} bucket: " + "; ".join(problems),
            f"restore its settings in the dashboard (Storage > {MEDIA_BUCKET} > Edit bucket) as the migrations set them: private, 50 MiB, the listed types",
        )
    return Check(
        "storage",
        True,
        f"{MEDIA_BUCKET}: private, at most {limit // (1024 * 1024)} MiB, {len(types)} types",
    )


def _worker(wire: Wire, secret_key: str | None) -> Check:
    """A worker seen recently. Where the database keeps a register of workers (`public.workers`,
    each beating while it runs), one must be live. Without it, the queue's own traces tell: the
    latest claim of a job (an idle worker leaves none), so the fault is work that has waited longer
    than QUEUE_GRACE while no worker claimed anything."""
    if not secret_key:
        return _no_secret_key("worker")
    now = datetime.now(UTC)
    start = (
        "start a worker: SUPABASE_SECRET_KEY=... stagefy worker run (README: Running workers in production)"
    )
    try:
        register = _get(
            wire,
            "/rest/v1/workers",
            secret_key,
            params=[
                ("select", "last_seen_at"),
                ("expires_at", f"gt.{now.isoformat()}"),
                ("stopped_at", "is.null"),
                ("limit", "1"),
            ],
        )
        if register.ok:
            if _json(register):
                return Check("worker", True, "a worker is running (it beat recently)")
            return Check("worker", False, "no worker has been seen recently", start)
        seen = _get(
            wire,
            "/rest/v1/ai_jobs",
            secret_key,
            params=[
                ("select", "claimed_at"),
                ("claimed_at", f"gt.{(now - RECENT).isoformat()}"),
                ("limit", "1"),
            ],
        )
        waiting = _get(
            wire,
            "/rest/v1/ai_jobs",
            secret_key,
            params=[
                ("select", "id"),
                ("status", "eq.queued"),
                ("created_at", f"lt.{(now - QUEUE_GRACE).isoformat()}"),
                ("limit", "1"),
            ],
        )
    except ApiError as exc:
        return Check("worker", False, f"the queue cannot be read ({exc})", "fix the api check first")
    if not (seen.ok and waiting.ok):
        return Check(
            "worker",
            False,
            f"the queue cannot be read (HTTP {seen.status}/{waiting.status})",
            "fix the keys and migrations checks first",
        )
    minutes = RECENT.seconds // 60
    if _json(seen):
        return Check("worker", True, f"a worker claimed a job in the last {minutes} minutes")
    if _json(waiting):
        return Check(
            "worker",
            False,
            f"jobs have waited over {QUEUE_GRACE.seconds // 60} minutes and no worker claimed one in {minutes}",
            start,
        )
    return Check("worker", True, f"no job is waiting (no worker claimed one in the last {minutes} minutes)")
