"""`stagefy video`: listing videos from photos, rendered by the worker and downloaded when done."""

from __future__ import annotations

from pathlib import Path

import typer

from stagefy_cli.commands.options import FIELDS, JSON, TIMEOUT, YES, command_group, out_folder

app = command_group("Turn listing photos into a video (slideshow or AI motion).")


@app.callback()
def video() -> None:
    """Turn listing photos into a video (slideshow or AI motion)."""


@app.command()
def create(
    photos: list[str] = typer.Argument(
        ..., help="Photos in video order: files (JPEG, PNG, WebP, HEIC) or media IDs from your library."
    ),
    listing: str = typer.Option(
        None, "--listing", help="CRM listing (ID or prefix): its address, price and rooms open the video."
    ),
    video_format: str = typer.Option(
        "landscape", "--format", "-f", help="landscape (1920x1080), reel (1080x1920) or square (1080x1080)."
    ),
    seconds_per_photo: float = typer.Option(
        3.0, "--seconds-per-photo", help="How long each photo is shown, 1 to 10 seconds."
    ),
    title: str = typer.Option(
        None,
        "--title",
        help="Headline of the opening card and name of the video (without --listing, the opening card).",
    ),
    fit: str = typer.Option(
        "blur",
        "--fit",
        help="How a photo of another shape than the video (a portrait photo in a landscape video) is "
        "shown whole: blur (over a blurred copy of itself) or letterbox (on black).",
    ),
    music: Path = typer.Option(
        None, "--music", help="Music file (MP3, M4A, AAC, WAV, OGG, FLAC), looped or cut."
    ),
    motion: str = typer.Option(
        None, "--motion", help="ai: a short AI clip per photo (Replicate) instead of pan-and-zoom."
    ),
    out: Path = out_folder("Directory for the video (default: current directory)."),
    no_wait: bool = typer.Option(
        False, "--no-wait", help="Print the project ID and return (exit 8) while it renders."
    ),
    timeout: float = TIMEOUT,
    yes: bool = YES,
    as_json: bool = JSON,
    fields: str = FIELDS,
) -> None:
    """Make an MP4 of listing photos: pan-and-zoom, cross-fades, a listing card and your contact card.

    Shows the price and your balance first and asks (--yes skips). The video is saved as
    NAME.video.mp4 in --out or the current directory, never overwriting a file.

    Example: stagefy video create kitchen.jpg lounge.jpg garden.jpg --listing 3f2a --format reel --yes
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.commands import submission
    from stagefy_cli.services import ids
    from stagefy_cli.services import video as videos
    from stagefy_cli.services.uploads import upload_file

    options = videos.VideoOptions(video_format, seconds_per_photo, title, motion, fit=fit)
    videos.validate_options(options)
    music_file = videos.check_music(music) if music else None
    ctx = client.signed_in()
    sources = videos.resolve_photos(ctx, photos)
    for line in [] if motion else videos.soft_photos(sources, video_format):
        render.notice(f"Warning: {line}")
    if listing:
        options = videos.VideoOptions(
            video_format,
            seconds_per_photo,
            title,
            motion,
            ids.resolve(ctx.client, "crm_listings", listing, "listing"),
            fit,
        )

    quote = videos.quote(ctx, len(sources), motion)
    summary = f"Video of {len(sources)} photo{'s' if len(sources) > 1 else ''}, {video_format}"
    if motion:
        summary += f", AI motion ({quote['price_clip']} credits a clip)"
    summary += f": {quote['total']} credits (balance {quote['balance']})"
    submission.confirm_quote(quote, "this video", summary, yes=yes, as_json=as_json)

    entries = submission.upload_with_progress(ctx, sources)
    music_entry = (
        upload_file(ctx, music_file, videos.AUDIO_TYPES[music_file.suffix.lower()]) if music_file else None
    )
    submitted = videos.submit(ctx, entries, options, music_entry)
    submission.follow(
        ctx,
        submitted,
        no_wait=no_wait,
        out=out or Path.cwd(),
        sources={},
        timeout=timeout,
        as_json=as_json,
        fields=fields,
    )
