"""The CLI's sets of values (stagefy_cli/models.py) against the migrated database's enums, on the
real embedded PostgreSQL: a value added to an enum in a migration and not to the CLI (or the other
way round) fails here, not in front of a user."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from stagefy_testing import run_cli, sql

from stagefy_cli import models

STAGEFY = str(Path(sys.executable).with_name("stagefy"))


def database_enums(stack) -> dict[str, set[str]]:
    rows = sql(
        stack,
        "select t.typname, e.enumlabel from pg_enum e join pg_type t on t.oid = e.enumtypid"
        " join pg_namespace n on n.oid = t.typnamespace where n.nspname = 'public'",
    )
    enums: dict[str, set[str]] = {}
    for name, label in rows:
        enums.setdefault(name, set()).add(label)
    return enums


def test_every_set_holds_exactly_its_enums_values(stack):
    enums = database_enums(stack)
    assert set(models.DATABASE_ENUMS) == set(enums)  # every public enum has its set, and no set is stale
    for name, values in models.DATABASE_ENUMS.items():
        assert len(values) == len(set(values)), name
        assert set(values) == enums[name], name


def test_sets_for_the_same_column_agree():
    assert set(models.PROJECT_STATUSES) == set(models.JOB_STATUSES)  # projects.status is a job_status
    assert set(models.PAID_TIERS) == set(models.TIERS) - {"free"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # an everyday command (fast path) and one built by Typer refuse alike, before any work
        (
            ["credits", "history", "--type", "gift"],
            "unknown --type 'gift'. Choose one of: " + ", ".join(models.TRANSACTION_TYPES),
        ),
        (
            ["crm", "listings", "list", "--status", "gone"],
            "unknown --status 'gone'. Choose one of: " + ", ".join(models.LISTING_STATUSES),
        ),
        (
            ["admin", "jobs", "--service", "openai"],
            "unknown --service 'openai'. Choose one of: " + ", ".join(models.PROVIDERS),
        ),
    ],
)
def test_an_option_refuses_a_value_outside_its_set_before_any_work(args, message):
    done = subprocess.run([STAGEFY, *args], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"Error: {message}.\n")  # no stack started


def test_help_lists_each_set_from_models():
    help_text = run_cli(["crm", "contacts", "list", "--help"]).stdout
    assert "buyer, seller, investor or other" in help_text
    assert "lead, active or closed" in help_text
