"""The app's pages stay apart: a page's modules (its callbacks, layout, figures and data module) import
no other page's; what two pages share lives in shared modules."""

import ast

from callbacks.pages import PAGES
from tests.paths import ROOT

PAGE_NAMES = {page.module.__name__.split(".")[-1] for page in PAGES}
FOLDERS = ("callbacks", "layouts", "dash_app/figures", "dash_app")
OWNED = {"dash_app.classify": "classifier", "dash_app.examples": "classifier"}  # the Classifier's uploads


def _page_of(module: str) -> str | None:
    """The page a dotted module belongs to (callbacks.explore -> explore), None for shared modules."""
    if module in OWNED:
        return OWNED[module]
    folder, _, name = module.rpartition(".")
    return name if folder.replace(".", "/") in FOLDERS and name in PAGE_NAMES else None


def _imports(path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)  # from callbacks import explore
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_pages001_no_page_imports_another_pages_modules():
    wrong = []
    for folder in FOLDERS:
        for path in (ROOT / folder).glob("*.py"):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            page = _page_of(module)
            if page is None:
                continue
            wrong += [f"{module} imports {other}" for other in _imports(path)
                      if (_page_of(other) or page) != page]
    assert not wrong
    assert {"explore", "performance", "classifier"} <= PAGE_NAMES  # the pages that share a photo's details


def test_pages002_sentences_show_their_commands_as_code_each_word_kept_whole():
    from dash import html

    from layouts.common import prose

    parts = prose("Run `python -m bench.train_bench --preset fast` to test it.")
    assert parts[0] == "Run " and parts[2] == " to test it."
    code = parts[1]
    assert isinstance(code, html.Code)
    words = [child for child in code.children if not isinstance(child, str)]
    assert [w.children for w in words] == ["python", "-m", "bench.train_bench", "--preset", "fast"]
    assert all(w.className == "text-nowrap" for w in words)
    assert [child for child in code.children if isinstance(child, str)] == [" "] * 4
    assert prose("No command here.") == ["No command here."]
    assert prose("A lone ` stays as it is.") == ["A lone ` stays as it is."]
