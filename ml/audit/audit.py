"""Verifying the data behind the artifacts: near-duplicate images within and between splits, how much
of each model's test accuracy rests on test images whose near-twin it trained on, and the images whose
given label is likely wrong; a 2-D map of the dataset; and the index of training images that shows an
answer's nearest examples."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ml.artifacts.folder import load_manifest, read_predictions, with_sections, write_manifest
from ml.artifacts.schema import Manifest, Model
from ml.artifacts.schema import Neighbours as NeighboursEntry
from ml.artifacts.seed_predictions import read_seed_predictions
from ml.artifacts.source_data import artifacts_dataset
from ml.artifacts.staging import staged_folder, store_extra
from ml.audit.data_map import METHODS, compare_layouts, training_sample
from ml.audit.label_issues import ranked_candidates
from ml.audit.near_duplicates import Rule, find_pairs
from ml.audit.neighbours import NEIGHBOURS, NEIGHBOURS_FILE, build_index, choose_dimensions
from ml.audit.out_of_fold import out_of_fold_source, stored_out_of_fold
from ml.errors import UserError
from ml.models.cnn_config import recipe_cells
from ml.models.registry import display_name, embedding_model, served_model
from ml.serving.calibration import apply_temperature
from ml.serving.embeddings import Embedder
from ml.serving.graph_features import embedder_for, expose_features

NEAR_DUPLICATES = "near_duplicates"
NEAR_DUPLICATES_FILE = "dataset/near_duplicates.csv"
COLUMNS = ("split_a", "file_a", "split_b", "file_b", "distance")
SPLIT_PAIRS = (("test", "train"), ("test", "test"), ("train", "train"))
DATA_MAP = "data_map"
DATA_MAP_FILE = "dataset/map.npz"
LABEL_ISSUES = "label_issues"
LABEL_ISSUES_FILE = "dataset/label_issues.csv"
LABEL_COLUMNS = ("split", "file", "given_label", "suggested_label", "score")


def network_entry(manifest: Manifest, out: Path, why: str) -> tuple[str, Model]:
    """The key and manifest entry of the network whose embeddings and probabilities the audits use;
    UserError saying `why` it is needed when the artifacts hold none."""
    key = embedding_model()
    if key not in manifest.models:
        raise UserError(f"{out} holds no {display_name(key)} ({key}): {why} (train one with `ml train`)")
    return key, manifest.models[key]


def run_near_duplicates(data: Path, out: Path, rule: Rule = Rule(), threads: int = 0, log=print) -> dict:
    """Find every near-duplicate pair in the dataset the artifacts in `out` were built from, with
    the served CNN's embeddings; write the ranked pairs and their summary into the artifacts."""
    manifest = load_manifest(out)
    _, network = network_entry(manifest, out, "its embeddings find the candidates")
    dataset = artifacts_dataset(data, out, manifest, splits=("train", "test"))
    embedder = embedder_for(out / network.files.onnx_float32, threads=threads)
    embeddings = {}
    for split in ("test", "train"):
        embeddings[split] = embedder.embed(dataset[split].images)
        log(f"near-duplicates: embedded the {split} split ({len(embeddings[split]):,} images)")
    rows = []
    for a, b in SPLIT_PAIRS:
        other = (None, None) if a == b else (embeddings[b], dataset[b].images)
        pairs = find_pairs(embeddings[a], dataset[a].images, *other, rule=rule)
        rows += [(a, dataset[a].files[i], b, dataset[b].files[j], distance) for i, j, distance in pairs]
        log(f"near-duplicates: {a}–{b}: {len(pairs):,} pairs")
    rows.sort(key=lambda row: row[4])
    summary = summarise(rows, dataset["test"].files, read_predictions(out, manifest), list(manifest.models),
                        {split: len(dataset[split].labels) for split in ("train", "test")})
    return store_extra(out, NEAR_DUPLICATES, {NEAR_DUPLICATES_FILE: lambda path: path.write_text(to_csv(COLUMNS, rows))},
                       {"file": NEAR_DUPLICATES_FILE, "rule": asdict(rule), **summary})


