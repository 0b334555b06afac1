"""A photo of the dataset opened large, for Explore and Performance: every model's answer, what the
audits say of it, and the training photos the served CNN finds most alike (also for uploads)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import numpy as np
from dash import html

from dash_app.figures.predictions import probability_figure
from dash_app.gallery import GalleryUnavailable, dataset_images
from dash_app.images import png_data_uri
from dash_app.samples import NETWORK, SPLITS, UNKNOWN
from dash_app.store import Artifacts
from layouts.photo import NEIGHBOURS_SHOWN, details_view, neighbours_gallery
from ml.artifacts.folder import ArtifactError


def dataset_photos(services, split: str):
    """The photos of a split of the dataset the artifacts were built from (GalleryUnavailable when absent)."""
    config = services.config
    return dataset_images(config.data_path, services.artifacts.manifest(), config.cache_dir, split=split)


def nearest_training_images(artifacts: Artifacts, images: np.ndarray, k: int, names: list[str]) -> list[list[dict]]:
    """Per image: the k training images the served CNN finds most alike, as {file, label, similarity};
    ArtifactError when the artifacts hold no index."""
    found = artifacts.neighbours()
    if found is None:
        raise ArtifactError("these artifacts index no training images; run `python -m ml neighbours`")
    embedder, index = found
    rows = index.query(embedder.embed(images), k)
    return [[{**row, "label": names[row["label"]]} for row in image_rows] for image_rows in rows]


def sample_details(services, row: int) -> html.Div:
    """One photo large with every model's answer, what the audits say of it and its nearest training photos."""
    table, names = services.artifacts.samples(), services.artifacts.class_names()
    split, position, true = SPLITS[table["split"][row]], int(table["position"][row]), int(table["true"][row])
    try:
        image = dataset_photos(services, split)[position]
        picture = html.Img(src=png_data_uri(image), className="pixelated enlarged",
                           alt=f"{split} photo {position}, a {names[true]}")
    except GalleryUnavailable as exc:
        image, picture = None, dbc.Alert(str(exc), color="secondary", className="small")
    answers, probabilities = [], None
    if split == "test":
        predictions = services.artifacts.predictions()
        probabilities = probability_figure(
            {model: {"probabilities": dict(zip(names, predictions[f"proba_{model}"][position].tolist()))}
             for model in services.artifacts.model_keys()}, names)
        for model in services.artifacts.model_keys():
            proba = predictions[f"proba_{model}"][position]
            answer = int(predictions[f"pred_{model}"][position])
            answers.append({"model": model, "answer": names[answer], "wrong": answer != true,
                            "confidence": float(proba[answer]), "true_probability": float(proba[true])})
    elif table[f"pred_{NETWORK}"][row] != UNKNOWN:
        answer = int(table[f"pred_{NETWORK}"][row])
        answers.append({"model": NETWORK, "answer": names[answer] + " (out of fold)", "wrong": answer != true,
                        "confidence": float(table[f"conf_{NETWORK}"][row]), "true_probability": float(table[f"true_{NETWORK}"][row])})
    notes = []
    if table["label_issue"][row]:
        notes.append(f"Suspect label: the network is confident it is a {names[int(table['suggested'][row])]}.")
    if table["near_duplicate"][row]:
        notes.append("It has a near-twin in the dataset (see the Data page's near-duplicates).")
    heading = f"{'Test' if split == 'test' else 'Training'} photo #{position}; its label: {names[true]}."
    return details_view(picture, heading, names[true], answers, notes, _neighbours(services, image, split, position),
                        probabilities)


def _neighbours(services, image, split: str, position: int):
    if image is None or services.artifacts.neighbours() is None:
        return None
    try:
        rows = nearest_training_images(services.artifacts, image[None], NEIGHBOURS_SHOWN + 1,
                                       services.artifacts.class_names())[0]
    except ArtifactError:
        return None
    rows = [r for r in rows if not (split == "train" and r["position"] == position)][:NEIGHBOURS_SHOWN]
    train = dataset_photos(services, "train")
    return neighbours_gallery(rows, [png_data_uri(train[r["position"]]) for r in rows])
