"""Errors a user can act on, each with its documented exit code.

Services raise these with a message that says what happened and what to do; the CLI prints
`Error: <message>` on one line of stderr and exits with the code. Exit codes (README, `stagefy --help`):
0 success, 1 failure, 2 usage, 3 cancelled, 4 sign-in required, 5 not found, 6 permission denied,
7 not enough credits, 8 still pending, 9 partly done; 141 when the reader of the output went away (`| head -1`).
"""

from __future__ import annotations


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
