"""The `stagefy` root command: global options, lazily registered command groups, error handling.

Command groups live in `stagefy_cli/commands/<group>.py` and are imported only when used, so
`stagefy --help`, `--version` and tab completion stay fast (no supabase, replicate or PIL imported).
The root's help lists each group from the short help in COMMANDS without importing it.
"""

from __future__ import annotations

import importlib
import sys

import typer
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer.core import TyperCommand, TyperGroup
from typer.exceptions import TyperException

from stagefy_cli import __version__, render
from stagefy_cli.errors import EXIT_CODES
from stagefy_cli.funnel import begin_command, cancelled, report_error

# name -> (module, one-line help shown by `stagefy --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "auth": ("stagefy_cli.commands.auth", "Sign up, sign in and out, and see who you are."),
    "profile": ("stagefy_cli.commands.profile", "Show and update your agent profile."),
    "credits": ("stagefy_cli.commands.credits", "Your credit balance, history and prices."),
    "profiles": ("stagefy_cli.commands.profiles", "Choose which Stagefy project (Supabase) to use."),
    "local": ("stagefy_cli.commands.local", "Run the embedded local stack (database, API, worker)."),
    "edit": (
        "stagefy_cli.commands.edit",
        "Edit listing photos with AI: stage, declutter, enhance, sky, dusk.",
    ),
    "projects": (
        "stagefy_cli.commands.projects",
        "Follow, download, cancel and retry your edits and videos.",
    ),
    "video": ("stagefy_cli.commands.video", "Turn listing photos into a video (slideshow or AI motion)."),
    "templates": (
        "stagefy_cli.commands.templates",
        "Marketing templates: promo posts, open-house flyers, reels, custom AI edits.",
    ),
    "worker": ("stagefy_cli.commands.worker", "Run the job worker (operators)."),
    "doctor": (
        "stagefy_cli.commands.doctor",
        "Check a project: API, keys, migrations, payments, storage, linter, workers.",
    ),
    "crm": ("stagefy_cli.commands.crm", "Your contacts and listings."),
    "media": ("stagefy_cli.commands.media", "Your library of edited photos, videos and templates."),
    "notifications": ("stagefy_cli.commands.notifications", "What happened while you were away."),
    "plans": ("stagefy_cli.commands.plans", "Monthly plans: price and credits."),
    "subscription": (
        "stagefy_cli.commands.subscription",
        "Your monthly plan: status, start, cancel, pause, resume.",
    ),
    "admin": (
        "stagefy_cli.commands.admin",
        "Admin console: users, credits, roles, audit, AI spend, stats, reconcile.",
    ),
}

EPILOG = "Exit codes: " + ", ".join(f"{code} {meaning}" for code, meaning in EXIT_CODES.items()) + "."


# The command groups built so far in this process, by name. Typer builds a group by reading the
# signature and type hints of each of its commands (tens of ms for the larger groups) and builds the
# root anew for each run of the app, so a process that runs it more than once (the test suite's
# in-process runs, the docs and completion generators) would build the same group each time.
_BUILT: dict[str, TyperCommand | TyperGroup] = {}


class _Placeholder(TyperCommand):
    """Stands in for a group in help listings and completion, so listing does not import it."""


