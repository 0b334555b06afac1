"""Every control of every dashboard page, timed: first render on a new worker and warm interactions.

    python -m bench.interaction_bench [--artifacts artifacts] [--repeats 20]

1. First render: for each page, a new gunicorn server (one worker, as the Procfile starts it) and
   a first visit to that page: its HTML, the layout, the callback list and every callback the
   page fires until it settles. The servers share a cache folder of their own, as a deploy's workers
   do; before them, a fresh deploy (that folder empty) is timed on its first visit to a gallery page.
2. Warm: on one server, every control the pages offer (dropdowns, radio items, check lists,
   sliders, pagination, buttons, the confusion matrix's cells, the upload of a 12-megapixel photo)
   is set `--repeats` times to values a user could choose, each timed until the page settles.

Controls are found from the app's own callbacks (bench.dash_client), so none is left out. Results
go to bench/results/interaction.json. Timings are for this machine at this moment.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import requests

from bench.dash_client import DashClient, HttpTransport, Timing, control_values, data_uri
from bench.gunicorn_server import ROOT, Server
from bench.results_file import save
from bench.serve_bench import PAGES, percentiles, photo_jpeg
from layouts.common import LOCATION_PAGE

FRESH_DEPLOY_PAGE = "/data"  # its first callback shows photos from the test split


def control_name(component, prop: str) -> str:
    """Controls drawn once per result (pattern ids) count as one control, named by their type."""
    name = component.id["type"] if isinstance(component.id, dict) else component.id
    return f"{name}.{prop}"


def exercise_page(client: DashClient, path: str, repeats: int, done: set[str], upload) -> list[Timing]:
    """Open `path`, then set each of its controls not yet in `done` `repeats` times; the timings."""
    rng = np.random.default_rng(0)
    timings = [client.open(LOCATION_PAGE, path)]
    while todo := [(c, p) for c, p in client.controls() if control_name(c, p) not in done]:
        for component, prop in todo:
            done.add(control_name(component, prop))
            for update in control_values(component, prop, rng, repeats, upload):
                if all(client.has(cid) for cid, _, _ in update):  # a cascade may have redrawn it
                    timings.append(client.change(update, control=f"{path} {control_name(component, prop)}"))
    return timings


def first_render(artifacts: Path, env: dict, path: str) -> dict:
    """Seconds from a page's first request on a new worker until every callback it fires has answered."""
    server = Server(artifacts, workers=1, env=env)
    try:
        server.wait_listening()
        start = time.perf_counter()
        session = requests.Session()
        session.get(server.url + path, timeout=60).raise_for_status()
        client = DashClient(HttpTransport(server.url, session))
        timing = client.open(LOCATION_PAGE, path)
        if timing.errors:
            raise RuntimeError(f"{path}: {timing.errors}")
        return {"seconds": round(time.perf_counter() - start, 3), "callbacks": timing.requests}
    finally:
        server.close()


def warm_interactions(artifacts: Path, env: dict, repeats: int) -> tuple[dict, list[str]]:
    """Per control: latency percentiles over `repeats` changes on a warm worker; and any errors."""
    photo = data_uri(photo_jpeg(), "image/jpeg")
    upload = lambda: (photo, "phone-photo.jpg")  # noqa: E731
    server = Server(artifacts, workers=1, env=env)
    try:
        server.wait_ready()
        for path in PAGES:  # warm-up: every page and control once
            exercise_page(DashClient(HttpTransport(server.url)), path, 1, set(), upload)
        timings, done = [], set()
        for path in PAGES:
            timings += exercise_page(DashClient(HttpTransport(server.url)), path, repeats, done, upload)
    finally:
        server.close()
    by_control: dict[str, list[Timing]] = {}
    for timing in timings:
        by_control.setdefault(timing.control, []).append(timing)
    table = {name: {**percentiles([t.seconds for t in items]), "requests": max(t.requests for t in items)}
             for name, items in by_control.items()}
    return table, [error for t in timings for error in t.errors]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artifacts", type=Path, default=ROOT / "artifacts")
    parser.add_argument("--repeats", type=int, default=20, help="changes timed per control")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "interaction.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:  # "this is wrong" corrections land here, not in feedback/
        env = {"FEEDBACK_FILE": str(Path(scratch) / "corrections.csv"), "CACHE_DIR": str(Path(scratch) / "cache")}
        # A fresh deploy: nothing decoded yet, the first visit to a gallery page waits for the test split;
        # that visit leaves it in the cache folder, where every later worker finds it.
        fresh_deploy = {FRESH_DEPLOY_PAGE: first_render(args.artifacts, env, FRESH_DEPLOY_PAGE)}
        renders = {path: first_render(args.artifacts, env, path) for path in PAGES}
        controls, errors = warm_interactions(args.artifacts, env, args.repeats)
    worst = max(controls, key=lambda name: controls[name]["p95_ms"])
    summary = {"slowest_first_render_s": max(r["seconds"] for r in renders.values()),
               "fresh_deploy_first_render_s": fresh_deploy[FRESH_DEPLOY_PAGE]["seconds"],
               "slowest_control_p95_ms": controls[worst]["p95_ms"], "slowest_control": worst,
               "controls": len(controls), "errors": errors}
    save(args.out, {"summary": summary, "first_render_new_worker": renders, "first_render_fresh_deploy": fresh_deploy,
                    "warm_controls": controls},
         shown={"summary": summary, "first_render_new_worker": renders, "first_render_fresh_deploy": fresh_deploy})
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
