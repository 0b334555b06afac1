"""The classical baselines: scikit-learn Pipelines on HOG features.

- HOG + logistic regression: standardised HOG, multinomial logistic regression. C = 0.01
  (strong L2) measured best of {0.01, 0.1} on the full split: 1,764 correlated features
  over-fit with weak regularisation, and lbfgs converges in about half the time.
- HOG + SVM: an RBF-kernel SVM. An exact kernel SVC on 50,000 images costs hours and
  its model holds tens of thousands of support vectors, so the RBF kernel is
  approximated with Nystroem features (2,000 landmarks; gamma set for the median
  squared distance between HOG vectors, about 47) and a linear SVM is fitted on them.
  Probabilities come from sigmoid (Platt) calibration with 3-fold cross-validation,
  and the final SVM is refitted on all training images (ensemble=False).
"""

from __future__ import annotations

from sklearn.calibration import CalibratedClassifierCV
from sklearn.kernel_approximation import Nystroem
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from ml.features import HOGTransformer

LOGREG_C = 0.01
SVM_C = 1.0
SVM_GAMMA = 0.02
SVM_LANDMARKS = 2000


def hog_logreg(n_jobs: int = 2, progress: bool = False, seed: int = 0) -> Pipeline:
    """HOG -> standardise -> multinomial logistic regression."""
    return Pipeline([
        ("hog", HOGTransformer(n_jobs=n_jobs, progress=progress)),
        ("scale", StandardScaler()),
        ("classify", LogisticRegression(C=LOGREG_C, max_iter=500, random_state=seed)),
    ])


def hog_svm(n_jobs: int = 2, progress: bool = False, seed: int = 0) -> Pipeline:
    """HOG -> Nystroem RBF features -> linear SVM with Platt-calibrated probabilities."""
    return Pipeline([
        ("hog", HOGTransformer(n_jobs=n_jobs, progress=progress)),
        ("kernel", Nystroem(kernel="rbf", gamma=SVM_GAMMA, n_components=SVM_LANDMARKS,
                            random_state=seed)),
        ("classify", CalibratedClassifierCV(LinearSVC(C=SVM_C, random_state=seed), method="sigmoid",
                                            cv=3, ensemble=False, n_jobs=1)),
    ])


BUILDERS = {"hog_logreg": hog_logreg, "hog_svm": hog_svm}


def describe(pipeline: Pipeline) -> dict:
    """The steps of a pipeline and their scalar parameters, JSON-ready."""
    steps = {}
    for name, step in pipeline.steps:
        params = {k: v for k, v in step.get_params(deep=False).items()
                  if isinstance(v, (int, float, str, bool, tuple)) or v is None}
        steps[name] = {"class": type(step).__name__, **params}
    return {"steps": steps}
