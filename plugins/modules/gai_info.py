#!/usr/bin/python

# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: gai_info
short_description: Read what a gai.conf policy decision needs to know about a host
version_added: 0.3.0
description:
  - Reads, in one round trip and without changing anything, what the C(ipv6ready.docker.gai_policy) role decides on.
  - The policy files and their directory (O(paths)) - what each is (missing, a file, an empty directory as Docker
    leaves at a missing bind-mount source, a directory with entries), its mode and owner, and a file's text.
  - The Docker daemon configuration (O(daemon_json)), from which the role takes the containers' IPv6 source ranges.
  - The decision (which files the P(ipv6ready.docker.gai_conf#module) module must write) is the role's, on the
    controller, with the module's own parser and renderer. A path this module cannot read is reported as V(other),
    so that the role runs the writer, which then fails with its own message.
author:
  - ipv6ready.docker maintainers (@ipv6ready)
extends_documentation_fragment:
  - ipv6ready.docker.attributes
attributes:
  diff_mode:
    support: none
options:
  paths:
    description: Files and directories to look at, for example V(/etc/ipv6ready/gai.conf) and V(/etc/ipv6ready).
    type: list
    elements: path
    default: []
  daemon_json:
    description: The Docker daemon configuration to read, for example V(/etc/docker/daemon.json). Empty reads none.
    type: path
    default: ""
"""

EXAMPLES = r"""
- name: Read the container policy, its directory and daemon.json
  ipv6ready.docker.gai_info:
    paths: [/etc/ipv6ready/gai.conf, /etc/ipv6ready]
    daemon_json: /etc/docker/daemon.json
  register: gai

- name: Show whether the policy file is there
  ansible.builtin.debug:
    msg: "{{ gai.paths['/etc/ipv6ready/gai.conf'].kind }}"
"""

RETURN = r"""
paths:
  description: Each path of O(paths) to what is there; a link is followed.
  returned: always
  type: dict
  sample: {"/etc/ipv6ready/gai.conf": {"kind": "file", "mode": "0644", "uid": 0, "gid": 0, "text": "label ::1/128 0\n"}}
  contains:
    kind:
      description:
        - V(missing), V(file), V(empty directory), V(directory) (with entries), or V(other) (a socket, a device, or a
          path that cannot be read; RV(paths.error) then says why).
      type: str
    mode:
      description: Its permission bits in octal (V(0644)); not there when it is missing.
      type: str
    uid:
      description: Its owner's user ID; not there when it is missing.
      type: int
    gid:
      description: Its group ID; not there when it is missing.
      type: int
    text:
      description: A file's text, or V(null) when it is not a file or not UTF-8.
      type: str
    error:
      description: Why it could not be read, only with V(other).
      type: str
daemon_json:
  description: O(daemon_json) as in RV(paths), or V(null) when O(daemon_json) is empty.
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ipv6ready.docker.plugins.module_utils import _file


def main():
    module = AnsibleModule(
        argument_spec=dict(
            paths=dict(type="list", elements="path", default=[]),
            daemon_json=dict(type="path", default=""),
        ),
        supports_check_mode=True,
    )
    daemon_json = module.params["daemon_json"]
    module.exit_json(
        changed=False,
        paths=dict((path, _file.inspect(path)) for path in module.params["paths"]),
        daemon_json=_file.inspect(daemon_json) if daemon_json else None,
    )


if __name__ == "__main__":
    main()
