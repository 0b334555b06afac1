"""Callbacks, one module per page; each exposes `register(app)`."""

from callbacks import classifier, data_page, navigation, performance


def register_all(app) -> None:
    for module in (navigation, data_page, performance, classifier):
        module.register(app)
