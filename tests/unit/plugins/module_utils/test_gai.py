# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import ipaddress
import os
import re
import socket

import pytest
import yaml

from ansible_collections.ipv6ready.docker.plugins.module_utils._gai import (
    DEFAULT_LABELS,
    DEFAULT_PRECEDENCES,
    HEADER,
    GaiOptionError,
    GaiParseError,
    build_tables,
    effective_tables,
    entry_problems,
    format_ipv6,
    parse,
    predict_order,
    prefix_problems,
    render,
)

CASES_FILE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "data", "gai_cases.yml")
with open(CASES_FILE) as _handle:
    CASES = yaml.safe_load(_handle)

# What the module's argument spec fills in for options a case leaves out.
MODULE_DEFAULTS = dict(prefer="ipv6", local_prefixes=["fc00::/7"], labels=[], precedences=[])


def module_tables(options):
    opts = dict(MODULE_DEFAULTS, **options)
    return build_tables(opts["prefer"], opts["local_prefixes"], opts["labels"], opts["precedences"])


def case_candidates(case):
    return [{"destination": dest, "source": case["source_ipv6"] if ":" in dest else case["source_ipv4"]} for dest in case["destinations"]]


def order(results):
    return [item["destination"] for item in results]


HEADER_TEXT = "".join(line + "\n" for line in HEADER)

# ---------------------------------------------------------------------------
# parse


@pytest.mark.parametrize(
    "text, kind, prefix, value",
    [
        ("", "blank", None, None),
        ("   \t", "blank", None, None),
        ("# a comment", "comment", None, None),
        ("   # indented comment", "comment", None, None),
        (HEADER[0], "header", None, None),
        (HEADER[1], "header", None, None),
        ("label ::1/128 0", "label", "::1/128", 0),
        ("label\tfc00::/7\t6   # ULA", "label", "fc00::/7", 6),
        ("  precedence ::ffff:0:0/96 10", "precedence", "::ffff:0:0/96", 10),
        ("label 2001:0::/32 7", "label", "2001::/32", 7),
        ("label FD00:0:0::/8 1", "label", "fd00::/8", 1),
        ("label ::1 5", "label", "::1/128", 5),
        ("label fd00::1/8 1", "label", "fd00::/8", 1),  # glibc ignores host bits when matching
        ("precedence ::/0 2147483647", "precedence", "::/0", 2147483647),
        ("scopev4 ::ffff:169.254.0.0/112 2", "scopev4", "169.254.0.0/16", 2),
        ("scopev4 10.0.0.0/8 5", "scopev4", "10.0.0.0/8", 5),
        ("scopev4 127.0.0.1 2", "scopev4", "127.0.0.1/32", 2),
        ("reload yes", "reload", None, "yes"),
        ("reload no # comment", "reload", None, "no"),
    ],
)
def test_parse_good_lines(text, kind, prefix, value):
    (line,) = parse(text + "\n")
    assert line.lineno == 1
    assert line.kind == kind
    assert line.raw == text + "\n"
    assert (None if line.prefix is None else (str(line.prefix) if kind == "scopev4" else _fmt(line.prefix))) == prefix
    assert line.value == value


def _fmt(network):
    from ansible_collections.ipv6ready.docker.plugins.module_utils._gai import format_prefix

    return format_prefix(network)


@pytest.mark.parametrize(
    "bad, reason",
    [
        ("lable ::/0 1", "unknown keyword 'lable'"),
        ("sortlist 10.0.0.0", "unknown keyword"),
        ("label ::/0", "takes a prefix and a value, got 1 field"),
        ("label ::/0 1 2", "got 3 field"),
        ("precedence", "got 0 field"),
        ("label 10.0.0.0/8 4", "IPv4 prefix"),
        ("label fd00::/129 1", "invalid prefix length"),
        ("label fd00::/x 1", "invalid prefix length"),
        ("label fd00:::/8 1", "is not an IPv6 prefix"),
        ("label fe80::%eth0/64 1", "zone index"),
        ("label ::/0 -1", "is not an integer"),
        ("label ::/0 one", "is not an integer"),
        ("precedence ::/0 2147483648", "is not an integer from 0 to 2147483647"),
        ("scopev4 2001:db8::/96 5", "IPv4-mapped"),
        ("scopev4 ::ffff:0:0/95 5", "IPv4-mapped"),
        ("scopev4 10.0.0.0/33 5", "prefix length"),
        ("scopev4 10.0.0.0/8", "got 1 field"),
        ("reload maybe", "yes or no"),
        ("reload", "yes or no"),
    ],
)
def test_parse_bad_line_names_line_number(bad, reason):
    text = "# policy\nreload no\n%s\nlabel ::/0 1\n" % bad
    with pytest.raises(GaiParseError) as exc:
        parse(text)
    assert exc.value.lineno == 3
    assert exc.value.line == bad
    assert reason in exc.value.reason
    assert str(exc.value).startswith("line 3: ")


