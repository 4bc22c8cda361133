# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Docker engine versions the collection depends on: one table.

``FEATURES`` is the one place that says which engine version brings which
IPv6-related behaviour. Everything else reads it:

- the ``daemon_json`` module's version rules (``_daemon_json.VERSION_RULES``)
  refuse keys the engine does not understand;
- the ``daemon`` role chooses the keys to write through its filter
  ``daemon_plan`` (``_daemon.role_settings``), the ``networks`` role
  its networks through ``networks_plan`` (``_networks.plan``);
- the public ``ipv6ready.docker.docker_features`` filter answers the same
  for playbooks (the Molecule tests use it);
- the engine table in the docs is generated from it.

This file is private to the collection (leading underscore): its names may
change without notice.
"""

from __future__ import annotations

import re
from collections import namedtuple

# name: the key roles and code use; since: the first engine version with the
# behaviour; summary: one line for the docs' engine table.
Feature = namedtuple("Feature", "name since summary")

FEATURES = (
    Feature("ip6tables", (20, 10, 0), "`ip6tables`: Docker writes IPv6 firewall rules for containers (the collection's minimum engine)"),
    Feature("daemon_validate", (23, 0, 0), "`dockerd --validate` checks a daemon.json before a restart; booleans must be JSON booleans"),
    Feature("default_network_opts", (24, 0, 0), "`default-network-opts` exists in daemon.json"),
    Feature("ip6tables_default", (27, 0, 0), "`ip6tables` is on by default and no longer needs `experimental: true`"),
    Feature("network_opts_ipv6", (27, 0, 0), "`default-network-opts` `com.docker.network.enable_ipv6` gives every new network IPv6 (Kamal's `kamal` too)"),
    Feature(
        "ipv6_without_fixed_cidr",
        (28, 0, 0),
        "`ipv6: true` works without `fixed-cidr-v6` (the default bridge takes its subnet from the IPv6 `default-address-pools`)",
    ),
    Feature("ipv6_only_networks", (28, 0, 0), "IPv6-only networks (`docker network create --ipv4=false`, API 1.48), and `com.docker.network.enable_ipv4`"),
    Feature("bip6", (28, 0, 0), "`bip6` sets the default bridge's IPv6 address"),
    Feature("ip_forward_no_drop", (28, 0, 0), "`ip-forward-no-drop`; Docker sets the FORWARD policy to DROP only when it enabled forwarding itself"),
    Feature("direct_routing_block", (28, 0, 0), "direct routing to container addresses from outside the host is blocked unless `allow-direct-routing`"),
    Feature(
        "firewall_backend",
        (29, 0, 0),
        "`firewall-backend`: `iptables` (the default) or `nftables` (experimental). With `nftables` Docker keeps its "
        "rules in its own `ip`/`ip6 docker-bridges` tables, has no `DOCKER-USER` chain, never enables IP "
        "forwarding and refuses to start without it; an iptables FORWARD policy of DROP drops its traffic",
    ),
    Feature(
        "bridge_accept_fwmark",
        (29, 0, 0),
        "`bridge-accept-fwmark`: packets with this firewall mark pass Docker's nftables bridge rules (what ACCEPT rules in `DOCKER-USER` did)",
    ),
    Feature("isolation_chains_removed", (29, 0, 0), "`DOCKER-ISOLATION-STAGE-1/2` are gone; ports published in `routed` mode are always open"),
    Feature("time_namespace", (29, 5, 0), "every container gets a time namespace: runc 1.2 or newer (Debian 13's runc is 1.1.15; Docker CE ships its own)"),
    Feature("nft_program", (29, 6, 0), "the nftables backend runs the `nft` program (Debian package `nftables`)"),
)

# The release lines the collection says more about than their features: each
# major version's maintenance status, and what else about it matters to a user.
Release = namedtuple("Release", "major status notes")

RELEASES = (
    Release(28, "unmaintained since 2026-05-13 (moby commit 9418053)", "Debian's unstable suite ships 28.5.2; no Debian suite ships 29"),
    Release(
        29,
        "maintained",
        "what get.docker.com, and so Kamal's `kamal server bootstrap`, installs (29.10.1 on 2026-11-24); the API's "
        "minimum version is 1.44 in 29.0 to 29.2 and 1.40 again from 29.3; `experimental`, `ip6tables`, `ipv6`, "
        "`fixed-cidr-v6`, `default-network-opts` and `userland-proxy` are not deprecated",
    ),
)

_BY_NAME = {feature.name: feature for feature in FEATURES}

_VERSION_RE = re.compile(r"(?<![\d.])v?(\d+)\.(\d+)(?:\.(\d+))?")


def parse_version(text):
    """Parse a Docker engine version into a ``(major, minor, patch)`` tuple of ints.

    Accepts ``dockerd --version`` output (``Docker version 20.10.24+dfsg1,
    build 5d6db84``), a bare version (``26.1.5+dfsg1``, ``v28.0.1``, ``27.3``,
    ``28``) or a tuple/list of numbers. Raises ``ValueError`` when no version
    is found.
    """
    if isinstance(text, (tuple, list)):
        parts = [int(part) for part in text][:3]
        if not parts:
            raise ValueError("no Docker engine version given")
        return tuple(parts + [0] * (3 - len(parts)))
    if text is None:
        raise ValueError("no Docker engine version given")
    text = str(text).strip()
    if text.isdigit():
        return (int(text), 0, 0)
    match = _VERSION_RE.search(text)
    if not match:
        raise ValueError("cannot find a Docker engine version in %r" % text)
    return (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))


def format_version(version):
    """Return ``"major.minor.patch"`` for a version tuple."""
    return ".".join(str(part) for part in version)


def feature(name):
    """The ``Feature`` called ``name``; ``KeyError`` names the known ones."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError("unknown engine feature %r (known: %s)" % (name, ", ".join(sorted(_BY_NAME)))) from None


def supports(version, name):
    """``True`` when an engine of ``version`` has the feature ``name``."""
    return parse_version(version) >= feature(name).since


def features(version):
    """Every feature name mapped to whether an engine of ``version`` has it."""
    version = parse_version(version)
    return {item.name: version >= item.since for item in FEATURES}


def since(name):
    """The first engine version (as text, e.g. ``"28.0"``) with the feature ``name``."""
    major, minor = feature(name).since[:2]
    return "%d.%d" % (major, minor)


def release(version):
    """The ``Release`` of the engine's major version, or ``None`` when the table says nothing about it."""
    major = parse_version(version)[0]
    for item in RELEASES:
        if item.major == major:
            return item
    return None
