# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: state_changes
short_description: "Internal to the nat64_gateway, dns64 and nat64_client roles: which files differ from what the role writes"
version_added: 0.3.0
description:
  - B(Internal) to the P(ipv6ready.docker.nat64_gateway#role), P(ipv6ready.docker.dns64#role) and
    P(ipv6ready.docker.nat64_client#role) roles, not a public interface; these filters may change in any release
    without notice.
  - Takes the C(files) that C(ipv6ready.docker.state_info) read and a list of what the role wants at some of those
    paths, and returns the paths that differ, in the order given. A role runs a write task (C(template), C(copy),
    C(file)) only for those, so a host that has everything costs the one read.
  - A wanted entry has C(path) and any of C(type) (V(file), the default, or V(directory)), C(sha1) (of the content the
    task would write, for a template C(lookup('ansible.builtin.template', ...) | hash('sha1'))), C(mode), C(owner) and
    C(group). Nothing at the path, a link or anything of another type differs.
  - C(ipv6ready.docker.state_present) returns the paths of a list the read found something at (what a removal has to
    remove).
  - C(ipv6ready.docker.state_stale) takes C([source, target]) pairs and returns the targets that are missing or older
    than their existing source.
  - C(ipv6ready.docker.state_plan) takes the whole C(ipv6ready.docker.state_info) result and, as keyword arguments,
    C(wanted) (as above), C(absent) (paths to remove), C(globs) (patterns of the read whose matches are left over,
    except those in C(keep)), C(units) (units to have enabled and active) and C(restart) (a dict of each unit
    to the paths whose change its handler restarts it for), and returns a dict of C(install) (missing packages),
    C(write), C(remove), C(leftovers), C(start) and C(restart), each a list. C(restart) holds the units that are
    active but started before one of their files was last modified, and get none of them written (a run wrote
    the file and ended before the handler restarted the unit).
  - C(ipv6ready.docker.state_sha1) returns the SHA-1 of a file on the controller, given its path (a file the role
    copies, binary or text, from its C(files) directory), to compare with the checksum the read returned.
  - C(ipv6ready.docker.state_unit_pending) takes the C(units) the read returned and a unit, and says whether that unit
    is not yet enabled and active.
options:
  _input:
    description: The C(files) of a C(ipv6ready.docker.state_info) result.
    type: dict
    required: true
  wanted:
    description: What the role wants, a list of dicts with C(path) and the keys to compare.
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Write the configuration only when the host's differs
  ansible.builtin.template:
    src: dns64.conf.j2
    dest: /etc/unbound/unbound.conf.d/ipv6ready-dns64.conf
    mode: "0644"
  when: >-
    read.files | ipv6ready.docker.state_changes([{'path': '/etc/unbound/unbound.conf.d/ipv6ready-dns64.conf',
      'sha1': lookup('ansible.builtin.template', 'dns64.conf.j2') | hash('sha1'), 'mode': '0644'}]) | length > 0
"""

RETURN = r"""
_value:
  description: The paths of O(wanted) whose state on the host differs, in the order given.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.module_utils import _file


def _files(files, what):
    if not isinstance(files, dict):
        raise AnsibleFilterError("%s: expected the files of a state_info result as a dict, got %s" % (what, type(files).__name__))
    return files


def _list(value, what, name):
    if isinstance(value, (str, dict)) or not isinstance(value, (list, tuple)):
        raise AnsibleFilterError("%s: expected %s as a list, got %s" % (what, name, type(value).__name__))
    return list(value)


def state_changes(files, wanted):
    """The paths of ``wanted`` whose read state differs."""
    items = _list(wanted, "state_changes", "wanted")
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            raise AnsibleFilterError("state_changes: expected each wanted entry as a dict with a path, got %r" % (item,))
    return _file.changes(_files(files, "state_changes"), items)


def state_present(files, paths):
    """The ``paths`` the read found something at."""
    return _file.present(_files(files, "state_present"), [str(path) for path in _list(paths, "state_present", "paths")])


def state_stale(files, pairs):
    """The targets of ``[source, target]`` pairs that are missing or older than their source."""
    items = _list(pairs, "state_stale", "pairs")
    for pair in items:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise AnsibleFilterError("state_stale: expected [source, target] pairs, got %r" % (pair,))
    return _file.stale(_files(files, "state_stale"), [(str(source), str(target)) for source, target in items])


def state_plan(read, wanted=(), absent=(), globs=(), keep=(), units=(), restart=None):
    """What a role has to install, write, remove, start and restart, from a whole state_info result."""
    if not isinstance(read, dict):
        raise AnsibleFilterError("state_plan: expected a state_info result as a dict, got %s" % type(read).__name__)
    items = _list(wanted, "state_plan", "wanted")
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            raise AnsibleFilterError("state_plan: expected each wanted entry as a dict with a path, got %r" % (item,))
    return _file.plan(
        read,
        wanted=items,
        absent=[str(path) for path in _list(absent, "state_plan", "absent")],
        globs=[str(pattern) for pattern in _list(globs, "state_plan", "globs")],
        keep=[str(path) for path in _list(keep, "state_plan", "keep")],
        units=[str(unit) for unit in _list(units, "state_plan", "units")],
        restart=_restart(restart),
    )


def _restart(restart):
    if restart is None:
        return {}
    if not isinstance(restart, dict):
        raise AnsibleFilterError("state_plan: expected restart as a dict of unit to paths, got %s" % type(restart).__name__)
    return dict((str(unit), [str(path) for path in _list(paths, "state_plan", "the paths of restart[%s]" % unit)]) for unit, paths in restart.items())


def state_sha1(path):
    """The SHA-1 of the bytes of ``path``, a file on the controller (a role's file the role copies)."""
    if not isinstance(path, str) or not path:
        raise AnsibleFilterError("state_sha1: expected the path of a file on the controller, got %r" % (path,))
    try:
        return _file.sha1_of(path)
    except (IOError, OSError) as exc:
        raise AnsibleFilterError("state_sha1: cannot read %s: %s" % (path, exc))


def state_unit_pending(units, unit):
    """Whether ``unit`` is not yet enabled and active."""
    if not isinstance(units, dict):
        raise AnsibleFilterError("state_unit_pending: expected the units of a state_info result as a dict, got %s" % type(units).__name__)
    return _file.unit_pending(units, str(unit))


class FilterModule:
    """Compare what state_info read with what a role writes."""

    def filters(self):
        return {
            "state_changes": state_changes,
            "state_plan": state_plan,
            "state_present": state_present,
            "state_sha1": state_sha1,
            "state_stale": state_stale,
            "state_unit_pending": state_unit_pending,
        }
