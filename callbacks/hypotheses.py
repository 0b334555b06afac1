"""Hypotheses page: the study's verdicts (ml.study.hypotheses) with the ablation and the learning curve, and the
client's trust targets (ml.study.trust); the only control picks the training-set size of the study's
convergence curves."""

from __future__ import annotations

from dash import Input, Output

from dash_app.figures.hypotheses import (
    ablation_figure,
    learning_curve_figure,
    study_curve_sizes,
    study_curves_figure,
    study_setup_figure,
)
from layouts.hypotheses import GRAPH_HYPOTHESES_STUDY_CURVES, RADIO_HYPOTHESES_CURVE_SIZE, hypotheses_page
from ml.evaluation.auto_sort import auto_sort_answer
from ml.study import hypotheses
from ml.study.setup import STUDY_SETUP, STUDY_SIZE, chosen_augmentation
from ml.study.trust import trust_verdicts


def page(services):
    artifacts = services.artifacts
    manifest = artifacts.manifest()
    setup = manifest.experiment_cells(STUDY_SETUP)
    chosen = chosen_augmentation(setup)
    runs = artifacts.experiment_runs(STUDY_SETUP)
    sizes = study_curve_sizes(runs, chosen)
    size = STUDY_SIZE if STUDY_SIZE in sizes or not sizes else sizes[0]
    return hypotheses_page(hypotheses.hypotheses(manifest, artifacts.stats()), trust_verdicts(manifest),
                           hypotheses.model_limits(manifest), study_setup_figure(setup, chosen),
                           study_curves_figure(runs, chosen, size), sizes, size,
                           ablation_figure(*hypotheses.judged_ablation(manifest)),
                           learning_curve_figure(manifest.experiment_cells("learning_curve")),
                           auto_sort_answer(manifest, artifacts.served_model(), services.config.auto_sort_target))


def register(app) -> None:
    artifacts = app.server.extensions["cifar"].artifacts

    @app.callback(Output(GRAPH_HYPOTHESES_STUDY_CURVES, "figure"), Input(RADIO_HYPOTHESES_CURVE_SIZE, "value"),
                  prevent_initial_call=True)
    def show_curves_at(size):
        chosen = chosen_augmentation(artifacts.manifest().experiment_cells(STUDY_SETUP))
        return study_curves_figure(artifacts.experiment_runs(STUDY_SETUP), chosen, int(size))
