"""The study's hypotheses, judged on the evidence in the artifacts (pure functions, no Dash): the
Hypotheses page shows them and `python -m ml report` prints them."""

from __future__ import annotations

import numpy as np

from ml.artifacts import best_model
from ml.registry import MODELS

CNN_FLOOR = 0.70
AUGMENTATION_GAIN = 0.05
# The recipe's targets: (preset, test accuracy, minutes of training, seeds needed)
PRESET_TARGETS = (("full", 0.92, 30, 3), ("fast", 0.90, 12, 3))


def hypotheses(manifest: dict, stats: dict) -> list[dict]:
    """Each hypothesis with its evidence (list of sentences) and a verdict."""
    return [_analysis_guides_preprocessing(stats), _cnn_reaches_floor(manifest),
            _augmentation_gain(manifest), _regularization_gain(manifest),
            *(_preset_target(manifest, *target) for target in PRESET_TARGETS)]


def _verdict(title: str, evidence: list[str], status: str, verdict: str) -> dict:
    return {"title": title, "evidence": evidence, "status": status, "verdict": verdict}


def _analysis_guides_preprocessing(stats: dict) -> dict:
    train = stats["splits"]["train"]
    counts = list(train["class_counts"].values())
    ratio = max(counts) / max(min(counts), 1)
    summary = stats["file_summary"]
    dup = stats["duplicates"]
    cross = sum(d["images"] for name, d in dup["across"].items() if name.startswith("test_in"))
    evidence = [
        f"Largest / smallest class in training: {ratio:.2f}× "
        + ("(balanced: no class weights or resampling needed)." if ratio < 1.5 else
           "(imbalanced: class weights are warranted)."),
        "Channel means {} and standard deviations {} (0-255): the network centres its input on "
        "these means.".format([round(v) for v in train["channel_mean"]], [round(v) for v in train["channel_std"]]),
        f"Image sizes: {summary.get('distinct_sizes', '?')} distinct ({', '.join(summary.get('sizes', {}))}); "
        "client photos of any size are centre-cropped and resized to the same 32×32.",
        f"Brightness spans {train['brightness']['p5']:.0f}-{train['brightness']['p95']:.0f} (5th-95th "
        "percentile): lighting varies, so contrast-normalised features (HOG blocks, whitening, batch "
        "normalisation) are used.",
        f"{cross} test images have an exact copy in training; "
        + ("none, so test accuracy is not inflated by leakage." if cross == 0 else
           "a small leak, reported rather than hidden."),
    ]
    return _verdict("The analysis guides preprocessing", evidence, "supported",
                    "Supported: each preprocessing choice above follows from a measured property.")


def _cnn_reaches_floor(manifest: dict) -> dict:
    title = f"A basic CNN reaches at least {CNN_FLOOR:.0%} test accuracy"
    models = manifest["models"]
    basic, cnn = models.get("basic_cnn"), models.get("cnn")
    judged = basic or cnn
    if judged is None:
        return _verdict(title, ["No CNN in these artifacts."], "open", "Not tested yet.")
    evidence = []
    if basic:
        evidence.append(f"The original study's basic CNN (conv-ReLU-pool blocks, dense layers, dropout, Adam) "
                        f"scores {basic['metrics']['accuracy']:.1%} on {basic['metrics']['n_test']:,} test images "
                        f"after {basic.get('epochs_run', '?')} epochs ({basic['train_seconds'] / 60:.0f} min on "
                        "2 CPU cores; it stops when its validation accuracy stops improving).")
    if cnn:
        evidence.append(f"This project's CNN recipe scores {cnn['metrics']['accuracy']:.1%} after "
                        f"{cnn.get('epochs_run', '?')} epochs ({cnn['train_seconds'] / 60:.0f} min).")
    seeds = _seeds_cell(manifest, "full")
    if seeds:
        accuracy = seeds["accuracy"]
        spread = f" ± {accuracy['std']:.1%}" if accuracy["std"] is not None else ""
        evidence.append(f"Trained from scratch {accuracy['n']} times with different seeds: "
                        f"{accuracy['mean']:.1%}{spread} (mean ± sd), "
                        f"{seeds['train_seconds']['mean'] / 60:.0f} min on average.")
    evidence.append(f"Best classical baseline for comparison: {_best_baseline(manifest)}.")
    accuracy = judged["metrics"]["accuracy"]
    ok = accuracy >= CNN_FLOOR
    return _verdict(title, evidence, "supported" if ok else "refuted",
                    f"{'Supported' if ok else 'Refuted'}: {accuracy:.1%} "
                    f"{'≥' if ok else '<'} {CNN_FLOOR:.0%}" + (" for the basic CNN." if basic else "."))


