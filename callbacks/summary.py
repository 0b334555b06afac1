"""Summary page: built from the artifacts when the page is opened (no interactive parts)."""

from __future__ import annotations

from layouts.summary import summary_page


def page(services):
    artifacts = services.artifacts
    return summary_page(artifacts.manifest(), artifacts.served_model(), services.config.auto_sort_target)


def register(app) -> None:
    """The summary has no callbacks of its own."""
