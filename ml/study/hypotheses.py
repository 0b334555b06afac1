"""The study's hypotheses, judged on the evidence in the artifacts (pure functions, no Dash): the
Hypotheses page shows them and `python -m ml report` prints them."""

from __future__ import annotations

import numpy as np

from ml.artifacts.folder import best_model
from ml.artifacts.schema import ExperimentCell, Manifest, Summary
from ml.audit.label_issues import issues_verdict
from ml.audit.near_duplicates import twin_verdict
from ml.models.cnn_config import PRESETS, CNNConfig, recipe_key, recipe_of
from ml.models.registry import MODELS, display_name, reference_model, served_model
from ml.study.experiments import VARIANTS
from ml.study.setup import (
    AUGMENTATIONS,
    FLIP_ONLY,
    MAIN_RULE,
    NO_AUGMENTATION,
    PATIENT_RULE,
    STUDY_SETUP,
    STUDY_SIZE,
    augmentation_gains,
    chosen_augmentation,
    overfitting_gap,
    rule_text,
)

CNN_FLOOR = 0.70
AUGMENTATION_GAIN = 0.05
# The recipe's targets: (preset, test accuracy, seeds needed). What a run costs is measured on each
# machine and reported, never judged: the same schedule takes longer on a slower CPU.
PRESET_TARGETS = (("full", 0.92, 3), ("fast", 0.90, 3))
ABLATION_SEEDS = 3  # seeds of both arms before a size's gain is judged: one run's gain is mostly noise
ABLATED = {"augment": "augmentation", "batch_norm": "batch normalization", "dropout": "dropout"}  # VARIANTS' keys


def hypotheses(manifest: Manifest, stats: dict) -> list[dict]:
    """Each hypothesis with its evidence (list of sentences) and a verdict."""
    every_rule = manifest.experiment_cells(STUDY_SETUP)
    setup = [c for c in every_rule if c.rule in (None, MAIN_RULE)]
    return [_analysis_guides_preprocessing(stats),
            _in_both_setups(f"A basic CNN reaches at least {CNN_FLOOR:.0%} test accuracy",
                            _floor_in_study_setup(setup), _cnn_reaches_floor(manifest), _why_floor(manifest, setup)),
            _in_both_setups(f"Data augmentation adds at least {AUGMENTATION_GAIN * 100:.0f} points",
                            _augmentation_in_study_setup(setup, every_rule), _augmentation_gain(manifest),
                            _why_augmentation(manifest, setup)),
            _regularization_gain(manifest),
            *(_preset_target(manifest, *target) for target in PRESET_TARGETS)]


def verdict(title: str, evidence: list[str], status: str, sentence: str) -> dict:
    """A hypothesis as the Hypotheses page and the report show it; status is supported, refuted or open."""
    return {"title": title, "evidence": evidence, "status": status, "verdict": sentence}


def judged(title: str, evidence: list[str], met: bool, detail: str) -> dict:
    """A measured hypothesis: supported when `met`, refuted otherwise, the verdict followed by `detail`."""
    return verdict(title, evidence, "supported" if met else "refuted", f"{'Supported' if met else 'Refuted'}: {detail}")


def unmeasured(title: str, evidence: list[str]) -> dict:
    """A hypothesis the artifacts hold no evidence for; `evidence` says what would measure it."""
    return verdict(title, evidence, "open", "Open: not measured in these artifacts.")


STUDY_SETUP_NAME = "In the study's setup"
RECIPE_SETUP_NAME = "In this project's setup"


