"""The renders the worker runs in a stoppable child process (`jobs.stoppable`): module-level
functions with picklable arguments and results, so a fork-server child can run them."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

THUMBNAIL_SIDE = 640
POSTER_WIDTH = 640


def poster_frame(video: Path, at_seconds: float) -> bytes:
    """A JPEG of the frame at `at_seconds` (or the last one, for a shorter video), POSTER_WIDTH wide."""
    import av

    from stagefy_cli.imaging.errors import RenderError
    from stagefy_cli.imaging.video.filters import rgb_image

    frame_image = None
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            frame_image = frame
            if frame.time is not None and frame.time >= at_seconds:
                break
        if frame_image is None:
            raise RenderError(f"the video {video.name} has no frames")
        image = rgb_image(frame_image)
    image.thumbnail((POSTER_WIDTH, POSTER_WIDTH))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _thumbnail(data: bytes, mime_type: str) -> bytes | None:
    from PIL import Image

    if mime_type == "video/mp4":
        with tempfile.TemporaryDirectory(prefix="stagefy-reel-") as folder:
            path = Path(folder) / "reel.mp4"
            path.write_bytes(data)
            return poster_frame(path, 1.0)
    if not mime_type.startswith("image/"):
        return None
    with Image.open(io.BytesIO(data)) as image:
        small = image.convert("RGB")
        small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        out = io.BytesIO()
        small.save(out, "JPEG", quality=85)
        return out.getvalue()


def template_file(
    template_type: str,
    listing: dict,
    agent: dict,
    settings: dict,
    values: dict,
    photos: list[bytes],
    names: list[str],
    output_index: int,
) -> tuple[bytes, str, str, bytes | None]:
    """One file of a template use: (data, mime type, file name, thumbnail)."""
    from stagefy_cli.imaging.errors import PhotoError, RenderError
    from stagefy_cli.imaging.templates.render import render_template

    try:
        files = render_template(template_type, listing, agent, settings, values, photos)
    except PhotoError as exc:
        raise RenderError(f"{exc.message} ({names[exc.index]})") from None
    rendered = files[output_index]
    return rendered.data, rendered.mime_type, rendered.name, _thumbnail(rendered.data, rendered.mime_type)


def video_file(kind: str, files: list[Path], out: Path, options: dict, poster_at: float) -> bytes:
    """Render a slideshow (`video`) or join clips (`video_join`) to `out`; returns its poster JPEG."""
    from stagefy_cli.imaging.video.render import join_clips, render_slideshow

    if kind == "video_join":
        join_clips(files, out, **options)
    else:
        render_slideshow(files, out, **options)
    return poster_frame(out, poster_at)
