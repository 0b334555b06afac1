"""A Dash app driven over HTTP as its browser renderer drives it, to time every control of every page.

`DashClient` keeps each rendered component's properties, fires the callbacks that a change triggers
(and then those that their outputs trigger, until the page settles), and times each user action
from the first request to the last answer. It reads the callbacks from the app's own
`/_dash-dependencies`, so a control added to a page is exercised without editing this file.

Callbacks of one wave are sent one after another, not in parallel as a browser sends them: the
times are an upper bound of what a user waits on one worker, less the browser's drawing.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np

WILDCARDS = (["ALL"], ["MATCH"], ["ALLSMALLER"])


def id_key(component_id) -> str:
    """The string Dash uses for an id: dict ids as compact JSON with sorted keys."""
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return component_id


def _parse_id(text: str):
    return json.loads(text) if text.startswith("{") else text


def _matches(pattern, component_id) -> bool:
    if not isinstance(pattern, dict):
        return pattern == component_id
    if not isinstance(component_id, dict) or pattern.keys() != component_id.keys():
        return False
    return all(value in WILDCARDS or value == component_id[key] for key, value in pattern.items())


def _wildcard(pattern) -> str | None:
    if isinstance(pattern, dict):
        for value in pattern.values():
            if value in WILDCARDS:
                return value[0]
    return None


@dataclass
class Callback:
    """One entry of `/_dash-dependencies`, its ids parsed."""

    output: str
    outputs: list[tuple[object, str]]
    inputs: list[tuple[object, str]]
    state: list[tuple[object, str]]
    prevent_initial_call: bool
    multi: bool

    @classmethod
    def from_dependency(cls, dependency: dict) -> "Callback":
        text = dependency["output"]
        multi = text.startswith("..")
        parts = text[2:-2].split("...") if multi else [text]
        outputs = [(_parse_id(part.rsplit(".", 1)[0]), part.rsplit(".", 1)[1]) for part in parts]
        pairs = lambda items: [(_parse_id(item["id"]), item["property"]) for item in items]  # noqa: E731
        return cls(text, outputs, pairs(dependency["inputs"]), pairs(dependency["state"]),
                   bool(dependency.get("prevent_initial_call")), multi)


@dataclass
class Component:
    id: object
    type: str
    props: dict
    parent: str | None  # key of the component whose children brought it


@dataclass
class Timing:
    """One user action: what it changed and how long until the page settled."""

    control: str
    seconds: float
    requests: int
    errors: list[str] = field(default_factory=list)


class HttpTransport:
    """Requests against a running server."""

    def __init__(self, url: str, session=None):
        import requests

        self.url, self.session = url, session or requests.Session()

    def get(self, path: str):
        response = self.session.get(self.url + path, timeout=60)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict) -> tuple[int, dict | None]:
        response = self.session.post(self.url + path, json=body, timeout=60)
        return response.status_code, (response.json() if response.status_code == 200 else None)


class FlaskTransport:
    """Requests through a Flask test client (no server)."""

    def __init__(self, flask_app):
        self.client = flask_app.test_client()

    def get(self, path: str):
        return self.client.get(path).get_json()

    def post(self, path: str, body: dict) -> tuple[int, dict | None]:
        response = self.client.post(path, json=body)
        return response.status_code, (response.get_json() if response.status_code == 200 else None)


class DashClient:
    """The renderer's bookkeeping over one page: components, callbacks and their cascades."""

    def __init__(self, transport):
        self.transport = transport
        self.callbacks = [Callback.from_dependency(d) for d in transport.get("/_dash-dependencies")]
        self.components: dict[str, Component] = {}
        self._register(transport.get("/_dash-layout"), parent=None)

    # -- layout bookkeeping
    def _register(self, tree, parent: str | None) -> list[str]:
        """Record every component with an id in `tree`; the keys of those added."""
        added = []
        for node, owner in _walk(tree, parent):
            key = id_key(node["props"]["id"])
            self.components[key] = Component(node["props"]["id"], node["type"], node["props"], owner)
            added.append(key)
        return added

    def _forget_descendants(self, key: str) -> None:
        children = [k for k, c in self.components.items() if c.parent == key]
        for child in children:
            self._forget_descendants(child)
            del self.components[child]

    def has(self, component_id) -> bool:
        return id_key(component_id) in self.components

    def value(self, component_id, prop):
        component = self.components.get(id_key(component_id))
        return None if component is None else component.props.get(prop)

    def _present(self, pattern) -> list[Component]:
        if not isinstance(pattern, dict):
            component = self.components.get(pattern)
            return [component] if component else []
        return [c for c in self.components.values() if _matches(pattern, c.id)]

    # -- firing callbacks
    def _ready(self, callback: Callback) -> bool:
        """Every non-wildcard input, output and state is on the page."""
        return all(_wildcard(i) or self._present(i)
                   for i, _ in [*callback.inputs, *callback.outputs, *callback.state])

    def _resolve(self, pattern, prop, match: dict | None, with_value: bool):
        def entry(component):
            item = {"id": component.id, "property": prop}
            return {**item, "value": component.props.get(prop)} if with_value else item

        kind = _wildcard(pattern)
        if kind is None:
            return entry(self._present(pattern)[0])
        found = [c for c in self._present(pattern)
                 if match is None or all(c.id.get(k) == v for k, v in match.items())]
        if kind == "MATCH":
            return entry(found[0])
        return [entry(c) for c in found]

    def _fire(self, callback: Callback, changed: list[str], match: dict | None) -> tuple[int, dict | None]:
        outputs = [self._resolve(i, p, match, False) for i, p in callback.outputs]
        body = {"output": callback.output, "outputs": outputs if callback.multi else outputs[0],
                "inputs": [self._resolve(i, p, match, True) for i, p in callback.inputs],
                "state": [self._resolve(i, p, match, True) for i, p in callback.state],
                "changedPropIds": changed}
        return self.transport.post("/_dash-update-component", body)

    def _apply(self, response: dict) -> tuple[list[str], list[str]]:
        """Store the answered properties; (changed "key.prop", keys of components added)."""
        changed, added = [], []
        for key, props in response.get("response", {}).items():
            component = self.components.get(key)
            if component is None:
                continue
            for prop, value in props.items():
                changed.append(f"{key}.{prop}")
                if isinstance(value, dict) and "__dash_patch_update" in value:
                    continue  # a partial update: the stored value is only used as State, never patched here
                component.props[prop] = value
                if prop == "children":
                    self._forget_descendants(key)
                    added += self._register(value, parent=key)
        return changed, added

    def _triggered(self, changed: list[str], added: list[str], source: Callback | None = None
                   ) -> list[tuple[Callback, list[str], dict | None]]:
        """Callbacks an input change or newly drawn components set off, with the MATCH values each gets
        (a callback's own outputs never set it off again, as in the renderer)."""
        fired, seen = [], set()
        added_set = set(added)
        for callback in self.callbacks:
            if callback is source:
                continue
            hits = []
            for pattern, prop in callback.inputs:
                hits += [(c, f"{id_key(c.id)}.{prop}") for c in self._present(pattern) if f"{id_key(c.id)}.{prop}" in changed]
            if not hits and not callback.prevent_initial_call:
                ids = [*callback.inputs, *callback.outputs]
                hits = [(c, f"{id_key(c.id)}.{prop}") for pattern, prop in ids for c in self._present(pattern)
                        if id_key(c.id) in added_set]
            if not hits or not self._ready(callback):
                continue
            matches = [None]
            if any(_wildcard(p) == "MATCH" for p, _ in callback.inputs):
                matches = [{k: v for k, v in c.id.items() if self._is_match_key(callback, k)} for c, _ in hits
                           if isinstance(c.id, dict)]
            for match in matches:
                marker = (callback.output, json.dumps(match, sort_keys=True))
                if marker not in seen:
                    seen.add(marker)
                    fired.append((callback, sorted({h for _, h in hits}), match))
        return fired

    @staticmethod
    def _is_match_key(callback: Callback, key: str) -> bool:
        return any(isinstance(p, dict) and p.get(key) == ["MATCH"] for p, _ in callback.inputs)

    def change(self, updates: list[tuple[object, str, object]], control: str = "") -> Timing:
        """Set (id, property, value) as a user would and fire what they trigger until the page settles."""
        changed = []
        for component_id, prop, value in updates:
            self.components[id_key(component_id)].props[prop] = value
            changed.append(f"{id_key(component_id)}.{prop}")
        return self._settle(changed, [], control)

    def _settle(self, changed: list[str], added: list[str], control: str) -> Timing:
        start, requests, errors = time.perf_counter(), 0, []
        pending = self._triggered(changed, added)
        while pending:
            blocked = {i for i, (cb, _, _) in enumerate(pending) for j, (other, _, _) in enumerate(pending)
                       if i != j and _feeds(other, cb)}
            wave = [item for i, item in enumerate(pending) if i not in blocked]
            later = [item for i, item in enumerate(pending) if i in blocked]
            pending = []
            for callback, ids, match in wave:
                status, body = self._fire(callback, ids, match)
                requests += 1
                if status == 200 and body is not None:
                    for item in self._triggered(*self._apply(body), source=callback):
                        if (item[0], item[2]) not in [(cb, m) for cb, _, m in pending]:
                            pending.append(item)
                elif status != 204:
                    errors.append(f"{callback.output}: HTTP {status}")
            pending += [item for item in later if item[0] not in [cb for cb, _, _ in pending]]
        return Timing(control, time.perf_counter() - start, requests, errors)

    def open(self, pathname_id: str | None = None, path: str = "/") -> Timing:
        """Load the app at `path` (given to the Location component `pathname_id`, if any) and fire its
        initial callbacks until the page settles, as a first visit does."""
        if pathname_id is not None:
            self.components[id_key(pathname_id)].props["pathname"] = path
        return self._settle([], list(self.components), control=f"open {path}")

    # -- the page's controls
    def controls(self) -> list[tuple[Component, str]]:
        """(component, property) pairs on the page that a user sets and that some callback listens to."""
        found = []
        for component in self.components.values():
            for prop in CONTROL_PROPS.get(component.type, ()):
                if any(_matches(p, component.id) and pr == prop for cb in self.callbacks for p, pr in cb.inputs):
                    found.append((component, prop))
        return found


