"""Services name the fields of a request; the CLI names them as each command spells its options."""

from __future__ import annotations

import pytest
import typer

from stagefy_cli import cli, funnel
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


def test_the_cli_spells_a_field_as_the_command_declares_it(capsys):
    from stagefy_cli.fast_index import INDEX
    from stagefy_cli.fast_path import option_flags

    listings = next(info.typer_instance for info in crm_app.registered_groups if info.name == "listings")
    add_listing = typer.main.get_command(listings).commands["add"]
    error = FieldError("{bedrooms} must be a whole number.", "bedrooms")
    assert funnel.report_error(error, cli.option_flags(add_listing)) == 2  # Typer's path
    assert funnel.report_error(error, None) == 2  # no command known: the field's own name
    edit = FieldError(
        "{edit_type} and {variations} do not go together; {not_an_option}.",
        "edit_type",
        "variations",
        "not_an_option",
    )
    for flags in (cli.option_flags(typer.main.get_command(edit_app)), option_flags(INDEX["edit"]["params"])):
        assert funnel.report_error(edit, flags) == 2  # Typer's path, then the fast path's
    assert capsys.readouterr().err.splitlines() == [
        "Error: --beds must be a whole number.",
        "Error: bedrooms must be a whole number.",
        "Error: --type and --variations do not go together; not_an_option.",
        "Error: --type and --variations do not go together; not_an_option.",
    ]
