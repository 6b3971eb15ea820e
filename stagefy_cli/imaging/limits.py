"""The largest photo Stagefy takes: the CLI checks it before uploading (`services/photos.py`) and
the worker again from a stored input's header before decoding it (`jobs/limits.py`), since anyone
with a session can upload through the API."""

MAX_PIXELS = 60_000_000
