"""The dashboard through its functions, its Flask test client and Dash's callback endpoint."""

import io
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from callbacks.classifier import uploads_view
from callbacks.navigation import page_for
from callbacks.performance import gallery_for_cell
from dash_app import AppConfig, create_app
from dash_app.classify import results_csv
from dash_app.gallery import GalleryUnavailable, dataset_test_images
from layouts.performance import (
    BUTTON_DOWNLOAD_MODELS,
    DOWNLOAD_MODELS_CSV,
    DROPDOWN_CLASS,
    DROPDOWN_MATRIX_MODEL,
    GRAPH_CONFUSION_MATRIX,
    RADIO_MATRIX_MODE,
)


def _app(artifacts, data=None, **kwargs):
    return create_app(AppConfig(artifacts_dir=artifacts, data_path=data, **kwargs))


def _services(app):
    return app.server.extensions["cifar"]






@pytest.mark.parametrize("path, expected", [
    ("/", "Can machine learning sort product photos?"),
    ("/data", "The data"),
    ("/performance", "Model performance"),
    ("/classify", "Classify your own photos"),
    ("/hypotheses", "Hypotheses and results"),
    ("/nowhere", "Page not found"),
])
def test_app001_every_page_renders(tiny_artifacts, path, expected, text_of):
    data, out = tiny_artifacts
    app = _app(out, data)
    with app.server.app_context():
        assert expected in text_of(page_for(path, _services(app)))


def test_app002_missing_artifacts_give_a_message_not_a_crash(tmp_path, text_of):
    app = _app(tmp_path / "nothing")
    with app.server.app_context():
        text = text_of(page_for("/", _services(app)))
    assert "cannot be read" in text and "python -m ml train" in text
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    health = client.get("/api/health")
    assert health.status_code == 503 and "no artifacts folder" in health.get_json()["error"]


def test_app003_altered_artifact_is_reported(artifacts_copy, text_of):
    data, out = artifacts_copy
    (out / "dataset" / "stats.json").write_text("{}")
    app = _app(out, data)
    with app.server.app_context():
        assert "altered" in text_of(page_for("/data", _services(app)))


def test_app004_health_reports_version(tiny_artifacts):
    _, out = tiny_artifacts
    body = _app(out).server.test_client().get("/api/health").get_json()
    assert body["status"] == "ok" and body["artifacts"]["schema_version"] == 1
    assert body["artifacts"]["models"] == ["cnn", "basic_cnn", "hog_logreg", "hog_svm"]


def test_app005_predict_api_mixes_good_and_bad_files(tiny_artifacts, png):
    _, out = tiny_artifacts
    client = _app(out).server.test_client()
    response = client.post("/api/predict", data={"file": [
        (io.BytesIO(png()), "cat.png"), (io.BytesIO(b"just text"), "notes.txt")]},
        content_type="multipart/form-data")
    assert response.status_code == 200
    good, bad = response.get_json()["results"]
    assert good["ok"] and good["label"] in ("cat", "dog", "ship")
    assert set(good["predictions"]) == {"cnn", "basic_cnn", "hog_logreg", "hog_svm"}
    assert sum(good["predictions"]["cnn"]["probabilities"].values()) == pytest.approx(1, abs=1e-3)
    assert not bad["ok"] and "notes.txt" in bad["error"] and "not an image" in bad["error"]


def test_app006_predict_api_rejects_requests_with_nothing_usable(tiny_artifacts):
    _, out = tiny_artifacts
    client = _app(out).server.test_client()
    assert client.post("/api/predict").status_code == 400
    response = client.post("/api/predict", data={"file": [(io.BytesIO(b"x"), "a.jpg")]},
                           content_type="multipart/form-data")
    assert response.status_code == 422


