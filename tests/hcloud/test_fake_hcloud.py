# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fake Hetzner Cloud API answers misuse the way the API does, so that misuse fails the tests."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from api_schema import answer_problems, recorded_problems
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


def poll(fake, action_id):
    status, payload = call(fake, 'GET', '/actions/%d' % action_id)
    assert status == 200
    return payload['action']


def test_server_life_cycle_and_errors(fake):
    status, payload = call(fake, 'POST', '/servers', {'name': 'v6', 'server_type': 'cx23', 'image': 'debian-13',
                                                      'location': 'fsn1',
                                                      'public_net': {'enable_ipv4': False, 'enable_ipv6': True}})
    assert status == 201
    server = payload['server']
    assert server['public_net']['ipv4'] is None
    assert server['public_net']['ipv6']['ip'] == '2001:db8:1::/64'
    assert server['location']['name'] == 'fsn1' and 'datacenter' not in server
    assert server['status'] == 'initializing'
    # Actions start running; create_server finishes at the second poll, start_server at the first.
    action = payload['action']
    assert (action['command'], action['status'], action['finished']) == ('create_server', 'running', None)
    assert poll(fake, action['id'])['status'] == 'running'
    finished = poll(fake, action['id'])
    assert (finished['status'], finished['progress'], finished['error']) == ('success', 100, None)
    assert finished['finished'] is not None
    assert call(fake, 'GET', '/servers/%d' % server['id'])[1]['server']['status'] == 'starting'
    assert poll(fake, payload['next_actions'][0]['id'])['status'] == 'success'
    assert call(fake, 'GET', '/servers/%d' % server['id'])[1]['server']['status'] == 'running'
    # Names are unique; an Arm image does not fit an x86 type; unknown fields are refused.
    assert call(fake, 'POST', '/servers', {'name': 'v6', 'server_type': 'cx23', 'image': 'debian-13'})[0] == 409
    status, payload = call(fake, 'POST', '/servers', {'name': 'x', 'server_type': 'cx23', 'image': 310557661})
    assert (status, payload['error']['code']) == (422, 'invalid_input')
    status, payload = call(fake, 'POST', '/servers', {'name': 'x', 'server_type': 'cx23', 'image': 'debian-13',
                                                      'public_net': {'enable_ipv4': False, 'ipv6_only': True}})
    assert payload['error']['details']['fields'][0]['name'] == 'public_net.ipv6_only'
    # The API removed datacenter from the request on 2026-07-01.
    status, payload = call(fake, 'POST', '/servers', {'name': 'dc', 'server_type': 'cx23', 'image': 'debian-13',
                                                      'datacenter': 'nbg1-dc3'})
    assert (status, payload['error']['message']) == (422, "invalid input in field 'datacenter'")
    assert 'location' in payload['error']['details']['fields'][0]['messages'][0]
    status, payload = call(fake, 'DELETE', '/servers/%d' % server['id'])
    assert status == 200 and payload['action']['command'] == 'delete_server'
    assert call(fake, 'GET', '/servers/%d' % server['id'])[0] == 404


@pytest.mark.parametrize('server_type, location, why', [
    ('cx22', 'nbg1', 'not available'),     # deprecated, no longer orderable anywhere
    ('cax11', 'nbg1', 'not available'),    # offered in nbg1, sold out there
    ('cx23', 'ash', 'not offered'),        # the cx types are EU-only
])
def test_server_type_must_be_available_in_the_location(fake, server_type, location, why):
    status, payload = call(fake, 'GET', '/server_types?name=%s' % server_type)
    offers = {item['name']: item for item in payload['server_types'][0]['locations']}
    assert all(set(item) == {'id', 'name', 'deprecation', 'available', 'recommended'} for item in offers.values())
    assert location not in offers or offers[location]['available'] is False
    status, payload = call(fake, 'POST', '/servers', {'name': 'x', 'server_type': server_type, 'image': 'debian-13',
                                                      'location': location})
    assert (status, payload['error']['code']) == (412, 'resource_unavailable')
    assert why in payload['error']['message']


@pytest.mark.parametrize('path', ['/datacenters', '/datacenters/2'])
def test_datacenters_are_gone(fake, path):
    status, payload = call(fake, 'GET', path)
    assert (status, payload['error']['code']) == (410, 'deprecated_api_endpoint')
    assert fake.gone == [{'method': 'GET', 'path': path}]


def test_failed_action_carries_the_api_error(fake):
    fake.fail_action('create_server', code='server_create_failed', message='the host ran out of disks',
                     server_name='doomed')
    status, payload = call(fake, 'POST', '/servers', {'name': 'doomed', 'server_type': 'cx23', 'image': 'debian-13'})
    assert status == 201 and payload['action']['status'] == 'running'
    action = poll(fake, payload['action']['id'])
    assert action['status'] == 'running'
    action = poll(fake, payload['action']['id'])
    assert action['status'] == 'error'
    assert action['error'] == {'code': 'server_create_failed', 'message': 'the host ran out of disks'}
    # A failed create leaves nothing behind; the next create of the same name works.
    assert call(fake, 'GET', '/servers?name=doomed')[1]['servers'] == []
    assert call(fake, 'POST', '/servers', {'name': 'doomed', 'server_type': 'cx23', 'image': 'debian-13'})[0] == 201


