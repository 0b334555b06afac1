"""What every Keras training run shares: batches in an order fixed by the seed and the epoch, per-epoch
curves, why the run stopped, a checkpoint after each epoch that a killed run resumes from, and an
optional wall-time cap.

A run's length is always a schedule in epochs (or a stopping rule on validation accuracy), so the same
command gives the same model on any machine; wall time is measured, never used to pace training. The cap
is for splitting long work over sittings: a run it cuts keeps its checkpoint, is recorded as cut short,
and never counts as a result until it is resumed to the end. Importing this module imports TensorFlow.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from ml.artifacts.schema import STOPPED_CUT, STOPPED_PATIENCE, STOPPED_SCHEDULE
from ml.models.run_record import CutShort, RunControl


def epoch_order(n: int, seed: int, epoch: int, keep: int | None = None) -> np.ndarray:
    """The order the training images are seen in during `epoch`: a function of the seed and the epoch
    alone, so a resumed run sees what an uninterrupted one would have; the first `keep` of them."""
    return np.random.default_rng([seed, epoch]).permutation(n)[:keep].astype(np.int32)


def shuffled_batches(arrays: tuple[np.ndarray, ...], batch_size: int, seed: int, start_epoch: int, epochs: int,
                     drop_remainder: bool) -> tf.data.Dataset:
    """Batches of `arrays` (rows taken together) for epochs `start_epoch` to `epochs`, each epoch in its
    `epoch_order`; pass `fit` the steps of one epoch (`steps_in_epoch`) so that the iterator runs on."""
    n = len(arrays[0])
    keep = n // batch_size * batch_size if drop_remainder else n
    orders = np.array([epoch_order(n, seed, e, keep) for e in range(start_epoch, epochs)], np.int32).reshape(-1, keep)
    tensors = tuple(tf.constant(a) for a in arrays)
    index = tf.data.Dataset.from_tensor_slices(orders)
    batches = index.flat_map(lambda order: tf.data.Dataset.from_tensor_slices(order).batch(batch_size))
    return batches.map(lambda rows: tuple(tf.gather(t, rows) for t in tensors),
                       num_parallel_calls=tf.data.AUTOTUNE).prefetch(2)


def steps_in_epoch(n: int, batch_size: int, drop_remainder: bool) -> int:
    return max(1, n // batch_size) if drop_remainder else -(-n // batch_size)


def run_key(model: str, config: dict, *splits) -> str:
    """The identity of a run: its model, configuration and data (labels and pixels of each split given).
    Two runs with the same key train the same steps, so one may resume the other's checkpoint."""
    digest = hashlib.sha256(json.dumps({"model": model, "config": config}, sort_keys=True, default=str).encode())
    for split in splits:
        if split is not None:
            digest.update(np.ascontiguousarray(split.labels, dtype=np.int64).tobytes())
            digest.update(np.ascontiguousarray(split.images, dtype=np.uint8).tobytes())
    return f"{model}-{digest.hexdigest()[:16]}"


@dataclass
class Checkpoint:
    """A run's state after a whole epoch: every variable of the model and of its optimizer, the state
    of its stateful callbacks, the curves so far and the seconds trained."""

    key: str
    epoch: int
    variables: list[np.ndarray]
    optimizer: list[np.ndarray]
    states: dict
    curves: list[dict]
    seconds: float

    def save(self, path: Path) -> None:
        """Write atomically: a kill during the write leaves the previous checkpoint."""
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {f"v{i}": v for i, v in enumerate(self.variables)}
        arrays.update({f"o{i}": v for i, v in enumerate(self.optimizer)})
        states, meta_states = {}, {}
        for name, state in self.states.items():
            meta_states[name] = {k: v for k, v in state.items() if not isinstance(v, list | np.ndarray)}
            for k, v in state.items():
                if isinstance(v, list | np.ndarray):
                    meta_states[name][k] = {"arrays": len(v)}
                    states.update({f"s.{name}.{k}.{i}": np.asarray(a) for i, a in enumerate(v)})
        meta = {"key": self.key, "epoch": self.epoch, "variables": len(self.variables),
                "optimizer": len(self.optimizer), "states": meta_states, "curves": self.curves,
                "seconds": self.seconds}
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, meta=np.array(json.dumps(meta)), **arrays, **states)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> "Checkpoint":
        with np.load(path) as data:
            meta = json.loads(str(data["meta"]))
            states = {}
            for name, state in meta["states"].items():
                states[name] = {k: ([data[f"s.{name}.{k}.{i}"] for i in range(v["arrays"])]
                                    if isinstance(v, dict) and "arrays" in v else v) for k, v in state.items()}
            return cls(meta["key"], meta["epoch"], [data[f"v{i}"] for i in range(meta["variables"])],
                       [data[f"o{i}"] for i in range(meta["optimizer"])], states, meta["curves"], meta["seconds"])


