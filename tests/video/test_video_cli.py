"""`stagefy video create` end to end: the CLI, the SQL submit path, a real worker rendering, read back."""

from __future__ import annotations

from pathlib import Path

import pytest
from stagefy_testing import run_cli
from video_support import add_listing, balance, ledger, library_item, make_music, make_photo, price, sql

from stagefy_cli.imaging.video.render import CARD_SECONDS, probe_video

FPS = 30


def expected_duration(segments_s: list[float]) -> float:
    """Each card and photo is on screen as long as asked, cross-fades included."""
    return sum(segments_s)


@pytest.mark.slow  # encodes a reel with cards and music (about 9 s)
def test_reel_with_listing_card_agent_card_and_music(signed_in_agent, cli_stack, local_worker, tmp_path):
    run_cli(["profile", "update", "--brokerage", "Coastal Realty", "--phone", "+27 21 555 0100"])
    listing = add_listing(
        address="12 Oak Street", city="Cape Town", price=2450000, beds=3, baths=2, sqft=1500
    )
    photos = [make_photo(tmp_path / f"room{i}.jpg", seed=i) for i in range(2)]
    music = make_music(tmp_path / "tone.wav")
    out = tmp_path / "out"

    result = run_cli(
        [
            "video", "create", *map(str, photos), "--listing", listing["id"][:8], "--format", "reel",
            "--seconds-per-photo", "1", "--music", str(music), "--out", str(out),
            "--yes", "--json", "--timeout", "180",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    project = result.json()
    assert (project["type"], project["status"]) == ("video", "completed")
    assert project["credit_cost"] == price("video:slideshow")
    [job] = project["jobs"]
    assert (job["input"]["kind"], job["service"], job["status"]) == ("video", "local", "completed")
    assert job["input"]["listing"]["address"] == "12 Oak Street"
    assert job["input"]["agent"]["brokerage"] == "Coastal Realty"

    video = out / "12-oak-street.video.mp4"
    assert project["files"] == [str(video)]
    info = probe_video(video)
    assert (info.width, info.height, info.fps) == (1080, 1920, FPS)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert info.duration_s == pytest.approx(expected_duration([CARD_SECONDS, 1, 1, CARD_SECONDS]), abs=0.05)

    [(media_type, listing_id, url, thumbnail, title)] = sql(
        cli_stack,
        "select type::text, listing_id::text, url, thumbnail_url, title from public.media_items "
        "where project_id = %s",
        project["id"],
    )
    assert (media_type, listing_id, url) == ("video", listing["id"], job["output_url"])
    assert thumbnail.endswith(".thumb.jpg") and title == "Video: 12 Oak Street"
    assert ledger(cli_stack, signed_in_agent.id) == [
        ("bonus", 50),
        ("usage", -price("video:slideshow")),
    ]


@pytest.mark.slow  # encodes a video
def test_library_photos_and_files_mix_in_a_square_video_without_listing(
    signed_in_agent, cli_stack, local_worker, tmp_path
):
    from_library = library_item(
        cli_stack, signed_in_agent.id, make_photo(tmp_path / "lib.jpg", seed=7).read_bytes(), "staged.jpg"
    )
    photo = make_photo(tmp_path / "garden.jpg", seed=3)
    result = run_cli(
        [
            "video", "create", str(photo), from_library["id"][:8], "--format", "square",
            "--seconds-per-photo", "1", "--out", str(tmp_path), "--yes", "--json", "--timeout", "180",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    project = result.json()
    [job] = project["jobs"]
    assert [p["path"] for p in job["input"]["photos"]][1] == from_library[
        "url"
    ]  # used in place, not re-uploaded
    info = probe_video(Path(project["files"][0]))
    assert (info.width, info.height, info.audio_codec) == (1080, 1080, None)
    # no listing: no opening card; the agent's card closes the video
    assert info.duration_s == pytest.approx(expected_duration([1, 1, CARD_SECONDS]), abs=0.05)
    assert Path(project["files"][0]).name == "garden.video.mp4"


def test_corrupt_photo_in_the_middle_fails_the_project_and_refunds(
    signed_in_agent, cli_stack, local_worker, tmp_path
):
    broken = library_item(cli_stack, signed_in_agent.id, b"\xff\xd8\xff not really a jpeg", "broken.jpg")
    photos = [str(make_photo(tmp_path / "a.jpg")), broken["id"], str(make_photo(tmp_path / "b.jpg", seed=2))]
    result = run_cli(["video", "create", *photos, "--seconds-per-photo", "1", "--yes", "--timeout", "120"])
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()[-1:]
    assert "failed" in line and "Photo 2 of 3 (broken.jpg) cannot be read" in line
    assert "refunded" in line
    cost = price("video:slideshow")
    assert ledger(cli_stack, signed_in_agent.id) == [("bonus", 50), ("usage", -cost), ("refund", cost)]
    assert balance(cli_stack, signed_in_agent.id) == 50
    [(status, error)] = sql(
        cli_stack,
        "select status::text, error_message from public.projects where user_id = %s",
        signed_in_agent.id,
    )
    assert status == "failed" and "Photo 2 of 3" in error
    assert sql(cli_stack, "select count(*) from public.media_items where project_id is not null "
               "and user_id = %s", signed_in_agent.id) == [(0,)]  # fmt: skip


def test_retry_and_cancel_a_video(signed_in_agent, cli_stack, tmp_path):
    photo = make_photo(tmp_path / "a.jpg")
    queued = run_cli(["video", "create", str(photo), "--yes", "--no-wait", "--json"])
    assert queued.exit_code == 8
    project_id = queued.json()["project_id"]
    cancelled = run_cli(["projects", "cancel", project_id[:8], "--yes", "--json"])
    assert cancelled.exit_code == 0, cancelled.stderr
    assert cancelled.json()["refunded"] == price("video:slideshow")

    retried = run_cli(["projects", "retry", project_id[:8], "--yes", "--no-wait", "--json"])
    assert retried.exit_code == 8, retried.stderr
    again = run_cli(["projects", "show", retried.json()["project_id"], "--json"]).json()
    assert (again["type"], again["status"], again["credit_cost"]) == (
        "video",
        "queued",
        price("video:slideshow"),
    )
    assert (
        again["jobs"][0]["input"]["photos"]
        == run_cli(["projects", "show", project_id, "--json"]).json()["input_data"]["photos"]
    )
    run_cli(["projects", "cancel", again["id"], "--yes"])
    assert balance(cli_stack, signed_in_agent.id) == 50


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "portrait"], "unknown --format 'portrait'"),
        (["--seconds-per-photo", "0.2"], "--seconds-per-photo must be between 1 and 10"),
        (["--motion", "warp"], "unknown --motion 'warp'"),
        (["--fit", "stretch"], "unknown --fit 'stretch'"),
        (["--music", "{notes}"], "not audio Stagefy can use"),
    ],
)
def test_bad_options_are_usage_errors_before_anything_is_spent(
    signed_in_agent, cli_stack, tmp_path, args, message
):
    notes = tmp_path / "song.mp3"
    notes.write_text("these are not sounds")
    photo = make_photo(tmp_path / "a.jpg")
    result = run_cli(["video", "create", str(photo), *[a.format(notes=notes) for a in args], "--yes"])
    assert result.exit_code == 2
    assert message in result.stderr
    assert balance(cli_stack, signed_in_agent.id) == 50


