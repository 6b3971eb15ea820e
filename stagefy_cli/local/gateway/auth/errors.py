"""GoTrue's error wire format (API version 2024-01-01), so supabase-py raises AuthApiError with `.code`.

The client honours the body's `code` only when the response echoes `X-Supabase-Api-Version`; the
`x-sb-error-code` header is what GoTrue adds for proxies and logs.
"""

from __future__ import annotations

from starlette.responses import JSONResponse

API_VERSION = "2024-01-01"


class AuthError(Exception):
    """An error GoTrue would answer with: HTTP status, machine code, human message, extra body keys."""

    def __init__(self, status: int, code: str, message: str, **extra):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"code": self.code, "message": self.message, **self.extra},
            status_code=self.status,
            headers={"X-Supabase-Api-Version": API_VERSION, "x-sb-error-code": self.code},
        )


def invalid_credentials() -> AuthError:
    return AuthError(400, "invalid_credentials", "Invalid login credentials")


def validation_failed(message: str) -> AuthError:
    return AuthError(400, "validation_failed", message)


def user_not_found() -> AuthError:
    return AuthError(404, "user_not_found", "User not found")


def email_exists() -> AuthError:
    return AuthError(422, "email_exists", "A user with this email address has already been registered")