def test_parse_keeps_line_endings():
    lines = parse("reload yes\r\n# no newline at end")
    assert [line.raw for line in lines] == ["reload yes\r\n", "# no newline at end"]
    assert [line.lineno for line in lines] == [1, 2]


def test_effective_tables_defaults_when_no_lines():
    assert effective_tables(parse("reload yes\n# label ::/0 1\n")) == {"labels": None, "precedences": None, "scopev4": None}


def test_effective_tables_first_duplicate_wins():
    tables = effective_tables(parse("label fc00::/7 6\nlabel fc00::/7 1\nprecedence ::/0 40\nscopev4 10.0.0.0/8 5\n"))
    assert tables == {"labels": [("fc00::/7", 6)], "precedences": [("::/0", 40)], "scopev4": [("10.0.0.0/8", 5)]}


def test_glibc_keeps_first_line_for_a_prefix():
    """FACTS: appending `label fc00::/7 1` after the defaults still sorts IPv4 first."""
    text = "".join("label %s %d\n" % entry for entry in DEFAULT_LABELS) + "label fc00::/7 1\n"
    tables = effective_tables(parse(text))
    result = predict_order(
        [{"destination": "2001:db8::10", "source": "fd00:d0c:0:1::2"}, {"destination": "192.0.2.10", "source": "172.18.0.2"}],
        tables["labels"],
        tables["precedences"],
    )
    assert order(result) == ["192.0.2.10", "2001:db8::10"]


# ---------------------------------------------------------------------------
# build_tables


def test_build_tables_module_defaults():
    labels, precedences = build_tables()
    assert labels == [("::1/128", 0), ("::/0", 1), ("2002::/16", 2), ("::/96", 3), ("::ffff:0:0/96", 4), ("fec0::/10", 5), ("fc00::/7", 1), ("2001::/32", 7)]
    assert precedences == list(DEFAULT_PRECEDENCES)


def test_build_tables_glibc_defaults_without_local_prefixes():
    assert build_tables(local_prefixes=[]) == (list(DEFAULT_LABELS), list(DEFAULT_PRECEDENCES))


def test_fc00_is_replaced_not_appended():
    labels, _precedences = build_tables(local_prefixes=["fc00::/7", "FC00:0::/7"])
    assert [entry for entry in labels if entry[0] == "fc00::/7"] == [("fc00::/7", 1)]
    assert len(labels) == len(DEFAULT_LABELS)


def test_fd00_is_added_once():
    labels, _precedences = build_tables(local_prefixes=["fd00::/8", "fd00:0::/8"])
    assert labels.count(("fd00::/8", 1)) == 1
    assert ("fc00::/7", 6) in labels
    assert len(labels) == len(DEFAULT_LABELS) + 1


def test_prefer_ipv4():
    labels, precedences = build_tables(prefer="ipv4", local_prefixes=["fd00::/8"])
    assert labels == list(DEFAULT_LABELS)
    assert ("::ffff:0:0/96", 100) in precedences
    assert len(precedences) == len(DEFAULT_PRECEDENCES)


@pytest.mark.parametrize(
    "prefer, labels, precedences, want_label, want_precedence",
    [
        ("ipv6", [{"prefix": "fc00::/7", "label": 9}], [], ("fc00::/7", 9), ("::ffff:0:0/96", 10)),
        ("ipv4", [], [{"prefix": "::ffff:0:0/96", "precedence": 45}], ("fc00::/7", 6), ("::ffff:0:0/96", 45)),
        ("ipv6", [{"prefix": "64:ff9b::/96", "label": 20}], [{"prefix": "64:ff9b::/96", "precedence": 35}], ("64:ff9b::/96", 20), ("64:ff9b::/96", 35)),
        ("ipv6", [{"prefix": "::ffff:192.0.2.0/120", "label": 4}], [], ("::ffff:c000:200/120", 4), ("::/0", 40)),
        ("ipv6", [{"prefix": "fd00::/8", "label": 1}, {"prefix": "fd00::/8", "label": 1}], [], ("fd00::/8", 1), ("::/0", 40)),
    ],
)
def test_user_entries_win(prefer, labels, precedences, want_label, want_precedence):
    label_table, precedence_table = build_tables(prefer, ["fc00::/7"], labels, precedences)
    assert want_label in label_table
    assert want_precedence in precedence_table
    for table in (label_table, precedence_table):
        prefixes = [prefix for prefix, _value in table]
        assert len(prefixes) == len(set(prefixes))


