"""The catalogue the dashboard shows: a results file of `python -m ml classify` (CLASSIFY_RESULTS).

The file is read once per worker, and again only when it changes (its size or modification time),
so a run still writing it shows its progress on the next visit. What is kept in memory is its
summary and the review queue: the photos a person has to look at, least confident first, after the
photos that could not be read at all. Photos are read from their sources only a page at a time,
and only sources listed in the file are ever read.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ml.catalogue.classify import REVIEW, iter_results, summarise_rows
from ml.data.preprocess import ImageDecodeError, open_image, to_display_image
from ml.data.sources import read_bytes
from ml.errors import UserError

THUMBNAIL_SIDE = 160


class CatalogueUnavailable(RuntimeError):
    """No results file is configured, or it cannot be read; the message says how to fix it."""


@dataclass(frozen=True)
class CatalogueResults:
    path: Path
    summary: dict
    review: tuple[dict, ...]  # source, label, confidence, error of each photo to review, in queue order


def load_results(path: Path | None) -> CatalogueResults:
    """The configured results file's summary and review queue; CatalogueUnavailable says why not."""
    if path is None:
        raise CatalogueUnavailable("No catalogue results are configured: set CLASSIFY_RESULTS to the results "
                                   "file of a catalogue run (docs/serving.md, 'Sort a whole catalogue') and restart.")
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        raise CatalogueUnavailable(f"The catalogue results file {path.name} was not found; check CLASSIFY_RESULTS "
                                   "or run the catalogue job first.") from None
    try:
        return _load(str(path), stat.st_mtime_ns, stat.st_size)
    except (UserError, OSError, ValueError, KeyError) as exc:
        raise CatalogueUnavailable(f"The catalogue results file {path.name} cannot be read: {exc}") from exc


@lru_cache(maxsize=2)
def _load(path: str, mtime_ns: int, size: int) -> CatalogueResults:
    review = []

    def collect(chunks):
        for chunk in chunks:
            review.extend({"source": row["source"], "label": row["label"], "error": row["error"],
                           "confidence": float(row["confidence"]) if row["confidence"] not in ("", None) else None}
                          for row in chunk if row["decision"] == REVIEW)
            yield chunk

    summary = summarise_rows(collect(iter_results(Path(path))))
    review.sort(key=lambda row: -1.0 if row["confidence"] is None else row["confidence"])
    return CatalogueResults(Path(path), summary, tuple(review))


def review_page(results: CatalogueResults, label: str | None, page: int, per_page: int) -> tuple[list[dict], int]:
    """One page (counted from 1) of the review queue, for one predicted class or all; and how
    many photos match."""
    queue = [row for row in results.review if not label or row["label"] == label]
    start = (max(page, 1) - 1) * per_page
    return queue[start:start + per_page], len(queue)


def thumbnail_uri(source: str) -> str | None:
    """A photo of the catalogue as a small JPEG data URI, or None when it cannot be read."""
    try:
        image, _ = open_image(read_bytes(source))
    except (ImageDecodeError, OSError, KeyError, ValueError):
        return None
    buffer = io.BytesIO()
    to_display_image(image, THUMBNAIL_SIDE).save(buffer, "JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()
