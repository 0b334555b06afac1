"""The app under real gunicorn, started as the Procfile starts it (gunicorn.conf.py): fresh
workers answer parallel first requests, onnxruntime lives only in the workers, SIGTERM stops
every worker cleanly, and slow clients do not stall others. Serves the committed artifacts."""

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from bench.gunicorn_server import ROOT, Server
from bench.lifecycle_bench import page_and_scripts
from bench.serve_bench import small_png
from bench.slow_clients_bench import probe, slow_clients, summarise
from layouts.data import CHECKLIST_DATA_CLASS, DIV_DATA_AUGMENTATION

ARTIFACTS = ROOT / "artifacts"


@pytest.fixture
def server():
    running = Server(ARTIFACTS, workers=2)
    running.wait_listening()
    yield running
    running.close()


def _maps(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


def test_serving001_first_requests_in_parallel_are_all_answered(server):
    paths = page_and_scripts(ARTIFACTS)
    assert len(paths) >= 8 and any("dash_renderer" in p for p in paths)
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda path: requests.get(server.url + path, timeout=30), paths[:8]))
    assert [r.status_code for r in responses] == [200] * 8
    assert "is not a registered library" not in server.log()


def test_serving002_onnxruntime_is_loaded_in_the_workers_only(server):
    image = small_png()
    for _ in range(4):
        response = requests.post(server.url + "/api/predict", files={"file": ("a.png", image)}, timeout=30)
        assert response.status_code == 200 and response.json()["results"][0]["ok"]
    assert not re.search("onnxruntime", _maps(server.process.pid))
    assert any("onnxruntime" in _maps(worker.pid) for worker in server.workers())


def test_serving003_sigterm_stops_every_worker_without_an_abort(server):
    image = small_png()
    for _ in range(4):  # sessions (and their thread pools) exist in the workers before the stop
        requests.post(server.url + "/api/predict", files={"file": ("a.png", image)}, timeout=30).raise_for_status()
    code, seconds = server.stop()
    assert code == 0 and seconds < 20
    assert server.aborts() == []
    assert "Shutting down: Master" in server.log()


def test_serving004_slow_clients_do_not_stall_other_clients(server):
    requests.get(server.url + "/api/health", timeout=30)
    with slow_clients(server.port, count=10):
        result = summarise(probe(server.url, seconds=6))
    assert result["share_within_1s"] >= 0.95, result


def test_serving005_artifact_failures_are_logged_once_at_start(tmp_path):
    broken = Server(tmp_path / "no-artifacts", workers=2)
    try:
        broken.wait_listening()
        assert requests.get(broken.url + "/api/health", timeout=30).status_code == 503
        broken.stop()
        lines = [line for line in broken.log().splitlines() if "artifacts unusable" in line]
        assert len(lines) == 1 and "no artifacts folder here" in lines[0]
    finally:
        broken.close()


def test_serving006_loading_the_dataset_for_a_gallery_does_not_stall_the_worker(shipped_zip):
    """The first gallery reads 10,000 test images (seconds of CPU): the one worker keeps answering."""
    import threading

    server = Server(ARTIFACTS, workers=1, env={"CIFAR10_DATA": str(shipped_zip)})
    try:
        server.wait_listening()
        requests.get(server.url + "/api/health", timeout=30)
        gallery = {}

        def open_gallery():
            gallery["response"] = requests.post(server.url + "/_dash-update-component", timeout=120, json={
                "output": f"{DIV_DATA_AUGMENTATION}.children",
                "outputs": {"id": DIV_DATA_AUGMENTATION, "property": "children"},
                "inputs": [{"id": CHECKLIST_DATA_CLASS, "property": "value", "value": ["cat", "ship"]}],
                "changedPropIds": [], "state": []})

        loader = threading.Thread(target=open_gallery)
        loader.start()
        latencies = []
        while loader.is_alive():
            latencies.extend(probe(server.url, seconds=0.5))
        loader.join()
        assert gallery["response"].status_code == 200 and "data:image" in gallery["response"].text
        # How many probes fit depends on how long the load takes (it has taken as little as a second):
        # what matters is that every probe made while it ran was answered within a second.
        assert latencies and summarise(latencies)["share_within_1s"] == 1.0, latencies
    finally:
        server.close()
