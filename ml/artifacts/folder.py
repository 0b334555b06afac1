"""The artifacts folder: a manifest.json listing every file with its sha256, and its validation."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ml.artifacts.schema import Manifest, Strict, read_manifest_data
from ml.errors import UserError

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
PREDICTIONS = "predictions/test_predictions.npz"


class ArtifactError(UserError, RuntimeError):
    """The artifacts folder is missing, incomplete, altered or of an unknown schema."""


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def write_json(path: Path, data) -> Path:
    """Write JSON with stable formatting (sorted keys are not forced: order carries meaning)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, allow_nan=False) + "\n")
    return path


def write_manifest(folder: Path, manifest: dict | Manifest) -> Path:
    """Fill in schema version, creation time and the sha256 of every listed file, then write."""
    folder = Path(folder)
    if isinstance(manifest, Manifest):
        manifest = manifest.to_json()
    files = {}
    for rel in sorted(set(listed_files(manifest))):
        path = folder / rel
        if not path.is_file():
            raise ArtifactError(f"{path}: listed in the manifest but not written")
        files[rel] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    manifest = {"schema_version": SCHEMA_VERSION,
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                **{k: v for k, v in manifest.items() if k not in ("schema_version", "created", "files")},
                "files": files}
    typed, problems = read_manifest_data(manifest)
    if problems:  # a bug in the code that made it: refuse to write a manifest no reader would accept
        raise ValueError(f"the manifest for {folder} does not fit its schema: {'; '.join(problems)}")
    # written as the schema reads it, its keys in the schema's order: a step that builds an entry by hand
    # and one that edits the read manifest then write the same text, and a commit's diff shows what changed
    return write_json(folder / MANIFEST, typed.to_json())


def with_sections(manifest: Manifest, *, extra_files=(), experiments: dict | None = None, **sections) -> dict:
    """The manifest's JSON with `sections` (top-level entries, such as robustness=...) replaced,
    `experiments` merged into its experiments and `extra_files` listed: what a step that adds its
    result to an artifacts folder writes back with `write_manifest`."""
    unknown = set(sections) - set(Manifest.model_fields)
    if unknown:
        raise ValueError(f"the manifest has no section {', '.join(sorted(unknown))}")
    data = manifest.to_json()
    data.update({key: _plain(value) for key, value in sections.items()})
    if experiments:
        data["experiments"] = {**data.get("experiments", {}), **{k: _plain(v) for k, v in experiments.items()}}
    if extra_files:
        data["extra_files"] = sorted(set(data.get("extra_files", [])) | set(extra_files))
    return data


def _plain(value):
    return value.to_json() if isinstance(value, Strict) else value


def listed_files(manifest: dict):
    """Every file path (relative to the folder) that a manifest lists."""
    yield from manifest.get("dataset", {}).get("files", {}).values()
    yield from manifest.get("predictions", {}).get("files", {}).values()
    for entry in manifest.get("models", {}).values():
        yield from entry.get("files", {}).values()
    yield from manifest.get("extra_files", [])


def load_manifest(folder: str | Path, *, verify: bool = True) -> Manifest:
    """Read and validate a manifest (and with `verify` check its files and figures); raise
    ArtifactError naming what is wrong."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not folder.is_dir():
        raise ArtifactError(f"{folder}: no artifacts folder here; run `python -m ml train --out {folder}`")
    if not path.is_file():
        raise ArtifactError(f"{path}: missing; run `python -m ml train --out {folder}`")
    try:
        manifest = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{path}: not valid JSON ({exc})") from exc
    version = manifest.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ArtifactError(f"{path}: schema_version {version!r} is not supported "
                            f"(this code reads version {SCHEMA_VERSION})")
    manifest, problems = read_manifest_data(manifest)
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise ArtifactError(f"{path}: {len(problems)} field(s) do not fit the manifest's schema: {shown}")
    if verify:
        problems = _content_problems(folder, manifest)
        if problems:
            raise ArtifactError("; ".join(problems))
    return manifest


def artifact_problems(folder: str | Path) -> list[str]:
    """Everything wrong with an artifacts folder, one message each (empty when it is usable)."""
    try:
        manifest = load_manifest(folder, verify=False)
    except ArtifactError as exc:
        return [str(exc)]
    return _content_problems(folder, manifest)


def _content_problems(folder: str | Path, manifest: Manifest) -> list[str]:
    """Files first (figures are only worth recomputing from unaltered predictions), then figures."""
    return file_problems(folder, manifest) or figure_problems(folder, manifest)


def write_predictions(folder: Path, y_true: np.ndarray, probas: dict[str, np.ndarray],
                      classes: dict[str, np.ndarray]) -> str:
    """Store each model's test predictions: its predicted classes exactly, its probabilities as
    float16 (for display); returns the file's path relative to `folder`."""
    path = Path(folder) / PREDICTIONS
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, y_true=np.asarray(y_true, np.int16),
                        **{f"pred_{k}": np.asarray(classes[k], np.int16) for k in probas},
                        **{f"proba_{k}": np.asarray(p, np.float16) for k, p in probas.items()})
    return PREDICTIONS


