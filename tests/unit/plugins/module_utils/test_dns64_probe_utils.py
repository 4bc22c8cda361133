# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The DNS64 proof: wire format, decisions, and real queries to a DNS server on loopback."""

from __future__ import annotations

import struct

import pytest

from fake_dns import FakeDns, closed_udp_port, loopback_ipv6, response

from ansible_collections.ipv6ready.docker.plugins.module_utils._dns64_probe import (
    DnsFormatError,
    ask,
    build_query,
    diagnose,
    encode_name,
    evaluate,
    learn_prefix,
    parse_response,
    source_address,
)

PREFIX = "fd64:1ab:f1:0:64::/96"
SYNTH = "fd64:1ab:f1:0:64:0:aa5:319"  # 10.165.3.25 inside PREFIX
WELL_KNOWN = "fd64:1ab:f1:0:64:0:c000:aa"  # 192.0.0.170 inside PREFIX

needs_ipv6 = pytest.mark.skipif(not loopback_ipv6(), reason="no IPv6 loopback on this machine")


# --------------------------------------------------------------------------- wire format


@pytest.mark.parametrize(
    "name, expected",
    [
        ("smtp.lab.test", b"\x04smtp\x03lab\x04test\x00"),
        ("smtp.lab.test.", b"\x04smtp\x03lab\x04test\x00"),
        ("ipv4only.arpa", b"\x08ipv4only\x04arpa\x00"),
        (".", b"\x00"),
    ],
)
def test_encode_name(name, expected):
    assert encode_name(name) == expected


@pytest.mark.parametrize("name", ["a" * 64 + ".test", ".".join(["abcdefghij"] * 30)])
def test_encode_name_refuses_long_labels_and_names(name):
    with pytest.raises(ValueError):
        encode_name(name)


def test_build_query_asks_for_aaaa_with_recursion():
    ident, packet = build_query("smtp.lab.test", ident=0x1234)
    assert ident == 0x1234
    assert packet[:12] == struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    assert packet[12:] == encode_name("smtp.lab.test") + struct.pack("!HH", 28, 1)


def test_parse_response_reads_compressed_records():
    _ident, query = build_query("smtp.lab.test", ident=7)
    parsed = parse_response(response(query, addresses=[SYNTH, "10.165.3.25"]), 7)
    assert parsed == {
        "id": 7,
        "rcode": 0,
        "truncated": False,
        "records": [
            {"name": "smtp.lab.test.", "type": 28, "address": SYNTH},
            {"name": "smtp.lab.test.", "type": 1, "address": "10.165.3.25"},
        ],
    }


def test_parse_response_reads_rcode_and_truncation():
    _ident, query = build_query("x.test", ident=9)
    parsed = parse_response(response(query, rcode=5, truncated=True), 9)
    assert (parsed["rcode"], parsed["truncated"], parsed["records"]) == (5, True, [])


@pytest.mark.parametrize(
    "packet, message",
    [
        (b"\x00\x07\x81", "shorter than a DNS header"),
        (build_query("x.test", ident=7)[1], "is a query, not a response"),
        (struct.pack("!HHHHHH", 8, 0x8180, 0, 0, 0, 0), "id 8 is not the query's 7"),
        # One answer whose name is a pointer to itself.
        (struct.pack("!HHHHHH", 7, 0x8180, 0, 1, 0, 0) + b"\xc0\x0c", "compression loop"),
        # One answer whose data is longer than the packet.
        (struct.pack("!HHHHHH", 7, 0x8180, 0, 1, 0, 0) + b"\x00" + struct.pack("!HHIH", 28, 1, 60, 16) + b"\x20", "runs past the end"),
    ],
)
def test_parse_response_refuses_malformed_answers(packet, message):
    with pytest.raises(DnsFormatError, match=message):
        parse_response(packet, 7)


# --------------------------------------------------------------------------- decisions


@pytest.mark.parametrize(
    "addresses, expected",
    [
        ([WELL_KNOWN], PREFIX),
        (["2001:db8:1:c:64::c000:ab"], "2001:db8:1:c:64::/96"),
        (["64:ff9b::192.0.0.170"], "64:ff9b::/96"),
        ([SYNTH], None),  # not the RFC 7050 addresses
        (["not an address", WELL_KNOWN], PREFIX),
        ([], None),
        (None, None),
    ],
)
def test_learn_prefix(addresses, expected):
    assert learn_prefix(addresses) == expected


SERVER, SOURCE = "fd64:1ab:f1::10", "fd64:1ab:f1::22"


