"""How a training run is controlled and recorded, without TensorFlow: where it checkpoints, whether it
resumes, the optional wall-time cap, and why it stopped.

A run that the cap cut short is recorded as such and never counts as a result (`counts`): not in a
seed summary, a verdict, or as the served model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ml.artifacts.schema import STOPPED_CUT, STOPPED_PATIENCE, STOPPED_SCHEDULE, TrainingRecord

DEFAULT_CHECKPOINTS = Path("runs/checkpoints")


@dataclass(frozen=True)
class RunControl:
    """Where runs checkpoint (None: nowhere), whether a run continues its checkpoint, and the moment
    (time.monotonic) after which training stops at the end of an epoch."""

    checkpoint_dir: Path | None = None
    resume: bool = False
    deadline: float | None = None

    def checkpoint(self, key: str) -> Path | None:
        return self.checkpoint_dir / f"{key}.npz" if self.checkpoint_dir is not None else None

    @classmethod
    def capped(cls, minutes: float | None, **fields) -> "RunControl":
        """A control whose cap falls `minutes` from now (no cap for None)."""
        return cls(deadline=None if minutes is None else time.monotonic() + 60 * minutes, **fields)


class CutShort(Exception):
    """Training stopped at the wall-time cap before its schedule ended: nothing is recorded as a result."""

    def __init__(self, key: str, stopped: dict, curves: list[dict], checkpoint: Path | None):
        self.key, self.stopped, self.curves, self.checkpoint = key, stopped, curves, checkpoint
        where = (f"; {checkpoint} holds it: the same command continues it (`ml train` with --resume)"
                 if checkpoint else "; it was not checkpointed, so it starts again")
        super().__init__(f"{key} cut short by the time cap after {stopped['epochs_run']} of "
                         f"{stopped['epochs_planned']} epochs{where}")


def counts(run: dict) -> bool:
    """Whether a recorded run is a result: any run whose training was not cut short."""
    return (run.get("stopped") or {}).get("reason") != STOPPED_CUT


def curve_columns(rows: list[dict]) -> dict[str, list[float]]:
    """Per-epoch rows (ml.models.training_loop.EpochLog) as one list per quantity, the form runs are stored in."""
    names = list(dict.fromkeys(name for row in rows for name in row))
    return {name: [row.get(name) for row in rows] for name in names}


REASON_TEXT = {STOPPED_SCHEDULE: "its schedule ran to the end",
               STOPPED_PATIENCE: "stopped when its validation accuracy no longer improved",
               STOPPED_CUT: "cut short by the time cap (not a result)"}


def describe_training(name: str, training: TrainingRecord) -> str:
    """One sentence on how a model's training ended: epochs, why, and what it cost on which machine."""
    kept = f", keeping epoch {training.best_epoch}" if training.best_epoch != training.epochs_run else ""
    return (f"{name}: {training.epochs_run} of {training.epochs_planned} epochs, "
            f"{REASON_TEXT[training.reason]}{kept}; {training.train_seconds / 60:.0f} min on {training.machine}.")
