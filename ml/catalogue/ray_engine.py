"""The Ray engine of `ml classify` (`--engine ray`): the same work on Ray Data, on this machine
(`ray.init()` starts a local instance) or on a cluster (`--address`).

The photos' names are read into a dataset; one `map_batches` stage runs a pool of actors, one per
CPU, that each load the served model once and then decode (`ml.catalogue.rows.decode_chunk`, the one
preprocessing path) and classify a batch at a time; the rows come back in order to the driver,
which writes them with the same results file, resume and summary as the local engine. Decoding
and classifying in the same actor, rather than in two stages, keeps the images out of Ray's object
store: on two cores the two-stage pipeline ran at half the local engine's speed. The rows are made
by the same `ml.catalogue.rows.rows_for`, so both engines write the same results. Ray is an optional
dependency (requirements-ray.txt).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from ml.catalogue.rows import CHUNK, decode_chunk, rows_for
from ml.errors import UserError
from ml.evaluation.auto_sort import Decider


class _Classifier:
    """One actor: the served predictor, loaded once, turning batches of sources into result rows."""

    def __init__(self, artifacts: str, model: str, names: list[str], decide: Decider):
        from ml.artifacts.folder import load_manifest
        from ml.serving.predictors import load_predictor

        entry = load_manifest(artifacts).models[model]
        self.predictor = load_predictor(entry, artifacts, threads=1)
        self.names, self.decide = names, decide

    def __call__(self, batch: dict) -> dict:
        sources = [str(s) for s in batch["source"]]
        rows = rows_for(sources, *decode_chunk(sources), self.predictor, self.names, self.decide)
        return {"row": np.array([json.dumps(row) for row in rows], dtype=object)}


def ray_rows(sources: Iterable[str], artifacts: Path, model: str, names: list[str], decide: Decider, *,
             address: str | None = None, workers: int | None = None, chunk: int = CHUNK) -> Iterator[list[dict]]:
    """Result rows a chunk at a time, in the order of `sources`, computed on Ray by `workers` actors
    (default: one per CPU of the Ray instance or cluster)."""
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
    actors = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    dataset = (ray.data.from_items(items, override_num_blocks=max(1, len(items) // chunk))
               .map_batches(_Classifier, fn_constructor_args=(str(Path(artifacts).resolve()), model, names, decide),
                            batch_size=chunk, batch_format="numpy", concurrency=actors, num_cpus=1))
    for batch in dataset.iter_batches(batch_size=chunk, batch_format="numpy"):
        yield [json.loads(row) for row in batch["row"]]