class LazyGroup(TyperGroup):
    _listing = False

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx, cmd_name):
        command = super().get_command(ctx, cmd_name)
        if command is not None or cmd_name not in COMMANDS:
            return command
        module_name, short_help = COMMANDS[cmd_name]
        if self._listing:
            return _Placeholder(cmd_name, help=short_help, short_help=short_help)
        command = _BUILT.get(cmd_name)
        if command is None:
            command = typer.main.get_command(importlib.import_module(module_name).app)
            command.name = cmd_name
            _name_metavars(command)
            _BUILT[cmd_name] = command
        self.commands[cmd_name] = command
        return command

    def format_help(self, ctx, formatter):
        self._listing = True
        try:
            return super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def shell_complete(self, ctx, incomplete):
        self._listing = True
        try:
            return super().shell_complete(ctx, incomplete)
        finally:
            self._listing = False

    def resolve_command(self, ctx, args):
        """Typer suggests only among the groups already imported; the root suggests among all."""
        try:
            return super().resolve_command(ctx, args)
        except UsageError as exc:
            if args and "Did you mean" not in exc.message:
                from difflib import get_close_matches

                matches = get_close_matches(args[0], self.list_commands(ctx))
                if matches:
                    suggestions = ", ".join(repr(match) for match in matches)
                    exc.message = f"{exc.message.rstrip('.')}. Did you mean {suggestions}?"
            raise

    def _leaf(self, ctx, args: list[str]):
        """The command `args` name (`crm listings add`), or the deepest group they reach."""
        command = self
        for token in args:
            sub = command.get_command(ctx, token) if hasattr(command, "get_command") else None
            if sub is None:
                break
            command = sub
        return command

    def make_context(self, info_name, args, parent=None, **extra):
        try:  # the root's own --help is printed while its context is made
            return super().make_context(info_name, args, parent=parent, **extra)
        except BrokenPipeError:
            render.exit_closed_pipe()

    def invoke(self, ctx):
        args = [*getattr(ctx, "_protected_args", ()), *ctx.args]
        try:
            result = super().invoke(ctx)
        except NoArgsIsHelpError as exc:  # `stagefy crm`: its help, as a successful answer (gh does)
            typer.echo(exc.ctx.get_help())
            ctx.exit(0)
        except UsageError as exc:  # click's usage errors, as one line like every other error
            command = exc.ctx.command_path if exc.ctx else "stagefy"
            message = render.visible(plain_usage(exc.format_message()))
            if not message.endswith((".", "?", "!")):
                message += "."
            typer.echo(f"Error: {message} See: {command} --help", err=True)
            ctx.exit(2)
        except typer.Abort:  # Ctrl-C or Ctrl-D at a prompt: the same as Ctrl-C anywhere else
            ctx.exit(cancelled())
        except (typer.Exit, TyperException):
            raise
        except BrokenPipeError:
            render.exit_closed_pipe()
        except KeyboardInterrupt:
            ctx.exit(cancelled())
        except Exception as exc:  # every error reaches the user as one line
            ctx.exit(report_error(exc, option_flags(self._leaf(ctx, args))))
        from stagefy_cli.services.notifications import unread_notice

        render.quick_notice(unread_notice(args))
        return result


# Typer checks an option's range with pydantic, whose sentences speak of "Input": said as people do.
_PYDANTIC_SENTENCES = (
    (r"Input should be greater than or equal to (\S+)", r"must be \1 or more"),
    (r"Input should be less than or equal to (\S+)", r"must be \1 or less"),
    (r"Input should be greater than (\S+)", r"must be more than \1"),
    (r"Input should be less than (\S+)", r"must be less than \1"),
    (r"Input should be a valid integer[^.]*", "must be a whole number"),
    (r"Input should be a valid number[^.]*", "must be a number"),
)


def plain_usage(message: str) -> str:
    """A usage error's message without pydantic's wording."""
    import re

    for pattern, replacement in _PYDANTIC_SENTENCES:
        message = re.sub(pattern, replacement, message)
    return message


def _name_metavars(command) -> None:
    """Show `--email EMAIL` in help rather than Typer's `--email <str>`: every option and argument
    without its own metavar is named after itself."""
    for param in getattr(command, "params", ()):
        if (
            param.metavar is None
            and not getattr(param, "is_flag", False)
            and not getattr(param, "count", False)
        ):
            flags = [opt for opt in getattr(param, "opts", ()) if opt.startswith("--")]
            name = flags[0][2:] if flags else (param.name or "value")
            param.metavar = name.replace("-", "_").upper()
    for sub in getattr(command, "commands", {}).values():
        _name_metavars(sub)


def option_flags(command) -> dict[str, list[str]]:
    """{parameter name: its option flags} of a Click command, for naming a service's fields."""
    return {param.name: list(param.opts) for param in getattr(command, "params", []) if param.name}


app = typer.Typer(
    cls=LazyGroup,
    name="stagefy",
    help="Stagefy: AI photo edits, listing videos, marketing templates, CRM and credits for real-estate agents.",
    epilog=EPILOG,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"stagefy {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    profile: str = typer.Option(
        None,
        "--profile",
        "-p",
        help="Profile to use for this command (see: stagefy profiles list).",
        metavar="NAME",
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Stagefy: AI photo edits, listing videos, marketing templates, CRM and credits for real-estate agents.

    Example: stagefy edit living-room.jpg --type virtual_staging --style scandinavian
    """
    begin_command(profile)


def main() -> None:
    app(prog_name="stagefy")


if __name__ == "__main__":
    sys.exit(main())
