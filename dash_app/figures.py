"""Figure builders: pure functions from artifact data to `go.Figure` (no I/O, no app state)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ml.evaluation.auto_sort import DEFAULT_TARGET
from ml.models.registry import colour, display_name, model_keys, technical_name

TEMPLATE = "plotly_white"
SPLIT_COLOURS = {"train": "#1f6feb", "test": "#d97706"}
METRICS = ("f1", "precision", "recall")
EMPTY_SELECTION = "Select at least one split and one class"


def hover_name(model: str) -> str:
    """A model's plain name with its technical one, for hovers."""
    plain, technical = display_name(model), technical_name(model)
    return plain if plain == technical else f"{plain} ({technical})"


def _layout(fig: go.Figure, title: str, **kwargs) -> go.Figure:
    settings = dict(template=TEMPLATE, title=dict(text=title, x=0, xanchor="left"),
                    margin=dict(l=50, r=20, t=50, b=40),
                    legend=dict(orientation="h", yanchor="top", y=-0.2, x=0))
    fig.update_layout(**{**settings, **kwargs})
    return fig


def empty_figure(message: str) -> go.Figure:
    """A blank figure that says why it is blank."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font=dict(size=14), x=0.5, y=0.5,
                       xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, "")


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
    return _layout(fig, "Images per class", barmode="group", yaxis_title="images")


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
    return _layout(fig, "Mean colour per class", xaxis=dict(title="mean pixel value (0–255)", range=[0, 255]),
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
    return _layout(fig, title, xaxis_title=xaxis, height=max(300, 80 + 30 * len(classes)))


def confusion_matrix_figure(matrix: np.ndarray, class_names: list[str], classes: list[str],
                            normalise: bool, title: str, selected: tuple[str, str] | None = None) -> go.Figure:
    """Heatmap of true (rows) x predicted (columns); hover gives count, row % and column %; the
    `selected` (true, predicted) cell, when shown, is outlined."""
    matrix = np.asarray(matrix, dtype=float)
    index = [class_names.index(c) for c in classes]
    sub = matrix[np.ix_(index, index)]
    row_pct = matrix[index] / np.maximum(matrix[index].sum(axis=1, keepdims=True), 1)
    col_pct = matrix[:, index] / np.maximum(matrix[:, index].sum(axis=0, keepdims=True), 1)
    row_pct, col_pct = row_pct[:, index], col_pct[index]
    z = row_pct if normalise else sub
    text = [[f"{row_pct[i, j]:.0%}" if normalise else f"{int(sub[i, j])}" for j in range(len(index))]
            for i in range(len(index))]
    custom = np.dstack([sub, row_pct, col_pct])
    fig = go.Figure(go.Heatmap(
        z=z, x=classes, y=classes, text=text, texttemplate="%{text}", colorscale="Blues",
        customdata=custom, zmin=0, zmax=1 if normalise else None,
        hovertemplate=("true %{y} → predicted %{x}<br>%{customdata[0]:.0f} images<br>"
                       "%{customdata[1]:.1%} of true %{y}<br>%{customdata[2]:.1%} of predicted %{x}"
                       "<extra></extra>"),
        showscale=False, textfont=dict(size=11), xgap=1, ygap=1))  # every cell has its number: no colour bar
    fig.update_yaxes(autorange="reversed", title="true class")
    fig.update_xaxes(title="predicted class", side="bottom")
    if selected and selected[0] in classes and selected[1] in classes:
        row, col = classes.index(selected[0]), classes.index(selected[1])
        fig.add_shape(type="rect", x0=col - 0.5, x1=col + 0.5, y0=row - 0.5, y1=row + 0.5,
                      line=dict(color="#cf222e", width=3))
    return _layout(fig, title, height=520, margin=dict(l=10, r=10, t=50, b=10))  # the axes' labels size the rest


def per_class_metric_figure(models: dict[str, dict], classes: list[str], metric: str,
                            sort_by: str | None) -> go.Figure:
    """Grouped bars of a per-class metric across models; optionally sorted by one model's score."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}")
    if not models or not classes:
        return empty_figure("Select at least one model and one class")
    order = list(classes)
    if sort_by in models:
        order.sort(key=lambda c: models[sort_by]["metrics"]["per_class"][c][metric], reverse=True)
    fig = go.Figure()
    for key, entry in models.items():
        per_class = entry["metrics"]["per_class"]
        fig.add_bar(name=display_name(key), x=order, y=[per_class[c][metric] for c in order],
                    marker_color=colour(key),
                    hovertemplate="%{x}: %{y:.1%}<extra>" + display_name(key) + "</extra>")
    return _layout(fig, f"Per-class {metric} on the test split", barmode="group",
                   yaxis=dict(range=[0, 1], title=metric, tickformat=".0%"))