def recipe_test_probabilities(out: Path, manifest: Manifest) -> tuple[np.ndarray, str]:
    """The served CNN's test probabilities averaged with those of every stored run from scratch of its
    recipe and schedule (none of them trained on a test photo, so each answer is out of sample), and a
    phrase saying which runs they are. Every run is calibrated with the served CNN's temperature: the
    runs from scratch share its recipe but trained on every photo, so they have no held-out photos to
    fit their own, and confident learning's thresholds depend on the probabilities' scale."""
    key, network = network_entry(manifest, out, "its probabilities rank the label issues")
    served = read_predictions(out, manifest)[f"proba_{key}"]  # calibrated when it has a temperature
    cells = recipe_cells(manifest, network.config) if network.config.get("epochs") else []
    seeds = read_seed_predictions(out, [k for cell in cells for k in cell.test_probabilities or []])
    if network.calibration:
        seeds = [apply_temperature(seed, network.calibration.temperature) for seed in seeds]
    if not seeds:
        return served, ("the served CNN alone (no run of its recipe from scratch has stored its test answers yet: "
                        "python -m bench.train_bench stores them)")
    schedule = cells[0].schedule
    return np.mean([served, *seeds], axis=0), (
        f"the mean of {len(seeds) + 1} runs of the served CNN's recipe ({schedule}): the served CNN and "
        f"{len(seeds)} trained from scratch on every training photo, none on a test photo"
        + (", each calibrated with the served CNN's temperature" if network.calibration else ""))


def run_label_issues(out: Path, rows: int = 500, log=print) -> dict:
    """Rank likely label errors by confident learning: in the test split from the served CNN and every
    stored run of its recipe, none of which trained on it; in the training split from the out-of-fold
    probabilities once every fold is stored."""
    manifest = load_manifest(out)
    names = manifest.class_names
    test_proba, test_source = recipe_test_probabilities(out, manifest)
    sources = {"test": (test_source, test_proba, read_predictions(out, manifest)["y_true"],
                        json.loads((out / manifest.dataset.files.test_files).read_text()))}
    folds = stored_out_of_fold(out, manifest)
    if folds and len(folds["entry"].runs) == folds["entry"].folds:
        source = out_of_fold_source(folds["entry"], manifest.models[served_model()].config)
        sources["train"] = (source, folds["proba"], folds["labels"], folds["files"])
    else:
        log("label issues: the training split is left out until `python -m ml out-of-fold` has stored every fold")
    table, splits = [], {}
    for split, (source, proba, labels, files) in sources.items():
        ranked = ranked_candidates(proba, labels.astype(int), rows)
        given, suggested = labels[ranked["indices"]].astype(int), ranked["suggested"]
        table += [(split, files[i], names[g], names[s], round(float(score), 4))
                  for i, g, s, score in zip(ranked["indices"], given, suggested, ranked["scores"])]
        pairs = Counter(zip(given[:ranked["flagged"]].tolist(), suggested[:ranked["flagged"]].tolist()))
        top = sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
        splits[split] = {"source": source, "images": len(labels), "flagged": ranked["flagged"],
                         "rows": len(ranked["indices"]),
                         "top_pairs": [(names[g], names[s], count) for (g, s), count in top[:5]]}
        log(f"label issues: {split}: {ranked['flagged']:,} of {len(labels):,} flagged")
    entry = {"file": LABEL_ISSUES_FILE, "splits": splits}
    return store_extra(out, LABEL_ISSUES,
                       {LABEL_ISSUES_FILE: lambda path: path.write_text(to_csv(LABEL_COLUMNS, table))}, entry)


