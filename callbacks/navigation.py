"""URL routing (from the page registry, callbacks.pages) and the navbar toggle."""

from __future__ import annotations

from dash import Input, Output, State, ctx

from callbacks.pages import PAGES
from layouts.common import (
    BUTTON_NAV_TOGGLE,
    COLLAPSE_NAV_MENU,
    CONTAINER_PAGE,
    LOCATION_PAGE,
    error_alert,
    not_found,
)
from ml.artifacts.folder import ArtifactError


def page_for(pathname: str | None, services):
    """The page for a URL; a readable alert (never a crash) when the artifacts are unusable."""
    path = (pathname or "/").rstrip("/") or "/"
    page = next((p for p in PAGES if p.path == path), None)
    if page is None:
        return not_found(path)
    try:
        return page.render(services)
    except ArtifactError as exc:
        return error_alert(f"{exc}. The dashboard shows the results of `python -m ml train`; "
                           "restore the committed artifacts folder or retrain.",
                           "The model artifacts cannot be read")


def register(app) -> None:
    services = app.server.extensions["cifar"]

    @app.callback(Output(CONTAINER_PAGE, "children"), Input(LOCATION_PAGE, "pathname"))
    def render_page(pathname):
        return page_for(pathname, services)

    @app.callback(Output(COLLAPSE_NAV_MENU, "is_open"), Input(BUTTON_NAV_TOGGLE, "n_clicks"),
                  Input(LOCATION_PAGE, "pathname"), State(COLLAPSE_NAV_MENU, "is_open"), prevent_initial_call=True)
    def toggle_navbar(_, __, is_open):
        """The phone menu opens and closes on its button, and closes once a page is chosen."""
        return not is_open if ctx.triggered_id == BUTTON_NAV_TOGGLE else False
