"""Hypotheses page: the study's verdicts (ml.study) with the ablation and the learning curve, and the
client's trust targets (ml.trust)."""

from __future__ import annotations

from dash_app.figures import ablation_figure, learning_curve_figure, study_setup_figure
from layouts.hypotheses import hypotheses_page
from ml import study
from ml.auto_sort import auto_sort_answer
from ml.study_setup import STUDY_SETUP, chosen_augmentation
from ml.trust import trust_verdicts


def page(services):
    artifacts = services.artifacts
    manifest = artifacts.manifest()
    experiments = manifest.get("experiments", {})
    setup = experiments.get(STUDY_SETUP, {}).get("cells", [])
    return hypotheses_page(study.hypotheses(manifest, artifacts.stats()), trust_verdicts(manifest),
                           study.model_limits(manifest),
                           study_setup_figure(setup, chosen_augmentation(setup)),
                           ablation_figure(experiments.get("ablation", {}).get("cells", [])),
                           learning_curve_figure(experiments.get("learning_curve", {}).get("cells", [])),
                           auto_sort_answer(manifest, artifacts.best_model(), services.config.auto_sort_target))


def register(app) -> None:
    """The hypotheses page has no callbacks of its own."""
