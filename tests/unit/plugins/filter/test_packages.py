# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for reading installed packages (module_utils/_packages.py, plugins/filter/packages.py)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.filter.packages import (
    FilterModule,
    packages_missing,
    packages_query,
)
from ansible_collections.ipv6ready.docker.plugins.module_utils import _packages


def test_registered():
    assert FilterModule().filters() == {"packages_query": packages_query, "packages_missing": packages_missing}


def test_query_argv():
    # dpkg-query expands the backslash escape itself: the argv carries a backslash and an n.
    assert packages_query(["unbound", "dns-root-data"]) == [
        "dpkg-query", "--show", "--showformat=${Package} ${db:Status-Status}\\n", "unbound", "dns-root-data"]


@pytest.mark.parametrize(
    "stdout, packages, expected",
    [
        # Everything installed: no apt run.
        ("tayga installed\niptables installed\n", ["tayga", "iptables"], []),
        # dpkg has never heard of tayga: it prints nothing for it (and exits 1).
        ("iptables installed\n", ["tayga", "iptables"], ["tayga"]),
        # Nothing known at all.
        ("", ["unbound", "dns-root-data"], ["unbound", "dns-root-data"]),
        # Removed but not purged, half installed, unpacked only: all missing.
        ("unbound config-files\ntayga half-installed\nclang unpacked\n", ["unbound", "tayga", "clang"],
         ["unbound", "tayga", "clang"]),
        ("unbound not-installed\n", ["unbound"], ["unbound"]),
        # The order wanted is kept; a repeated name is installed once.
        ("bpftool installed\n", ["libbpf-dev", "clang", "bpftool", "clang"], ["libbpf-dev", "clang"]),
        # Multi-arch packages may be printed or asked for with their architecture.
        ("libbpf-dev:amd64 installed\n", ["libbpf-dev"], []),
        ("libbpf-dev installed\n", ["libbpf-dev:amd64"], []),
        # Lines that are not "name status" are ignored.
        ("dpkg-query: no packages found matching tayga\n\nunbound installed\n", ["unbound", "tayga"], ["tayga"]),
    ],
)
def test_missing(stdout, packages, expected):
    assert packages_missing(stdout, packages) == expected


def test_missing_none_wanted():
    assert _packages.missing("unbound installed\n", []) == []


@pytest.mark.parametrize("bad", ["unbound", None, {"unbound": 1}])
def test_package_list_must_be_a_list(bad):
    with pytest.raises(AnsibleFilterError, match="expected a list of package names"):
        packages_query(bad)
    with pytest.raises(AnsibleFilterError, match="expected a list of package names"):
        packages_missing("", bad)


def test_output_must_be_text():
    with pytest.raises(AnsibleFilterError, match="packages_missing: expected the command output as a string"):
        packages_missing(None, ["unbound"])
