"""Markdown tables of an artifacts folder, for the README and docs/results.md (`python -m ml report`)."""

from __future__ import annotations

import json
from pathlib import Path

from ml.artifacts.schema import MACHINE_NOT_RECORDED, Manifest, Summary
from ml.audit.label_issues import issues_verdict
from ml.audit.near_duplicates import twin_verdict
from ml.evaluation.auto_sort import DEFAULT_TARGET, auto_sort_answer, calibrated_thresholds
from ml.evaluation.savings import EXAMPLE_PHOTOS, EXAMPLE_SECONDS, calibrated_model, catalogue_savings
from ml.models.cnn_config import overrides_of
from ml.models.registry import display_name, served_in, technical_name
from ml.models.run_record import describe_training
from ml.study.markdown import table

SPEED_SPREAD = 1.25  # epochs of the same work this much slower than the fastest: the machine's speed varied


def results_table(manifest: Manifest) -> str:
    """One row per model: test accuracy, macro-F1, training time, size and speed."""
    rows = [(technical_name(key), f"{entry.metrics.accuracy:.2%}", f"{entry.metrics.macro_f1:.2%}",
             f"{entry.train_seconds / 60:.1f} min", f"{entry.size_bytes / 1e6:.1f} MB",
             f"{entry.inference.latency_ms_p50:.2f} ms ({entry.inference.runtime})",
             f"{entry.inference.throughput_ips:,.0f} img/s") for key, entry in manifest.models.items()]
    cpus = {entry.inference.cpu or "a CPU not recorded" for entry in manifest.models.values()}
    return (table(["Model", "Test accuracy", "Macro-F1", "Training (2-core CPU)", "Files on disk", "One image",
                   "Batched"], rows)
            + f"\n\nSpeeds measured on {' and '.join(sorted(cpus))}: they hold for such a CPU only.")


def artifacts_size(manifest: Manifest) -> str:
    """The artifacts folder's size: every file the manifest lists, and the manifest."""
    files = manifest.files
    return f"{len(files) + 1} files, {sum(f.bytes for f in files.values()) / 2**20:.0f} MB"


def cnn_notes(manifest: Manifest) -> str:
    """Per Keras model: epochs, export parity, int8 quantization and the ONNX-versus-Keras speed-up."""
    notes = []
    for key, entry in manifest.models.items():
        parity, quantization = entry.parity, entry.quantization
        if parity is None:  # only exported Keras models have an ONNX export to report
            continue
        trained = (describe_training(technical_name(key), entry.training).removesuffix(".") if entry.training
                   else f"{technical_name(key)}: {entry.epochs_run} epochs in {entry.train_seconds / 60:.1f} min "
                        "(a wall-time budget)")
        note = (f"{trained}, {entry.precision}. ONNX export: {parity.top1_agreement:.2%} top-1 agreement with Keras "
                f"on {parity.n_images:,} test images (largest probability difference "
                f"{parity.max_abs_prob_diff:.1e}).")
        if quantization:
            note += (f" Served in {entry.served_precision}: the int8 model agrees with the float32 one on "
                     f"{quantization.top1_agreement:.2%} of test images (accuracy "
                     f"{quantization.accuracy_int8:.2%} int8, {quantization.accuracy_float32:.2%} float32).")
        note += (f" One image {entry.inference.latency_ms_p50:.2f} ms in onnxruntime vs "
                 f"{entry.keras_inference.latency_ms_p50:.1f} ms with Keras `predict` "
                 f"({entry.onnx_speedup_one_image:.0f}x).")
        notes.append(note)
    return "\n\n".join(notes)


def ablation_table(manifest: Manifest, record: str = "ablation") -> str:
    """The CNN ablation (or another record of `python -m ml ablate`), one row per training-set size
    and variant ('' when it was not run)."""
    cells = manifest.experiment_cells(record)
    if not cells:
        return ""
    rows = []
    for cell in cells:
        gain = cell.recipe_gain_points
        val = (f"{cell.val_accuracy.mean:.2%} / {cell.val_corrupted_accuracy.mean:.2%}"
               if cell.val_corrupted_accuracy else "—")
        rows.append((overrides_text(json.loads(cell.recipe) if cell.recipe else {}), cell.schedule or "—",
                     f"{cell.train_images:,}", cell.variant, str(cell.accuracy.n), mean_ci(cell.accuracy),
                     mean_ci(cell.macro_f1), "" if gain is None else f"{gain:+.1f}", val))
    return table(["Compared with (recipe overrides)", "Schedule", "Training images", "Variant", "Seeds",
                  "Test accuracy", "Macro-F1", "Recipe's gain (points)", "Validation: clean / damaged"], rows)


