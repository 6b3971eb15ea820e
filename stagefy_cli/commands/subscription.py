"""`stagefy subscription`: your monthly plan through PayFast recurring billing."""

from __future__ import annotations

import typer

from stagefy_cli.commands.options import FIELDS, JSON, YES, command_group, complete_from, one_of
from stagefy_cli.models import PAID_TIERS

app = command_group("Your monthly plan: status, start, cancel, pause, resume.")


def _describe(sub: dict) -> str:
    """The status as `status` shows it and a change reports it, in the same words."""
    if sub["status"] == "paused" and sub.get("resume_requested_at"):
        return "resuming (active again with PayFast's next payment)"
    if sub.get("ended_at"):
        return f"{sub['status']} (ended)"
    return sub["status"]


def _render_change(sub: dict, as_json: bool, message: str) -> None:
    from stagefy_cli import render

    render.output(
        sub,
        as_json=as_json,
        done=message.format(
            plan=sub["plan_id"], end=render.local_time(sub["current_period_end"]), status=_describe(sub)
        ),
    )


@app.command()
def status(as_json: bool = JSON, fields: str = FIELDS) -> None:
    """Show your plan, its status and the current paid period.

    Example: stagefy subscription status --json
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import billing

    state = billing.status(client.signed_in())
    sub = state.get("subscription")
    shown = {
        "subscription_tier": state["subscription_tier"],
        "credits": state["credits"],
        "status": _describe(sub) if sub else "no subscription",
        "monthly_credits": sub and sub["monthly_credits"],
        "price_paid": sub and sub["price_paid"],
        "current_period_end": sub and sub["current_period_end"],
    }
    render.output(
        state,
        [
            render.Column("subscription_tier", "Plan"),
            render.Column("status", "Status"),
            render.Column("monthly_credits", "Credits/month"),
            render.Column("price_paid", "Price/month", render.money),
            render.Column("current_period_end", "Paid until", render.local_time),
            render.Column("credits", "Balance"),
        ],
        as_json=as_json,
        fields=fields,
        shown=shown,
    )


@app.command()
def start(
    tier: str = typer.Argument(
        ...,
        help=f"The plan: {one_of(PAID_TIERS)} (see: stagefy plans).",
        autocompletion=complete_from(PAID_TIERS),
    ),
    open_browser: bool = typer.Option(False, "--open", help="Open the payment page in your browser."),
    yes: bool = YES,
    as_json: bool = JSON,
) -> None:
    """Print a signed PayFast link that starts a monthly plan (billed monthly until you cancel).

    A cancelled plan that is still paid for is replaced when the new plan's first payment arrives:
    you are told until when it is paid and asked first.

    Example: stagefy subscription start pro --open
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.commands.checkout import show_checkout
    from stagefy_cli.errors import Cancelled
    from stagefy_cli.services import billing

    ctx = client.signed_in()
    current = billing.paid_up_cancelled_plan(ctx)
    if current:
        until = render.local_time(current["current_period_end"])
        render.notice(
            f"Your cancelled {current['plan_id']} plan is paid until {until}. The {tier} plan replaces "
            f"it when its first payment arrives, and the rest of that paid time is given up. To keep "
            f"it, start the {tier} plan after {until}."
        )
        if not render.confirm(f"Start the {tier} plan now?", yes):
            raise Cancelled("nothing was started.")
    show_checkout(billing.subscription_checkout(ctx, tier), open_browser, as_json)


@app.command()
def cancel(yes: bool = YES, as_json: bool = JSON) -> None:
    """Cancel your plan at PayFast; you keep it (and its tier) until the paid period ends.

    Example: stagefy subscription cancel --yes
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.errors import Cancelled
    from stagefy_cli.services import billing

    ctx = client.signed_in()
    billing.changeable_subscription(ctx, "cancel")
    if not render.confirm("Cancel your plan? PayFast stops billing you.", yes):
        raise Cancelled("nothing was cancelled.")
    sub = billing.change_subscription(ctx, "cancel")
    _render_change(sub, as_json, "Cancelled your {plan} plan; you keep it until {end}.")


@app.command()
def pause(yes: bool = YES, as_json: bool = JSON) -> None:
    """Pause your plan at PayFast: the next monthly payment (and its credits) is skipped.

    Example: stagefy subscription pause --yes
    """
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.errors import Cancelled
    from stagefy_cli.services import billing

    ctx = client.signed_in()
    billing.changeable_subscription(ctx, "pause")
    if not render.confirm("Pause your plan? Its next monthly payment and credits are skipped.", yes):
        raise Cancelled("nothing was paused.")
    sub = billing.change_subscription(ctx, "pause")
    _render_change(sub, as_json, "Paused your {plan} plan; the payment after {end} is skipped.")


@app.command()
def resume(as_json: bool = JSON) -> None:
    """Resume a paused plan at PayFast; it is active again with the next payment.

    Example: stagefy subscription resume
    """
    from stagefy_cli.backend import client
    from stagefy_cli.services import billing

    ctx = client.signed_in()
    billing.changeable_subscription(ctx, "resume")
    sub = billing.change_subscription(ctx, "resume")
    _render_change(sub, as_json, "Asked PayFast to resume your {plan} plan; it is {status}.")
