#!/usr/bin/python

# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sysctl_info
short_description: Read what an IPv6 forwarding decision needs to know about a host
version_added: 0.2.0
description:
  - Reads, in one round trip and without changing anything, what the C(ipv6ready.docker.sysctl) role decides on.
  - The links, IPv6 routes and IPv6 addresses (C(ip -json)), whether the kernel has IPv6, and the C(accept_ra) value
    of every interface.
  - Whether the FORWARD chain tools in O(tools) work and, with O(forward_policy), the policy of their FORWARD chain.
  - With O(units), whether systemd has each of those units enabled, from one C(systemctl show) run for all of them.
  - With O(files), the content, mode and owner of those files, so that a caller can tell whether a file it would
    write is there already.
  - With O(packages), which of those Debian packages are not installed, from one C(dpkg-query) run.
  - With O(nft_table), that nftables table as C(nft list table) prints it.
  - The role's own sysctl file, and every sysctl file that C(systemd-sysctl) and procps' C(sysctl --system) apply
    after it. Those are the C(*.conf) files of the sysctl.d search path whose names sort after the file's name, once
    files of the same name in earlier directories are masked, then C(/etc/sysctl.conf).
  - The decisions themselves are the C(ipv6ready.docker.sysctl_plan) filter's.
author:
  - ipv6ready.docker maintainers (@ipv6ready)
extends_documentation_fragment:
  - ipv6ready.docker.attributes
attributes:
  diff_mode:
    support: none
options:
  path:
    description:
      - The sysctl file the caller owns, for example C(/etc/sysctl.d/60-ipv6ready.conf).
      - Its content is returned, and the files applied after it are found by its name.
    type: path
    required: true
  tools:
    description: Programs to check with C(--version), for example V(ip6tables).
    type: list
    elements: str
    default: []
  forward_policy:
    description:
      - Also read the policy of the C(filter) table's FORWARD chain with each tool of O(tools) that works, the way
        C(ansible.builtin.iptables) reads it (the header of C(<tool> -t filter -L FORWARD -n)).
    type: bool
    default: false
  units:
    description:
      - systemd units to read the enablement of (their C(UnitFileState), what C(systemctl is-enabled) prints), for
        example V(ipv6ready-forward-drop.service).
    type: list
    elements: str
    default: []
  files:
    description: Files to read, for example a unit file the caller writes with C(ansible.builtin.template).
    type: list
    elements: path
    default: []
  packages:
    description:
      - Debian packages to look up, for example V(iptables). A package counts as installed only when dpkg's status
        is C(installed).
    type: list
    elements: str
    default: []
  nft_table:
    description:
      - An nftables table to list, as its family and name, for example V(inet ipv6ready).
    type: str
    default: ""
