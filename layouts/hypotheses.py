"""Hypotheses and results page."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from layouts.common import card, prose

# Component ids, defined once: this layout, its callbacks, the tests and the benchmarks import them.
GRAPH_HYPOTHESES_ABLATION = "graph-hypotheses-ablation"
GRAPH_HYPOTHESES_CURVE = "graph-hypotheses-curve"
GRAPH_HYPOTHESES_STUDY = "graph-hypotheses-study"
GRAPH_HYPOTHESES_STUDY_CURVES = "graph-hypotheses-study-curves"
RADIO_HYPOTHESES_CURVE_SIZE = "radio-hypotheses-curve-size"


STATUS_BADGE = {"supported": ("supported", "success"), "refuted": ("refuted", "danger"),
                "open": ("open", "warning"), "depends": ("depends on the setup", "info")}


def _badge(status: str) -> dbc.Badge:
    label, colour = STATUS_BADGE[status]
    return dbc.Badge(label, color=colour, text_color="dark" if colour in ("warning", "info") else None)


def _setups(item: dict) -> list:
    """The verdict in each setup side by side, and why they differ."""
    columns = [dbc.Col(html.Div([
        html.Div([html.H6(side["setup"], className="d-inline me-2"), _badge(side["status"])]),
        html.P(side["title"], className="small text-muted mb-1"),
        html.Ul([html.Li(prose(e)) for e in side["evidence"]], className="small"),
        html.P(html.Strong(prose(side["verdict"])), className="mb-0"),
    ], className="border rounded p-2 h-100"), md=6, className="mb-2") for side in item["setups"]]
    why = [html.P([html.Strong("Why: "), *prose(item["why"])], className="mb-2")] if item["why"] else []
    return [dbc.Row(columns, className="mt-2"), *why]


def _verdict_card(item: dict) -> dbc.Card:
    details = _setups(item) if item.get("setups") else [html.Ul([html.Li(prose(e)) for e in item["evidence"]],
                                                                className="mt-2")]
    return dbc.Card(dbc.CardBody([
        html.Div([html.H5(item["title"], className="d-inline me-2"), _badge(item["status"])]),
        *details,
        html.P(html.Strong(prose(item["verdict"])), className="mb-0"),
    ]), className=f"mb-3 shadow-sm verdict-{item['status']}")


def _curve_sizes(sizes: list[int], size: int) -> html.Div:
    """Which training-set size's runs the convergence curves show (its callback redraws them)."""
    return html.Div([dbc.Label("Training images", html_for=RADIO_HYPOTHESES_CURVE_SIZE, className="me-2 small"),
                     dbc.RadioItems(id=RADIO_HYPOTHESES_CURVE_SIZE, inline=True, value=size,
                                    options=[{"label": f"{s:,}", "value": s} for s in sizes or [size]])],
                    className="d-flex flex-wrap align-items-center")


def hypotheses_page(items: list[dict], trust: list[dict], limits: list[str], study_setup: go.Figure,
                    study_curves: go.Figure, curve_sizes: list[int], curve_size: int, ablation: go.Figure,
                    learning_curve: go.Figure, auto_sort: str) -> html.Div:
    """`items` from ml.study.hypotheses.hypotheses; `trust` from ml.study.trust.trust_verdicts; `limits` from
    ml.study.hypotheses.model_limits; the figures from dash_app.figures.hypotheses: study_setup_figure,
    study_curves_figure (at `curve_size`, one of `curve_sizes`, study_curve_sizes), ablation_figure and
    learning_curve_figure; `auto_sort` the sentence of ml.evaluation.auto_sort.auto_sort_answer for the best model."""
    return html.Div([
        html.H2("Hypotheses and results"),
        html.P("Each verdict is computed from the committed artifacts, not written by hand.",
               className="text-muted"),
        *[_verdict_card(item) for item in items],
        html.H3("Can an answer be trusted?", className="h4 mt-4"),
        html.P("The client's targets for the served neural network: confidence that means what it says, "
               "photos that sort themselves, and answers that hold up on photos unlike the training ones.",
               className="text-muted"),
        dbc.Alert([html.Strong("Can photos be sorted without a person? "), *prose(auto_sort)], color="light",
                  className="border mb-3"),
        *[_verdict_card(item) for item in trust],
        card("The experiments behind the verdicts",
             html.P("Each bar is the mean of networks trained from scratch with different seeds, scored on "
                    "the full test split; the whiskers are 95% intervals. First the study's own setup, then "
                    "this project's recipe.", className="text-muted"),
             dcc.Graph(id=GRAPH_HYPOTHESES_STUDY, figure=study_setup, config={"displaylogo": False}),
             html.P("Whether each arm had finished learning: every run's accuracy on its validation photos, "
                    "epoch by epoch, until its stopping rule ended it; a run keeps the weights of its best "
                    "epoch (the dot), and a curve that flattens well before its end had converged.",
                    className="text-muted small"),
             _curve_sizes(curve_sizes, curve_size),
             dcc.Graph(id=GRAPH_HYPOTHESES_STUDY_CURVES, figure=study_curves, config={"displaylogo": False}),
             dcc.Graph(id=GRAPH_HYPOTHESES_ABLATION, figure=ablation, config={"displaylogo": False}),
             dcc.Graph(id=GRAPH_HYPOTHESES_CURVE, figure=learning_curve, config={"displaylogo": False})),
        card("Limits of the model", html.Ul([html.Li(prose(x)) for x in limits])),
        card("Next steps", html.Ul([
            html.Li("Label a sample of the client's own photos and measure on them before any rollout."),
            html.Li("Let the service sort the photos it is sure enough about and send the rest to a person; "
                    "track their corrections."),
            html.Li("Retrain on the client's own categories and photos with the same pipeline (docs/development.md says how)."),
        ])),
    ])
