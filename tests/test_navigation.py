"""Routing and the page registry (callbacks/navigation.py, callbacks/pages.py): every page, and a readable alert instead of a crash."""

import io
import json

import pytest

from callbacks.navigation import page_for
from ml.artifacts.schema import Manifest


@pytest.mark.parametrize("path, expected", [
    ("/", "Can machine learning sort product photos?"),
    ("/data", "The data"),
    ("/performance", "Model performance"),
    ("/classify", "Classify your own photos"),
    ("/hypotheses", "Hypotheses and results"),
    ("/nowhere", "Page not found"),
])
def test_navigation001_every_page_renders(tiny_artifacts, path, expected, text_of, make_app, services_of):
    data, out = tiny_artifacts
    app = make_app(out, data)
    with app.server.app_context():
        assert expected in text_of(page_for(path, services_of(app)))


def test_navigation002_missing_artifacts_give_a_message_not_a_crash(tmp_path, text_of, make_app, services_of):
    app = make_app(tmp_path / "nothing")
    with app.server.app_context():
        text = text_of(page_for("/", services_of(app)))
    assert "cannot be read" in text and "python -m ml train" in text
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    health = client.get("/api/health")
    assert health.status_code == 503 and "no artifacts folder" in health.get_json()["error"]


def test_navigation003_altered_artifact_is_reported(artifacts_copy, text_of, make_app, services_of):
    data, out = artifacts_copy
    (out / "dataset" / "stats.json").write_text("{}")
    app = make_app(out, data)
    with app.server.app_context():
        assert "altered" in text_of(page_for("/data", services_of(app)))


@pytest.mark.parametrize("value", [0.9927, None])
def test_navigation004_a_figure_edited_in_the_manifest_is_refused_everywhere(artifacts_copy, value, text_of, png, make_app, services_of):
    data, out = artifacts_copy
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["models"]["hog_svm"]["metrics"]["accuracy"] = value
    (out / "manifest.json").write_text(json.dumps(manifest))
    app = make_app(out, data)
    for path in ("/", "/performance", "/hypotheses", "/classify"):
        with app.server.app_context():
            assert "models.hog_svm.metrics.accuracy" in text_of(page_for(path, services_of(app)))
    client = app.server.test_client()
    health = client.get("/api/health")
    assert health.status_code == 503 and "models.hog_svm.metrics.accuracy" in health.get_json()["error"]
    response = client.post("/api/predict", data={"file": [(io.BytesIO(png()), "a.png")]},
                           content_type="multipart/form-data")
    assert response.status_code == 503


def test_navigation005_one_page_registry_drives_the_navbar_and_the_router(tiny_artifacts, text_of, make_app, services_of):
    import dash_bootstrap_components as dbc

    from callbacks.pages import PAGES

    data, out = tiny_artifacts
    app = make_app(out, data)

    def links(node):
        if isinstance(node, dbc.NavLink):
            yield node.href, node.children
        for child in (node.children if isinstance(getattr(node, "children", None), list)
                      else [getattr(node, "children", None)]):
            if child is not None and not isinstance(child, str):
                yield from links(child)

    assert list(links(app.layout)) == [(page.path, page.label) for page in PAGES]
    for page in PAGES:
        with app.server.app_context():
            assert "Page not found" not in text_of(page_for(page.path, services_of(app)))


@pytest.mark.parametrize("path", ["/", "/hypotheses"])
def test_navigation006_summary_and_hypotheses_answer_the_auto_sort_question_at_the_configured_target(
        artifacts_copy, path, text_of, make_app, services_of):
    from ml.evaluation.auto_sort import auto_sort_answer

    _, out = artifacts_copy
    manifest = json.loads((out / "manifest.json").read_text())
    for entry in manifest["models"].values():
        entry["auto_sort"] = {"thresholds": [{"target": 0.98, "threshold": 0.5, "held_out_coverage": 0.6,
                                              "held_out_accuracy": 0.99, "test_coverage": 0.55, "test_accuracy": 0.97}]}
    (out / "manifest.json").write_text(json.dumps(manifest))
    app = make_app(out, auto_sort_target=0.98)
    with app.server.app_context():
        services = services_of(app)
        text = text_of(page_for(path, services))
        best = services.artifacts.served_model()
    assert auto_sort_answer(Manifest.model_validate(manifest), best, 0.98) in text
    assert "At 98.0% accuracy" in text and "sorts 55.0% of photos itself (97.0% of them right" in text
