"""The Ray engine of `ml classify` (`--engine ray`): the same work on Ray Data, on this machine
(`ray.init()` starts a local instance) or on a cluster (`--address`).

The photos' names are read into a dataset; decoding runs as Ray tasks (`map_batches` with
`ml.classify.decode_chunk`); classifying runs in a pool of actors that each load the served model
once (`map_batches` with a class); the rows come back in order to the driver, which writes them
with the same results file, resume and summary as the local engine. The rows are made by the same
`ml.classify.rows_for`, so both engines write the same results. Ray is an optional dependency
(requirements-ray.txt).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from ml.classify import CHUNK, Decider, decode_chunk, rows_for
from ml.errors import UserError


def _decode(batch: dict) -> dict:
    sources = [str(s) for s in batch["source"]]
    images, errors = decode_chunk(sources)
    return {"source": np.array(sources, dtype=object), "image": images,
            "error": np.array([e or "" for e in errors], dtype=object)}


class _Classifier:
    """One actor: the served predictor, loaded once, turning decoded batches into result rows."""

    def __init__(self, artifacts: str, model: str, names: list[str], decide: Decider):
        from ml.artifacts import load_manifest
        from ml.predictors import load_predictor

        entry = load_manifest(artifacts)["models"][model]
        self.predictor = load_predictor(entry, artifacts, threads=1)
        self.names, self.decide = names, decide

    def __call__(self, batch: dict) -> dict:
        errors = [str(e) or None for e in batch["error"]]
        rows = rows_for([str(s) for s in batch["source"]], batch["image"], errors, self.predictor, self.names,
                        self.decide)
        return {"row": np.array([json.dumps(row) for row in rows], dtype=object)}


def ray_rows(sources: Iterable[str], artifacts: Path, model: str, names: list[str], decide: Decider, *,
             address: str | None = None, workers: int = 2, chunk: int = CHUNK) -> Iterator[list[dict]]:
    """Result rows a chunk at a time, in the order of `sources`, computed on Ray."""
    try:
        import ray
    except ImportError:
        raise UserError("--engine ray needs Ray: pip install -r requirements-ray.txt") from None

    items = [{"source": source} for source in sources]
    if not items:
        return
    ray.init(address=address, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True,
             configure_logging=False)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # rows come back in the order the photos are listed
    context.enable_progress_bars = False
    actors = max(1, workers // 2)
    dataset = (ray.data.from_items(items, override_num_blocks=max(1, len(items) // chunk))
               .map_batches(_decode, batch_size=chunk, batch_format="numpy")
               .map_batches(_Classifier, fn_constructor_args=(str(Path(artifacts).resolve()), model, names, decide),
                            batch_size=chunk, batch_format="numpy", concurrency=actors))
    for batch in dataset.iter_batches(batch_size=chunk, batch_format="numpy"):
        yield [json.loads(row) for row in batch["row"]]
