"""Callbacks, one module per page (named like its layout in `layouts/`); each exposes
`register(app)`. `callbacks.pages` lists the pages; `callbacks.navigation` routes between them."""


def register_all(app) -> None:
    from callbacks import navigation
    from callbacks.pages import PAGES

    navigation.register(app)
    for page in PAGES:
        page.module.register(app)