@pytest.mark.parametrize(
    "outcome, prefix, ok, detail, cause_words",
    [
        ({"rcode": 0, "addresses": [SYNTH]}, PREFIX, True, "AAAA %s inside %s" % (SYNTH, PREFIX), []),
        ({"rcode": 0, "addresses": [SYNTH]}, None, True, "AAAA %s" % SYNTH, []),
        ({"rcode": 5, "addresses": []}, PREFIX, False, "REFUSED", [SOURCE, "dns64_allowed_prefixes"]),
        ({"error": {"kind": "timeout", "message": "timed out"}}, PREFIX, False, "no answer", ["firewall", "within 3s", SOURCE, "unbound does not run"]),
        ({"error": {"kind": "refused", "message": "Connection refused"}}, PREFIX, False, "no answer", ["nothing listens on port 53", "dns64_interfaces"]),
        ({"error": {"kind": "unreachable", "message": "Network is unreachable"}}, PREFIX, False, "no answer", ["no route to " + SERVER]),
        ({"error": {"kind": "forbidden", "message": "Operation not permitted"}}, PREFIX, False, "no answer", ["own firewall"]),
        ({"error": {"kind": "format", "message": "garbage"}}, PREFIX, False, "no answer", ["not valid DNS"]),
        ({"rcode": 2, "addresses": []}, PREFIX, False, "SERVFAIL", ["not resolving smtp.lab.test", "DNSSEC"]),
        ({"rcode": 3, "addresses": []}, PREFIX, False, "NXDOMAIN", ["not resolving smtp.lab.test"]),
        ({"rcode": 4, "addresses": []}, PREFIX, False, "NOTIMP", ["answered NOTIMP"]),
        ({"rcode": 0, "addresses": []}, PREFIX, False, "no AAAA record", ["not a DNS64 resolver"]),
        ({"rcode": 0, "addresses": ["2001:db8::25"]}, PREFIX, False, "AAAA 2001:db8::25 outside " + PREFIX, ["another prefix", "real AAAA"]),
    ],
)
def test_diagnose(outcome, prefix, ok, detail, cause_words):
    decision = diagnose(SERVER, SOURCE, "smtp.lab.test", outcome, prefix, 3)
    assert (decision["ok"], decision["detail"]) == (ok, detail)
    for word in cause_words:
        assert word in decision["cause"]
    assert bool(decision["cause"]) != ok


def _answer(name, outcome, server=SERVER, source=SOURCE):
    return {"server": server, "source": source, "name": name, "outcome": outcome}


def test_evaluate_names_resolver_source_and_cause_in_each_problem():
    result = evaluate([_answer("smtp.lab.test", {"rcode": 5, "addresses": []})], PREFIX, 3)
    assert result["prefix"] == PREFIX and result["prefix_source"] == "given"
    assert result["problems"] == [
        "the DNS64 resolver %s, asked by this host from %s for smtp.lab.test: REFUSED; likely cause: the resolver "
        "refuses this host: its source address %s is probably not in the gateway's dns64_allowed_prefixes "
        "(unbound's access-control)" % (SERVER, SOURCE, SOURCE)
    ]
    assert result["checks"][0]["ok"] is False


def test_evaluate_learns_the_prefix_from_ipv4only_arpa():
    result = evaluate(
        [_answer("ipv4only.arpa", {"rcode": 0, "addresses": [WELL_KNOWN]}), _answer("smtp.lab.test", {"rcode": 0, "addresses": [SYNTH]})], None, 3
    )
    assert (result["prefix"], result["prefix_source"], result["problems"]) == (PREFIX, "learnt from ipv4only.arpa", [])


def test_evaluate_checks_other_names_against_the_learnt_prefix():
    result = evaluate(
        [_answer("ipv4only.arpa", {"rcode": 0, "addresses": [WELL_KNOWN]}), _answer("smtp.lab.test", {"rcode": 0, "addresses": ["2001:db8::25"]})], None, 3
    )
    assert len(result["problems"]) == 1 and "outside " + PREFIX in result["problems"][0]


def test_evaluate_refuses_resolvers_that_disagree_on_the_prefix():
    result = evaluate(
        [
            _answer("ipv4only.arpa", {"rcode": 0, "addresses": [WELL_KNOWN]}),
            _answer("ipv4only.arpa", {"rcode": 0, "addresses": ["64:ff9b::c000:aa"]}, server="::1"),
        ],
        None,
        3,
    )
    assert result["prefix"] is None
    assert "different NAT64 prefixes: 64:ff9b::/96, %s" % PREFIX in result["problems"][0]


def test_evaluate_needs_a_prefix_or_ipv4only_arpa():
    result = evaluate([_answer("smtp.lab.test", {"rcode": 0, "addresses": [SYNTH]})], None, 3)
    assert result["problems"][0].startswith("the NAT64 prefix is unknown")


def test_evaluate_refuses_a_well_known_answer_that_is_no_96_synthesis():
    result = evaluate([_answer("ipv4only.arpa", {"rcode": 0, "addresses": [SYNTH]})], None, 3)
    assert result["prefix"] is None
    assert "not a /96 DNS64 synthesis" in result["problems"][0]


