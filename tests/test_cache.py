"""flask-caching configuration, memoization and invalidation, including a real Redis."""

import json
import shutil
import socket
import subprocess
import time

import pytest

from dash_app import AppConfig, create_app, views
from dash_app.extensions import cache
from ml.artifacts.folder import write_manifest


def test_backend_is_chosen_by_configuration(tmp_path):
    assert AppConfig(cache_type="SimpleCache").cache_settings()["CACHE_TYPE"] == "SimpleCache"
    fs = AppConfig(cache_type="FileSystemCache", cache_dir=str(tmp_path)).cache_settings()
    assert fs["CACHE_TYPE"] == "FileSystemCache" and fs["CACHE_DIR"] == str(tmp_path)
    redis = AppConfig(cache_type="SimpleCache", redis_url="redis://127.0.0.1:1/0").cache_settings()
    assert redis["CACHE_TYPE"] == "RedisCache" and redis["CACHE_REDIS_URL"].startswith("redis://")
    with pytest.raises(ValueError, match="CACHE_TYPE"):
        AppConfig(cache_type="Memcached")


def test_from_env_reads_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ARTIFACTS_DIR", str(tmp_path))
    monkeypatch.setenv("REDIS_URL", "redis://localhost:6379/0")
    monkeypatch.setenv("MAX_UPLOAD_MB", "3")
    config = AppConfig.from_env()
    assert config.artifacts_dir == tmp_path and config.max_upload_bytes == 3 * 1024 * 1024
    assert config.cache_settings()["CACHE_TYPE"] == "RedisCache"


def _count_builds(monkeypatch):
    calls = []
    original = views.confusion_matrix_figure

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(views, "confusion_matrix_figure", counting)
    return calls


def _matrix(app):
    artifacts = app.server.extensions["cifar"].artifacts
    with app.server.app_context():
        return views.Views(artifacts).confusion_figure("cnn", views.normalise(["ship", "cat"],
                                                                               artifacts.class_names()), "counts")


def test_memoized_until_the_artifacts_change(artifacts_copy, monkeypatch):
    data, out = artifacts_copy
    app = create_app(AppConfig(artifacts_dir=out, data_path=data))
    calls = _count_builds(monkeypatch)
    first = _matrix(app)
    assert _matrix(app) == first and len(calls) == 1
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["dataset"]["description"] = "the same data, described again"  # any change to the artifacts
    write_manifest(out, manifest)
    assert _matrix(app) == first and len(calls) == 2  # built again, not served from the old entry


def test_filesystem_cache_is_shared_between_workers(tiny_artifacts, tmp_path, monkeypatch):
    data, out = tiny_artifacts
    config = AppConfig(artifacts_dir=out, data_path=data, cache_type="FileSystemCache",
                       cache_dir=str(tmp_path / "cache"))
    calls = _count_builds(monkeypatch)
    _matrix(create_app(config))
    _matrix(create_app(config))  # a second app, as a second gunicorn worker would be
    assert len(calls) == 1 and any((tmp_path / "cache").iterdir())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (.ci/run installs it): skipping the RedisCache test")
    port = _free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import redis
        client = redis.Redis(host="127.0.0.1", port=port)
        for _ in range(50):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.redis
def test_redis_cache_memoizes_in_redis(tiny_artifacts, redis_url, monkeypatch):
    import redis

    data, out = tiny_artifacts
    calls = _count_builds(monkeypatch)
    app = create_app(AppConfig(artifacts_dir=out, data_path=data, redis_url=redis_url))
    assert type(app.server.extensions["cache"][cache]).__name__ == "RedisCache"
    first = _matrix(app)
    second = _matrix(create_app(AppConfig(artifacts_dir=out, data_path=data, redis_url=redis_url)))
    assert first == second and len(calls) == 1
    assert redis.Redis.from_url(redis_url).keys("cifar-dash:*")
