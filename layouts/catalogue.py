"""Catalogue page: what a catalogue run sorted by itself, and the photos a person has to review."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import card, error_alert, metric_tile
from layouts.formatting import pct
from layouts.widgets import select

# Component ids, defined once: this layout, its callbacks and the tests import them.
GRAPH_CATALOGUE_CLASSES = "graph-catalogue-classes"
SELECT_CATALOGUE_CLASS = "select-catalogue-class"
PAGINATION_CATALOGUE_REVIEW = "pagination-catalogue-review"
DIV_CATALOGUE_REVIEW = "div-catalogue-review"

PER_PAGE = 24


def catalogue_page(summary: dict, file_name: str) -> html.Div:
    """Headline counts, the per-class chart (filled by a callback) and the review queue's controls."""
    classes = list(summary["per_class"])
    tiles = dbc.Row([
        dbc.Col(metric_tile("Photos", f"{summary['photos']:,}", f"in {file_name}"), md=3, xs=6),
        dbc.Col(metric_tile("Sorted automatically", pct(summary["auto_share"]), f"{summary['auto']:,} photos"),
                md=3, xs=6),
        dbc.Col(metric_tile("For a person to review", f"{summary['review']:,}",
                            "the model was not confident enough"), md=3, xs=6),
        dbc.Col(metric_tile("Unreadable", f"{summary['errors']:,}", "not an image, damaged or missing"),
                md=3, xs=6),
    ], className="g-3 mb-4")
    review_controls = dbc.Row([
        dbc.Col(select(SELECT_CATALOGUE_CLASS, "Photos the model took for", classes, None,
                       placeholder="any class"), md=4),
    ], className="mb-2")
    return html.Div([
        html.H2("Catalogue"),
        html.P("The latest catalogue run: each photo was either sorted automatically, because the model's "
               "confidence cleared the threshold for the accuracy asked of it, or set aside for a person.",
               className="text-muted"),
        tiles,
        card("By category", dcc.Loading(dcc.Graph(id=GRAPH_CATALOGUE_CLASSES, config={"displayModeBar": False, "responsive": True}))),
        card("Review queue", review_controls,
             html.P("Unreadable photos first, then the least confident answers.", className="text-muted small"),
             dcc.Loading(html.Div(id=DIV_CATALOGUE_REVIEW)),
             dbc.Pagination(id=PAGINATION_CATALOGUE_REVIEW, max_value=1, active_page=1, fully_expanded=False,
                            previous_next=True, className="mt-2 flex-wrap")),
    ])


def catalogue_unavailable(message: str) -> html.Div:
    return html.Div([html.H2("Catalogue"), error_alert(message, "No catalogue to show")])
