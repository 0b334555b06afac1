"""The study's hypotheses, judged on the evidence in the artifacts (pure functions)."""

from __future__ import annotations

import numpy as np

from ml.artifacts import best_model

CNN_FLOOR = 0.70
AUGMENTATION_GAIN = 0.05


def hypotheses(manifest: dict, stats: dict) -> list[dict]:
    """Each hypothesis with its evidence (list of sentences) and a verdict."""
    return [_analysis_guides_preprocessing(stats), _cnn_reaches_floor(manifest),
            _augmentation_gain(manifest)]


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
    cnn = manifest["models"].get("cnn")
    if cnn is None:
        return _verdict(title, ["No CNN in these artifacts."], "open", "Not tested yet.")
    accuracy = cnn["metrics"]["accuracy"]
    epochs = cnn.get("epochs_run", "?")
    evidence = [f"The CNN scores {accuracy:.1%} on {cnn['metrics']['n_test']:,} test images "
                f"after {epochs} epochs ({cnn['train_seconds'] / 60:.0f} min on 2 CPU cores).",
                f"Best baseline for comparison: {_best_baseline(manifest)}."]
    reference = manifest.get("reference_models", {}).get("basic_cnn")
    if reference:
        evidence.append(f"The original study's basic CNN, same time budget: "
                        f"{reference['metrics']['accuracy']:.1%}.")
    ok = accuracy >= CNN_FLOOR
    return _verdict(title, evidence, "supported" if ok else "refuted",
                    f"{'Supported' if ok else 'Refuted'}: {accuracy:.1%} "
                    f"{'≥' if ok else '<'} {CNN_FLOOR:.0%}.")


def _best_baseline(manifest: dict) -> str:
    baselines = {k: m for k, m in manifest["models"].items() if k != "cnn"}
    if not baselines:
        return "none trained"
    key = max(baselines, key=lambda k: baselines[k]["metrics"]["accuracy"])
    return f"{baselines[key]['name']} at {baselines[key]['metrics']['accuracy']:.1%}"


def _augmentation_gain(manifest: dict) -> dict:
    title = f"Data augmentation adds at least {AUGMENTATION_GAIN * 100:.0f} points"
    ablation = manifest.get("experiments", {}).get("augmentation")
    if not ablation:
        return _verdict(title, ["These artifacts hold no run without augmentation to compare with.",
                                "Run `python -m ml ablate` (README, 'Retraining and experiments') to test it."],
                        "open", "Open: not measured in these artifacts.")
    evidence, verdicts = [], []
    for cell in ablation["cells"]:
        gain = np.mean(cell["with"]) - np.mean(cell["without"])
        evidence.append(f"{cell['train_images']:,} training images: {np.mean(cell['with']):.1%} with "
                        f"vs {np.mean(cell['without']):.1%} without ({gain * 100:+.1f} points, "
                        f"{len(cell['with'])} seed(s)).")
        verdicts.append(gain >= AUGMENTATION_GAIN)
    status = "supported" if all(verdicts) else "refuted" if not any(verdicts) else "open"
    verdict = {"supported": "Supported at every data size tested.",
               "refuted": "Refuted: the gain is below 5 points at every data size tested.",
               "open": "Depends on the data size: see each row."}[status]
    return _verdict(title, evidence, status, verdict)


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
