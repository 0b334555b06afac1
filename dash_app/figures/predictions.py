"""A photo's answer, on the Classifier page and for a photo opened in Explore: the models'
probabilities and the occlusion map that explains the network's."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dash_app.figures.base import layout
from ml.models.registry import colour, display_name


def probability_figure(predictions: dict[str, dict], class_names: list[str]) -> go.Figure:
    """Every model's probability for every class, side by side, for one image."""
    fig = go.Figure()
    for key, summary in predictions.items():
        fig.add_bar(name=display_name(key), y=class_names, orientation="h",
                    x=[summary["probabilities"][c] for c in class_names],
                    marker_color=colour(key),
                    hovertemplate="%{y}: %{x:.1%}<extra>" + display_name(key) + "</extra>")
    fig.update_yaxes(autorange="reversed")
    return layout(fig, "Probabilities per model", barmode="group", height=360,
                   xaxis=dict(range=[0, 1], tickformat=".0%"))


def explanation_figure(photo: np.ndarray, box: tuple[float, float, float], heat: np.ndarray, label: str,
                       opacity: float = 0.5) -> go.Figure:
    """The uploaded photo with the occlusion map laid over the square of it the models looked at
    (`box`: left, top, side in the photo's pixels): red where the photo speaks for `label`, blue
    where it speaks against, at `opacity`, with the colours named on the scale."""
    left, top, side = box
    cell = side / heat.shape[0]
    limit = float(max(abs(heat).max(), 1e-6))
    fig = go.Figure(go.Image(z=photo, hoverinfo="skip"))
    fig.add_trace(go.Heatmap(
        z=heat, x0=left + cell / 2, dx=cell, y0=top + cell / 2, dy=cell, colorscale="RdBu", reversescale=True,
        zmin=-limit, zmax=limit, opacity=opacity,
        colorbar=dict(title=dict(text="evidence", side="top"), tickvals=[-limit, 0, limit], thickness=12,
                      ticktext=[f"against {label}", "none", f"for {label}"], len=0.9),
        hovertemplate="hiding this part lowers the answer's probability by %{z:.2f}<extra></extra>"))
    fig.add_shape(type="rect", x0=left, y0=top, x1=left + side, y1=top + side,
                  line=dict(color="#57606a", width=1, dash="dot"))
    height, width = photo.shape[:2]
    fig.update_xaxes(visible=False, range=[min(0, left), max(width, left + side)])
    fig.update_yaxes(visible=False, range=[max(height, top + side), min(0, top)], scaleanchor="x")
    return layout(fig, f"What made it say '{label}'", height=300, margin=dict(l=10, r=10, t=40, b=10))
