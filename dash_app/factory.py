"""The app factory."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import dash

from dash_app.api import api
from dash_app.config import ROOT, AppConfig
from dash_app.extensions import cache
from dash_app.login import protect
from dash_app.store import Artifacts
from layouts.common import shell
from ml.artifacts.folder import artifact_problems

TITLE = "Product photo classifier · CIFAR-10"


@dataclass
class Services:
    """What callbacks and API views share: settings and the artifacts."""

    config: AppConfig
    artifacts: Artifacts


def create_app(config: AppConfig | None = None) -> dash.Dash:
    """Build a fresh Dash app (own Flask server, cache binding, callbacks and API)."""
    from callbacks import register_all
    from callbacks.pages import nav_links

    config = config or AppConfig.from_env()
    app = dash.Dash(
        __name__, title=TITLE, assets_folder=str(ROOT / "assets"), serve_locally=True,
        suppress_callback_exceptions=True, update_title=None,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}])
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)  # screen readers' language
    server = app.server
    # base64 uploads grow by a third; allow a batch of ten maximum-size files per request
    server.config["MAX_CONTENT_LENGTH"] = int(config.max_upload_bytes * 10 * 1.4) + (1 << 20)
    cache.init_app(server, config=config.cache_settings())
    server.extensions["cifar"] = Services(config, Artifacts(config.artifacts_dir, config.onnx_threads, config.served_model))
    server.register_blueprint(api)
    if config.users_file is not None:
        protect(app, config.users_file, config.api_token)
    app.layout = shell(nav_links())
    register_all(app)
    _log_artifact_problems(config)
    # Dash finishes setting itself up on its first request, with no guard against a second request
    # arriving meanwhile (plotly/dash#3971: "... is not a registered library" on a fresh worker);
    # one request here, before the app is served, does it once.
    server.test_client().get(app.config.requests_pathname_prefix)
    return app


def _log_artifact_problems(config: AppConfig) -> None:
    """Name each artifact failure once, at start-up; the pages and the API report it too."""
    log = logging.getLogger("dash_app")
    problems = artifact_problems(config.artifacts_dir)
    for problem in problems:
        log.error("artifacts unusable: %s", problem)
    if not problems:
        log.info("serving the artifacts in %s", config.artifacts_dir)
