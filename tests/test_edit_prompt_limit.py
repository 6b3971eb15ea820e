"""A wish longer than a service reads is refused on the command line, before sign-in, quote or charge."""

from __future__ import annotations

from stagefy_testing import make_photo, run_cli


def test_a_custom_wish_too_long_for_qwen_is_refused_before_anything_happens(tmp_path):
    photo = make_photo(tmp_path / "room.jpg")
    result = run_cli(["edit", str(photo), "--type", "custom", "--prompt", "paint it " * 80, "--yes"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: the request is too long for qwen (719 characters")
    assert "Shorten --prompt to 580 characters or fewer." in result.stderr


def test_the_same_wish_may_go_to_a_provider_without_that_limit(cli_stack, tmp_path):
    photo = make_photo(tmp_path / "room.jpg")
    result = run_cli(
        [
            "edit",
            str(photo),
            "--type",
            "custom",
            "--prompt",
            "paint it " * 80,
            "--provider",
            "nano_banana",
            "--yes",
        ]
    )
    assert "too long" not in result.stderr and result.exit_code == 4  # got as far as signing in (nobody is)