@pytest.mark.slow  # encodes a video
def test_a_title_without_listing_opens_the_video_and_small_photos_are_warned_about(
    signed_in_agent, cli_stack, local_worker, tmp_path
):
    small = make_photo(tmp_path / "small.jpg", size=(600, 400), seed=1)  # 3.2x to fill 1920x1080
    portrait = make_photo(tmp_path / "portrait.jpg", size=(1200, 1600), seed=2)  # fitted: 0.68x
    result = run_cli(
        [
            "video", "create", str(small), str(portrait), "--title", "Sunset Villa", "--fit", "letterbox",
            "--seconds-per-photo", "1", "--out", str(tmp_path), "--yes", "--json", "--timeout", "180",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "Warning: small.jpg (600x400) is enlarged 3.2x in a landscape video" in result.stderr
    assert "portrait.jpg" not in result.stderr
    project = result.json()
    [job] = project["jobs"]
    assert (job["input"]["fit"], job["input"]["title"]) == ("letterbox", "Sunset Villa")
    video = Path(project["files"][0])
    assert video.name == "sunset-villa.video.mp4"
    # the title card, two photos, the agent's card
    info = probe_video(video)
    assert info.duration_s == pytest.approx(expected_duration([CARD_SECONDS, 1, 1, CARD_SECONDS]), abs=0.05)


def test_a_missing_photo_is_named(signed_in_agent, tmp_path):
    result = run_cli(["video", "create", str(tmp_path / "nope.jpg"), "--yes"])
    assert result.exit_code == 2
    assert "nope.jpg: no such file" in result.stderr
    not_an_id = run_cli(["video", "create", "kitchen-photo", "--yes"])
    assert not_an_id.exit_code == 2
    assert "kitchen-photo: no such file, and not a media ID either" in not_an_id.stderr
