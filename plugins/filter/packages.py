# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: packages_missing
short_description: "Internal to the daemon and networks roles: the Debian packages a host lacks, from one dpkg-query run"
version_added: 0.3.0
description:
  - B(Internal) to the P(ipv6ready.docker.daemon#role) and P(ipv6ready.docker.networks#role) roles, not a public
    interface; these filters may change in any release without notice.
  - Takes the output of the command the companion filter C(ipv6ready.docker.packages_query) builds for the same list,
    and returns the packages that are not installed, in the order given.
  - A package counts as installed only when dpkg's status is C(installed); a package dpkg knows only by its
    configuration files, or has half installed, is missing.
  - Roles read the packages this way and call apt, with its list refresh, only for the missing ones, so a host that
    has them all costs one command and no package manager run.
  - C(ipv6ready.docker.packages_query) returns the C(dpkg-query) argv for a list of packages. It exits 1 when dpkg
    has never heard of one of them, which is not an error.
  - C(ipv6ready.docker.packages_install_failure) turns a failed apt task result (or a list of results, say that one and
    an C(apt-get update) run after it, whose words name the mirror) into the role's failure message, which names the
    packages, apt's own error lines and the resolver the host used (the nameservers of its C(/etc/resolv.conf), given
    as text, or V(null) when it could not be read), and says what to do on an IPv6-only host. Its arguments are the
    packages, the host's C(/etc/resolv.conf) text and the role's name.
options:
  _input:
    description: The standard output of the command C(ipv6ready.docker.packages_query) built.
    type: str
    required: true
  packages:
    description: The packages wanted, the same list the command was built for.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Read which of the packages are installed
  ansible.builtin.command:
    argv: "{{ ['unbound', 'dns-root-data'] | ipv6ready.docker.packages_query }}"
  register: installed
  changed_when: false
  failed_when: installed.rc > 1
  check_mode: false

- name: Install the missing packages
  ansible.builtin.apt:
    name: "{{ installed.stdout | ipv6ready.docker.packages_missing(['unbound', 'dns-root-data']) }}"
    update_cache: true
  when: installed.stdout | ipv6ready.docker.packages_missing(['unbound', 'dns-root-data']) | length > 0
"""

RETURN = r"""
_value:
  description: The packages that are not installed, in the order given.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.module_utils import _packages


def _names(packages, what):
    if isinstance(packages, str) or not isinstance(packages, (list, tuple)):
        raise AnsibleFilterError("%s: expected a list of package names, got %s" % (what, type(packages).__name__))
    return [str(name) for name in packages]


def packages_query(packages):
    """The ``dpkg-query`` argv that reads the status of ``packages``."""
    return _packages.query_argv(_names(packages, "packages_query"))


def packages_install_failure(result, packages, resolv_conf, who):
    """The failure message of a role whose apt install of ``packages`` failed with ``result``."""
    results = result if isinstance(result, (list, tuple)) else [result]
    if not results or not all(isinstance(item, dict) for item in results):
        raise AnsibleFilterError("packages_install_failure: expected the failed task result as a dict (or a list of results), got %s" % type(result).__name__)
    if resolv_conf is not None and not isinstance(resolv_conf, str):
        raise AnsibleFilterError("packages_install_failure: expected /etc/resolv.conf as text (or null), got %s" % type(resolv_conf).__name__)
    return _packages.install_failure(_names(packages, "packages_install_failure"), result, resolv_conf, str(who))


def packages_missing(stdout, packages):
    """The ``packages`` the output of ``packages_query`` does not report installed."""
    if not isinstance(stdout, str):
        raise AnsibleFilterError("packages_missing: expected the command output as a string, got %s" % type(stdout).__name__)
    return _packages.missing(stdout, _names(packages, "packages_missing"))


class FilterModule:
    """Read installed Debian packages in one command."""

    def filters(self):
        return {"packages_query": packages_query, "packages_missing": packages_missing, "packages_install_failure": packages_install_failure}