def learning_curve_table(manifest: Manifest) -> str:
    """Test accuracy and training time per model and training-set size, with the network's schedule and the
    CPU each time was measured on ('' when it was not run)."""
    cells = manifest.experiment_cells("learning_curve")
    if not cells:
        return ""
    return table(["Model", "Training images", "Schedule", "Seeds", "Test accuracy", "Training time", "Trained on"],
                 [(technical_name(cell.model), f"{cell.train_images:,}", cell.schedule or "—", str(cell.accuracy.n),
                   mean_ci(cell.accuracy), f"{cell.mean_train_seconds / 60:.1f} min",
                   "; ".join(cell.known_machines) or MACHINE_NOT_RECORDED) for cell in cells])


def study_setup_table(manifest: Manifest) -> str:
    """The study's own setup (`ml study-setup`), one row per training-set size and variant, the
    amount of augmentation chosen on validation marked ('' when it was not run)."""
    from ml.study.setup import STUDY_SETUP, chosen_augmentation

    cells = manifest.experiment_cells(STUDY_SETUP)
    if not cells:
        return ""
    chosen = chosen_augmentation(cells)
    rows = []
    for cell in cells:
        best = f" ({cell.best_epoch.mean:.0f})" if cell.best_epoch else ""
        rows.append((f"{cell.train_images:,}", cell.rule or "—",
                     cell.variant + (" (chosen on validation)" if cell.variant == chosen else ""),
                     str(cell.accuracy.n), mean_ci(cell.accuracy), mean_ci(cell.macro_f1),
                     f"{cell.val_accuracy.mean:.2%}", f"{cell.fit_accuracy.mean:.2%}",
                     f"{cell.epochs_run.mean:.0f}{best}", f"{cell.mean_train_seconds / 60:.1f} min"))
    return table(["Training images", "Stopping rule", "Variant", "Seeds", "Test accuracy", "Macro-F1",
                  "Validation accuracy", "Own training images", "Epochs (best)", "Training time"], rows)


def overrides_text(overrides: dict | None) -> str:
    """Recipe overrides as the tables show them: `key` value, ... ('none' for the recipe itself)."""
    return ", ".join(f"`{k}` {v}" for k, v in (overrides or {}).items()) or "none"


def seeds_table(manifest: Manifest) -> str:
    """Repeated full trainings of the CNN per preset (bench/train_bench.py; '' when not run)."""
    cells = manifest.experiment_cells("cnn_seeds")
    if not cells:
        return ""
    rows = []
    for cell in cells:
        accuracy = cell.accuracy
        sd = f" ± {accuracy.std:.2%}" if accuracy.std is not None else ""
        rows.append((cell.preset, cell.schedule or "—", overrides_text(cell.overrides), str(accuracy.n),
                     f"{accuracy.mean:.2%}{sd}",
                     f"{accuracy.ci95[0]:.2%}–{accuracy.ci95[1]:.2%}" if accuracy.ci95 else "—",
                     f"{cell.mean_train_seconds / 60:.1f} min", "; ".join(cell.machines or ["—"])))
    return table(["Preset", "Schedule", "Recipe overrides", "Seeds", "Test accuracy (mean ± sd)", "95% CI",
                  "Training time (mean)", "Machines"], rows)


def schedule_length_table(manifest: Manifest) -> str:
    """The recipe's validation and test accuracy per schedule length (`ml schedule-length`; '' when not run)."""
    cells = manifest.experiment_cells("schedule_length")
    if not cells:
        return ""
    per_epoch = [cell.mean_train_seconds / cell.epochs_run.mean for cell in cells]
    rows = [(cell.variant, overrides_text(json.loads(cell.recipe) if cell.recipe else {}), str(cell.accuracy.n),
             mean_ci(cell.val_accuracy), mean_ci(cell.accuracy),
             f"{cell.mean_train_seconds / 60:.1f} min ({seconds:.0f} s an epoch)")
            for cell, seconds in zip(cells, per_epoch)]
    return (table(["Schedule", "Recipe overrides", "Seeds", "Validation accuracy", "Test accuracy",
                   "Training time (mean)"], rows) + uneven_speed_note(per_epoch))


