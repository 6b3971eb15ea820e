"""`stagefy templates use`: every template type rendered through the CLI, the SQL submit path and a
real worker; counters, media rows, placeholders and prices."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from stagefy_testing import run_cli
from template_support import add_listing, balance, builtin, cli_json, make_photo, price, sql

from stagefy_cli.imaging.video.render import probe_video

LISTING = {
    "address": "12 Oak Street",
    "city": "Cape Town",
    "price": 2450000,
    "beds": 3,
    "baths": 2,
    "sqft": 1500,
}


def use(template_id: str, listing_id: str, *args: str):
    return run_cli(
        [
            "templates",
            "use",
            template_id[:8],
            "--listing",
            listing_id[:8],
            *args,
            "--yes",
            "--json",
            "--timeout",
            "180",
        ]
    )


def template_row(stack, template_id: str):
    [row] = sql(
        stack, "select usage_count, credits_used, output_url from public.templates where id = %s", template_id
    )
    return row


def test_listing_promo_makes_a_square_and_a_portrait_image(
    signed_in_agent, cli_stack, local_worker, tmp_path
):
    listing = add_listing(**LISTING)
    template = builtin("listing_promo", "Just listed")
    before = template_row(cli_stack, template["id"])
    out = tmp_path / "out"
    result = use(
        template["id"], listing["id"], "--photo", str(make_photo(tmp_path / "front.jpg")), "--out", str(out)
    )
    assert result.exit_code == 0, result.stderr
    project = result.json()
    assert (project["type"], project["status"], project["credit_cost"]) == (
        "template",
        "completed",
        price("template:listing_promo"),
    )
    files = [Path(f) for f in project["files"]]
    assert [f.name for f in files] == [
        "12-oak-street-1080x1080.listing_promo.jpg",
        "12-oak-street-1080x1350.listing_promo.jpg",
    ]
    assert [Image.open(f).size for f in files] == [(1080, 1080), (1080, 1350)]

    media = sql(
        cli_stack,
        "select type::text, listing_id::text, thumbnail_url is not null from public.media_items "
        "where project_id = %s",
        project["id"],
    )
    assert media == [("template", listing["id"], True)] * 2
    uses, credits, output_url = template_row(cli_stack, template["id"])
    assert (uses, credits) == (before[0] + 1, before[1] + price("template:listing_promo"))
    assert output_url == before[2]  # a built-in template never points at one agent's private file
    assert balance(cli_stack, signed_in_agent.id) == 50 - price("template:listing_promo")


@pytest.mark.slow  # renders a full-size flyer PDF and its preview (about 4 s)
def test_open_house_flyer_pdf_and_preview_with_date_and_time(
    signed_in_agent, cli_stack, local_worker, tmp_path
):
    listing = add_listing(**LISTING)
    template = builtin("open_house", "Open house flyer (A4)")
    photos = [make_photo(tmp_path / f"p{i}.jpg", colour=(120 + 30 * i, 120, 100)) for i in range(3)]
    result = use(
        template["id"],
        listing["id"],
        *[arg for photo in photos for arg in ("--photo", str(photo))],
        "--set",
        "date=Saturday 14 June",
        "--set",
        "time=10:00 - 12:00",
        "--out",
        str(tmp_path),
    )
    assert result.exit_code == 0, result.stderr
    flyer, preview = (Path(f) for f in result.json()["files"])
    assert flyer.name == "12-oak-street-flyer.open_house.pdf"
    assert flyer.read_bytes().startswith(b"%PDF-")
    assert preview.name == "12-oak-street-preview.open_house.png"
    with Image.open(preview) as image:
        width, height = image.size
    assert height / width == pytest.approx(297 / 210, abs=0.01)  # an A4 page


@pytest.mark.slow  # encodes a reel (about 11 s)
def test_instagram_reel_is_a_9_16_video(signed_in_agent, cli_stack, local_worker, tmp_path):
    listing = add_listing(**LISTING)
    template = builtin("instagram_reel")
    result = use(
        template["id"], listing["id"], "--photo", str(make_photo(tmp_path / "a.jpg")), "--out", str(tmp_path)
    )
    assert result.exit_code == 0, result.stderr
    project = result.json()
    [reel] = [Path(f) for f in project["files"]]
    assert reel.name == "12-oak-street.instagram_reel.mp4"
    info = probe_video(reel)
    assert (info.width, info.height, info.fps, info.video_codec) == (1080, 1920, 30, "h264")
    assert sql(
        cli_stack, "select type::text from public.media_items where project_id = %s", project["id"]
    ) == [("video",)]


def test_a_very_long_address_still_renders_within_the_frame(
    signed_in_agent, cli_stack, local_worker, tmp_path
):
    long_address = (
        "Unit 1204, The Pinnacle Residences at Victoria and Alfred Waterfront, 15 Dock Road, Extension 4"
    )
    listing = add_listing(**{**LISTING, "address": long_address, "price": 123456789})
    template = builtin("listing_promo", "Just listed (full bleed)")
    result = use(
        template["id"], listing["id"], "--photo", str(make_photo(tmp_path / "a.jpg")), "--out", str(tmp_path)
    )
    assert result.exit_code == 0, result.stderr
    sizes = [Image.open(f).size for f in result.json()["files"]]
    assert sizes == [(1080, 1080), (1080, 1350)]
    assert all(Path(f).name.startswith("unit-1204-the-pinnacle-residences") for f in result.json()["files"])


def test_own_template_counts_its_uses_and_points_at_the_latest_output(
    signed_in_agent, cli_stack, local_worker, tmp_path
):
    created = cli_json(
        ["templates", "create", "--name", "Teal promo", "--type", "listing_promo", "--set", "primary=#0F3D3E"]
    )
    assert template_row(cli_stack, created["id"]) == (0, 0, None)
    listing = add_listing(**LISTING)
    photo = make_photo(tmp_path / "front.jpg")
    result = use(created["id"], listing["id"], "--photo", str(photo), "--out", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    project = result.json()
    square = next(job for job in project["jobs"] if job["input"]["part"] == "1080x1080")
    assert template_row(cli_stack, created["id"]) == (
        1,
        price("template:listing_promo"),
        square["output_url"],
    )
    shown = cli_json(["templates", "show", created["id"][:8]])
    assert (shown["usage_count"], shown["output_url"]) == (1, square["output_url"])


def test_custom_template_fills_its_prompt_and_queues_ai_edits(signed_in_agent, cli_stack, tmp_path):
    listing = add_listing(**LISTING)
    template = builtin("custom")
    photos = [make_photo(tmp_path / f"room{i}.jpg") for i in range(2)]
    result = run_cli(
        ["templates", "use", template["id"][:8], "--listing", listing["id"][:8],
         "--photo", str(photos[0]), "--photo", str(photos[1]), "--yes", "--no-wait", "--json"]
    )  # fmt: skip
    assert result.exit_code == 8, result.stderr
    assert result.json()["credits_charged"] == 2 * price("template:custom")
    project = cli_json(["projects", "show", result.json()["project_id"]])
    assert project["type"] == "template"
    prompts = {job["input"]["prompt"] for job in project["jobs"]}
    [prompt] = prompts
    assert "3-bedroom home in Cape Town" in prompt and "R 2 450 000" in prompt.replace("\u00a0", " ")
    assert {(job["input"]["kind"], job["input"]["edit_type"]) for job in project["jobs"]} == {
        ("edit", "enhance")  # the built-in custom template's settings.edit_type
    }
    cancelled = cli_json(["projects", "cancel", project["id"], "--yes"])
    assert cancelled["refunded"] == 2 * price("template:custom")
    assert balance(cli_stack, signed_in_agent.id) == 50


def test_missing_placeholders_and_values_are_errors_before_anything_is_spent(
    signed_in_agent, cli_stack, tmp_path
):
    photo = str(make_photo(tmp_path / "a.jpg"))
    no_city = add_listing(address="3 Hill Road", beds=2)
    result = run_cli(
        [
            "templates",
            "use",
            builtin("custom")["id"][:8],
            "--listing",
            no_city["id"][:8],
            "--photo",
            photo,
            "--yes",
        ]
    )
    assert result.exit_code == 2
    assert "needs values for: city, price" in result.stderr
    assert "--set city=... --set price=..." in result.stderr

    own = cli_json(
        ["templates", "create", "--name", "Garage", "--type", "custom", "--prompt-template",
         "Tidy the {garage} garage of {address}"]
    )  # fmt: skip
    missing = run_cli(
        ["templates", "use", own["id"][:8], "--listing", no_city["id"][:8], "--photo", photo, "--yes"]
    )
    assert missing.exit_code == 2 and "needs values for: garage" in missing.stderr

    open_house = builtin("open_house", "Open house flyer (A4)")
    no_date = run_cli(["templates", "use", open_house["id"][:8], "--listing", no_city["id"][:8], "--yes"])
    assert no_date.exit_code == 2 and "date, time" in no_date.stderr

    assert balance(cli_stack, signed_in_agent.id) == 50
    assert sql(cli_stack, "select count(*) from public.projects where user_id = %s", signed_in_agent.id) == [
        (0,)
    ]

    filled = run_cli(
        ["templates", "use", own["id"][:8], "--listing", no_city["id"][:8], "--photo", photo,
         "--set", "garage=double", "--yes", "--no-wait", "--json"]
    )  # fmt: skip
    assert filled.exit_code == 8, filled.stderr
    project = cli_json(["projects", "show", filled.json()["project_id"]])
    assert project["jobs"][0]["input"]["prompt"] == "Tidy the double garage of 3 Hill Road"


def test_built_in_custom_template_works_offline(signed_in_agent, cli_stack, job_worker, tmp_path):
    listing = add_listing(**LISTING)
    photo = make_photo(tmp_path / "lounge.jpg")
    submitted = run_cli(
        ["templates", "use", builtin("custom")["id"][:8], "--listing", listing["id"][:8],
         "--photo", str(photo), "--yes", "--no-wait", "--json"]
    )  # fmt: skip
    assert submitted.exit_code == 8, submitted.stderr
    assert job_worker(start=False).run(once=True) == 1
    done = cli_json(["projects", "watch", submitted.json()["project_id"][:8], "--out", str(tmp_path / "out")])
    assert done["status"] == "completed"
    assert [j["service"] for j in done["jobs"]] == ["local"]
    assert len(done["files"]) == 1


def test_edit_type_setting_is_checked(signed_in_agent):
    bad = run_cli(
        ["templates", "create", "--name", "X", "--type", "custom", "--prompt-template", "Stage {address}",
         "--set", "edit_type=teleport"]
    )  # fmt: skip
    assert bad.exit_code == 2 and "unknown edit_type 'teleport'. Choose one of: " in bad.stderr
    promo = run_cli(
        ["templates", "create", "--name", "Y", "--type", "listing_promo", "--set", "edit_type=staging"]
    )
    assert promo.exit_code == 2 and "the edit_type setting is for custom templates only" in promo.stderr
