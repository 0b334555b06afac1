"""Form controls every page builds from: native selects, check boxes and range inputs, each with its label.

Dash's own dropdowns and sliders draw ARIA of their own (a hidden focus target, handles without a
name) that no app can reach; the browser's native controls are named by their label, reached by the
keyboard and read by screen readers as they are.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def options_of(options) -> list[dict]:
    """Options as {"label", "value"} dicts (a plain string is both)."""
    return [o if isinstance(o, dict) else {"label": str(o), "value": o} for o in options]


def select(component_id: str, label: str, options, value, *, small: bool = False, placeholder: str | None = None):
    """A labelled native <select> for one value; `placeholder` adds a first choice of "" that means none
    (shown, too, while nothing is chosen)."""
    choices = options_of(options)
    if placeholder is not None:
        choices = [{"label": placeholder, "value": ""}, *choices]
    return [dbc.Label(label, html_for=component_id, className="small mb-1" if small else None),
            dbc.Select(id=component_id, options=choices, value="" if value is None and placeholder else value,
                       placeholder=placeholder, size="sm" if small else None)]


def checklist(component_id: str, label: str, options, value: list) -> html.Fieldset:
    """Check boxes for several values, grouped under their label (a fieldset's legend)."""
    return html.Fieldset([html.Legend(label, className="form-label fs-6 mb-1"),
                          dbc.Checklist(id=component_id, options=options_of(options), value=value, inline=True)],
                         className="mb-0")


def range_input(component_id: str, label: str, minimum: float, maximum: float, step: float, value: float,
                ends: tuple[str, str] = ("", "")) -> html.Div:
    """A labelled native range input, with words for its two ends."""
    return html.Div([dbc.Label(label, html_for=component_id, className="small mb-0"),
                     html.Div([html.Span(ends[0], className="small text-muted", **{"aria-hidden": "true"}),
                               dbc.Input(id=component_id, type="range", min=minimum, max=maximum, step=step,
                                         value=value, className="form-range mx-2"),
                               html.Span(ends[1], className="small text-muted", **{"aria-hidden": "true"})],
                              className="d-flex align-items-center")])


def modal(component_id: str, title: str, body, **options) -> dbc.Modal:
    """A dialog named by its title (aria-labelledby), as a screen reader announces it on opening."""
    title_id = component_id.replace("modal-", "title-", 1)
    return dbc.Modal([dbc.ModalHeader(dbc.ModalTitle(title, id=title_id)), dbc.ModalBody(body)], id=component_id,
                     labelledby=title_id, **options)
