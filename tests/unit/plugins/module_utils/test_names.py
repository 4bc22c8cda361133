# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one rule for interface names and the one for domain names (module_utils/_names.py)."""

from __future__ import annotations

import pytest

from ansible_collections.ipv6ready.docker.plugins.module_utils import _names

RULE = '1 to 15 letters, digits, ".", "_" or "-"; not "." or ".."'


@pytest.mark.parametrize(
    "value",
    [
        "eth0",
        "enp7s0",
        "eth0.100",
        "br-1a2b3c4d5e6f",
        "nat64",
        "wg_0",
        "a",
        "x" * 15,
        "..a",
        "docker0",
    ],
)
def test_interface_names(value):
    assert _names.interface_problem(value) is None


@pytest.mark.parametrize(
    "value, shown",
    [
        pytest.param("", "''", id="empty"),
        pytest.param("x" * 16, "'%s'" % ("x" * 16), id="16-characters"),
        pytest.param(".", "'.'", id="dot"),
        pytest.param("..", "'..'", id="dot-dot"),
        pytest.param("bad/name", "'bad/name'", id="slash"),
        pytest.param("eth 0", "'eth 0'", id="blank"),
        pytest.param("eth0:1", "'eth0:1'", id="alias-colon"),
        pytest.param("eth0;reboot", "'eth0;reboot'", id="shell"),
        pytest.param("eth0\n", "'eth0\\n'", id="newline"),
        pytest.param("ethé", "'ethé'", id="non-ascii"),
        pytest.param(None, "None", id="none"),
        pytest.param(0, "0", id="integer"),
    ],
)
def test_not_interface_names(value, shown):
    assert _names.interface_problem(value) == "%s is not an interface name (%s)" % (shown, RULE)


@pytest.mark.parametrize(
    "value, required, expected",
    [
        pytest.param("eth0", True, [], id="good"),
        pytest.param("", False, [], id="empty-optional"),
        pytest.param(None, False, [], id="none-optional"),
        pytest.param("", True, ["v: '' is not an interface name (%s)" % RULE], id="empty-required"),
        pytest.param("a b", False, ["v: 'a b' is not an interface name (%s)" % RULE], id="bad-optional"),
    ],
)
def test_interface_problems_name_the_variable(value, required, expected):
    assert _names.interface_problems(value, "v", required=required) == expected


@pytest.mark.parametrize(
    "value",
    [
        ".",
        "ipv4only.arpa",
        "ipv4only.arpa.",
        "corp.example",
        "nat64.test",
        "_dmarc.example",
        "a-b.c_d",
        "localhost",
        "%s.example" % ("a" * 63),
        ".".join(["a" * 63] * 3) + "." + "b" * 61,
    ],
)
def test_domain_names(value):
    assert _names.domain_problem(value) is None


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("corp example", id="blank"),
        pytest.param("a..b", id="empty-label"),
        pytest.param(".example", id="leading-dot"),
        pytest.param("example..", id="two-trailing-dots"),
        pytest.param("%s.example" % ("a" * 64), id="label-64"),
        pytest.param(".".join(["a" * 63] * 4), id="name-255"),
        pytest.param("host.example/24", id="slash"),
        pytest.param('a"b.example', id="quote"),
        pytest.param(None, id="none"),
    ],
)
def test_not_domain_names(value):
    assert _names.domain_problem(value) == "%r is not a domain name (%s)" % (value, _names.DOMAIN_RULE)


def test_domain_problems_name_the_variable_for_each_bad_value():
    assert _names.domain_problems(["ok.example", "corp example", "a..b"], "v") == [
        "v: 'corp example' is not a domain name (%s)" % _names.DOMAIN_RULE,
        "v: 'a..b' is not a domain name (%s)" % _names.DOMAIN_RULE,
    ]
    assert _names.domain_problems(None, "v") == []


@pytest.mark.parametrize(
    "value",
    [
        "/run/docker.sock",
        "/var/run/docker.sock",
        "/run/user/1000/docker.sock",
        "/" + "s" * 106,
    ],
)
def test_socket_paths(value):
    assert _names.socket_problem(value) is None


@pytest.mark.parametrize(
    "value, shown",
    [
        pytest.param("", "''", id="empty-uri-would-talk-tcp"),
        pytest.param(None, "None", id="null"),
        pytest.param("run/docker.sock", "'run/docker.sock'", id="relative"),
        pytest.param("~/docker.sock", "'~/docker.sock'", id="tilde"),
        pytest.param("unix:///run/docker.sock", "'unix:///run/docker.sock'", id="a-url-not-a-path"),
        pytest.param("/run/", "'/run/'", id="a-directory"),
        pytest.param("/run/do\0cker.sock", "'/run/do\\x00cker.sock'", id="nul"),
        pytest.param("/" + "s" * 107, None, id="108-bytes"),
        pytest.param("/run/" + "\u00e9" * 52, None, id="108-bytes-in-utf-8"),
        pytest.param(["/run/docker.sock"], "['/run/docker.sock']", id="list"),
    ],
)
def test_not_socket_paths(value, shown):
    problem = _names.socket_problem(value)
    assert problem.endswith("is not the path of a socket (an absolute path of at most 107 bytes, such as /run/docker.sock)"), problem
    if shown is not None:
        assert problem.startswith(shown + " "), problem


def test_socket_problems_name_the_variable():
    assert _names.socket_problems("/run/docker.sock", "ipv6ready_docker_socket") == []
    assert _names.socket_problems("", "ipv6ready_docker_socket") == [
        "ipv6ready_docker_socket: '' is not the path of a socket (an absolute path of at most 107 bytes, such as /run/docker.sock)"
    ]
