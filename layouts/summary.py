"""Summary page: the business problem, the approach and the headline results."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import card, metric_tile
from layouts.formatting import minutes, ms, pct
from ml.auto_sort import auto_sort_answer
from ml.registry import display_name


def summary_page(manifest: dict, best: str, target: float) -> html.Div:
    """Built from a validated manifest, the key of its most accurate model and the auto-sort target
    accuracy the service is configured for."""
    models = manifest["models"]
    top = models[best]
    dataset = manifest["dataset"]
    splits = dataset["splits"]
    tiles = dbc.Row([
        dbc.Col(metric_tile("Best model", display_name(best), "highest test accuracy"), md=3, xs=12),
        dbc.Col(metric_tile("Test accuracy", pct(top["metrics"]["accuracy"]),
                            f"macro-F1 {pct(top['metrics']['macro_f1'])} on {splits['test']['size']:,} images"),
                md=3, xs=6),
        dbc.Col(metric_tile("One image", ms(top["inference"]["latency_ms_p50"]),
                            f"{top['inference']['throughput_ips']:,.0f} images/s batched"), md=3, xs=6),
        dbc.Col(metric_tile("Training time", minutes(top["train_seconds"]), "on a 2-core CPU"), md=3, xs=12),
    ], className="g-3 mb-4")
    others = [html.Li(f"{display_name(k)}: {pct(e['metrics']['accuracy'])} accuracy, "
                      f"{ms(e['inference']['latency_ms_p50'])} per image, trained in {minutes(e['train_seconds'])}")
              for k, e in models.items()]
    for cell in manifest.get("experiments", {}).get("cnn_seeds", {}).get("cells", []):
        accuracy = cell["accuracy"]
        spread = f" ± {pct(accuracy['std'])}" if accuracy["std"] is not None else ""
        others.append(html.Li(f"CNN recipe, {cell['preset']} preset, trained from scratch {accuracy['n']} time(s): "
                              f"{pct(accuracy['mean'])}{spread} test accuracy, "
                              f"{minutes(cell['train_seconds']['mean'])} on average"))
    return html.Div([
        html.H2("Can machine learning sort product photos?"),
        html.P(["Today every product photo is sorted into a category by hand. This study asks whether a "
                "model can do it, on CIFAR-10 as a stand-in: 60,000 small photos in 10 categories. ",
                html.Strong(dataset["description"]), "."], className="lead"),
        tiles,
        dbc.Alert([html.Strong("Without a person: "), auto_sort_answer(manifest, best, target), " ",
                   dcc.Link("See every model and target", href="/performance")],
                  color="light", className="border mb-4"),
        dbc.Row([
            dbc.Col(card("Approach", html.Ol([
                html.Li("Analyse the data: class balance, colour and brightness, duplicates (Data page)."),
                html.Li("Train a convolutional network (Keras) with a modern recipe, the original "
                        "study's basic CNN as a reference, and two classical baselines on HOG "
                        "features: logistic regression and an SVM."),
                html.Li(f"Evaluate them all on the same {splits['test']['size']:,} held-out test "
                        "images; the test split is used for nothing else (choices were made on a "
                        "validation split carved from training)."),
                html.Li("Serve the network from ONNX (no TensorFlow in production) and measure speed."),
            ])), md=6),
            dbc.Col(card("All models", html.Ul(others),
                         html.P("Details, confusion matrices and per-class scores on the "
                                "Model performance page.", className="text-muted mb-0")), md=6),
        ]),
        card("What to do next", html.Ul([
            html.Li("Try the Classifier page with your own product photos: it shows each model's "
                    "answer, whether it would sort the photo itself or send it to a person, and which "
                    "regions drove the decision."),
            html.Li("Collect a few hundred labelled photos per category of your own catalogue and "
                    "retrain with `python -m ml train --data your_photos.zip`: CIFAR-10's 32×32 "
                    "images are far smaller than product photos."),
            html.Li("Route low-confidence predictions to a person instead of trusting them."),
        ])),
        html.P(f"Artifacts created {manifest['created']}; dataset {dataset['source']}, "
               f"train {splits['train']['size']:,} / test {splits['test']['size']:,} images.",
               className="text-muted small"),
    ])