def test_app007_upload_size_limit_and_explanations(tiny_artifacts, encode, png):
    _, out = tiny_artifacts
    client = _app(out, max_upload_mb=0.01).server.test_client()
    big = encode(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    response = client.post("/api/predict?explain=1", data={"file": [
        (io.BytesIO(big), "big.png"), (io.BytesIO(png()), "small.png")]},
        content_type="multipart/form-data")
    big_result, small_result = response.get_json()["results"]
    assert "over the 0.01 MB limit" in big_result["error"]
    assert np.array(small_result["occlusion"]).shape == (32, 32)


def test_app008_uploads_view_handles_every_kind_of_file(tiny_artifacts):
    _, out = tiny_artifacts
    app = _app(out)
    rgba = io.BytesIO()
    Image.new("RGBA", (500, 300), (10, 200, 30, 128)).save(rgba, "PNG")
    import base64
    uris = ["data:image/png;base64," + base64.b64encode(rgba.getvalue()).decode(),
            "data:text/plain;base64," + base64.b64encode(b"hello").decode(),
            "garbage without a comma"]
    with app.server.app_context():
        cards, stored, disabled = uploads_view(_services(app), uris, ["photo.png", "notes.txt", "x.bin"])
    assert not disabled and len(cards) == 3
    statuses = {r["file"]: r["ok"] for r in stored["results"]}
    assert statuses == {"photo.png": True, "notes.txt": False, "x.bin": False}
    csv_text = results_csv(stored["results"], stored["classes"])
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("file,status,label,confidence,uncertain,cnn_label")
    assert len(lines) == 4 and any(line.startswith("photo.png,ok,") for line in lines)


def test_app009_cell_gallery_with_and_without_the_dataset(tiny_artifacts, tmp_path, text_of):
    data, out = tiny_artifacts
    manifest = json.loads((out / "manifest.json").read_text())
    cm = np.array(manifest["models"]["hog_logreg"]["metrics"]["confusion_matrix"])
    app = _app(out, data)
    with app.server.app_context():
        view = gallery_for_cell(_services(app), "hog_logreg", "cat", "cat")
    assert f"{cm[0, 0]} test images" in text_of(view)
    assert "data:image/png;base64" in str(view)
    missing = _app(out, tmp_path / "absent.zip")
    with missing.server.app_context():
        view = gallery_for_cell(_services(missing), "hog_logreg", "cat", "cat")
    assert "not available" in text_of(view) and "data:image/png" not in str(view)


def test_app010_gallery_refuses_a_different_dataset(tiny_artifacts, tmp_path, text_of, png):
    data, out = tiny_artifacts
    manifest = json.loads((out / "manifest.json").read_text())
    assert dataset_test_images(data, manifest).shape == (18, 32, 32, 3)
    other = tmp_path / "other"
    shutil.copytree(data, other)
    first = sorted((other / "test" / "cat").iterdir())[0]
    first.write_bytes(png(seed=9))
    with pytest.raises(GalleryUnavailable, match="differs"):
        dataset_test_images(other, manifest)


def _dash_update(client, output, inputs, state=()):
    payload = {"output": output, "outputs": _outputs(output), "inputs": inputs, "changedPropIds": [],
               "state": list(state)}
    return client.post("/_dash-update-component", json=payload)


def _outputs(output):
    if output.startswith(".."):
        return [dict(zip(("id", "property"), o.split("."))) for o in output.strip(".").split("...")]
    component, prop = output.split(".")
    return {"id": component, "property": prop}


def test_app011_filter_callback_over_http(tiny_artifacts):
    _, out = tiny_artifacts
    client = _app(out).server.test_client()
    response = _dash_update(client, f"{GRAPH_CONFUSION_MATRIX}.figure", [
        {"id": DROPDOWN_MATRIX_MODEL, "property": "value", "value": "cnn"},
        {"id": DROPDOWN_CLASS, "property": "value", "value": ["ship", "cat"]},
        {"id": RADIO_MATRIX_MODE, "property": "value", "value": "normalised"}])
    assert response.status_code == 200
    figure = response.get_json()["response"][GRAPH_CONFUSION_MATRIX]["figure"]
    heatmap = figure["data"][0]
    assert heatmap["x"] == ["cat", "ship"] and heatmap["z"]["shape"] == "2, 2"  # plotly's binary array


def test_app012_no_tensorflow_in_the_serving_process(tiny_artifacts, png, tmp_path):
    _, out = tiny_artifacts
    image = tmp_path / "a.png"
    image.write_bytes(png())
    code = (
        "import sys, io\n"
        "from dash_app import create_app, AppConfig\n"
        f"app = create_app(AppConfig(artifacts_dir={str(out)!r}))\n"
        "c = app.server.test_client()\n"
        "assert c.get('/').status_code == 200\n"
        "assert c.get('/api/health').status_code == 200\n"
        f"img = open({str(image)!r}, 'rb').read()\n"
        "r = c.post('/api/predict', data={'file': [(io.BytesIO(img), 'a.png')]}, content_type='multipart/form-data')\n"
        "assert r.status_code == 200, r.data\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TensorFlow was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def test_app013_models_table_downloads_as_csv(tiny_artifacts):
    _, out = tiny_artifacts
    client = _app(out).server.test_client()
    response = _dash_update(client, f"{DOWNLOAD_MODELS_CSV}.data",
                            [{"id": BUTTON_DOWNLOAD_MODELS, "property": "n_clicks", "value": 1}])
    download = response.get_json()["response"][DOWNLOAD_MODELS_CSV]["data"]
    lines = download["content"].strip().splitlines()
    assert download["filename"] == "models.csv" and len(lines) == 5
    assert lines[0].startswith("model,accuracy,macro_f1,size_mb")


def test_app014_every_gallery_count_equals_its_matrix_cell(tiny_artifacts, text_of):
    data, out = tiny_artifacts
    manifest = json.loads((out / "manifest.json").read_text())
    names = manifest["dataset"]["class_names"]
    app = _app(out, data)
    for model, entry in manifest["models"].items():
        matrix = entry["metrics"]["confusion_matrix"]
        for t, true in enumerate(names):
            for p, predicted in enumerate(names):
                with app.server.app_context():
                    title = text_of(gallery_for_cell(_services(app), model, true, predicted))
                assert f"predicted {predicted}: {matrix[t][p]} test images" in title


@pytest.mark.parametrize("value", [0.9927, None])
def test_app015_a_figure_edited_in_the_manifest_is_refused_everywhere(artifacts_copy, value, text_of, png):
    data, out = artifacts_copy
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["models"]["hog_svm"]["metrics"]["accuracy"] = value
    (out / "manifest.json").write_text(json.dumps(manifest))
    app = _app(out, data)
    for path in ("/", "/performance", "/hypotheses", "/classify"):
        with app.server.app_context():
            assert "models.hog_svm.metrics.accuracy" in text_of(page_for(path, _services(app)))
    client = app.server.test_client()
    health = client.get("/api/health")
    assert health.status_code == 503 and "models.hog_svm.metrics.accuracy" in health.get_json()["error"]
    response = client.post("/api/predict", data={"file": [(io.BytesIO(png()), "a.png")]},
                           content_type="multipart/form-data")
    assert response.status_code == 503


def test_app016_one_page_registry_drives_the_navbar_and_the_router(tiny_artifacts, text_of):
    import dash_bootstrap_components as dbc

    from callbacks.pages import PAGES

    data, out = tiny_artifacts
    app = _app(out, data)

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
            assert "Page not found" not in text_of(page_for(page.path, _services(app)))
