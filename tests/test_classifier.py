"""The Classifier page's callbacks (callbacks/classifier.py)."""

import io

from PIL import Image

from callbacks.classifier import dropped_view, uploads_from, uploads_view
from dash_app.classify import results_csv


def test_classifier001_uploads_view_handles_every_kind_of_file(tiny_artifacts, make_app, services_of):
    _, out = tiny_artifacts
    app = make_app(out)
    rgba = io.BytesIO()
    Image.new("RGBA", (500, 300), (10, 200, 30, 128)).save(rgba, "PNG")
    import base64
    uris = ["data:image/png;base64," + base64.b64encode(rgba.getvalue()).decode(),
            "data:text/plain;base64," + base64.b64encode(b"hello").decode(),
            "garbage without a comma"]
    with app.server.app_context():
        cards, stored, disabled = uploads_view(services_of(app), uploads_from(uris, ["photo.png", "notes.txt", "x.bin"]))
    assert not disabled and len(cards) == 3
    statuses = {r["file"]: r["ok"] for r in stored["results"]}
    assert statuses == {"photo.png": True, "notes.txt": False, "x.bin": False}
    csv_text = results_csv(stored["results"], stored["classes"])
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("file,status,label,confidence,decision,cnn_label")
    assert len(lines) == 4 and any(line.startswith("photo.png,ok,") for line in lines)


def test_classifier002_tiny_photos_are_flagged_and_nothing_to_download_keeps_the_button_off(
        tiny_artifacts, make_app, services_of, text_of):
    import base64

    _, out = tiny_artifacts
    app = make_app(out)
    dot = io.BytesIO()
    Image.new("RGB", (1, 1), (200, 0, 0)).save(dot, "PNG")
    uri = "data:image/png;base64," + base64.b64encode(dot.getvalue()).decode()
    text = "data:text/plain;base64," + base64.b64encode(b"hello").decode()
    with app.server.app_context():
        cards, stored, disabled = uploads_view(services_of(app), uploads_from([uri], ["dot.png"]))
        assert not disabled and "only 1×1 pixels" in text_of(cards[0])
        assert stored["results"][0]["warnings"] and stored["results"][0]["decision"] in ("auto", "review")
        _, _, disabled = uploads_view(services_of(app), uploads_from([text], ["notes.txt"]))
        assert disabled


def test_classifier003_the_opacity_slider_patches_only_each_map_s_opacity(tiny_artifacts, make_app):
    import json

    from layouts.classifier import GRAPH_CLASSIFIER_EXPLANATION, RANGE_CLASSIFIER_OPACITY

    _, out = tiny_artifacts
    client = make_app(out).server.test_client()
    ids = [{"type": GRAPH_CLASSIFIER_EXPLANATION, "index": i} for i in (0, 1)]
    key = json.dumps({"index": ["ALL"], "type": GRAPH_CLASSIFIER_EXPLANATION}, separators=(",", ":"))
    response = client.post("/_dash-update-component", json={
        "output": f"{key}.figure", "outputs": {"id": {"type": GRAPH_CLASSIFIER_EXPLANATION, "index": ["ALL"]},
                                                "property": "figure"},
        "inputs": [{"id": RANGE_CLASSIFIER_OPACITY, "property": "value", "value": 0.8}],
        "state": [[{"id": i, "property": "id", "value": i} for i in ids]],
        "changedPropIds": [f"{RANGE_CLASSIFIER_OPACITY}.value"]})
    assert response.status_code == 200
    patches = json.dumps(response.get_json())
    assert patches.count('"Assign"') == 2 and patches.count("0.8") == 2 and "opacity" in patches


