"""What people record on the dashboard, kept as CSV rows the client can export: corrections from the
Classifier page ("this is wrong, it is a …"), to relabel or retrain, and label reviews from the
Explore page (a dataset photo's label checked by eye), to fix the dataset before retraining. Rows are
appended under an exclusive lock, so several gunicorn workers can record at once without
interleaving lines. An uploaded photo itself is not kept, only its sha256, which finds it again in
the client's own catalogue."""

from __future__ import annotations

import csv
import fcntl
import hashlib
import os
from datetime import datetime, timezone
from pathlib import Path

COLUMNS = ("recorded_at", "file", "photo_sha256", "model", "predicted", "confidence", "correct_class")
REVIEW_COLUMNS = ("recorded_at", "split", "file", "given_label", "right_label")


def photo_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_correction(path: Path, result: dict, correct_class: str) -> dict:
    """Append one correction of a classified photo (a stored Classifier result) and return its row."""
    return append_row(path, COLUMNS, {"file": result["file"], "photo_sha256": result["sha256"], "model": result["model"],
                                      "predicted": result["label"], "confidence": result["confidence"],
                                      "correct_class": correct_class})


def record_label_review(path: Path, split: str, file: str, given_label: str, right_label: str) -> dict:
    """Append a person's verdict on a dataset photo's label (right_label == given_label: it was right)."""
    return append_row(path, REVIEW_COLUMNS, {"split": split, "file": file, "given_label": given_label,
                                             "right_label": right_label})


def append_row(path: Path, columns: tuple[str, ...], values: dict) -> dict:
    """Append one timestamped row to a CSV file (its header first, if new) and return it."""
    row = {"recorded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **values}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", newline="") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            writer = csv.DictWriter(handle, fieldnames=columns)
            # Where the file ends now, with the lock held: another worker may have written since this
            # one opened it, and only the very first row may bring the header.
            if handle.seek(0, os.SEEK_END) == 0:
                writer.writeheader()
            writer.writerow(row)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return row


def feedback_csv(path: Path) -> str | None:
    """The rows recorded so far in a file of corrections or reviews, as CSV text; None when there are none."""
    if not path.is_file():
        return None
    with open(path, newline="") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            text = handle.read()
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return text if text.count("\n") > 1 else None