def _feeds(upstream: Callback, downstream: Callback) -> bool:
    """`upstream` writes something `downstream` reads, so the renderer waits for it."""
    return any(_overlaps(o, i) and op == ip for o, op in upstream.outputs for i, ip in downstream.inputs)


def _overlaps(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(x == y or x in WILDCARDS or y in WILDCARDS for x, y in
                                            zip((a[k] for k in sorted(a)), (b[k] for k in sorted(b))))
    return a == b


def _walk(tree, parent: str | None) -> Iterator[tuple[dict, str | None]]:
    """Components with an id in a layout tree, each with the key of its nearest ancestor that has one."""
    if isinstance(tree, list):
        for item in tree:
            yield from _walk(item, parent)
    elif isinstance(tree, dict) and "props" in tree and "type" in tree:
        props = tree["props"]
        owner = parent
        if props.get("id") is not None:
            yield tree, parent
            owner = id_key(props["id"])
        for value in props.values():
            if isinstance(value, (list, dict)):
                yield from _walk(value, owner)


# What a user sets on each kind of component (the rest are set by callbacks or the browser).
CONTROL_PROPS = {
    "Dropdown": ("value",), "Select": ("value",), "RadioItems": ("value",), "Checklist": ("value",),
    "Input": ("value",), "Pagination": ("active_page",), "Button": ("n_clicks",), "NavbarToggler": ("n_clicks",),
    "Graph": ("clickData", "hoverData", "selectedData"), "Upload": ("contents",),
}


def control_values(component: Component, prop: str, rng: np.random.Generator, count: int,
                   upload: Callable[[], tuple[str, str]]) -> list[list[tuple[object, str, object]]]:
    """`count` changes a user could make on this control, each a list of (id, property, value)."""
    props, cid = component.props, component.id
    if component.type == "Upload":
        contents, name = upload()
        multiple = props.get("multiple")
        return [[(cid, prop, [contents] if multiple else contents),
                 (cid, "filename", [name] if multiple else name)]] * count
    if component.type in ("Button", "NavbarToggler"):
        values = [(props.get("n_clicks") or 0) + i + 1 for i in range(count)]
    elif component.type == "Pagination":
        pages = list(range(1, int(props.get("max_value") or 1) + 1))
        values = [pages[(i + 1) % len(pages)] for i in range(count)]
    elif component.type == "Input" and props.get("type") == "range":
        step = props.get("step") or (props["max"] - props["min"]) / 10
        steps = np.arange(props["min"], props["max"] + step / 2, step)
        values = [float(steps[i % len(steps)]) for i in range(count)]
    elif component.type == "Input" and props.get("type") == "number":  # from the value shown to larger ones
        values = [(props.get("value") or 1) * (i + 2) / 2 for i in range(count)]
    elif component.type == "Graph" and prop == "clickData" and _is_heatmap(props.get("figure") or {}):
        values = [_click(props.get("figure") or {}, rng) for _ in range(count)]
    elif component.type == "Graph":
        values = [_scatter_points(props.get("figure") or {}, rng, many=prop == "selectedData") for _ in range(count)]
    else:
        values = _option_values(props, rng, count)
    return [[(cid, prop, value)] for value in values]


def _option_values(props: dict, rng: np.random.Generator, count: int) -> list:
    """Choices from a dropdown's, radio's or check list's options: subsets when it takes several."""
    options = [o["value"] if isinstance(o, dict) else o for o in props.get("options") or []]
    if not options:
        return []
    if isinstance(props.get("value"), list):  # from one option to all
        return [sorted(rng.choice(options, size=rng.integers(1, len(options) + 1), replace=False).tolist(),
                       key=options.index) for _ in range(count)]
    return [options[i % len(options)] for i in range(count)]


def _is_heatmap(figure: dict) -> bool:
    return any(trace.get("type") == "heatmap" for trace in figure.get("data") or [])


def _array(value) -> list:
    """A figure's array as JSON carries it: a list, or plotly's typed array {dtype, bdata}."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value or [])


def _scatter_points(figure: dict, rng: np.random.Generator, many: bool) -> dict | None:
    """What the browser sends when a pointer rests on a point (one point, with its box) or a lasso takes
    in some (many points) of a scatter figure's traces."""
    points = []
    for curve, trace in enumerate(figure.get("data") or []):
        x, y, custom = _array(trace.get("x")), _array(trace.get("y")), _array(trace.get("customdata"))
        points += [{"curveNumber": curve, "pointNumber": i, "pointIndex": i, "x": x[i], "y": y[i],
                    **({"customdata": custom[i]} if custom else {})} for i in range(len(x))]
    if not points:
        return None
    chosen = rng.choice(len(points), size=min(len(points), int(rng.integers(20, 400))) if many else 1, replace=False)
    picked = [points[i] for i in chosen]
    if many:
        return {"points": picked}
    return {"points": [{**picked[0], "bbox": {"x0": 100, "x1": 104, "y0": 200, "y1": 204}}]}


def _click(figure: dict, rng: np.random.Generator) -> dict | None:
    """A click on a random cell of the figure's first trace (a heatmap's x, y and z)."""
    data = figure.get("data") or []
    if not data or not data[0].get("x") or not data[0].get("y"):
        return None
    trace = data[0]
    i, j = int(rng.integers(len(trace["x"]))), int(rng.integers(len(trace["y"])))
    z = trace.get("z")
    point = {"curveNumber": 0, "x": trace["x"][i], "y": trace["y"][j], "pointNumber": [j, i]}
    if isinstance(z, list) and len(z) > j and isinstance(z[j], list):
        point["z"] = z[j][i]
    return {"points": [point]}


def data_uri(payload: bytes, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(payload).decode()
