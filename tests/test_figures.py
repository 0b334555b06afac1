"""Figure builders are pure functions: data in, go.Figure out."""

import numpy as np
import pytest

from dash_app.figures.base import CLASS_PALETTE, EMPTY_SELECTION, PHONE_LINE_CHARS, empty_figure, layout
from dash_app.figures.data import (
    channel_stats_figure,
    class_distribution_figure,
    histogram_quantiles,
    spread_figure,
)
from dash_app.figures.hypotheses import (
    ablation_figure,
    learning_curve_figure,
    study_curve_sizes,
    study_curves_figure,
    study_setup_figure,
)
from dash_app.figures.performance import (
    class_coverage_figure,
    confusion_matrix_figure,
    per_class_metric_figure,
    robustness_figure,
    training_curves_figure,
)
from dash_app.figures.predictions import explanation_figure
from ml.artifacts.schema import Metrics
from tests.manifests import cell, scores, typed_cells

NAMES = ["cat", "dog", "ship"]


def _metrics(f1s):
    per_class = {n: {"f1": f, "precision": f, "recall": f, "support": 10} for n, f in zip(NAMES, f1s)}
    return Metrics.model_validate({**scores(0.5, 30, NAMES), "per_class": per_class})


def test_confusion_matrix_counts_percentages_and_filter():
    matrix = np.array([[8, 2, 0], [1, 6, 3], [0, 0, 10]])
    fig = confusion_matrix_figure(matrix, NAMES, ["cat", "dog"], normalise=False, title="t")
    heat = fig.data[0]
    assert list(heat.x) == ["cat", "dog"] and np.array_equal(heat.z, [[8, 2], [1, 6]])
    custom = np.asarray(heat.customdata)
    assert custom[1, 1, 1] == pytest.approx(0.6)  # row share uses the whole row (3 went to ship)
    assert custom[0, 1, 2] == pytest.approx(2 / 8)  # column share over every true class
    normalised = confusion_matrix_figure(matrix, NAMES, NAMES, normalise=True, title="t")
    assert np.allclose(np.asarray(normalised.data[0].z).sum(axis=1), 1)
    assert normalised.data[0].text[2][2] == "100%"


def test_per_class_metric_sorting_and_empty_selection():
    models = {"cnn": _metrics([0.9, 0.5, 0.7]), "hog_svm": _metrics([0.4, 0.6, 0.5])}
    fig = per_class_metric_figure(models, NAMES, "f1", sort_by="cnn")
    assert list(fig.data[0].x) == ["cat", "ship", "dog"] and len(fig.data) == 2
    assert list(per_class_metric_figure(models, NAMES, "f1", None).data[0].x) == NAMES
    empty = per_class_metric_figure({}, NAMES, "f1", None)
    assert not empty.data and "Select" in empty.layout.annotations[0].text
    with pytest.raises(ValueError):
        per_class_metric_figure(models, NAMES, "auc", None)


def test_class_distribution_and_histograms():
    stats = {"splits": {"train": {"class_counts": {"cat": 5, "dog": 7, "ship": 1}},
                        "test": {"class_counts": {"cat": 2, "dog": 2, "ship": 2}}}}
    fig = class_distribution_figure(stats, ["test"], ["dog", "ship"])
    assert len(fig.data) == 1 and list(fig.data[0].y) == [2, 2]
    edges = np.linspace(0, 256, 5)  # bins of 64
    counts = np.array([[1, 1, 2, 0], [0, 0, 0, 4], [4, 0, 0, 0]])
    assert histogram_quantiles(edges, counts[0]) == pytest.approx([64, 128, 160])
    spread = spread_figure(edges, {"train": counts, "test": counts[::-1]}, NAMES, ["dog", "cat"], "b", "x")
    train, test = spread.data
    assert train.name == "train split" and list(train.x) == pytest.approx([224, 128])  # medians, in the order asked
    assert list(train.error_x.arrayminus) == pytest.approx([16, 64]) and list(train.error_x.array) == pytest.approx([16, 32])
    assert list(test.x) == pytest.approx([224, 32]) and test.y[0] > train.y[0]  # side by side, not on top
    for empty in (spread_figure(edges, {}, NAMES, ["cat"], "b", "x"),
                  channel_stats_figure(stats, [], ["cat"])):
        assert empty.layout.annotations[0].text == EMPTY_SELECTION


