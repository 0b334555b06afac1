"""The Data page's figures: images per class, colour channels, and the spread of a statistic."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dash_app.figures.base import EMPTY_SELECTION, empty_figure, layout

SPLIT_COLOURS = {"train": "#1f6feb", "test": "#d97706"}


def class_distribution_figure(stats: dict, splits: list[str], classes: list[str]) -> go.Figure:
    """Images per class, one bar group per split."""
    if not splits or not classes:
        return empty_figure(EMPTY_SELECTION)
    fig = go.Figure()
    for split in splits:
        counts = stats["splits"][split]["class_counts"]
        fig.add_bar(name=split, x=classes, y=[counts[c] for c in classes],
                    marker_color=SPLIT_COLOURS.get(split),
                    hovertemplate="%{x}: %{y:,} images<extra>" + split + "</extra>")
    return layout(fig, "Images per class", barmode="group", yaxis_title="images")


CHANNELS = (("red", "#dc2626"), ("green", "#16a34a"), ("blue", "#2563eb"))
SPLIT_SYMBOLS = {"train": "circle", "test": "diamond"}


def channel_stats_figure(stats: dict, splits: list[str], classes: list[str]) -> go.Figure:
    """Mean red, green and blue per class, one marker symbol per split: dots, so two splits can sit
    side by side without crowding."""
    if not splits or not classes:
        return empty_figure(EMPTY_SELECTION)
    fig = go.Figure()
    for split in splits:
        per_class = stats["splits"][split]["per_class"]
        for channel, (name, channel_colour) in enumerate(CHANNELS):
            fig.add_scatter(y=classes, x=[per_class[c]["channel_mean"][channel] for c in classes], mode="markers",
                            name=f"{name} ({split})", legendgroup=split,
                            marker=dict(color=channel_colour, size=10, symbol=SPLIT_SYMBOLS.get(split, "square"),
                                        line=dict(color="white", width=1)),
                            hovertemplate=f"%{{y}}, {split}: mean {name} %{{x:.0f}}<extra></extra>")
    fig.update_yaxes(autorange="reversed")
    return layout(fig, "Mean colour per class", xaxis=dict(title="mean pixel value (0–255)", range=[0, 255]),
                   height=max(300, 80 + 28 * len(classes)))


def histogram_quantiles(edges: np.ndarray, counts: np.ndarray, quantiles=(0.25, 0.5, 0.75)) -> list[float]:
    """Quantiles of a distribution known only by its histogram (linear within each bin)."""
    cumulative = np.concatenate([[0.0], np.cumsum(counts) / max(float(np.sum(counts)), 1.0)])
    return [float(np.interp(q, cumulative, edges)) for q in quantiles]


def spread_figure(edges: np.ndarray, counts: dict[str, np.ndarray], class_names: list[str], classes: list[str],
                  title: str, xaxis: str) -> go.Figure:
    """Per class and split, the median (dot) and the middle half of the images (bar), from the
    precomputed histograms: ten classes stay readable where ten overlapping curves do not."""
    if not counts or not classes:
        return empty_figure(EMPTY_SELECTION)
    fig = go.Figure()
    offsets = np.linspace(-0.15, 0.15, len(counts)) if len(counts) > 1 else [0.0]
    for offset, (split, by_class) in zip(offsets, counts.items()):
        positions, medians, lows, highs = [], [], [], []
        for i, name in enumerate(classes):
            low, median, high = histogram_quantiles(edges, by_class[class_names.index(name)])
            positions.append(i + offset)
            medians.append(median)
            lows.append(median - low)
            highs.append(high - median)
        fig.add_scatter(x=medians, y=positions, mode="markers", name=f"{split} split",
                        marker=dict(color=SPLIT_COLOURS.get(split), size=9),
                        error_x=dict(type="data", symmetric=False, array=highs, arrayminus=lows, thickness=6,
                                     width=0, color=SPLIT_COLOURS.get(split)),
                        customdata=[[c, m - lo, m + hi] for c, m, lo, hi in zip(classes, medians, lows, highs)],
                        hovertemplate=f"%{{customdata[0]}} ({split}): median %{{x:.0f}}, middle half "
                                      "%{customdata[1]:.0f}–%{customdata[2]:.0f}<extra></extra>")
    fig.update_yaxes(tickvals=list(range(len(classes))), ticktext=classes, autorange="reversed")
    return layout(fig, title, xaxis_title=xaxis, height=max(300, 80 + 30 * len(classes)))