def uneven_speed_note(per_epoch: list[float]) -> str:
    """A sentence under a table whose runs did the same work an epoch at visibly different speeds, so that
    nobody reads their times as a comparison of what they trained ('' when the speeds agree)."""
    if len(per_epoch) < 2 or max(per_epoch) < SPEED_SPREAD * min(per_epoch):
        return ""
    return (f"\n\nAn epoch of the same network on the same photos took {min(per_epoch):.0f}–{max(per_epoch):.0f} s "
            "across these runs: the machine ran at different speeds for them, so the times say what each run cost, "
            "not how the schedules compare.")


def calibration_table(manifest: Manifest) -> str:
    """Per calibrated model: its temperature and how far its confidence holds on the test split before
    and after ('' when no model is calibrated)."""
    calibrated = {k: e.calibration for k, e in manifest.models.items() if e.calibration}
    if not calibrated:
        return ""
    rows = [(technical_name(key), f"{c.temperature:.3f}", f"{c.test_before.ece:.3f} → {c.test_after.ece:.3f}",
             f"{c.test_before.nll:.3f} → {c.test_after.nll:.3f}", f"{c.test_before.brier:.3f} → {c.test_after.brier:.3f}",
             f"{c.compared.temperature_ece:.3f} / {c.compared.isotonic_ece:.3f}") for key, c in calibrated.items()]
    images = next(iter(calibrated.values())).held_out_images
    return (table(["Model", "Temperature", "ECE before → after", "NLL before → after", "Brier before → after",
                   "Held-out ECE (temperature / isotonic)"], rows)
            + f"\n\nFitted on {images:,} training images held out from every model; the test split only checks.")


def auto_sort_table(manifest: Manifest) -> str:
    """Per calibrated model and target accuracy: the threshold chosen on held-out images, and the share
    of photos sorted without a person with their accuracy, there and on the test split."""
    rows = [(k, t) for k, e in manifest.models.items() for t in calibrated_thresholds(e)]
    if not rows:
        return ""
    return table(["Model", "Target accuracy", "Threshold", "Held out: sorted, accuracy", "Test: sorted, accuracy"],
                 [(technical_name(key), f"{t.target:.1%}", f"{t.threshold:.3f}",
                   f"{t.held_out_coverage:.1%}, {t.held_out_accuracy:.2%}",
                   f"{t.test_coverage:.1%}, " + ("—" if t.test_accuracy is None else f"{t.test_accuracy:.2%}"))
                  for key, t in rows])


def savings_table(manifest: Manifest, photos: int = EXAMPLE_PHOTOS, seconds: float = EXAMPLE_SECONDS) -> str:
    """What machine sorting saves on a catalogue of `photos` that take a person `seconds` each, per target
    accuracy, for the most accurate calibrated model ('' when no model is calibrated)."""
    key = calibrated_model(manifest)
    if key is None:
        return ""
    test_images = manifest.dataset.splits.test.size
    rows = [(f"{row['target']:.1%}", f"{row['auto']:,.0f} ({_range(row['auto_range'])})", f"{row['review']:,.0f}",
             f"{row['hours_saved']:,.0f} ({_range(row['hours_saved_range'])})",
             f"{row['wrong']:,.0f} ({_range(row['wrong_range'])})")
            for row in catalogue_savings(manifest.models[key], test_images, photos, seconds)]
    return (f"{technical_name(key)}, a catalogue of {photos:,} photos at {seconds:g} s a photo by hand "
            f"(95% ranges from the {test_images:,} test photos):\n\n"
            + table(["Target accuracy", "Sorted automatically", "Sent to a person", "Hours of manual work saved",
                     "Wrong labels passing unreviewed"], rows))


def _range(bounds: list[float]) -> str:
    return f"{bounds[0]:,.0f}–{bounds[1]:,.0f}"


