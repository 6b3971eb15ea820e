"""`stagefy worker`: run AI jobs (operators; needs the service role key and provider tokens)."""

from __future__ import annotations

import typer

from stagefy_cli.commands.options import JSON, command_group

app = command_group("Run the job worker (operators: service role key and provider tokens).")


@app.callback()
def worker() -> None:
    """Run the job worker (operators: service role key and provider tokens)."""


@app.command()
def run(
    concurrency: int = typer.Option(4, "--concurrency", "-c", min=1, max=64, help="Jobs processed at once."),
    once: bool = typer.Option(False, "--once", help="Process what is queued, then exit."),
    providers: str = typer.Option(
        None,
        "--providers",
        help="Comma-separated providers to use (default: local + every one with a token set).",
    ),
    lease: int = typer.Option(
        120, "--lease", min=10, help="Seconds a claimed job stays ours without a heartbeat."
    ),
    users: list[str] = typer.Option(
        None,
        "--user",
        metavar="EMAIL_OR_ID",
        help="Claim only this user's jobs (repeatable; default: everybody's).",
    ),
    grace: float = typer.Option(
        30.0,
        "--grace",
        min=0,
        help="On SIGTERM or Ctrl-C: seconds running jobs get to finish before they go back to the queue.",
    ),
) -> None:
    """Claim queued jobs and run them, on this machine, against the active profile's project.

    Reads a secret key, SUPABASE_SECRET_KEY (or the legacy SUPABASE_SERVICE_ROLE_KEY; neither is
    needed for the local stack), and the provider tokens REPLICATE_API_TOKEN, DASHSCOPE_API_KEY,
    GEMINI_API_KEY from the environment. Run as many
    workers as you like, on any machines: they share the queue safely. SIGTERM or Ctrl-C stops
    claiming, lets running jobs finish for --grace seconds, gives the rest back to the queue for
    another worker, and exits 0; a second one exits at once. With --user, the worker claims only
    the jobs of the users given (a worker of one's own, a test's), and leaves the rest to others.

    Example: SUPABASE_SECRET_KEY=sb_secret_... REPLICATE_API_TOKEN=... stagefy worker run --concurrency 8
    """
    import logging
    import os
    import signal

    from stagefy_cli import render
    from stagefy_cli.services.workers import build_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # providers' requests: no line (and URL) each
    worker = build_worker(
        providers=providers, users=users, concurrency=concurrency, lease_seconds=lease, grace=grace
    )

    def shut_down(signum, _frame) -> None:
        log = logging.getLogger("stagefy.worker")
        if worker.stop_event.is_set():  # asked twice: go now; the jobs' leases lapse for another worker
            log.warning("%s again: exiting without waiting", signal.Signals(signum).name)
            os._exit(1)
        log.info(
            "%s: no more claims; running jobs get %g s, then go back to the queue",
            signal.Signals(signum).name,
            grace,
        )
        worker.stop()

    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)
    scope = f", jobs of {len(worker.config.user_ids)} user(s)" if worker.config.user_ids else ""
    render.notice(
        f"Worker {worker.config.worker_id} running with {', '.join(sorted(worker.providers))} "
        f"(concurrency {concurrency}{scope}). Ctrl-C to stop."
    )
    processed = worker.run(once=once)
    render.notice(f"Processed {processed} job(s).")


@app.command()
def check(
    providers: str = typer.Option(
        None,
        "--providers",
        help="Comma-separated providers to check (default: local + every one with a token set).",
    ),
    as_json: bool = JSON,
) -> None:
    """Check each provider without running an edit: is its token accepted, does its model exist?

    Asks each service for the configured model (Gemini's and Replicate's model lookups, DashScope's
    model list): free, nothing is billed. Reads the same environment as `worker run`. Exits 1
    when a provider fails, with what to change.

    Example: GEMINI_API_KEY=... REPLICATE_API_TOKEN=... stagefy worker check
    """
    from stagefy_cli import render
    from stagefy_cli.errors import StagefyError
    from stagefy_cli.services.workers import check_providers

    names = [p.strip() for p in providers.split(",") if p.strip()] if providers else None
    rows = check_providers(names)
    shown = [{**row, "ok": "ok" if row["ok"] else "FAILED"} for row in rows]
    columns = [
        render.Column("provider", "Provider"),
        render.Column("ok", "Check"),
        render.Column("model", "Model", max_width=40),
        render.Column("detail", "Detail", max_width=80),
    ]
    render.output(rows, columns, as_json=as_json, shown=shown)
    failed = [row["provider"] for row in rows if not row["ok"]]
    if failed:
        raise StagefyError(
            f"{', '.join(failed)} failed the check. Fix what the detail says, then run it again."
        )
