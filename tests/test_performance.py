"""The performance page's callbacks (callbacks/performance.py): galleries, filters over HTTP, the CSV."""

import json

import numpy as np
import pytest

from callbacks.performance import gallery_for_cell
from layouts.performance import (
    BUTTON_PERFORMANCE_CSV,
    CHECKLIST_PERFORMANCE_CLASSES,
    CHECKLIST_PERFORMANCE_MODELS,
    DOWNLOAD_PERFORMANCE_CSV,
    GRAPH_CONFUSION_MATRIX,
    GRID_PERFORMANCE_MODELS,
    RADIO_MATRIX_MODE,
    SELECT_MATRIX_MODEL,
    STORE_MATRIX_CELL,
)
from ml.models.registry import display_name

CNN, SVM = display_name("cnn"), display_name("hog_svm")


def test_performance001_cell_gallery_with_and_without_the_dataset(tiny_artifacts, tmp_path, text_of, make_app, services_of):
    data, out = tiny_artifacts
    manifest = json.loads((out / "manifest.json").read_text())
    cm = np.array(manifest["models"]["hog_logreg"]["metrics"]["confusion_matrix"])
    app = make_app(out, data)
    with app.server.app_context():
        view, pages = gallery_for_cell(services_of(app), "hog_logreg", "cat", "cat")
    assert f"{display_name('hog_logreg')}: true cat, predicted cat: {cm[0, 0]} test images" in text_of(view)
    assert pages == 1  # the tiny test split fits on one page
    assert "data:image/png;base64" in str(view)
    missing = make_app(out, tmp_path / "absent.zip")
    with missing.server.app_context():
        view, _ = gallery_for_cell(services_of(missing), "hog_logreg", "cat", "cat")
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
        {"id": SELECT_MATRIX_MODEL, "property": "value", "value": "cnn"},
        {"id": CHECKLIST_PERFORMANCE_CLASSES, "property": "value", "value": ["ship", "cat"]},
        {"id": RADIO_MATRIX_MODE, "property": "value", "value": "normalised"},
        {"id": STORE_MATRIX_CELL, "property": "data", "value": None}])
    assert response.status_code == 200
    figure = response.get_json()["response"][GRAPH_CONFUSION_MATRIX]["figure"]
    heatmap = figure["data"][0]
    assert heatmap["x"] == ["cat", "ship"] and heatmap["z"]["shape"] == "2, 2"  # plotly's binary array


def test_performance003_models_table_downloads_as_csv(tiny_artifacts, make_app):
    _, out = tiny_artifacts
    client = make_app(out).server.test_client()
    response = _dash_update(client, f"{DOWNLOAD_PERFORMANCE_CSV}.data",
                            [{"id": BUTTON_PERFORMANCE_CSV, "property": "n_clicks", "value": 1}],
                            [{"id": CHECKLIST_PERFORMANCE_MODELS, "property": "value", "value": ["hog_svm", "cnn"]}])
    download = response.get_json()["response"][DOWNLOAD_PERFORMANCE_CSV]["data"]
    lines = download["content"].strip().splitlines()
    assert download["filename"] == "models.csv" and len(lines) == 3  # the models the filter shows, in order
    assert lines[0].startswith("model,method,accuracy,macro_f1,size_mb")
    assert lines[1].startswith(f"{CNN},CNN (Keras → ONNX)") and lines[2].startswith(f"{SVM},HOG + SVM")
    table = _dash_update(client, f"{GRID_PERFORMANCE_MODELS}.rowData",
                         [{"id": CHECKLIST_PERFORMANCE_MODELS, "property": "value", "value": ["hog_svm"]}])
    [row] = table.get_json()["response"][GRID_PERFORMANCE_MODELS]["rowData"]
    assert row["model"] == SVM


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
                    title = text_of(gallery_for_cell(services_of(app), model, true, predicted)[0])
                assert f"predicted {predicted}: {matrix[t][p]} test images" in title