def robustness_table(manifest: Manifest, rows: list[dict]) -> str:
    """Per model, from `python -m ml robustness`: clean accuracy, the mean over every damaged set, the
    worst corruption at its middle severity, and a product on white at half the width ('' when not run)."""
    if not manifest.robustness:
        return ""
    sets = len({(r["corruption"], r["severity"]) for r in rows if r["corruption"] != "none"})
    return table(["Model", "Clean", f"Damaged: mean of {sets} sets", "Worst at middle severity",
                  "Product on white, half the width"],
                 [(technical_name(key), f"{row.clean_accuracy:.2%}", f"{row.mean_accuracy:.2%}",
                   f"{row.worst_middle.corruption} {row.worst_middle.severity:g}: {row.worst_middle.accuracy:.2%}"
                   if row.worst_middle else "—",
                   "—" if row.product_on_white is None else f"{row.product_on_white:.2%}")
                  for key, row in manifest.robustness.models.items()])


def near_duplicates_table(manifest: Manifest) -> str:
    """From `python -m ml near-duplicates`: pairs per split pair, and each model's test accuracy with
    and without the test images that have a near-twin in training ('' when not run)."""
    found = manifest.near_duplicates
    if not found:
        return ""
    pairs = table(["Split pair", "Pairs", "Images (first split)", "Images (second split)"],
                  [(kind, f"{c.pairs:,}", f"{c.images_a:,}", f"{c.images_b:,}") for kind, c in found.counts.items()])
    accuracy = table(["Model", "Test accuracy", "Without the twinned test images", "On them"],
                     [(technical_name(key), f"{row.all:.2%}", f"{row.without_train_twin:.2%}",
                       "—" if row.with_train_twin is None else f"{row.with_train_twin:.2%}")
                      for key, row in found.accuracy.items()])
    return "\n\n".join([twin_verdict(found), pairs, accuracy])


def label_issues_table(manifest: Manifest) -> str:
    """From `python -m ml label-issues`: the disputed labels per split ('' when not run)."""
    found = manifest.label_issues
    if not found:
        return ""
    lines = [issues_verdict(found), "", table(
        ["Split", "Probabilities from", "Disputed", "Rows in the file", "Most often"],
        [(split, row.source, f"{row.flagged:,} ({row.flagged / row.images:.2%})", f"{row.rows:,}",
          "; ".join(f"{g} → {s} ({n})" for g, s, n in row.top_pairs[:3])) for split, row in found.splits.items()])]
    folds = manifest.train_out_of_fold
    if folds:
        runs = folds.runs.values()
        recipe = overrides_text(overrides_of(folds.overrides, folds.preset))
        lines += ["", f"Out-of-fold runs ({folds.preset} preset, recipe overrides: {recipe}; {folds.folds} "
                  "folds): held-out accuracy "
                  + ", ".join(f"{run.accuracy:.2%}" for run in runs)
                  + f"; {sum(run.train_seconds for run in runs) / 60:.0f} minutes of training in all."]
    return "\n".join(lines)


def map_and_index_table(manifest: Manifest) -> str:
    """From `python -m ml map` and `python -m ml neighbours`: the layouts compared, the index kept ('' when neither ran)."""
    tables = []
    found = manifest.data_map
    if found:
        tables.append(table(["Layout", "Seconds", "10-NN accuracy on the map"],
                            [(method + (" (kept)" if method == found.method else ""), f"{row.seconds:.1f}",
                              f"{row.separation:.1%}") for method, row in found.comparison.items()]))
    index = manifest.neighbours
    if index:
        tables.append(table(["PCA dimensions", "Same 10 nearest", "Similarity kept"],
                            [(d + (" (kept)" if int(d) == index.dimensions else ""), f"{q.recall:.1%}",
                              f"{q.similarity_kept:.2%}") for d, q in index.quality.items()]))
    return "\n\n".join(tables)


