"""Helpers for the provider tests: a uvicorn thread for the stand-in servers, request recording,
and small synthetic photos. No database: providers are independent of it."""

from __future__ import annotations

import functools
import io
import json
from dataclasses import dataclass

import numpy as np
import pytest
from PIL import Image
from starlette.requests import Request

from stagefy_cli.local.ephemeral import ServerThread


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


class Recorder:
    """Keeps every request a stand-in received, so tests can assert what the provider sent."""

    def __init__(self):
        self.log: list[Recorded] = []

    async def __call__(self, request: Request) -> Recorded:
        entry = Recorded(request.method, request.url.path, dict(request.headers), await request.body())
        self.log.append(entry)
        return entry

    def paths(self) -> list[str]:
        return [f"{entry.method} {entry.path}" for entry in self.log]


@functools.cache  # the same bytes for the same arguments: many tests take the default one
def photo(width: int = 1600, height: int = 1067, fmt: str = "JPEG", seed: int = 1) -> bytes:
    """A small but real photo-like image: gradients, a few shapes and noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    pixels = np.stack(
        [120 + 60 * xx / width, 110 + 50 * yy / height, 100 + 40 * (xx + yy) / (width + height)], -1
    )
    pixels[height // 3 : height // 2, width // 4 : width // 2] = (40, 50, 60)
    pixels += rng.normal(0, 4, pixels.shape)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def result_image() -> bytes:
    """What a stand-in returns as the edited photo (distinct from any input)."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 30)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def serve():
    """serve(app) -> a started ServerThread, stopped after the test."""
    started: list[ServerThread] = []

    def _serve(app) -> ServerThread:
        server = ServerThread(app).__enter__()
        started.append(server)
        return server

    yield _serve
    for server in started:
        server.__exit__(None, None, None)


@pytest.fixture
def make_photo():
    return photo


@pytest.fixture
def result_jpeg() -> bytes:
    return result_image()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()