CURVE_STYLES = (("", "solid", "training photos"), ("val_", "dash", "held-out photos"))


def training_curves_figure(histories: dict[str, dict], test_accuracy: dict[str, float]) -> go.Figure:
    """Per network (its colour): accuracy and loss per epoch on its training photos (solid) and on
    photos held out from its training when it watched any (dashed), with its final test accuracy
    (dotted), so the gap between what it memorised and what it learned is in view; below, the
    learning rate each epoch ended on, so a reader sees whether the schedule had run down."""
    if not histories:
        return empty_figure("Select a neural network to see how it learned")
    rates = any(history.get("lr") for history in histories.values())  # runs recorded before rates were kept have none
    fig = (make_subplots(rows=2, cols=2, specs=[[{}, {}], [{"colspan": 2}, None]], row_heights=[0.65, 0.35],
                         subplot_titles=("accuracy", "loss", "learning rate"), horizontal_spacing=0.12,
                         vertical_spacing=0.16) if rates else
           make_subplots(rows=1, cols=2, subplot_titles=("accuracy", "loss"), horizontal_spacing=0.12))
    for model, history in histories.items():
        name, hover = display_name(model), hover_name(model)
        epochs = history.get("epoch") or list(range(1, len(history["loss"]) + 1))
        for col, metric in enumerate(("accuracy", "loss"), start=1):
            for prefix, dash, where in CURVE_STYLES:
                values = history.get(prefix + metric)
                if values:
                    fig.add_scatter(x=epochs, y=values, mode="lines", line=dict(color=colour(model), dash=dash),
                                    name=f"{name}: {where}", legendgroup=model, showlegend=col == 1,
                                    hovertemplate=f"epoch %{{x}}: {metric} %{{y:{'.1%' if metric == 'accuracy' else '.3f'}}}"
                                                  f"<extra>{hover}, {where}</extra>",
                                    row=1, col=col)
        fig.add_scatter(x=[epochs[0], epochs[-1]], y=[test_accuracy[model]] * 2, mode="lines", row=1, col=1,
                        line=dict(color=colour(model), dash="dot"), name=f"{name}: test photos (final model)",
                        legendgroup=model, hovertemplate=f"test accuracy %{{y:.1%}}<extra>{hover}</extra>")
        if history.get("lr"):
            fig.add_scatter(x=epochs, y=history["lr"], mode="lines+markers", line=dict(color=colour(model)),
                            marker=dict(size=4), name=f"{name}: learning rate", legendgroup=model, showlegend=False,
                            hovertemplate="epoch %{x}: learning rate %{y:.2g}<extra>" + hover + "</extra>",
                            row=2, col=1)
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(rangemode="tozero", row=1, col=2)
    if not rates:
        fig.update_xaxes(title="epoch")
        return _layout(fig, "How the networks learned", height=420)
    fig.update_xaxes(title="epoch", row=2, col=1)
    fig.update_yaxes(type="log", exponentformat="power", row=2, col=1)
    return _layout(fig, "How the networks learned", height=620)


def probability_figure(predictions: dict[str, dict], class_names: list[str]) -> go.Figure:
    """Every model's probability for every class, side by side, for one image."""
    fig = go.Figure()
    for key, summary in predictions.items():
        fig.add_bar(name=display_name(key), y=class_names, orientation="h",
                    x=[summary["probabilities"][c] for c in class_names],
                    marker_color=colour(key),
                    hovertemplate="%{y}: %{x:.1%}<extra>" + display_name(key) + "</extra>")
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, "Probabilities per model", barmode="group", height=360,
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
    return _layout(fig, f"What made it say '{label}'", height=300, margin=dict(l=10, r=10, t=40, b=10))


