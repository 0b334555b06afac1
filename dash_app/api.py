"""JSON API on the Flask server: POST /api/predict and GET /api/health.

Every answer under /api/ is JSON, errors included (wrong method, unknown path, oversized request,
internal error), and no message shows a path on the server.
"""

from __future__ import annotations

import hmac
import logging
from pathlib import Path

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from dash_app.classify import classify_files, public, too_many_files
from dash_app.uploads import request_uploads
from ml.artifacts.folder import ArtifactError

api = Blueprint("api", __name__, url_prefix="/api")
log = logging.getLogger(__name__)
ROUTES = {"health": ["GET"], "predict": ["POST"]}
MAX_NEIGHBOURS = 20


def _services():
    return current_app.extensions["cifar"]


def _error(status: int, message: str, **headers):
    response = jsonify(error=message)
    response.status_code = status
    response.headers.update(headers)
    return response


def _without_paths(message: str) -> str:
    """An artifacts error as a client may see it: the server's folder replaced by its name."""
    folder = _services().artifacts.folder
    return message.replace(folder + "/", "").replace(folder, Path(folder).name)


@api.get("/health")
def health():
    """Readiness: 200 with the artifacts' version when the models can be served, 503 otherwise."""
    services = _services()
    try:
        manifest = services.artifacts.manifest()
        services.artifacts.predictors()
    except ArtifactError as exc:
        return jsonify(status="unavailable", error=_without_paths(str(exc))), 503
    return jsonify(status="ok", artifacts={
        "fingerprint": services.artifacts.fingerprint,
        "schema_version": manifest.schema_version,
        "created": manifest.created,
        "models": list(manifest.models),
        "classes": manifest.class_names,
        "neighbours": manifest.neighbours is not None,
    })


@api.post("/predict")
def predict():
    """Classify one or more images sent as multipart/form-data file parts (field `file`);
    `?explain=1` adds occlusion maps, `?neighbours=k` the k most similar training images.
    With API_TOKEN set, a bearer token is required."""
    services = _services()
    token = services.config.api_token
    if token and not _bearer_matches(token):
        return _error(401, "send 'Authorization: Bearer <token>' with the API token",
                      **{"WWW-Authenticate": 'Bearer realm="api"'})
    uploads = request_uploads(request, services.config.max_upload_bytes)
    if not uploads:
        return _error(400, "send images as multipart/form-data file parts in a field named 'file'")
    refused = too_many_files(len(uploads), services.config)
    if refused:
        return _error(413, refused)
    explain = request.args.get("explain", "").lower() in ("1", "true", "yes")
    neighbours = request.args.get("neighbours", "0")
    if not neighbours.isdigit() or int(neighbours) > MAX_NEIGHBOURS:
        return _error(400, f"neighbours: a whole number from 0 to {MAX_NEIGHBOURS}, got {neighbours!r}")
    try:
        if int(neighbours) and services.artifacts.neighbours() is None:
            return _error(503, "nearest training images unavailable: these artifacts have no index "
                               "(run `python -m ml neighbours`)")
        results = classify_files(uploads, services.artifacts, services.config, explain=explain,
                                 neighbours=int(neighbours))
    except ArtifactError as exc:
        return _error(503, f"models unavailable: {_without_paths(str(exc))}")
    body = []
    for result in results:
        entry = public(result)
        if "occlusion" in result:
            entry["occlusion"] = result["occlusion"].round(4).tolist()
        body.append(entry)
    status = 200 if any(r["ok"] for r in results) else 422
    return jsonify(results=body), status


def _bearer_matches(token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


@api.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unrouted(rest: str):
    """A known endpoint with the wrong method (405), or no endpoint (404); without this rule the
    dashboard's catch-all page route would answer GET /api/... with HTML."""
    allowed = ROUTES.get(rest.strip("/"))
    if allowed:
        return _error(405, f"{request.method} is not allowed here; use {' or '.join(allowed)}",
                      Allow=", ".join(allowed))
    return _error(404, f"no API endpoint /api/{rest}; endpoints: "
                       + ", ".join(f"{m[0]} /api/{name}" for name, m in ROUTES.items()))


@api.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    if exc.code == 413:
        return _error(413, "request too large: send fewer or smaller files per request")
    return _error(exc.code or 500, exc.description or exc.name)


@api.errorhandler(Exception)
def internal_error(exc: Exception):
    log.exception("unhandled error in %s %s", request.method, request.path)
    return _error(500, "internal error; it has been logged on the server")
