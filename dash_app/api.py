"""JSON API on the Flask server: POST /api/predict and GET /api/health."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from dash_app.classify import classify_files, public
from ml.artifacts import ArtifactError

api = Blueprint("api", __name__, url_prefix="/api")


def _services():
    return current_app.extensions["cifar"]


@api.get("/health")
def health():
    """Readiness: 200 with the artifacts' version when the models can be served, 503 otherwise."""
    services = _services()
    try:
        manifest = services.artifacts.manifest()
        services.artifacts.predictors()
    except ArtifactError as exc:
        return jsonify(status="unavailable", error=str(exc)), 503
    return jsonify(status="ok", artifacts={
        "fingerprint": services.artifacts.fingerprint,
        "schema_version": manifest["schema_version"],
        "created": manifest["created"],
        "models": list(manifest["models"]),
        "classes": manifest["dataset"]["class_names"],
    })


@api.post("/predict")
def predict():
    """Classify one or more images sent as multipart field `file`; `?explain=1` adds occlusion maps."""
    services = _services()
    uploads = request.files.getlist("file")
    if not uploads:
        return jsonify(error="send images as multipart/form-data in a field named 'file'"), 400
    if len(uploads) > services.config.max_upload_files:
        return jsonify(error=f"at most {services.config.max_upload_files} files per request"), 413
    limit = services.config.max_upload_bytes
    files = [(u.filename or f"file{i + 1}", u.stream.read(limit + 1)) for i, u in enumerate(uploads)]
    explain = request.args.get("explain", "").lower() in ("1", "true", "yes")
    try:
        results = classify_files(files, services.artifacts, services.config, explain=explain)
    except ArtifactError as exc:
        return jsonify(error=f"models unavailable: {exc}"), 503
    body = []
    for result in results:
        entry = public(result)
        if "occlusion" in result:
            entry["occlusion"] = result["occlusion"].round(4).tolist()
        body.append(entry)
    status = 200 if any(r["ok"] for r in results) else 422
    return jsonify(results=body), status


@api.errorhandler(RequestEntityTooLarge)
def too_large(_):
    return jsonify(error="request too large"), 413
