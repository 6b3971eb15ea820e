"""Services name the fields of a request; the CLI names them as each command spells its options."""

from __future__ import annotations

import pytest
import typer

from stagefy_cli import cli
from stagefy_cli.commands.crm import app as crm_app
from stagefy_cli.commands.edit import app as edit_app
from stagefy_cli.errors import FieldError
from stagefy_cli.services.fields import check_choice, choice_problem


def test_a_value_outside_its_set_is_refused_naming_the_field():
    assert check_choice("stage", ("stage", "dusk"), "edit_type") == "stage"
    assert check_choice(None, ("stage",), "edit_type") is None
    with pytest.raises(FieldError) as refused:
        check_choice("teleport", ("stage", "dusk"), "edit_type")
    assert refused.value.message == "unknown edit_type 'teleport'. Choose one of: stage, dusk."
    assert refused.value.exit_code == 2
    assert (
        choice_problem("alien", ("buyer", "seller"), "type") == "unknown type 'alien' (one of: buyer, seller)"
    )
    assert choice_problem("buyer", ("buyer", "seller"), "type") is None


def test_each_field_is_spelled_as_asked_and_other_braces_stay():
    error = FieldError('give {sqft} or {sqm}, not both; a prompt such as "{address}".', "sqft", "sqm")
    assert (
        error.naming(lambda field: f"--{field}")
        == 'give --sqft or --sqm, not both; a prompt such as "{address}".'
    )


def _edit_function():
    return next(info.callback for info in edit_app.registered_commands)


def test_the_cli_spells_a_field_as_the_command_declares_it():
    listings = next(info.typer_instance for info in crm_app.registered_groups if info.name == "listings")
    add_listing = typer.main.get_command(listings).commands["add"]
    assert cli.option_for(add_listing, "bedrooms") == "--beds"
    for command in (_edit_function(), typer.main.get_command(edit_app)):  # the fast path's and Typer's
        assert cli.option_for(command, "edit_type") == "--type"
        assert cli.option_for(command, "variations") == "--variations"
        assert cli.option_for(command, "not_an_option") == "not_an_option"
    assert cli.option_for(None, "edit_type") == "edit_type"


def test_the_error_funnel_prints_the_commands_flag(capsys):
    error = FieldError("{variations} must be between 1 and 4.", "variations")
    assert cli.report_error(error, _edit_function()) == 2
    assert capsys.readouterr().err == "Error: --variations must be between 1 and 4.\n"
