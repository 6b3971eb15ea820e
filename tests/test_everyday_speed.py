"""The everyday commands' fast path: no heavy imports, the same answers and exit codes, one session.

Timing itself is measured by benchmarks/startup.py; these tests guard what makes it fast (the
modules an everyday command may not import) and that the thin client behaves like supabase-py:
the same rows under RLS, token refresh with the rotated refresh token saved for both clients,
and errors mapped to the same exit codes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from stagefy_testing import cli_json, make_photo, run_cli, sql

from stagefy_cli.backend.session_store import SessionStore

HEAVY = ("supabase", "postgrest", "storage3", "pydantic", "PIL", "numpy", "av")
PIPED_HEAVY = ("rich",)  # tables and colour are for terminals: piped output is written as is

# Runs each command in one fresh interpreter through the console script's entry point.
IN_PROCESS = """
import io, json, sys
from stagefy_cli.entry import main
results = []
for args in json.loads(sys.argv[1]):
    sys.argv = ["stagefy", *args]
    out, sys.stdout = sys.stdout, io.StringIO()
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    text, sys.stdout = sys.stdout.getvalue(), out
    results.append([args, code, text, [m for m in HEAVY if m in sys.modules]])
print(json.dumps({"results": results}))
""".replace("HEAVY", repr(HEAVY + PIPED_HEAVY))


def run_in_fresh_python(commands: list[list[str]]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", IN_PROCESS, json.dumps(commands)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.splitlines()[-1])


@pytest.fixture
def agent_with_data(signed_in_agent, cli_stack, tmp_path):
    contact = cli_json(["crm", "contacts", "add", "--name", "Sipho Dlamini", "--tag", "vip"])
    cli_json(["crm", "listings", "add", "--address", "12 Beach Rd", "--contact", contact["id"][:8]])
    photo = make_photo(tmp_path / "kitchen.jpg")
    project = run_cli(["edit", str(photo), "--type", "enhance", "--no-wait", "--yes"]).stdout.strip()
    return {"contact": contact["id"], "project": project}


def test_everyday_commands_import_no_heavy_library(agent_with_data):
    contact, project = agent_with_data["contact"][:8], agent_with_data["project"][:8]
    commands = [
        ["credits", "balance"],
        ["credits", "history", "--type", "usage"],
        ["crm", "contacts", "list", "--tag", "vip", "--search", "sipho"],
        ["crm", "contacts", "show", contact],
        ["crm", "listings", "list"],
        ["projects", "list", "--status", "queued"],
        ["projects", "show", project],
        ["media", "list"],
        ["notifications", "list", "--unread"],
        ["profile", "show", "--json"],
        ["auth", "status"],
        ["auth", "token"],
    ]
    outcome = run_in_fresh_python(commands)
    codes = {" ".join(args): code for args, code, _, _ in outcome["results"]}
    assert set(codes.values()) == {0}, codes
    out = {" ".join(args[:3]): text for args, _, text, _ in outcome["results"]}
    assert out["credits balance"].strip() == "49"  # 50 welcome credits, 1 for the enhance
    assert "Sipho Dlamini" in out["crm contacts list"] and "Sipho Dlamini" in out["crm contacts show"]
    assert "12 Beach Rd" in out["crm listings list"]
    assert agent_with_data["project"] in out["projects list --status"]
    assert "enhance" in out[f"projects show {project}"]
    assert "-1\tusage" in out["credits history --type"]
    assert out["auth token"].count(".") == 2  # a JWT
    imported = {" ".join(args): heavy for args, _, _, heavy in outcome["results"] if heavy}
    assert imported == {}, f"heavy imports (cumulative, after each command): {imported}"


def test_fast_path_leaves_help_and_bad_input_to_typer(signed_in_agent):
    outcome = run_in_fresh_python(
        [
            ["credits", "history", "--help"],
            ["credits", "history", "--limit", "0"],
            ["crm", "contacts", "show"],
        ]
    )
    (_, help_code, help_text, _), (_, limit_code, _, _), (_, missing_code, _, _) = outcome["results"]
    assert help_code == 0 and "Example: stagefy credits history" in help_text
    assert limit_code == 2 and missing_code == 2


def _stored_session() -> dict:
    return json.loads(SessionStore("local").get_item("supabase.auth.token"))


def _store_session(document: dict) -> None:
    SessionStore("local").set_item("supabase.auth.token", json.dumps(document))


def test_expired_session_is_refreshed_and_both_clients_use_the_rotated_token(signed_in_agent, cli_stack):
    before = _stored_session()
    _store_session({**before, "expires_at": 1})

    assert cli_json(["credits", "balance"])["credits"] == 50
    after = _stored_session()
    assert after["refresh_token"] != before["refresh_token"]
    assert after["expires_at"] > before["expires_at"] - 5
    assert after["user"]["id"] == signed_in_agent.id
    # supabase-py (a write) starts from the session the thin client saved, and it is accepted
    assert cli_json(["crm", "contacts", "add", "--name", "After Refresh"])["name"] == "After Refresh"
    # the old refresh token is spent (past the reuse interval): replaying it ends the session, exit 4
    sql(
        cli_stack,
        "update auth.refresh_tokens set updated_at = now() - interval '1 minute' where token = %s",
        before["refresh_token"],
    )
    _store_session({**after, "refresh_token": before["refresh_token"], "expires_at": 1})
    result = run_cli(["credits", "balance"])
    assert result.exit_code == 4
    assert result.stderr == "Error: your session has expired. Run: stagefy auth login\n"
    assert SessionStore("local").get_item("supabase.auth.token") is None


def test_thin_client_errors_keep_their_exit_codes(signed_in_agent, monkeypatch):
    assert run_cli(["crm", "contacts", "show", "ffff"]).exit_code == 5
    # an access token the server does not accept (e.g. signed for another project): sign in again
    _store_session({**_stored_session(), "access_token": "not-a-jwt"})
    result = run_cli(["credits", "balance"])
    assert (result.exit_code, result.stderr) == (
        4,
        "Error: your session has expired. Run: stagefy auth login\n",
    )
    monkeypatch.setenv("SUPABASE_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    result = run_cli(["crm", "contacts", "list"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot reach the server (")


def test_not_signed_in_is_exit_4_without_a_request(cli_stack):
    result = run_cli(["projects", "list"])
    assert (result.exit_code, result.stderr) == (4, "Error: not signed in. Run: stagefy auth login\n")


def test_unread_notice_follows_the_fast_path(signed_in_agent, cli_stack):
    row = {"user_id": signed_in_agent.id, "type": "job_completed", "title": "Edit ready", "message": "Done."}
    cli_stack.service_client().table("notifications").insert(row).execute()
    code = (
        "import sys; sys.argv = ['stagefy', 'credits', 'balance']; from stagefy_cli.entry import main; main()"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "50\n")
    assert done.stderr == "1 unread notification. See: stagefy notifications list --unread\n"


def test_parallel_downloads_never_share_a_name_nor_overwrite(signed_in_agent, local_worker, tmp_path):
    photos = []
    for side in ("a", "b"):  # two photos of the same name, results into one --out directory
        (tmp_path / side).mkdir()
        photos.append(make_photo(tmp_path / side / "kitchen.jpg"))
    out = tmp_path / "edited"
    out.mkdir()
    (out / "kitchen.enhance.jpg").write_bytes(b"an earlier result")
    args = ["edit", *map(str, photos), "--type", "enhance", "--out", str(out), "--yes", "--json"]
    result = run_cli([*args, "--timeout", "90"])
    assert result.exit_code == 0, result.stderr
    assert sorted(Path(f).name for f in result.json()["files"]) == [
        "kitchen.enhance-2.jpg",
        "kitchen.enhance-3.jpg",
    ]
    assert (out / "kitchen.enhance.jpg").read_bytes() == b"an earlier result"
    assert sorted(p.name for p in out.iterdir()) == [
        "kitchen.enhance-2.jpg",
        "kitchen.enhance-3.jpg",
        "kitchen.enhance.jpg",
    ]
    for name in ("kitchen.enhance-2.jpg", "kitchen.enhance-3.jpg"):
        assert (out / name).read_bytes()[:3] == b"\xff\xd8\xff"  # whole JPEGs, no .part left behind


def test_edit_runs_without_typer_commands_or_supabase_py(signed_in_agent, cli_stack, local_worker, tmp_path):
    """`edit` through the console entry point: fast path, thin client (quote, upload, submit, wait,
    download); Pillow checks the photo, and nothing else heavy is imported."""
    photo = make_photo(tmp_path / "porch.jpg")
    out = tmp_path / "edited"
    args = ["edit", str(photo), "--type", "enhance", "--yes", "--out", str(out), "--json", "--timeout", "90"]
    [(_, code, text, heavy)] = run_in_fresh_python([args])["results"]
    assert code == 0
    project = json.loads(text)
    assert (project["status"], project["files"]) == ("completed", [str(out / "porch.enhance.jpg")])
    assert (out / "porch.enhance.jpg").read_bytes()[:3] == b"\xff\xd8\xff"
    assert heavy == ["PIL"]
    charged = sql(
        cli_stack,
        "select sum(amount) from public.credit_transactions where user_id = %s and type = 'usage'",
        signed_in_agent.id,
    )
    assert charged == [(-project["credit_cost"],)]


# -- completion -------------------------------------------------------------------------------


def test_completion_index_is_current():
    from stagefy_cli.completions import build_index, load_index

    assert load_index() == build_index(), (
        "stagefy_cli/completion_index.py is stale: run python -m stagefy_cli.completions"
    )


def _completion_cases() -> list[str]:
    from stagefy_cli.completions import load_index

    cases = []
    for path, entry in load_index().items():
        words = ["stagefy", *path.split()] if path else ["stagefy"]
        line = " ".join(words)
        cases += [f"{line} ", f"{line} -", f"{line} --", f"{line} --j", f"{line} c", f"{line} --json "]
        for option in entry["options"]:
            if not option["flag"]:
                cases += [f"{line} {option['names'][0]} ", f"{line} {option['names'][0]} a"]
        cases.append(f"{line} 3f2a ")
    return cases


def _items(shell: str, text: str) -> list[str]:
    """The completions in an answer, sorted: shells sort them anyway, and Click lists -h/--help in
    a set's (random) order. Typer wraps long help at 80 columns inside zsh's quotes and fish's
    lines; ours stays on one line, so its wrapping is undone."""
    if shell == "zsh" and text.startswith("_arguments"):
        text = re.sub(r'\n(?!")', "", text.removeprefix("_arguments '*: :((").removesuffix("))'"))
    if shell == "fish":
        text = re.sub(r"\n(?!-)(?=[^\t]*(\n|$))", "", text)
    return sorted(text.split("\n"))


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_answers_are_typers(shell):
    import typer.main
    from typer.testing import CliRunner

    from stagefy_cli.cli import app
    from stagefy_cli.completions import answer

    command, runner = typer.main.get_command(app), CliRunner()

    def typers_answer(env: dict) -> str:
        """What Typer's own completion prints (as `CliRunner.invoke` runs it, without rebuilding
        the whole command tree for each of the several hundred cases)."""
        with runner.isolation(env=env) as streams:
            try:
                command.main(args=(), prog_name="stagefy")
            except SystemExit:
                pass
            finally:
                sys.stdout.flush()
            return streams[2].getvalue().decode()

    mismatches = []
    for line in _completion_cases():
        if shell == "bash":
            words = line.split()
            cword = len(words) if line.endswith(" ") else len(words) - 1
            env = {"COMP_WORDS": line, "COMP_CWORD": str(cword)}
        else:
            env = {"_TYPER_COMPLETE_ARGS": line, "_TYPER_COMPLETE_FISH_ACTION": "get-args"}
        env["_STAGEFY_COMPLETE"] = f"complete_{shell}"
        typer_answer = typers_answer(env).rstrip("\n")
        ours, _ = answer({**os.environ, **env})
        typer_answer, ours = _items(shell, typer_answer), _items(shell, ours)
        if ours != typer_answer:
            mismatches.append((line, ours[:200], typer_answer[:200]))
    assert not mismatches, mismatches[:5]


def test_option_completion_imports_neither_typer_nor_pydantic():
    env = {
        **os.environ,
        "_STAGEFY_COMPLETE": "complete_bash",
        "COMP_WORDS": "stagefy credits history --",
        "COMP_CWORD": "3",
    }
    code = (
        "import sys; sys.argv = ['stagefy']; from stagefy_cli.entry import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('HEAVY', [m for m in ('typer', 'pydantic', 'supabase') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env).stdout
    assert "--since" in out and "--limit" in out
    assert "HEAVY []" in out, out
