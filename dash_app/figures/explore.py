"""The Explore page's figure: the map of the dataset in the network's embedding space."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dash_app.figures.base import CLASS_PALETTE, layout

MAP_COLOURINGS = {"class": "true class", "predicted": "the network's answer", "correct": "right or wrong",
                  "label": "suspect label"}


def data_map_figure(x: np.ndarray, y: np.ndarray, rows: np.ndarray, colouring: str, true: np.ndarray,
                    predicted: np.ndarray, label_score: np.ndarray, class_names: list[str], title: str) -> go.Figure:
    """The map of the dataset: one point per image (`rows`: each point's row, sent back by hovers and
    selections), coloured by its class, the network's answer, whether that answer is right, or how
    suspect its label is."""
    fig = go.Figure()

    def points(mask, name, **marker):
        # customdata as a list: the renderer drops a typed array's entries from hoverData and selectedData
        fig.add_trace(go.Scattergl(x=x[mask], y=y[mask], customdata=rows[mask].tolist(), mode="markers", name=name,
                                   marker=dict(size=4, opacity=0.75, **marker), hoverinfo="none"))

    if colouring in ("class", "predicted"):
        values = true if colouring == "class" else predicted
        for k, name in enumerate(class_names):
            points(values == k, name, color=CLASS_PALETTE[k % len(CLASS_PALETTE)])
    elif colouring == "correct":
        points(predicted == true, "right", color="#b6c2cf")
        points((predicted != true) & (predicted >= 0), "wrong", color="#cf222e")
    else:
        scored = ~np.isnan(label_score)
        points(~scored, "not suspect", color="#d0d7de")
        points(scored, "suspect (score)", color=label_score[scored], colorscale="OrRd", cmin=-1, cmax=1,
               showscale=True, colorbar=dict(title="score", thickness=10, len=0.6))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    return layout(fig, title, height=560, dragmode="lasso", margin=dict(l=10, r=10, t=50, b=10),
                   legend=dict(orientation="h", yanchor="top", y=-0.02, x=0, itemsizing="constant"))