@pytest.mark.parametrize(
    "kwargs, option, value, words",
    [
        (dict(local_prefixes=["10.0.0.0/8"]), "local_prefixes[0]", "10.0.0.0/8", ["IPv4 prefix", "::ffff:10.0.0.0/104"]),
        (dict(local_prefixes=["fd00::/8", "fd00::1/8"]), "local_prefixes[1]", "fd00::1/8", ["host bits", "fd00::/8"]),
        (dict(local_prefixes=["fd00::/200"]), "local_prefixes[0]", "fd00::/200", ["prefix length"]),
        (dict(local_prefixes=["nonsense"]), "local_prefixes[0]", "nonsense", ["not an IPv6 prefix"]),
        (dict(local_prefixes="fd00::/8"), "local_prefixes", "fd00::/8", ["list"]),
        (dict(labels=[{"prefix": "192.0.2.0/24", "label": 4}]), "labels[0].prefix", "192.0.2.0/24", ["IPv4 prefix", "::ffff:192.0.2.0/120"]),
        (dict(labels=[{"prefix": "fd00::/8", "label": -1}]), "labels[0].label", "-1", ["out of range", "2147483647"]),
        (dict(labels=[{"prefix": "fd00::/8", "label": 2**31}]), "labels[0].label", "2147483648", ["out of range"]),
        (dict(labels=[{"prefix": "fd00::/8", "label": True}]), "labels[0].label", "True", ["not a label"]),
        (
            dict(labels=[{"prefix": "fd00::/8", "label": 1}, {"prefix": "FD00::/8", "label": 6}]),
            "labels",
            "FD00::/8",
            ["twice", "1 in labels[0]", "6 in labels[1]"],
        ),
        (dict(labels=[{"prefix": "fd00::/8"}]), "labels[0]", "fd00::/8", ["needs both"]),
        (dict(labels=[{"prefix": "fd00::/8", "label": 1, "precedence": 3}]), "labels[0]", "precedence", ["unknown key"]),
        (dict(precedences=[{"prefix": "::/0", "precedence": 2**31}]), "precedences[0].precedence", "2147483648", ["out of range"]),
        (dict(precedences=[{"prefix": "::/0", "precedence": 40}, {"prefix": "0::/0", "precedence": 41}]), "precedences", "0::/0", ["twice", "40", "41"]),
        (dict(prefer="ipv5"), "prefer", "ipv5", ["'ipv6' or 'ipv4'"]),
    ],
)
def test_build_tables_errors_name_option_and_value(kwargs, option, value, words):
    with pytest.raises(GaiOptionError) as exc:
        build_tables(**kwargs)
    message = str(exc.value)
    assert message.startswith(option + ": ")
    assert exc.value.option == option
    assert value in message
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    "items, expected",
    [
        pytest.param([], [], id="none"),
        pytest.param([{"prefix": "fd00::/8", "label": 1}, {"prefix": "FD00::/8", "label": 1}], [], id="same-twice"),
        pytest.param(
            [{"prefix": "fd00::1/8", "label": 1}, {"prefix": "fd00::/8", "label": -1}, "x"],
            [
                "labels[0].prefix: 'fd00::1/8' has host bits set; the network is fd00::/8",
                "labels[1].label: -1 is out of range; glibc accepts a label from 0 to 2147483647",
                "labels[2]: 'x' is not a dict with 'prefix' and 'label'",
            ],
            id="every-bad-one",
        ),
        pytest.param(
            [{"prefix": "fd00::/8", "label": 1}, {"prefix": "fd00::/8", "label": 2}, {"prefix": "fd00::/8", "label": 3}],
            [
                "labels: 'fd00::/8' is listed twice with different labels: 1 in labels[0] and 2 in labels[1]",
                "labels: 'fd00::/8' is listed twice with different labels: 1 in labels[0] and 3 in labels[2]",
            ],
            id="twice-against-the-first",
        ),
    ],
)
def test_entry_problems_lists_every_problem_build_tables_raises_first(items, expected):
    assert entry_problems(items, "labels", "label") == expected
    if expected:
        with pytest.raises(GaiOptionError, match="^%s$" % re.escape(expected[0])):
            build_tables(labels=items)
    else:
        build_tables(labels=items)


