# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for plugins/filter/nat64_gateway.py."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.filter.nat64_gateway import (
    FilterModule,
    nat64_bpf_config,
    nat64_engine_problems,
    nat64_gateway_plan,
    nat64_ipv4_denied,
)


def test_registered():
    assert FilterModule().filters() == {
        'nat64_ipv4_denied': nat64_ipv4_denied,
        'nat64_bpf_config': nat64_bpf_config,
        'nat64_engine_problems': nat64_engine_problems,
        'nat64_gateway_plan': nat64_gateway_plan,
    }


def test_ipv4_denied_takes_one_network_or_a_list():
    assert nat64_ipv4_denied('10.0.0.0/8') == nat64_ipv4_denied(['10.0.0.0/8'])
    assert '10.0.0.0/8' in nat64_ipv4_denied(None)


@pytest.mark.parametrize('targets', [['not-a-network'], ['2001:db8::/32'], 42])
def test_ipv4_denied_refuses_garbage(targets):
    with pytest.raises(AnsibleFilterError, match='nat64_ipv4_denied'):
        nat64_ipv4_denied(targets)


def test_bpf_config():
    assert nat64_bpf_config('64:ff9b::/96', '192.0.2.0/24', 7200).startswith('00 64 ff 9b 00 00')
    with pytest.raises(AnsibleFilterError, match='nat64_bpf_config: .* not a /96'):
        nat64_bpf_config('64:ff9b::/64', '192.0.2.0/24', 7200)


def test_engine_problems_default_names():
    assert nat64_engine_problems('bpf', '10.0.0.0/8', 'nat64', 7200) == [
        'nat64_gateway_dynamic_pool: 10.0.0.0/8 holds 16777214 addresses; the bpf engine maps at most 65536 (a /16), '
        'each to one IPv6 source']
    assert nat64_engine_problems('bpf', '10.0.0.0/24', 'nat64', 7200, names={'pool': 'x'}) == []


def test_gateway_plan_filter_names_the_problem():
    with pytest.raises(AnsibleFilterError, match='nat64_gateway_plan: no allowed prefixes'):
        nat64_gateway_plan('bpf', device='nat64', prefixes=['2001:db8:64::/96'], pool='192.168.255.0/24', allowed=[])