def test_performance005_robustness_chart_reads_the_benchmark_from_the_artifacts(artifacts_copy, make_app, services_of):
    from dash_app.views import Views
    from ml.cli import main

    data, out = artifacts_copy
    before = Views(services_of(make_app(out)).artifacts).robustness_figure(("cnn",), 1)
    assert "not been run" in before.layout.annotations[0].text
    assert main(["robustness", "--data", str(data), "--out", str(out), "--corruptions", "jpeg"]) == 0
    after = Views(services_of(make_app(out)).artifacts).robustness_figure(("cnn", "hog_svm"), 1)
    assert [bar.name for bar in after.data] == [CNN, SVM]
    assert list(after.data[0].y) == ["clean photos", "JPEG re-compression"]


def test_performance006_auto_sort_target_drives_the_answers_curves_and_review_shares(artifacts_copy, make_app):
    from layouts.performance import (
        CHECKLIST_PERFORMANCE_MODELS,
        DIV_AUTOSORT_ANSWERS,
        GRAPH_AUTOSORT_CLASS_CURVES,
        GRAPH_AUTOSORT_CLASSES,
        GRAPH_AUTOSORT_COVERAGE,
        RADIO_AUTOSORT_TARGET,
    )
    from ml.artifacts.folder import load_manifest, read_predictions

    _, out = artifacts_copy
    manifest = json.loads((out / "manifest.json").read_text())
    predictions = read_predictions(out, load_manifest(out))
    confidence = predictions["proba_cnn"].max(axis=1)
    threshold = float(np.median(confidence))
    kept = confidence >= threshold
    row = {"target": 0.99, "threshold": threshold, "held_out_coverage": 0.5, "held_out_accuracy": 1.0,
           "test_coverage": float(kept.mean()),
           "test_accuracy": float((predictions["pred_cnn"][kept] == predictions["y_true"][kept]).mean())}
    manifest["models"]["cnn"]["auto_sort"] = {"thresholds": [row]}
    manifest["models"]["hog_svm"].pop("auto_sort")
    (out / "manifest.json").write_text(json.dumps(manifest))
    client = make_app(out).server.test_client()
    output = (f"..{GRAPH_AUTOSORT_COVERAGE}.figure...{GRAPH_AUTOSORT_CLASSES}.figure..."
              f"{GRAPH_AUTOSORT_CLASS_CURVES}.figure...{DIV_AUTOSORT_ANSWERS}.children..")
    response = _dash_update(client, output, [
        {"id": CHECKLIST_PERFORMANCE_MODELS, "property": "value", "value": ["hog_svm", "cnn"]},
        {"id": RADIO_AUTOSORT_TARGET, "property": "value", "value": 0.99}]).get_json()["response"]
    answers = json.dumps(response[DIV_AUTOSORT_ANSWERS]["children"])
    assert f"At 99.0% accuracy, {CNN} sorts {row['test_coverage']:.1%} of photos itself" in answers
    assert f"{SVM} was trained without photos held back" in answers
    coverage = response[GRAPH_AUTOSORT_COVERAGE]["figure"]["data"]
    assert [t["name"] for t in coverage if t.get("mode") == "lines"] == [CNN, SVM]
    [marker] = [t for t in coverage if t.get("mode") == "markers"]  # only the calibrated model has a threshold
    assert marker["x"] == [row["test_coverage"]]
    bars = response[GRAPH_AUTOSORT_CLASSES]["figure"]["data"][0]
    below = {name: float((confidence[predictions["y_true"] == i] < threshold).mean())
             for i, name in enumerate(manifest["dataset"]["class_names"])}
    assert dict(zip(bars["y"], bars["x"])) == below
    # per class, the curve within its photos and the point the threshold reaches: the share not sent to a person
    class_traces = response[GRAPH_AUTOSORT_CLASS_CURVES]["figure"]["data"]
    assert [t["name"] for t in class_traces if t["mode"] == "lines"] == [c for c in manifest["dataset"]["class_names"]
                                                                        if c in below]
    points = {t["legendgroup"]: t["x"][0] for t in class_traces if t["mode"] == "markers"}
    assert points and all(share == pytest.approx(1 - below[name]) for name, share in points.items())


