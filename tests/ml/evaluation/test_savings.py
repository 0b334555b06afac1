"""What machine sorting saves on a catalogue (ml/evaluation/savings.py), in the report and on the Performance page."""


import pytest

from ml.artifacts.folder import load_manifest
from ml.errors import OptionError
from ml.evaluation.savings import calibrated_model, catalogue_savings, wilson
from tests.manifests import manifest, model, threshold, typed_model


def _entry(coverage=0.6725, accuracy=0.98825):
    return typed_model(accuracy=0.89, auto_sort={"thresholds": [threshold(coverage, accuracy)]})


def test_savings001_a_catalogue_splits_into_sorted_and_reviewed_with_the_test_splits_uncertainty():
    [row] = catalogue_savings(_entry(), 10_000, 200_000, 30.0)
    assert row["auto"] == pytest.approx(134_500) and row["review"] == pytest.approx(65_500)
    assert row["hours_saved"] == pytest.approx(134_500 * 30 / 3600)
    # 6,725 test photos sorted, 79 of them wrong: 1.17% of the sorted photos are expected wrong
    assert row["wrong"] == pytest.approx(134_500 * 79 / 6725)
    assert row["auto_range"][0] < row["auto"] < row["auto_range"][1]
    assert row["wrong_range"][0] < row["wrong"] < row["wrong_range"][1]
    smaller = catalogue_savings(_entry(), 1_000, 200_000, 30.0)[0]  # a smaller test split: wider ranges
    assert smaller["wrong_range"][1] - smaller["wrong_range"][0] > row["wrong_range"][1] - row["wrong_range"][0]
    low, high = wilson(0, 100)
    assert low == 0 and 0 < high < 0.05


def test_savings002_bad_catalogues_are_refused_and_uncalibrated_models_have_none():
    with pytest.raises(OptionError, match="at least one photo"):
        catalogue_savings(_entry(), 10_000, 0, 30.0)
    with pytest.raises(OptionError):
        catalogue_savings(_entry(), 10_000, 10, 0)
    assert catalogue_savings(typed_model(), 10_000, 10, 5.0) == []
    assert calibrated_model(manifest({"a": model(0.9)})) is None
    nobody_sorted = catalogue_savings(_entry(coverage=0.0, accuracy=None), 10_000, 100, 5.0)[0]
    assert nobody_sorted["auto"] == 0 and nobody_sorted["wrong"] == 0


def test_savings003_report_and_page_compute_from_the_committed_thresholds(tiny_artifacts, capsys, make_app,
                                                                         services_of, text_of):
    from callbacks.performance import savings_view
    from dash_app.views import Views
    from ml.cli import main

    _, out = tiny_artifacts
    found = load_manifest(out)
    chosen = calibrated_model(found)
    expected = catalogue_savings(found.models[chosen], found.dataset.splits.test.size, 100_000, 20.0)
    assert main(["report", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "a catalogue of 100,000 photos at 20 s a photo by hand" in printed
    assert f"| {expected[0]['target']:.1%} | {expected[0]['auto']:,.0f} (" in printed
    views = Views(services_of(make_app(out)).artifacts)
    shown, rows = views.savings(2_000, 45.0)
    assert shown == chosen and rows == catalogue_savings(found.models[chosen], found.dataset.splits.test.size,
                                                         2_000, 45.0)
    page = text_of(savings_view(shown, rows))
    assert f"{rows[-1]['target']:.1%}" in page and f"{rows[-1]['review']:,.0f}" in page
