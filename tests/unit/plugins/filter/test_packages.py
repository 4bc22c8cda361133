# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for reading installed packages (module_utils/_packages.py, plugins/filter/packages.py)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.filter.packages import (
    FilterModule,
    packages_install_failure,
    packages_missing,
    packages_query,
)
from ansible_collections.ipv6ready.docker.plugins.module_utils import _packages


def test_registered():
    assert FilterModule().filters() == {
        "packages_query": packages_query,
        "packages_missing": packages_missing,
        "packages_install_failure": packages_install_failure,
    }


def test_query_argv():
    # dpkg-query expands the backslash escape itself: the argv carries a backslash and an n.
    assert packages_query(["unbound", "dns-root-data"]) == [
        "dpkg-query",
        "--show",
        "--showformat=${Package} ${db:Status-Status}\\n",
        "unbound",
        "dns-root-data",
    ]


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
        ("unbound config-files\ntayga half-installed\nclang unpacked\n", ["unbound", "tayga", "clang"], ["unbound", "tayga", "clang"]),
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


@pytest.mark.parametrize(
    "text, expected",
    [
        ("nameserver 2001:db8::53\nnameserver 192.0.2.53\n", ["2001:db8::53", "192.0.2.53"]),
        # Comments, options, search lines and repeats.
        ("# Generated\nsearch example.test\noptions edns0\nnameserver 127.0.0.53 # stub\nnameserver 127.0.0.53\n", ["127.0.0.53"]),
        ("", []),
        (None, []),
        ("nameserver\n", []),
    ],
)
def test_nameservers(text, expected):
    assert _packages.nameservers(text) == expected


@pytest.mark.parametrize(
    "result, expected",
    [
        # apt-get as the apt module runs it without python3-apt (run_command with check_rc): stdout and stderr.
        (
            {
                "msg": "E: Unable to locate package python3-apt",
                "rc": 100,
                "stdout": "Reading package lists...\nBuilding dependency tree...\n",
                "stderr": "E: Unable to locate package python3-apt\n",
            },
            ["E: Unable to locate package python3-apt"],
        ),
        # python-apt's update: one line, the resolver's words inside.
        (
            {
                "msg": "Failed to update apt cache: W:Failed to fetch http://mirror.example/debian/dists/trixie/InRelease  "
                "Temporary failure resolving 'mirror.example', W:Some index files failed to download."
            },
            [
                "Failed to update apt cache: W:Failed to fetch http://mirror.example/debian/dists/trixie/InRelease "
                "Temporary failure resolving 'mirror.example', W:Some index files failed to download."
            ],
        ),
        # apt-get update's own lines.
        (
            {
                "stdout": "Ign:1 http://mirror.example/debian trixie InRelease\n"
                "Err:1 http://mirror.example/debian trixie InRelease\n"
                "  Temporary failure resolving 'mirror.example'\n",
                "stderr": "W: Failed to fetch http://mirror.example/debian/dists/trixie/InRelease  Temporary failure "
                "resolving 'mirror.example'\nW: Some index files failed to download.\n",
            },
            # stderr before stdout.
            [
                "W: Failed to fetch http://mirror.example/debian/dists/trixie/InRelease Temporary failure resolving 'mirror.example'",
                "W: Some index files failed to download.",
                "Err:1 http://mirror.example/debian trixie InRelease",
                "Temporary failure resolving 'mirror.example'",
            ],
        ),
        # Nothing apt-like: nothing (the caller falls back on the message).
        ({"msg": "No package matching 'nope' is available"}, []),
        ({}, []),
        (None, []),
    ],
)
def test_apt_problems(result, expected):
    assert _packages.apt_problems(result) == expected


@pytest.mark.parametrize(
    "resolv_conf, expected",
    [
        ("nameserver 2001:db8:1:c::1\n", "2001:db8:1:c::1 (from /etc/resolv.conf)"),
        ("nameserver 127.0.0.53\n", "127.0.0.53 (systemd-resolved's stub; `resolvectl status` shows the servers it asks) (from /etc/resolv.conf)"),
        ("search example.test\n", "no resolver (/etc/resolv.conf has no nameserver line)"),
        (None, "no resolver (/etc/resolv.conf could not be read)"),
    ],
)
def test_resolver_text(resolv_conf, expected):
    assert _packages.resolver_text(resolv_conf) == expected


def test_install_failure_names_the_packages_apt_and_the_resolver():
    result = {"msg": "E: Unable to locate package iptables", "stderr": "E: Unable to locate package iptables\n"}
    message = packages_install_failure(result, ["iptables"], "nameserver 127.0.0.1\n", "ipv6ready.docker.sysctl")
    assert message == (
        "ipv6ready.docker.sysctl needs iptables, not installed on this host, and apt could not install it: "
        "E: Unable to locate package iptables. apt resolved the mirror's name with 127.0.0.1 (from /etc/resolv.conf). "
        "An IPv6-only host reaches the Debian mirror only through NAT64 and a DNS64 resolver: run site.yml, whose "
        "ipv6ready.docker.nat64_client role points the host at the fleet's DNS64 resolvers before this role runs, or "
        "install iptables yourself."
    )


def test_install_failure_without_apt_words_uses_the_message():
    message = _packages.install_failure(["docker.io", "docker-cli"], {"msg": "No package matching 'docker-cli'"}, None, "ipv6ready.docker.daemon")
    assert "needs docker.io, docker-cli, not installed on this host, and apt could not install them: No package matching 'docker-cli'." in message
    assert "no resolver (/etc/resolv.conf could not be read)" in message


@pytest.mark.parametrize(
    "args, error",
    [
        (("not a result", ["x"], None, "r"), "expected the failed task result as a dict"),
        (([], ["x"], None, "r"), "expected the failed task result as a dict"),
        (([{}, "x"], ["x"], None, "r"), "expected the failed task result as a dict"),
        (({}, "iptables", None, "r"), "expected a list of package names"),
        (({}, ["x"], ["nameserver ::1"], "r"), "expected /etc/resolv.conf as text"),
    ],
)
def test_install_failure_bad_arguments(args, error):
    with pytest.raises(AnsibleFilterError, match=error):
        packages_install_failure(*args)


def test_install_failure_with_the_words_of_a_later_update():
    # What ansible.builtin.apt says when python-apt's update fails, then what apt-get update printed.
    failed = {"msg": "Failed to update apt cache after 3 retries: "}
    update = {
        "rc": 0,
        "stdout": "Err:1 http://mirror.example/debian trixie InRelease\n  Temporary failure resolving 'mirror.example'\nReading package lists...\n",
        "stderr": "W: Failed to fetch http://mirror.example/debian/dists/trixie/InRelease  Temporary failure resolving 'mirror.example'\n",
    }
    message = packages_install_failure([failed, update], ["iptables"], "nameserver 127.0.0.1\n", "x")
    assert (
        "could not install it: W: Failed to fetch http://mirror.example/debian/dists/trixie/InRelease Temporary "
        "failure resolving 'mirror.example' | Err:1 http://mirror.example/debian trixie InRelease | Temporary "
        "failure resolving 'mirror.example'. apt resolved the mirror's name with 127.0.0.1" in message
    )
    # Without apt's words anywhere: the first result's message.
    assert "could not install it: Failed to update apt cache after 3 retries:." in packages_install_failure(
        [failed, {"rc": 0, "stdout": "Reading package lists...\n"}], ["iptables"], None, "x"
    )
