"""The JSON API's errors, limits, multipart parsing and access control (dash_app/api.py,
dash_app/uploads.py), through Flask's test client on artifacts made by the real pipeline."""

import io
import logging

import numpy as np
import pytest

from dash_app import AppConfig, create_app


def _client(artifacts, **settings):
    return create_app(AppConfig(artifacts_dir=artifacts, **settings)).server.test_client()


def _multipart(parts: list[tuple[bytes, bytes]], boundary=b"BOUNDARY") -> tuple[bytes, str]:
    """A multipart body written by hand, so that a part's headers can carry any bytes."""
    body = b""
    for filename, data in parts:
        body += (b"--" + boundary + b"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                 + b"\"\r\nContent-Type: application/octet-stream\r\n\r\n" + data + b"\r\n")
    return body + b"--" + boundary + b"--\r\n", f"multipart/form-data; boundary={boundary.decode()}"


@pytest.mark.parametrize("method, path, status, allow", [
    ("get", "/api/predict", 405, "POST"),
    ("put", "/api/predict", 405, "POST"),
    ("delete", "/api/health", 405, "GET"),
    ("get", "/api/nothing/here", 404, None),
    ("post", "/api/health/", 405, "GET"),
])
def test_api001_wrong_method_or_path_is_json(tiny_artifacts, method, path, status, allow):
    _, out = tiny_artifacts
    response = getattr(_client(out), method)(path)
    assert response.status_code == status and response.is_json
    assert response.headers.get("Allow") == allow
    assert "error" in response.get_json()


def test_api002_internal_error_is_json_without_internals(tiny_artifacts, monkeypatch, caplog, png):
    _, out = tiny_artifacts

    def broken(*args, **kwargs):
        raise ZeroDivisionError("secret detail at /srv/app/module.py")

    monkeypatch.setattr("dash_app.api.classify_files", broken)
    with caplog.at_level(logging.ERROR, logger="dash_app.api"):
        response = _client(out).post("/api/predict", data={"file": [(io.BytesIO(png()), "a.png")]},
                                     content_type="multipart/form-data")
    assert response.status_code == 500 and response.is_json
    assert "secret" not in response.get_data(as_text=True) and "/srv" not in response.get_data(as_text=True)
    assert "ZeroDivisionError" in caplog.text  # the server log keeps the traceback


def test_api003_oversized_file_reports_its_real_size(tiny_artifacts, png):
    _, out = tiny_artifacts
    big = b"\xff" * (3 * 2**20)  # 3 MB against a 1 MB limit
    response = _client(out, max_upload_mb=1).post(
        "/api/predict", data={"file": [(io.BytesIO(big), "huge.jpg"), (io.BytesIO(png()), "ok.png")]},
        content_type="multipart/form-data")
    assert response.status_code == 200
    huge, ok = response.get_json()["results"]
    assert huge["error"] == "huge.jpg: the file is 3.0 MB, over the 1 MB limit"
    assert ok["ok"]


def test_api004_every_part_gets_a_result_even_with_a_latin1_file_name(tiny_artifacts, png):
    _, out = tiny_artifacts
    body, content_type = _multipart([("caf\xe9.png".encode("latin-1"), png(1)), (b"plain.png", png(2)),
                                     ("na\xefve.txt".encode("latin-1"), b"not an image")])
    response = _client(out).post("/api/predict", data=body, content_type=content_type)
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["file"] for r in results] == ["café.png", "plain.png", "naïve.txt"]
    assert [r["ok"] for r in results] == [True, True, False]


def test_api005_file_parts_in_any_field_are_classified_in_order(tiny_artifacts, png):
    _, out = tiny_artifacts
    response = _client(out).post("/api/predict", data={
        "file": [(io.BytesIO(png(1)), "one.png")], "image": [(io.BytesIO(png(2)), "two.png")]},
        content_type="multipart/form-data")
    assert [r["file"] for r in response.get_json()["results"]] == ["one.png", "two.png"]


@pytest.mark.parametrize("header, status", [
    (None, 401), ("Bearer wrong", 401), ("Basic s3cret", 401), ("Bearer s3cret", 200), ("bearer s3cret", 200),
])
def test_api006_api_token_guards_predict(tiny_artifacts, header, status, png):
    _, out = tiny_artifacts
    client = _client(out, api_token="s3cret")
    headers = {"Authorization": header} if header else {}
    response = client.post("/api/predict", data={"file": [(io.BytesIO(png()), "a.png")]},
                           content_type="multipart/form-data", headers=headers)
    assert response.status_code == status and response.is_json
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/health").status_code == 200  # health stays open to probes


