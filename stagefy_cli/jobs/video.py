"""Video jobs: a slideshow rendered on the worker, AI clips made by Replicate, and the join of the clips.

Photos and clips are downloaded one at a time into a temporary folder and the renderer reads them
from disk, so a 60-photo video never holds 60 photos in memory. Each file keeps its own name, so a
photo the renderer cannot read is named in the job's error (and the project is refunded).
"""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path, PurePosixPath

from stagefy_cli.jobs import JobContext, JobOutput
from stagefy_cli.jobs.limits import check_photo

CLIP_PROMPT = (
    "Slow, smooth cinematic camera movement through this real-estate photo; the room and its "
    "furniture stay exactly as they are, no people, no new objects."
)
CLIP_NEGATIVE_PROMPT = "people, distortion, warped walls, text, watermark, fast motion"
#: ~$0.30 per 5-second standard Kling clip (third-party quote, unverified); STAGEFY_REPLICATE_COSTS overrides.
DEFAULT_CLIP_PRICE = "0.30/run"


def _local_copy(ctx: JobContext, path: str, folder: Path, index: int, filename: str | None) -> Path:
    """Download one stored file to `folder/<index>/<its own name>`."""
    name = PurePosixPath(filename or path).name or f"file-{index}"
    target = folder / f"{index:04d}" / name
    target.parent.mkdir(parents=True)
    target.write_bytes(ctx.download(path))
    return target


def cards(job_input: dict):
    """The opening card (the listing, when there is one, else the title, when there is one) and the
    closing card (the agent)."""
    from stagefy_cli.imaging.video.render import ClosingCard, OpeningCard, TitleCard

    listing = job_input.get("listing")
    agent = job_input.get("agent") or {}
    opening: OpeningCard | TitleCard | None = None
    if listing and listing.get("address"):
        price = listing.get("price")
        bathrooms = listing.get("bathrooms")
        opening = OpeningCard(
            address=listing["address"],
            city=listing.get("city"),
            price=Decimal(str(price)) if price is not None else None,
            bedrooms=listing.get("bedrooms"),
            bathrooms=Decimal(str(bathrooms)) if bathrooms is not None else None,
            sqft=listing.get("sqft"),
            title=job_input.get("title"),
            currency=listing.get("currency") or "ZAR",
        )
    elif job_input.get("title"):
        opening = TitleCard(job_input["title"])
    closing = None
    if agent.get("full_name"):
        closing = ClosingCard(
            agent_name=agent["full_name"],
            brokerage=agent.get("brokerage"),
            phone=agent.get("phone"),
            email=agent.get("email"),
        )
    return opening, closing


def _render(ctx: JobContext, sources: list[dict], options: dict, photos: bool) -> JobOutput:
    """Download `sources` ([{path, filename}]) and the music, then render them in a child process
    the worker can stop (`render_tasks.video_file`)."""
    from stagefy_cli.imaging.video.render import CARD_SECONDS
    from stagefy_cli.jobs.render_tasks import video_file
    from stagefy_cli.jobs.stoppable import run_stoppable

    opening, closing = cards(ctx.input)
    with tempfile.TemporaryDirectory(prefix="stagefy-video-") as tmp:
        folder = Path(tmp)
        files = []
        for index, source in enumerate(sources):
            file = _local_copy(ctx, source["path"], folder / "in", index, source.get("filename"))
            if photos:
                check_photo(file.read_bytes(), file.name)
            files.append(file)
        music = ctx.input.get("music")
        music_file = (
            _local_copy(ctx, music["path"], folder / "music", 0, music.get("filename")) if music else None
        )
        out = folder / "video.mp4"
        common = {
            "format": ctx.input.get("format") or "landscape",
            "opening": opening,
            "closing": closing,
            "music": music_file,
        }
        kind = ctx.input.get("kind") or "video"
        poster_at = (CARD_SECONDS if opening is not None else 0) + 1.0
        poster = run_stoppable(ctx.cancelled, video_file, kind, files, out, {**common, **options}, poster_at)
        listing = ctx.input.get("listing") or {}
        title = (
            ctx.input.get("title") or listing.get("address") or ctx.input.get("filename") or "Listing video"
        )
        return JobOutput(
            data=out.read_bytes(),
            mime_type="video/mp4",
            extension=".mp4",
            media_type="video",
            title=f"Video: {title}",
            thumbnail=poster,
        )


def run_video(ctx: JobContext) -> JobOutput:
    """A slideshow of the project's photos."""
    seconds = float(ctx.input.get("seconds_per_photo") or 3)
    options = {"seconds_per_photo": seconds, "fit": ctx.input.get("fit") or "blur"}
    return _render(ctx, ctx.input["photos"], options, photos=True)


def run_join(ctx: JobContext) -> JobOutput:
    """The AI clips of the project (released by the database when the last one completed), joined."""
    return _render(ctx, ctx.input["clips"], {}, photos=False)


def clip_input(model: str, image: str, prompt: str) -> dict:
    """The input document of an image-to-video model (Kling's, as Replicate documents it)."""
    if model.split(":")[0].startswith("kwaivgi/kling"):
        return {
            "start_image": image,
            "prompt": prompt,
            "negative_prompt": CLIP_NEGATIVE_PROMPT,
            "mode": "standard",
            "duration": 5,
        }
    return {"image": image, "prompt": prompt}  # a model set by the operator: the common shape


def run_clip(ctx: JobContext) -> JobOutput:
    """One photo to a short clip through Replicate's predictions API (the replicate provider's client)."""
    import httpx

    from stagefy_cli.ai.base import ProviderError
    from stagefy_cli.ai.images import data_uri
    from stagefy_cli.ai.replicate import Price, ReplicateProvider, first_output
    from stagefy_cli.ai.transport import Deadline, download
    from stagefy_cli.imaging.photo_io import srgb_copy

    provider = ctx.providers.get("replicate")
    if not isinstance(provider, ReplicateProvider):
        raise ProviderError(
            "AI motion needs the replicate provider on the worker (set REPLICATE_API_TOKEN for it)."
        )
    model = ctx.job["model"]  # the server's, or the operator's override recorded at claim
    source = ctx.input["source_path"]
    photo = ctx.photo(source, ctx.input.get("filename") or "the photo")
    image = ctx.signed_url(source)
    if (converted := srgb_copy(photo)) is not None:  # the model reads pixel numbers as sRGB
        image = data_uri(converted, "image/jpeg")
    elif image is None:
        image = data_uri(photo, ctx.input.get("mime_type") or "image/jpeg")
    deadline = Deadline(ctx.provider_timeout(), "replicate")
    prediction = provider.create_prediction(model, clip_input(model, image, CLIP_PROMPT), deadline)
    ctx.record_provider_job(prediction.id)
    prediction = provider.wait_for(prediction, deadline)
    name = ctx.input.get("filename") or "the photo"
    if prediction.status == "failed":
        raise ProviderError(f"replicate: the clip of {name} failed: {prediction.error or 'no reason given'}")
    if prediction.status == "canceled":
        raise ProviderError(f"replicate: the clip of {name} was canceled")
    with httpx.Client() as plain:  # output URLs are public: our token must not go to other hosts
        data = download(plain, first_output(prediction.output), deadline=deadline)
    price = provider.prices.get(model.split(":")[0]) or Price.parse(DEFAULT_CLIP_PRICE)
    return JobOutput(
        data=data,
        mime_type="video/mp4",
        extension=".mp4",
        media_type="video",
        title=f"Clip of {name}",
        api_cost=price.cost((prediction.metrics or {}).get("predict_time")),
    )