def _in_both_setups(title: str, study_side: dict, recipe_side: dict, why: str | None) -> dict:
    """A hypothesis judged in the study's own setup and with the recipe: one verdict per setup, and
    an overall one ("depends" when they disagree) with the reason they differ."""
    sides = [{**study_side, "setup": STUDY_SETUP_NAME}, {**recipe_side, "setup": RECIPE_SETUP_NAME}]
    statuses = {side["status"] for side in sides}
    if len(statuses) == 1:
        status = statuses.pop()
        sentence = {"supported": "Supported in both setups.", "refuted": "Refuted in both setups.",
                    "open": "Open: not yet measured in either setup."}[status]
    elif "open" in statuses:
        status, sentence = "open", "Open: measured in one setup only (see each)."
    else:
        status = "depends"
        sentence = ("It depends on the setup: "
                    + "; ".join(f"{side['status']} {side['setup'][0].lower()}{side['setup'][1:]}" for side in sides)
                    + ".")
    return {"title": title, "evidence": [], "status": status, "verdict": sentence, "setups": sides,
            "why": why}


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
    return verdict("The analysis guides preprocessing", evidence, "supported",
                   "Supported: each preprocessing choice above follows from a measured property.")


def _floor_in_study_setup(cells: list[ExperimentCell]) -> dict:
    title = f"The study's basic CNN on {STUDY_SIZE:,} images reaches {CNN_FLOOR:.0%}"
    at_study_size = [c for c in cells if c.train_images == STUDY_SIZE]
    if not at_study_size:
        return unmeasured(title, [f"No run of the study's setup on {STUDY_SIZE:,} images in these artifacts.",
                                  "Run `python -m ml study-setup` (docs/development.md, 'Retraining and experiments') to test it."])
    evidence = [_STUDY_MODEL_SENTENCE]
    for size in sorted({c.train_images for c in cells}):
        evidence.append(f"{size:,} training images: " + "; ".join(
            f"{_interval(c.accuracy)} {_variant_phrase(c.variant)}" for c in _cells_to_show(cells, size))
            + f" ({_seeds_phrase(cells, size)}).")
    best = max(at_study_size, key=lambda c: c.accuracy.mean)
    ok = best.accuracy.mean >= CNN_FLOOR
    return judged(title, evidence, ok, f"at best {best.accuracy.mean:.1%} "
                                       f"{'≥' if ok else '<'} {CNN_FLOOR:.0%} on {STUDY_SIZE:,} images.")


def _augmentation_in_study_setup(cells: list[ExperimentCell], every_rule: list[ExperimentCell]) -> dict:
    title = f"Rotation, flip and zoom add {AUGMENTATION_GAIN * 100:.0f} points to the study's basic CNN"
    gains = augmentation_gains(cells)
    if not gains:
        return unmeasured(title, ["These artifacts hold no run of the study's setup with and without augmentation.",
                                  "Run `python -m ml study-setup` (docs/development.md, 'Retraining and experiments') to test it."])
    chosen = chosen_augmentation(cells)
    evidence = [_STUDY_MODEL_SENTENCE, f"The amount of augmentation, {_amounts(chosen)}, was chosen on the "
                f"validation split at {_chosen_size(cells):,} images: " + "; ".join(
                    f"{c.val_accuracy.mean:.1%} for {_amounts(c.variant)}"
                    for c in cells if c.train_images == _chosen_size(cells) and c.variant in AUGMENTATIONS)
                + " (validation accuracy)."]
    flips = {g["train_images"]: g for g in augmentation_gains(cells, variant=FLIP_ONLY)}
    for gain in gains:
        evidence.append(f"{gain['train_images']:,} training images: {_interval(gain['with'].accuracy)} with vs "
                        f"{_interval(gain['without'].accuracy)} without ({gain['gain'] * 100:+.1f} points, "
                        f"{gain['with'].accuracy.n} and {gain['without'].accuracy.n} seeds); "
                        + _converged_phrase(gain["with"], gain["without"]) + ".")
        flip = flips.get(gain["train_images"])
        if flip:
            seeds = flip["with"].accuracy.n
            evidence.append(f"Flips alone at {flip['train_images']:,} images: {_interval(flip['with'].accuracy)} "
                            f"({flip['gain'] * 100:+.1f} points, {seeds} seed{'s' if seeds != 1 else ''}).")
    at_study = next((g for g in gains if g["train_images"] == STUDY_SIZE), gains[0])
    evidence.append(_second_rule_sentence(every_rule, chosen, at_study))
    ok = at_study["gain"] >= AUGMENTATION_GAIN
    return judged(title, evidence, ok,
                  f"{at_study['gain'] * 100:+.1f} points on {at_study['train_images']:,} images.")