def test_explanation_figure_lays_the_map_over_the_square_the_models_saw():
    photo = np.zeros((200, 320, 3), np.uint8)
    heat = np.linspace(-0.1, 0.2, 32 * 32).reshape(32, 32)
    fig = explanation_figure(photo, (60.0, 0.0, 200.0), heat, "cat", opacity=0.3)
    image, overlay = fig.data
    assert overlay.opacity == 0.3 and overlay.zmax == pytest.approx(0.2) and overlay.zmin == pytest.approx(-0.2)
    cell = 200 / 32  # the 32x32 map stretched over the 200-pixel square that starts 60 pixels in
    assert overlay.x0 == pytest.approx(60 + cell / 2) and overlay.dx == pytest.approx(cell)
    assert overlay.y0 == pytest.approx(cell / 2) and overlay.dy == pytest.approx(cell)
    assert list(overlay.colorbar.ticktext) == ["against cat", "none", "for cat"]


def _summary(values):
    from ml.study.experiments import describe
    return describe(values)


def test_ablation_figure_shows_each_variant_with_its_interval():
    cells = typed_cells([cell(variant="recipe", accuracy=_summary([0.80, 0.82, 0.84])),
                         cell(variant="no_augmentation", accuracy=_summary([0.70])),
                         cell(train_images=50000, variant="recipe", accuracy=_summary([0.90, 0.92]))])
    fig = ablation_figure(cells, "40 epochs")
    bars = {bar.name: bar for bar in fig.data}
    assert set(bars) == {"recipe", "no augmentation"}
    recipe = bars["recipe"]
    assert list(recipe.x) == ["5,000 images", "50,000 images"] and recipe.y[0] == pytest.approx(0.82)
    ci = cells[0].accuracy.ci95
    assert recipe.error_y.array[0] == pytest.approx(ci[1] - 0.82) and recipe.error_y.arrayminus[0] > 0
    assert bars["no augmentation"].error_y.array is None  # one seed: no interval to draw
    assert "40 epochs" in fig.layout.title.text
    empty = ablation_figure([], "40 epochs").layout.annotations[0].text
    assert "not been run on the served CNN's schedule (40 epochs)" in empty.replace("<br>", " ")
    assert fig.layout.yaxis.range == (0, 1)  # from zero: a 2-point gap is drawn as 2 points
    assert recipe.marker.color != bars["no augmentation"].marker.color


def test_study_setup_figure_shows_without_and_the_chosen_amount_from_zero():
    from ml.study.setup import AUGMENTATIONS, NO_AUGMENTATION

    light, medium, _ = AUGMENTATIONS
    cells = typed_cells([cell(variant=NO_AUGMENTATION, accuracy=_summary([0.60, 0.62, 0.61])),
                         cell(variant=light, accuracy=_summary([0.66, 0.64, 0.65])),
                         cell(variant=medium, accuracy=_summary([0.50])),
                         cell(train_images=50000, variant=NO_AUGMENTATION, accuracy=_summary([0.78])),
                         cell(train_images=50000, variant=light, accuracy=_summary([0.80]))])
    fig = study_setup_figure(cells, light)
    without, with_ = fig.data
    assert list(without.x) == ["5,000 images", "50,000 images"] and list(with_.y) == pytest.approx([0.65, 0.80])
    assert without.y[0] == pytest.approx(0.61) and with_.error_y.array[0] > 0
    assert 0.50 not in list(with_.y) + list(without.y)  # a candidate amount that was not chosen is not shown
    assert tuple(fig.layout.yaxis.range) == (0, 1)
    assert "not been run" in study_setup_figure([], None).layout.annotations[0].text
    # the patient rule's cells stand beside the main rule's at their size, never stacked onto them
    patient = typed_cells([cell(variant=NO_AUGMENTATION, accuracy=_summary([0.64]), rule="patient"),
                           cell(variant=light, accuracy=_summary([0.66]), rule="patient")])
    without, with_ = study_setup_figure(cells + patient, light).data
    assert list(without.x) == ["5,000 images", "5,000 images<br>patient rule", "50,000 images"]
    assert list(with_.y) == pytest.approx([0.65, 0.66, 0.80])


