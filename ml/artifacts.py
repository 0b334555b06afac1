"""The artifacts folder: a manifest.json listing every file with its sha256, and its validation."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

from ml.errors import UserError

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
MODEL_KEYS = ("cnn", "basic_cnn", "hog_logreg", "hog_svm")
MODEL_NAMES = {"cnn": "CNN (Keras → ONNX)", "basic_cnn": "Basic CNN (original study)",
               "hog_logreg": "HOG + logistic regression", "hog_svm": "HOG + SVM"}
KERAS_MODELS = ("cnn", "basic_cnn")


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


def write_manifest(folder: Path, manifest: dict) -> Path:
    """Fill in schema version, creation time and the sha256 of every listed file, then write."""
    folder = Path(folder)
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
    return write_json(folder / MANIFEST, manifest)


def listed_files(manifest: dict):
    """Every file path (relative to the folder) that a manifest lists."""
    yield from manifest.get("dataset", {}).get("files", {}).values()
    yield from manifest.get("predictions", {}).get("files", {}).values()
    for entry in manifest.get("models", {}).values():
        yield from entry.get("files", {}).values()
    yield from manifest.get("extra_files", [])


def load_manifest(folder: str | Path, *, verify: bool = True) -> dict:
    """Read and validate a manifest; raise ArtifactError naming what is wrong."""
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
    for key in ("dataset", "models", "files"):
        if key not in manifest:
            raise ArtifactError(f"{path}: no '{key}' section")
    if verify:
        problems = file_problems(folder, manifest)
        if problems:
            raise ArtifactError("; ".join(problems))
    return manifest


def artifact_problems(folder: str | Path) -> list[str]:
    """Everything wrong with an artifacts folder, one message each (empty when it is usable)."""
    try:
        manifest = load_manifest(folder, verify=False)
    except ArtifactError as exc:
        return [str(exc)]
    return file_problems(folder, manifest)


def file_problems(folder: str | Path, manifest: dict) -> list[str]:
    """Every file the manifest lists that is missing or altered, one message each."""
    problems = []
    for rel, meta in manifest["files"].items():
        file = Path(folder) / rel
        if not file.is_file():
            problems.append(f"{file}: listed in the manifest but missing")
        elif sha256_file(file) != meta["sha256"]:
            problems.append(f"{file}: altered since the manifest was written (sha256 differs)")
    return problems


def best_model(manifest: dict) -> str:
    """The key of the manifest's model with the highest test accuracy."""
    models = manifest["models"]
    return max(models, key=lambda k: models[k]["metrics"]["accuracy"])


def manifest_fingerprint(folder: str | Path) -> str:
    """A short id of an artifacts folder's content: the sha256 of its manifest (which hashes every file)."""
    path = Path(folder) / MANIFEST
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError:
        return "missing"
