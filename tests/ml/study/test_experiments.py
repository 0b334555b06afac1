"""ml/study/experiments.py's summaries, on runs made here (the plans themselves train in tests/ml/test_train.py)."""

from ml.study.experiments import summarise_curve, summarise_seeds


def _seed_run(seed: int, accuracy: float) -> dict:
    return {"preset": "full", "recipe": "", "seed": seed, "train_images": 100, "test_accuracy": accuracy,
            "macro_f1": accuracy, "train_seconds": 60.0 * (seed + 1), "stopped": {"epochs_planned": 40},
            "test_probabilities": f"seed-{seed}"}


def test_experiments001_a_seed_trained_again_keeps_its_place_in_the_summary():
    # seed 1 trained again is stored last; its cell still reads the runs in seed order
    [cell] = summarise_seeds([_seed_run(0, 0.90), _seed_run(2, 0.92), _seed_run(1, 0.91)])
    assert cell["accuracy"]["values"] == [0.90, 0.91, 0.92]
    assert cell["train_seconds"]["values"] == [60.0, 120.0, 180.0]
    assert cell["test_probabilities"] == ["seed-0", "seed-1", "seed-2"] and cell["schedule"] == "40 epochs"


def _curve_run(model: str, size: int, **fields) -> dict:
    return {"model": model, "train_images": size, "seed": 0, "test_accuracy": 0.8, "macro_f1": 0.8,
            "train_seconds": 60.0, "epochs_run": None, **fields}


def test_experiments002_a_learning_curve_cell_names_its_networks_schedule_and_the_cpu_of_its_times():
    stopped = {"reason": "schedule_finished", "epochs_planned": 40, "epochs_run": 40, "machine": "AMD EPYC"}
    network, older, baseline = summarise_curve([_curve_run("cnn", 5000, epochs_run=40, stopped=stopped),
                                                _curve_run("cnn", 50000, epochs_run=20),
                                                _curve_run("hog_svm", 5000)])
    assert network["schedule"] == "40 epochs" and network["machines"] == ["AMD EPYC"]
    # a record from before stop reasons: a plan's network always trained the epochs it ran, on an unnamed CPU
    assert older["schedule"] == "20 epochs" and older["machines"] == ["not recorded"]
    assert "schedule" not in baseline and baseline["machines"] == ["not recorded"]
