"""The instructions sent to generative editors."""

from __future__ import annotations

import pytest

from stagefy_cli.ai.catalog import EDIT_TYPES, ROOM_TYPES, STYLES
from stagefy_cli.ai.prompts import ROOM_FURNITURE, STYLE_HINTS, build_prompt


def test_every_style_and_room_has_words():
    assert set(STYLES) == set(STYLE_HINTS) and set(ROOM_TYPES) == set(ROOM_FURNITURE)


@pytest.mark.parametrize("edit_type", [t for t in EDIT_TYPES if t != "custom"])
def test_every_type_has_an_instruction_that_protects_the_property(edit_type):
    text = build_prompt(edit_type)
    assert len(text) > 150 and "photorealistic" in text


def test_staging_names_the_style_its_look_and_the_room_furniture():
    text = build_prompt("virtual_staging", style="mid_century", room="dining_room")
    assert "mid-century modern style" in text and "walnut" in text and "dining table" in text
    assert "windows" in text  # keep the architecture


def test_a_users_words_are_added_and_required_for_custom():
    assert "Also: add a piano." in build_prompt("declutter", prompt=" add a piano ")
    assert "make the walls sage green" in build_prompt("custom", prompt="make the walls sage green")
    with pytest.raises(ValueError, match="needs a prompt"):
        build_prompt("custom", prompt="  ")
    with pytest.raises(ValueError, match="unknown edit type"):
        build_prompt("recolour")


def test_every_edit_with_the_longest_wish_that_fits_keeps_the_wish_and_the_protection_whole():
    from stagefy_cli.ai.prompts import KEEP_ARCHITECTURE, KEEPS_ARCHITECTURE, PromptTooLong

    for edit_type in EDIT_TYPES:
        for style in (None, *STYLES):
            for room in (None, *ROOM_TYPES):
                with pytest.raises(PromptTooLong) as caught:
                    build_prompt(edit_type, style, room, "w" * 900, limit=800, provider="qwen")
                wish = "w" * caught.value.max_wish
                text = build_prompt(edit_type, style, room, wish, limit=800, provider="qwen")
                assert len(text) <= 800 and wish in text
                assert caught.value.max_wish >= 300  # room for a real wish, whatever the type
                if edit_type in KEEPS_ARCHITECTURE:
                    assert text.endswith(f"{KEEP_ARCHITECTURE} Photorealistic.")


def test_a_prompt_within_the_limit_keeps_its_detailed_wording():
    text = build_prompt("virtual_staging", "mid_century", "dining_room", "add a piano", limit=800)
    assert "walnut" in text and "natural light" in text and len(text) <= 800
