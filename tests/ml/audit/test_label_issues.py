"""ml/audit/label_issues.py: confident learning finds labels flipped on purpose, and leaves right labels alone."""

import numpy as np

from ml.audit.label_issues import class_thresholds, confident_classes, find_label_issues, ranked_candidates


def test_label_issues001_thresholds_and_confident_classes_by_hand():
    probabilities = np.array([[0.8, 0.2], [0.6, 0.4], [0.3, 0.7], [0.45, 0.55]])
    labels = np.array([0, 0, 1, 1])
    thresholds = class_thresholds(probabilities, labels)
    assert np.allclose(thresholds, [0.7, 0.625])
    assert list(confident_classes(probabilities, thresholds)) == [0, -1, 1, -1]  # two images sure of nothing


def test_label_issues002_flipped_labels_are_found_first_and_right_ones_left_alone():
    rng = np.random.default_rng(0)
    n, k = 2000, 5
    truth = rng.integers(0, k, n)
    logits = rng.normal(0, 1, (n, k))
    logits[np.arange(n), truth] += 3  # a good model of the truth, out of sample
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    given = truth.copy()
    flipped = rng.choice(n, 100, replace=False)
    given[flipped] = (truth[flipped] + rng.integers(1, k, 100)) % k

    indices, suggested, scores = find_label_issues(probabilities, given)
    found = set(indices.tolist())
    assert len(found & set(flipped.tolist())) >= 55  # confident learning is cautious: most, not all
    assert len(found - set(flipped.tolist())) <= 0.1 * len(found)  # and what it finds is nearly all real
    top = indices[:50]
    assert np.isin(top, flipped).mean() >= 0.95  # the most suspicious are the planted ones
    planted = np.isin(indices, flipped)
    assert (suggested[planted] == truth[indices[planted]]).mean() >= 0.95  # and the true class is suggested
    assert list(scores) == sorted(scores, reverse=True)
    assert len(find_label_issues(probabilities, truth)[0]) <= 5  # with every label right, next to nothing


def test_label_issues003_candidates_are_the_flagged_then_the_next_by_margin():
    rng = np.random.default_rng(1)
    probabilities = rng.dirichlet(np.ones(4) * 0.3, 300)
    labels = rng.integers(0, 4, 300)
    flagged, _, _ = find_label_issues(probabilities, labels)
    ranked = ranked_candidates(probabilities, labels, at_least=len(flagged) + 40)
    n = ranked["flagged"]
    assert n == len(flagged) and list(ranked["indices"][:n]) == list(flagged)
    assert len(ranked["indices"]) == n + 40 == len(set(ranked["indices"].tolist()))
    filled = ranked["indices"][n:]
    assert all(ranked["suggested"][n:] != labels[filled])
    margins = probabilities[filled, ranked["suggested"][n:]] - probabilities[filled, labels[filled]]
    assert np.allclose(margins, ranked["scores"][n:]) and list(margins) == sorted(margins, reverse=True)
    others = np.delete(np.arange(300), ranked["indices"])
    best_left = max(np.delete(probabilities[i], labels[i]).max() - probabilities[i, labels[i]] for i in others)
    assert best_left <= margins.min()  # nothing left out was more suspicious than what was filled in
    assert len(ranked_candidates(probabilities, labels, at_least=1)["indices"]) == n  # never cut the flagged


def test_label_issues004_the_verdict_states_each_splits_disputed_share():
    from ml.artifacts.schema import LabelIssues
    from ml.audit.label_issues import issues_verdict

    def split(flagged, images):
        return {"source": "a network", "images": images, "flagged": flagged, "rows": flagged, "top_pairs": []}
    found = {"file": "dataset/label_issues.csv", "splits": {"test": split(273, 10000), "train": split(1500, 50000)}}
    text = issues_verdict(LabelIssues.model_validate(found))
    assert "273 of the 10,000 test labels (2.7%)" in text and "1,500 of the 50,000 training labels (3.0%)" in text
    assert "not errors" in text
