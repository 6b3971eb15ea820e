"""`render.output`, the one door every command's result goes through: JSON with --json (narrowed by
--fields), else a table, a record or an action's line for people, with the piped-output rules
(one line per row, control characters escaped) applied on the way."""

from __future__ import annotations

import json

import pytest

from stagefy_cli import render
from stagefy_cli.errors import UsageError

COLUMNS = [render.Column("id", "ID"), render.Column("name", "NAME")]
ROWS = [{"id": "a1", "name": "Tab\there", "secret": "x"}, {"id": "b2", "name": "New\nline\x1b[2J"}]


def test_json_is_the_result_as_given_narrowed_to_fields(capsys):
    render.output(ROWS, COLUMNS, as_json=True, fields="id", done="never shown", shown=[{"id": "z"}])
    out, err = capsys.readouterr()
    assert json.loads(out) == [{"id": "a1"}, {"id": "b2"}]
    assert err == ""
    with pytest.raises(UsageError, match="unknown field"):
        render.output(ROWS, COLUMNS, as_json=True, fields="nope")


def test_rows_piped_are_one_escaped_line_each_with_the_more_notice(capsys):
    render.output(ROWS, COLUMNS, as_json=False, total=5)
    out, err = capsys.readouterr()
    assert out == "a1\tTab\\there\nb2\tNew\\nline\\x1b[2J\n"
    assert err.strip() == "Showing 2 of 5; use --limit to see more."


def test_a_record_piped_is_key_and_value_lines_and_shown_is_only_for_people(capsys):
    record = {"id": "a1", "settings": {"k": 1}}
    render.output(
        record, [render.Column("id"), render.Column("text")], as_json=False, shown={**record, "text": "k=1"}
    )
    assert capsys.readouterr().out == "id\ta1\ntext\tk=1\n"
    render.output(record, [render.Column("id")], as_json=True, shown={**record, "text": "k=1"})
    assert json.loads(capsys.readouterr().out) == record


def test_an_action_says_done_on_stderr_and_a_custom_shape_prints_itself(capsys):
    render.output({"id": "a1"}, as_json=False, done="Deleted a1\x07.")
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "✓ Deleted a1\\x07.\n"
    calls = []
    render.output({"id": "a1"}, as_json=False, show=lambda: calls.append("shown"))
    render.output({"id": "a1"}, as_json=True, show=lambda: calls.append("never"))
    assert calls == ["shown"]
