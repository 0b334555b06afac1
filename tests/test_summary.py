"""The Summary page's wording (layouts/summary.py): plain sentences from the artifacts' figures."""

from layouts.summary import created_text, damaged_note, repeat_sentence, repeat_sentences
from ml.artifacts.schema import ExperimentCell
from tests.manifests import cell, summary


def _cell(values, **fields):
    return ExperimentCell.model_validate(cell(**{"preset": "full", "schedule": "40 epochs", "train_images": 50000,
                                                 "accuracy": summary(values), "train_seconds": summary([1643.0]),
                                                 **fields}))


def test_summary001_repeated_trainings_read_as_a_mean_and_a_range():
    assert repeat_sentence(_cell([0.9127, 0.9124, 0.9119])) == (
        "The network's full recipe (40 epochs) on 50,000 photos, trained from scratch 3 times: 91.2% test accuracy on average, "
        "from 91.2% to 91.3%, 27.4 min each")
    assert repeat_sentence(_cell([0.9])) == (
        "The network's full recipe (40 epochs) on 50,000 photos, trained from scratch once: 90.0% test accuracy, 27.4 min each")
    damaged = _cell([0.88], overrides={"corrupt_probability": 0.5})
    assert repeat_sentence(damaged) == (
        "The network's full recipe (40 epochs) on 50,000 photos, trained from scratch once, with 50% of its training photos "
        "damaged so that it holds up under real ones: 88.0% test accuracy, 27.4 min each")


def test_summary002_the_creation_time_reads_as_a_date():
    assert created_text("2026-11-30T22:11:54+00:00") == "30 November 2026, 22:11 UTC"
    assert created_text("2026-03-05T01:02:03+02:00") == "4 March 2026, 23:02 UTC"


def test_summary003_a_network_trained_on_damaged_photos_says_so():
    assert damaged_note({"corrupt_probability": 0.5}) == (
        ", with 50% of its training photos damaged so that it holds up under real ones")
    assert damaged_note({"corrupt_probability": 0.0}) == damaged_note({}) == ""


def test_summary004_runs_on_the_earlier_wall_time_budget_are_not_listed():
    fixed, budget = _cell([0.91]), _cell([0.89], schedule="wall-time budget")
    assert fixed.fixed_schedule and not budget.fixed_schedule
    assert repeat_sentences([budget, fixed]) == [repeat_sentence(fixed)]
