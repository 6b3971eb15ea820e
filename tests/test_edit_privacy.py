"""What an agent publishes: an edited photo comes back without the GPS position, serial numbers and
owner of the original unless `--keep-metadata` says otherwise, through the CLI, `submit_edit` and a
real worker; and in sRGB, tagged, whatever profile the photo had."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from imaging.media_photos import OWNER, SERIAL, display_p3_icc, photo, private_exif, tagged
from PIL import ExifTags, Image, ImageCms
from stagefy_testing import run_cli, sql


def _edit(path: Path, *extra: str) -> Path:
    result = run_cli(
        [
            "edit",
            str(path),
            "--type",
            "enhance",
            "--provider",
            "local",
            *extra,
            "--yes",
            "--json",
            "--timeout",
            "90",
        ]
    )
    assert result.exit_code == 0, result.stderr
    [file] = result.json()["files"]
    return Path(file)


def test_private_metadata_is_stripped_unless_kept(signed_in_agent, cli_stack, local_worker, tmp_path):
    original = tmp_path / "kitchen.jpg"
    original.write_bytes(tagged(photo("chelsea"), display_p3_icc(), exif=private_exif()))

    stripped = _edit(original)
    data = stripped.read_bytes()
    with Image.open(stripped) as image:
        exif = image.getexif()
        assert exif.get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert exif[ExifTags.Base.Model] == "Canon EOS R6"  # the camera settings stay
        icc = ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))
        assert icc.profile.profile_description.startswith("sRGB")
    assert SERIAL.encode() not in data and OWNER.encode() not in data

    kept = _edit(original, "--keep-metadata")
    with Image.open(kept) as image:
        exif = image.getexif()
        assert exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "S"
        assert exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber] == SERIAL
        assert exif[ExifTags.Base.Artist] == OWNER

    inputs = sql(
        cli_stack,
        "select input -> 'keep_metadata' from public.ai_jobs where user_id = %s order by created_at",
        signed_in_agent.id,
    )
    assert [row[0] for row in inputs] == [False, True]


def test_keep_metadata_must_be_a_boolean(signed_in_agent, cli_stack, tmp_path):
    from postgrest.exceptions import APIError

    from stagefy_cli.backend.client import UserContext
    from stagefy_cli.services import edits
    from stagefy_cli.services.photos import check_photo
    from stagefy_cli.services.uploads import upload_sources

    path = tmp_path / "hall.jpg"
    photo("coffee").save(path, "JPEG")
    agent = signed_in_agent
    ctx = UserContext(agent.client, agent.id, agent.email)
    [uploaded] = upload_sources(ctx, [check_photo(path)])
    with pytest.raises(APIError) as caught:
        edits.submit(ctx, [uploaded], edits.EditOptions("enhance", keep_metadata="yes"))
    assert caught.value.message == "keep_metadata must be true or false"
    assert run_cli(["credits", "balance", "--json"]).json()["credits"] == 50
