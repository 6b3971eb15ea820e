"""Supabase Storage's error wire format.

Storage answers every client error with HTTP 400 (internal errors with 500) and puts the semantic
status in the body as a string; storage3 raises `StorageApiError(message, error, statusCode)` and
needs all three keys.
"""

from __future__ import annotations

import psycopg
from starlette.responses import JSONResponse


class StorageError(Exception):
    def __init__(self, status: int, error: str, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.error = error
        self.code = code
        self.message = message

    def response(self) -> JSONResponse:
        body = {
            "statusCode": str(self.status),
            "code": self.code,
            "error": self.error,
            "message": self.message,
        }
        return JSONResponse(body, status_code=500 if self.status >= 500 else 400)


def bucket_not_found() -> StorageError:
    return StorageError(404, "Bucket not found", "NoSuchBucket", "Bucket not found")


def object_not_found() -> StorageError:
    return StorageError(404, "not_found", "NoSuchKey", "Object not found")


def duplicate(code: str = "KeyAlreadyExists") -> StorageError:
    return StorageError(409, "Duplicate", code, "The resource already exists")


def access_denied(message: str) -> StorageError:
    return StorageError(403, "Unauthorized", "AccessDenied", message)


def invalid_request(message: str) -> StorageError:
    return StorageError(400, "InvalidRequest", "InvalidRequest", message)


def internal() -> StorageError:
    return StorageError(500, "internal", "InternalError", "Internal Server Error")


def from_database(exc: psycopg.Error, duplicate_code: str = "KeyAlreadyExists") -> StorageError:
    """Storage's mapping of PostgreSQL errors: RLS denial 403, unique violation 409, the rest 500."""
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return access_denied("new row violates row-level security policy")
    if isinstance(exc, psycopg.errors.UniqueViolation):
        return duplicate(duplicate_code)
    return internal()
