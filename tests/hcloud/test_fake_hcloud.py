# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fake Hetzner Cloud API answers misuse the way the API does, so that misuse fails the tests."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from fake_hcloud import FakeHcloud, label_selector_matches

TOKEN = 'fake-self-test-token'
KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMf0ylJ1CrfH0xXbc0bLJzyvSMjNyrp9wKNdYW/yJhBN test'


@pytest.fixture(name='fake')
def fake_api():
    with FakeHcloud(TOKEN) as api:
        yield api


def call(fake, method, path, body=None, token=TOKEN):
    data = None if body is None else json.dumps(body).encode('utf-8')
    request = urllib.request.Request(fake.endpoint + path, data=data, method=method)
    if token is not None:
        request.add_header('Authorization', 'Bearer %s' % token)
    if data is not None:
        request.add_header('Content-Type', 'application/json')
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_listens_on_loopback_only():
    with pytest.raises(ValueError):
        FakeHcloud(TOKEN, host='0.0.0.0')


@pytest.mark.parametrize('token', [None, 'wrong'])
def test_token_is_checked(fake, token):
    status, payload = call(fake, 'GET', '/servers', token=token)
    assert status == 401
    assert payload['error']['code'] == 'unauthorized'
    assert fake.requests[-1]['authorized'] is False


@pytest.mark.parametrize('body, field', [
    ({'name': 'k', 'public_key': KEY, 'colour': 'blue'}, 'colour'),
    ({'name': 'k'}, 'public_key'),
    ({'name': 'k', 'public_key': KEY, 'labels': {'bad key!': 'x'}}, 'labels'),
    ({'name': 'k', 'public_key': 'not a key'}, 'public_key'),
])
def test_ssh_key_shape_is_checked(fake, body, field):
    status, payload = call(fake, 'POST', '/ssh_keys', body)
    assert status == 422
    assert payload['error']['code'] == 'invalid_input'
    assert payload['error']['details']['fields'][0]['name'] == field


@pytest.mark.parametrize('rule, field', [
    ({'direction': 'in', 'protocol': 'tcp', 'source_ips': ['::/0']}, 'rules[0].port'),
    ({'direction': 'in', 'protocol': 'icmp', 'port': '22', 'source_ips': ['::/0']}, 'rules[0].port'),
    ({'direction': 'in', 'protocol': 'tcp', 'port': '22'}, 'rules[0].source_ips'),
    ({'direction': 'in', 'protocol': 'tcp', 'port': '22', 'source_ips': ['2001:db8::1/64']}, 'rules[0].source_ips'),
    ({'direction': 'in', 'protocol': 'tcp', 'port': '0-70000', 'source_ips': ['::/0']}, 'rules[0].port'),
    ({'direction': 'sideways', 'protocol': 'tcp', 'port': '22', 'source_ips': ['::/0']}, 'rules[0].direction'),
])
def test_firewall_rules_are_checked(fake, rule, field):
    status, payload = call(fake, 'POST', '/firewalls', {'name': 'fw', 'rules': [rule]})
    assert status == 422
    assert payload['error']['details']['fields'][0]['name'] == field


def test_server_life_cycle_and_errors(fake):
    status, payload = call(fake, 'POST', '/servers', {'name': 'v6', 'server_type': 'cx23', 'image': 'debian-13',
                                                      'public_net': {'enable_ipv4': False, 'enable_ipv6': True}})
    assert status == 201
    server = payload['server']
    assert server['public_net']['ipv4'] is None
    assert server['public_net']['ipv6']['ip'] == '2001:db8:1::/64'
    status, payload = call(fake, 'GET', '/actions/%d' % payload['action']['id'])
    assert (status, payload['action']['status']) == (200, 'success')
    # Names are unique; an Arm image does not fit an x86 type; unknown fields are refused.
    assert call(fake, 'POST', '/servers', {'name': 'v6', 'server_type': 'cx23', 'image': 'debian-13'})[0] == 409
    status, payload = call(fake, 'POST', '/servers', {'name': 'x', 'server_type': 'cx23', 'image': 310557661})
    assert (status, payload['error']['code']) == (422, 'invalid_input')
    status, payload = call(fake, 'POST', '/servers', {'name': 'x', 'server_type': 'cx23', 'image': 'debian-13',
                                                      'public_net': {'enable_ipv4': False, 'ipv6_only': True}})
    assert payload['error']['details']['fields'][0]['name'] == 'public_net.ipv6_only'
    # The deprecated cx22 can no longer be ordered.
    status, payload = call(fake, 'POST', '/servers', {'name': 'old', 'server_type': 'cx22', 'image': 'debian-12'})
    assert (status, payload['error']['code']) == (412, 'resource_unavailable')
    status, payload = call(fake, 'DELETE', '/servers/%d' % server['id'])
    assert status == 200 and payload['action']['command'] == 'delete_server'
    assert call(fake, 'GET', '/servers/%d' % server['id'])[0] == 404


def test_firewall_in_use_is_not_deleted(fake):
    server = fake.seed_server('web')
    firewall = fake.seed_firewall('fw', [{'direction': 'in', 'protocol': 'icmp', 'source_ips': ['::/0']}],
                                  servers=[server['id']])
    status, payload = call(fake, 'DELETE', '/firewalls/%d' % firewall['id'])
    assert (status, payload['error']['code']) == (422, 'resource_in_use')
    call(fake, 'DELETE', '/servers/%d' % server['id'])
    assert call(fake, 'DELETE', '/firewalls/%d' % firewall['id'])[0] == 204


def test_unknown_requests_are_recorded(fake):
    status, payload = call(fake, 'GET', '/volumes')
    assert (status, payload['error']['code']) == (404, 'not_found')
    assert [(item['method'], item['path']) for item in fake.unhandled] == [('GET', '/volumes')]


@pytest.mark.parametrize('selector, expected', [
    ('ipv6ready_fleet=a', True), ('ipv6ready_fleet==a', True), ('ipv6ready_fleet!=a', False),
    ('ipv6ready_fleet=a,ipv6ready_role=docker_host', True), ('ipv6ready_fleet=a,ipv6ready_role=nat64_gateway', False),
    ('ipv6ready_role in (docker_host,nat64_gateway)', True), ('ipv6ready_role notin (docker_host)', False),
    ('team', False), ('!team', True),
])
def test_label_selector(selector, expected):
    assert label_selector_matches({'ipv6ready_fleet': 'a', 'ipv6ready_role': 'docker_host'}, selector) is expected