def read_predictions(folder: str | Path, manifest: Manifest) -> dict[str, np.ndarray]:
    """y_true, and per model pred_<key> (int) and proba_<key> (float32), as stored."""
    with np.load(Path(folder) / manifest.predictions.files.test) as data:
        return {k: data[k].astype(np.float32) if k.startswith("proba_") else data[k] for k in data.files}


def figure_problems(folder: str | Path, manifest: Manifest) -> list[str]:
    """Every model figure in the manifest that the stored predictions do not reproduce: the
    metrics are recomputed from the stored predicted classes, never trusted."""
    from ml.artifacts.metrics import classification_metrics  # scikit-learn: only when figures are checked

    try:
        stored = read_predictions(folder, manifest)
    except (KeyError, OSError, ValueError) as exc:
        return [f"{Path(folder) / PREDICTIONS}: the stored predictions cannot be read ({exc})"]
    problems = []
    for key, entry in manifest.models.items():
        if f"pred_{key}" not in stored:
            problems.append(f"model {key}: no stored predicted classes (artifacts of an older version): "
                            f"run `python -m ml evaluate --out {folder}`")
            continue
        recomputed = classification_metrics(stored["y_true"], stored[f"pred_{key}"], manifest.class_names)
        difference = _first_difference(recomputed, entry.metrics.model_dump(mode="json"), f"models.{key}.metrics")
        if difference:
            problems.append(difference)
    return problems


def _first_difference(expected, claimed, where: str) -> str | None:
    """Where `claimed` (the manifest) differs from `expected` (recomputed), as a message."""
    if isinstance(expected, dict):
        if not isinstance(claimed, dict):
            return f"{where}: the manifest says {claimed!r}, the stored predictions give a table"
        for key, value in expected.items():
            found = _first_difference(value, claimed.get(key), f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list):
        if not isinstance(claimed, list) or len(claimed) != len(expected):
            return f"{where}: the manifest says {claimed!r}, the stored predictions give {expected!r}"
        return next((d for i, (e, c) in enumerate(zip(expected, claimed))
                     if (d := _first_difference(e, c, f"{where}[{i}]"))), None)
    same = (isinstance(claimed, (int, float)) and not isinstance(claimed, bool)
            and math.isclose(claimed, expected, rel_tol=1e-9, abs_tol=1e-12))
    return None if same else f"{where}: the manifest says {claimed!r}, the stored predictions give {expected!r}"


def file_problems(folder: str | Path, manifest: Manifest) -> list[str]:
    """Every file the manifest lists that is missing or altered, one message each."""
    problems = []
    for rel, meta in manifest.files.items():
        file = Path(folder) / rel
        if not file.is_file():
            problems.append(f"{file}: listed in the manifest but missing")
        elif sha256_file(file) != meta.sha256:
            problems.append(f"{file}: altered since the manifest was written (sha256 differs)")
    return problems


def best_model(manifest: Manifest) -> str:
    """The key of the manifest's model with the highest test accuracy."""
    return max(manifest.models, key=lambda k: manifest.models[k].metrics.accuracy)


def manifest_fingerprint(folder: str | Path) -> str:
    """A short id of an artifacts folder's content: the sha256 of its manifest (which hashes every file)."""
    path = Path(folder) / MANIFEST
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError:
        return "missing"
