"""The Performance page's figures: confusion matrices, per-class metrics, training curves, robustness,
auto-sorting coverage and calibration."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dash_app.figures.base import CLASS_PALETTE, DECISION_COLOURS, empty_figure, hover_name, layout
from ml.artifacts.schema import AutoSortThreshold, Calibration, Metrics
from ml.evaluation.auto_sort import DEFAULT_TARGET
from ml.models.registry import colour, display_name, model_keys

METRICS = ("f1", "precision", "recall")


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
    return layout(fig, title, height=520, margin=dict(l=10, r=10, t=50, b=10))  # the axes' labels size the rest


def per_class_metric_figure(models: dict[str, Metrics], classes: list[str], metric: str,
                            sort_by: str | None) -> go.Figure:
    """Grouped bars of a per-class metric across models (each model's test metrics); optionally sorted
    by one model's score."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}")
    if not models or not classes:
        return empty_figure("Select at least one model and one class")
    order = list(classes)
    if sort_by in models:
        order.sort(key=lambda c: getattr(models[sort_by].per_class[c], metric), reverse=True)
    fig = go.Figure()
    for key, metrics in models.items():
        fig.add_bar(name=display_name(key), x=order, y=[getattr(metrics.per_class[c], metric) for c in order],
                    marker_color=colour(key),
                    hovertemplate="%{x}: %{y:.1%}<extra>" + display_name(key) + "</extra>")
    return layout(fig, f"Per-class {metric} on the test split", barmode="group",
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
        return layout(fig, "How the networks learned", height=420)
    fig.update_xaxes(title="epoch", row=2, col=1)
    fig.update_yaxes(type="log", exponentformat="power", row=2, col=1)
    return layout(fig, "How the networks learned", height=620)


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
        fig.add_bar(name=display_name(model), marker_color=colour(model), orientation="h",
                    y=[label.split(":")[0] for label, _ in shown], x=[point["accuracy"] for _, point in shown],
                    customdata=[[label, point["ece"], _auto_sort_hover(point, target)] for label, point in shown],
                    hovertemplate="%{customdata[0]}: %{x:.1%} accurate, calibration error %{customdata[1]:.3f}"
                                  "%{customdata[2]}<extra>" + hover_name(model) + "</extra>")
    # Horizontal bars: the damage names read whole at a phone's width, where slanted ones overlap.
    groups = 1 + len(kinds)
    return layout(fig, f"Accuracy at {SEVERITY_NAMES[severity]} severity", barmode="group",
                   xaxis=dict(title="test accuracy", tickformat=".0%", range=[0, 1]),
                   yaxis=dict(autorange="reversed", automargin=True), height=200 + groups * (12 + 12 * len(fig.data)),
                   legend=dict(orientation="h", yanchor="top", y=-0.09, x=0), margin=dict(l=10, r=20, t=50, b=150))


def coverage_figure(curves: dict[str, dict], chosen: dict[str, AutoSortThreshold | None], target: float) -> go.Figure:
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
        if row and row.test_accuracy is not None:
            fig.add_scatter(x=[row.test_coverage], y=[row.test_accuracy], mode="markers", showlegend=False,
                            marker=dict(color=colour(model), size=11, line=dict(color="black", width=1)),
                            legendgroup=model,
                            hovertemplate=f"threshold chosen for {target:.1%}: %{{x:.1%}} sorted, "
                                          "%{y:.1%} right<extra>" + hover_name(model) + "</extra>")
    fig.add_hline(y=target, line=dict(color="#57606a", dash="dash"),
                  annotation_text=f"target {target:.1%}", annotation_position="bottom left")
    lowest = min(float(np.min(c["accuracy"])) for c in curves.values())
    return layout(fig, "Photos sorted at each accuracy",
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
    return layout(fig, "Sent to a person, per class", height=max(260, 60 + 26 * len(classes)),
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
    return layout(fig, f"Per class: photos sorted at each accuracy<br><sup>{display_name(model)}</sup>", height=440,
                   margin=dict(l=50, r=20, t=70, b=40),
                   xaxis=dict(title="share of the class's photos sorted", tickformat=".0%", range=[0, 1]),
                   yaxis=dict(title="accuracy of those photos", tickformat=".0%", range=[max(0.0, lowest - 0.02), 1.005]))


def reliability_figure(calibrations: dict[str, Calibration]) -> go.Figure:
    """Reliability diagram: accuracy against confidence per confidence bin, for each model before
    (dotted) and after (solid) calibration; the diagonal is a model whose confidence means what it says."""
    if not calibrations:
        return empty_figure("These models were trained without photos held back to calibrate them.")
    fig = go.Figure()
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(color="#8c959f", dash="dot", width=1),
                    name="confidence = accuracy", hoverinfo="skip")
    for model, calibration in calibrations.items():
        for stage, dash, label in (("before", "dot", "before calibration"), ("after", "solid", "calibrated")):
            bins = getattr(calibration, f"reliability_{stage}")
            ece = getattr(calibration, f"test_{stage}").ece
            fig.add_scatter(x=[b.confidence for b in bins], y=[b.accuracy for b in bins],
                            mode="lines+markers", line=dict(color=colour(model), dash=dash), legendgroup=model,
                            legendgrouptitle_text=display_name(model), name=f"{label} (error {ece:.3f})",
                            customdata=[b.count for b in bins],
                            hovertemplate="%{customdata:,} photos at %{x:.1%} confidence: %{y:.1%} right<extra>"
                                          + hover_name(model) + f", {label}</extra>")
    # tall enough for the legend of every model's two lines to sit below the axis at a phone's width
    return layout(fig, "Does the confidence mean what it says? (test photos)", height=640,
                   legend=dict(orientation="h", yanchor="top", y=-0.22, x=0),
                   xaxis=dict(title="confidence the model gave", tickformat=".0%", range=[0, 1]),
                   yaxis=dict(title="share of answers right", tickformat=".0%", range=[0, 1]))
