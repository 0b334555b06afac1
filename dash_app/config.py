"""App settings, read from the environment (12-factor), overridable in tests."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ml.evaluation.auto_sort import DEFAULT_TARGET

ROOT = Path(__file__).resolve().parent.parent
CACHE_TYPES = ("SimpleCache", "FileSystemCache", "RedisCache", "NullCache")
FEEDBACK_FILE = ROOT / "feedback" / "corrections.csv"  # "this is wrong" corrections from the Classifier
LABEL_REVIEWS_FILE = ROOT / "feedback" / "label_reviews.csv"  # dataset labels checked on the Explore page


def _env_bool(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes", "on")


@dataclass
class AppConfig:
    """Everything the dashboard can be told; see docs/serving.md, 'Configuration'."""

    artifacts_dir: Path = ROOT / "artifacts"
    data_path: Path | None = None  # the dataset the artifacts were built from (galleries only)
    cache_type: str = "SimpleCache"
    cache_dir: str = field(default_factory=lambda: os.path.join(tempfile.gettempdir(), "cifar-dash-cache"))
    redis_url: str | None = None
    max_upload_mb: float = 10.0
    max_upload_files: int = 50  # per request, on the Classifier page as in the API
    upload_threads: int = 2  # per worker: native threads that classify uploads, off the event loop
    max_pixels: int = 64_000_000
    auto_sort_target: float = DEFAULT_TARGET  # the accuracy a photo sorted without a person must be held to
    min_confidence: float = 0.5  # the decision's threshold only for models with no calibrated one
    onnx_threads: int = 1
    served_model: str | None = None  # the model that answers (a key of the artifacts); None: the registry's served one
    api_token: str | None = None  # when set, POST /api/predict needs it as a bearer token
    users_file: Path | None = None  # when set, the whole dashboard needs a login (dash_app.login)
    classify_results: Path | None = None  # a results file of `ml classify`, shown on the Catalogue page
    feedback_file: Path = FEEDBACK_FILE
    label_reviews_file: Path = LABEL_REVIEWS_FILE
    debug: bool = False

    @classmethod
    def from_env(cls, **overrides) -> "AppConfig":
        """Settings from ARTIFACTS_DIR, CIFAR10_DATA, CACHE_TYPE, CACHE_DIR, REDIS_URL,
        MAX_UPLOAD_MB, MAX_UPLOAD_FILES, UPLOAD_THREADS, ONNX_THREADS, SERVED_MODEL, API_TOKEN, DASHBOARD_USERS_FILE, CLASSIFY_RESULTS, AUTO_SORT_TARGET, FEEDBACK_FILE, LABEL_REVIEWS_FILE
        and DASH_DEBUG,
        then `overrides`."""
        from ml.data.loading import default_data_path

        env = os.environ
        values = {
            "artifacts_dir": Path(env.get("ARTIFACTS_DIR", ROOT / "artifacts")),
            "data_path": default_data_path(),
            "cache_type": env.get("CACHE_TYPE", "SimpleCache"),
            "redis_url": env.get("REDIS_URL") or None,
            "max_upload_mb": float(env.get("MAX_UPLOAD_MB", 10)),
            "max_upload_files": int(env.get("MAX_UPLOAD_FILES", 50)),
            "upload_threads": int(env.get("UPLOAD_THREADS", 2)),
            "onnx_threads": int(env.get("ONNX_THREADS", 1)),
            "served_model": env.get("SERVED_MODEL") or None,
            "api_token": env.get("API_TOKEN") or None,
            "users_file": env.get("DASHBOARD_USERS_FILE") or None,
            "classify_results": env.get("CLASSIFY_RESULTS") or None,
            "auto_sort_target": float(env.get("AUTO_SORT_TARGET", DEFAULT_TARGET)),
            "feedback_file": Path(env.get("FEEDBACK_FILE", FEEDBACK_FILE)),
            "label_reviews_file": Path(env.get("LABEL_REVIEWS_FILE", LABEL_REVIEWS_FILE)),
            "debug": _env_bool("DASH_DEBUG"),
        }
        if env.get("CACHE_DIR"):
            values["cache_dir"] = env["CACHE_DIR"]
        values.update(overrides)
        return cls(**values)

    def __post_init__(self):
        self.artifacts_dir = Path(self.artifacts_dir)
        self.data_path = Path(self.data_path) if self.data_path else None
        self.classify_results = Path(self.classify_results) if self.classify_results else None
        self.users_file = Path(self.users_file) if self.users_file else None
        self.feedback_file = Path(self.feedback_file)
        self.label_reviews_file = Path(self.label_reviews_file)
        if not 0 < self.auto_sort_target < 1:
            raise ValueError(f"AUTO_SORT_TARGET must be an accuracy between 0 and 1, such as 0.99, "
                             f"not {self.auto_sort_target!r}")
        if self.max_upload_files < 1 or self.upload_threads < 1:
            raise ValueError("MAX_UPLOAD_FILES and UPLOAD_THREADS must be whole numbers of at least 1")
        if self.cache_type not in CACHE_TYPES:
            raise ValueError(f"CACHE_TYPE must be one of {CACHE_TYPES}, not {self.cache_type!r}")

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    def cache_settings(self) -> dict:
        """flask-caching settings: RedisCache when a Redis URL is given, else `cache_type`."""
        if self.redis_url:
            return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": self.redis_url,
                    "CACHE_KEY_PREFIX": "cifar-dash:", "CACHE_DEFAULT_TIMEOUT": 0}
        settings = {"CACHE_TYPE": self.cache_type, "CACHE_DEFAULT_TIMEOUT": 0}
        if self.cache_type == "FileSystemCache":
            settings["CACHE_DIR"] = self.cache_dir
        if self.cache_type == "SimpleCache":
            settings["CACHE_THRESHOLD"] = 500
        return settings
