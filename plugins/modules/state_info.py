#!/usr/bin/python

# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: state_info
short_description: Read the files, units and packages a role manages, in one round trip
version_added: 0.3.0
description:
  - Reads, without changing anything, what the C(ipv6ready.docker.nat64_gateway), C(ipv6ready.docker.dns64),
    C(ipv6ready.docker.nat64_client) and C(ipv6ready.docker.gai_policy) roles decide on before they write.
  - For each path of O(files), what is there (a file, a directory, a link), its mode, owner and group and, for a
    regular file, the SHA-1 of its bytes; for the paths of O(contents) also its text.
  - The paths each pattern of O(globs) matches.
  - With O(units), the load, enablement and activity of those systemd units, and since when each is active, from
    one C(systemctl show) run.
  - With O(packages), which of those Debian packages are not installed, from one C(dpkg-query) run.
  - With O(dns64_probe), first the proof of the module M(ipv6ready.docker.dns64_probe), before anything is read. The
    host asks every DNS64 resolver directly for IPv4-only names, and the task fails naming each resolver that does
    not answer with a synthesized AAAA inside the NAT64 prefix (only warns with O(dns64_probe.warn_only)). A role
    that proves its resolvers before it changes anything does so in the same round trip as its read.
  - The roles compare this with what they would write (a template rendered on the controller, hashed) in the
    C(ipv6ready.docker.state_changes) filter and run a write task only where the host differs.
author:
  - ipv6ready.docker maintainers (@ipv6ready)
extends_documentation_fragment:
  - ipv6ready.docker.attributes
attributes:
  diff_mode:
    support: none
options:
  files:
    description: Paths to look at. A link is not followed.
    type: list
    elements: path
    default: []
  contents:
    description: Paths to look at and read the text of (through a link); they need not be in O(files).
    type: list
    elements: path
    default: []
  globs:
    description: Shell patterns to expand, for example V(/usr/local/lib/ipv6ready/nat64_bpf-*.o).
    type: list
    elements: path
    default: []
  units:
    description: systemd units to read the state of, for example V(unbound.service).
    type: list
    elements: str
    default: []
  packages:
    description: Debian packages to look up. A package counts as installed only when dpkg's status is C(installed).
    type: list
    elements: str
    default: []
  dns64_probe:
    description:
      - Prove DNS64 resolvers before the read, as the module M(ipv6ready.docker.dns64_probe) does with the same
        options; see there what each means. The result is RV(dns64_probe).
      - When a resolver does not prove itself the task fails with the same message as that module, and reads
        nothing.
      - Not given, or V(null), asks no resolver.
    type: dict
    suboptions:
      servers:
        description: The resolvers' IP addresses. Each one must prove itself.
        type: list
        elements: str
        required: true
      names:
        description: IPv4-only names to ask every resolver for.
        type: list
        elements: str
        default: [ipv4only.arpa]
      prefix:
        description: The NAT64 /96 every synthesized AAAA must lie in; empty learns it from the answer for C(ipv4only.arpa).
        type: str
        default: ""
      prefixes:
        description: Further NAT64 /96s an AAAA may lie in.
        type: list
        elements: str
        default: []
      timeout:
        description: Seconds to wait for each answer.
        type: float
        default: 3
      attempts:
        description: How many times a query is sent before a resolver counts as silent.
        type: int
        default: 2
      port:
        description: The resolvers' DNS port.
        type: int
        default: 53
      warn_only:
        description: Report the problems as warnings and read on, e.g. in check mode, when the gateway may not be configured yet.
        type: bool
        default: false
seealso:
  - module: ipv6ready.docker.sysctl_info
  - module: ipv6ready.docker.dns64_probe
"""

EXAMPLES = r"""
- name: Read the unit file and the unit
  ipv6ready.docker.state_info:
    files: [/etc/systemd/system/ipv6ready-nat64-route.service]
    units: [ipv6ready-nat64-route.service]
  register: host

- name: Write the unit only when it differs
  ansible.builtin.template:
    src: ipv6ready-nat64-route.service.j2
    dest: /etc/systemd/system/ipv6ready-nat64-route.service
    mode: "0644"
  when: >-
    host.files | ipv6ready.docker.state_changes([{'path': '/etc/systemd/system/ipv6ready-nat64-route.service',
      'sha1': lookup('ansible.builtin.template', 'ipv6ready-nat64-route.service.j2') | hash('sha1'), 'mode': '0644'}])
    | length > 0

- name: Prove the DNS64 resolver answers this host, then read /etc/resolv.conf
  ipv6ready.docker.state_info:
    contents: [/etc/resolv.conf]
    dns64_probe:
      servers: ["2001:db8:1:c::1"]
      prefix: "2001:db8:1:c:64::/96"
      warn_only: "{{ ansible_check_mode }}"
  register: host