def test_evaluate_passes_every_resolver_through_its_own_check():
    result = evaluate(
        [
            _answer("smtp.lab.test", {"rcode": 0, "addresses": [SYNTH]}),
            _answer("smtp.lab.test", {"error": {"kind": "timeout", "message": "timed out"}}, server="fd64:1ab:f1::11", source=None),
        ],
        PREFIX,
        3,
    )
    assert [c["ok"] for c in result["checks"]] == [True, False]
    assert result["problems"][0].startswith("the DNS64 resolver fd64:1ab:f1::11, asked by this host from (no source address) for smtp.lab.test: no answer")


# --------------------------------------------------------------------------- real queries on loopback


@needs_ipv6
def test_ask_gets_the_aaaa_over_udp():
    with FakeDns(lambda q, t: response(q, addresses=[SYNTH])) as server:
        assert ask("::1", "smtp.lab.test", 2, port=server.port) == {"rcode": 0, "addresses": [SYNTH]}
        assert [t for t, _q in server.queries] == ["udp"]


@needs_ipv6
def test_ask_retries_a_truncated_answer_over_tcp():
    def handler(query, transport):
        if transport == "udp":
            return response(query, truncated=True)
        return response(query, addresses=[SYNTH, WELL_KNOWN])

    with FakeDns(handler) as server:
        assert ask("::1", "smtp.lab.test", 2, port=server.port) == {"rcode": 0, "addresses": [SYNTH, WELL_KNOWN]}
        assert [t for t, _q in server.queries] == ["udp", "tcp"]


@needs_ipv6
def test_ask_reports_the_rcode():
    with FakeDns(lambda q, t: response(q, rcode=5)) as server:
        assert ask("::1", "smtp.lab.test", 2, port=server.port) == {"rcode": 5, "addresses": []}


@needs_ipv6
def test_ask_skips_answers_to_other_queries():
    def handler(query, transport):
        return response(query, ident=(struct.unpack("!H", query[:2])[0] + 1) & 0xFFFF) + b""

    with FakeDns(handler) as server:
        result = ask("::1", "smtp.lab.test", 0.3, attempts=1, port=server.port)
    assert result == {"error": {"kind": "timeout", "message": "timed out"}}


@needs_ipv6
def test_ask_times_out_on_a_silent_server_after_every_attempt():
    with FakeDns(lambda q, t: None) as server:
        result = ask("::1", "smtp.lab.test", 0.2, attempts=2, port=server.port)
        assert result == {"error": {"kind": "timeout", "message": "timed out"}}
        assert len(server.queries) == 2


@needs_ipv6
def test_ask_reports_a_closed_port_at_once():
    result = ask("::1", "smtp.lab.test", 2, attempts=3, port=closed_udp_port())
    assert result["error"]["kind"] == "refused"


def test_ask_over_ipv4_loopback():
    with FakeDns(lambda q, t: response(q, addresses=[SYNTH]), host="127.0.0.1") as server:
        assert ask("127.0.0.1", "smtp.lab.test", 2, port=server.port)["addresses"] == [SYNTH]


@needs_ipv6
def test_source_address_towards_loopback():
    assert source_address("::1") == "::1"
    assert source_address("127.0.0.1") == "127.0.0.1"


OTHER = "fd64:1ab:f2:0:64::/96"


@pytest.mark.parametrize(
    "prefix, prefixes, addresses, ok, where",
    [
        # a fleet of several gateways: each resolver synthesizes in its own /96; inside any given one passes
        (None, [PREFIX, OTHER], ["fd64:1ab:f2:0:64:0:aa5:319"], True, "inside " + OTHER),
        (None, [PREFIX, OTHER], [SYNTH], True, "inside " + PREFIX),
        (PREFIX, [OTHER], ["fd64:1ab:f2:0:64:0:aa5:319"], True, "inside " + OTHER),
        (None, [PREFIX, OTHER], ["2001:db8::25"], False, "outside %s, %s" % (PREFIX, OTHER)),
        (None, [PREFIX], ["2001:db8::25"], False, "outside " + PREFIX),
    ],
)
def test_evaluate_accepts_any_of_several_prefixes(prefix, prefixes, addresses, ok, where):
    result = evaluate(
        [
            _answer("smtp.lab.test", {"rcode": 0, "addresses": addresses}),
            _answer("ipv4only.arpa", {"rcode": 0, "addresses": ["fd64:1ab:f2:0:64:0:c000:aa"]}, server="::1"),
        ],
        prefix,
        3,
        prefixes=prefixes,
    )
    assert result["checks"][0]["ok"] is ok and where in result["checks"][0]["detail"]
    assert result["prefix_source"] == "given"
    assert not any("different NAT64 prefixes" in problem for problem in result["problems"])
