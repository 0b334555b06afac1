"""The Hypotheses page's figures: the recipe's ablation, the study's own setup and the learning curve."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dash_app.figures.base import empty_figure, error_bars, layout
from ml.artifacts.schema import ExperimentCell
from ml.models.registry import colour, display_name, model_keys, served_model

VARIANT_LABELS = {"recipe": "recipe", "no_augmentation": "no augmentation",
                  "no_regularization": "no batch norm or dropout", "no_lookahead": "no lookahead"}
# The recipe in the CNN's colour, each variant without something in a neutral shade of its own.
VARIANT_COLOURS = {"recipe": colour(served_model()), "no_augmentation": "#8c959f", "no_regularization": "#57606a",
                   "no_lookahead": "#c4cad0"}


def ablation_figure(cells: list[ExperimentCell], schedule: str | None) -> go.Figure:
    """Test accuracy of the CNN recipe and its variants per training-set size on its `schedule`, with 95%
    intervals; bars from zero, so gaps read at their true size."""
    if not cells:
        length = f" on the served CNN's schedule ({schedule})" if schedule else ""
        return empty_figure(f"The ablation has not been run{length} for these artifacts (docs/development.md says how).")
    fig = go.Figure()
    sizes = sorted({c.train_images for c in cells})
    for variant in [v for v in VARIANT_LABELS if any(c.variant == v for c in cells)]:
        chosen = sorted((c for c in cells if c.variant == variant), key=lambda c: c.train_images)
        fig.add_bar(name=VARIANT_LABELS[variant], x=[f"{c.train_images:,} images" for c in chosen],
                    marker_color=VARIANT_COLOURS[variant],
                    y=[c.accuracy.mean for c in chosen], error_y=error_bars([c.accuracy for c in chosen]),
                    customdata=[c.accuracy.n for c in chosen],
                    hovertemplate="%{x}: %{y:.1%} (%{customdata} seeds)<extra>" + VARIANT_LABELS[variant] + "</extra>")
    return layout(fig, f"The recipe against its variants, {schedule} each", barmode="group",
                   xaxis=dict(categoryorder="array", categoryarray=[f"{s:,} images" for s in sizes]),
                   yaxis=dict(title="test accuracy", tickformat=".0%", range=[0, 1]))


STUDY_COLOURS = {"without": "#8c959f", "with": "#0969da"}


def study_setup_figure(cells: list[ExperimentCell], chosen: str | None) -> go.Figure:
    """The study's basic CNN without augmentation and with the amount `chosen` on validation, per
    training-set size and stopping rule (the main rule's first, each size's patient-rule cells beside
    them), with 95% intervals; bars from zero, so gaps read at their true size."""
    from ml.study.setup import MAIN_RULE, NO_AUGMENTATION, RULES

    shown = [c for c in cells if c.variant in (NO_AUGMENTATION, chosen) and (c.rule or MAIN_RULE) in RULES]

    def group(cell: ExperimentCell) -> tuple:
        rule = cell.rule or MAIN_RULE
        return cell.train_images, list(RULES).index(rule), f"{cell.train_images:,} images" + (
            "" if rule == MAIN_RULE else f"<br>{rule} rule")  # two lines: slanted, one ran into the next

    if not shown:
        return empty_figure("The study's own setup has not been run for these artifacts.")
    fig = go.Figure()
    groups = [label for *_, label in sorted({group(c) for c in shown})]
    for variant, side, name in ((NO_AUGMENTATION, "without", "without augmentation"),
                                (chosen, "with", "with rotation, flip and zoom")):
        chosen_cells = sorted((c for c in shown if c.variant == variant), key=group)
        fig.add_bar(name=name, x=[group(c)[2] for c in chosen_cells],
                    y=[c.accuracy.mean for c in chosen_cells], marker_color=STUDY_COLOURS[side],
                    error_y=error_bars([c.accuracy for c in chosen_cells]),
                    customdata=[c.accuracy.n for c in chosen_cells],
                    hovertemplate="%{x}: %{y:.1%} (%{customdata} seeds)<extra>" + name + "</extra>")
    return layout(fig, "The study's basic CNN, with and without augmentation",
                   barmode="group", xaxis=dict(categoryorder="array", categoryarray=groups),
                   yaxis=dict(title="test accuracy", tickformat=".0%", range=[0, 1]))


def _with_curves(runs: list[dict]) -> list[dict]:
    """The study's finished runs under its main stopping rule that kept their validation curves."""
    from ml.models.run_record import counts
    from ml.study.setup import MAIN_RULE

    return [run for run in runs if run.get("rule") == MAIN_RULE and counts(run)
            and run.get("curves", {}).get("val_accuracy")]