VARIANT_LABELS = {"recipe": "recipe", "no_augmentation": "no augmentation",
                  "no_regularization": "no batch norm or dropout", "no_lookahead": "no lookahead"}
# The recipe in the CNN's colour, each variant without something in a neutral shade of its own.
VARIANT_COLOURS = {"recipe": colour("cnn"), "no_augmentation": "#8c959f", "no_regularization": "#57606a",
                   "no_lookahead": "#c4cad0"}


def _error_bars(summaries: list[dict]) -> dict | None:
    """Plotly error bars from 95% intervals; None where no summary has one."""
    if not any(s["ci95"] for s in summaries):
        return None
    upper = [s["ci95"][1] - s["mean"] if s["ci95"] else 0 for s in summaries]
    lower = [s["mean"] - s["ci95"][0] if s["ci95"] else 0 for s in summaries]
    return dict(type="data", symmetric=False, array=upper, arrayminus=lower)


def ablation_figure(cells: list[dict]) -> go.Figure:
    """Test accuracy of the CNN recipe and its variants per training-set size, with 95% intervals;
    bars from zero, so gaps read at their true size."""
    if not cells:
        return empty_figure("The ablation has not been run for these artifacts (the README says how).")
    fig = go.Figure()
    sizes = sorted({c["train_images"] for c in cells})
    for variant in [v for v in VARIANT_LABELS if any(c["variant"] == v for c in cells)]:
        chosen = sorted((c for c in cells if c["variant"] == variant), key=lambda c: c["train_images"])
        fig.add_bar(name=VARIANT_LABELS[variant], x=[f"{c['train_images']:,} images" for c in chosen],
                    marker_color=VARIANT_COLOURS[variant],
                    y=[c["accuracy"]["mean"] for c in chosen], error_y=_error_bars([c["accuracy"] for c in chosen]),
                    customdata=[c["accuracy"]["n"] for c in chosen],
                    hovertemplate="%{x}: %{y:.1%} (%{customdata} seeds)<extra>" + VARIANT_LABELS[variant] + "</extra>")
    return _layout(fig, "CNN test accuracy: recipe against variants (95% intervals over seeds)", barmode="group",
                   xaxis=dict(categoryorder="array", categoryarray=[f"{s:,} images" for s in sizes]),
                   yaxis=dict(title="test accuracy", tickformat=".0%", range=[0, 1]))


STUDY_COLOURS = {"without": "#8c959f", "with": "#0969da"}


def study_setup_figure(cells: list[dict], chosen: str | None) -> go.Figure:
    """The study's basic CNN without augmentation and with the amount `chosen` on validation, per
    training-set size, with 95% intervals; bars from zero, so gaps read at their true size."""
    from ml.study.setup import NO_AUGMENTATION

    shown = [c for c in cells if c["variant"] in (NO_AUGMENTATION, chosen)]
    if not shown:
        return empty_figure("The study's own setup has not been run for these artifacts.")
    fig = go.Figure()
    sizes = sorted({c["train_images"] for c in shown})
    for variant, side, name in ((NO_AUGMENTATION, "without", "without augmentation"),
                                (chosen, "with", "with rotation, flip and zoom")):
        chosen_cells = sorted((c for c in shown if c["variant"] == variant), key=lambda c: c["train_images"])
        fig.add_bar(name=name, x=[f"{c['train_images']:,} images" for c in chosen_cells],
                    y=[c["accuracy"]["mean"] for c in chosen_cells], marker_color=STUDY_COLOURS[side],
                    error_y=_error_bars([c["accuracy"] for c in chosen_cells]),
                    customdata=[c["accuracy"]["n"] for c in chosen_cells],
                    hovertemplate="%{x}: %{y:.1%} (%{customdata} seeds)<extra>" + name + "</extra>")
    return _layout(fig, "The study's basic CNN, with and without augmentation (95% intervals over seeds)",
                   barmode="group", xaxis=dict(categoryorder="array", categoryarray=[f"{s:,} images" for s in sizes]),
                   yaxis=dict(title="test accuracy", tickformat=".0%", range=[0, 1]))


