"""One result row per photo, the same whichever engine does the work: photos decoded through the one
preprocessing path, a chunk at a time, and the served model's answer or the reason it has none."""

from __future__ import annotations

import numpy as np

from ml.data.preprocess import IMAGE_SIZE, ImageDecodeError, decode_image
from ml.data.sources import read_bytes
from ml.evaluation.auto_sort import REVIEW, Decider

COLUMNS = ("source", "label", "confidence", "label_2", "confidence_2", "label_3", "confidence_3",
           "decision", "error")
CHUNK = 256


def decode_chunk(sources: list[str]) -> tuple[np.ndarray, list[str | None]]:
    """Decode photos into model images; a photo that cannot be read leaves a blank and its reason."""
    images = np.zeros((len(sources), IMAGE_SIZE, IMAGE_SIZE, 3), np.uint8)
    errors: list[str | None] = [None] * len(sources)
    for i, source in enumerate(sources):
        try:
            images[i] = decode_image(read_bytes(source))
        except ImageDecodeError as exc:
            errors[i] = str(exc)
        except (OSError, KeyError, ValueError) as exc:  # missing file, zip member or URL
            errors[i] = f"cannot be read ({getattr(exc, 'strerror', None) or exc})"
    return images, errors


def rows_for(sources: list[str], images: np.ndarray, errors: list, predictor, names: list[str],
             decide: Decider) -> list[dict]:
    """One row per photo: the model's answer on the readable ones, the reason on the others."""
    ok = [i for i, error in enumerate(errors) if error is None]
    proba = predictor.predict_proba(images[ok]) if ok else np.zeros((0, len(names)), np.float32)
    answers = dict(zip(ok, proba))
    rows = []
    for i, source in enumerate(sources):
        row = dict.fromkeys(COLUMNS, "")
        row["source"] = source
        if i in answers:
            top = np.argsort(answers[i])[::-1][:3]
            for rank, k in enumerate(top):
                suffix = "" if rank == 0 else f"_{rank + 1}"
                row[f"label{suffix}"], row[f"confidence{suffix}"] = names[k], round(float(answers[i][k]), 4)
            row["decision"] = decide(row["confidence"])
        else:
            row["decision"], row["error"] = REVIEW, errors[i]
        rows.append(row)
    return rows