def _converged_phrase(*cells: ExperimentCell) -> str:
    """How long the runs of some cells trained, and how far past their best epoch: the evidence that they
    had finished learning."""
    run = [v for c in cells for v in c.epochs_run.values]
    best = [v for c in cells for v in (c.best_epoch or c.epochs_run).values]
    past = [r - b for r, b in zip(run, best)]
    return f"the runs stopped after {_span(run)} epochs, {_span(past)} past their best"


def _span(values: list[float]) -> str:
    low, high = min(values), max(values)
    return f"{low:.0f}" if round(low) == round(high) else f"{low:.0f}–{high:.0f}"


def _second_rule_sentence(every_rule: list[ExperimentCell], chosen: str, main: dict) -> str:
    """Whether the more patient stopping rule puts the augmentation gain on the same side of the
    threshold, so that the verdict stands under either rule."""
    patient = next((g for g in augmentation_gains(every_rule, PATIENT_RULE, chosen)
                    if g["train_images"] == main["train_images"]), None)
    if patient is None:
        return (f"The twice as patient rule ({rule_text(PATIENT_RULE)}) has not been run at "
                f"{main['train_images']:,} images (`python -m ml study-setup --rule {PATIENT_RULE}`).")
    same = (patient["gain"] >= AUGMENTATION_GAIN) == (main["gain"] >= AUGMENTATION_GAIN)
    side = f"{'at least' if patient['gain'] >= AUGMENTATION_GAIN else 'below'} {AUGMENTATION_GAIN * 100:.0f}"
    return (f"With a twice as patient rule ({rule_text(PATIENT_RULE)}) the gain is {patient['gain'] * 100:+.1f} points "
            f"({patient['with'].accuracy.n} and {patient['without'].accuracy.n} seeds), "
            + (f"{side} as well: the verdict does not hinge on the stopping rule." if same else
               f"{side}: the verdict hinges on the stopping rule, so these runs do not settle it."))


def _why_floor(manifest: Manifest, cells: list[ExperimentCell]) -> str | None:
    """Why the 70% answer differs between the setups, from the figures behind both."""
    study_best = max((c for c in cells if c.train_images == STUDY_SIZE),
                     key=lambda c: c.accuracy.mean, default=None)
    recipe_small, how = _recipe_at_study_size(manifest)
    if study_best is None or recipe_small is None:
        return None
    more = max((c for c in cells if c.train_images > STUDY_SIZE), key=lambda c: c.accuracy.mean,
               default=None)
    more_text = (f" and reaches {more.accuracy.mean:.1%} on {more.train_images:,}" if more else "")
    return (f"The answer depends on the amount of data and on the network: the study's small network scores "
            f"{study_best.accuracy.mean:.1%} on {STUDY_SIZE:,} images{more_text}, while the recipe's "
            f"wider, batch-normalised network with a tuned schedule already scores "
            f"{recipe_small.accuracy.mean:.1%} on the same {STUDY_SIZE:,} images{how}.")


def _recipe_at_study_size(manifest: Manifest) -> tuple[ExperimentCell | None, str]:
    """The recipe's cell at the study's size and how it was trained: the ablation's, on the served CNN's
    schedule, where it has one; else the learning curve's."""
    cells, schedule = judged_ablation(manifest)
    ablated = next((c for c in cells if c.variant == "recipe" and c.train_images == STUDY_SIZE), None)
    if ablated is not None:
        seeds = "one run" if ablated.accuracy.n == 1 else f"mean of {ablated.accuracy.n} seeds"
        return ablated, f" ({schedule}, {seeds})"
    return next((c for c in manifest.experiment_cells("learning_curve")
                 if c.model == served_model() and c.train_images == STUDY_SIZE), None), ""


