"""The study's verdicts from the artifacts' evidence (ml/study/hypotheses.py) and their report."""

import json
from dataclasses import asdict

from ml.artifacts.folder import load_manifest
from ml.artifacts.schema import Manifest
from ml.cli import main
from ml.models.cnn_config import preset_config, recipe_key, recipe_of
from ml.study import hypotheses
from ml.study.experiments import describe
from tests.manifests import cell, manifest, model, scores, summary

NAMES = ["cat", "dog", "ship"]


def _per_class(f1s):
    return {n: {"f1": f, "precision": f, "recall": f, "support": 10} for n, f in zip(NAMES, f1s)}


STATS = {"splits": {"train": {"class_counts": {n: 10 for n in NAMES}, "channel_mean": [120, 120, 110],
                               "channel_std": [60, 60, 60], "brightness": {"p5": 70, "p95": 180}}},
         "file_summary": {"distinct_sizes": 1, "sizes": {"32x32": 30}}, "duplicates": {"across": {}}}


def _verdict(data, title_start):
    """The hypothesis whose title starts with `title_start`, as study.hypotheses judges it from the
    manifest's JSON `data`."""
    found = hypotheses.hypotheses(Manifest.model_validate(data), STATS)
    return next(h for h in found if h["title"].startswith(title_start))


def _side(manifest, title_start, setup):
    """One setup's verdict of a hypothesis judged in both setups."""
    return next(side for side in _verdict(manifest, title_start)["setups"] if side["setup"] == setup)


def _manifest(cnn_accuracy, experiments=None):
    """The manifest's JSON with a CNN and `experiments` (name -> {"cells": [...]})."""
    cm = [[9, 1, 0], [3, 7, 0], [0, 0, 10]]
    metrics = {**scores(cnn_accuracy, 30), "confusion_matrix": cm, "per_class": _per_class([0.9, 0.7, 1.0])}
    config = json.loads(json.dumps(asdict(preset_config("full", corrupt_probability=0.3))))
    cnn = model(name="CNN", metrics=metrics, train_seconds=600, epochs_run=40, config=config,
                training={"reason": "schedule_finished", "epochs_planned": 40, "epochs_run": 40, "best_epoch": 40,
                          "train_seconds": 600, "machine": "AMD EPYC"})
    data = manifest({"cnn": cnn}, {name: e["cells"] for name, e in (experiments or {}).items()}).to_json()
    data["dataset"]["splits"]["train"]["size"] = 50000  # as CIFAR-10's, which the ablation's "all" trains on
    return data


