"""Object bytes on disk: `<root>/<bucket>/<name>`, written through a temp file and an atomic rename.

Uploads stream into `<root>/.tmp/` (same filesystem, so the final `os.replace` is atomic) while their
size and MD5 are counted; readers never see a half-written object.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from stagefy_cli.local.gateway.storage.errors import StorageError
from stagefy_cli.local.gateway.storage.sniffing import SNIFF_BYTES

MAX_KEY_LENGTH = 1024
# Bodies up to this size (photos, job results) are held in memory on their way in and out; larger
# ones stream through temp files and chunked reads.
IN_MEMORY_BYTES = 4 * 1024 * 1024


def check_key(name: str) -> str:
    """An object key must be a relative path without empty, `.` or `..` segments."""
    segments = name.split("/")
    if (
        not name
        or len(name) > MAX_KEY_LENGTH
        or "\x00" in name
        or any(s in ("", ".", "..") for s in segments)
    ):
        raise StorageError(400, "InvalidKey", "InvalidKey", f"Invalid key: {name}")
    return name


def check_bucket_id(bucket_id: str) -> str:
    if (
        not bucket_id
        or bucket_id.startswith(".")
        or "/" in bucket_id
        or "\x00" in bucket_id
        or len(bucket_id) > 100
    ):
        raise StorageError(400, "Invalid Input", "InvalidBucketName", "Bucket name invalid")
    return bucket_id


class PayloadTooLarge(StorageError):
    def __init__(self):
        super().__init__(
            413, "Payload too large", "EntityTooLarge", "The object exceeded the maximum allowed size"
        )


class PendingBlob:
    """An upload being received: bytes go to a temp file, counted and hashed on the way; its first
    SNIFF_BYTES are kept (they say what the file is)."""

    def __init__(self, tmp_dir: Path, size_limit: int | None):
        handle, name = tempfile.mkstemp(dir=tmp_dir, suffix=".part")
        self.path = Path(name)
        self._file = os.fdopen(handle, "wb")
        self._md5 = hashlib.md5()
        self._limit = size_limit
        self.size = 0
        self.head = b""

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self._limit is not None and self.size > self._limit:
            raise PayloadTooLarge()
        self._md5.update(chunk)
        self._file.write(chunk)
        if len(self.head) < SNIFF_BYTES:
            self.head += chunk[: SNIFF_BYTES - len(self.head)]

    def finish(self) -> str:
        """Flush to disk and return the hex MD5 (Storage's ETag)."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        return self._md5.hexdigest()

    def discard(self) -> None:
        if not self._file.closed:
            self._file.close()
        self.path.unlink(missing_ok=True)


class BlobStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.tmp_dir = self.root / ".tmp"

    def path(self, bucket_id: str, name: str) -> Path:
        return self.root / check_bucket_id(bucket_id) / check_key(name)

    def receive(self, size_limit: int | None = None) -> PendingBlob:
        try:  # directories are made when missing, not checked for on every upload
            return PendingBlob(self.tmp_dir, size_limit)
        except FileNotFoundError:
            self.tmp_dir.mkdir(parents=True, exist_ok=True)
            return PendingBlob(self.tmp_dir, size_limit)

    def install(self, source: Path, bucket_id: str, name: str) -> None:
        """Atomically put a finished temp file in place as the object's bytes."""
        target = self.path(bucket_id, name)
        try:
            try:
                os.replace(source, target)
            except FileNotFoundError:
                if not Path(source).exists():
                    raise
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
        except (FileExistsError, IsADirectoryError, NotADirectoryError) as exc:
            # Keys map to paths, so `a` and `a/b` cannot both exist here (S3-style storage allows it).
            raise StorageError(
                400,
                "InvalidKey",
                "InvalidKey",
                f"Invalid key: {name} clashes with a folder or object on disk",
            ) from exc

    def move(self, bucket_id: str, name: str, to_bucket: str, to_name: str) -> None:
        self.install(self.path(bucket_id, name), to_bucket, to_name)

    def copy(self, bucket_id: str, name: str, to_bucket: str, to_name: str) -> None:
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=self.tmp_dir, suffix=".part")
        os.close(handle)
        try:
            shutil.copyfile(self.path(bucket_id, name), tmp)
            self.install(Path(tmp), to_bucket, to_name)
        finally:
            Path(tmp).unlink(missing_ok=True)

    def delete(self, bucket_id: str, name: str) -> None:
        """Remove an object's bytes and the directories it leaves empty inside its bucket."""
        path = self.path(bucket_id, name)
        path.unlink(missing_ok=True)
        bucket_dir = self.root / bucket_id
        parent = path.parent
        while parent != bucket_dir:
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent

    def delete_bucket(self, bucket_id: str) -> None:
        shutil.rmtree(self.root / check_bucket_id(bucket_id), ignore_errors=True)
