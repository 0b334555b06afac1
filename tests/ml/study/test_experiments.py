"""ml/study/experiments.py's summaries, on runs made here (the plans themselves train in tests/ml/test_train.py)."""

from ml.study.experiments import summarise_seeds


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