def client_answers(manifest: Manifest, target: float = DEFAULT_TARGET) -> str:
    """The client's practical questions (how fast, how many photos sort themselves, how it holds up,
    can the data be trusted), answered in sentences from the served model's figures."""
    key = served_in(manifest.models)
    entry = manifest.models[key]
    speed = entry.inference
    lines = [f"- **How fast is it?** {display_name(key)} classifies one photo in {speed.latency_ms_p50:.2f} ms and "
             f"{speed.throughput_ips:,.0f} photos a second in batches ({speed.runtime}, on "
             f"{speed.cpu or 'a CPU not recorded'}); it trained in {entry.train_seconds / 60:.0f} min."]
    sorting = auto_sort_answer(manifest, key, target)
    if entry.calibration:
        c = entry.calibration
        sorting += (f" Its confidence is calibrated on {c.held_out_images:,} photos held back from training: the "
                    f"calibration error on the test photos falls from {c.test_before.ece:.3f} to {c.test_after.ece:.3f}.")
    lines.append(f"- **How many photos sort themselves?** {sorting}")
    damaged = manifest.robustness.models.get(key) if manifest.robustness else None
    if damaged and damaged.mean_accuracy is not None:
        product = ("" if damaged.product_on_white is None else
                   f"; a product photographed on white at half the picture's width, {damaged.product_on_white:.1%}")
        lines.append(f"- **Does it hold up on real photos?** {damaged.clean_accuracy:.1%} on the test photos as they "
                     f"are, {damaged.mean_accuracy:.1%} on average over the same photos damaged in each way and at "
                     f"each severity{product}.")
    audits = [verdict(found) for found, verdict in ((manifest.near_duplicates, twin_verdict),
                                                    (manifest.label_issues, issues_verdict)) if found]
    if audits:
        lines.append("- **Can the data be trusted?** " + " ".join(audits))
    return "\n".join(lines)


def mean_ci(summary: Summary) -> str:
    """'89.30%' or '89.30% (95% CI 88.90%–89.70%)' from an ml.study.experiments.describe summary."""
    ci = summary.ci95
    return f"{summary.mean:.2%}" + (f" (95% CI {ci[0]:.2%}–{ci[1]:.2%})" if ci else "")


def verdicts_list(hypotheses: list[dict]) -> str:
    """The study's hypotheses as the Hypotheses page states them: verdict, then the evidence."""
    lines = []
    for hypothesis in hypotheses:
        lines.append(f"- **{hypothesis['title']}.** {hypothesis['verdict']}")
        lines += [f"  - {sentence}" for sentence in hypothesis["evidence"]]
        for side in hypothesis.get("setups", []):
            lines.append(f"  - *{side['setup']}: {side['title']}.* {side['verdict']}")
            lines += [f"    - {sentence}" for sentence in side["evidence"]]
        if hypothesis.get("why"):
            lines.append(f"  - Why: {hypothesis['why']}")
    return "\n".join(lines)


def generated_blocks(folder: Path, manifest: Manifest) -> dict[str, str]:
    """Each block a committed document carries between `<!-- name -->` and `<!-- /name -->`, as
    `python -m ml report` prints it from the artifacts in `folder`."""
    from ml.study.experiments import ROBUST_RECIPE
    from ml.study.hypotheses import hypotheses
    from ml.study.trust import trust_verdicts

    stats = json.loads((Path(folder) / manifest.dataset.files.stats).read_text())
    return {"size": f"Artifacts: {artifacts_size(manifest)}.", "results": results_table(manifest),
            "answers": client_answers(manifest),
            "cnn notes": cnn_notes(manifest), "calibration": calibration_table(manifest),
            "auto-sort": auto_sort_table(manifest), "seeds": seeds_table(manifest),
            "schedule-length": schedule_length_table(manifest), "savings": savings_table(manifest),
            "robustness": robustness_table(manifest, robustness_rows(folder, manifest)),
            "ablation": ablation_table(manifest), "robust recipe": ablation_table(manifest, ROBUST_RECIPE),
            "learning curve": learning_curve_table(manifest), "near-duplicates": near_duplicates_table(manifest),
            "label issues": label_issues_table(manifest), "map": map_and_index_table(manifest),
            "study-setup table": study_setup_table(manifest), "verdicts": verdicts_list(hypotheses(manifest, stats)),
            "trust": verdicts_list(trust_verdicts(manifest))}


def robustness_rows(folder: Path, manifest: Manifest) -> list[dict]:
    """The robustness benchmark's rows (`python -m ml robustness`), none when it has not run."""
    stored = manifest.robustness
    return json.loads((Path(folder) / stored.file).read_text())["rows"] if stored else []