def test_learning_curve_figure_plots_accuracy_and_time_per_model():
    cells = typed_cells([cell(model=m, train_images=n, accuracy=_summary([a]), train_seconds=_summary([t]))
                         for m, points in (("cnn", [(2500, 0.6, 60), (50000, 0.9, 1500)]), ("hog_svm", [(2500, 0.4, 5)]))
                         for n, a, t in points])
    fig = learning_curve_figure(cells)
    assert len(fig.data) == 4  # accuracy and time for each of two models
    cnn_accuracy, cnn_time = fig.data[0], fig.data[1]
    assert list(cnn_accuracy.x) == [2500, 50000] and list(cnn_accuracy.y) == [0.6, 0.9]
    assert list(cnn_time.y) == [1.0, 25.0]  # minutes
    assert fig.layout.xaxis.type == "log"
    assert list(fig.layout.xaxis.ticktext) == ["2.5k", "50k"]  # the sizes measured, short enough to stand upright


def test_figures002_the_learning_curve_names_the_networks_schedule_and_the_cpu_behind_each_time():
    cells = typed_cells([cell(model="cnn", schedule="20 epochs", machines=["not recorded"]),
                         cell(model="hog_svm", machines=["AMD EPYC"])])
    cnn_accuracy, cnn_time, svm_accuracy, svm_time = learning_curve_figure(cells).data
    assert cnn_accuracy.name == "Neural network (20 epochs)" and svm_accuracy.name == "Edge patterns + curved rule"
    assert cnn_time.customdata[0][0] == "a CPU not recorded" and svm_time.customdata[0][0] == "AMD EPYC"
    assert "min on %{customdata[0]}" in svm_time.hovertemplate


def test_robustness_figure_groups_models_by_corruption_at_one_severity():
    rows = [{"model": m, "corruption": k, "severity": s, "accuracy": a, "ece": 0.1}
            for m, base in (("cnn", 0.9), ("hog_svm", 0.6))
            for k, s, a in (("none", 0.0, base), ("gaussian_blur", 0.5, base - 0.1), ("gaussian_blur", 1.0, base - 0.3),
                            ("gaussian_blur", 1.5, base - 0.4))]
    fig = robustness_figure(rows, ["cnn", "hog_svm"], 1)
    cnn, svm = fig.data
    assert cnn.name == "Neural network" and "CNN (Keras → ONNX)" in cnn.hovertemplate and list(cnn.y) == ["clean photos", "Gaussian blur"]
    assert list(cnn.x) == pytest.approx([0.9, 0.6]) and list(svm.x) == pytest.approx([0.6, 0.3])
    assert "σ = 1.0 px" in cnn.customdata[1][0] and tuple(fig.layout.xaxis.range) == (0, 1) and cnn.orientation == "h"
    assert len(robustness_figure(rows, ["cnn"], 2).data) == 1
    assert "not been run" in robustness_figure([], ["cnn"], 1).layout.annotations[0].text


def test_training_curves_show_training_validation_and_test_per_network_in_its_colour():
    from ml.models.registry import colour

    histories = {"cnn": {"epoch": [1, 2, 3], "accuracy": [0.5, 0.9, 0.99], "loss": [1.5, 0.5, 0.1],
                         "lr": [0.5, 0.25, 0.01]},
                 "basic_cnn": {"accuracy": [0.4, 0.6], "loss": [1.6, 1.1], "val_accuracy": [0.45, 0.58],
                               "val_loss": [1.5, 1.2]}}
    fig = training_curves_figure(histories, {"cnn": 0.91, "basic_cnn": 0.57})
    names = [t.name for t in fig.data if t.showlegend is not False]
    assert names == ["Neural network: training photos", "Neural network: test photos (final model)",
                     "Study's small neural network: training photos",
                     "Study's small neural network: held-out photos",
                     "Study's small neural network: test photos (final model)"]
    test_line = next(t for t in fig.data if t.name == "Neural network: test photos (final model)")
    assert list(test_line.y) == [0.91, 0.91] and list(test_line.x) == [1, 3]
    assert {t.line.color for t in fig.data if t.legendgroup == "basic_cnn"} == {colour("basic_cnn")}
    [rate] = [t for t in fig.data if t.name == "Neural network: learning rate"]  # only the network that recorded it
    assert list(rate.y) == [0.5, 0.25, 0.01] and rate.yaxis == "y3" and fig.layout.yaxis3.type == "log"
    assert "Select a neural network" in training_curves_figure({}, {}).layout.annotations[0].text