def test_study001_hypothesis_verdicts_follow_the_evidence():
    assert _side(_manifest(0.71), "A basic CNN", hypotheses.RECIPE_SETUP_NAME)["status"] == "supported"
    assert _side(_manifest(0.69), "A basic CNN", hypotheses.RECIPE_SETUP_NAME)["status"] == "refuted"
    assert _verdict(_manifest(0.71), "A basic CNN")["status"] == "open"  # the study's setup was not run
    assert _verdict(_manifest(0.8), "Data augmentation")["status"] == "open"
    def ablation_cell(size, variant, values, schedule="40 epochs", recipe='{"corrupt_probability": 0.3}'):
        return cell(train_images=size, variant=variant, accuracy=summary(values), schedule=schedule, recipe=recipe)
    # the served recipe on its schedule is judged; another length, or another recipe compared with, is not
    others = [ablation_cell(5000, "no_augmentation", [0.2], schedule="8 epochs"),
              ablation_cell(50000, "no_augmentation", [0.2], recipe="")]
    unjudged = _side(_manifest(0.8, {"ablation": {"cells": [ablation_cell(5000, "recipe", [0.7]), *others]}}),
                     "Data augmentation", hypotheses.RECIPE_SETUP_NAME)
    assert unjudged["status"] == "open" and "served CNN's recipe and schedule (40 epochs)" in unjudged["evidence"][0]
    mixed = {"ablation": {"cells": [
        ablation_cell(5000, "recipe", [0.70, 0.72, 0.71]), ablation_cell(5000, "no_augmentation", [0.60, 0.62, 0.61]),
        ablation_cell(50000, "recipe", [0.90, 0.90, 0.90]), ablation_cell(50000, "no_augmentation", [0.88, 0.88, 0.88]),
        ablation_cell(50000, "no_regularization", [0.80, 0.80, 0.80]), *others]}}
    result = _side(_manifest(0.8, mixed), "Data augmentation", hypotheses.RECIPE_SETUP_NAME)
    assert result["status"] == "open" and "+10.0 points" in result["evidence"][0] and len(result["evidence"]) == 2
    assert result["verdict"] == "Depends on the data size: see each row."
    regularization = _verdict(_manifest(0.8, mixed), "Regularization")
    assert regularization["status"] == "supported" and len(regularization["evidence"]) == 2
    assert regularization["evidence"][1] == "The recipe uses no dropout: these runs take away batch normalization alone."
    # fewer than 3 seeds of either arm: shown, not judged (one run's gain is mostly noise)
    partial = {"ablation": {"cells": [ablation_cell(5000, "recipe", [0.70, 0.72, 0.71]),
                                      ablation_cell(5000, "no_augmentation", [0.60])]}}
    waiting = _side(_manifest(0.8, partial), "Data augmentation", hypotheses.RECIPE_SETUP_NAME)
    assert waiting["status"] == "open" and "3 and 1 of 3 seeds so far: not judged yet" in waiting["evidence"][0]
    assert waiting["verdict"] == "Open: no data size has 3 seeds of both arms yet."
    basic = _manifest(0.9)
    basic["models"]["basic_cnn"] = {**basic["models"]["cnn"], "metrics": scores(0.65, 30)}
    judged = _side(basic, "A basic CNN", hypotheses.RECIPE_SETUP_NAME)
    assert judged["status"] == "refuted" and "basic CNN" in judged["verdict"]
    limits = hypotheses.model_limits(Manifest.model_validate(_manifest(0.8)))
    assert "dog (F1 0.70)" in limits[0] and "dog taken for cat (3 test images)" in limits[1]


def _study_setup(no_aug_5k, aug_5k, no_aug_50k=None, aug_50k=None, patient=None, flips_5k=None):
    """Study-setup cells as ml.study.setup summarises them (fit accuracy 0.95 throughout); `patient`:
    (without, with) at 5,000 images under the twice as patient rule; `flips_5k`: flips alone at 5,000."""
    from ml.study.setup import AUGMENTATIONS, FLIP_ONLY, NO_AUGMENTATION, PATIENT_RULE

    light = next(iter(AUGMENTATIONS))
    def setup_cell(size, variant, test, rule=None):
        return {"train_images": size, "variant": variant, "accuracy": describe([test, test]),
                "macro_f1": describe([test, test]), "val_accuracy": describe([test, test]),
                "fit_accuracy": describe([0.95, 0.95]), "epochs_run": describe([40, 45]),
                "best_epoch": describe([20, 25]), "train_seconds": describe([60, 60]), "rule": rule}
    cells = [setup_cell(5000, NO_AUGMENTATION, no_aug_5k), setup_cell(5000, light, aug_5k)]
    if no_aug_50k:
        cells += [setup_cell(50000, NO_AUGMENTATION, no_aug_50k), setup_cell(50000, light, aug_50k)]
    if patient:
        cells += [setup_cell(5000, NO_AUGMENTATION, patient[0], PATIENT_RULE),
                  setup_cell(5000, light, patient[1], PATIENT_RULE)]
    if flips_5k:
        cells.append(setup_cell(5000, FLIP_ONLY, flips_5k))
    return {"cells": cells}