def _preset_target(manifest: dict, preset: str, accuracy: float, minutes: float, seeds: int) -> dict:
    title = (f"The {preset} preset reaches {accuracy:.0%} test accuracy in at most {minutes} minutes "
             f"on two CPU cores (mean of {seeds} seeds)")
    cell = _seeds_cell(manifest, preset)
    if cell is None:
        return _verdict(title, [f"Run `python -m bench.train_bench --preset {preset}` to test it."], "open",
                        "Open: not measured in these artifacts.")
    measured, seconds = cell["accuracy"], cell["train_seconds"]
    spread = f" ± {measured['std']:.2%}" if measured["std"] is not None else ""
    evidence = [f"{measured['n']} run(s) from scratch on all {cell['train_images']:,} training images: "
                f"{measured['mean']:.2%}{spread} test accuracy (mean ± sd), each in at most "
                f"{max(seconds['values']) / 60:.1f} min of training (runs: "
                + ", ".join(f"{v:.2%}" for v in measured["values"]) + ")."]
    met = measured["mean"] >= accuracy and max(seconds["values"]) <= minutes * 60
    if measured["n"] < seeds:
        return _verdict(title, evidence, "open",
                        f"Open: {measured['n']} of {seeds} seeds run so far"
                        + (", on course." if met else ", below the target so far."))
    return _verdict(title, evidence, "supported" if met else "refuted",
                    f"{'Supported' if met else 'Refuted'}: {measured['mean']:.2%} in at most "
                    f"{max(seconds['values']) / 60:.1f} min.")


def _seeds_cell(manifest: dict, preset: str) -> dict | None:
    cells = manifest.get("experiments", {}).get("cnn_seeds", {}).get("cells", [])
    return next((c for c in cells if c["preset"] == preset), None)


def _best_baseline(manifest: dict) -> str:
    baselines = {k: m for k, m in manifest["models"].items() if k in MODELS and MODELS[k].family == "classical"}
    if not baselines:
        return "none trained"
    key = max(baselines, key=lambda k: baselines[k]["metrics"]["accuracy"])
    return f"{baselines[key]['name']} at {baselines[key]['metrics']['accuracy']:.1%}"


def _ablation_pairs(manifest: dict, variant: str) -> list[tuple[dict, dict]]:
    """(recipe cell, variant cell) per training-set size where both were run."""
    cells = manifest.get("experiments", {}).get("ablation", {}).get("cells", [])
    recipe = {c["train_images"]: c for c in cells if c["variant"] == "recipe"}
    return [(recipe[c["train_images"]], c) for c in cells
            if c["variant"] == variant and c["train_images"] in recipe]


def _interval(summary: dict) -> str:
    ci = summary["ci95"]
    return f"{summary['mean']:.1%}" + (f" (95% CI {ci[0]:.1%}–{ci[1]:.1%})" if ci else "")


def _ablation_verdict(manifest: dict, title: str, variant: str, threshold: float, without: str) -> dict:
    pairs = _ablation_pairs(manifest, variant)
    if not pairs:
        return _verdict(title, [f"These artifacts hold no run {without} to compare with.",
                                "Run `python -m ml ablate` (README, 'Experiments') to test it."],
                        "open", "Open: not measured in these artifacts.")
    evidence, verdicts = [], []
    for recipe, other in pairs:
        gain = recipe["accuracy"]["mean"] - other["accuracy"]["mean"]
        evidence.append(f"{recipe['train_images']:,} training images: {_interval(recipe['accuracy'])} with "
                        f"vs {_interval(other['accuracy'])} {without} ({gain * 100:+.1f} points, "
                        f"{other['accuracy']['n']} seed(s)).")
        verdicts.append(gain >= threshold)
    status = "supported" if all(verdicts) else "refuted" if not any(verdicts) else "open"
    verdict = {"supported": "Supported at every data size tested.",
               "refuted": f"Refuted: the gain is below {threshold * 100:.0f} points at every data size tested.",
               "open": "Depends on the data size: see each row."}[status]
    return _verdict(title, evidence, status, verdict)


def _augmentation_gain(manifest: dict) -> dict:
    return _ablation_verdict(manifest, f"Data augmentation adds at least {AUGMENTATION_GAIN * 100:.0f} points",
                             "no_augmentation", AUGMENTATION_GAIN, "without augmentation")


def _regularization_gain(manifest: dict) -> dict:
    return _ablation_verdict(manifest, "Regularization (batch normalization, dropout) improves accuracy",
                             "no_regularization", 0.0, "without batch normalization or dropout")


def model_limits(manifest: dict) -> list[str]:
    """Where the best model is weakest, from its per-class scores and confusion matrix."""
    metrics = manifest["models"][best_model(manifest)]["metrics"]
    names = manifest["dataset"]["class_names"]
    per_class = metrics["per_class"]
    worst = sorted(per_class, key=lambda c: per_class[c]["f1"])[:2]
    matrix = np.array(metrics["confusion_matrix"], dtype=float)
    np.fill_diagonal(matrix, 0)
    true, pred = np.unravel_index(matrix.argmax(), matrix.shape)
    return [
        f"Weakest classes: {worst[0]} (F1 {per_class[worst[0]]['f1']:.2f}) and {worst[1]} "
        f"(F1 {per_class[worst[1]]['f1']:.2f}).",
        f"Most common confusion: {names[true]} taken for {names[pred]} ({int(matrix[true, pred])} test images).",
        "Trained on 32×32 CIFAR-10 photos: real product photos differ (studio lighting, white "
        "backgrounds, other categories), so expect lower accuracy until it is retrained on them.",
        "Probabilities are not guarantees: answers under 50% confidence are flagged as uncertain.",
    ]
