"""URL routing and the navbar toggle."""

from __future__ import annotations

from dash import Input, Output, State

from ml import study
from dash_app.figures import ablation_figure, learning_curve_figure, models_table_rows
from layouts.classifier import classifier_page
from layouts.common import error_alert, not_found
from layouts.data import data_page
from layouts.hypotheses import hypotheses_page
from layouts.performance import performance_page
from layouts.summary import summary_page
from ml.artifacts import ArtifactError


def page_for(pathname: str | None, services):
    """The page for a URL; a readable alert (never a crash) when the artifacts are unusable."""
    artifacts = services.artifacts
    path = (pathname or "/").rstrip("/") or "/"
    try:
        if path == "/":
            return summary_page(artifacts.manifest(), artifacts.best_model())
        if path == "/data":
            return data_page(artifacts.stats())
        if path == "/performance":
            manifest = artifacts.manifest()
            return performance_page(list(manifest["models"]), manifest["dataset"]["class_names"],
                                    models_table_rows(manifest))
        if path == "/classify":
            artifacts.manifest()
            return classifier_page(services.config.max_upload_mb)
        if path == "/hypotheses":
            manifest = artifacts.manifest()
            experiments = manifest.get("experiments", {})
            return hypotheses_page(study.hypotheses(manifest, artifacts.stats()),
                                   study.model_limits(manifest),
                                   ablation_figure(experiments.get("ablation", {}).get("cells", [])),
                                   learning_curve_figure(experiments.get("learning_curve", {}).get("cells", [])))
    except ArtifactError as exc:
        return error_alert(f"{exc}. The dashboard shows the results of `python -m ml train`; "
                           "restore the committed artifacts folder or retrain.",
                           "The model artifacts cannot be read")
    return not_found(path)


def register(app) -> None:
    services = app.server.extensions["cifar"]

    @app.callback(Output("container-page", "children"), Input("location-page", "pathname"))
    def render_page(pathname):
        return page_for(pathname, services)

    @app.callback(Output("collapse-nav", "is_open"), Input("button-nav-toggle", "n_clicks"),
                  State("collapse-nav", "is_open"), prevent_initial_call=True)
    def toggle_navbar(_, is_open):
        return not is_open