def _why_augmentation(manifest: Manifest, cells: list[ExperimentCell]) -> str | None:
    """Why augmentation pays in one setup and not the other: how much less the study's basic CNN memorises
    its training photos with it, whether that shows on the test split, which kind of change helped (flips
    alone against flips with rotations and zooms) and what the recipe's own flips and shifts are worth."""
    at_study = next((g for g in augmentation_gains(cells) if g["train_images"] == STUDY_SIZE), None)
    recipe = {p[0].train_images: p[0].accuracy.mean - p[1].accuracy.mean
              for p in _ablation_pairs(manifest, "no_augmentation") if _enough_seeds(p)}
    if at_study is None or STUDY_SIZE not in recipe:
        return None
    without, with_, gain = at_study["without"], at_study["with"], at_study["gain"]
    closed = (overfitting_gap(without) - overfitting_gap(with_)) * 100
    memorising = (f"Augmentation shows each photo in new ways, so a network memorises its training photos less: "
                  f"the study's basic CNN gets {without.fit_accuracy.mean:.0%} of the photos it trained on "
                  f"right without it and {with_.fit_accuracy.mean:.0%} with it, against "
                  f"{without.accuracy.mean:.1%} and {with_.accuracy.mean:.1%} on the test split. ")
    if gain >= AUGMENTATION_GAIN:
        effect = (f"Where memorising is what holds a small network back, the new views pay: the gap between its "
                  f"own photos and new ones narrows by {closed:.0f} points and test accuracy rises "
                  f"{gain * 100:.1f} points. ")
    else:
        effect = (f"Memorising less is not the same as generalising better: the gap narrows by {closed:.0f} points "
                  f"but test accuracy moves {gain * 100:+.1f} points. ")
    flips = next((g for g in augmentation_gains(cells, variant=FLIP_ONLY) if g["train_images"] == STUDY_SIZE), None)
    kind = ""
    if flips is not None and with_.variant != FLIP_ONLY:
        kind = (f"The kind of change matters: flips alone add {flips['gain'] * 100:+.1f} points to the same "
                f"network, and adding {_rotations_and_zooms(with_.variant)} to them takes that to "
                f"{gain * 100:+.1f} (rotating or zooming a 32-pixel photo resamples and crops it). ")
    return (memorising + effect + kind + "The recipe's own augmentation is a mirror and shifts of 2 pixels, which move "
            f"pixels without resampling them: turning it off costs {recipe[STUDY_SIZE] * 100:.1f} points on {STUDY_SIZE:,} images"
            + (f" and {recipe[max(recipe)] * 100:.1f} on {max(recipe):,}." if max(recipe) != STUDY_SIZE else "."))


_STUDY_MODEL_SENTENCE = ("The study's basic CNN (two conv-ReLU-pool blocks with batch normalization and dropout, a "
                         "dense layer, Adam), trained on stratified subsets of which a tenth is held out for its "
                         f"stopping rule ({rule_text(MAIN_RULE)}; no time budget), scored on the full test split.")


def _variant_phrase(variant: str) -> str:
    return "without augmentation" if variant == NO_AUGMENTATION else f"with {_amounts(variant)}"


def _amounts(variant: str) -> str:
    if variant == FLIP_ONLY:
        return "flips alone"
    return f"flips, {_rotations_and_zooms(variant)}"


def _rotations_and_zooms(variant: str) -> str:
    amounts = AUGMENTATIONS[variant]
    return f"rotations up to ±{amounts['rotation'] * 360:.0f}° and zooms up to ±{amounts['zoom']:.0%}"


def _chosen_size(cells: list[ExperimentCell]) -> int:
    sizes = sorted({c.train_images for c in cells if c.variant in AUGMENTATIONS})
    return STUDY_SIZE if STUDY_SIZE in sizes else sizes[0]


