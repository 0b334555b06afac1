"""`python -m ml classify`: sort a whole catalogue of photos with a served model.

Photos come from ml.data.sources (folders, zips, lists of paths or URLs) and go through the one
preprocessing path (`ml.data.preprocess.decode_image`) and the served predictor (`ml.serving.predictors`,
ONNX or scikit-learn, never TensorFlow), as in the API. Each photo gets one row: its label,
confidence, the top three, and `decision`: "auto" when the confidence clears the threshold,
"review" when a person should look (unreadable photos too, with the reason in `error`).

Rows are written in the order the photos are listed, a chunk at a time, so an interrupted run
can be continued with `--resume`: it keeps every complete row, skips that many photos and goes
on. The engines differ only in where the work runs: `local_batches` decodes in a pool of
processes while the main process classifies the previous chunk; `ml.catalogue.ray_engine` does the same
on Ray Data.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from ml.catalogue.rows import CHUNK, COLUMNS, decode_chunk, rows_for
from ml.errors import OptionError, UserError
from ml.evaluation.auto_sort import AUTO, REVIEW, Decider, decider


def chunked(items: Iterable[str], size: int = CHUNK) -> Iterator[list[str]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def local_batches(chunks: Iterable[list[str]], workers: int) -> Iterator[tuple[list[str], np.ndarray, list]]:
    """(sources, images, errors) per chunk, in order, decoded by `workers` processes (in this one
    when 1) with a bounded number of chunks in flight, so memory stays flat."""
    if workers == 1:
        for chunk in chunks:
            yield (chunk, *decode_chunk(chunk))
        return
    # spawn: the parent may hold onnxruntime's threads, which a forked child would inherit broken
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        pending = []
        for chunk in chunks:
            pending.append((chunk, pool.submit(decode_chunk, chunk)))
            if len(pending) > 2 * workers:
                sources, future = pending.pop(0)
                yield (sources, *future.result())
        for sources, future in pending:
            yield (sources, *future.result())


class ResultsFile:
    """The results as CSV, appended a chunk at a time; `.parquet` results are written through a
    CSV beside them (so that an interrupted run can be resumed) and converted when the run completes."""

    def __init__(self, path: Path, resume: bool):
        self.path = Path(path)
        self.parquet = self.path.suffix.lower() == ".parquet"
        if self.path.suffix.lower() not in (".csv", ".parquet"):
            raise OptionError("--out", f"{self.path}: write .csv or .parquet results")
        self.csv_path = self.path.with_name(self.path.name + ".partial.csv") if self.parquet else self.path
        if not resume and self.path.exists():
            raise OptionError("--out", f"{self.path} exists: pass --resume to continue it, or another --out")
        if resume and self.parquet and self.path.exists() and not self.csv_path.exists():
            raise OptionError("--resume", f"{self.path} is complete; there is nothing to resume")
        self.done, self.last_source = _complete_rows(self.csv_path) if resume else (0, None)
        new = not self.csv_path.exists() or self.done == 0
        self.handle = open(self.csv_path, "w" if new else "a", newline="", encoding="utf-8")
        self.writer = csv.DictWriter(self.handle, COLUMNS, lineterminator="\n")
        if new:
            self.writer.writeheader()

    def write(self, rows: list[dict]) -> None:
        self.writer.writerows(rows)
        self.handle.flush()
        os.fsync(self.handle.fileno())

    def close(self, complete: bool) -> None:
        self.handle.close()
        if complete and self.parquet:
            from pyarrow import csv as pa_csv
            from pyarrow import parquet

            options = pa_csv.ConvertOptions(column_types=_arrow_types(), strings_can_be_null=False)
            reader = pa_csv.open_csv(self.csv_path, convert_options=options)
            with parquet.ParquetWriter(self.path, reader.schema) as out:
                for batch in reader:
                    out.write_batch(batch)
            self.csv_path.unlink()


def _arrow_types() -> dict:
    import pyarrow as pa

    return {c: (pa.float32() if c.startswith("confidence") else pa.string()) for c in COLUMNS}


def _complete_rows(path: Path) -> tuple[int, str | None]:
    """Rows kept from an interrupted run (a half-written last line is cut off) and the last source."""
    if not path.exists():
        return 0, None
    with open(path, "rb+") as handle:
        data = handle.read()
        end = data.rfind(b"\n") + 1
        if end < len(data):
            handle.truncate(end)
    rows = list(csv.DictReader(io.StringIO(data[:end].decode("utf-8"))))
    return len(rows), (rows[-1]["source"] if rows else None)


def skip_done(sources: Iterator[str], done: int, last_source: str | None) -> Iterator[str]:
    """The sources after the `done` already written, checking the last one matches."""
    if not done:
        return sources
    skipped = list(itertools.islice(sources, done - 1))
    last = next(sources, None)
    if len(skipped) != done - 1 or last != last_source:
        raise UserError(f"--resume: the results hold {done:,} rows ending with {last_source!r}, but the sources "
                        f"list {'fewer photos' if last is None else repr(last)} there: the sources changed since "
                        "the interrupted run; start again with another --out")
    return sources


def summarise(path: Path) -> dict:
    """Counts per class and decision, the share sorted automatically and the errors of a results
    file (read a chunk at a time)."""
    return summarise_rows(iter_results(path))


def summarise_rows(chunks: Iterable[list[dict]]) -> dict:
    """What `summarise` says of a results file, from its rows in chunks."""
    counts, decisions, errors, total = Counter(), Counter(), 0, 0
    for chunk in chunks:
        for row in chunk:
            total += 1
            decisions[row["decision"]] += 1
            if row["error"]:
                errors += 1
            else:
                counts[row["label"], row["decision"]] += 1
    return {"photos": total, "auto": decisions[AUTO], "review": decisions[REVIEW], "errors": errors,
            "auto_share": decisions[AUTO] / total if total else 0.0,
            "per_class": {label: {"auto": counts[label, AUTO], "review": counts[label, REVIEW]}
                          for label in sorted({label for label, _ in counts})}}


def iter_results(path: Path, chunk: int = 10_000) -> Iterator[list[dict]]:
    """The rows of a results file (.csv or .parquet) as dicts of strings and floats, in chunks."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        from pyarrow import parquet

        for batch in parquet.ParquetFile(path).iter_batches(batch_size=chunk):
            yield batch.to_pylist()
        return
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = set(COLUMNS) - set(reader.fieldnames or [])
        if missing:
            raise UserError(f"{path}: not a results file of `ml classify` (missing columns {sorted(missing)})")
        while rows := list(itertools.islice(reader, chunk)):
            yield rows


