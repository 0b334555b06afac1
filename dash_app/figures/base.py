"""What every figure shares: the template, the title and legend placement, the colours of classes and of
auto-sorting decisions, a blank figure that says why."""

from __future__ import annotations

import textwrap

import plotly.graph_objects as go

from ml.artifacts.schema import Summary
from ml.models.registry import display_name, technical_name

TEMPLATE = "plotly_white"
EMPTY_SELECTION = "Select at least one split and one class"
CLASS_PALETTE = ("#88CCEE", "#CC6677", "#DDCC77", "#117733", "#332288", "#AA4499", "#44AA99", "#999933",
                 "#882255", "#661100", "#6699CC", "#888888")  # Paul Tol's muted scheme: told apart by colour-blind eyes
DECISION_COLOURS = {"auto": "#1a7f37", "review": "#bf8700"}
# Plotly never wraps a title, a legend entry or an annotation: longer ones are cut at a phone's width
# (390 px), where a chart's title line holds about this many characters.
PHONE_LINE_CHARS = 42
TITLE_LINE_PX = 22  # the top margin a title's every extra line adds


def hover_name(model: str) -> str:
    """A model's plain name with its technical one, for hovers."""
    plain, technical = display_name(model), technical_name(model)
    return plain if plain == technical else f"{plain} ({technical})"


def wrap(text: str, width: int = PHONE_LINE_CHARS) -> str:
    """`text` in lines of at most `width` characters, broken between words, as Plotly's line breaks; its
    own line breaks are kept, and a line that is markup (a `<sup>` subtitle) is left whole."""
    return "<br>".join("<br>".join(textwrap.wrap(line, width)) if len(line) > width and "<" not in line else line
                       for line in text.split("<br>"))


def layout(fig: go.Figure, title: str, **kwargs) -> go.Figure:
    """The shared template and placements, the title wrapped to fit a phone's width."""
    title = wrap(title)
    # pinned to the figure's top and growing down into a margin grown to hold it, so that no line of a
    # wrapped title falls onto the plot
    settings = dict(template=TEMPLATE, title=dict(text=title, x=0, xanchor="left", y=1, yanchor="top", yref="container",
                                                  pad=dict(t=12)),
                    margin=dict(l=50, r=20, t=50 + TITLE_LINE_PX * title.count("<br>"), b=40),
                    legend=dict(orientation="h", yanchor="top", y=-0.2, x=0))
    fig.update_layout(**{**settings, **kwargs})
    return fig


def empty_figure(message: str) -> go.Figure:
    """A blank figure that says why it is blank."""
    fig = go.Figure()
    fig.add_annotation(text=wrap(message), showarrow=False, font=dict(size=14), x=0.5, y=0.5,
                       xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return layout(fig, "")


def error_bars(summaries: list[Summary]) -> dict | None:
    """Plotly error bars from 95% intervals; None where no summary has one."""
    if not any(s.ci95 for s in summaries):
        return None
    upper = [s.ci95[1] - s.mean if s.ci95 else 0 for s in summaries]
    lower = [s.mean - s.ci95[0] if s.ci95 else 0 for s in summaries]
    return dict(type="data", symmetric=False, array=upper, arrayminus=lower)