def _cells_to_show(cells: list[ExperimentCell], size: int) -> list[dict]:
    """No augmentation and the chosen amount (the other amounts are only candidates)."""
    chosen = chosen_augmentation(cells)
    return [c for c in cells if c.train_images == size and c.variant in (NO_AUGMENTATION, chosen)]


def _seeds_phrase(cells: list[ExperimentCell], size: int) -> str:
    counts = sorted({c.accuracy.n for c in _cells_to_show(cells, size)})
    number = str(counts[0]) if len(counts) == 1 else f"{counts[0]} to {counts[-1]}"
    return f"{number} seed{'s' if counts != [1] else ''} per cell"


def _cnn_reaches_floor(manifest: Manifest) -> dict:
    title = f"A basic CNN trained on every training image reaches {CNN_FLOOR:.0%}"
    models = manifest.models
    basic, cnn = models.get(reference_model()), models.get(served_model())
    measured = basic or cnn
    if measured is None:
        return verdict(title, ["No CNN in these artifacts."], "open", "Not tested yet.")
    evidence = []
    if basic:
        evidence.append(f"The classic Keras version of the study's basic CNN (conv-ReLU-pool blocks, dense layers, "
                        f"dropout, Adam; no batch normalization) "
                        f"scores {basic.metrics.accuracy:.1%} on {basic.metrics.n_test:,} test images "
                        f"after {basic.epochs_run or '?'} epochs ({basic.train_seconds / 60:.0f} min on "
                        "2 CPU cores; it stops when its validation accuracy stops improving).")
    if cnn:
        evidence.append(f"This project's CNN recipe scores {cnn.metrics.accuracy:.1%} after "
                        f"{cnn.epochs_run or '?'} epochs ({cnn.train_seconds / 60:.0f} min"
                        + (f" on {cnn.training.machine})." if cnn.training else ")."))
    seeds = _seeds_cell(manifest, "full")
    if seeds:
        accuracy = seeds.accuracy
        spread = f" ± {accuracy.std:.1%}" if accuracy.std is not None else ""
        evidence.append(f"Trained from scratch {accuracy.n} times with different seeds: "
                        f"{accuracy.mean:.1%}{spread} (mean ± sd), "
                        f"{seeds.train_seconds.mean / 60:.0f} min on average.")
    evidence.append(f"Best classical baseline for comparison: {_best_baseline(manifest)}.")
    accuracy = measured.metrics.accuracy
    ok = accuracy >= CNN_FLOOR
    return judged(title, evidence, ok,
                  f"{accuracy:.1%} {'≥' if ok else '<'} {CNN_FLOOR:.0%}" + (" for the basic CNN." if basic else "."))


def _preset_target(manifest: Manifest, preset: str, accuracy: float, seeds: int) -> dict:
    title = f"The {preset} preset reaches {accuracy:.0%} test accuracy (its fixed schedule, mean of {seeds} seeds)"
    return seeds_verdict(title, _seeds_cell(manifest, preset), accuracy, seeds,
                         f"python -m bench.train_bench --preset {preset}")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _minutes(seconds: list[float]) -> str:
    low, high = f"{min(seconds) / 60:.0f}", f"{max(seconds) / 60:.0f}"
    return f"It took {low} min" if len(seconds) == 1 else f"Each took {low} min" if low == high else f"Each took {low}–{high} min"


