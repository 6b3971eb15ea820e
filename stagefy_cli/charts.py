"""Terminal bar charts of the admin's daily figures (`admin stats --chart`), drawn with plotext.

One chart per figure: AI jobs, credits sold (packs and plans), credits used (net of refunds) and
revenue, a bar per UTC day. Each title carries the period's total and its busiest day, so the
numbers are there even when the bars are too narrow for their own labels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

ROWS = 12
MIN_WIDTH, MAX_WIDTH = 40, 140


@dataclass(frozen=True)
class Series:
    title: str
    value: Callable[[dict], float]
    unit: Callable[[float], str]


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _rand(value: float) -> str:
    from stagefy_cli.money import format_money  # the tables' formatter: "R 1 234", never "R1,234"

    return format_money(value, "ZAR")


SERIES = (
    Series("AI jobs", lambda d: d["jobs"], _count),
    Series(
        "Credits sold (packs and plans)", lambda d: d["credits_purchased"] + d["credits_subscription"], _count
    ),
    Series("Credits used (net of refunds)", lambda d: d["credits_used"], _count),
    Series("Revenue", lambda d: float(d["revenue_zar"]), _rand),
)


def _title(series: Series, days: Sequence[dict], values: list[float]) -> str:
    total = sum(values)
    period = f"{days[0]['day']} to {days[-1]['day']}"
    if not total:
        return f"{series.title} per day, {period}: none"
    peak = max(range(len(values)), key=lambda i: values[i])
    return (
        f"{series.title} per day, {period}: {series.unit(total)} in all, "
        f"most {series.unit(values[peak])} on {days[peak]['day']}"
    )


def _chart(series: Series, days: Sequence[dict], width: int, colour: bool) -> str:
    import plotext

    figure = plotext.figure
    figure.clear.all()
    figure.theme("simple")
    figure.plot_size(width, ROWS)
    values = [series.value(day) for day in days]
    labels = [str(day["day"])[5:] for day in days]  # MM-DD
    # A bar's own label only where it fits inside the bar.
    fits = (width - 10) / max(1, len(days)) >= len(series.unit(max(values))) + 2
    figure.draw(
        figure.bar(labels, values, labeled=[series.unit(v) if v else "" for v in values] if fits else False)
    )
    ticks = _ticks(max(values))
    figure.ruler("y").lim(0, ticks[-1])
    figure.ruler("y").ticks(ticks, [series.unit(t) for t in ticks])
    axis = max(len(series.unit(t)) for t in ticks) + 3  # the y labels, their tick and the frame
    shown = _day_ticks(values, width - axis, len(labels[0]) + 1)
    figure.ruler("x").ticks([i + 1 for i in shown], [labels[i] for i in shown])  # bars sit at 1..n
    # The title is printed above the chart rather than by plotext, which drops one that is too wide.
    return _title(series, days, values) + "\n" + figure.build().string(colorless=not colour)


def _day_ticks(values: list[float], room: int, label: int) -> list[int]:
    """Which days get a date under their bar: the days with a figure first, the biggest first (a
    lone bar always gets its date; of two bars side by side on a narrow chart, the bigger one), then
    the first and last day, then the others from the left, as many as fit `room` columns without
    two labels `label` wide touching."""
    count = len(values)
    step = room / count  # columns a day takes

    def column(i: int) -> float:
        return (i + 0.5) * step

    wanted = sorted((i for i in range(count) if values[i]), key=lambda i: -values[i])
    wanted += [0, count - 1, *range(count)]
    chosen: list[int] = []
    for i in wanted:
        if i not in chosen and all(abs(column(i) - column(j)) >= label for j in chosen):
            chosen.append(i)
    return sorted(chosen)


def _ticks(top: float) -> list[int]:
    """Whole-number ticks from 0 past `top` at a 1-2-5 step, at most five of them."""
    step = 1
    while top / step > 4:
        for factor in (2, 5 / 2, 2):  # 1 -> 2 -> 5 -> 10 -> 20 ...
            step = round(step * factor)
            if top / step <= 4:
                break
    return list(range(0, int(-(-top // step) * step) + step, step)) if top > 0 else [0, 1]


def daily_charts(days: Sequence[dict], width: int, colour: bool) -> str:
    """The four charts, one under the other, for `days` as `admin_daily_stats` returns them."""
    if not days:
        return ""
    width = max(MIN_WIDTH, min(width, MAX_WIDTH))
    return "\n\n".join(_chart(series, days, width, colour) for series in SERIES) + "\n"
