"""The Ray engine of the experiment plans (`ml ablate`, `learning-curve`, `schedule-length` and
`study-setup` with `--engine ray`): their runs are independent, so each trains as a Ray task, on this
machine (`ray.init()` starts a local instance) or on a cluster (`--address`).

The training and test splits go into Ray's object store once, and every task trains one planned run
with `ml.study.experiments.train_planned`, the function the local engine calls, so both engines train
the same steps and make the same records. Tasks only train and score: the driver stores each record
as its task finishes, so the artifacts are written by one process, as with the local engine. A time cap
is handed to each task as the minutes left (clocks differ between machines). On a cluster, give
`--checkpoints` a folder every node shares, or a killed run starts again instead of continuing. Ray is
an optional dependency (requirements-ray.txt).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

from ml.data.dataset import Split
from ml.errors import UserError
from ml.models.run_record import RunControl
from ml.study.experiments import PlannedRun, train_planned


def _train_task(run: PlannedRun, train: Split, test: Split, names, control: RunControl, minutes_left: float | None,
                score_fit: bool) -> dict:
    if minutes_left is not None:
        control = replace(control, deadline=time.monotonic() + 60 * minutes_left)
    return train_planned(run, train, test, names, control=control, score_fit=score_fit)


def ray_outcomes(runs: list[PlannedRun], train: Split, test: Split, names, *, control: RunControl, score_fit: bool,
                 address: str | None = None, cpus_per_run: int = 2) -> Iterator[tuple[PlannedRun, dict]]:
    """(planned run, outcome of train_planned) for every run, in the order they finish, each trained as a
    Ray task of `cpus_per_run` CPUs."""
    try:
        import ray
    except ImportError:
        raise UserError("--engine ray needs Ray: pip install -r requirements-ray.txt") from None
    if not runs:
        return
    ray.init(address=address, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True,
             configure_logging=False)
    minutes_left = None if control.deadline is None else max(0.0, (control.deadline - time.monotonic()) / 60)
    task = ray.remote(num_cpus=cpus_per_run)(_train_task)
    train_ref, test_ref = ray.put(train), ray.put(test)
    waiting = {task.remote(run, train_ref, test_ref, names, replace(control, deadline=None), minutes_left,
                           score_fit): run for run in runs}
    while waiting:
        done, _ = ray.wait(list(waiting), num_returns=1)
        yield waiting.pop(done[0]), ray.get(done[0])