def test_performance007_reliability_diagram_before_and_after_for_calibrated_models(tiny_artifacts, make_app,
                                                                                  services_of):
    from dash_app.views import Views

    _, out = tiny_artifacts
    figure = Views(services_of(make_app(out)).artifacts).reliability_figure(("cnn", "hog_logreg"))
    names = [trace.name for trace in figure.data]
    assert names[0] == "confidence = accuracy" and len(names) == 5
    assert names[1].startswith("before calibration (error ") and names[2].startswith("calibrated (error ")
    # each model's two lines under its name, so that no legend entry is wider than a phone
    assert figure.data[1].legendgrouptitle.text == figure.data[2].legendgrouptitle.text == CNN
    manifest = json.loads((out / "manifest.json").read_text())
    bins = manifest["models"]["cnn"]["calibration"]["reliability_after"]
    assert list(figure.data[2].y) == [b["accuracy"] for b in bins]


def test_performance008_the_gallery_follows_the_matrix_model_pages_and_the_clicked_cell_is_outlined(
        tiny_artifacts, make_app, monkeypatch):
    from callbacks import performance
    from layouts.performance import DIV_MATRIX_GALLERY, PAGINATION_MATRIX_GALLERY

    monkeypatch.setattr(performance, "GALLERY_PER_PAGE", 2)  # the tiny split's cells hold a few images
    data, out = tiny_artifacts
    manifest = json.loads((out / "manifest.json").read_text())
    client = make_app(out, data).server.test_client()
    names = manifest["dataset"]["class_names"]
    matrix = np.array(manifest["models"]["cnn"]["metrics"]["confusion_matrix"])
    t, p = np.unravel_index(matrix.argmax(), matrix.shape)  # the CNN's fullest cell, to have pages
    cell = {"true": names[t], "predicted": names[p]}
    output = f"..{DIV_MATRIX_GALLERY}.children...{PAGINATION_MATRIX_GALLERY}.max_value...{PAGINATION_MATRIX_GALLERY}.active_page.."

    def gallery(model, page, changed):
        payload = {"output": output, "outputs": _outputs(output), "changedPropIds": [changed], "state": [],
                   "inputs": [{"id": STORE_MATRIX_CELL, "property": "data", "value": cell},
                              {"id": SELECT_MATRIX_MODEL, "property": "value", "value": model},
                              {"id": PAGINATION_MATRIX_GALLERY, "property": "active_page", "value": page}]}
        return client.post("/_dash-update-component", json=payload).get_json()["response"]

    for model in ("cnn", "hog_svm"):  # switching the matrix's model switches the gallery's
        count = manifest["models"][model]["metrics"]["confusion_matrix"][t][p]
        response = gallery(model, 3, f"{SELECT_MATRIX_MODEL}.value")
        title = json.dumps(response[DIV_MATRIX_GALLERY], ensure_ascii=False)
        assert (f"{manifest['models'][model]['name']}: true {cell['true']}, predicted {cell['predicted']}: "
                f"{count} test images") in title
        assert response[PAGINATION_MATRIX_GALLERY] == {"max_value": max(1, -(-count // 2)), "active_page": 1}
    assert matrix[t, p] > 2
    second = gallery("cnn", 2, f"{PAGINATION_MATRIX_GALLERY}.active_page")
    assert second[PAGINATION_MATRIX_GALLERY]["active_page"] == 2
    assert f"3–{min(4, matrix[t, p])} shown" in json.dumps(second[DIV_MATRIX_GALLERY], ensure_ascii=False)
    figure = _dash_update(client, f"{GRAPH_CONFUSION_MATRIX}.figure", [
        {"id": SELECT_MATRIX_MODEL, "property": "value", "value": "cnn"},
        {"id": CHECKLIST_PERFORMANCE_CLASSES, "property": "value", "value": ["cat", "dog", "ship"]},
        {"id": RADIO_MATRIX_MODE, "property": "value", "value": "counts"},
        {"id": STORE_MATRIX_CELL, "property": "data", "value": {"true": "dog", "predicted": "ship"}}])
    [outline] = figure.get_json()["response"][GRAPH_CONFUSION_MATRIX]["figure"]["layout"]["shapes"]
    assert (outline["x0"], outline["x1"], outline["y0"], outline["y1"]) == (1.5, 2.5, 0.5, 1.5)


def test_performance010_every_chart_gives_each_model_its_one_colour(artifacts_copy, make_app, services_of):
    """One palette per model across the pages: a model's bars, lines and points are always its registry colour."""
    from dash_app.views import Views
    from ml.cli import main
    from ml.models.registry import colour, display_name

    data, out = artifacts_copy
    assert main(["robustness", "--data", str(data), "--out", str(out), "--corruptions", "gaussian_blur"]) == 0
    views = Views(services_of(make_app(out)).artifacts)
    models = tuple(views.artifacts.model_keys())
    classes = tuple(views.artifacts.class_names())
    coverage, by_class, _, _ = views.auto_sort_view(models, 0.99)
    figures = {"per-class": views.per_class_figure(models, classes, "f1", "name"),
               "robustness": views.robustness_figure(models, 1), "auto-sort": coverage,
               "reliability": views.reliability_figure(models), "training": views.training_figure(models)}
    for chart, figure in figures.items():
        coloured = 0
        for trace in figure.data:
            owner = [m for m in models if trace.legendgroup == m or (trace.name or "").startswith(display_name(m))]
            if not owner:
                continue
            # the longest matching name wins ("Neural network" is a prefix of no other model's name)
            model = max(owner, key=lambda m: len(display_name(m)))
            parts = [getattr(trace, part, None) for part in ("marker", "line")]
            colours = {c for c in (getattr(part, "color", None) for part in parts if part is not None)
                       if isinstance(c, str)}
            assert colours == {colour(model)}, (chart, trace.name, colours)
            coloured += 1
        assert coloured >= 2, chart


def test_performance011_a_gallery_image_opens_large_with_every_models_answer(tiny_artifacts, text_of, make_app,
                                                                             services_of):
    from callbacks.performance import image_details
    from ml.artifacts.folder import load_manifest, read_predictions
    from ml.models.registry import display_name

    data, out = tiny_artifacts
    manifest = load_manifest(out)
    names = manifest.class_names
    predictions = read_predictions(out, manifest)
    app = make_app(out, data)
    with app.server.app_context():
        view, _ = gallery_for_cell(services_of(app), "cnn", names[0], names[0])
        details = image_details(services_of(app), 4)
    assert "button-matrix-image" in str(view)  # every tile is a button that opens it
    text = text_of(details)
    true = names[int(predictions["y_true"][4])]
    assert f"Test photo #4; its label: {true}." in text and "data:image/png;base64" in str(details)
    [table] = [child for child in details.children if type(child).__name__ == "Table"]
    rows = [[cell.children for cell in row.children] for row in table.children[1].children]
    assert [row[0] for row in rows] == [display_name(model) for model in manifest.models]
    for model, row in zip(manifest.models, rows):
        answer = int(predictions[f"pred_{model}"][4])
        assert row[1:] == [names[answer] + ("" if names[answer] == true else " (wrong)"),
                           f"{predictions[f'proba_{model}'][4][answer]:.1%}",
                           f"{predictions[f'proba_{model}'][4][names.index(true)]:.1%}"]


def test_performance012_each_networks_curves_come_with_how_its_training_ended(tiny_artifacts, make_app, services_of):
    from dash_app.views import Views

    _, out = tiny_artifacts
    views = Views(services_of(make_app(out)).artifacts)
    manifest = json.loads((out / "manifest.json").read_text())
    cnn = manifest["models"]["cnn"]["training"]
    records = views.training_records(("cnn", "basic_cnn", "hog_svm"))
    assert len(records) == 2  # the networks; the classical models train no epochs
    assert records[0].startswith(f"{CNN}: {cnn['epochs_run']} of {cnn['epochs_planned']} epochs, its schedule ran")
    assert cnn["machine"] in records[0]
    figure = views.training_figure(("cnn",))
    held_out = next(t for t in figure.data if t.name == f"{CNN}: held-out photos")  # the calibration split, watched
    assert len(held_out.y) == cnn["epochs_run"]
    assert any(t.name == f"{CNN}: learning rate" for t in figure.data)
