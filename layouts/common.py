"""Shared building blocks: navbar, page frame, alerts, metric tiles."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

PAGES = (
    ("/", "Summary"),
    ("/data", "Data"),
    ("/performance", "Model performance"),
    ("/classify", "Classifier"),
    ("/hypotheses", "Hypotheses & results"),
)


def navbar() -> dbc.Navbar:
    """The top navigation bar; collapses into a menu on a phone."""
    links = [dbc.NavItem(dbc.NavLink(label, href=path, active="exact", id=f"link-nav-{path.strip('/') or 'summary'}"))
             for path, label in PAGES]
    return dbc.Navbar(dbc.Container([
        dbc.NavbarBrand("Product photo classifier · CIFAR-10", href="/"),
        dbc.NavbarToggler(id="button-nav-toggle"),
        dbc.Collapse(dbc.Nav(links, navbar=True, className="ms-auto"), id="collapse-nav", navbar=True),
    ], fluid=True), color="dark", dark=True, sticky="top")


def shell() -> html.Div:
    """The whole app: URL, navbar and the page area the router fills."""
    return html.Div([
        dcc.Location(id="location-page"),
        navbar(),
        dbc.Container(id="container-page", fluid=True, className="page"),
    ])


def error_alert(message: str, title: str = "Something is missing") -> dbc.Alert:
    """A visible, explanatory error in place of a page or a chart."""
    return dbc.Alert([html.H5(title, className="alert-heading"), html.P(message, className="mb-0")],
                     color="warning", className="my-3")


def metric_tile(label: str, value: str, note: str = "") -> dbc.Card:
    """A headline number with its label."""
    return dbc.Card(dbc.CardBody([
        html.Div(label, className="metric-label"),
        html.Div(value, className="metric-value"),
        html.Small(note, className="text-muted"),
    ]), className="h-100 shadow-sm")


def card(title: str, *children, **kwargs) -> dbc.Card:
    """A titled card section."""
    return dbc.Card([dbc.CardHeader(html.H5(title, className="mb-0")), dbc.CardBody(list(children))],
                    className="mb-4 shadow-sm", **kwargs)


def not_found(pathname: str) -> html.Div:
    return error_alert(f"There is no page at {pathname}. Use the navigation bar above.", "Page not found")
