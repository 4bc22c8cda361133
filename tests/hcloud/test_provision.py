# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Provision, list and tear down an IPv6-only fleet against the fake Hetzner Cloud API.

The playbooks and the inventory run as ``ansible-playbook`` and
``ansible-inventory`` subprocesses with ``HCLOUD_ENDPOINT`` pointing at the fake
on a free loopback port; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fake_hcloud import IMAGES, LOCATIONS, SERVER_TYPES, FakeHcloud

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PROVISION = ROOT / 'playbooks' / 'hcloud_provision.yml'
TEARDOWN = ROOT / 'playbooks' / 'hcloud_teardown.yml'
INVENTORY = ROOT / 'inventories' / 'hcloud.yml'
TOKEN = 'test-token-' + secrets.token_hex(16)
FLEET = 'ipv6ready'  # the label_selector of inventories/hcloud.yml
GATEWAY = FLEET + '-nat64'
DOCKER_HOSTS = [FLEET + '-docker-1', FLEET + '-docker-2']
TIMEOUT = 150  # seconds for one ansible command; the whole module takes far less
RECAP_RE = re.compile(r'^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.M)


def public_key(comment='admin@example.test'):
    """Return a well-formed OpenSSH ed25519 public key line (random key material)."""
    blob = b'\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20' + secrets.token_bytes(32)
    return 'ssh-ed25519 %s %s' % (base64.b64encode(blob).decode('ascii'), comment)


def catalog_id(entries, name, **match):
    return next(item['id'] for item in entries if item['name'] == name and all(item[k] == v for k, v in match.items()))


def unsafe_free(value):
    """Strip the ``{"__ansible_unsafe": ...}`` wrappers of ``ansible-inventory --list``."""
    if isinstance(value, dict):
        if set(value) == {'__ansible_unsafe'}:
            return value['__ansible_unsafe']
        return {key: unsafe_free(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unsafe_free(item) for item in value]
    return value


def nat64_prefix(routed):
    """The /96 at ::64:0:0:0 inside a /64, computed here independently of the collection's filter."""
    network = ipaddress.IPv6Network(routed)
    return str(ipaddress.IPv6Network((int(network.network_address) | (0x64 << 48), 96)))


@pytest.fixture(scope='session')
def collections_dir(tmp_path_factory):
    """A collections path in which ``ipv6ready.docker`` is this checkout."""
    if ROOT.parts[-3:] == ('ansible_collections', 'ipv6ready', 'docker'):
        return ROOT.parents[2]
    path = tmp_path_factory.mktemp('collections')
    (path / 'ansible_collections' / 'ipv6ready').mkdir(parents=True)
    (path / 'ansible_collections' / 'ipv6ready' / 'docker').symlink_to(ROOT, target_is_directory=True)
    return path


@pytest.fixture(name='fake')
def fake_api():
    with FakeHcloud(TOKEN) as api:
        yield api
        assert not api.unhandled, 'requests the fake does not implement: %s' % api.unhandled


@pytest.fixture(name='key_file')
def public_key_file(tmp_path):
    path = tmp_path / 'id_ed25519.pub'
    path.write_text(public_key() + '\n', encoding='utf-8')
    return path


class Ansible:
    """Runs ansible-playbook and ansible-inventory against the fake."""

    def __init__(self, fake, tmp_path, collections_dir):
        self.fake = fake
        self.env = {key: value for key, value in os.environ.items()
                    if not key.lower().endswith('_proxy') and not key.startswith(('ANSIBLE_', 'HCLOUD_'))}
        self.env.update({
            'HCLOUD_TOKEN': TOKEN,
            'HCLOUD_ENDPOINT': fake.endpoint,
            'NO_PROXY': '127.0.0.1,localhost',
            'ANSIBLE_COLLECTIONS_PATH': str(collections_dir),
            'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'ansible-tmp'),
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_FORCE_COLOR': '0',
            'ANSIBLE_STDOUT_CALLBACK': 'ansible.builtin.default',
            'ANSIBLE_PIPELINING': '1',
            'ANSIBLE_RETRY_FILES_ENABLED': '0',
            'ANSIBLE_LOCALHOST_WARNING': '0',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': '0',
        })

    def run(self, command, *args, env=None):
        full_env = dict(self.env, **(env or {}))
        full_env = {key: value for key, value in full_env.items() if value is not None}
        result = subprocess.run([str(BIN / command), *map(str, args)], cwd=ROOT, env=full_env, check=False,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT)
        return result

    def playbook(self, playbook, *args, env=None):
        return self.run('ansible-playbook', playbook, *args, env=env)

    def inventory(self, inventory, *args, env=None):
        # A source that fails to parse is an error here, not an empty inventory.
        return self.run('ansible-inventory', '-i', inventory, *args, env=dict({'ANSIBLE_INVENTORY_UNPARSED_FAILED': '1'}, **(env or {})))


@pytest.fixture(name='ansible')
def ansible_runner(fake, tmp_path, collections_dir):
    return Ansible(fake, tmp_path, collections_dir)


def recap(result):
    """Return (ok, changed, unreachable, failed) of the PLAY RECAP, failing with the output when there is none."""
    found = RECAP_RE.findall(result.stdout)
    assert len(found) == 1, result.stdout
    return tuple(int(item) for item in found[0])


def assert_ok(result):
    assert result.returncode == 0, result.stdout
    ok, changed, unreachable, failed = recap(result)
    assert (unreachable, failed) == (0, 0), result.stdout
    return ok, changed


def test_fleet_life_cycle(fake, ansible, key_file, tmp_path):
    """Check mode, provision, re-provision (no change), inventory, teardown, re-teardown (no change)."""
    # Resources that are not the fleet's: teardown and inventory must leave them alone.
    unrelated = fake.seed_server('unrelated-web', labels={'team': 'web'})
    other_fleet = fake.seed_server('other-docker-1', labels={'ipv6ready_fleet': 'other', 'ipv6ready_role': 'docker_host'},
                                   enable_ipv4=False)
    fake.seed_firewall('web-firewall', [{'direction': 'in', 'protocol': 'tcp', 'port': '443',
                                         'source_ips': ['0.0.0.0/0', '::/0']}], servers=[unrelated['id']])
    fake.seed_ssh_key('bob', public_key('bob@example.test'))
    group_vars = tmp_path / 'inventory' / 'group_vars' / 'all' / 'hcloud_fleet.yml'
    extra = ['-e', 'hcloud_fleet_ssh_public_key_path=%s' % key_file, '-e', 'hcloud_fleet_group_vars_file=%s' % group_vars]

    # Check mode on the empty fleet: reports changes, sends no change to the API.
    result = ansible.playbook(PROVISION, '--check', *extra)
    _ok, changed = assert_ok(result)
    assert changed > 0
    assert fake.mutating_calls() == []
    assert not group_vars.exists()

    # First run: everything is created.
    mark = len(fake.requests)
    result = ansible.playbook(PROVISION, *extra)
    _ok, changed = assert_ok(result)
    assert changed > 0
    assert 'deprecat' not in result.stdout.lower(), result.stdout
    assert all(item['authorized'] for item in fake.requests)

    keys = {item['name']: item for item in fake.ssh_key_list()}
    assert keys['ipv6ready-admin']['labels'] == {'ipv6ready_fleet': FLEET}
    assert keys['ipv6ready-admin']['public_key'] == key_file.read_text(encoding='utf-8').strip()
    firewalls = {item['name']: item for item in fake.firewall_list()}
    docker_fw, gateway_fw = firewalls[FLEET + '-docker-hosts'], firewalls[FLEET + '-nat64-gateway']

    creates = {call['body']['name']: call['body'] for call in fake.calls('POST', '/servers')}
    assert sorted(creates) == sorted(DOCKER_HOSTS + [GATEWAY])
    common = {
        'server_type': catalog_id(SERVER_TYPES, 'cx23'),
        'image': catalog_id(IMAGES, 'debian-13', architecture='x86'),
        'location': catalog_id(LOCATIONS, 'nbg1'),
        'ssh_keys': [keys['ipv6ready-admin']['id']],
        'start_after_create': True,
    }
    for name in DOCKER_HOSTS:
        body = creates[name]
        assert body['public_net'] == {'enable_ipv4': False, 'enable_ipv6': True}
        assert body['labels'] == {'ipv6ready_fleet': FLEET, 'ipv6ready_role': 'docker_host'}
        assert body['firewalls'] == [{'firewall': docker_fw['id']}]
        assert {key: body[key] for key in common} == common
    body = creates[GATEWAY]
    assert body['public_net'] == {'enable_ipv4': True, 'enable_ipv6': True}
    assert body['labels'] == {'ipv6ready_fleet': FLEET, 'ipv6ready_role': 'nat64_gateway'}
    assert body['firewalls'] == [{'firewall': gateway_fw['id']}]
    assert {key: body[key] for key in common} == common

    servers = {item['name']: item for item in fake.server_list()}
    host_prefixes = sorted(servers[name]['public_net']['ipv6']['ip'] for name in DOCKER_HOSTS)
    assert all(servers[name]['public_net']['ipv4'] is None for name in DOCKER_HOSTS)
    gateway_net = servers[GATEWAY]['public_net']
    assert gateway_net['ipv4'] is not None and gateway_net['ipv6'] is not None

    # Docker hosts: SSH, ICMPv6 and the app's ports, from IPv6 sources only.
    assert {(rule['protocol'], rule['port']) for rule in docker_fw['rules']} == {
        ('tcp', '22'), ('icmp', None), ('tcp', '80'), ('tcp', '443')}
    for rule in docker_fw['rules']:
        assert rule['direction'] == 'in'
        assert all(ipaddress.ip_network(source).version == 6 for source in rule['source_ips']), rule
    # Gateway: SSH, ICMP over IPv4 (path MTU discovery), and DNS64/NAT64 open to the Docker hosts' /64s only.
    ssh_rules = [rule for rule in gateway_fw['rules'] if (rule['protocol'], rule['port']) == ('tcp', '22')]
    assert [rule['source_ips'] for rule in ssh_rules] == [['::/0']]
    ipv4_rules = [rule for rule in gateway_fw['rules'] if '0.0.0.0/0' in rule['source_ips']]
    assert [(rule['protocol'], rule['source_ips']) for rule in ipv4_rules] == [('icmp', ['0.0.0.0/0'])]
    fleet_rules = [rule for rule in gateway_fw['rules'] if rule not in ssh_rules + ipv4_rules]
    assert {(rule['protocol'], rule['port']) for rule in fleet_rules} == {
        ('udp', '53'), ('tcp', '53'), ('tcp', 'any'), ('udp', 'any'), ('icmp', None)}
    assert all(rule['source_ips'] == host_prefixes for rule in fleet_rules), fleet_rules

    # The printed and written NAT64 settings.
    gateway_prefix = gateway_net['ipv6']['ip']
    expected_nat64 = nat64_prefix(gateway_prefix)
    gateway_address = str(ipaddress.IPv6Network(gateway_prefix)[1])
    assert gateway_prefix in result.stdout and expected_nat64 in result.stdout
    fleet_prefixes = sorted(host_prefixes + [gateway_prefix])
    assert yaml.safe_load(group_vars.read_text(encoding='utf-8')) == {
        'ipv6ready_fleet_prefixes': fleet_prefixes,
        'ipv6ready_gateway_address': gateway_address,
        'nat64_gateway_prefix': expected_nat64,
        'nat64_gateway_allowed_prefixes': fleet_prefixes,
        'dns64_prefix': expected_nat64,
        'dns64_allowed_prefixes': fleet_prefixes,
        'nat64_client_prefix': expected_nat64,
        'nat64_client_dns_servers': [gateway_address],
    }
    group_vars_text = group_vars.read_text(encoding='utf-8')

    # Second run: nothing changes, and nothing but reads reaches the API.
    mark = len(fake.requests)
    result = ansible.playbook(PROVISION, *extra)
    assert assert_ok(result)[1] == 0, result.stdout
    assert [call for call in fake.requests[mark:] if call['method'] != 'GET'] == []
    assert group_vars.read_text(encoding='utf-8') == group_vars_text

    # The dynamic inventory: the fleet only, grouped by role, reached over IPv6.
    mark = len(fake.requests)
    result = ansible.inventory(INVENTORY, '--list')
    assert result.returncode == 0, result.stdout
    listing = unsafe_free(json.loads(result.stdout[result.stdout.index('{'):]))
    assert listing['nat64_gateways']['hosts'] == [GATEWAY]
    assert sorted(listing['docker_hosts']['hosts']) == DOCKER_HOSTS
    hostvars = listing['_meta']['hostvars']
    assert sorted(hostvars) == sorted(DOCKER_HOSTS + [GATEWAY])
    for name in DOCKER_HOSTS + [GATEWAY]:
        first = str(ipaddress.IPv6Network(servers[name]['public_net']['ipv6']['ip'])[1])
        assert hostvars[name]['ansible_host'] == first
        assert hostvars[name]['ansible_user'] == 'root'
    assert [call for call in fake.requests[mark:] if call['method'] != 'GET'] == []

    # With the written group_vars next to the inventory, site.yml gets the NAT64 settings.
    shutil.copy(INVENTORY, group_vars.parents[2] / 'hcloud.yml')
    result = ansible.inventory(group_vars.parents[2] / 'hcloud.yml', '--host', DOCKER_HOSTS[0])
    assert result.returncode == 0, result.stdout
    host = unsafe_free(json.loads(result.stdout[result.stdout.index('{'):]))
    assert host['nat64_client_prefix'] == expected_nat64
    assert host['nat64_client_dns_servers'] == [gateway_address]

    # Teardown removes the fleet (by label) and nothing else.
    fleet_ids = {('servers', servers[name]['id']) for name in DOCKER_HOSTS + [GATEWAY]}
    fleet_ids |= {('firewalls', docker_fw['id']), ('firewalls', gateway_fw['id'])}
    fleet_ids |= {('ssh_keys', keys['ipv6ready-admin']['id'])}
    mark = len(fake.requests)
    result = ansible.playbook(TEARDOWN, *extra)
    assert assert_ok(result)[1] > 0
    deleted = {tuple(call['path'].strip('/').split('/')) for call in fake.requests[mark:] if call['method'] != 'GET'}
    assert {(kind, int(item_id)) for kind, item_id in deleted} == fleet_ids
    assert [call['method'] for call in fake.requests[mark:] if call['method'] != 'GET'] == ['DELETE'] * len(fleet_ids)
    assert sorted(item['name'] for item in fake.server_list()) == sorted(['unrelated-web', 'other-docker-1'])
    assert [item['name'] for item in fake.ssh_key_list()] == ['bob']
    remaining_fw = fake.firewall_list()
    assert [item['name'] for item in remaining_fw] == ['web-firewall']
    assert remaining_fw[0]['applied_to'] == [{'type': 'server', 'server': {'id': unrelated['id']}}]
    assert other_fleet['name'] in {item['name'] for item in fake.server_list()}
    assert not group_vars.exists()

    # A second teardown finds nothing to do.
    mark = len(fake.requests)
    result = ansible.playbook(TEARDOWN, *extra)
    assert assert_ok(result)[1] == 0, result.stdout
    assert [call for call in fake.requests[mark:] if call['method'] != 'GET'] == []


def test_existing_key_is_reused_and_kept(fake, ansible, key_file):
    """A project that has the key under another name: no duplicate upload (the API refuses it), no label on it."""
    existing = fake.seed_ssh_key('alice@laptop', key_file.read_text(encoding='utf-8').strip().replace(
        'admin@example.test', 'alice@laptop'))
    result = ansible.playbook(PROVISION, '-e', 'hcloud_fleet_ssh_public_key_path=%s' % key_file,
                              '-e', 'hcloud_fleet_docker_host_count=0')
    assert_ok(result)
    assert fake.calls('POST', '/ssh_keys') == []
    assert [call['method'] for call in fake.calls('PUT', '/ssh_keys/.*')] == []
    creates = fake.calls('POST', '/servers')
    assert [call['body']['name'] for call in creates] == [GATEWAY]
    assert creates[0]['body']['ssh_keys'] == [existing['id']]
    # Teardown selects by the fleet label, which the reused key does not get.
    assert [(item['name'], item['labels']) for item in fake.ssh_key_list()] == [('alice@laptop', {})]
    # No Docker host, no fleet prefix: the translator and the resolver stay closed, never open to everyone.
    gateway_fw = next(item for item in fake.firewall_list() if item['name'] == FLEET + '-nat64-gateway')
    assert [(rule['protocol'], rule['port'], rule['source_ips']) for rule in gateway_fw['rules']] == [
        ('tcp', '22', ['::/0']), ('icmp', None, ['0.0.0.0/0'])]
    assert 'Prefixes allowed to use NAT64 and DNS64: none' in result.stdout


def test_other_key_under_the_fleet_key_name_is_refused(fake, ansible, key_file):
    fake.seed_ssh_key('ipv6ready-admin', public_key('someone-else@example.test'))
    result = ansible.playbook(PROVISION, '-e', 'hcloud_fleet_ssh_public_key_path=%s' % key_file)
    assert result.returncode != 0
    assert 'hcloud_fleet_ssh_key_name: the project already has an SSH key named ipv6ready-admin' in result.stdout
    assert fake.mutating_calls() == []


@pytest.mark.parametrize('playbook, token', [(PROVISION, None), (PROVISION, ''), (TEARDOWN, None)],
                         ids=['provision-unset', 'provision-empty', 'teardown-unset'])
def test_missing_token_fails_before_any_request(fake, ansible, key_file, playbook, token):
    result = ansible.playbook(playbook, '-e', 'hcloud_fleet_ssh_public_key_path=%s' % key_file,
                              env={'HCLOUD_TOKEN': token})
    assert result.returncode != 0
    assert 'HCLOUD_TOKEN is not set' in result.stdout, result.stdout
    assert fake.requests == []


def test_bad_settings_fail_before_any_request(fake, ansible):
    """Every bad setting is reported at once, each message naming its variable."""
    settings = {
        'hcloud_fleet_name': 'Bad_Name',
        'hcloud_fleet_docker_host_count': '-1',
        'hcloud_fleet_location': '',
        'hcloud_fleet_ssh_public_key_path': '/nonexistent/id.pub',
        'hcloud_fleet_ssh_source_ips': ['0.0.0.0/0'],
        'hcloud_fleet_app_ports': ['80', '70000', 'http'],
        'hcloud_fleet_extra_client_prefixes': '2001:db8::/64',
        'hcloud_fleet_nat64_carve_offset': '::64:0:0:1',
    }
    result = ansible.playbook(PROVISION, '-e', json.dumps(settings))
    assert result.returncode != 0
    for message in [
        'hcloud_fleet_name: "Bad_Name" is not 2 to 32 lowercase letters',
        'hcloud_fleet_docker_host_count: "-1" is not a whole number from 0 to 100',
        'hcloud_fleet_location: "" is not a Hetzner Cloud name',
        'hcloud_fleet_ssh_public_key_path: /nonexistent/id.pub is not a file',
        'hcloud_fleet_ssh_source_ips: "0.0.0.0/0" is IPv4; these rules are IPv6 only',
        'hcloud_fleet_app_ports: "70000" is not a TCP port',
        'hcloud_fleet_app_ports: "http" is not a TCP port',
        'hcloud_fleet_extra_client_prefixes: "2001:db8::/64" is not a list',
        "hcloud_fleet_nat64_carve_offset: '::64:0:0:1' sets bits in the last 32 bits",
    ]:
        assert message in result.stdout, (message, result.stdout)
    assert fake.requests == []


def test_private_key_is_refused(fake, ansible, tmp_path):
    private = tmp_path / 'id_ed25519'
    private.write_text('-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n',
                       encoding='utf-8')
    result = ansible.playbook(PROVISION, '-e', 'hcloud_fleet_ssh_public_key_path=%s' % private)
    assert result.returncode != 0
    assert 'is a PRIVATE key; give the matching .pub file' in result.stdout, result.stdout
    assert fake.requests == []


def test_inventory_with_a_wrong_token_fails(fake, ansible):
    result = ansible.inventory(INVENTORY, '--list', env={'HCLOUD_TOKEN': 'not-the-token'})
    assert result.returncode != 0
    assert 'Invalid Hetzner Cloud API Token' in result.stdout, result.stdout
    assert [(call['path'], call['status']) for call in fake.requests] == [('/locations', 401)]
