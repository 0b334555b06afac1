"""The Dash dashboard. It reads only `artifacts/` and never imports TensorFlow."""

from dash_app.config import AppConfig
from dash_app.factory import create_app

__all__ = ["AppConfig", "create_app"]