def learning_curve_figure(cells: list[dict]) -> go.Figure:
    """Test accuracy and training time against training-set size, one line per model."""
    if not cells:
        return empty_figure("The learning curve has not been run for these artifacts (the README says how).")
    fig = make_subplots(rows=1, cols=2, subplot_titles=("test accuracy", "training time (min, 2 CPU cores)"))
    for model in sorted({c["model"] for c in cells}, key=lambda m: (model_keys() + (m,)).index(m)):
        chosen = sorted((c for c in cells if c["model"] == model), key=lambda c: c["train_images"])
        sizes = [c["train_images"] for c in chosen]
        style = dict(mode="lines+markers", legendgroup=model, line=dict(color=colour(model)))
        fig.add_scatter(x=sizes, y=[c["accuracy"]["mean"] for c in chosen], name=display_name(model),
                        error_y=_error_bars([c["accuracy"] for c in chosen]), row=1, col=1, **style)
        fig.add_scatter(x=sizes, y=[c["train_seconds"]["mean"] / 60 for c in chosen], showlegend=False,
                        row=1, col=2, **style)
    sizes = sorted({c["train_images"] for c in cells})
    # A log axis labels only the sizes measured: Plotly's own ticks read "3 4 5 … 10k 2 3".
    fig.update_xaxes(type="log", title="training images", tickvals=sizes, ticktext=[f"{s:,}" for s in sizes])
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(rangemode="tozero", row=1, col=2)
    return _layout(fig, "How many labelled photos are needed?")


def _auto_sort_hover(row: dict, target: float) -> str:
    """'<br>at the 99.0% target: 61.2% sorted, 97.3% of them right' when the row holds that target."""
    check = next((a for a in row.get("auto_sort", []) if abs(a["target"] - target) < 1e-9), None)
    if check is None:
        return ""
    right = "none sorted" if check["accuracy"] is None else f"{check['accuracy']:.1%} of them right"
    return f"<br>at the {target:.1%} target: {check['coverage']:.1%} sorted, {right}"


def robustness_figure(rows: list[dict], models: list[str], severity: int,
                      target: float = DEFAULT_TARGET) -> go.Figure:
    """Test accuracy of each model on clean photos and under each corruption at one severity (0 the
    mildest, as ml.data.corruptions orders them), bars from zero; the hover adds the calibration error and,
    for calibrated models, whether sorting at `target` still holds its promise."""
    from ml.data.corruptions import CLEAN, CORRUPTIONS, SEVERITY_NAMES

    rows = [r for r in rows if r["model"] in models]
    if not rows:
        return empty_figure("The robustness benchmark has not been run for these artifacts.")
    kinds = [k for k in CORRUPTIONS if any(r["corruption"] == k for r in rows)]
    fig = go.Figure()
    for model in [m for m in model_keys() if m in models] + [m for m in models if m not in model_keys()]:
        points = [next((r for r in rows if r["model"] == model and r["corruption"] == CLEAN), None)]
        labels = ["clean photos"]
        for kind in kinds:
            level = CORRUPTIONS[kind].severities[min(severity, len(CORRUPTIONS[kind].severities) - 1)]
            points.append(next((r for r in rows if r["model"] == model and r["corruption"] == kind
                                and r["severity"] == level), None))
            labels.append(f"{CORRUPTIONS[kind].name}: {CORRUPTIONS[kind].label(level)}")
        shown = [(label, point) for label, point in zip(labels, points) if point]
        fig.add_bar(name=display_name(model), marker_color=colour(model), x=[label.split(":")[0] for label, _ in shown],
                    y=[point["accuracy"] for _, point in shown],
                    customdata=[[label, point["ece"], _auto_sort_hover(point, target)] for label, point in shown],
                    hovertemplate="%{customdata[0]}: %{y:.1%} accurate, calibration error %{customdata[1]:.3f}"
                                  "%{customdata[2]}<extra>" + hover_name(model) + "</extra>")
    return _layout(fig, f"Accuracy on damaged photos ({SEVERITY_NAMES[severity]} severity)", barmode="group",
                   yaxis=dict(title="test accuracy", tickformat=".0%", range=[0, 1]), xaxis=dict(tickangle=-30),
                   margin=dict(l=50, r=20, t=50, b=110))


