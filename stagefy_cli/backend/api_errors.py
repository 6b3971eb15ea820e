"""Translate API failures (PostgREST, GoTrue, Storage, Functions, transport) into StagefyErrors.

One mapping for both client paths: supabase-py's exceptions, and the `ApiError` the CLI's own thin
client (`backend/wire.py`) raises. The same mapping serves the hosted project and the embedded
stack, because both answer in the documented PostgREST/GoTrue/Storage shapes.
"""

from __future__ import annotations

import re

from stagefy_cli.errors import (
    AuthRequired,
    InsufficientCredits,
    NotFound,
    PermissionDenied,
    StagefyError,
    UsageError,
    missing_extra,
)

INSUFFICIENT_CREDITS_SQLSTATE = "P0402"
NOT_FOUND_SQLSTATE = "P0404"
FORBIDDEN_SQLSTATE = "P0403"
INVALID_INPUT_SQLSTATE = "P0422"
# PostgREST's codes for a database it could not use: no connection (000), one lost (001), the
# schema cache not loaded (002), none free in time (003). Worth trying again.
DATABASE_UNAVAILABLE_CODES = ("PGRST000", "PGRST001", "PGRST002", "PGRST003")

_SIGN_IN = "Run: stagefy auth login"


class ApiError(Exception):
    """A failed call of the thin client, with the fields supabase-py's exceptions carry.

    `service` is "postgrest", "auth", "storage" or "transport" (the server could not be reached).
    """

    def __init__(self, service: str, message: str, *, code: str | None = None, status: int = 0):
        super().__init__(message)
        self.service = service
        self.message = message
        self.code = code
        self.status = status


def _sentence(text: str) -> str:
    text = (text or "").strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def from_postgrest(exc) -> StagefyError:
    code = str(getattr(exc, "code", "") or "")
    message = str(getattr(exc, "message", "") or exc)
    if code in DATABASE_UNAVAILABLE_CODES:
        return StagefyError(
            f"the project's database is not answering ({message.rstrip('.')}); try again in a moment."
        )
    if code == INSUFFICIENT_CREDITS_SQLSTATE:
        return InsufficientCredits(_sentence(message) + " Buy more with: stagefy credits packs")
    if code == NOT_FOUND_SQLSTATE:
        return NotFound(_sentence(message))
    if code in (FORBIDDEN_SQLSTATE, "42501"):
        return PermissionDenied(_sentence(f"permission denied: {message}"))
    if code == INVALID_INPUT_SQLSTATE or code.startswith("22") or code in ("23514", "23502", "P0001"):
        return UsageError(_sentence(message))
    if code in ("PGRST301", "PGRST303", "401"):
        return AuthRequired(f"your session has expired. {_SIGN_IN}")
    if code == "PGRST116":
        return NotFound("not found.")
    if code in ("23505", "409"):
        return StagefyError(_sentence(f"already exists: {message}"))
    if code == "23503":
        return UsageError(_sentence(f"a referenced record does not exist: {message}"))
    return StagefyError(_sentence(f"the server refused the request: {message}"))


def from_auth(exc) -> StagefyError:
    code = getattr(exc, "code", None)
    message = getattr(exc, "message", None) or str(exc)
    if code == "invalid_credentials":
        return AuthRequired("wrong email or password. Try again, or sign up with: stagefy auth signup")
    if code in ("user_already_exists", "email_exists"):
        return UsageError("an account with this email already exists. Sign in with: stagefy auth login")
    if code == "weak_password":
        return UsageError(_sentence(message))
    if code in ("over_request_rate_limit", "over_email_send_rate_limit"):
        return StagefyError(
            "too many attempts: the auth server's rate limit for your address was reached. "
            "Wait a few minutes, then try again."
        )
    if code == "email_not_confirmed":
        return AuthRequired(
            "your e-mail address is not confirmed yet. Open the link in the confirmation e-mail, "
            "then run: stagefy auth login"
        )
    if code in ("refresh_token_not_found", "refresh_token_already_used", "session_not_found", "bad_jwt"):
        return AuthRequired(f"your session has expired. {_SIGN_IN}")
    if code == "not_admin":
        return PermissionDenied("permission denied: this needs the service role key.")
    status = getattr(exc, "status", 0)
    if status == 0:
        return StagefyError(
            f"cannot reach the auth server ({message}). Check your connection and profile URL."
        )
    return StagefyError(_sentence(message))


def from_storage(exc) -> StagefyError:
    status = str(getattr(exc, "status", "") or "")
    message = getattr(exc, "message", None) or str(exc)
    if status == "404":
        return NotFound(_sentence(f"file not found in storage: {message}"))
    if status in ("401", "403"):
        return PermissionDenied(_sentence(f"storage refused access: {message}"))
    if status == "413":
        return UsageError("the file is larger than the storage limit.")
    return StagefyError(_sentence(f"storage error: {message}"))


def from_functions(exc) -> StagefyError:
    """An Edge Function's answer `{"error": "..."}` with its HTTP status. supabase-py keeps only the
    `error` field; the platform's own 404 for a function that is not deployed has none, so its
    message is supabase-py's generic one."""
    status = int(getattr(exc, "status", 0) or 0)
    message = str(getattr(exc, "message", "") or exc)
    if status == 404 and message.startswith("An error occurred while requesting your edge function"):
        return StagefyError(
            "the project has no payment function deployed. The operator deploys it with: "
            "supabase functions deploy payfast --no-verify-jwt (see README: Hosted deployment)."
        )
    if status == 401:
        return AuthRequired(_sentence(message) + f" {_SIGN_IN}")
    if status == 403:
        return PermissionDenied(_sentence(f"permission denied: {message}"))
    if status == 404:
        return NotFound(_sentence(message))
    if status in (400, 409, 422):
        return UsageError(_sentence(message))
    return StagefyError(_sentence(message))


def translate(exc: BaseException) -> StagefyError | None:
    """A StagefyError for a known client exception, or None when `exc` is not one of them."""
    if isinstance(exc, StagefyError):
        return exc
    if isinstance(exc, ApiError):
        mapping = {"postgrest": from_postgrest, "auth": from_auth, "storage": from_storage}
        return mapping[exc.service](exc) if exc.service in mapping else _unreachable(exc.message)
    module = type(exc).__module__ or ""
    name = type(exc).__name__
    if module.startswith("postgrest") and name == "APIError":
        return from_postgrest(exc)
    if module.startswith(("supabase_auth", "gotrue")):
        return from_auth(exc)
    if module.startswith("storage3"):
        return from_storage(exc)
    if module.startswith("supabase_functions"):
        return from_functions(exc)
    if module.startswith(("httpx", "httpcore")):
        return _unreachable(str(exc) or name)
    return None


def _unreachable(detail: str) -> StagefyError:
    detail = re.sub(r"\s+", " ", detail)
    return StagefyError(f"cannot reach the server ({detail}). Check your connection and profile URL.")


def as_stagefy_error(exc: BaseException) -> StagefyError:
    """The one line every failure reaches the user as: a known API error, else an unexpected one."""
    error = translate(exc) or missing_extra(exc)
    if error is not None:
        return error
    detail = str(exc) or type(exc).__name__
    return StagefyError(f"unexpected error: {detail}. Re-run with STAGEFY_DEBUG=1 for details.")