"""

RETURN = r"""
files:
  description: Each path of O(files) and O(contents) to V(null) when nothing is there, or to what is there.
  returned: always
  type: dict
  sample: {"/etc/tayga.conf": {"type": "file", "mode": "0644", "owner": "root", "group": "root", "mtime": 1764979200.0,
           "mount": false, "sha1": "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"}}
  contains:
    type:
      description: V(file), V(directory), V(link) or V(other).
      type: str
    mode:
      description: Its permission bits, in octal (V(0644)).
      type: str
    owner:
      description: Its owner's name (the ID when it has none).
      type: str
    group:
      description: Its group's name (the ID when it has none).
      type: str
    mtime:
      description: Its modification time, in seconds since the epoch.
      type: float
    mount:
      description: Whether something is mounted at the path (a bind-mounted C(/etc/resolv.conf)).
      type: bool
    link:
      description: For a link, the path it resolves to.
      type: str
    empty:
      description: For a directory, whether it has no entries (Docker leaves an empty directory at a missing bind-mount source).
      type: bool
    sha1:
      description: For a regular file, the SHA-1 of its bytes.
      type: str
    content:
      description: For the paths of O(contents), the text of the file (through a link), or V(null).
      type: str
globs:
  description: Each pattern of O(globs) to the paths it matches, sorted.
  returned: always
  type: dict
  sample: {"/usr/local/lib/ipv6ready/nat64_bpf-*.o": ["/usr/local/lib/ipv6ready/nat64_bpf-718f2a97a733.o"]}
units:
  description:
    - Each unit of O(units) to its C(load) (V(loaded), V(not-found)), C(enabled) (V(enabled), V(disabled),
      V(static), ...) and C(active) (V(active), V(inactive), V(failed), ...) state, empty strings when systemctl
      printed nothing for it; all V(null) when there is no C(systemctl).
    - C(active_since) is when the unit last entered the active state, in seconds since the epoch (comparable with
      a file's C(mtime)), V(null) when it never did. systemd's C(ActiveEnterTimestampMonotonic) is converted on the
      host with its wall and monotonic clocks, so a wall clock set by NTP after the start does not move it.
  returned: always
  type: dict
  sample: {"unbound.service": {"load": "loaded", "enabled": "enabled", "active": "active", "active_since": 1764979200.5}}
packages_missing:
  description: The packages of O(packages) that are not installed, in the order given.
  returned: always
  type: list
  elements: str
  sample: ["unbound"]
dns64_probe:
  description:
    - The proof of O(dns64_probe) as the module M(ipv6ready.docker.dns64_probe) returns it (see there), with
      C(prefix), C(prefix_source), C(checks) (one per resolver and name) and C(problems) (one message per failed
      check).
    - Also returned when the proof fails the task.
  returned: when O(dns64_probe) is given
  type: dict
  sample: {"prefix": "2001:db8:1:c:64::/96", "prefix_source": "given", "problems": [],
           "checks": [{"server": "2001:db8:1:c::1", "source": "2001:db8:1:a::1", "name": "ipv4only.arpa", "ok": true,
                       "detail": "AAAA 2001:db8:1:c:64::c000:aa inside 2001:db8:1:c:64::/96", "cause": "",
                       "addresses": ["2001:db8:1:c:64::c000:aa"]}]}
"""

import glob

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ipv6ready.docker.plugins.module_utils import _dns64_probe, _file, _packages

MOUNTINFO = "/proc/self/mountinfo"


def read_mounts():
    try:
        with open(MOUNTINFO, "rb") as handle:
            return _file.mount_points(handle.read().decode("utf-8", errors="surrogateescape"))
    except (IOError, OSError):
        return set()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            files=dict(type="list", elements="path", default=[]),
            contents=dict(type="list", elements="path", default=[]),
            globs=dict(type="list", elements="path", default=[]),
            units=dict(type="list", elements="str", default=[]),
            packages=dict(type="list", elements="str", default=[]),
            dns64_probe=dict(type="dict", options=_dns64_probe.ARGUMENT_SPEC),
        ),
        supports_check_mode=True,
    )
    # The proof first: a resolver that does not prove itself fails the task
    # before anything is read (and the role before anything is changed).
    proof = {}
    if module.params["dns64_probe"] is not None:
        proof["dns64_probe"] = _dns64_probe.prove(module, module.params["dns64_probe"], key="dns64_probe")
    files = _file.states(module, module.params["files"], contents=set(module.params["contents"]), mounts=read_mounts())
    globs = dict((pattern, sorted(glob.glob(pattern))) for pattern in module.params["globs"])
    module.exit_json(
        changed=False,
        files=files,
        globs=globs,
        units=_file.read_units(module, module.params["units"]),
        packages_missing=_packages.missing_on_host(module, module.params["packages"]),
        **proof,
    )


if __name__ == "__main__":
    main()