def run_data_map(data: Path, out: Path, train_images: int = 5000, methods=METHODS, threads: int = 0,
                 log=print) -> dict:
    """Lay the test split and a stratified training sample out in 2-D by the served CNN's embeddings,
    with the layout that keeps the classes apart best among `methods`."""
    manifest = load_manifest(out)
    _, network = network_entry(manifest, out, "its embeddings make the map")
    dataset = artifacts_dataset(data, out, manifest, splits=("train", "test"))
    sample = training_sample(dataset["train"].labels, train_images)
    embedder = embedder_for(out / network.files.onnx, threads=threads)
    embeddings = np.concatenate([embedder.embed(dataset["test"].images),
                                 embedder.embed(dataset["train"].images[sample])])
    labels = np.concatenate([dataset["test"].labels, dataset["train"].labels[sample]])
    method, coordinates, comparison = compare_layouts(embeddings, labels, methods, log=log)
    n_test = len(dataset["test"].labels)
    arrays = {"x": coordinates[:, 0].astype(np.float32), "y": coordinates[:, 1].astype(np.float32),
              "split": np.repeat(np.array([0, 1], np.uint8), [n_test, len(sample)]),
              "position": np.concatenate([np.arange(n_test), sample]).astype(np.int32)}
    entry = {"file": DATA_MAP_FILE, "method": method, "comparison": comparison,
             "points": {"test": n_test, "train": len(sample)}}
    return store_extra(out, DATA_MAP, {DATA_MAP_FILE: lambda path: np.savez_compressed(path, **arrays)}, entry)


def run_neighbour_index(data: Path, out: Path, queries: int = 1000, threads: int = 0, log=print) -> dict:
    """Index every training image by the served CNN's embedding for `?neighbours=k`: the served model
    gains its features as a second output; the PCA size is the smallest whose 10 nearest, for `queries`
    test images, keep the floor's share of the exact neighbours' similarity."""
    manifest = load_manifest(out)
    _, network = network_entry(manifest, out, "its embeddings make the index")
    dataset = artifacts_dataset(data, out, manifest, splits=("train", "test"))
    served = network.files.onnx
    with staged_folder(out, start_from_existing=True) as folder:
        stored = load_manifest(folder)  # before the model changes: it checks the files against their digests
        expose_features(folder / served)
        embedder = Embedder(folder / served, threads=threads)
        train = embedder.embed(dataset["train"].images)
        test = embedder.embed(dataset["test"].images[:queries])
        log(f"neighbours: embedded {len(train):,} training images")
        dimensions, quality = choose_dimensions(train, test)
        log(f"neighbours: by PCA size {quality}; keeping {dimensions}")
        index = build_index(train, dataset["train"].labels, dataset["train"].files, dimensions)
        (folder / NEIGHBOURS_FILE).parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(folder / NEIGHBOURS_FILE, **index)
        entry = {"file": NEIGHBOURS_FILE, "model": served, "images": len(train), "dimensions": dimensions,
                 "quality": {str(d): q for d, q in quality.items()}, "queries": len(test)}
        write_manifest(folder, with_sections(stored, extra_files=[NEIGHBOURS_FILE], **{NEIGHBOURS: entry}))
    return NeighboursEntry.model_validate(entry)


def to_csv(columns: tuple[str, ...], rows: list[tuple]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()


def summarise(rows: list[tuple], test_files, predictions: dict, models: list[str], sizes: dict) -> dict:
    """Pairs and distinct images per split pair; each model's test accuracy on test images with a
    near-twin in the training split and on the rest."""
    counts = {}
    for a, b in SPLIT_PAIRS:
        mine = [row for row in rows if (row[0], row[2]) == (a, b)]
        counts[f"{a}-{b}"] = {"pairs": len(mine), "images_a": len({row[1] for row in mine}),
                              "images_b": len({row[3] for row in mine})}
    twinned = {row[1] for row in rows if (row[0], row[2]) == ("test", "train")}
    has_twin = np.array([name in twinned for name in test_files], bool)
    accuracy = {}
    for model in models:
        right = predictions[f"pred_{model}"] == predictions["y_true"]
        accuracy[model] = {"all": float(right.mean()),
                           "with_train_twin": float(right[has_twin].mean()) if has_twin.any() else None,
                           "without_train_twin": float(right[~has_twin].mean())}
    return {"counts": counts, "test_with_train_twin": int(has_twin.sum()),
            "test_share_with_train_twin": float(has_twin.mean()), "split_sizes": sizes, "accuracy": accuracy}