def test_class_coverage_curves_keep_each_class_in_its_map_colour():
    curve = {"coverage": np.array([0.5, 1.0]), "accuracy": np.array([1.0, 0.9])}
    fig = class_coverage_figure({"dog": curve, "ship": curve}, {"dog": {"coverage": 0.5, "accuracy": 1.0},
                                                                        "ship": {"coverage": 0.0, "accuracy": None}},
                                        NAMES, "cnn", 0.99)
    lines = [t for t in fig.data if t.mode == "lines"]
    assert [t.name for t in lines] == ["dog", "ship"]  # the class order, whatever the dict's
    assert [t.line.color for t in lines] == [CLASS_PALETTE[1], CLASS_PALETTE[2]]
    [point] = [t for t in fig.data if t.mode == "markers"]  # no photo of ship reached the threshold: no point
    assert point.legendgroup == "dog" and list(point.x) == [0.5]
    empty = class_coverage_figure({}, {}, NAMES, None, 0.99)
    assert not empty.data and "No calibrated threshold" in empty.layout.annotations[0].text


def test_study_curves_show_every_converged_run_of_both_arms_with_its_kept_epoch():
    from ml.study.setup import MAIN_RULE, NO_AUGMENTATION, PATIENT_RULE

    def run(variant, seed, accuracies, best, rule=MAIN_RULE, reason="no_better_validation", size=5000):
        epochs = list(range(1, len(accuracies) + 1))
        return {"variant": variant, "seed": seed, "rule": rule, "train_images": size,
                "curves": {"epoch": epochs, "val_accuracy": accuracies},
                "stopped": {"reason": reason, "best_epoch": best, "epochs_run": len(epochs)}}

    chosen = "flip_rotate_zoom_medium"
    runs = [run(NO_AUGMENTATION, 0, [0.3, 0.5, 0.6, 0.58], 3), run(chosen, 0, [0.2, 0.4, 0.55, 0.62, 0.61], 4),
            run(chosen, 1, [0.2, 0.3], 2, reason="cut_short"),  # cut short: not a result
            run(chosen, 2, [0.2, 0.7], 2, rule=PATIENT_RULE), run(chosen, 3, [0.2, 0.7], 2, size=50000)]
    fig = study_curves_figure(runs, chosen, 5000)
    lines = [t for t in fig.data if t.mode == "lines"]
    dots = [t for t in fig.data if t.mode == "markers"]
    assert [list(t.y) for t in lines] == [[0.3, 0.5, 0.6, 0.58], [0.2, 0.4, 0.55, 0.62, 0.61]]
    assert [(t.x[0], t.y[0]) for t in dots] == [(3, 0.6), (4, 0.62)]
    assert [t.name for t in lines] == ["without augmentation", "with rotation, flip and zoom"]
    empty = study_curves_figure(runs[2:], chosen, 5000)
    assert not empty.data and "No converged run" in empty.layout.annotations[0].text
    # the sizes offered: those with a drawable run of either arm (the patient and cut runs are not)
    assert study_curve_sizes(runs, chosen) == [5000, 50000]
    assert study_curve_sizes(runs[2:4], chosen) == [] and study_curve_sizes(runs, "flip_only") == [5000]


def test_figures001_long_titles_and_messages_wrap_to_a_phones_width():
    import plotly.graph_objects as go

    title = "The study's basic CNN, with and without augmentation, at every size it ran"
    fig = layout(go.Figure(), title)
    lines = fig.layout.title.text.split("<br>")
    assert len(lines) > 1 and max(map(len, lines)) <= PHONE_LINE_CHARS and " ".join(lines) == title
    assert fig.layout.margin.t == layout(go.Figure(), "Short").layout.margin.t + 22 * (len(lines) - 1)
    assert layout(go.Figure(), "Short").layout.title.text == "Short"
    subtitled = "Per class: photos sorted at each accuracy<br><sup>Study's small neural network</sup>"
    assert layout(go.Figure(), subtitled).layout.title.text == subtitled  # its own break and markup kept
    message = "The learning curve has not been run for these artifacts (docs/development.md says how)."
    shown = empty_figure(message).layout.annotations[0].text.split("<br>")
    assert max(map(len, shown)) <= PHONE_LINE_CHARS and " ".join(shown) == message
