"""The hypotheses page's callback (callbacks/hypotheses.py): the study's convergence curves per training-set size."""

import json
import shutil

from callbacks.hypotheses import page
from layouts.hypotheses import GRAPH_HYPOTHESES_STUDY_CURVES, RADIO_HYPOTHESES_CURVE_SIZE
from ml.artifacts.folder import load_manifest, with_sections, write_manifest
from ml.study.setup import MAIN_RULE, NO_AUGMENTATION, STUDY_SETUP
from tests.test_performance import _dash_update


def _curves_at(client, size):
    response = _dash_update(client, f"{GRAPH_HYPOTHESES_STUDY_CURVES}.figure",
                            [{"id": RADIO_HYPOTHESES_CURVE_SIZE, "property": "value", "value": size}])
    assert response.status_code == 200
    return response.get_json()["response"][GRAPH_HYPOTHESES_STUDY_CURVES]["figure"]


def test_hypotheses001_the_size_control_redraws_the_curves_of_that_size(tiny_artifacts, make_app, services_of, tmp_path):
    _, source = tiny_artifacts
    out = tmp_path / "artifacts"
    shutil.copytree(source, out)
    runs = [{"variant": NO_AUGMENTATION, "seed": 0, "rule": MAIN_RULE, "train_images": size,
             "curves": {"epoch": [1, 2, 3], "val_accuracy": [0.3, accuracy, 0.5]},
             "stopped": {"reason": "no_better_validation", "best_epoch": 2, "epochs_run": 3}}
            for size, accuracy in ((5000, 0.55), (50000, 0.75))]
    (out / "experiments").mkdir(exist_ok=True)
    (out / f"experiments/{STUDY_SETUP}.json").write_text(json.dumps({"runs": runs, "cells": []}))
    manifest = load_manifest(out)
    write_manifest(out, with_sections(manifest, experiments={STUDY_SETUP: {"file": f"experiments/{STUDY_SETUP}.json",
                                                                         "cells": []}},
                                      extra_files=[f"experiments/{STUDY_SETUP}.json"]))
    app = make_app(out)
    client = app.server.test_client()
    large = _curves_at(client, 50000)
    assert [trace["y"] for trace in large["data"] if trace["mode"] == "lines"] == [[0.3, 0.75, 0.5]]
    assert "50,000 images" in large["layout"]["title"]["text"]
    assert [t["y"] for t in _curves_at(client, 5000)["data"] if t["mode"] == "lines"] == [[0.3, 0.55, 0.5]]
    with app.server.app_context():  # the page offers both sizes and opens on the study's own
        control = _component(page(services_of(app)), RADIO_HYPOTHESES_CURVE_SIZE)
    assert [o["value"] for o in control.options] == [5000, 50000] and control.value == 5000


def _component(node, component_id):
    """The component with `component_id` in a layout tree, depth first."""
    if getattr(node, "id", None) == component_id:
        return node
    children = getattr(node, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, (str, int, float)):
            found = _component(child, component_id)
            if found is not None:
                return found
    return None


def test_hypotheses002_the_page_sets_commands_as_code_not_as_backticks(tiny_artifacts, make_app, services_of):
    from dash import html

    _, source = tiny_artifacts
    app = make_app(source)
    with app.server.app_context():
        tree = page(services_of(app))
    texts, codes = [], []

    def walk(node):
        if isinstance(node, str):
            texts.append(node)
            return
        if isinstance(node, html.Code):
            codes.append(node)
        children = getattr(node, "children", None)
        for child in children if isinstance(children, (list, tuple)) else [children]:
            if child is not None and not isinstance(child, (int, float)):
                walk(child)

    walk(tree)
    assert codes, "the tiny artifacts leave experiments to run: their verdicts name a command"
    assert not [text for text in texts if "`" in text]
