"""The Catalogue page's figure: photos per class, sorted automatically or sent for review."""

from __future__ import annotations

import plotly.graph_objects as go

from dash_app.figures.base import DECISION_COLOURS, empty_figure, layout


def catalogue_figure(per_class: dict[str, dict]) -> go.Figure:
    """Photos per predicted class of a catalogue run, split into sorted automatically and to review."""
    if not per_class:
        return empty_figure("No readable photo in this catalogue run.")
    classes = sorted(per_class, key=lambda c: per_class[c]["auto"] + per_class[c]["review"])
    fig = go.Figure([go.Bar(y=classes, x=[per_class[c][decision] for c in classes], orientation="h", name=name,
                            marker_color=DECISION_COLOURS[decision],
                            hovertemplate="%{y}: %{x:,} photos " + name.lower() + "<extra></extra>")
                     for decision, name in (("auto", "Sorted automatically"), ("review", "To review"))])
    return layout(fig, "Photos per category the model chose", barmode="stack", legend_traceorder="normal",
                   height=max(260, 40 + 28 * len(classes)), xaxis=dict(title="photos", rangemode="tozero"))