def test_api007_errors_show_no_server_paths(artifacts_copy, png):
    _, out = artifacts_copy
    (out / "dataset" / "stats.json").write_text("{}")
    client = _client(out)
    for response in (client.get("/api/health"),
                     client.post("/api/predict", data={"file": [(io.BytesIO(png()), "a.png")]},
                                 content_type="multipart/form-data")):
        assert response.status_code == 503
        text = response.get_json()["error"]
        assert "dataset/stats.json" in text and "altered" in text
        assert str(out.parent) not in text


def test_api008_too_many_files_and_too_large_requests(tiny_artifacts, png):
    _, out = tiny_artifacts
    client = _client(out)
    files = [(io.BytesIO(png()), f"{i}.png") for i in range(51)]
    response = client.post("/api/predict", data={"file": files}, content_type="multipart/form-data")
    assert response.status_code == 413 and "at most 50" in response.get_json()["error"]
    huge = np.zeros(20 * 2**20, np.uint8).tobytes()
    response = _client(out, max_upload_mb=0.5).post("/api/predict", data={"file": [(io.BytesIO(huge), "a.bin")]},
                                                    content_type="multipart/form-data")
    assert response.status_code == 413 and response.is_json


def test_api009_startup_log_names_each_artifact_failure_once(artifacts_copy, caplog):
    _, out = artifacts_copy
    (out / "dataset" / "stats.json").write_text("{}")
    (out / "dataset" / "test_files.json").unlink()
    with caplog.at_level(logging.INFO, logger="dash_app"):
        create_app(AppConfig(artifacts_dir=out))
    failures = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 2
    assert any("stats.json: altered" in f for f in failures)
    assert any("test_files.json: listed in the manifest but missing" in f for f in failures)


def test_api010_health_reports_version(tiny_artifacts, make_app):
    _, out = tiny_artifacts
    body = make_app(out).server.test_client().get("/api/health").get_json()
    assert body["status"] == "ok" and body["artifacts"]["schema_version"] == 1
    assert body["artifacts"]["models"] == ["cnn", "basic_cnn", "hog_logreg", "hog_svm"]


def test_api011_predict_mixes_good_and_bad_files(tiny_artifacts, png, make_app):
    _, out = tiny_artifacts
    client = make_app(out).server.test_client()
    response = client.post("/api/predict", data={"file": [
        (io.BytesIO(png()), "cat.png"), (io.BytesIO(b"just text"), "notes.txt")]},
        content_type="multipart/form-data")
    assert response.status_code == 200
    good, bad = response.get_json()["results"]
    assert good["ok"] and good["label"] in ("cat", "dog", "ship")
    assert set(good["predictions"]) == {"cnn", "basic_cnn", "hog_logreg", "hog_svm"}
    assert sum(good["predictions"]["cnn"]["probabilities"].values()) == pytest.approx(1, abs=1e-3)
    assert not bad["ok"] and "notes.txt" in bad["error"] and "not an image" in bad["error"]


def test_api012_predict_rejects_requests_with_nothing_usable(tiny_artifacts, make_app):
    _, out = tiny_artifacts
    client = make_app(out).server.test_client()
    assert client.post("/api/predict").status_code == 400
    response = client.post("/api/predict", data={"file": [(io.BytesIO(b"x"), "a.jpg")]},
                           content_type="multipart/form-data")
    assert response.status_code == 422