def test_classifier004_an_example_button_classifies_its_photo_in_one_click(tiny_artifacts, make_app):
    import json

    from dash_app.examples import EXAMPLES
    from layouts.classifier import (
        BUTTON_CLASSIFIER_CSV,
        BUTTON_CLASSIFIER_EXAMPLE,
        DIV_CLASSIFIER_RESULTS,
        RANGE_CLASSIFIER_OPACITY,
        STORE_CLASSIFIER_RESULTS,
        UPLOAD_CLASSIFIER_IMAGES,
    )

    _, out = tiny_artifacts
    client = make_app(out).server.test_client()
    buttons = [{"id": {"type": BUTTON_CLASSIFIER_EXAMPLE, "index": key}, "property": "n_clicks",
                "value": 1 if key == "rocket" else None} for key in EXAMPLES]
    output = f"..{DIV_CLASSIFIER_RESULTS}.children...{STORE_CLASSIFIER_RESULTS}.data...{BUTTON_CLASSIFIER_CSV}.disabled.."
    response = client.post("/_dash-update-component", json={
        "output": output,
        "outputs": [{"id": DIV_CLASSIFIER_RESULTS, "property": "children"},
                    {"id": STORE_CLASSIFIER_RESULTS, "property": "data"},
                    {"id": BUTTON_CLASSIFIER_CSV, "property": "disabled"}],
        "inputs": [{"id": UPLOAD_CLASSIFIER_IMAGES, "property": "contents", "value": None}, buttons],
        "state": [{"id": UPLOAD_CLASSIFIER_IMAGES, "property": "filename", "value": None},
                  {"id": RANGE_CLASSIFIER_OPACITY, "property": "value", "value": 0.5}],
        "changedPropIds": [json.dumps({"index": "rocket", "type": BUTTON_CLASSIFIER_EXAMPLE},
                                      separators=(",", ":")) + ".n_clicks"]})
    assert response.status_code == 200
    [result] = response.get_json()["response"][STORE_CLASSIFIER_RESULTS]["data"]["results"]
    assert result["ok"] and result["file"] == "example: a rocket (not one of the ten).jpg"
    assert response.get_json()["response"][BUTTON_CLASSIFIER_CSV]["disabled"] is False


def test_classifier005_each_photo_shows_its_most_similar_training_photos(indexed_artifacts, make_app, services_of,
                                                                         png, text_of, tmp_path):
    import base64

    from callbacks.classifier import neighbours_view
    from layouts.photo import NEIGHBOURS_SHOWN

    data, out = indexed_artifacts
    uri = "data:image/png;base64," + base64.b64encode(png(3)).decode()
    with_data = make_app(out, data=data, cache_dir=str(tmp_path / "cache"))
    with with_data.server.app_context():
        services = services_of(with_data)
        cards, stored, _ = uploads_view(services, uploads_from([uri], ["a.png"]))
        rows = stored["results"][0]["neighbours"]
        assert len(rows) == NEIGHBOURS_SHOWN and "Most like it among the training photos" not in text_of(cards[0])
        view = neighbours_view(services, 0, stored)  # drawn after the answers, by its own callback
        shown = text_of(view)
        assert "Most like it among the training photos" in shown and rows[0]["label"] in shown
        sources = [img.src for img in _images(view)]
        assert len(sources) == NEIGHBOURS_SHOWN and all(src.startswith("data:image/png") for src in sources)
        assert neighbours_view(services, 5, stored) is None  # a photo no longer on the page
    without_data = make_app(out, data=tmp_path / "nowhere")
    with without_data.server.app_context():
        view = neighbours_view(services_of(without_data), 0, stored)
        assert "not available here" in text_of(view) and rows[0]["label"] in text_of(view)  # names, no images


def _images(node):
    from dash import html

    if isinstance(node, html.Img):
        yield node
    children = getattr(node, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children] if children is not None else []:
        if hasattr(child, "to_plotly_json"):
            yield from _images(child)


def test_classifier006_the_page_refuses_more_photos_than_the_limit_and_says_what_to_do(
        tiny_artifacts, make_app, services_of, text_of):
    import base64

    _, out = tiny_artifacts
    app = make_app(out, max_upload_files=2)
    png = io.BytesIO()
    Image.new("RGB", (40, 40), (0, 90, 200)).save(png, "PNG")
    uri = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    with app.server.app_context():
        alert, stored, disabled = dropped_view(services_of(app), [uri] * 3, ["a.png", "b.png", "c.png"])
        assert stored is None and disabled
        assert "3 files sent; at most 2 at a time (MAX_UPLOAD_FILES)" in text_of(alert)
        cards, stored, _ = dropped_view(services_of(app), [uri] * 2, ["a.png", "b.png"])
        assert len(stored["results"]) == 2 and all(r["ok"] for r in stored["results"])