DECISION_COLOURS = {"auto": "#1a7f37", "review": "#bf8700"}


def catalogue_figure(per_class: dict[str, dict]) -> go.Figure:
    """Photos per predicted class of a catalogue run, split into sorted automatically and to review."""
    if not per_class:
        return empty_figure("No readable photo in this catalogue run.")
    classes = sorted(per_class, key=lambda c: per_class[c]["auto"] + per_class[c]["review"])
    fig = go.Figure([go.Bar(y=classes, x=[per_class[c][decision] for c in classes], orientation="h", name=name,
                            marker_color=DECISION_COLOURS[decision],
                            hovertemplate="%{y}: %{x:,} photos " + name.lower() + "<extra></extra>")
                     for decision, name in (("auto", "Sorted automatically"), ("review", "To review"))])
    return _layout(fig, "Photos per category the model chose", barmode="stack", legend_traceorder="normal",
                   height=max(260, 40 + 28 * len(classes)), xaxis=dict(title="photos", rangemode="tozero"))


def coverage_figure(curves: dict[str, dict], chosen: dict[str, dict | None], target: float) -> go.Figure:
    """For each model, the accuracy of its most confident answers against the share of photos they
    are (the coverage-accuracy curve on the test split), the target as a line, and the point each
    model's calibrated threshold reaches."""
    if not curves:
        return empty_figure("Select at least one model")
    fig = go.Figure()
    for model, curve in curves.items():
        fig.add_scatter(x=curve["coverage"], y=curve["accuracy"], mode="lines", name=display_name(model),
                        line=dict(color=colour(model)), legendgroup=model,
                        hovertemplate="the %{x:.1%} most confident photos: %{y:.1%} right<extra>"
                                      + hover_name(model) + "</extra>")
        row = chosen.get(model)
        if row and row["test_accuracy"] is not None:
            fig.add_scatter(x=[row["test_coverage"]], y=[row["test_accuracy"]], mode="markers", showlegend=False,
                            marker=dict(color=colour(model), size=11, line=dict(color="black", width=1)),
                            legendgroup=model,
                            hovertemplate=f"threshold chosen for {target:.1%}: %{{x:.1%}} sorted, "
                                          "%{y:.1%} right<extra>" + hover_name(model) + "</extra>")
    fig.add_hline(y=target, line=dict(color="#57606a", dash="dash"),
                  annotation_text=f"target {target:.1%}", annotation_position="bottom left")
    lowest = min(float(np.min(c["accuracy"])) for c in curves.values())
    return _layout(fig, "Photos sorted at each accuracy",
                   xaxis=dict(title="share of photos sorted without a person", tickformat=".0%", range=[0, 1]),
                   yaxis=dict(title="accuracy of those photos", tickformat=".0%",
                              range=[max(0.0, lowest - 0.02), 1.005]))


def review_by_class_figure(shares: dict[str, float], model: str, target: float) -> go.Figure:
    """The share of each class's test photos that go to a person at the target, most first."""
    if not shares:
        return empty_figure("No calibrated threshold for this target")
    classes = sorted(shares, key=shares.get)
    fig = go.Figure(go.Bar(y=classes, x=[shares[c] for c in classes], orientation="h",
                           marker_color=DECISION_COLOURS["review"],
                           hovertemplate="%{y}: %{x:.1%} of its photos to a person<extra></extra>"))
    return _layout(fig, "Sent to a person, per class", height=max(260, 60 + 26 * len(classes)),
                   xaxis=dict(title=f"share of each class's test photos<br>({display_name(model)}, {target:.1%} target)",
                              tickformat=".0%", rangemode="tozero"))


