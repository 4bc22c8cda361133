# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The model of musl's fixed RFC 6724 sort, against the cases FACTS.md records for real musl."""

from __future__ import annotations

import ipaddress

import pytest

from ansible_collections.ipv6ready.docker.plugins.module_utils._musl import (
    MuslModelError,
    common_prefix,
    musl_order,
    policy,
    scope,
)

A = "10.165.3.25"  # the IPv4-only mail server
V4_SOURCE = "172.18.0.2"  # a container's NAT'd IPv4 address
GUA_NAT64 = "2001:db8:64::a5:319"  # its AAAA through a NAT64 prefix out of a global /64
ULA_NAT64 = "fd64:1ab:f1:0:64:0:aa5:319"  # through the lab's ULA NAT64 prefix
ULA_SOURCE = "fd00:d0c:0:145::2"  # a container on a ULA network
GUA_SOURCE = "2001:db8:ce0::2"  # a container on a network with global addresses


@pytest.mark.parametrize(
    "address, expected",
    [
        ("::1", (50, 0)),
        ("::ffff:10.0.0.1", (35, 4)),
        ("2002:c000:204::1", (30, 2)),
        ("2001::1", (5, 5)),  # Teredo, 2001:0::/32
        ("2001:db8::1", (40, 1)),  # not Teredo: 2001:db8 is outside 2001:0::/32
        ("fd00:d0c::2", (3, 13)),
        ("fc00::1", (3, 13)),
        ("fe00::1", (40, 1)),  # outside fc00::/7
        ("64:ff9b::c000:201", (40, 1)),  # the well-known NAT64 prefix falls under ::/0
        ("fe80::1", (40, 1)),
    ],
)
def test_policy_table(address, expected):
    assert policy(ipaddress.IPv6Address(address)) == expected


@pytest.mark.parametrize(
    "address, expected",
    [
        ("ff02::1", 2),
        ("ff05::2", 5),
        ("ff0e::1", 14),
        ("fe80::1", 2),
        ("::1", 2),
        ("fec0::1", 5),
        ("fd00::1", 14),
        ("2001:db8::1", 14),
        ("::ffff:127.0.0.1", 14),
        ("::ffff:169.254.1.1", 14),
    ],
)
def test_scope(address, expected):
    assert scope(ipaddress.IPv6Address(address)) == expected


@pytest.mark.parametrize(
    "a, b, bits",
    [
        ("::ffff:10.165.3.25", "::ffff:172.18.0.2", 96 + 0),
        ("::ffff:10.165.3.25", "::ffff:10.165.3.24", 127),
        ("2001:db8::1", "2001:db8::1", 128),
        ("fd00::1", "2001:db8::1", 0),
    ],
)
def test_common_prefix(a, b, bits):
    assert common_prefix(ipaddress.IPv6Address(a), ipaddress.IPv6Address(b)) == bits


def order(candidates):
    return [c["destination"] for c in musl_order(candidates)]


def test_ula_network_puts_the_a_record_first():
    # FACTS: verified with a static musl program on a ULA Docker network.
    result = musl_order([{"destination": GUA_NAT64, "source": ULA_SOURCE}, {"destination": A, "source": V4_SOURCE}])
    assert [r["destination"] for r in result] == [A, GUA_NAT64]
    assert result[0]["reason"].startswith("rule 5 (matching label): source %s has label 13, destination %s has label 1 - no match" % (ULA_SOURCE, GUA_NAT64))


def test_global_network_puts_the_nat64_aaaa_first():
    # FACTS: verified on a network whose subnet is global-scope (2001:db8:ce0::/64).
    result = musl_order([{"destination": A, "source": V4_SOURCE}, {"destination": GUA_NAT64, "source": GUA_SOURCE}])
    assert [r["destination"] for r in result] == [GUA_NAT64, A]
    assert result[0]["reason"] == "rule 6 (higher precedence): %s has precedence 40, %s has 35" % (GUA_NAT64, A)


def test_ipv6_only_network_puts_the_unusable_a_record_last():
    result = musl_order([{"destination": A, "source": None}, {"destination": ULA_NAT64, "source": ULA_SOURCE}])
    assert [r["destination"] for r in result] == [ULA_NAT64, A]
    assert result[0]["reason"].startswith("rule 1 (usable destination): %s has no source address" % A)


def test_ula_nat64_prefix_on_a_ula_network_still_puts_the_a_record_first():
    # Labels match on both sides (13 and 4), then fc00::/7's precedence 3 loses to IPv4's 35.
    result = musl_order([{"destination": ULA_NAT64, "source": ULA_SOURCE}, {"destination": A, "source": V4_SOURCE}])
    assert [r["destination"] for r in result] == [A, ULA_NAT64]
    assert "rule 6" in result[0]["reason"]


