"""Classify uploaded files with every model: shared by the Classifier page and POST /api/predict."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np

from dash_app.config import AppConfig
from dash_app.offload import off_the_event_loop
from dash_app.photo_details import nearest_training_images
from dash_app.store import Artifacts
from ml.data.preprocess import (
    ImageDecodeError,
    display_with_input_box,
    open_image,
    photo_warnings,
    to_model_image,
)
from ml.evaluation.auto_sort import decider
from ml.serving.explain import occlusion_map

PHOTO_SIDE = 320  # pixels: the uploaded photo as the Classifier page shows it

TOP_K = 3


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its bytes (perhaps cut at the size limit) and its real size, or why it
    could not be read at all."""

    name: str
    data: bytes = b""
    size: int | None = None
    error: str | None = None

    @property
    def real_size(self) -> int:
        return len(self.data) if self.size is None else self.size


def classify_files(uploads: list[Upload], artifacts: Artifacts, config: AppConfig,
                   explain: bool = False, neighbours: int = 0) -> list[dict]:
    """One result per upload, in the order given: predictions from each model, or an error; with
    `neighbours`, that many most similar training images to each (when the artifacts index them).
    The work runs off the server's event loop, in the bounded pool of `config.upload_threads`."""
    return off_the_event_loop(_classify_files, uploads, artifacts, config, explain, neighbours,
                              threads=config.upload_threads)


def too_many_files(count: int, config: AppConfig) -> str | None:
    """Why a request of `count` files is refused (over MAX_UPLOAD_FILES), None when it is not."""
    if count <= config.max_upload_files:
        return None
    return (f"{count} files sent; at most {config.max_upload_files} at a time (MAX_UPLOAD_FILES): "
            "send them in smaller batches")


def _classify_files(uploads: list[Upload], artifacts: Artifacts, config: AppConfig, explain: bool,
                    neighbours: int) -> list[dict]:
    results, images, photos = [], [], []
    for upload in uploads:
        name = upload.name
        try:
            if upload.error:
                raise ImageDecodeError(upload.error)
            if upload.real_size > config.max_upload_bytes:
                raise ImageDecodeError(f"the file is {upload.real_size / 2**20:.1f} MB, over the "
                                       f"{config.max_upload_mb:g} MB limit")
            image, info = open_image(upload.data, max_pixels=config.max_pixels)
            model_input = to_model_image(image)
            photo = display_with_input_box(image, PHOTO_SIDE) if explain else None
            images.append(model_input)
            photos.append(photo)
            results.append({"file": name, "ok": True, "width": info["width"], "height": info["height"],
                            "warnings": photo_warnings(info["width"], info["height"])})
        except ImageDecodeError as exc:
            results.append({"file": name, "ok": False, "error": f"{name}: {exc}"})
    if not images:
        return results
    batch = np.stack(images)
    manifest = artifacts.manifest()  # one lookup per request, not one per field
    names = manifest.class_names
    predictors = artifacts.predictors()
    probabilities = {key: predictor.predict_proba(batch) for key, predictor in predictors.items()}
    served = artifacts.served_model()
    decide = decider(manifest, served, config.auto_sort_target, config.min_confidence, strict=False)
    ok_results = [r for r in results if r["ok"]]
    similar = nearest_training_images(artifacts, batch, neighbours, names) if neighbours else None
    for i, result in enumerate(ok_results):
        result["predictions"] = {key: _summary(proba[i], names) for key, proba in probabilities.items()}
        chosen = result["predictions"][served]
        result.update(model=served, label=chosen["label"], confidence=chosen["confidence"],
                      decision=decide(float(probabilities[served][i].max())), threshold=round(decide.threshold, 4),
                      target=decide.target, decision_rule=decide.reason)
        result["image"] = batch[i]
        if similar is not None:
            result["neighbours"] = similar[i]
        if explain:
            heat, _ = occlusion_map(predictors[served].predict_proba, batch[i])
            photo, box = photos[i]
            result.update(occlusion=heat, photo=np.asarray(photo), box=box)
    return results


def _summary(proba: np.ndarray, names: list[str]) -> dict:
    order = np.argsort(proba)[::-1]
    return {
        "label": names[order[0]],
        "confidence": round(float(proba[order[0]]), 4),
        "top": [{"class": names[k], "probability": round(float(proba[k]), 4)} for k in order[:TOP_K]],
        "probabilities": {name: round(float(p), 4) for name, p in zip(names, proba)},
    }


def public(result: dict) -> dict:
    """A result without its arrays, for JSON."""
    return {k: v for k, v in result.items() if k not in ("image", "occlusion", "photo", "box")}


def results_csv(results: list[dict], class_names: list[str]) -> str:
    """A batch of results as CSV: one row per file, each model's label and probabilities."""
    models = next((list(r["predictions"]) for r in results if r.get("ok")), [])
    header = ["file", "status", "label", "confidence", "decision"]
    for key in models:
        header += [f"{key}_label"] + [f"{key}_p_{c}" for c in class_names]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for r in results:
        if not r.get("ok"):
            writer.writerow([r["file"], r["error"]] + [""] * (len(header) - 2))
            continue
        row = [r["file"], "ok", r["label"], r["confidence"], r["decision"]]
        for key in models:
            summary = r["predictions"][key]
            row += [summary["label"]] + [summary["probabilities"][c] for c in class_names]
        writer.writerow(row)
    return buffer.getvalue()