def class_coverage_figure(curves: dict[str, dict], points: dict[str, dict], class_names: list[str], model: str,
                          target: float) -> go.Figure:
    """Within each class's test photos (`curves`, by class name), the accuracy of the model's most
    confident answers against the share of that class they are, each class in its map colour, with the
    point its calibrated threshold reaches (`points`: coverage and accuracy, by class name)."""
    if not curves:
        return empty_figure("No calibrated threshold for this target")
    fig = go.Figure()
    for k, name in enumerate(class_names):
        if name not in curves:
            continue
        style = dict(color=CLASS_PALETTE[k % len(CLASS_PALETTE)])
        fig.add_scatter(x=curves[name]["coverage"], y=curves[name]["accuracy"], mode="lines", name=name,
                        legendgroup=name, line=style,
                        hovertemplate=f"the %{{x:.1%}} of {name} photos it is surest of: %{{y:.1%}} right<extra></extra>")
        point = points.get(name)
        if point and point["accuracy"] is not None:
            fig.add_scatter(x=[point["coverage"]], y=[point["accuracy"]], mode="markers", legendgroup=name,
                            showlegend=False, marker=dict(size=9, line=dict(color="black", width=1), **style),
                            hovertemplate=f"{name} at the {target:.1%} threshold: %{{x:.1%}} sorted, "
                                          "%{y:.1%} right<extra></extra>")
    fig.add_hline(y=target, line=dict(color="#57606a", dash="dash"))
    lowest = min(float(np.min(c["accuracy"])) for c in curves.values())
    return _layout(fig, f"Per class: photos sorted at each accuracy<br><sup>{display_name(model)}</sup>", height=440,
                   margin=dict(l=50, r=20, t=70, b=40),
                   xaxis=dict(title="share of the class's photos sorted", tickformat=".0%", range=[0, 1]),
                   yaxis=dict(title="accuracy of those photos", tickformat=".0%", range=[max(0.0, lowest - 0.02), 1.005]))


def reliability_figure(calibrations: dict[str, dict]) -> go.Figure:
    """Reliability diagram: accuracy against confidence per confidence bin, for each model before
    (dotted) and after (solid) calibration; the diagonal is a model whose confidence means what it says."""
    if not calibrations:
        return empty_figure("These models were trained without photos held back to calibrate them.")
    fig = go.Figure()
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(color="#8c959f", dash="dot", width=1),
                    name="confidence = accuracy", hoverinfo="skip")
    for model, calibration in calibrations.items():
        for stage, dash, label in (("before", "dot", "before calibration"), ("after", "solid", "calibrated")):
            bins = calibration[f"reliability_{stage}"]
            ece = calibration[f"test_{stage}"]["ece"]
            fig.add_scatter(x=[b["confidence"] for b in bins], y=[b["accuracy"] for b in bins],
                            mode="lines+markers", line=dict(color=colour(model), dash=dash), legendgroup=model,
                            name=f"{display_name(model)}, {label} (error {ece:.3f})",
                            customdata=[b["count"] for b in bins],
                            hovertemplate="%{customdata:,} photos at %{x:.1%} confidence: %{y:.1%} right<extra>"
                                          + hover_name(model) + f", {label}</extra>")
    return _layout(fig, "Does the confidence mean what it says? (test photos)", height=460,
                   xaxis=dict(title="confidence the model gave", tickformat=".0%", range=[0, 1]),
                   yaxis=dict(title="share of those answers that were right", tickformat=".0%", range=[0, 1]))


CLASS_PALETTE = ("#88CCEE", "#CC6677", "#DDCC77", "#117733", "#332288", "#AA4499", "#44AA99", "#999933",
                 "#882255", "#661100", "#6699CC", "#888888")  # Paul Tol's muted scheme: told apart by colour-blind eyes
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
    return _layout(fig, title, height=560, dragmode="lasso", margin=dict(l=10, r=10, t=50, b=10),
                   legend=dict(orientation="h", yanchor="top", y=-0.02, x=0, itemsizing="constant"))
