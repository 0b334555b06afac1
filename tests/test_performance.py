"""The performance page's callbacks (callbacks/performance.py): galleries, filters over HTTP, the CSV."""

import json

import numpy as np

from callbacks.performance import gallery_for_cell
from layouts.performance import (
    BUTTON_PERFORMANCE_CSV,
    DOWNLOAD_PERFORMANCE_CSV,
    DROPDOWN_MATRIX_MODEL,
    DROPDOWN_PERFORMANCE_CLASSES,
    GRAPH_CONFUSION_MATRIX,
    RADIO_MATRIX_MODE,
)


def test_performance001_cell_gallery_with_and_without_the_dataset(tiny_artifacts, tmp_path, text_of, make_app, services_of):
    data, out = tiny_artifacts
    manifest = json.loads((out / "manifest.json").read_text())
    cm = np.array(manifest["models"]["hog_logreg"]["metrics"]["confusion_matrix"])
    app = make_app(out, data)
    with app.server.app_context():
        view = gallery_for_cell(services_of(app), "hog_logreg", "cat", "cat")
    assert f"{cm[0, 0]} test images" in text_of(view)
    assert "data:image/png;base64" in str(view)
    missing = make_app(out, tmp_path / "absent.zip")
    with missing.server.app_context():
        view = gallery_for_cell(services_of(missing), "hog_logreg", "cat", "cat")
    assert "not available" in text_of(view) and "data:image/png" not in str(view)


def _dash_update(client, output, inputs, state=()):
    payload = {"output": output, "outputs": _outputs(output), "inputs": inputs, "changedPropIds": [],
               "state": list(state)}
    return client.post("/_dash-update-component", json=payload)


def _outputs(output):
    if output.startswith(".."):
        return [dict(zip(("id", "property"), o.split("."))) for o in output.strip(".").split("...")]
    component, prop = output.split(".")
    return {"id": component, "property": prop}


def test_performance002_filter_callback_over_http(tiny_artifacts, make_app):
    _, out = tiny_artifacts
    client = make_app(out).server.test_client()
    response = _dash_update(client, f"{GRAPH_CONFUSION_MATRIX}.figure", [
        {"id": DROPDOWN_MATRIX_MODEL, "property": "value", "value": "cnn"},
        {"id": DROPDOWN_PERFORMANCE_CLASSES, "property": "value", "value": ["ship", "cat"]},
        {"id": RADIO_MATRIX_MODE, "property": "value", "value": "normalised"}])
    assert response.status_code == 200
    figure = response.get_json()["response"][GRAPH_CONFUSION_MATRIX]["figure"]
    heatmap = figure["data"][0]
    assert heatmap["x"] == ["cat", "ship"] and heatmap["z"]["shape"] == "2, 2"  # plotly's binary array


def test_performance003_models_table_downloads_as_csv(tiny_artifacts, make_app):
    _, out = tiny_artifacts
    client = make_app(out).server.test_client()
    response = _dash_update(client, f"{DOWNLOAD_PERFORMANCE_CSV}.data",
                            [{"id": BUTTON_PERFORMANCE_CSV, "property": "n_clicks", "value": 1}])
    download = response.get_json()["response"][DOWNLOAD_PERFORMANCE_CSV]["data"]
    lines = download["content"].strip().splitlines()
    assert download["filename"] == "models.csv" and len(lines) == 5
    assert lines[0].startswith("model,accuracy,macro_f1,size_mb")


def test_performance004_every_gallery_count_equals_its_matrix_cell(tiny_artifacts, text_of, make_app, services_of):
    data, out = tiny_artifacts
    manifest = json.loads((out / "manifest.json").read_text())
    names = manifest["dataset"]["class_names"]
    app = make_app(out, data)
    for model, entry in manifest["models"].items():
        matrix = entry["metrics"]["confusion_matrix"]
        for t, true in enumerate(names):
            for p, predicted in enumerate(names):
                with app.server.app_context():
                    title = text_of(gallery_for_cell(services_of(app), model, true, predicted))
                assert f"predicted {predicted}: {matrix[t][p]} test images" in title


def test_performance005_robustness_chart_reads_the_benchmark_from_the_artifacts(artifacts_copy, make_app, services_of):
    from dash_app.views import Views
    from ml.cli import main

    data, out = artifacts_copy
    before = Views(services_of(make_app(out)).artifacts).robustness_figure(("cnn",), 1)
    assert "not been run" in before.layout.annotations[0].text
    assert main(["robustness", "--data", str(data), "--out", str(out), "--corruptions", "jpeg"]) == 0
    after = Views(services_of(make_app(out)).artifacts).robustness_figure(("cnn", "hog_svm"), 1)
    assert [bar.name for bar in after.data] == ["CNN (Keras → ONNX)", "HOG + SVM"]
    assert list(after.data[0].x) == ["clean photos", "JPEG re-compression"]
