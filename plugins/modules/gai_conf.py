#!/usr/bin/python
# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: gai_conf
short_description: Write the glibc address-selection policy (gai.conf)
version_added: 0.1.0
author:
  - ipv6ready.docker maintainers (@ipv6ready)
description:
  - Writes the RFC 6724 address-selection policy that glibc's C(getaddrinfo) uses to sort destination addresses,
    by default C(/etc/gai.conf).
  - One C(label) line in gai.conf replaces glibc's whole built-in label table, and one C(precedence) line its whole
    precedence table. The module therefore always writes both tables in full, glibc's built-in entries merged with
    O(prefer), O(local_prefixes), O(labels) and O(precedences). glibc uses the first line for a prefix, so an
    entry is replaced in place, never appended a second time.
  - The tables go into one block under a comment naming this module. Existing C(label) and C(precedence) lines are
    replaced by that block; other lines (comments, C(reload), C(scopev4)) are kept as they are.
  - The existing file is parsed first. A line that cannot be parsed (unknown keyword, bad prefix or number, wrong
    number of fields) fails the task with its line number, and nothing is written.
  - An empty directory at O(path) is replaced by the file, with a warning. Docker creates one when a container
    bind-mounts a file that does not exist yet (Kamal deployed before the policy was written). Containers created
    while it was a directory must be recreated, not restarted; RV(replaced_directory) tells the caller to find them.
    A directory with anything in it fails the task, and nothing is changed.
extends_documentation_fragment:
  - ansible.builtin.files
  - ipv6ready.docker.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  path:
    description:
      - The policy file to write.
      - For containers, write a file on the host and mount it read-only at C(/etc/gai.conf) in the container.
    type: path
    default: /etc/gai.conf
  state:
    description:
      - V(present) writes the complete tables.
      - V(absent) removes every C(label) and C(precedence) line and the module's comment, so that glibc's built-in
        tables apply again. Other lines are kept; a file left with nothing else is deleted.
    type: str
    choices: [present, absent]
    default: present
  prefer:
    description:
      - V(ipv6) gives every prefix in O(local_prefixes) label 1, the label of C(::/0). A container whose source address
        is in such a prefix then matches global and NAT64 destinations and tries IPv6 first.
      - V(ipv4) leaves the labels alone and raises the precedence of C(::ffff:0:0/96) (IPv4) to 100, so IPv4 sorts
        first even when IPv6 labels match.
    type: str
    choices: [ipv6, ipv4]
    default: ipv6
  local_prefixes:
    description:
      - IPv6 prefixes that hosts or containers use as source addresses, typically the Docker ULA pools.
      - With O(prefer=ipv6) each gets label 1, replacing the entry for that exact prefix (C(fc00::/7 6) becomes
        C(fc00::/7 1)) or adding one (C(fd00::/8 1)). Ignored with O(prefer=ipv4).
      - A prefix with host bits set, or an IPv4 prefix, is an error.
    type: list
    elements: str
    default: ["fc00::/7"]
  labels:
    description:
      - Extra or overriding label entries. They win over glibc's defaults and over O(prefer) and O(local_prefixes).
      - The same prefix twice with the same label is written once; with different labels it is an error.
    type: list
    elements: dict
    default: []
    suboptions:
      prefix:
        description:
          - IPv6 prefix. Write IPv4 ranges IPv4-mapped, for example C(::ffff:192.0.2.0/120).
        type: str
        required: true
      label:
        description: Label, 0 to 2147483647.
        type: int
        required: true
  precedences:
    description:
      - Extra or overriding precedence entries. They win over glibc's defaults and over O(prefer).
      - The same prefix twice with the same precedence is written once; with different values it is an error.
    type: list
    elements: dict
    default: []
    suboptions:
      prefix:
        description: IPv6 prefix, as in O(labels[].prefix).
        type: str
        required: true
      precedence:
        description: Precedence, 0 to 2147483647. Higher sorts first.
        type: int
        required: true
  backup:
    description:
      - Create a backup file including the timestamp information so you can get the original file back if you
        somehow clobbered it incorrectly.
    type: bool
    default: false
  in_place:
    description:
      - Rewrite an existing file in place (the same inode) instead of replacing it atomically by a rename.
      - Use it for a file that is bind-mounted into running containers, such as the copy mounted at
        C(/etc/gai.conf) by Kamal. A single-file bind mount keeps the inode it was created with, so a file
        replaced by a rename never reaches running containers; one rewritten in place reaches them at once.
      - The old bytes are overwritten and the file is then cut to length, so it is never empty; a process that
        reads it at that moment may see part old, part new text.
      - A missing file (or an empty directory) is always created atomically.
    type: bool
    default: false
    version_added: 0.2.0
