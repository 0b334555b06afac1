"""A photo and what the models say of it, as the Classifier, Explore and Performance pages show it:
every model's answer, what the audits say, and the training photos most like it."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import image_gallery
from layouts.formatting import pct
from ml.models.registry import display_name, technical_name

NEIGHBOURS_SHOWN = 6


def details_view(picture, heading: str, true_name: str, answers: list[dict], notes: list[str], neighbours,
                 probabilities=None) -> html.Div:
    """A photo large: every model's answer (answers: model, answer, wrong, confidence, true_probability)
    and, when given, the figure of every model's probabilities; what the audits say of it; its most
    similar training photos."""
    rows = [html.Tr([html.Td(display_name(a["model"]), title=technical_name(a["model"])),
                     html.Td(a["answer"] + (" (wrong)" if a["wrong"] else "")), html.Td(pct(a["confidence"])),
                     html.Td(pct(a["true_probability"]))]) for a in answers]
    return html.Div([
        picture,
        html.P(heading, className="mt-2"),
        *[html.P(note, className="small") for note in notes],
        dbc.Table([html.Thead(html.Tr([html.Th("model"), html.Th("answer"), html.Th("sure of it"),
                                       html.Th(f"gives {true_name}")])),
                   html.Tbody(rows)], size="sm", responsive=True) if rows else
        html.P("No model has answered for this photo.", className="text-muted small"),
        dcc.Graph(figure=probabilities, config={"displayModeBar": False}) if probabilities is not None else None,
        neighbours,
    ])


def neighbours_gallery(neighbours: list[dict], sources: list[str | None], note: str | None = None) -> html.Div:
    """The training photos the CNN finds most like an upload: 'why' by example."""
    items = [{"src": src, "caption": f"{row['label']} · {pct(row['similarity'])}",
              "tooltip": f"{row['file']}: similarity {pct(row['similarity'])} (cosine of the CNN's features)"}
             for row, src in zip(neighbours, sources)]
    labels = [row["label"] for row in neighbours]
    most = max(set(labels), key=labels.count)
    summary = f"{labels.count(most)} of the {len(labels)} most similar training photos are labelled {most}."
    return html.Div([image_gallery("Most like it among the training photos", items, note), html.P(
        summary + " The answer leans on photos like these: if they look unlike the upload, trust it less.",
        className="small text-muted mb-0")])