def test_ula_nat64_prefix_on_a_global_network_puts_the_a_record_first():
    result = musl_order([{"destination": ULA_NAT64, "source": GUA_SOURCE}, {"destination": A, "source": V4_SOURCE}])
    assert order([{"destination": ULA_NAT64, "source": GUA_SOURCE}, {"destination": A, "source": V4_SOURCE}]) == [A, ULA_NAT64]
    assert "rule 5" in result[0]["reason"]


def test_ties_keep_the_aaaa_answers_before_the_a_answers_in_given_order():
    candidates = [
        {"destination": "10.0.0.1", "source": "10.0.0.9"},
        {"destination": "2001:db8::1", "source": None},
        {"destination": "2001:db8::2", "source": None},
    ]
    result = musl_order(candidates)
    assert [r["destination"] for r in result] == ["10.0.0.1", "2001:db8::1", "2001:db8::2"]
    assert result[1]["reason"] == "rule 10 (order): musl collected 2001:db8::1 before 2001:db8::2"


def test_longer_common_prefix_wins_a_tie():
    candidates = [{"destination": "2001:db8:1::1", "source": "2001:db8:2::9"}, {"destination": "2001:db8:2::1", "source": "2001:db8:2::9"}]
    result = musl_order(candidates)
    assert [r["destination"] for r in result] == ["2001:db8:2::1", "2001:db8:1::1"]
    assert result[0]["reason"].startswith("rule 9 (longest matching prefix)")


def test_smaller_scope_wins_over_prefix():
    candidates = [{"destination": "2001:db8::1", "source": "2001:db8::9"}, {"destination": "fe80::1", "source": "fe80::9"}]
    assert order(candidates) == ["fe80::1", "2001:db8::1"]


def test_all_ipv4_answers_are_not_sorted():
    candidates = [{"destination": "10.0.0.1", "source": None}, {"destination": "10.0.0.2", "source": "10.0.0.9"}]
    result = musl_order(candidates)
    assert [r["destination"] for r in result] == ["10.0.0.1", "10.0.0.2"]
    assert result[0]["reason"] == "musl does not sort answers that are all IPv4"


def test_one_candidate_and_none():
    assert musl_order([{"destination": A, "source": V4_SOURCE}])[0]["reason"] == "the only address"
    assert musl_order([]) == []
    assert musl_order(None) == []


def test_the_key_parts_are_returned():
    result = musl_order([{"destination": GUA_NAT64, "source": GUA_SOURCE}])[0]
    assert {k: result[k] for k in ("usable", "precedence", "label", "source_label", "scope", "source_scope")} == {
        "usable": True,
        "precedence": 40,
        "label": 1,
        "source_label": 1,
        "scope": 14,
        "source_scope": 14,
    }
    assert result["common_prefix"] == 36  # 2001:db8:0064 vs 2001:db8:0ce0
    assert result["key"] == (1 << 30) | (1 << 29) | (1 << 28) | (40 << 20) | (1 << 16) | (36 << 8) | 48


@pytest.mark.parametrize(
    "candidates, message",
    [
        ([{"source": "10.0.0.1"}], "candidate 0: .* is not a dict with a destination"),
        (["10.0.0.1"], "candidate 0"),
        ([{"destination": "bogus"}], "candidate 0: 'bogus' does not appear to be an IPv4 or IPv6 address"),
        ([{"destination": "10.0.0.1", "source": "2001:db8::1"}], "different families"),
    ],
)
def test_bad_candidates(candidates, message):
    with pytest.raises(MuslModelError, match=message):
        musl_order(candidates)


# Observed with real musl (Debian's musl-tools 1.2.3, a static program printing getaddrinfo's order for a name
# with one A and one AAAA record from /etc/hosts) in containers on a ULA and on a global (documentation prefix)
# Docker network of a 20.10 engine, with the source addresses the kernel chose in the same containers. The A
# record was listed first in /etc/hosts, so the input order below is not the order musl returned.
OBSERVED = [
    ("ula", [{"destination": "10.165.3.25", "source": "172.30.91.2"}, {"destination": "2001:db8:64::a5:319", "source": "fd00:7e57:91::2"}]),
    ("ula", [{"destination": "10.165.3.25", "source": "172.30.91.2"}, {"destination": "fd64:1ab:f1:0:64:0:aa5:319", "source": "fd00:7e57:91::2"}]),
    ("gua", [{"destination": "2001:db8:64::a5:319", "source": "2001:db8:ce0::2"}, {"destination": "10.165.3.25", "source": "172.30.92.2"}]),
    ("gua", [{"destination": "10.165.3.25", "source": "172.30.92.2"}, {"destination": "fd64:1ab:f1:0:64:0:aa5:319", "source": "2001:db8:ce0::2"}]),
]


@pytest.mark.parametrize("network, observed", OBSERVED)
def test_the_model_matches_real_musl(network, observed):
    expected = [c["destination"] for c in observed]
    assert order(observed) == expected
    assert order(list(reversed(observed))) == expected
