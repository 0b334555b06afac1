"""The markdown the reports write: tables, and the generated blocks of committed documents."""

import pytest

from ml.errors import UserError
from ml.study.markdown import fill_blocks, table


def test_markdown001_a_table_has_a_separator_as_wide_as_its_header_and_rows_as_given():
    text = table(["Model", "Accuracy", ""], [("CNN", "90.00%", ""), ("HOG + SVM", "60.00%", "kept")])
    assert text.splitlines() == ["| Model | Accuracy |  |", "|---|---|---|", "| CNN | 90.00% |  |",
                                 "| HOG + SVM | 60.00% | kept |"]
    assert table(["A"], []) == "| A |\n|---|"


def test_markdown002_a_row_of_another_width_is_refused():
    with pytest.raises(ValueError, match="a row of 2 cells in a table of 3 columns"):
        table(["A", "B", "C"], [("1", "2")])


def test_markdown003_blocks_are_replaced_whole_and_unknown_ones_refused():
    text = "intro\n<!-- seeds -->\nold\nlines\n<!-- /seeds -->\nend\n"
    assert fill_blocks(text, {"seeds": "| a |\n"}) == "intro\n<!-- seeds -->\n| a |\n<!-- /seeds -->\nend\n"
    assert fill_blocks(text, {"seeds": ""}) == "intro\n<!-- seeds -->\n<!-- /seeds -->\nend\n"
    with pytest.raises(UserError, match="no generated block is called 'seeds'"):
        fill_blocks(text, {"results": "x"})