def summary_text(summary: dict, decide: Decider) -> str:
    lines = [f"{summary['photos']:,} photos: {summary['auto']:,} sorted automatically "
             f"({summary['auto_share']:.1%}), {summary['review']:,} for review "
             f"({summary['errors']:,} unreadable); decisions by {decide.reason}."]
    for label, by_decision in summary["per_class"].items():
        lines.append(f"  {label:12s} {by_decision['auto']:>8,} auto {by_decision['review']:>8,} review")
    return "\n".join(lines)


def classify_catalogue(arguments: list[str], out: Path, artifacts: Path, *, model: str | None = None,
                       target: float | None = None, min_confidence: float | None = None, engine: str = "local",
                       workers: int | None = None, resume: bool = False, address: str | None = None,
                       progress: bool = True, chunk: int = CHUNK, log=print) -> dict:
    """Classify every photo the SOURCE `arguments` name into the results file `out`; returns the
    summary of the whole file (earlier rows of a resumed run included)."""
    from tqdm.auto import tqdm

    from ml.artifacts.folder import load_manifest
    from ml.data.sources import iter_sources
    from ml.models.registry import served_in
    from ml.serving.predictors import load_predictor

    manifest = load_manifest(artifacts)
    model = model or served_in(manifest.models)
    if model not in manifest.models:
        raise OptionError("--model", f"{artifacts} holds no model {model!r} (it holds "
                                     f"{', '.join(manifest.models)})")
    decide = decider(manifest, model, target, min_confidence)
    names = list(manifest.class_names)
    results = ResultsFile(out, resume)
    complete = False
    try:
        sources = skip_done(iter_sources(arguments), results.done, results.last_source)
        if results.done:
            log(f"resuming after {results.done:,} photos already in {out}")
        if engine == "ray":
            from ml.catalogue.ray_engine import ray_rows

            batches = ray_rows(sources, artifacts, model, names, decide, address=address, workers=workers,
                               chunk=chunk)
        else:
            predictor = load_predictor(manifest.models[model], artifacts)
            batches = (rows_for(*batch, predictor, names, decide)
                       for batch in local_batches(chunked(sources, chunk), workers or os.cpu_count() or 1))
        with tqdm(desc="classify", unit="photo", disable=not progress, initial=results.done) as bar:
            for rows in batches:
                results.write(rows)
                bar.update(len(rows))
        complete = True
    finally:
        results.close(complete)
    summary = summarise(out)
    log(summary_text(summary, decide))
    return summary