def test_api013_upload_size_limit_and_explanations(tiny_artifacts, encode, png, make_app):
    _, out = tiny_artifacts
    client = make_app(out, max_upload_mb=0.01).server.test_client()
    big = encode(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    response = client.post("/api/predict?explain=1", data={"file": [
        (io.BytesIO(big), "big.png"), (io.BytesIO(png()), "small.png")]},
        content_type="multipart/form-data")
    big_result, small_result = response.get_json()["results"]
    assert "over the 0.01 MB limit" in big_result["error"]
    assert np.array(small_result["occlusion"]).shape == (32, 32)


def test_api014_each_photo_gets_a_decision_at_the_configured_target(artifacts_copy, png, make_app):
    import json

    _, out = artifacts_copy
    manifest = json.loads((out / "manifest.json").read_text())
    for entry in manifest["models"].values():  # a threshold every answer reaches: every photo sorted
        entry["auto_sort"] = {"thresholds": [{"target": 0.99, "threshold": 0.0, "held_out_coverage": 0.1,
                                              "held_out_accuracy": 1.0, "test_coverage": 0.1,
                                              "test_accuracy": 1.0}]}
    (out / "manifest.json").write_text(json.dumps(manifest))

    def result(target):
        client = make_app(out, auto_sort_target=target, min_confidence=1.5).server.test_client()  # none reach it
        response = client.post("/api/predict", data={"file": [(io.BytesIO(png()), "cat.png")]},
                               content_type="multipart/form-data")
        return response.get_json()["results"][0]

    calibrated = result(0.99)
    assert calibrated["decision"] == "auto" and calibrated["target"] == 0.99 and calibrated["threshold"] == 0.0
    assert "calibrated for 99.0% accuracy" in calibrated["decision_rule"]
    fallback = result(0.98)  # no threshold held for 98%: the plain minimum confidence decides
    assert fallback["decision"] == "review" and fallback["target"] is None and "not calibrated" in fallback["decision_rule"]


def test_api015_neighbours_k_returns_the_most_similar_training_images(indexed_artifacts, tiny_artifacts, png):
    data, out = indexed_artifacts
    client = _client(out)
    assert client.get("/api/health").get_json()["artifacts"]["neighbours"] is True
    response = client.post("/api/predict?neighbours=3", data={"file": [(io.BytesIO(png(4)), "a.png")]},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    [result] = response.get_json()["results"]
    rows = result["neighbours"]
    assert len(rows) == 3 and all(r["file"].startswith("train/") for r in rows)
    assert all(r["file"].split("/")[1] == r["label"] for r in rows)  # the label is the file's class
    assert [r["similarity"] for r in rows] == sorted((r["similarity"] for r in rows), reverse=True)
    plain = client.post("/api/predict", data={"file": [(io.BytesIO(png(4)), "a.png")]},
                        content_type="multipart/form-data").get_json()["results"][0]
    assert "neighbours" not in plain and plain["predictions"] == result["predictions"]

    for bad in ("x", "-1", "21"):
        answer = client.post(f"/api/predict?neighbours={bad}", data={"file": [(io.BytesIO(png()), "a.png")]},
                             content_type="multipart/form-data")
        assert answer.status_code == 400 and "neighbours: a whole number from 0 to 20" in answer.get_json()["error"]
    _, unindexed = tiny_artifacts
    answer = _client(unindexed).post("/api/predict?neighbours=2", data={"file": [(io.BytesIO(png()), "a.png")]},
                                     content_type="multipart/form-data")
    assert answer.status_code == 503 and "python -m ml neighbours" in answer.get_json()["error"]


def test_api016_serving_another_model_is_one_setting(tiny_artifacts, png, make_app, services_of, text_of):
    """SERVED_MODEL: the API, the Classifier's decision and the Summary answer with that model."""
    from layouts.summary import summary_page
    from ml.models.registry import display_name, served_model, with_role

    _, out = tiny_artifacts
    other = with_role("baseline")[0]
    assert other != served_model()
    for setting, expected in ((None, served_model()), (other, other)):
        client = _client(out, served_model=setting)
        response = client.post("/api/predict", data={"file": [(io.BytesIO(png()), "a.png")]},
                               content_type="multipart/form-data")
        [result] = response.get_json()["results"]
        assert response.status_code == 200 and result["model"] == expected
        assert result["label"] == result["predictions"][expected]["label"]
    app = make_app(out, served_model=other)
    with app.server.app_context():
        services = services_of(app)
        page = summary_page(services.artifacts.manifest(), services.artifacts.served_model(), 0.99)
    assert display_name(other) in text_of(page)
    refused = _client(out, served_model="no_such_model").post(
        "/api/predict", data={"file": [(io.BytesIO(png()), "a.png")]}, content_type="multipart/form-data")
    assert refused.status_code == 503 and "SERVED_MODEL: no model 'no_such_model'" in refused.get_json()["error"]