def test_study004_hypotheses_are_judged_in_the_study_setup_and_the_recipe_side_by_side():
    served = {"schedule": "40 epochs", "recipe": '{"corrupt_probability": 0.3}'}
    ablation = {"cells": [
        cell(variant="recipe", accuracy=describe([0.73, 0.73, 0.73]), **served),
        cell(variant="no_augmentation", accuracy=describe([0.70, 0.70, 0.70]), **served)]}
    curve = {"cells": [cell(model="cnn", accuracy=describe([0.78]))]}
    manifest = _manifest(0.91, {"study_setup": _study_setup(0.53, 0.62, 0.75, 0.79), "ablation": ablation,
                                "learning_curve": curve})
    augmentation = _verdict(manifest, "Data augmentation")
    assert augmentation["status"] == "depends"
    study_side, recipe_side = augmentation["setups"]
    assert study_side["status"] == "supported" and "+9.0 points on 5,000 images" in study_side["verdict"]
    assert any(e.startswith("50,000 training images: 79.0%") and "+4.0 points" in e for e in study_side["evidence"])
    assert recipe_side["status"] == "refuted" and "every data size judged (5,000 images)" in recipe_side["verdict"]
    assert recipe_side["evidence"][-1].startswith("Not judged on all 50,000 training images yet")
    # why they differ: the overfitting gap without augmentation (95% vs 53%) and what it closes (9 points)
    # what augmentation does: the study's CNN memorises less (fit accuracy 95% both here, so the gap narrows by
    # the 9 test points it gains), and what the recipe loses without its own
    assert "95% of the photos it trained on right without it and 95% with it, against 53.0% and 62.0%" \
        in augmentation["why"]
    assert "narrows by 9 points and test accuracy rises 9.0 points" in augmentation["why"]
    assert "costs 3.0 points on 5,000 images and" not in augmentation["why"] and "costs 3.0 points" in augmentation["why"]
    floor = _verdict(manifest, "A basic CNN")
    assert floor["status"] == "depends" and floor["setups"][0]["status"] == "refuted"
    assert "at best 62.0% < 70%" in floor["setups"][0]["verdict"]
    # the recipe at the study's size from the ablation on the served schedule, else from the learning curve
    assert "already scores 73.0% on the same 5,000 images (40 epochs, mean of 3 seeds)." in floor["why"]
    curve_only = _manifest(0.91, {"study_setup": _study_setup(0.53, 0.62, 0.75, 0.79), "learning_curve": curve})
    assert "already scores 78.0% on the same 5,000 images." in _verdict(curve_only, "A basic CNN")["why"]
    agreeing = _manifest(0.91, {"study_setup": _study_setup(0.71, 0.75)})
    assert _verdict(agreeing, "A basic CNN")["status"] == "supported"
    no_gain = _manifest(0.91, {"study_setup": _study_setup(0.62, 0.621), "ablation": ablation})
    both = _verdict(no_gain, "Data augmentation")
    assert both["status"] == "refuted" and both["verdict"] == "Refuted in both setups."
    assert "test accuracy moves +0.1 points" in both["why"] and "flips alone" not in both["why"]
    # which kind of change helped: flips alone against flips with rotations and zooms, on the same network
    flips = _verdict(_manifest(0.91, {"study_setup": _study_setup(0.62, 0.621, flips_5k=0.665), "ablation": ablation}),
                     "Data augmentation")
    assert "flips alone add +4.5 points to the same network, and adding rotations up to ±18° and zooms up to ±10% " \
        "to them takes that to +0.1" in flips["why"]


def test_study002_preset_targets_need_every_seed_of_the_presets_own_schedule():
    def with_runs(accuracies, seconds, schedule="40 epochs"):
        runs = {"cells": [cell(preset="full", schedule=schedule, train_images=50000, accuracy=describe(accuracies),
                               train_seconds=describe(seconds), machines=["AMD EPYC, 2 cores, avx512_vnni"])]}
        return _manifest(0.9, {"cnn_seeds": runs})
    assert _verdict(_manifest(0.9), "The full preset")["status"] == "open"
    assert _verdict(with_runs([0.93, 0.925], [1600, 1610]), "The full preset")["status"] == "open"
    met = _verdict(with_runs([0.93, 0.925, 0.921], [1600, 1610, 5000]), "The full preset")
    assert met["status"] == "supported"  # a slow machine makes a run longer, never worse
    assert "27–83 min of training on AMD EPYC, 2 cores, avx512_vnni" in met["evidence"][1]
    assert _verdict(with_runs([0.91, 0.915, 0.92], [1600] * 3), "The full preset")["status"] == "refuted"
    # runs paced by a wall-time budget, or of another length, are not the preset's schedule
    assert _verdict(with_runs([0.93] * 3, [1600] * 3, "wall-time budget"), "The full preset")["status"] == "open"
    assert _verdict(with_runs([0.93] * 3, [1600] * 3, "20 epochs"), "The full preset")["status"] == "open"
    damaged = with_runs([0.88, 0.881, 0.879], [1600] * 3)  # another recipe's runs say nothing of the recipe's
    damaged["experiments"]["cnn_seeds"]["cells"][0].update(recipe='{"corrupt_probability": 0.5}')
    assert _verdict(damaged, "The full preset")["status"] == "open"