def test_unpolled_actions_finish_on_their_own():
    with FakeHcloud(TOKEN, action_seconds=0) as api:
        status, payload = call(api, 'POST', '/servers', {'name': 'web', 'server_type': 'cx23', 'image': 'debian-13'})
        assert payload['action']['status'] == 'running'
        assert call(api, 'GET', '/servers/%d' % payload['server']['id'])[1]['server']['status'] == 'running'


def test_firewall_addresses_come_back_canonical(fake):
    rules = [{'direction': 'in', 'protocol': 'tcp', 'port': '22',
              'source_ips': ['2001:DB8:0:0::/64', '2001:0db8:00ff::/48', '192.0.2.0/24']}]
    status, payload = call(fake, 'POST', '/firewalls', {'name': 'fw', 'rules': rules})
    assert status == 201
    assert payload['firewall']['rules'][0]['source_ips'] == ['2001:db8::/64', '2001:db8:ff::/48', '192.0.2.0/24']


def cidrs(count):
    return ['2001:db8:%x::/48' % index for index in range(count)]


@pytest.mark.parametrize('rules, status, code, message', [
    pytest.param([{'direction': 'in', 'protocol': 'tcp', 'port': '22', 'source_ips': cidrs(101)}],
                 422, 'invalid_input', "invalid input in field 'rules[0].source_ips'", id='101-cidrs'),
    pytest.param([{'direction': 'in', 'protocol': 'tcp', 'port': '22', 'source_ips': cidrs(101)},
                  {'direction': 'in', 'protocol': 'icmp', 'source_ips': ['::/0']},
                  {'direction': 'out', 'protocol': 'udp', 'port': '53', 'destination_ips': cidrs(150)}],
                 422, 'invalid_input', "invalid input in fields 'rules[0].source_ips', 'rules[2].destination_ips'",
                 id='two-lists-at-once'),
    pytest.param([{'direction': 'in', 'protocol': 'tcp', 'port': str(port), 'source_ips': ['::/0']}
                  for port in range(1, 52)], 422, 'invalid_input', "invalid input in field 'rules'", id='51-rules'),
    pytest.param([{'direction': 'in', 'protocol': 'tcp', 'port': str(port), 'source_ips': cidrs(100)}
                  for port in range(1, 7)], 403, 'resource_limit_exceeded', 'firewall limit exceeded',
                 id='600-effective-rules'),
])
def test_firewall_limits(fake, rules, status, code, message):
    answer = call(fake, 'POST', '/firewalls', {'name': 'fw', 'rules': rules})
    assert (answer[0], answer[1]['error']['code'], answer[1]['error']['message']) == (status, code, message)
    assert fake.firewall_list() == []
    # At the limits exactly, the API accepts the rules.
    limit = [{'direction': 'in', 'protocol': 'tcp', 'port': str(port), 'source_ips': cidrs(100)} for port in range(1, 6)]
    assert call(fake, 'POST', '/firewalls', {'name': 'fw', 'rules': limit})[0] == 201


def test_every_answer_has_the_current_shape(fake):
    """Everything the fake serves, checked against api_schema (the test the playbooks' run also does)."""
    server = fake.seed_server('web', labels={'team': 'web'}, location='hel1')
    fake.seed_firewall('fw', [{'direction': 'in', 'protocol': 'icmp', 'source_ips': ['::/0']}], servers=[server['id']])
    key = fake.seed_ssh_key('k', KEY)
    status, created = call(fake, 'POST', '/servers', {'name': 'v6', 'server_type': 'cpx22', 'image': 'debian-13',
                                                      'location': 'sin',
                                                      'public_net': {'enable_ipv4': False, 'enable_ipv6': True}})
    for path in ['/locations', '/locations/1', '/server_types', '/server_types/104', '/images?architecture=arm',
                 '/images/310557660', '/ssh_keys', '/ssh_keys/%d' % key['id'], '/firewalls', '/servers',
                 '/servers/%d' % server['id'], '/primary_ips', '/actions/%d' % created['action']['id'],
                 '/actions?id=%d' % created['action']['id'], '/servers/999']:
        call(fake, 'GET', path)
    call(fake, 'POST', '/servers/%d/actions/poweroff' % server['id'])
    assert len(fake.responses()) == 17
    assert recorded_problems(fake.responses()) == []


@pytest.mark.parametrize('answer, fragment', [
    pytest.param({'server': {'datacenter': {'id': 2, 'name': 'nbg1-dc3'}}}, 'server.datacenter: removed from the API',
                 id='server-datacenter'),
    pytest.param({'primary_ips': [{'datacenter': None}]}, 'primary_ips[0].datacenter: removed', id='primary-ip-datacenter'),
    pytest.param({'server': {}}, 'server.location: missing', id='server-without-location'),
    pytest.param({'server_types': [{'locations': [{'id': 1, 'name': 'fsn1', 'deprecation': None}]}]},
                 'server_types[0].locations[0].available: missing', id='server-type-location-without-available'),
    pytest.param({'datacenters': []}, 'answer.datacenters: the datacenters endpoints answer 410', id='datacenters'),
    pytest.param({'action': {'error': {'code': 'x'}}}, 'action.error.message: missing', id='action-error'),
    pytest.param({'ssh_key': {'colour': 'blue'}}, 'ssh_key.colour: not a field', id='unknown-field'),
])
def test_schema_catches_the_old_shape(answer, fragment):
    """The schema check fails on the shape the API had before 2026-07-01 (and on other drift)."""
    problems = answer_problems(answer)
    assert any(fragment in problem for problem in problems), problems


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
