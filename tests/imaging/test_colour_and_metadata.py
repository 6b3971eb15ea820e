"""Real photos tagged Adobe RGB or Display P3 come out of every edit, video and template in the
right colours, tagged sRGB; GPS, serial numbers and owner are stripped unless kept; orientation
stays applied."""

from __future__ import annotations

import io

import av
import pytest
from media_photos import (
    GPS,
    OWNER,
    SERIAL,
    adobe_rgb_icc,
    display_p3_icc,
    jpeg,
    mean_delta_e,
    photo,
    private_exif,
    tagged,
)
from PIL import ExifTags, Image, ImageCms

from stagefy_cli.ai.base import EditRequest
from stagefy_cli.ai.local import LocalProvider
from stagefy_cli.imaging.photo_io import decode_photo
from stagefy_cli.imaging.templates.design import load_logo
from stagefy_cli.imaging.templates.render import render_template
from stagefy_cli.imaging.video.render import render_slideshow

PROFILES = {"adobe_rgb": adobe_rgb_icc, "display_p3": display_p3_icc}


def _enhanced(data: bytes, keep_metadata: bool = False) -> Image.Image:
    result = LocalProvider().run(EditRequest("enhance", data, "image/jpeg", keep_metadata=keep_metadata))
    return Image.open(io.BytesIO(result.image))


def _profile_name(image: Image.Image) -> str:
    icc = image.info.get("icc_profile")
    assert icc, "the result carries no colour profile"
    return ImageCms.ImageCmsProfile(io.BytesIO(icc)).profile.profile_description.strip()


@pytest.mark.parametrize("profile", PROFILES)
def test_a_tagged_photo_is_read_in_its_own_colours(profile):
    original = photo("coffee")
    data = tagged(original, PROFILES[profile]())
    naive = Image.open(io.BytesIO(data)).convert("RGB")  # the numbers read as if they were sRGB
    assert mean_delta_e(naive, original) > 4.0  # the profile matters: ignoring it shifts colours
    decoded, _ = decode_photo(data)
    assert mean_delta_e(decoded, original) < 1.2


@pytest.mark.parametrize("profile", PROFILES)
def test_an_edit_of_a_tagged_photo_equals_the_edit_of_the_srgb_photo_and_is_tagged_srgb(profile):
    original = photo("coffee")
    expected = _enhanced(jpeg(original))
    result = _enhanced(tagged(original, PROFILES[profile]()))
    assert _profile_name(result).startswith("sRGB")
    assert mean_delta_e(result.convert("RGB"), expected.convert("RGB")) < 1.5


def test_gps_serial_numbers_and_owner_are_stripped_and_the_camera_settings_kept():
    data = jpeg(photo("chelsea"), exif=private_exif())
    assert SERIAL.encode() in data and OWNER.encode() in data
    raw = LocalProvider().run(EditRequest("enhance", data, "image/jpeg")).image
    assert SERIAL.encode() not in raw and OWNER.encode() not in raw
    result = Image.open(io.BytesIO(raw))
    exif = result.getexif()
    assert exif.get_ifd(ExifTags.IFD.GPSInfo) == {}
    settings = exif.get_ifd(ExifTags.IFD.Exif)
    for tag in (
        ExifTags.Base.BodySerialNumber,
        ExifTags.Base.LensSerialNumber,
        ExifTags.Base.CameraOwnerName,
    ):
        assert tag not in settings
    assert ExifTags.Base.Artist not in exif
    assert exif[ExifTags.Base.Model] == "Canon EOS R6"
    assert exif[ExifTags.Base.Copyright] == "Coastal Realty"
    assert float(settings[ExifTags.Base.ExposureTime]) == pytest.approx(1 / 60)


def test_keep_metadata_keeps_them():
    exif = _enhanced(jpeg(photo("chelsea"), exif=private_exif()), keep_metadata=True).getexif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert gps[ExifTags.GPS.GPSLatitudeRef] == GPS[ExifTags.GPS.GPSLatitudeRef]
    assert [float(v) for v in gps[ExifTags.GPS.GPSLatitude]] == list(GPS[ExifTags.GPS.GPSLatitude])
    assert exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber] == SERIAL
    assert exif[ExifTags.Base.Artist] == OWNER


def test_orientation_stays_applied():
    original = photo("chelsea")  # 451x300
    result = _enhanced(jpeg(original, exif=private_exif(orientation=6)))  # "rotate 90 degrees to view"
    assert result.size == (original.height, original.width)
    assert ExifTags.Base.Orientation not in result.getexif()


def _first_frame(path) -> Image.Image:
    with av.open(str(path)) as container:
        return next(container.decode(video=0)).to_image()


@pytest.mark.parametrize("profile", PROFILES)
def test_a_video_of_a_tagged_photo_shows_its_colours(profile, tmp_path):
    original = photo("coffee").resize((480, 320))
    size = (480, 320)
    frames = {}
    for name, data in (("srgb", jpeg(original)), ("tagged", tagged(original, PROFILES[profile]()))):
        render_slideshow([data], tmp_path / f"{name}.mp4", seconds_per_photo=1, fps=10, size=size)
        frames[name] = _first_frame(tmp_path / f"{name}.mp4")
    assert mean_delta_e(frames["tagged"], frames["srgb"]) < 2.5  # H.264 at CRF 20 adds its own


LISTING = {
    "address": "3 Kloof Nek Rd",
    "city": "Cape Town",
    "price": 2_450_000,
    "bedrooms": 3,
    "bathrooms": 2,
}
AGENT = {"full_name": "Thandi Nkosi", "brokerage": "Coastal Homes", "phone": "+27 82 555 0101"}


@pytest.mark.parametrize("profile", PROFILES)
def test_a_promo_of_a_tagged_photo_shows_its_colours_and_is_tagged_srgb(profile):
    original = photo("coffee")
    promos = {
        name: Image.open(io.BytesIO(render_template("listing_promo", LISTING, AGENT, {}, {}, [data])[0].data))
        for name, data in (("srgb", jpeg(original)), ("tagged", tagged(original, PROFILES[profile]())))
    }
    assert _profile_name(promos["tagged"]).startswith("sRGB")
    assert mean_delta_e(promos["tagged"].convert("RGB"), promos["srgb"].convert("RGB")) < 1.0


@pytest.mark.parametrize("profile", PROFILES)
def test_a_tagged_logo_keeps_its_colours_and_its_transparency(profile):
    original = photo("coffee").resize((300, 200))
    srgb, target = ImageCms.createProfile("sRGB"), ImageCms.ImageCmsProfile(io.BytesIO(PROFILES[profile]()))
    converted = ImageCms.profileToProfile(original, srgb, target, outputMode="RGB").convert("RGBA")
    converted.putalpha(Image.linear_gradient("L").resize((300, 200)))
    buffer = io.BytesIO()
    converted.save(buffer, "PNG", icc_profile=PROFILES[profile]())
    logo = load_logo(buffer.getvalue())
    assert logo.mode == "RGBA"
    assert mean_delta_e(logo.convert("RGB"), original) < 1.0
    assert logo.getchannel("A").getpixel((10, 150)) == converted.getchannel("A").getpixel((10, 150))