def test_study003_report_prints_the_verdicts_the_page_shows(tiny_artifacts, capsys):
    _, out = tiny_artifacts
    manifest = load_manifest(out)
    stats = json.loads((out / manifest.dataset.files.stats).read_text())
    assert main(["report", str(out)]) == 0
    printed = capsys.readouterr().out
    for hypothesis in hypotheses.hypotheses(manifest, stats):
        assert f"- **{hypothesis['title']}.** {hypothesis['verdict']}" in printed
        for side in hypothesis.get("setups", []):
            assert f"  - *{side['setup']}: {side['title']}.* {side['verdict']}" in printed


def test_study005_the_second_stopping_rule_is_judged_against_the_threshold_not_the_sign():
    def evidence(patient):
        side = _side(_manifest(0.91, {"study_setup": _study_setup(0.60, 0.60, patient=patient)}),
                     "Data augmentation", hypotheses.STUDY_SETUP_NAME)
        return side["status"], " ".join(side["evidence"])
    status, text = evidence(None)
    assert status == "refuted" and "has not been run at 5,000 images" in text
    assert "the runs stopped after 40–45 epochs, 20 past their best" in text
    # +0.0 under the main rule and +2.0 under the patient one: both below 5, so the verdict stands
    assert "+2.0 points (2 and 2 seeds), below 5 as well: the verdict does not hinge" in evidence((0.60, 0.62))[1]
    # the same sign but across the threshold: the rule decides, and the page says so
    assert "+6.0 points (2 and 2 seeds), at least 5: the verdict hinges on the stopping rule" \
        in evidence((0.60, 0.66))[1]


def test_study006_a_size_whose_cells_have_different_seed_counts_says_the_range():
    setup = _study_setup(0.62, 0.63, 0.81, 0.82)
    no_aug_50k = setup["cells"][2]
    no_aug_50k["accuracy"] = describe([0.80, 0.81, 0.82])  # a third seed in one of the two cells
    evidence = _side(_manifest(0.91, {"study_setup": setup}), "A basic CNN", hypotheses.STUDY_SETUP_NAME)["evidence"]
    assert evidence[1].endswith("(2 seeds per cell).") and evidence[2].endswith("(2 to 3 seeds per cell).")


def test_study007_flips_alone_are_reported_at_each_size_they_ran_with_their_seed_count():
    from ml.study.setup import FLIP_ONLY, NO_AUGMENTATION

    setup = _study_setup(0.62, 0.63, 0.81, 0.82, flips_5k=0.665)
    flips_50k = {**next(c for c in setup["cells"] if c["variant"] == FLIP_ONLY), "train_images": 50000,
                 "accuracy": describe([0.835])}
    setup["cells"].append(flips_50k)
    evidence = _side(_manifest(0.91, {"study_setup": setup}), "Data augmentation", hypotheses.STUDY_SETUP_NAME)["evidence"]
    flips = [e for e in evidence if e.startswith("Flips alone")]
    assert flips[0].startswith("Flips alone at 5,000 images: 66.5%") and flips[0].endswith("(+4.5 points, 2 seeds).")
    assert flips[1].startswith("Flips alone at 50,000 images: 83.5%") and flips[1].endswith("(+2.5 points, 1 seed).")
    assert [c["variant"] for c in setup["cells"]].count(NO_AUGMENTATION) == 2  # judged against the same cells


def test_study008_an_ablation_names_only_what_it_takes_from_the_served_recipe():
    served = json.loads(json.dumps(asdict(preset_config("full", corrupt_probability=0.3, dropout=0.2))))
    recipe = recipe_key(recipe_of(served)[0])
    cells = [cell(train_images=5000, variant=variant, accuracy=summary(values), schedule="40 epochs", recipe=recipe)
             for variant, values in (("recipe", [0.8] * 3), ("no_regularization", [0.7] * 3))]
    data = _manifest(0.8, {"ablation": {"cells": cells}})
    data["models"]["cnn"]["config"] = served
    evidence = _verdict(data, "Regularization")["evidence"]
    assert evidence[0].endswith("80.0% with vs 70.0% without batch normalization or dropout (+10.0 points, 3 seeds).")
    assert not any("uses no" in line for line in evidence)
