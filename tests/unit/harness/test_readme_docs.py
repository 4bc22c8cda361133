# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The docs generator: markup, tables, the engine columns and the block check."""

from __future__ import annotations

import importlib.util
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = importlib.util.spec_from_file_location(
    "readme_docs", os.path.join(HERE, "..", "..", "harness", "readme_docs.py"))
readme_docs = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(readme_docs)


@pytest.mark.parametrize(
    "text, markdown",
    [
        ("C(ipv6)", "`ipv6`"),
        ("the slot is C(sha256(name)) mod n", "the slot is `sha256(name)` mod n"),
        ("O(networks_list[].name) and V(if_supported)", "`networks_list[].name` and `if_supported`"),
        ("M(ipv6ready.docker.gai_conf)", "`ipv6ready.docker.gai_conf`"),
        ("see RV(reload_keys)", "see `reload_keys`"),
        ("I(routed) and B(never)", "*routed* and **never**"),
        ("L(RFC 6724,https://www.rfc-editor.org/rfc/rfc6724)", "[RFC 6724](https://www.rfc-editor.org/rfc/rfc6724)"),
        ("plain (parentheses) stay", "plain (parentheses) stay"),
        ("ABC(x) is not markup", "ABC(x) is not markup"),
        ("C(unclosed", "C(unclosed"),
    ],
)
def test_markup(text, markdown):
    assert readme_docs.markup(text) == markdown


def test_cell_escapes_pipes_and_joins_lines():
    assert readme_docs.cell(["a | b", "C(c)\nd"]) == "a \\| b `c` d"


@pytest.mark.parametrize(
    "data, shown",
    [("fd00:d0c::/48", "`fd00:d0c::/48`"), ("", '`""`'), ("20.10", '`"20.10"`'), ("true", '`"true"`'),
     (True, "`true`"), ([], "`[]`"), ({"a": 1}, '`{"a": 1}`'), (None, "`null`")],
)
def test_value(data, shown):
    assert readme_docs.value(data) == shown


def test_nested_options_follow_their_parent():
    rows = readme_docs.option_rows({
        "nets": {"type": "list", "elements": "dict", "default": [], "description": "N.",
                 "options": {"name": {"type": "str", "required": True, "description": "Name."},
                             "mode": {"type": "str", "choices": ["a", "b"], "description": "M."}}},
        "flag": {"type": "bool", "default": False, "description": "F."},
    })
    assert rows == [
        "| `nets` | list of dict | `[]` |  | N. |",
        "| `nets[].name` | str | **required** |  | Name. |",
        "| `nets[].mode` | str |  | `a`, `b` | M. |",
        "| `flag` | bool | `false` |  | F. |",
    ]


def test_tested_engine_takes_the_column_of_its_major():
    engine = readme_docs.load_engine()
    columns = readme_docs.engine_columns(engine, {(20, 10, 0), (28, 5, 0), (30, 1, 0)})
    assert columns == [(20, 10, 0), (26, 1, 0), (27, 0, 0), (28, 5, 0), (29, 0, 0), (29, 6, 0), (30, 1, 0)]


def test_render_fills_blocks_and_reports_missing_and_unknown():
    text = ("a\n<!-- BEGIN GENERATED: one -->\nold\n<!-- END GENERATED: one -->\n"
            "<!-- BEGIN GENERATED: gone -->\nx\n<!-- END GENERATED: gone -->\n")
    wanted, missing, unknown = readme_docs.render(text, {"one": "new", "two": "2"})
    assert "<!-- BEGIN GENERATED: one -->\nnew\n<!-- END GENERATED: one -->" in wanted
    assert missing == ["two"]
    assert unknown == ["gone"]


def test_every_feature_and_rule_is_in_the_engine_tables():
    engine = readme_docs.load_engine()
    features = readme_docs.engine_features_section()
    rules = readme_docs.engine_rules_section()
    for item in engine.FEATURES:
        assert "| `%s` |" % item.name in features
    for key, name, _problem in readme_docs.version_rules():
        assert "(`%s`)" % name in rules and "`%s`" % key in rules