@pytest.mark.parametrize(
    "values, expected",
    [
        pytest.param(None, [], id="none"),
        pytest.param(["fd00::/8", "fd00::1", " 2001:db8::/32 "], [], id="length-optional-blanks-stripped"),
        pytest.param(
            ["10.0.0.0/8", "fd00::", "fd00::1/64"],
            [
                "local_prefixes[0]: '10.0.0.0/8' is an IPv4 prefix, IPv6 is required (write an IPv4 range as IPv4-mapped, e.g. ::ffff:10.0.0.0/104)",
                "local_prefixes[2]: 'fd00::1/64' has host bits set; the network is fd00::/64",
            ],
            id="each-bad-one",
        ),
    ],
)
def test_prefix_problems(values, expected):
    assert prefix_problems(values, "local_prefixes") == expected


# ---------------------------------------------------------------------------
# render


def test_render_new_file_is_header_and_full_tables():
    labels, precedences = build_tables(local_prefixes=["fd00:d0c::/48"])
    text = render(parse(""), labels, precedences)
    lines = text.splitlines()
    assert lines[:2] == list(HEADER)
    assert "label fd00:d0c::/48 1" in lines
    assert len([line for line in lines if line.startswith("label ")]) == 9
    assert len([line for line in lines if line.startswith("precedence ")]) == 5
    assert text.endswith("\n")


def test_render_keeps_other_lines_in_place():
    labels, precedences = build_tables()
    before = (
        "# Debian's comments\n"
        "reload yes\n"
        "label ::1/128 0\n"
        "# between\n"
        "label fc00::/7 6\n"
        "label fc00::/7 1\n"
        "scopev4 ::ffff:169.254.0.0/112  2\n"
        "precedence ::/0 40\n"
        "# tail\n"
    )
    after = render(parse(before), labels, precedences)
    lines = after.splitlines()
    block = lines[2 : 2 + len(HEADER) + len(labels) + len(precedences)]
    assert lines[:2] == ["# Debian's comments", "reload yes"]
    assert block[:2] == list(HEADER)
    assert lines[len(block) + 2 :] == ["# between", "scopev4 ::ffff:169.254.0.0/112  2", "# tail"]
    assert [line for line in lines if line.startswith("label fc00::/7")] == ["label fc00::/7 1"]


def test_render_is_idempotent():
    labels, precedences = build_tables(prefer="ipv6", local_prefixes=["fd00::/8"])
    first = render(parse("# keep\nreload no"), labels, precedences)
    assert first.startswith("# keep\nreload no\n\n" + HEADER_TEXT)
    assert render(parse(first), labels, precedences) == first


def test_render_changes_values_in_place():
    first = render(parse("# top\n"), *build_tables())
    second = render(parse(first + "# bottom\n"), *build_tables(prefer="ipv4"))
    assert second.startswith("# top\n\n" + HEADER_TEXT)
    assert "precedence ::ffff:0:0/96 100\n" in second
    assert second.endswith("# bottom\n")


def test_render_absent_keeps_other_lines():
    text = "# keep\nreload yes\n\n" + HEADER_TEXT + "label ::/0 1\nprecedence ::/0 40\n\n"
    assert render(parse(text), state="absent") == "# keep\nreload yes\n"


def test_render_absent_without_managed_lines_is_unchanged():
    text = "# keep\r\nreload yes\n\n"
    assert render(parse(text), state="absent") == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n",
        HEADER_TEXT + "label ::/0 1\nprecedence ::/0 40\n",
        "\n" + HEADER_TEXT + "label ::/0 1\n\n",
    ],
)
def test_render_absent_deletes_an_otherwise_empty_file(text):
    assert render(parse(text), state="absent") is None


# ---------------------------------------------------------------------------
# predictor: the shared case table


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_case_table_against_predictor(case):
    tables = (None, None) if case["gai_conf"] is None else module_tables(case["gai_conf"])
    assert order(predict_order(case_candidates(case), *tables)) == case["expected"]