def study_curve_sizes(runs: list[dict], chosen: str | None) -> list[int]:
    """The training-set sizes at which either arm has a run whose curves study_curves_figure can draw."""
    from ml.study.setup import NO_AUGMENTATION

    return sorted({run["train_images"] for run in _with_curves(runs) if run.get("variant") in (NO_AUGMENTATION, chosen)})


def study_curves_figure(runs: list[dict], chosen: str | None, size: int) -> go.Figure:
    """Validation accuracy per epoch of every run of both arms at `size` training images (the main
    stopping rule), each run's best epoch marked: whether each arm had converged when its rule ended it."""
    from ml.study.setup import NO_AUGMENTATION

    arms = ((NO_AUGMENTATION, "without", "without augmentation"), (chosen, "with", "with rotation, flip and zoom"))
    shown = [(run, side, name) for variant, side, name in arms
             for run in sorted(_with_curves(runs), key=lambda r: r["seed"])
             if run.get("variant") == variant and run.get("train_images") == size]
    if not shown:
        return empty_figure(f"No converged run of the study's setup at {size:,} images yet.")
    fig = go.Figure()
    legend = set()
    for run, side, name in shown:
        curves, best = run["curves"], run["stopped"]["best_epoch"]
        fig.add_scatter(x=curves["epoch"], y=curves["val_accuracy"], mode="lines", name=name, legendgroup=side,
                        showlegend=side not in legend, line=dict(color=STUDY_COLOURS[side], width=1.5),
                        hovertemplate=f"seed {run['seed']}, " + "epoch %{x}: %{y:.1%}<extra>" + name + "</extra>")
        fig.add_scatter(x=[best], y=[curves["val_accuracy"][curves["epoch"].index(best)]], mode="markers",
                        legendgroup=side, showlegend=False, marker=dict(color=STUDY_COLOURS[side], size=8),
                        hovertemplate=f"seed {run['seed']}: best epoch {best} of {run['stopped']['epochs_run']}"
                                      "<extra>" + name + "</extra>")
        legend.add(side)
    return layout(fig, f"Each run, epoch by epoch ({size:,} images)",
                  xaxis=dict(title="epoch"), yaxis=dict(title="validation accuracy", tickformat=".0%"))


def learning_curve_figure(cells: list[ExperimentCell]) -> go.Figure:
    """Test accuracy and training time against training-set size, one line per model, a network's named
    with its schedule (the served model's may be longer), each time with the CPU it was measured on."""
    if not cells:
        return empty_figure("The learning curve has not been run for these artifacts (docs/development.md says how).")
    fig = make_subplots(rows=1, cols=2, subplot_titles=("test accuracy", "minutes to train"))
    for model in sorted({c.model for c in cells}, key=lambda m: (model_keys() + (m,)).index(m)):
        chosen = sorted((c for c in cells if c.model == model), key=lambda c: c.train_images)
        sizes = [c.train_images for c in chosen]
        style = dict(mode="lines+markers", legendgroup=model, line=dict(color=colour(model)))
        schedules = sorted({c.schedule for c in chosen if c.schedule})
        name = display_name(model) + (f" ({', '.join(schedules)})" if schedules else "")
        fig.add_scatter(x=sizes, y=[c.accuracy.mean for c in chosen], name=name,
                        error_y=error_bars([c.accuracy for c in chosen]), row=1, col=1, **style)
        fig.add_scatter(x=sizes, y=[c.mean_train_seconds / 60 for c in chosen], showlegend=False,
                        customdata=[[_trained_on(c)] for c in chosen],
                        hovertemplate="%{x:,} images: %{y:.1f} min on %{customdata[0]}<extra>" + name + "</extra>",
                        row=1, col=2, **style)
    sizes = sorted({c.train_images for c in cells})
    # A log axis labels only the sizes measured (Plotly's own ticks read "3 4 5 … 10k 2 3"), short enough to
    # stand upright at a phone's width, where slanted ones run into the legend.
    fig.update_xaxes(type="log", title="training images", tickvals=sizes, ticktext=[_short_count(s) for s in sizes])
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(rangemode="tozero", row=1, col=2)
    return layout(fig, "How many labelled photos are needed?")


def _trained_on(cell: ExperimentCell) -> str:
    return "; ".join(cell.known_machines) or "a CPU not recorded"


def _short_count(n: int) -> str:
    """2500 -> '2.5k', 50000 -> '50k', 800 -> '800'."""
    return f"{n / 1000:g}k" if n >= 1000 else str(n)
