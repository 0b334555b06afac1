"""Hypotheses and results page."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from layouts.common import card

STATUS_BADGE = {"supported": ("supported", "success"), "refuted": ("refuted", "danger"),
                "open": ("open", "warning")}


def hypotheses_page(items: list[dict], limits: list[str]) -> html.Div:
    """`items` from dash_app.evidence.hypotheses; `limits` from evidence.model_limits."""
    cards = []
    for item in items:
        label, colour = STATUS_BADGE[item["status"]]
        cards.append(dbc.Card(dbc.CardBody([
            html.Div([html.H5(item["title"], className="d-inline me-2"), dbc.Badge(label, color=colour)]),
            html.Ul([html.Li(e) for e in item["evidence"]], className="mt-2"),
            html.P(html.Strong(item["verdict"]), className="mb-0"),
        ]), className=f"mb-3 shadow-sm verdict-{item['status']}"))
    return html.Div([
        html.H2("Hypotheses and results"),
        html.P("Each verdict is computed from the committed artifacts, not written by hand.",
               className="text-muted"),
        *cards,
        card("Limits of the model", html.Ul([html.Li(x) for x in limits])),
        card("Next steps", html.Ul([
            html.Li("Label a sample of the client's own photos and measure on them before any rollout."),
            html.Li("Keep a person in the loop for uncertain predictions; track their corrections."),
            html.Li("Retrain on the client's categories with the same pipeline (`python -m ml train`)."),
        ])),
    ])