notes:
  - Only glibc reads gai.conf. musl (Alpine images) ignores it; for those, give the container no IPv4 route (an
    IPv6-only network) so that RFC 6724 rule 1 puts IPv4 destinations last.
  - glibc reads gai.conf once per process unless the file says C(reload yes); restart long-running processes.
  - Use the P(ipv6ready.docker.gai_order#filter) filter with the returned RV(labels) and RV(precedences) to
    predict the order a container will try addresses in, and why.
seealso:
  - name: gai.conf(5)
    description: The glibc manual page of the file format.
    link: https://man7.org/linux/man-pages/man5/gai.conf.5.html
  - name: RFC 6724
    description: Default Address Selection for IPv6.
    link: https://www.rfc-editor.org/rfc/rfc6724
"""

EXAMPLES = r"""
- name: Make containers on the Docker ULA pool try IPv6 (and NAT64) before IPv4
  ipv6ready.docker.gai_conf:
    path: /etc/ipv6ready/gai.conf
    local_prefixes:
      - fd00:d0c::/48
    owner: root
    group: root
    mode: "0644"

- name: Write the copy Kamal mounts into containers, in place so running containers see a change at once
  ipv6ready.docker.gai_conf:
    path: /etc/ipv6ready/gai.conf
    in_place: true

- name: Prefer IPv4 on this host
  ipv6ready.docker.gai_conf:
    prefer: ipv4

- name: Give a NAT64 prefix its own label and a low precedence
  ipv6ready.docker.gai_conf:
    labels:
      - prefix: 64:ff9b::/96
        label: 20
    precedences:
      - prefix: 64:ff9b::/96
        precedence: 35
    backup: true

- name: Go back to glibc's built-in policy
  ipv6ready.docker.gai_conf:
    state: absent
"""

RETURN = r"""
path:
  description: The policy file.
  returned: always
  type: str
  sample: /etc/gai.conf
state:
  description: The requested state.
  returned: always
  type: str
  sample: present
labels:
  description:
    - The label table glibc uses after the task, in file order.
    - With O(state=absent), glibc's built-in table.
  returned: success
  type: list
  elements: dict
  contains:
    prefix:
      description: IPv6 prefix.
      type: str
      sample: fc00::/7
    label:
      description: Label.
      type: int
      sample: 1
  sample:
    - {prefix: "::1/128", label: 0}
    - {prefix: "::/0", label: 1}
precedences:
  description:
    - The precedence table glibc uses after the task, in file order.
    - With O(state=absent), glibc's built-in table.
  returned: success
  type: list
  elements: dict
  contains:
    prefix:
      description: IPv6 prefix.
      type: str
      sample: ::ffff:0:0/96
    precedence:
      description: Precedence.
      type: int
      sample: 10
  sample:
    - {prefix: "::1/128", precedence: 50}
    - {prefix: "::/0", precedence: 40}
replaced_directory:
  description:
    - Whether an empty directory at O(path) was (in check mode, would be) replaced by the file.
    - Containers that mount O(path) were created with the directory and must be recreated.
  returned: always
  type: bool
  sample: false
  version_added: 0.2.0
written_in_place:
  description: Whether the existing file was (in check mode, would be) rewritten in place, see O(in_place).
  returned: always
  type: bool
  sample: true
  version_added: 0.2.0
backup_file:
  description: The backup of the previous file.
  returned: when a backup was made
  type: str
  sample: /etc/gai.conf.12345.2026-01-01@00:00:00~
"""

import glob
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.ipv6ready.docker.plugins.module_utils import _file
from ansible_collections.ipv6ready.docker.plugins.module_utils._gai import (
    DEFAULT_LABELS,
    DEFAULT_PRECEDENCES,
    GaiOptionError,
    GaiParseError,
    build_tables,
    parse,
    render,
    table_as_dicts,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", default="/etc/gai.conf"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            prefer=dict(type="str", default="ipv6", choices=["ipv6", "ipv4"]),
            local_prefixes=dict(type="list", elements="str", default=["fc00::/7"]),
            labels=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(prefix=dict(type="str", required=True), label=dict(type="int", required=True)),
            ),
            precedences=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(prefix=dict(type="str", required=True), precedence=dict(type="int", required=True)),
            ),
            backup=dict(type="bool", default=False),
            in_place=dict(type="bool", default=False),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    params = module.params
    path, state = params["path"], params["state"]

    if state == "present":
        try:
            label_table, precedence_table = build_tables(params["prefer"], params["local_prefixes"], params["labels"], params["precedences"])
        except GaiOptionError as exc:
            module.fail_json(msg=str(exc), path=path, option=exc.option)
    else:
        label_table, precedence_table = list(DEFAULT_LABELS), list(DEFAULT_PRECEDENCES)

    current = _file.read_text(module, path, what="policy file", empty_directory=True)
    before = current.text
    try:
        lines = parse(before or "")
    except GaiParseError as exc:
        module.fail_json(msg="%s: line %d: %s: %s" % (path, exc.lineno, exc.reason, exc.line), path=path, lineno=exc.lineno, line=exc.line)
    after = render(lines, label_table, precedence_table, state)

    changed = before != after
    replace_directory = changed and current.kind == _file.EMPTY_DIRECTORY
    result = dict(
        changed=changed,
        path=path,
        state=state,
        labels=table_as_dicts(label_table, "label"),
        precedences=table_as_dicts(precedence_table, "precedence"),
        replaced_directory=replace_directory,
        written_in_place=changed and after is not None and params["in_place"] and current.kind == _file.FILE,
    )
    if module._diff:
        result["diff"] = _file.diff(path, before, after)
        if current.kind == _file.EMPTY_DIRECTORY:
            result["diff"]["before_header"] = "%s (an empty directory)" % path
    if replace_directory:
        module.warn(
            "%s was an empty directory, which Docker creates when a container bind-mounts a file that does not exist "
            "yet; it %s replaced by the policy file. Containers created while it was a directory cannot restart once it "
            "is a file (runc: not a directory): recreate them, e.g. with kamal deploy or kamal app boot." % (path, "would be" if module.check_mode else "was")
        )

    if changed and not module.check_mode:
        if after is None:
            result["backup_file"] = _file.remove(module, path, backup=params["backup"])
        else:
            result["backup_file"] = _file.write_text(module, path, after, current=current, backup=params["backup"], in_place=params["in_place"])
        if result["backup_file"] is None:
            del result["backup_file"]

    if after is not None and os.path.isfile(path):
        result["changed"] = _file.set_attributes(module, path, result["changed"])

    if state == "present" and path == "/etc/gai.conf" and glob.glob("/lib/ld-musl-*.so.1"):
        module.warn("This host uses musl libc, which ignores /etc/gai.conf.")

    module.exit_json(**result)


if __name__ == "__main__":
    main()