class StatefulCallback(keras.callbacks.Callback):
    """A callback whose state a checkpoint keeps: `state()` returns it (numbers, strings and lists of
    arrays), `restore(state)` is called once, after `on_train_begin`."""

    name = "state"

    def state(self) -> dict:
        raise NotImplementedError

    def restore(self, state: dict) -> None:
        raise NotImplementedError


class EpochLog(keras.callbacks.Callback):
    """Records each epoch's curves (the fit's logs, the learning rate, the seconds it took), writes the
    checkpoint, and applies the wall-time cap at the end of an epoch. Put it after every callback that
    changes the model at an epoch's end, so the checkpoint holds their result."""

    def __init__(self, key: str, epochs: int, control: RunControl, stateful: list[StatefulCallback],
                 resumed: Checkpoint | None, model_of=lambda m: m):
        super().__init__()
        self.key, self.epochs, self.stateful = key, epochs, stateful
        self.path, self.deadline = control.checkpoint(key), control.deadline
        self.resumed, self.model_of = resumed, model_of
        self.curves = list(resumed.curves) if resumed else []
        self.seconds = resumed.seconds if resumed else 0.0
        self.cut = False

    def on_train_begin(self, logs=None):
        if self.resumed:
            for callback in self.stateful:
                callback.restore(self.resumed.states[callback.name])

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.lr = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))  # the last step's rate

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self.started
        self.seconds += seconds
        row = {"epoch": epoch + 1, **{k: float(v) for k, v in (logs or {}).items() if k != "learning_rate"},
               "lr": self.lr,
               "seconds": round(seconds, 3)}
        self.curves.append(row)
        ending = epoch + 1 >= self.epochs or self.model.stop_training  # a stopping rule has ended it
        if self.path is not None and not ending:  # a run killed from here on repeats its last epoch
            self.checkpoint(epoch + 1).save(self.path)
        if (self.deadline is not None and time.monotonic() >= self.deadline
                and not ending):
            self.cut = True
            self.model.stop_training = True

    def checkpoint(self, epoch: int) -> Checkpoint:
        model = self.model_of(self.model)
        return Checkpoint(self.key, epoch, [np.asarray(v.numpy()) for v in model.variables],
                          [np.asarray(v.numpy()) for v in self.model.optimizer.variables],
                          {c.name: c.state() for c in self.stateful}, self.curves, round(self.seconds, 3))


def resume_point(control: RunControl, key: str, log=print) -> Checkpoint | None:
    """The checkpoint to continue from: the one at `control.checkpoint` when resuming and it holds the
    same run; refuses one of another run rather than mixing them."""
    path = control.checkpoint(key)
    if path is None or not control.resume or not path.is_file():
        return None
    resumed = Checkpoint.load(path)
    if resumed.key != key:
        raise ValueError(f"{path} holds the checkpoint of another run ({resumed.key}, not {key}); remove it or "
                         "choose another checkpoint folder")
    log(f"resuming {key} after epoch {resumed.epoch}")
    return resumed


def restore_variables(model: keras.Model, optimizer, trainable: list, resumed: Checkpoint) -> None:
    """Put a checkpoint's variables back into `model` and `optimizer` (built here on `trainable`)."""
    for variable, value in zip(model.variables, resumed.variables, strict=True):
        variable.assign(value)
    optimizer.build(trainable)
    for variable, value in zip(optimizer.variables, resumed.optimizer, strict=True):
        variable.assign(value)


def stop_reason(log: EpochLog, patience_stopped: bool = False, best_epoch: int | None = None) -> dict:
    """Why the run ended, with the epochs planned and run, the epoch whose weights it keeps, and the
    seconds it trained in all (over every sitting); raises CutShort for a run the cap cut."""
    reason = STOPPED_CUT if log.cut else STOPPED_PATIENCE if patience_stopped else STOPPED_SCHEDULE
    stopped = {"reason": reason, "epochs_planned": log.epochs, "epochs_run": len(log.curves),
               "best_epoch": best_epoch or len(log.curves), "train_seconds": round(log.seconds, 3)}
    if log.cut:
        raise CutShort(log.key, stopped, log.curves, log.path)
    return stopped
