"""The model registry (ml/models/registry.py): a model added through the registry alone is trained,
evaluated, exported, validated, served by the API and shown in the dashboard's comparison."""

import io

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from callbacks.navigation import page_for
from dash_app import AppConfig, create_app
from ml.artifacts.folder import load_manifest
from ml.cli import build_parser, main
from ml.models.registry import (
    MODELS,
    ModelSpec,
    display_name,
    model_keys,
    register,
    technical_name,
    unregister,
)

NAME = "Mean colour + logistic regression"


def mean_colour(images):
    """Each image's mean red, green and blue: a deliberately simple feature."""
    return np.asarray(images, np.float32).reshape(len(images), -1, 3).mean(axis=1)


def build_colour_logreg(n_jobs=1, progress=False, seed=0, n_samples=None):
    return Pipeline([("colour", FunctionTransformer(mean_colour)), ("scale", StandardScaler()),
                     ("classify", LogisticRegression(random_state=seed))])


@pytest.fixture
def colour_model():
    spec = register(ModelSpec("colour_logreg", NAME, "#10b981", "sklearn", "classical", build=build_colour_logreg))
    yield spec
    unregister(spec.key)


def test_registry001_a_registered_model_goes_through_every_stage(colour_model, tmp_path, text_of, synthetic_images, encode, write_image_folder):
    data = write_image_folder(tmp_path / "photos", n_train=20, n_test=4)
    out = tmp_path / "artifacts"
    assert "colour_logreg" in build_parser().parse_args(["train", "--models", "colour_logreg"]).models
    assert main(["train", "--data", str(data), "--out", str(out), "--models", "hog_logreg", "colour_logreg",
                 "--jobs", "1", "--quiet"]) == 0
    manifest = load_manifest(out)  # validated: files hashed, figures recomputed from the predictions
    entry = manifest.models["colour_logreg"]
    assert entry.name == NAME and entry.files.joblib == "models/colour_logreg/model.joblib"
    assert 0 <= entry.metrics.accuracy <= 1 and entry.inference.runtime == "scikit-learn"
    assert main(["validate", str(out)]) == 0

    app = create_app(AppConfig(artifacts_dir=out, data_path=data))
    client = app.server.test_client()
    assert "colour_logreg" in client.get("/api/health").get_json()["artifacts"]["models"]
    image = encode(synthetic_images(1, seed=5)[0][0])
    result = client.post("/api/predict", data={"file": [(io.BytesIO(image), "a.png")]},
                         content_type="multipart/form-data").get_json()["results"][0]
    probabilities = result["predictions"]["colour_logreg"]["probabilities"]
    assert set(probabilities) == {"cat", "dog", "ship"} and sum(probabilities.values()) == pytest.approx(1, abs=1e-3)
    with app.server.app_context():
        assert NAME in text_of(page_for("/performance", app.server.extensions["cifar"]))


def test_registry002_built_in_models_and_their_kinds():
    assert model_keys() == ("cnn", "basic_cnn", "hog_logreg", "hog_svm")
    assert model_keys("keras") == ("cnn", "basic_cnn")
    assert display_name("unknown") == "unknown" == technical_name("unknown")
    assert technical_name("hog_svm") == "HOG + SVM" and "HOG" not in display_name("hog_svm")  # plain for a client
    names = [display_name(k) for k in model_keys()]
    assert len(set(names)) == len(names) and all(technical_name(k) not in names for k in model_keys())
    assert {MODELS[k].family for k in model_keys("sklearn")} == {"classical"}


def test_registry003_a_spec_must_say_how_it_trains():
    with pytest.raises(ValueError, match="needs `build`"):
        ModelSpec("x", "X", "#000", "sklearn", "classical")
    with pytest.raises(ValueError, match="kind must be"):
        ModelSpec("x", "X", "#000", "torch", "cnn", train=lambda *a: None)


def test_registry020_roles_and_capabilities_name_the_models_the_code_asks_for():
    from ml.models.registry import (
        ModelSpec,
        embedding_model,
        reference_model,
        served_in,
        served_model,
        with_role,
    )

    assert len(with_role("served")) == 1 and len(with_role("reference")) == 1 and with_role("baseline")
    assert MODELS[served_model()].embeddings and MODELS[served_model()].tta and embedding_model() == served_model()
    assert MODELS[reference_model()].stops_early and not MODELS[reference_model()].tta
    assert all(MODELS[k].kind == "sklearn" for k in with_role("baseline"))
    baseline = with_role("baseline")[0]
    assert served_in(list(MODELS)) == served_model()
    assert served_in([baseline]) == baseline  # artifacts without the served model answer with what they hold
    assert served_in(list(MODELS), baseline) == baseline
    with pytest.raises(ValueError, match="no model 'nope'"):
        served_in(list(MODELS), "nope")
    with pytest.raises(ValueError, match="role must be one of"):
        ModelSpec("x", "X", "#000", "sklearn", "classical", build=lambda *a: None, role="hero")
    with pytest.raises(ValueError, match="only a keras model"):
        ModelSpec("x", "X", "#000", "sklearn", "classical", build=lambda *a: None, embeddings=True)
