"""Markdown for the documents the reports keep current: tables, and the generated blocks a committed
document carries between `<!-- name -->` and `<!-- /name -->`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ml.errors import UserError

BLOCK = re.compile(r"<!-- (?P<name>[a-z][a-z -]*) -->\n(?P<body>.*?)<!-- /(?P=name) -->", re.S)


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A markdown table of `header` and `rows` of cells as they are shown; a row that does not have the
    header's width is refused, since a renderer would shift or drop its cells silently."""
    lines = [_row(header), "|" + "---|" * len(header)]
    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"a row of {len(row)} cells in a table of {len(header)} columns: {list(row)}")
        lines.append(_row(row))
    return "\n".join(lines)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def fill_blocks(text: str, blocks: dict[str, str], where: str = "the document") -> str:
    """`text` with each generated block replaced by its current content; a block of a name the report does
    not make is refused, naming it."""
    def fill(match):
        name = match["name"]
        if name not in blocks:
            raise UserError(f"{where}: no generated block is called {name!r}; the report makes {sorted(blocks)}")
        body = blocks[name].strip("\n")
        return f"<!-- {name} -->\n{body}\n<!-- /{name} -->" if body else f"<!-- {name} -->\n<!-- /{name} -->"
    return BLOCK.sub(fill, text)
