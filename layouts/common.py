"""Shared building blocks: navbar, page frame, alerts, metric tiles."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

# Component ids, defined once: this layout, its callbacks, the tests and the benchmarks import them.
BUTTON_NAV_TOGGLE = "button-nav-toggle"
COLLAPSE_NAV_MENU = "collapse-nav-menu"
LOCATION_PAGE = "location-page"
CONTAINER_PAGE = "container-page"




def navbar(pages: list[tuple[str, str]]) -> dbc.Navbar:
    """The top navigation bar, one link per (path, label); collapses into a menu on a phone."""
    links = [dbc.NavItem(dbc.NavLink(label, href=path, active="exact", id=f"link-nav-{path.strip('/') or 'summary'}"))
             for path, label in pages]
    return dbc.Navbar(dbc.Container([
        dbc.NavbarBrand("Product photo classifier · CIFAR-10", href="/"),
        dbc.NavbarToggler(id=BUTTON_NAV_TOGGLE),
        dbc.Collapse(dbc.Nav(links, navbar=True, className="ms-auto"), id=COLLAPSE_NAV_MENU, navbar=True),
    ], fluid=True), color="dark", dark=True, sticky="top")


def shell(pages: list[tuple[str, str]]) -> html.Div:
    """The whole app: URL, navbar (a link per page) and the page area the router fills."""
    return html.Div([
        dcc.Location(id=LOCATION_PAGE),
        navbar(pages),
        dbc.Container(id=CONTAINER_PAGE, fluid=True, className="page"),
    ])


def prose(text: str) -> list:
    """A sentence from `ml` as a page shows it: what it marks as code between backticks (a command, a
    file) set as code, each word of it kept whole, so a phone wraps a command between its words and
    never inside one such as `--preset`; the sentence reads as the README renders it."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick is the sentence's own character
        return [text]
    return [part if i % 2 == 0 else _code(part) for i, part in enumerate(parts) if part]


def _code(command: str) -> html.Code:
    words = command.split(" ")
    spaced = [piece for word in words for piece in (" ", html.Span(word, className="text-nowrap"))][1:]
    return html.Code(spaced)


def error_alert(message: str, title: str = "Something is missing") -> dbc.Alert:
    """A visible, explanatory error in place of a page or a chart."""
    return dbc.Alert([html.H5(title, className="alert-heading"), html.P(prose(message), className="mb-0")],
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


def image_gallery(title: str, items: list[dict], note: str | None = None, pixelated: bool = True) -> html.Div:
    """A titled gallery: each item has src (or None), caption and tooltip; `pixelated` for the
    models' 32x32 images, which the browser must not blur when it enlarges them."""
    tiles = [_tile([
        html.Img(src=item["src"], className="pixelated" if pixelated else "photo", alt=item["caption"]) if item["src"] else
        html.Div("no image", className="border rounded text-muted small p-4"),
        html.Div(item["caption"]),
    ], item) for item in items]
    children = [html.H6(title)]
    if note:
        children.append(dbc.Alert(note, color="secondary", className="small py-2"))
    children.append(html.Div(tiles, className="d-flex flex-wrap"))
    return html.Div(children)


def _tile(children: list, item: dict):
    """A gallery tile: a button that opens the image large when the item has an `id`, else a plain box."""
    if item.get("id") is None:
        return html.Div(children, className="gallery-item me-2 mb-2", title=item["tooltip"])
    return html.Button(children, id=item["id"], title=item["tooltip"], n_clicks=0,
                       className="gallery-item gallery-button me-2 mb-2")
