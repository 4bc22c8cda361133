# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The docs generator: markup, tables, the engine columns and the block check."""

from __future__ import annotations

import importlib.util
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = importlib.util.spec_from_file_location("readme_docs", os.path.join(HERE, "..", "..", "harness", "readme_docs.py"))
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
    [
        ("fd00:d0c::/48", "`fd00:d0c::/48`"),
        ("", '`""`'),
        ("20.10", '`"20.10"`'),
        ("true", '`"true"`'),
        (True, "`true`"),
        ([], "`[]`"),
        ({"a": 1}, '`{"a": 1}`'),
        (None, "`null`"),
    ],
)
def test_value(data, shown):
    assert readme_docs.value(data) == shown


def test_nested_options_follow_their_parent():
    rows = readme_docs.option_rows(
        {
            "nets": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "description": "N.",
                "options": {
                    "name": {"type": "str", "required": True, "description": "Name."},
                    "mode": {"type": "str", "choices": ["a", "b"], "description": "M."},
                },
            },
            "flag": {"type": "bool", "default": False, "description": "F."},
        }
    )
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
    text = "a\n<!-- BEGIN GENERATED: one -->\nold\n<!-- END GENERATED: one -->\n<!-- BEGIN GENERATED: gone -->\nx\n<!-- END GENERATED: gone -->\n"
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


@pytest.mark.parametrize(
    "docstring, sentence",
    [
        ("One line.\n\nMore.", "One line."),
        (
            "What the gateway decides (private): the IPv4\ndestinations it refuses, and the\nlayout it reads.\nNext one.",
            "What the gateway decides (private): the IPv4 destinations it refuses, and the layout it reads.",
        ),
        ("Docker 20.10 to 29, e.g. ``daemon.json``, i.e. one file. Second.", "Docker 20.10 to 29, e.g. ``daemon.json``, i.e. one file."),
        ("No full stop\nat all", "No full stop at all"),
        ("The BPF program (nat64_bpf.c) reads it.", "The BPF program (nat64_bpf.c) reads it."),
        (None, ""),
    ],
)
def test_first_sentence(docstring, sentence):
    assert readme_docs.first_sentence(docstring) == sentence


def test_code_map_rows_hold_whole_sentences_and_where_each_file_runs():
    rows = {line.split(" | ")[0].strip("| `"): line for line in readme_docs.code_map_section().splitlines()[2:]}
    assert all(row.rstrip(" |").endswith(".") for row in rows.values()), rows
    assert "| hosts (`gai_conf`) and controller |" in rows["plugins/module_utils/_gai.py"]
    assert "| controller |" in rows["plugins/module_utils/_networks.py"]
    assert "| controller |" in rows["plugins/plugin_utils/_values.py"]


@pytest.mark.parametrize(
    "modules, filters, shown",
    [
        (["a", "b"], ["f"], "hosts (`a`, `b`) and controller"),
        (["a"], [], "hosts (`a`)"),
        ([], ["f"], "controller"),
        ([], [], "nothing imports it"),
    ],
)
def test_runs_on(modules, filters, shown):
    assert readme_docs.runs_on(modules, filters) == shown


def test_every_filter_file_is_documented_and_every_registered_name_is_indexed():
    files = readme_docs.filter_files()
    assert len(files) == len(list((readme_docs.ROOT / "plugins" / "filter").glob("*.py")))
    index = readme_docs.plugins_section().split("\n## ", 1)[0]
    for _name, _doc, _examples, _ret, names in files:
        for name in names:
            assert "[`%s`](#filter-" % name in index


@pytest.mark.parametrize(
    "short_description, internal",
    [
        ("Internal to the daemon role: its decisions", True),
        ("What a Docker engine version can do", False),
        ("Predict the order, internal or not", False),
    ],
)
def test_internal_is_the_first_word_of_the_short_description(short_description, internal):
    assert readme_docs.is_internal({"short_description": short_description}) is internal


def test_internal_filters_stay_off_the_front_page_and_come_last_in_plugins_md():
    content = readme_docs.content_section()
    text = readme_docs.plugins_section()
    for _name, doc, _examples, _ret, names in readme_docs.filter_files():
        heading = "Filter `ipv6ready.docker.%s`" % _name
        if readme_docs.is_internal(doc):
            assert "ipv6ready.docker.%s`" % _name not in content
            assert text.index("## Internal filters") < text.index("### " + heading)
        else:
            assert "ipv6ready.docker.%s`" % _name in content
            assert text.index("## " + heading) < text.index("## Internal filters")


@pytest.mark.parametrize(
    "description, problems",
    [
        ("text", []),
        (["a", "b"], []),
        (None, []),
        ([{"not a public interface": "these filters"}], ['x: a description holds dict, not text (quote a line that contains ": ")']),
    ],
)
def test_a_description_yaml_read_as_a_mapping_is_a_problem(description, problems):
    assert readme_docs._text_problems("x", description) == problems


def test_site_plays_list_the_roles_in_the_order_site_yml_runs_them():
    # The gateways' play lists two roles and includes the failover role from its tasks (only with floating IPs).
    plays = readme_docs.site_plays()
    assert [names for _name, names in plays] == [
        [],
        ["nat64_gateway", "dns64", "nat64_failover"],
        ["nat64_client", "sysctl", "daemon", "networks", "gai_policy", "verify"],
    ]
