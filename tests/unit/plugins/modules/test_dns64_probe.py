# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import functools

import pytest

from fake_dns import FakeDns, closed_udp_port, loopback_ipv6, response

from ansible_collections.ipv6ready.docker.plugins.modules import dns64_probe

PREFIX = "fd64:1ab:f1:0:64::/96"
SYNTH = "fd64:1ab:f1:0:64:0:aa5:319"
WELL_KNOWN = "fd64:1ab:f1:0:64:0:c000:aa"

pytestmark = pytest.mark.skipif(not loopback_ipv6(), reason="no IPv6 loopback on this machine")


@pytest.fixture
def run(run_module):
    return functools.partial(run_module, dns64_probe.main)


def dns64(query, _transport):
    """A DNS64 resolver for PREFIX: ipv4only.arpa and smtp.lab.test synthesized."""
    name = query[12:].split(b"\x00", 1)[0]
    if b"ipv4only" in name:
        return response(query, addresses=[WELL_KNOWN, "fd64:1ab:f1:0:64:0:c000:ab"])
    return response(query, addresses=[SYNTH])


def test_a_dns64_resolver_proves_itself_in_check_mode(run):
    with FakeDns(dns64) as server:
        result = run({"servers": ["::1"], "names": ["ipv4only.arpa", "smtp.lab.test"], "prefix": PREFIX, "port": server.port}, check_mode=True)
    assert result["changed"] is False and "failed" not in result
    assert result["problems"] == []
    assert [(c["server"], c["source"], c["name"], c["ok"]) for c in result["checks"]] == [
        ("::1", "::1", "ipv4only.arpa", True),
        ("::1", "::1", "smtp.lab.test", True),
    ]


def test_any_of_several_prefixes_passes_and_the_addresses_are_returned(run):
    with FakeDns(dns64) as server:
        result = run({"servers": ["::1"], "names": ["smtp.lab.test"], "prefixes": ["fd64:1ab:f2:0:64::/96", PREFIX], "port": server.port})
    assert result["problems"] == [] and result["prefix_source"] == "given"
    assert result["checks"][0]["addresses"] == [SYNTH]
    assert result["checks"][0]["detail"] == "AAAA %s inside %s" % (SYNTH, PREFIX)


def test_the_prefix_is_learnt_from_ipv4only_arpa(run):
    with FakeDns(dns64) as server:
        result = run({"servers": ["::1"], "port": server.port})
    assert (result["prefix"], result["prefix_source"]) == (PREFIX, "learnt from ipv4only.arpa")


def test_a_refusing_resolver_fails_naming_itself_the_source_and_the_allowlist(run):
    with FakeDns(lambda q, t: response(q, rcode=5)) as server:
        result = run({"servers": ["::1"], "names": ["smtp.lab.test"], "prefix": PREFIX, "port": server.port})
    assert result["failed"] is True
    assert result["msg"].startswith(
        "the DNS64 resolvers do not prove themselves to this host: the DNS64 resolver ::1, asked by this host from ::1 for smtp.lab.test: REFUSED"
    )
    assert "dns64_allowed_prefixes" in result["msg"]


def test_warn_only_reports_and_succeeds(run, module_warnings):
    warnings = module_warnings
    with FakeDns(lambda q, t: response(q, rcode=5)) as server:
        result = run({"servers": ["::1"], "names": ["smtp.lab.test"], "prefix": PREFIX, "port": server.port, "warn_only": True}, check_mode=True)
    assert "failed" not in result and len(result["problems"]) == 1
    assert warnings and "REFUSED" in warnings[0]


def test_a_resolver_without_a_listener_fails(run):
    result = run({"servers": ["::1"], "names": ["smtp.lab.test"], "prefix": PREFIX, "port": closed_udp_port()})
    assert result["failed"] is True and "nothing listens on port 53" in result["msg"]


def test_every_resolver_must_prove_itself(run):
    with FakeDns(dns64) as good:
        try:
            bad = FakeDns(lambda q, t: response(q, rcode=2), host="127.0.0.1", port=good.port)
        except OSError as exc:
            pytest.skip("port %d is taken on 127.0.0.1: %s" % (good.port, exc))
        with bad:
            result = run({"servers": ["::1", "127.0.0.1"], "names": ["smtp.lab.test"], "prefix": PREFIX, "port": good.port})
    assert [(c["server"], c["ok"]) for c in result["checks"]] == [("::1", True), ("127.0.0.1", False)]
    assert result["failed"] is True and len(result["problems"]) == 1
    assert result["problems"][0].startswith("the DNS64 resolver 127.0.0.1, asked by this host from 127.0.0.1")
    assert "SERVFAIL" in result["problems"][0]


@pytest.mark.parametrize(
    "args, message",
    [
        ({"servers": []}, "servers: the list is empty"),
        ({"servers": ["gw.example"]}, "servers: 'gw.example' is not an IP address"),
        ({"servers": ["::1"], "names": []}, "names: the list is empty"),
        ({"servers": ["::1"], "names": ["a" * 70 + ".test"]}, "is not a domain name"),
        ({"servers": ["::1"], "prefix": "fd64::/64"}, "prefix: 'fd64::/64' is not a /96"),
        ({"servers": ["::1"], "prefix": "10.0.0.0/8"}, "prefix: '10.0.0.0/8' is an IPv4 prefix"),
        ({"servers": ["::1"], "prefixes": [PREFIX, "fd64::/64"]}, "prefixes: 'fd64::/64' is not a /96"),
        ({"servers": ["::1"], "timeout": 0}, "timeout: must be positive"),
    ],
)
def test_bad_arguments_fail_before_any_query(run, args, message):
    result = run(args)
    assert result["failed"] is True and message in result["msg"]
