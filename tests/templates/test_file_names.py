"""Downloaded videos and template files are named after the listing's address (or the video's
title), with accented letters spelled out, not dropped ("L'Église" -> "l-eglise", not "l-glise")."""

from __future__ import annotations

import pytest
from stagefy_testing import run_cli, sql
from template_support import make_photo


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("L'Église, 3 Rue Saint-Honoré", "l-eglise-3-rue-saint-honore"),
        ("12 Oak Street, Sea Point", "12-oak-street-sea-point"),
        ("Große Straße 5, Köln", "grosse-strasse-5-koln"),
        ("Søndre Gate 7, Tromsø", "sondre-gate-7-tromso"),
        ("Ærø Ÿpres Çeşme Łódź Ñandú", "aero-ypres-cesme-lodz-nandu"),
        ("ﬁve ①", "five-1"),  # compatibility forms: the ligature and the circled digit
        ("🏡 ✨", "listing"),  # nothing spellable: the fallback
    ],
)
def test_names_transliterate_accents(stack, text, slug):
    assert sql(stack, "select private.slug(%s)", text) == [(slug,)]


def test_a_video_titled_with_accents_is_named_with_them_spelled_out(signed_in_agent, cli_stack, tmp_path):
    photo = make_photo(tmp_path / "front.jpg")
    result = run_cli(
        ["video", "create", str(photo), "--title", "L'Église Saint-Étienne", "--yes", "--no-wait"]
    )
    assert result.exit_code == 8, result.stderr
    rows = sql(
        cli_stack, "select input ->> 'filename' from public.ai_jobs where user_id = %s", signed_in_agent.id
    )
    assert rows == [("l-eglise-saint-etienne",)]
