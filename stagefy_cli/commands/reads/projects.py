"""`stagefy projects list` and `projects show`."""

from __future__ import annotations


def columns():
    """The columns of a project table."""
    from stagefy_cli import render

    return [
        render.Column("id", "ID", lambda v: v[:8]),
        render.Column("name", "NAME", max_width=40),
        render.Column("type", "TYPE"),
        render.Column("status", "STATUS"),
        render.Column("net_credits", "CREDITS"),  # what it cost after refunds
        render.Column("created_at", "CREATED", render.local_time),
    ]


def list_projects(
    status: str | None, project_type: str | None, limit: int, as_json: bool, fields: str | None
) -> None:
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.services import projects

    rows, total = projects.list_projects(
        client.signed_in(), status=status, project_type=project_type, limit=limit
    )
    render.output(rows, columns(), as_json=as_json, fields=fields, total=total)


def render_project(project: dict) -> None:
    from stagefy_cli import render

    render.print_detail(
        project,
        [
            render.Column("id", "ID"),
            render.Column("name", "Name"),
            render.Column("type", "Type"),
            render.Column("status", "Status"),
            render.Column("credit_cost", "Credits"),
            render.Column("refunded_credits", "Refunded"),
            render.Column("error_message", "Error"),
            render.Column("created_at", "Created", render.local_time),
            render.Column("completed_at", "Completed", render.local_time),
        ],
    )
    if project.get("jobs"):
        for job in project["jobs"]:
            job["source"] = (job.get("input") or {}).get("filename")
            job["variation"] = (job.get("input") or {}).get("variation")
        render.line()
        render.print_table(
            project["jobs"],
            [
                render.Column("id", "JOB", lambda v: v[:8]),
                render.Column("source", "PHOTO"),
                render.Column("variation", "VAR"),
                render.Column("service", "PROVIDER"),
                render.Column("model", "MODEL", max_width=30),
                render.Column("status", "STATUS"),
                render.Column("latency_ms", "MS"),
                render.Column("error_message", "ERROR", max_width=50),
            ],
        )


def show(project: str, preview: bool, open_: bool, as_json: bool, fields: str | None) -> None:
    from stagefy_cli import render
    from stagefy_cli.backend import client
    from stagefy_cli.commands.before_after import BeforeAfter
    from stagefy_cli.services import projects

    before_after = BeforeAfter(preview, open_)
    before_after.check(as_json)
    ctx = client.signed_in()
    data = projects.get_project(ctx, project)
    render.output(data, as_json=as_json, fields=fields, show=lambda: render_project(data))
    if before_after:
        before_after.show(ctx, data)
