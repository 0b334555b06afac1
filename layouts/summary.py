"""Summary page: the business problem, the approach and the headline results."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import card, metric_tile, prose
from layouts.formatting import minutes, ms, pct
from ml.artifacts.schema import ExperimentCell, Manifest
from ml.evaluation.auto_sort import auto_sort_answer
from ml.models.registry import display_name


def repeat_sentence(cell: ExperimentCell) -> str:
    """How the CNN recipe held up when trained again from scratch, in words: the mean and the range."""
    accuracy, n = cell.accuracy, cell.accuracy.n
    times = "once" if n == 1 else f"{n} times"
    spread = f" on average, from {pct(min(accuracy.values))} to {pct(max(accuracy.values))}" if n > 1 else ""
    schedule = cell.schedule or "its preset's schedule"
    return (f"The network's {cell.preset} recipe ({schedule}) on {cell.train_images:,} photos, trained from "
            f"scratch {times}{damaged_note(cell.overrides or {})}: {pct(accuracy.mean)} test accuracy"
            f"{spread}, {minutes(cell.mean_train_seconds)} each")


def repeat_sentences(cells: list[ExperimentCell]) -> list[str]:
    """`repeat_sentence` for every cell of runs on a fixed schedule: those on the earlier wall-time
    budgets ran as many epochs as their CPU allowed, so they say nothing a client can reproduce."""
    return [repeat_sentence(cell) for cell in cells if cell.fixed_schedule]


def damaged_note(config: dict) -> str:
    """Why a network trained to hold up under damaged photos scores lower on clean ones than its recipe's runs."""
    share = config.get("corrupt_probability") or 0
    return f", with {pct(share, 0)} of its training photos damaged so that it holds up under real ones" if share else ""


def created_text(created: str) -> str:
    """'30 November 2026, 22:11 UTC' from the manifest's ISO timestamp."""
    from datetime import datetime, timezone

    moment = datetime.fromisoformat(created).astimezone(timezone.utc)
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"


def summary_page(manifest: Manifest, served: str, target: float) -> html.Div:
    """Built from a validated manifest, the key of the model that answers (the served one) and the
    auto-sort target accuracy the service is configured for."""
    models = manifest.models
    top = models[served]
    dataset = manifest.dataset
    splits = dataset.splits
    tiles = dbc.Row([
        dbc.Col(metric_tile("Model that answers", display_name(served), "on the Classifier page and the API"),
                md=3, xs=12),
        dbc.Col(metric_tile("Test accuracy", pct(top.metrics.accuracy),
                            f"macro-F1 {pct(top.metrics.macro_f1)} on {splits.test.size:,} images"),
                md=3, xs=6),
        dbc.Col(metric_tile("One image", ms(top.inference.latency_ms_p50),
                            f"{top.inference.throughput_ips:,.0f} images/s batched"), md=3, xs=6),
        dbc.Col(metric_tile("Training time", minutes(top.train_seconds),
                            f"on {top.training.machine}" if top.training else "on a 2-core CPU"),
                md=3, xs=12),
    ], className="g-3 mb-4")
    others = [html.Li(f"{display_name(k)}: {pct(e.metrics.accuracy)} accuracy, "
                      f"{ms(e.inference.latency_ms_p50)} per image, trained in {minutes(e.train_seconds)}"
                      + damaged_note(e.config))
              for k, e in models.items()]
    others += [html.Li(prose(sentence)) for sentence in repeat_sentences(manifest.experiment_cells("cnn_seeds"))]
    return html.Div([
        html.H2("Can machine learning sort product photos?"),
        html.P(["Today every product photo is sorted into a category by hand. This study asks whether a "
                "model can do it, on CIFAR-10 as a stand-in: 60,000 small photos in 10 categories. ",
                html.Strong(dataset.description), "."], className="lead"),
        tiles,
        dbc.Alert([html.Strong("Without a person: "), auto_sort_answer(manifest, served, target), " ",
                   dcc.Link("See every model and target", href="/performance", className="alert-link")],
                  color="light", className="border mb-4", fade=False),
        dbc.Row([
            dbc.Col(card("Approach", html.Ol([
                html.Li("Analyse the data: class balance, colour and brightness, duplicates (Data page)."),
                html.Li("Train a convolutional network (Keras) with a modern recipe, the original "
                        "study's basic CNN as a reference, and two classical baselines on HOG "
                        "features: logistic regression and an SVM."),
                html.Li(f"Evaluate them all on the same {splits.test.size:,} held-out test "
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
                    "retrain on them (docs/development.md says how): CIFAR-10's 32×32 images are far smaller "
                    "than product photos."),
            html.Li("Choose the accuracy that photos sorted without a person must meet (Model performance "
                    "page): the service sorts the photos it is sure enough about and sends the rest to a "
                    "person."),
        ])),
        html.P(f"Artifacts last updated {created_text(manifest.created)}, from {dataset.source}: "
               f"{splits.train.size:,} training and {splits.test.size:,} test images.",
               className="text-muted small"),
    ])