@pytest.mark.parametrize("case", [case for case in CASES if case["gai_conf"] is not None], ids=[case["name"] for case in CASES if case["gai_conf"] is not None])
def test_case_table_through_the_written_file(case):
    """What the module writes, read back the way glibc reads it, sorts the same."""
    labels, precedences = module_tables(case["gai_conf"])
    tables = effective_tables(parse(render(parse(""), labels, precedences)))
    assert tables["labels"] == labels
    assert tables["precedences"] == precedences
    assert order(predict_order(case_candidates(case), tables["labels"], tables["precedences"])) == case["expected"]


def test_case_table_shape():
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names))
    allowed = [ipaddress.ip_network(net) for net in ("2001:db8::/32", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]
    for case in CASES:
        assert sorted(case["expected"]) == sorted(case["destinations"])
        for dest in case["destinations"]:
            address = ipaddress.ip_address(dest)
            assert any(address in net for net in allowed if net.version == address.version)
            assert format_ipv6(address) == dest if address.version == 6 else True
        for source in (case["source_ipv6"], case["source_ipv4"]):
            if source is not None:
                assert ipaddress.ip_interface(source).ip.is_private


# ---------------------------------------------------------------------------
# predictor: rules and explanations


ULA_INCIDENT = [
    {"destination": "2001:db8::10", "source": "fd00:d0c:0:1::2"},
    {"destination": "192.0.2.10", "source": "172.18.0.2"},
]


def test_explanation_of_the_incident():
    results = predict_order(ULA_INCIDENT)
    assert results[0] == {
        "destination": "192.0.2.10",
        "source": "172.18.0.2",
        "label": 4,
        "source_label": 4,
        "precedence": 10,
        "scope": 14,
        "source_scope": 14,
        "rule": 5,
        "reason": (
            "rule 5 (prefer matching label): source fd00:d0c:0:1::2 has label 6, destination 2001:db8::10 "
            "has label 1 - no match; source 172.18.0.2 label 4 matches destination 192.0.2.10 label 4"
        ),
    }
    assert results[1]["source_label"] == 6
    assert results[1]["reason"] == results[0]["reason"]


@pytest.mark.parametrize(
    "candidates, tables, expected, rule, words",
    [
        # rule 1
        (
            [("192.0.2.10", None), ("2001:db8::10", "fd00::2")],
            {},
            ["2001:db8::10", "192.0.2.10"],
            1,
            ["192.0.2.10 has no source address", "2001:db8::10 has source fd00::2"],
        ),
        # rule 2: 169.254/16 is link-local in scopev4; it beats the precedence of prefer=ipv4
        (
            [("192.0.2.10", "169.254.0.2"), ("2001:db8::10", "2001:db8:1::2")],
            {"precedences": [("::ffff:0:0/96", 100)]},
            ["2001:db8::10", "192.0.2.10"],
            2,
            ["scope 14 (global) like its source", "its source 169.254.0.2 has scope 2 (link-local)"],
        ),
        # rule 6
        ([("192.0.2.10", "172.18.0.2"), ("2001:db8::10", "2001:db8:1::2")], {}, ["2001:db8::10", "192.0.2.10"], 6, ["precedence 40", "precedence 10"]),
        # rule 6 also orders unusable destinations
        ([("192.0.2.10", None), ("2001:db8::10", None)], {}, ["2001:db8::10", "192.0.2.10"], 6, ["precedence 40"]),
        # rule 8
        ([("2001:db8::10", "2001:db8:1::2"), ("fe80::1", "fe80::2")], {}, ["fe80::1", "2001:db8::10"], 8, ["scope 2 (link-local)", "scope 14 (global)"]),
        # rule 9, IPv4: only inside the source's subnet
        (
            [("10.1.255.1", "10.1.0.2/16"), ("10.1.0.3", "10.1.0.2/16")],
            {},
            ["10.1.0.3", "10.1.255.1"],
            9,
            ["10.1.0.3 shares 31 leading bits", "10.1.255.1 only 16"],
        ),
        # IPv4 rule 9 without a prefix length (glibc: unknown) never decides
        ([("10.1.255.1", "10.1.0.2"), ("10.1.0.3", "10.1.0.2")], {}, ["10.1.255.1", "10.1.0.3"], 10, ["rule 10"]),
        # rule 10
        (
            [("2001:db8::20", "2001:db8:1::2"), ("2001:db8::10", "2001:db8:1::2")],
            {},
            ["2001:db8::20", "2001:db8::10"],
            10,
            ["2001:db8::20 came before 2001:db8::10"],
        ),
        # a table without ::/0 gets glibc's implicit ::/0 label 1
        (
            [("192.0.2.10", "172.18.0.2"), ("2001:db8::10", "fd00::2")],
            {"labels": [{"prefix": "::ffff:0:0/96", "label": 4}]},
            ["2001:db8::10", "192.0.2.10"],
            6,
            ["precedence 40"],
        ),
        # a custom scopev4 table replaces the built-in one
        (
            [("192.0.2.10", "10.0.0.2"), ("2001:db8::10", "2001:db8:1::2")],
            {"precedences": [("::ffff:0:0/96", 100)], "scopev4": [{"prefix": "10.0.0.0/8", "scope": 5}]},
            ["2001:db8::10", "192.0.2.10"],
            2,
            ["scope 5 (site-local)"],
        ),
    ],
)
def test_rules(candidates, tables, expected, rule, words):
    results = predict_order(candidates, **tables)
    assert order(results) == expected
    assert results[0]["rule"] == rule
    for word in words:
        assert word in results[0]["reason"]


def test_merge_sort_is_glibcs_when_rules_are_not_transitive():
    """Rule 9 only compares same-family pairs, so A < B < C < A can happen.

    glibc's merge sort sorts [B, C] first (rule 10), then merges A before B
    (rule 10) and never compares A with C, where rule 9 would put C first.
    """
    tables = {"precedences": [("::/0", 40), ("::ffff:0:0/96", 40)], "labels": [("::/0", 1), ("::ffff:0:0/96", 1)]}
    candidates = [("2001:db8:ffff::1", "2001:db8:1::2"), ("192.0.2.10", "172.18.0.2"), ("2001:db8:1::1", "2001:db8:1::2")]
    results = predict_order(candidates, **tables)
    assert order(results) == ["2001:db8:ffff::1", "192.0.2.10", "2001:db8:1::1"]
    assert [item["rule"] for item in results] == [10, 10, 10]


def test_single_candidate():
    (only,) = predict_order([{"destination": "192.0.2.1"}])
    assert only["source"] is None and only["source_label"] is None and only["rule"] is None


@pytest.mark.parametrize(
    "address",
    [
        "::",
        "::1",
        "::ffff:192.0.2.1",
        "::192.0.2.1",
        "::ffff:0:0",
        "2001:db8::",
        "2001:db8:0:0:1::1",
        "2001:0:0:1:0:0:0:1",
        "fe80::1:0:0:0",
        "1:0:0:0:0:0:0:0",
        "2001:db8:64::c000:20a",
        "1:2:3:4:5:6:7:8",
        "0:0:1::",
        "::1:0:0:0:0:0",
        "64:ff9b::c000:20a",
    ],
)
def test_addresses_print_like_inet_ntop(address):
    packed = ipaddress.IPv6Address(address).packed
    assert format_ipv6(ipaddress.IPv6Address(address)) == socket.inet_ntop(socket.AF_INET6, packed)


@pytest.mark.parametrize(
    "candidates, kwargs, option, words",
    [
        ("192.0.2.1", {}, "candidates", ["list"]),
        ([{"destination": "example.org"}], {}, "candidates[0].destination", ["not an IP address"]),
        ([{"destination": "192.0.2.1", "source": "fd00::2"}], {}, "candidates[0].source", ["IPv6", "IPv4"]),
        ([{"destination": "192.0.2.1", "source": "nowhere"}], {}, "candidates[0].source", ["not an IP address"]),
        ([{"destination": "192.0.2.1", "via": "x"}], {}, "candidates[0]", ["unknown key"]),
        ([42], {}, "candidates[0]", ["not a dict"]),
        ([], {"labels": [{"prefix": "10.0.0.0/8", "label": 1}]}, "labels[0].prefix", ["IPv4 prefix"]),
        ([], {"labels": ["::/0"]}, "labels[0]", ["pair"]),
        ([], {"precedences": [{"prefix": "::/0", "precedence": -5}]}, "precedences[0].precedence", ["out of range"]),
        ([], {"scopev4": [{"prefix": "2001:db8::/32", "scope": 5}]}, "scopev4[0].prefix", ["IPv4"]),
    ],
)
def test_predictor_input_errors(candidates, kwargs, option, words):
    with pytest.raises(GaiOptionError) as exc:
        predict_order(candidates, **kwargs)
    assert str(exc.value).startswith(option + ": ")
    for word in words:
        assert word in str(exc.value)