def seeds_verdict(title: str, cell: ExperimentCell | None, accuracy: float, seeds: int, command: str) -> dict:
    """Whether the runs from scratch of one cnn_seeds cell reach `accuracy` on average, judged once `seeds`
    of them are in (`command` runs them); the evidence says what a run cost and on which machines."""
    if cell is None:
        return unmeasured(title, [f"Run `{command}` to test it."])
    measured, seconds = cell.accuracy, cell.train_seconds
    spread = f" ± {measured.std:.2%}" if measured.std is not None else ""
    evidence = [f"{_count(measured.n, 'run')} from scratch of {cell.schedule or 'the preset'} on all "
                f"{cell.train_images:,} training images: {measured.mean:.2%}{spread} test accuracy "
                "(mean ± sd; runs: " + ", ".join(f"{v:.2%}" for v in measured.values) + ").",
                f"{_minutes(seconds.values)} of training on "
                + ("; ".join(cell.known_machines) or "a machine not recorded") + "."]
    met = measured.mean >= accuracy
    if measured.n < seeds:
        return verdict(title, evidence + [f"Run `{command}` for the rest: it skips the seeds already recorded."], "open",
                       f"Open: {measured.n} of {seeds} seeds run so far"
                       + (", on course." if met else ", below the target so far."))
    return judged(title, evidence, met, f"{measured.mean:.2%}.")


def _seeds_cell(manifest: Manifest, preset: str) -> ExperimentCell | None:
    """The preset's runs of the recipe itself, on the preset's schedule (runs with overrides test other
    recipes; runs on a wall-time budget predate fixed schedules and are not judged)."""
    schedule = f"{PRESETS[preset]['epochs']} epochs"
    cells = manifest.experiment_cells("cnn_seeds")
    return next((c for c in cells if c.preset == preset and not c.recipe and c.schedule == schedule),
                None)


def _best_baseline(manifest: Manifest) -> str:
    baselines = {k: m for k, m in manifest.models.items() if k in MODELS and MODELS[k].family == "classical"}
    if not baselines:
        return "none trained"
    key = max(baselines, key=lambda k: baselines[k].metrics.accuracy)
    return f"{display_name(key)} at {baselines[key].metrics.accuracy:.1%}"


def judged_ablation(manifest: Manifest) -> tuple[list[ExperimentCell], str | None]:
    """The ablation's cells that the recipe's verdicts judge, those of the served CNN's recipe on its
    schedule (what a variant gains grows with training length, so runs of another length, or on a
    wall-time budget, are kept apart), and that schedule (None without a served CNN on one)."""
    entry = manifest.models.get(served_model())
    if entry is None or not entry.config.get("epochs") or not entry.training:
        return [], None
    recipe, schedule = recipe_of(entry.config)
    return [c for c in manifest.experiment_cells("ablation")
            if (c.recipe or "") == recipe_key(recipe) and c.schedule == schedule], schedule


def _ablation_pairs(manifest: Manifest, variant: str) -> list[tuple[ExperimentCell, ExperimentCell]]:
    """(recipe cell, variant cell) per training-set size where both were run on the served schedule."""
    cells, _ = judged_ablation(manifest)
    recipe = {c.train_images: c for c in cells if c.variant == "recipe"}
    return [(recipe[c.train_images], c) for c in cells
            if c.variant == variant and c.train_images in recipe]


def _interval(summary: Summary) -> str:
    ci = summary.ci95
    return f"{summary.mean:.1%}" + (f" (95% CI {ci[0]:.1%}–{ci[1]:.1%})" if ci else "")


