# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The filters the dns64, nat64_client and gai_policy roles check their variables through, and interface_problems."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.filter import dns64, gai_policy, names, nat64_client
from ansible_collections.ipv6ready.docker.plugins.module_utils import _dns64, _gai_policy, _names, _nat64_client


def test_registered():
    assert dns64.FilterModule().filters() == {"dns64_problems": dns64.dns64_problems, "dns64_plan": dns64.dns64_plan}
    assert nat64_client.FilterModule().filters() == {
        "nat64_client_problems": nat64_client.nat64_client_problems,
        "nat64_client_mode": nat64_client.nat64_client_mode,
        "nat64_client_host_problems": nat64_client.nat64_client_host_problems,
    }
    assert names.FilterModule().filters() == {"interface_problems": names.interface_problems, "socket_problems": names.socket_problems}
    assert gai_policy.FilterModule().filters() == {"gai_policy_problems": gai_policy.gai_policy_problems, "gai_policy_plan": gai_policy.gai_policy_plan}


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: dns64.dns64_problems(["x"]), "dns64_problems input"),
        (lambda: dns64.dns64_plan("x"), "dns64_plan input"),
        (lambda: nat64_client.nat64_client_problems(None), "nat64_client_problems input"),
        (lambda: nat64_client.nat64_client_host_problems("x", "resolv_conf", None), "nat64_client_host_problems input"),
        (lambda: gai_policy.gai_policy_problems("x"), "gai_policy_problems input"),
        (lambda: gai_policy.gai_policy_plan("x", {}), "gai_policy_plan input"),
        (lambda: gai_policy.gai_policy_plan({}, None), "gai_policy_plan inputs"),
    ],
)
def test_a_non_mapping_input_names_the_filter(call, name):
    with pytest.raises(AnsibleFilterError, match="^%s: expected a dict" % name):
        call()


def test_nat64_client_mode_reaches_module_utils():
    assert nat64_client.nat64_client_mode("auto", None, None) == "resolv_conf"
    assert nat64_client.nat64_client_mode("auto", "/run/systemd/resolve/stub-resolv.conf", "") == "resolved"


def test_the_filters_return_what_module_utils_decides():
    inputs = {"dns64_prefix": "", "dns64_allowed_prefixes": []}
    assert dns64.dns64_problems(inputs) == _dns64.input_problems(inputs) != []
    assert dns64.dns64_plan({"dns64_interfaces": []}, None) == {"prefix": "", "interfaces": ["::1"]}
    client = {"nat64_client_route_via": "fe80::1", "nat64_client_probe_timeout": 3}
    assert nat64_client.nat64_client_problems(client) == _nat64_client.input_problems(client) != []
    assert names.interface_problems("", "v", required=False) == []
    assert names.socket_problems("/run/docker.sock", "v") == []
    assert names.socket_problems("", "v") == _names.socket_problems("", "v") != []
    assert names.interface_problems("a/b", "v") == ["v: 'a/b' is not an interface name (%s)" % _names.INTERFACE_RULE]
    policy = {"gai_policy_local_prefixes": ["10.0.0.0/8"], "gai_policy_labels": [], "gai_policy_precedences": []}
    assert gai_policy.gai_policy_problems(policy) == _gai_policy.input_problems(policy) != []
    read = {"files": {"/etc/docker/daemon.json": None}}
    plan_inputs = {"gai_policy_container_path": "/etc/ipv6ready/gai.conf"}
    assert (
        gai_policy.gai_policy_plan(read, plan_inputs)
        == _gai_policy.plan(read, plan_inputs)
        == {
            "local_prefixes": ["fc00::/7"],
            "directory": True,
            "write": ["/etc/ipv6ready/gai.conf"],
        }
    )


def test_the_plan_names_the_variable_of_a_daemon_json_it_cannot_use():
    read = {"files": {"/etc/docker/daemon.json": {"type": "file", "content": "{"}}}
    inputs = {"gai_policy_container_path": "/etc/ipv6ready/gai.conf", "gai_policy_daemon_json": "/etc/docker/daemon.json"}
    with pytest.raises(AnsibleFilterError, match="^gai_policy_daemon_json: /etc/docker/daemon.json is not JSON"):
        gai_policy.gai_policy_plan(read, inputs)
