"""The page registry: one entry per page, in navigation order. It drives both the navigation bar
and the router; each page's module in `callbacks/` builds it (`page(services)`) and registers its
callbacks, and its namesake in `layouts/` lays it out."""

from __future__ import annotations

from typing import Callable, NamedTuple

from callbacks import catalogue, classifier, data, explore, hypotheses, performance, summary


class Page(NamedTuple):
    path: str
    label: str
    module: object  # has page(services) and register(app)

    @property
    def render(self) -> Callable:
        return self.module.page


PAGES = (
    Page("/", "Summary", summary),
    Page("/data", "Data", data),
    Page("/explore", "Explore", explore),
    Page("/performance", "Model performance", performance),
    Page("/classify", "Classifier", classifier),
    Page("/catalogue", "Catalogue", catalogue),
    Page("/hypotheses", "Hypotheses & results", hypotheses),
)


def nav_links() -> list[tuple[str, str]]:
    """(path, label) of every page, for the navigation bar."""
    return [(page.path, page.label) for page in PAGES]