notes:
  - A file link that points to C(/etc/sysctl.conf) (Debian 12's C(99-sysctl.conf)) is not listed twice; the file
    itself comes last. Dangling links are skipped, as the loaders skip them.
seealso:
  - name: sysctl.d(5)
    description: The directories and the order in which systemd-sysctl applies sysctl files.
    link: https://www.freedesktop.org/software/systemd/man/latest/sysctl.d.html
"""

EXAMPLES = r"""
- name: Read the host
  ipv6ready.docker.sysctl_info:
    path: /etc/sysctl.d/60-ipv6ready.conf
    tools: [ip6tables]
  register: host

- name: List the files applied after ours
  ansible.builtin.debug:
    msg: "{{ host.later_files | map(attribute='path') | list }}"
"""

RETURN = r"""
links:
  description: C(ip -json link show).
  returned: always
  type: list
  elements: dict
routes:
  description: C(ip -json -6 route show table all); empty when the kernel has no IPv6.
  returned: always
  type: list
  elements: dict
addresses:
  description: C(ip -json -6 address show); empty when the kernel has no IPv6.
  returned: always
  type: list
  elements: dict
ipv6:
  description: Whether the kernel has IPv6 (C(/proc/sys/net/ipv6) exists).
  returned: always
  type: bool
accept_ra:
  description: Interface (and C(all), C(default)) to its C(net.ipv6.conf.<name>.accept_ra) value.
  returned: always
  type: dict
  sample: {"eth0": "1", "all": "1", "default": "1"}
tools:
  description: Each program of O(tools) to whether C(<program> --version) succeeded.
  returned: always
  type: dict
  sample: {"ip6tables": true}
forward_policy:
  description:
    - Each tool of O(tools) to the policy of its FORWARD chain, or V(null) when it cannot be read (the tool is
      missing or fails). Empty unless O(forward_policy) is set.
  returned: always
  type: dict
  sample: {"ip6tables": "DROP", "iptables": "ACCEPT"}
units:
  description:
    - Each unit of O(units) to its C(UnitFileState) as one C(systemctl show) run for all of them reports it, the value
      C(systemctl is-enabled) prints (V(enabled), V(disabled), V(static), V(masked), ...). An empty string for a unit
      systemd does not know, V(null) when there is no C(systemctl) or no systemd running to answer.
  returned: always
  type: dict
  sample: {"ipv6ready-forward-drop.service": "enabled"}
files:
  description:
    - Each file of O(files) to V(null) when nothing is there, or to what is there, as M(ipv6ready.docker.state_info)
      returns a path whose text it reads - C(type) (V(file), V(directory), V(link), V(other)), C(mode), C(owner),
      C(group), C(mtime), for a link C(link), for a directory C(empty), for a regular file C(sha1), and
      C(content) (its text, read through a link; V(null) when that is no regular file).
  returned: always
  type: dict
  sample: {"/etc/systemd/system/ipv6ready-forward-drop.service": {"type": "file", "mode": "0644", "owner": "root",
           "group": "root", "mtime": 1764979200.0, "sha1": "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
           "content": "[Unit]\n"}}
packages_missing:
  description: The packages of O(packages) that are not installed, in the order given.
  returned: always
  type: list
  elements: str
  sample: ["iptables"]
nft_table:
  description:
    - What C(nft list table) printed of O(nft_table), or V(null) when there is no C(nft) program, the table does not
      exist or O(nft_table) is empty.
  returned: always
  type: str
  sample: "table inet ipv6ready {\n\tchain forward {\n\t\ttype filter hook forward priority filter + 10; policy drop;\n"
own_content:
  description: The text of O(path), or V(null) when it does not exist.
  returned: always
  type: str
own_values:
  description:
    - Each key O(path) sets, spelled as there, to the kernel's current value (from C(/proc/sys)), or V(null) when
      it cannot be read.
  returned: always
  type: dict
  sample: {"net.ipv6.conf.all.forwarding": "1"}
later_files:
  description: The sysctl files applied after O(path), in the order the loaders apply them.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The file.
      type: str
    content:
      description: Its text.
      type: str
  sample: [{"path": "/etc/sysctl.d/99-hardening.conf", "content": "net.ipv6.conf.all.forwarding = 0\n"}]
"""

import errno
import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.ipv6ready.docker.plugins.module_utils import _file, _packages
from ansible_collections.ipv6ready.docker.plugins.module_utils._sysctl import (
    LEGACY_FILE,
    SEARCH_PATH,
    chain_policy,
    conf_names,
    key_path,
    later_files,
    parse_conf,
)

PROC_SYS = "/proc/sys"
PROC_IPV6_CONF = "/proc/sys/net/ipv6/conf"


def read_text(module, path):
    """The text of ``path``, or ``None`` when it does not exist (a dangling link included)."""
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", errors="replace")
    except (IOError, OSError) as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        module.fail_json(msg="Cannot read %s: %s" % (path, to_native(exc)))
    return None  # not reached: fail_json exits


def accept_ra_values(module):
    values = {}
    if not os.path.isdir(PROC_IPV6_CONF):
        return values
    for name in sorted(os.listdir(PROC_IPV6_CONF)):
        text = read_text(module, os.path.join(PROC_IPV6_CONF, name, "accept_ra"))
        if text is not None:
            values[name] = text.strip()
    return values


def tool_works(module, tool):
    path = module.get_bin_path(tool)
    if not path:
        return False
    rc, _out, _err = module.run_command([path, "--version"])
    return rc == 0


def forward_policy(module, tool):
    """The FORWARD policy ``tool`` lists, or ``None`` when it is missing or fails."""
    path = module.get_bin_path(tool)
    if not path:
        return None
    rc, out, _err = module.run_command([path, "-t", "filter", "-L", "FORWARD", "-n"])
    return chain_policy(out) if rc == 0 else None


def unit_states(module, units):
    """Each unit's ``UnitFileState`` (``_file.read_units``: one ``systemctl show``); ``None`` for all when systemd cannot answer."""
    return dict((unit, state["enabled"]) for unit, state in _file.read_units(module, units, required=False).items())


def current_values(module, own_content):
    """The kernel's value of each key the role's file sets, by the key as written; ``None`` when unreadable."""
    values = {}
    for row in parse_conf(own_content or ""):
        path = key_path(row["key"])
        # Only names below /proc/sys: never a file elsewhere that a strange key points to.
        if path.startswith("/") or ".." in path.split("/"):
            values[row["written"]] = None
            continue
        try:
            with open(os.path.join(PROC_SYS, path), "rb") as handle:
                values[row["written"]] = handle.read().decode("utf-8", errors="replace").strip()
        except (IOError, OSError):
            values[row["written"]] = None
    return values


def nft_listing(module, table):
    """``nft list table FAMILY NAME``; ``None`` without ``nft``, when the table does not exist or none is asked."""
    if not table.split():
        return None
    nft = module.get_bin_path("nft")
    if not nft:
        return None
    rc, out, _err = module.run_command([nft, "list", "table"] + table.split())
    return out if rc == 0 else None


def sysctl_listing():
    """The ``*.conf`` names of every directory of the search path that exists, without directories."""
    listing = {}
    for directory in SEARCH_PATH:
        if not os.path.isdir(directory):
            continue
        names = conf_names(os.listdir(directory))
        listing[directory] = [name for name in names if not os.path.isdir(os.path.join(directory, name))]
    return listing


def files_after(module, own_file):
    legacy_real = os.path.realpath(LEGACY_FILE)
    paths = later_files(sysctl_listing(), own_file, search_path=SEARCH_PATH, legacy_exists=os.path.isfile(LEGACY_FILE), legacy_file=LEGACY_FILE)
    result = []
    for path in paths:
        # A link to /etc/sysctl.conf is that file, which comes last anyway.
        if path != LEGACY_FILE and os.path.islink(path) and os.path.realpath(path) == legacy_real:
            continue
        content = read_text(module, path)
        if content is not None:
            result.append({"path": path, "content": content})
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            tools=dict(type="list", elements="str", default=[]),
            forward_policy=dict(type="bool", default=False),
            units=dict(type="list", elements="str", default=[]),
            files=dict(type="list", elements="path", default=[]),
            packages=dict(type="list", elements="str", default=[]),
            nft_table=dict(type="str", default=""),
        ),
        supports_check_mode=True,
    )
    ipv6 = os.path.exists(os.path.join(PROC_IPV6_CONF, "all", "forwarding"))
    tools = dict((tool, tool_works(module, tool)) for tool in module.params["tools"])
    own_content = read_text(module, module.params["path"])
    policies = {}
    if module.params["forward_policy"]:
        policies = dict((tool, forward_policy(module, tool) if works else None) for tool, works in tools.items())
    module.exit_json(
        changed=False,
        links=_file.ip_json(module, ["link", "show"], required=True),
        routes=_file.ip_json(module, ["-6", "route", "show", "table", "all"]) if ipv6 else [],
        addresses=_file.ip_json(module, ["-6", "address", "show"]) if ipv6 else [],
        ipv6=ipv6,
        accept_ra=accept_ra_values(module),
        tools=tools,
        forward_policy=policies,
        units=unit_states(module, module.params["units"]),
        files=_file.states(module, (), contents=module.params["files"]),
        packages_missing=_packages.missing_on_host(module, module.params["packages"]),
        nft_table=nft_listing(module, module.params["nft_table"]),
        own_content=own_content,
        own_values=current_values(module, own_content),
        later_files=files_after(module, module.params["path"]),
    )


if __name__ == "__main__":
    main()