def _ablation_verdict(manifest: Manifest, title: str, variant: str, threshold: float) -> dict:
    pairs = _ablation_pairs(manifest, variant)
    removed, absent = _taken_away(manifest, variant)
    without = f"without {' or '.join(removed)}"
    if not pairs:
        _, schedule = judged_ablation(manifest)
        length = f" on the served CNN's recipe and schedule ({schedule})" if schedule else ""
        return unmeasured(title, [f"These artifacts hold no run {without}{length} to compare with.",
                                  "Run `make experiments` (docs/development.md, 'Retraining and experiments') to test it."])
    evidence, verdicts, judged_sizes = [], [], []
    for recipe, other in pairs:
        gain, enough = recipe.accuracy.mean - other.accuracy.mean, _enough_seeds((recipe, other))
        seeds = (f"{_count(other.accuracy.n, 'seed')}" if enough else
                 f"{recipe.accuracy.n} and {other.accuracy.n} of {ABLATION_SEEDS} seeds so far: not judged yet")
        evidence.append(f"{recipe.train_images:,} training images, {recipe.schedule} each (a fixed schedule, no "
                        f"stopping rule): {_interval(recipe.accuracy)} with "
                        f"vs {_interval(other.accuracy)} {without} ({gain * 100:+.1f} points, {seeds}).")
        if enough:
            verdicts.append(gain >= threshold)
            judged_sizes.append(recipe.train_images)
    if absent:
        evidence.append(f"The recipe uses no {' or '.join(absent)}: these runs take away "
                        f"{' and '.join(removed)} alone.")
    if not verdicts:
        return verdict(title, [*evidence, "Run `make experiments` for the rest: it keeps the runs already recorded."],
                       "open", f"Open: no data size has {ABLATION_SEEDS} seeds of both arms yet.")
    status = "supported" if all(verdicts) else "refuted" if not any(verdicts) else "open"
    sizes = " and ".join(f"{size:,}" for size in judged_sizes) + " images"
    sentence = {"supported": f"Supported at every data size judged ({sizes}).",
                "refuted": f"Refuted: the gain is below {threshold * 100:.0f} points at every data size judged ({sizes}).",
                "open": "Depends on the data size: see each row."}[status]
    every = manifest.dataset.splits.train.size
    if every not in judged_sizes:
        evidence.append(f"Not judged on all {every:,} training images yet: `make experiments` runs them (it keeps the "
                        "runs already recorded).")
    return verdict(title, evidence, status, sentence)


def _enough_seeds(pair: tuple[ExperimentCell, ExperimentCell]) -> bool:
    return min(cell.accuracy.n for cell in pair) >= ABLATION_SEEDS


def _taken_away(manifest: Manifest, variant: str) -> tuple[list[str], list[str]]:
    """What an ablation variant takes from the served recipe, and what it would take that the recipe does
    not use (named, so that the gain is not credited to it), in words."""
    entry = manifest.models.get(served_model())
    config = CNNConfig().to_dict() | (entry.config if entry else {})
    changes = VARIANTS[variant].items()
    return ([ABLATED[key] for key, value in changes if config.get(key) != value],
            [ABLATED[key] for key, value in changes if config.get(key) == value])


def _augmentation_gain(manifest: Manifest) -> dict:
    return _ablation_verdict(manifest, f"The recipe's flips and shifts add {AUGMENTATION_GAIN * 100:.0f} points to its CNN",
                             "no_augmentation", AUGMENTATION_GAIN)


def _regularization_gain(manifest: Manifest) -> dict:
    return _ablation_verdict(manifest, "Regularization (batch normalization, dropout) improves accuracy",
                             "no_regularization", 0.0)


def model_limits(manifest: Manifest) -> list[str]:
    """Where the best model is weakest, from its per-class scores and confusion matrix."""
    metrics = manifest.models[best_model(manifest)].metrics
    names = manifest.class_names
    per_class = metrics.per_class
    worst = sorted(per_class, key=lambda c: per_class[c].f1)[:2]
    matrix = np.array(metrics.confusion_matrix, dtype=float)
    np.fill_diagonal(matrix, 0)
    true, pred = np.unravel_index(matrix.argmax(), matrix.shape)
    return [
        f"Weakest classes: {worst[0]} (F1 {per_class[worst[0]].f1:.2f}) and {worst[1]} "
        f"(F1 {per_class[worst[1]].f1:.2f}).",
        f"Most common confusion: {names[true]} taken for {names[pred]} ({int(matrix[true, pred])} test images).",
        "Trained on 32×32 CIFAR-10 photos: real product photos differ (studio lighting, white "
        "backgrounds, other categories), so expect lower accuracy until it is retrained on them.",
        "A confidence is a promise only once calibrated on photos the model never trained on; photos below "
        "the threshold for the accuracy the client sets go to a person.",
        *([twin_verdict(manifest.near_duplicates)] if manifest.near_duplicates else []),
        *([issues_verdict(manifest.label_issues)] if manifest.label_issues else []),
    ]
