# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tables for module_utils/_sysctl.py: the sysctl role's decisions without a host."""

from __future__ import annotations

import os

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.filter.sysctl import sysctl_plan, sysctl_problems
from ansible_collections.ipv6ready.docker.plugins.module_utils import _sysctl as s

OWN = "/etc/sysctl.d/60-ipv6ready.conf"

# The role's defaults plus the Molecule scenario's variables (molecule/sysctl/vars/role.yml).
INPUTS = {
    "sysctl_file": OWN,
    "sysctl_ipv4_forwarding": True,
    "sysctl_accept_ra_detect": True,
    "sysctl_accept_ra_interfaces": [],
    "sysctl_extra": {"net.ipv6.conf.all.accept_redirects": 0, "net.ipv4.tcp_rmem": "4096 131072 6291456"},
    "sysctl_preflight": "fail",
    "sysctl_forward_policy_drop": True,
}


def link(name):
    return {"ifname": name}


def addresses(name, *infos):
    return {"ifname": name, "addr_info": list(infos)}


# The uplinks of the Molecule scenario (molecule/sysctl/prepare.yml), as `ip -json` shows them:
# ra0 learns a default route and a SLAAC address from radvd; dyn0 has an address with a finite
# lifetime (DHCPv6); usr0 an RA route with kernel accept_ra=0 (systemd-networkd); static0 a static
# address and default route (Hetzner Cloud); eth0 Docker's static link; ctl0.100 a VLAN.
HOST = {
    "links": [link(n) for n in ("lo", "eth0", "ra0", "dyn0", "usr0", "static0")],
    "routes": [
        {"dst": "2001:db8:ab::/64", "dev": "ra0", "protocol": "ra", "metric": 256},
        {"dst": "2001:db8:7::/48", "gateway": "fe80::1", "dev": "usr0", "protocol": "ra"},
        {"dst": "default", "gateway": "fe80::1", "dev": "ra0", "protocol": "ra"},
        {"dst": "default", "gateway": "fe80::1", "dev": "static0", "protocol": "static", "metric": 2048},
        {"dst": "fe80::/64", "dev": "eth0", "protocol": "kernel"},
        {"dst": "2001:db8:5::/64", "dev": "static0"},
    ],
    "addresses": [
        addresses("lo", {"family": "inet6", "local": "::1", "prefixlen": 128, "scope": "host"}),
        addresses("ra0", {"family": "inet6", "local": "2001:db8:ab::5", "prefixlen": 64, "scope": "global", "dynamic": True, "protocol": "kernel_ra"}),
        addresses("dyn0", {"family": "inet6", "local": "2001:db8:6::10", "prefixlen": 128, "scope": "global", "dynamic": True}),
        addresses("static0", {"family": "inet6", "local": "2001:db8:5::1", "prefixlen": 64, "scope": "global"}),
    ],
    "ipv6": True,
    "accept_ra": {"all": "1", "default": "1", "lo": "1", "eth0": "1", "ra0": "1", "dyn0": "1", "usr0": "0", "static0": "1"},
    "tools": {"ip6tables": True, "iptables": True},
    "own_content": None,
    "later_files": [],
}


def host(**changes):
    return dict(HOST, **changes)


def inputs(**changes):
    return dict(INPUTS, **changes)


# --------------------------------------------------------------------------
# Keys, values and files
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, path",
    [
        ("net.ipv6.conf.all.forwarding", "net/ipv6/conf/all/forwarding"),
        ("net/ipv6/conf/all/forwarding", "net/ipv6/conf/all/forwarding"),
        # A dot in a slash-separated key is part of a name (VLAN eth0.100) ...
        ("net/ipv6/conf/eth0.100/accept_ra", "net/ipv6/conf/eth0.100/accept_ra"),
        # ... and a slash in a dotted key stands for that dot.
        ("net.ipv6.conf.eth0/100.accept_ra", "net/ipv6/conf/eth0.100/accept_ra"),
        ("  net.ipv4.ip_forward ", "net/ipv4/ip_forward"),
        ("kernel", "kernel"),
        ("net.ipv6.conf.*.accept_ra", "net/ipv6/conf/*/accept_ra"),
    ],
)
def test_key_path(key, path):
    assert s.key_path(key) == path


def test_interface_key_writes_a_vlan_dot_as_a_slash():
    assert s.interface_key("eth0.100", "accept_ra") == "net.ipv6.conf.eth0/100.accept_ra"
    assert s.key_path(s.interface_key("eth0.100", "accept_ra")) == "net/ipv6/conf/eth0.100/accept_ra"


@pytest.mark.parametrize(
    "text, rows",
    [
        ("", []),
        ("# comment\n; also a comment\n\nno equals sign\n", []),
        ("net.ipv6.conf.all.forwarding = 0\n", [("net.ipv6.conf.all.forwarding", "net.ipv6.conf.all.forwarding", "0")]),
        ("net.ipv4.ip_forward=1", [("net.ipv4.ip_forward", "net.ipv4.ip_forward", "1")]),
        # The ignore-failure dash of both loaders.
        ("-net/ipv6/conf/default/disable_ipv6 = 1", [("net/ipv6/conf/default/disable_ipv6", "-net/ipv6/conf/default/disable_ipv6", "1")]),
        ("- net.core.somaxconn = 4096", [("net.core.somaxconn", "- net.core.somaxconn", "4096")]),
        # Blanks inside a value collapse; only the first "=" splits.
        ("net.ipv4.tcp_rmem = 4096\t131072   6291456 ", [("net.ipv4.tcp_rmem", "net.ipv4.tcp_rmem", "4096 131072 6291456")]),
        ("kernel.x = a=b", [("kernel.x", "kernel.x", "a=b")]),
        ("   # indented comment = 1\nnet.a = 1\n", [("net.a", "net.a", "1")]),
    ],
)
def test_parse_conf(text, rows):
    assert [(r["key"], r["written"], r["value"]) for r in s.parse_conf(text)] == rows


def test_conf_names_are_the_visible_conf_files_sorted():
    assert s.conf_names(["b.conf", ".hidden.conf", "a.conf", "README", "c.conf.dpkg-old", "x.CONF"]) == ["a.conf", "b.conf"]


def later(files, own=OWN, legacy=False):
    """The later files of a virtual file system: ``files`` are paths."""
    listing = {}
    for path in files:
        listing.setdefault(os.path.dirname(path), []).append(os.path.basename(path))
    return s.later_files(listing, own, legacy_exists=legacy)


@pytest.mark.parametrize(
    "files, legacy, expected",
    [
        pytest.param([], False, [], id="nothing"),
        pytest.param([OWN], False, [], id="only-ours"),
        pytest.param(["/etc/sysctl.d/10-early.conf", "/usr/lib/sysctl.d/50-pid-max.conf"], False, [], id="earlier"),
        pytest.param(["/etc/sysctl.d/99-hardening.conf"], False, ["/etc/sysctl.d/99-hardening.conf"], id="later"),
        pytest.param(
            ["/usr/lib/sysctl.d/99-hardening.conf", "/etc/sysctl.d/99-hardening.conf"], False, ["/etc/sysctl.d/99-hardening.conf"], id="etc-masks-usr-lib"
        ),
        pytest.param(
            ["/lib/sysctl.d/70-a.conf", "/run/sysctl.d/70-a.conf", "/usr/local/lib/sysctl.d/70-a.conf"],
            False,
            ["/run/sysctl.d/70-a.conf"],
            id="run-masks-later-dirs",
        ),
        # Files of every directory are applied together, sorted by name.
        pytest.param(
            ["/usr/lib/sysctl.d/90-b.conf", "/etc/sysctl.d/95-c.conf", "/run/sysctl.d/70-a.conf"],
            False,
            ["/run/sysctl.d/70-a.conf", "/usr/lib/sysctl.d/90-b.conf", "/etc/sysctl.d/95-c.conf"],
            id="sorted",
        ),
        # Our own file masks a packaged file of the same name, which therefore is never applied.
        pytest.param(["/usr/lib/sysctl.d/60-ipv6ready.conf"], False, [], id="same-name-as-ours"),
        # Byte order: capitals sort before digits' successors, "6" < "9" < "Z" < "z".
        pytest.param(
            ["/etc/sysctl.d/Z-upper.conf", "/etc/sysctl.d/60-ipv6ready~.conf"],
            False,
            ["/etc/sysctl.d/60-ipv6ready~.conf", "/etc/sysctl.d/Z-upper.conf"],
            id="byte-order",
        ),
        pytest.param(["/etc/sysctl.d/99-hardening.conf"], True, ["/etc/sysctl.d/99-hardening.conf", "/etc/sysctl.conf"], id="legacy-last"),
        pytest.param([], True, ["/etc/sysctl.conf"], id="legacy-only"),
    ],
)
def test_later_files(files, legacy, expected):
    assert later(files, legacy=legacy) == expected


def test_later_files_ignores_directories_outside_the_search_path():
    assert s.later_files({"/etc/other.d": ["99-x.conf"]}, OWN) == []


# --------------------------------------------------------------------------
# The preflight cases: which files override the role (Molecule checks a few
# of them against the real loaders; molecule/sysctl/vars/preflight.yml)
# --------------------------------------------------------------------------

WANTED = s.wanted_settings(["ra0", "dyn0"], True, INPUTS["sysctl_extra"])[1]


def overrides_of(files, legacy=None):
    """``files``: {path: content}; ``legacy``: the text of /etc/sysctl.conf or None."""
    paths = later(list(files), legacy=legacy is not None)
    contents = dict(files, **({s.LEGACY_FILE: legacy} if legacy is not None else {}))
    found = s.find_overrides([{"path": p, "content": contents[p]} for p in paths], WANTED)
    return found, s.override_message(found)


PREFLIGHT_CASES = [
    pytest.param(
        {"/etc/sysctl.d/99-hardening.conf": "net.ipv6.conf.all.forwarding = 0\n"},
        None,
        True,
        [
            "/etc/sysctl.d/99-hardening.conf sets net.ipv6.conf.all.forwarding = 0 (this role needs net.ipv6.conf.all.forwarding = 1)",
            "sysctl_file: /etc/sysctl.d/99-zz-ipv6ready.conf",
            "sysctl_preflight",
            "sysctl_overwrite",
        ],
        id="later-file-as-a-hardening-role-writes-it",
    ),
    pytest.param(
        {"/usr/lib/sysctl.d/99-hardening.conf": "net.ipv6.conf.all.forwarding = 0\n", "/etc/sysctl.d/99-hardening.conf": "# masks the packaged file\n"},
        None,
        False,
        [],
        id="later-packaged-file-masked-in-etc",
    ),
    pytest.param({"/etc/sysctl.d/10-early.conf": "net.ipv6.conf.all.forwarding = 0\n"}, None, False, [], id="earlier-file"),
    pytest.param(
        {},
        "net.ipv6.conf.all.forwarding=0\n",
        True,
        ["/etc/sysctl.conf sets net.ipv6.conf.all.forwarding = 0", "Renaming this role's file cannot help against /etc/sysctl.conf"],
        id="etc-sysctl-conf-read-last",
    ),
    # Both loaders skip keys that a file sets explicitly when they expand a glob.
    pytest.param({"/run/sysctl.d/90-glob.conf": "net.ipv6.conf.r*.accept_ra = 0\n"}, None, False, [], id="later-glob"),
    pytest.param(
        {"/run/sysctl.d/90-ra0.conf": "net.ipv6.conf.ra0.accept_ra = 0\n"},
        None,
        True,
        [
            "/run/sysctl.d/90-ra0.conf sets net.ipv6.conf.ra0.accept_ra = 0 (this role needs net.ipv6.conf.ra0.accept_ra = 2)",
            "sysctl_file: /etc/sysctl.d/99-zz-ipv6ready.conf",
        ],
        id="later-file-naming-an-uplink",
    ),
    pytest.param(
        {"/usr/local/lib/sysctl.d/70-slash.conf": "-net/ipv6/conf/default/disable_ipv6 = 1\n"},
        None,
        True,
        ["/usr/local/lib/sysctl.d/70-slash.conf sets net/ipv6/conf/default/disable_ipv6 = 1 (this role needs net.ipv6.conf.default.disable_ipv6 = 0)"],
        id="slash-key-with-the-ignore-failure-dash",
    ),
    pytest.param(
        {"/etc/sysctl.d/99-same.conf": "net.ipv6.conf.all.forwarding = 1\nnet.ipv4.tcp_rmem = 4096\t131072   6291456\n"},
        None,
        False,
        [],
        id="later-file-with-the-same-values",
    ),
    pytest.param(
        {"/etc/sysctl.d/98-off.conf": "net.ipv6.conf.all.forwarding = 0\n", "/etc/sysctl.d/99-on.conf": "net.ipv6.conf.all.forwarding = 1\n"},
        None,
        False,
        [],
        id="later-file-undone-by-an-even-later-one",
    ),
    pytest.param(
        {"/etc/sysctl.d/99-on.conf": "net.ipv6.conf.all.forwarding = 1\n"},
        "net.ipv6.conf.all.forwarding = 0\n",
        True,
        ["/etc/sysctl.conf sets", "cannot help against"],
        id="etc-sysctl-conf-undoes-a-later-file",
    ),
    pytest.param(
        {"/etc/sysctl.d/70-a.conf": "net.ipv6.conf.all.forwarding = 0\n", "/etc/sysctl.d/80-b.conf": "net.ipv4.ip_forward = 0\n"},
        None,
        True,
        [
            "70-a.conf sets net.ipv6.conf.all.forwarding = 0",
            "80-b.conf sets net.ipv4.ip_forward = 0",
            "a name that sorts after 80-b.conf, e.g. sysctl_file: /etc/sysctl.d/99-zz-ipv6ready.conf",
        ],
        id="two-files-rename-after-the-last",
    ),
    pytest.param(
        {"/etc/sysctl.d/zz-last.conf": "net.ipv6.conf.all.forwarding = 0\n"},
        None,
        True,
        ["sorts after zz-last.conf, e.g. sysctl_file: /etc/sysctl.d/zz-last~ipv6ready.conf"],
        id="rename-past-a-zz-file",
    ),
    pytest.param(
        {"/etc/sysctl.d/99-x.conf": "net.ipv6.conf.all.disable_ipv6 = 1\nnet.ipv6.conf.all.disable_ipv6 = 1\n"},
        None,
        True,
        ["99-x.conf sets net.ipv6.conf.all.disable_ipv6 = 1"],
        id="one-key-twice",
    ),
]


@pytest.mark.parametrize("files, legacy, fail, fragments", PREFLIGHT_CASES)
def test_preflight_cases(files, legacy, fail, fragments):
    found, message = overrides_of(files, legacy)
    assert bool(found) is fail
    assert bool(message) is fail
    for fragment in fragments:
        assert fragment in message
    if fail:
        assert message.startswith("Another sysctl file would override this role after a reboot or `sysctl --system`: ")
        assert message.endswith("set sysctl_preflight to warn or skip if something else restores these values.")


def test_override_rows_name_the_file_key_and_wanted_spelling():
    found = overrides_of({"/etc/sysctl.d/99-x.conf": "net/ipv6/conf/all/forwarding = 0\n"})[0]
    assert found == [
        {"file": "/etc/sysctl.d/99-x.conf", "key": "net/ipv6/conf/all/forwarding", "value": "0", "want_key": "net.ipv6.conf.all.forwarding", "want": "1"}
    ]


def test_only_legacy_overrides_suggest_no_rename():
    message = overrides_of({}, "net.ipv4.ip_forward = 0\n")[1]
    assert "give this role's file a name" not in message
    assert "Fix one of: remove or change those lines" in message


# --------------------------------------------------------------------------
# Variables
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, fragments",
    [
        pytest.param({}, [], id="good"),
        pytest.param(
            {"sysctl_file": "/etc/sysctl.conf"}, ["sysctl_file must be a *.conf file directly in /etc/sysctl.d", "(got /etc/sysctl.conf)"], id="legacy-file"
        ),
        pytest.param({"sysctl_file": "/etc/sysctl.d/60-ipv6ready"}, ["sysctl_file"], id="no-conf-suffix"),
        pytest.param({"sysctl_file": "/etc/sysctl.d/.hidden.conf"}, ["sysctl_file"], id="hidden"),
        pytest.param({"sysctl_file": "/etc/sysctl.d/sub/60.conf"}, ["sysctl_file"], id="subdirectory"),
        pytest.param({"sysctl_file": "/run/sysctl.d/60.conf"}, ["sysctl_file"], id="not-in-etc"),
        pytest.param(
            {"sysctl_extra": {"net.ipv6.conf.*.accept_ra": 2}},
            ['sysctl_extra keys must be sysctl names without globs, "=" or blanks: net.ipv6.conf.*.accept_ra'],
            id="glob-key",
        ),
        pytest.param({"sysctl_extra": {"net.a b": 1, "-net.c": 1}}, ["sysctl_extra keys", "net.a b, -net.c"], id="blank-and-dash-keys"),
        pytest.param(
            {"sysctl_extra": {"net.ipv4.tcp_rmem": True}},
            ["sysctl_extra values must be non-empty strings or integers (not booleans, lists or dicts): net.ipv4.tcp_rmem"],
            id="boolean-value",
        ),
        pytest.param({"sysctl_extra": {"net.core.somaxconn": [1]}}, ["sysctl_extra values", "net.core.somaxconn"], id="list-value"),
        pytest.param(
            {"sysctl_extra": {"net.a": " ", "net.b": 1.5, "net.c": {"x": 1}, "net.d": None}},
            ["sysctl_extra values", "net.a, net.b, net.c, net.d"],
            id="blank-float-dict-null",
        ),
        pytest.param({"sysctl_extra": {"net.a": 0, "net.b": "0"}}, [], id="zero-is-a-value"),
        pytest.param(
            {"sysctl_accept_ra_interfaces": ["bad/name"]},
            ['sysctl_accept_ra_interfaces must name interfaces (1 to 15 letters, digits, ".", "_" or "-"; not "." or ".."; not all or default): bad/name'],
            id="slash-in-interface",
        ),
        pytest.param(
            {"sysctl_accept_ra_interfaces": ["all", "default", "a" * 16, "eth 0", "eth0.100", "..", "wg@x"]},
            ["sysctl_accept_ra_interfaces", "all, default, " + "a" * 16 + ", eth 0, .., wg@x"],
            id="not-interfaces",
        ),
        pytest.param({"sysctl_accept_ra_interfaces": ["eth0", "eth0.100", "enp1s0", "a" * 15, "br-0_x"]}, [], id="interfaces"),
    ],
)
def test_input_problems(changes, fragments):
    problems = s.input_problems(inputs(**changes))
    assert bool(problems) is bool(fragments)
    text = "; ".join(problems)
    for fragment in fragments:
        assert fragment in text


def test_input_problems_filter():
    assert sysctl_problems(inputs(sysctl_file="/tmp/x.conf"))
    with pytest.raises(AnsibleFilterError, match="expected a dict"):
        sysctl_problems(["sysctl_file"])


# --------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------

CORE = ["net.ipv6.conf.all.disable_ipv6", "net.ipv6.conf.default.disable_ipv6"]


def test_plan_of_the_scenario_host():
    result = sysctl_plan(HOST, INPUTS)
    # ra0 (RA route, SLAAC) and dyn0 (finite lifetime) take RAs; usr0's RAs are a user-space client's.
    assert result["uplinks"] == ["ra0", "dyn0"]
    assert [(w["key"], w["value"]) for w in result["wanted"]] == [
        ("net.ipv6.conf.all.disable_ipv6", "0"),
        ("net.ipv6.conf.default.disable_ipv6", "0"),
        ("net.ipv6.conf.ra0.accept_ra", "2"),
        ("net.ipv6.conf.dyn0.accept_ra", "2"),
        ("net.ipv6.conf.all.forwarding", "1"),
        ("net.ipv4.ip_forward", "1"),
        ("net.ipv6.conf.all.accept_redirects", "0"),
        ("net.ipv4.tcp_rmem", "4096 131072 6291456"),
    ]
    assert result["problems"] == []
    assert result["overrides"] == [] and result["override_message"] == ""
    assert result["stale"] == []
    assert result["report"] == [
        "ra0: takes router advertisements (RA-learned route 2001:db8:ab::/64, RA-learned route default, "
        "2001:db8:ab::5/64 with a finite lifetime (SLAAC/DHCPv6); kernel accept_ra=1) -> accept_ra=2",
        "usr0: RA-learned route 2001:db8:7::/48, but kernel accept_ra=0: a user-space client (systemd-networkd, NetworkManager) handles its RAs -> left alone",
        "dyn0: takes router advertisements (2001:db8:6::10/128 with a finite lifetime (SLAAC/DHCPv6); kernel accept_ra=1) -> accept_ra=2",
        "static0: static IPv6 default route via fe80::1 (proto static), no RAs as on Hetzner Cloud -> accept_ra left alone",
    ]


@pytest.mark.parametrize(
    "host_changes, input_changes, uplinks",
    [
        pytest.param({}, {"sysctl_accept_ra_detect": False}, [], id="detection-off"),
        pytest.param({}, {"sysctl_accept_ra_detect": False, "sysctl_accept_ra_interfaces": ["static0"]}, ["static0"], id="listed-only"),
        pytest.param({}, {"sysctl_accept_ra_interfaces": ["dyn0", "static0"]}, ["ra0", "dyn0", "static0"], id="listed-and-detected-once"),
        # accept_ra=2 already (forwarding on before): still an uplink, and the key is written.
        pytest.param({"accept_ra": dict(HOST["accept_ra"], ra0="2")}, {}, ["ra0", "dyn0"], id="accept-ra-2"),
        pytest.param({"accept_ra": dict(HOST["accept_ra"], ra0="0", dyn0="0")}, {}, [], id="user-space-clients"),
        # Static Hetzner-like host: nothing to detect.
        pytest.param(
            {"routes": [r for r in HOST["routes"] if r.get("protocol") != "ra"], "addresses": [a for a in HOST["addresses"] if a["ifname"] == "static0"]},
            {},
            [],
            id="static",
        ),
        # A route on an interface the link list does not show (gone meanwhile) is ignored, as is lo.
        pytest.param(
            {"routes": [{"dst": "default", "dev": "gone0", "protocol": "ra"}, {"dst": "::/0", "dev": "lo", "protocol": "ra"}], "addresses": []},
            {},
            [],
            id="unknown-and-lo",
        ),
        pytest.param(
            {
                "links": HOST["links"] + [link("eth0.100")],
                "routes": [{"dst": "default", "dev": "eth0.100", "protocol": "ra"}],
                "addresses": [],
                "accept_ra": {"eth0.100": "1"},
            },
            {},
            ["eth0.100"],
            id="vlan",
        ),
    ],
)
def test_plan_uplinks(host_changes, input_changes, uplinks):
    result = s.plan(host(**host_changes), inputs(**input_changes))
    assert result["uplinks"] == uplinks
    keys = [w["key"] for w in result["wanted"]]
    assert keys[:2] == CORE
    assert keys[2 : 2 + len(uplinks)] == [s.interface_key(dev, "accept_ra") for dev in uplinks]
    assert keys[2 + len(uplinks)] == "net.ipv6.conf.all.forwarding"


def test_plan_without_ipv4_forwarding_or_extras():
    result = s.plan(HOST, inputs(sysctl_ipv4_forwarding=False, sysctl_extra={}))
    assert [w["key"] for w in result["wanted"]][-1] == "net.ipv6.conf.all.forwarding"
    assert "net.ipv4.ip_forward" not in [w["key"] for w in result["wanted"]]


def test_plan_writes_extra_values_as_loaders_compare_them():
    result = s.plan(HOST, inputs(sysctl_extra={"net.core.somaxconn": 4096, "net.ipv4.tcp_wmem": " 4096\t16384  4194304"}))
    assert result["wanted"][-2:] == [{"key": "net.core.somaxconn", "value": "4096"}, {"key": "net.ipv4.tcp_wmem", "value": "4096 16384 4194304"}]


@pytest.mark.parametrize(
    "host_changes, input_changes, fragments",
    [
        pytest.param(
            {"ipv6": False, "routes": [], "addresses": [], "accept_ra": {}}, {}, ["the kernel has no IPv6 (booted with ipv6.disable=1?)"], id="no-ipv6"
        ),
        pytest.param(
            {},
            {"sysctl_accept_ra_interfaces": ["nope0", "static0", "gone1"]},
            ["sysctl_accept_ra_interfaces names interfaces this host does not have: nope0, gone1"],
            id="missing-interfaces",
        ),
        pytest.param(
            {},
            {"sysctl_extra": {"net/ipv6/conf/all/forwarding": 0}},
            ["sysctl_extra repeats a key this role manages or another extra key: net/ipv6/conf/all/forwarding"],
            id="extra-repeats-core-in-slashes",
        ),
        pytest.param(
            {},
            {"sysctl_extra": {"net.ipv6.conf.ra0.accept_ra": 2}},
            ["sysctl_extra repeats", "net.ipv6.conf.ra0.accept_ra"],
            id="extra-repeats-detected-uplink",
        ),
        pytest.param({}, {"sysctl_extra": {"net.core.x": 1, "net/core/x": 1}}, ["sysctl_extra repeats", "net/core/x"], id="extra-repeats-extra"),
        pytest.param({}, {"sysctl_extra": {"net.ipv4.ip_forward": 1}}, ["sysctl_extra repeats", "net.ipv4.ip_forward"], id="extra-repeats-same-spelling"),
        # iptables is installed but its tools do not run: nothing the role can install helps.
        pytest.param(
            {"tools": {"ip6tables": False, "iptables": False}},
            {},
            [
                "sysctl_forward_policy_drop needs ip6tables and iptables, which does not run on this host "
                "('--version' failed) although the iptables package is installed"
            ],
            id="no-tools",
        ),
        pytest.param(
            {"tools": {"ip6tables": False, "iptables": False}},
            {"sysctl_ipv4_forwarding": False},
            ["sysctl_forward_policy_drop needs ip6tables,"],
            id="no-ip6tables",
        ),
        # A bare host: iptables is missing, and the role installs it before it sets the policy.
        pytest.param({"tools": {"ip6tables": False, "iptables": False}, "packages_missing": ["iptables"]}, {}, [], id="no-tools-installed-first"),
        pytest.param({"tools": {}}, {"sysctl_forward_policy_drop": False}, [], id="tools-not-needed"),
    ],
)
def test_plan_problems(host_changes, input_changes, fragments):
    problems = s.plan(host(**host_changes), inputs(**input_changes))["problems"]
    assert bool(problems) is bool(fragments)
    for fragment in fragments:
        assert fragment in "; ".join(problems)


def test_plan_skips_the_override_check_on_skip():
    files = [{"path": "/etc/sysctl.d/99-hardening.conf", "content": "net.ipv6.conf.all.forwarding = 0\n"}]
    assert s.plan(host(later_files=files), inputs())["overrides"]
    assert s.plan(host(later_files=files), inputs(sysctl_preflight="warn"))["override_message"]
    skipped = s.plan(host(later_files=files), inputs(sysctl_preflight="skip"))
    assert skipped["overrides"] == [] and skipped["override_message"] == ""


@pytest.mark.parametrize(
    ("preflight", "stops", "warns"),
    [("fail", True, False), ("warn", False, True), ("skip", False, False)],
)
def test_plan_stop_and_report_follow_the_preflight_choice(preflight, stops, warns):
    files = [{"path": "/etc/sysctl.d/99-hardening.conf", "content": "net.ipv6.conf.all.forwarding = 0\n"}]
    result = s.plan(host(later_files=files), inputs(sysctl_preflight=preflight))
    warning = [line for line in result["report"] if line.startswith("WARNING (sysctl_preflight: warn): ")]
    assert result["stop"] == ([result["override_message"]] if stops else [])
    assert warning == (["WARNING (sysctl_preflight: warn): " + result["override_message"]] if warns else [])
    if stops or warns:
        assert "99-hardening.conf" in result["override_message"]


def test_plan_stop_lists_the_problems_before_the_override():
    files = [{"path": "/etc/sysctl.d/99-hardening.conf", "content": "net.ipv6.conf.all.forwarding = 0\n"}]
    result = s.plan(host(later_files=files), inputs(sysctl_accept_ra_interfaces=["nope0"]))
    assert len(result["stop"]) == 2
    assert "nope0" in result["stop"][0] and "99-hardening.conf" in result["stop"][1]
    assert s.plan(HOST, inputs())["stop"] == []


@pytest.mark.parametrize(
    "own, stale",
    [
        pytest.param(None, [], id="no-file"),
        pytest.param("# header\n", [], id="header-only"),
        pytest.param("net.ipv6.conf.all.forwarding=1\nnet.ipv6.conf.ra0.accept_ra=2\n", [], id="wanted"),
        # An uplink gone and an extra dropped.
        pytest.param(
            "net.ipv6.conf.old0.accept_ra=2\nnet.ipv4.tcp_rmem=1 2 3\nnet.core.somaxconn=1024\n",
            ["net.ipv6.conf.old0.accept_ra", "net.core.somaxconn"],
            id="gone",
        ),
        # The same key spelled differently is rewritten in the role's spelling.
        pytest.param("net/ipv6/conf/all/forwarding=1\n", ["net/ipv6/conf/all/forwarding"], id="other-spelling"),
    ],
)
def test_plan_stale_keys(own, stale):
    assert s.plan(host(own_content=own), inputs())["stale"] == stale


def test_plan_report_lists_listed_and_undetected():
    report = s.plan(host(routes=[], addresses=[]), inputs(sysctl_accept_ra_interfaces=["static0"]))["report"]
    assert report == ["static0: listed in sysctl_accept_ra_interfaces -> accept_ra=2"]
    assert s.plan(host(routes=[], addresses=[]), inputs())["report"] == ["No interface takes IPv6 router advertisements: accept_ra is left alone."]
    off = s.plan(HOST, inputs(sysctl_accept_ra_detect=False))["report"]
    assert off[0].startswith("ra0: takes router advertisements (") and off[0].endswith("but sysctl_accept_ra_detect is false")


def test_plan_filter_refuses_non_dicts():
    with pytest.raises(AnsibleFilterError, match="sysctl_plan input: expected a dict"):
        sysctl_plan("host", INPUTS)


def test_plan_reads_booleans_as_an_inventory_gives_them():
    # Role argument validation checks the type but leaves "no" a string.
    result = s.plan(host(tools={}), inputs(sysctl_ipv4_forwarding="no", sysctl_accept_ra_detect="false", sysctl_forward_policy_drop="no"))
    assert result["uplinks"] == [] and result["problems"] == []
    assert "net.ipv4.ip_forward" not in [w["key"] for w in result["wanted"]]


# --------------------------------------------------------------------------
# The FORWARD policy and the boot unit, decided from the one read
# --------------------------------------------------------------------------

UNIT = "ipv6ready-forward-drop.service"


@pytest.mark.parametrize(
    "listing, policy",
    [
        ("Chain FORWARD (policy DROP)\ntarget     prot opt source               destination\n", "DROP"),
        ("Chain FORWARD (policy ACCEPT)\nACCEPT     all  --  0.0.0.0/0            0.0.0.0/0\n", "ACCEPT"),
        # With counters (-v, which neither reader asks for) the iptables module finds no policy either.
        ("Chain FORWARD (policy ACCEPT 0 packets, 0 bytes)\n", None),
        # A user-defined chain has references, no policy; only the first line counts.
        ("Chain DOCKER (1 references)\nChain FORWARD (policy DROP)\n", None),
        ("", None),
        (None, None),
    ],
)
def test_chain_policy_reads_the_header_as_the_iptables_module_does(listing, policy):
    assert s.chain_policy(listing) == policy


@pytest.mark.parametrize(
    "policies, input_changes, to_set",
    [
        # A no-op run: both DROP already, nothing to set.
        ({"ip6tables": "DROP", "iptables": "DROP"}, {}, []),
        # A fresh host, or Docker < 28 left IPv6 ACCEPT.
        ({"ip6tables": "ACCEPT", "iptables": "DROP"}, {}, ["ip6tables"]),
        ({"ip6tables": "ACCEPT", "iptables": "ACCEPT"}, {}, ["ip6tables", "iptables"]),
        # Without IPv4 forwarding the IPv4 policy is not the role's business.
        ({"ip6tables": "DROP", "iptables": "ACCEPT"}, {"sysctl_ipv4_forwarding": False}, []),
        ({"ip6tables": "ACCEPT", "iptables": "ACCEPT"}, {"sysctl_ipv4_forwarding": False}, ["ip6tables"]),
        # A policy that could not be read is set (the iptables module decides).
        ({"ip6tables": None, "iptables": "DROP"}, {}, ["ip6tables"]),
        ({}, {}, ["ip6tables", "iptables"]),
        (None, {}, ["ip6tables", "iptables"]),
        # Another chain policy than DROP is ours to change.
        ({"ip6tables": "RETURN", "iptables": "DROP"}, {}, ["ip6tables"]),
        # The policy is left alone altogether.
        ({"ip6tables": "ACCEPT", "iptables": "ACCEPT"}, {"sysctl_forward_policy_drop": False}, []),
        ({"ip6tables": "ACCEPT"}, {"sysctl_forward_policy_drop": "no"}, []),
    ],
)
def test_plan_forward_policy_set(policies, input_changes, to_set):
    assert s.plan(host(forward_policy=policies), inputs(**input_changes))["forward_policy_set"] == to_set


@pytest.mark.parametrize(
    "units, input_changes, enable",
    [
        # A no-op run: the unit is enabled, no systemd_service call.
        ({UNIT: "enabled"}, {}, False),
        # Not there yet, disabled, masked, or only linked: the role enables it (systemd_service decides).
        ({UNIT: ""}, {}, True),
        ({UNIT: "disabled"}, {}, True),
        ({UNIT: "masked"}, {}, True),
        ({UNIT: "linked"}, {}, True),
        ({UNIT: "enabled-runtime"}, {}, True),
        # No systemctl, or no answer for this unit: the role asks systemd itself.
        ({UNIT: None}, {}, True),
        ({"other.service": "enabled"}, {}, True),
        (None, {}, True),
        # The role does not keep a unit at all.
        ({UNIT: ""}, {"sysctl_forward_policy_drop": False}, False),
    ],
)
def test_plan_unit_enable(units, input_changes, enable):
    assert s.plan(host(units=units), inputs(unit=UNIT, **input_changes))["unit_enable"] is enable


def test_plan_without_the_unit_name_enables_it():
    assert s.plan(host(units={UNIT: "enabled"}), INPUTS)["unit_enable"] is True


UNIT_PATH = "/etc/systemd/system/" + UNIT
UNIT_TEXT = "[Unit]\nDescription=x\n\n[Service]\nExecStart=ip6tables -w -P FORWARD DROP\n"


def unit_file(**changes):
    return dict({"type": "file", "mode": "0644", "owner": "root", "group": "root", "content": UNIT_TEXT}, **changes)


@pytest.mark.parametrize(
    "read, content, current",
    [
        # A no-op run: the file is exactly what the template writes.
        (unit_file(), UNIT_TEXT, True),
        # Anything else goes to the template task.
        (None, UNIT_TEXT, False),
        (unit_file(content=UNIT_TEXT + "ExecStart=iptables -w -P FORWARD DROP\n"), UNIT_TEXT, False),
        (unit_file(content=UNIT_TEXT.rstrip("\n")), UNIT_TEXT, False),
        (unit_file(mode="0755"), UNIT_TEXT, False),
        (unit_file(owner="deploy"), UNIT_TEXT, False),
        (unit_file(group="adm"), UNIT_TEXT, False),
        (unit_file(type="directory", content=None), UNIT_TEXT, False),
        # A link to a file with that text: the template task decides (it would replace the link).
        (unit_file(type="link", mode="0777"), UNIT_TEXT, False),
        ({}, UNIT_TEXT, False),
        # Nothing rendered to compare with.
        (unit_file(), None, False),
    ],
)
def test_file_current(read, content, current):
    assert s.file_current(read, content) is current


@pytest.mark.parametrize(
    "files, input_changes, current",
    [
        ({UNIT_PATH: unit_file()}, {}, True),
        ({UNIT_PATH: None}, {}, False),
        ({UNIT_PATH: unit_file(content="old\n")}, {}, False),
        # The unit sysctl_info read is another file, or none was read.
        ({"/etc/systemd/system/other.service": unit_file()}, {}, False),
        (None, {}, False),
        ({UNIT_PATH: unit_file()}, {"unit_content": None}, False),
        # Without the FORWARD policy the role removes the unit instead.
        ({UNIT_PATH: unit_file()}, {"sysctl_forward_policy_drop": False}, False),
    ],
)
def test_plan_unit_current(files, input_changes, current):
    result = s.plan(host(files=files), inputs(unit_path=UNIT_PATH, **dict({"unit_content": UNIT_TEXT}, **input_changes)))
    assert result["unit_current"] is current


# --------------------------------------------------------------------------
# The settings ansible.posix.sysctl would change
# --------------------------------------------------------------------------

FWD = {"key": "net.ipv6.conf.all.forwarding", "value": "1"}
RMEM = {"key": "net.ipv4.tcp_rmem", "value": "4096 131072 6291456"}
OWN_TEXT = "# Managed by Ansible\nnet.ipv6.conf.all.forwarding=1\nnet.ipv4.tcp_rmem=4096 131072 6291456\n"
KERNEL = {"net.ipv6.conf.all.forwarding": "1", "net.ipv4.tcp_rmem": "4096\t131072\t6291456"}


@pytest.mark.parametrize(
    "own, kernel, apply",
    [
        # A no-op run: file and kernel hold both (the kernel separates with tabs).
        (OWN_TEXT, KERNEL, []),
        # The kernel drifted (a hardening role, a hand-made sysctl -w).
        (OWN_TEXT, dict(KERNEL, **{"net.ipv6.conf.all.forwarding": "0"}), [FWD]),
        (OWN_TEXT, dict(KERNEL, **{"net.ipv4.tcp_rmem": "4096 87380 6291456"}), [RMEM]),
        # The kernel's value could not be read, or was not read at all.
        (OWN_TEXT, dict(KERNEL, **{"net.ipv6.conf.all.forwarding": None}), [FWD]),
        (OWN_TEXT, {}, [FWD, RMEM]),
        (OWN_TEXT, None, [FWD, RMEM]),
        # The file lacks a key, or has no file at all.
        ("net.ipv4.tcp_rmem = 4096 131072 6291456\n", KERNEL, [FWD]),
        (None, KERNEL, [FWD, RMEM]),
        # The file holds another value; its last line for the key counts, as for the module.
        (OWN_TEXT.replace("forwarding=1", "forwarding=0"), KERNEL, [FWD]),
        (OWN_TEXT + "net.ipv6.conf.all.forwarding = 0\n", KERNEL, [FWD]),
        ("net.ipv6.conf.all.forwarding = 0\n" + OWN_TEXT, KERNEL, []),
        # The module compares the file's value exactly: other blanks inside are a change it writes.
        (OWN_TEXT.replace("4096 131072", "4096  131072"), KERNEL, [RMEM]),
        # ... but blanks around the = and the line are not.
        ("  net.ipv6.conf.all.forwarding  =  1  \nnet.ipv4.tcp_rmem=4096 131072 6291456\n", KERNEL, []),
        # A key spelled otherwise (slashes) is another key to the module.
        ("net/ipv6/conf/all/forwarding=1\nnet.ipv4.tcp_rmem=4096 131072 6291456\n", dict(KERNEL, **{"net/ipv6/conf/all/forwarding": "1"}), [FWD]),
        # A commented line sets nothing.
        ("# net.ipv6.conf.all.forwarding=1\n; x\nnet.ipv4.tcp_rmem=4096 131072 6291456\n", KERNEL, [FWD]),
    ],
)
def test_settings_to_apply(own, kernel, apply):
    assert s.settings_to_apply([FWD, RMEM], own, kernel) == apply


@pytest.mark.parametrize(
    "value, module",
    [
        ("1", "1"),
        ("0", "0"),
        ("2", "2"),
        (" 5 ", "5"),
        ("yes", "1"),
        ("True", "1"),
        ("off", "0"),
        ("no", "0"),
        ("4096 131072 6291456", "4096 131072 6291456"),
        (63, "63"),
    ],
)
def test_module_value_turns_booleans_into_numbers_as_ansible_posix_sysctl_does(value, module):
    assert s.module_value(value) == module


def test_a_boolean_word_is_compared_as_the_module_writes_it():
    # The module writes "on" as 1: a file with 1 and a kernel with 1 change nothing.
    item = {"key": "net.ipv4.conf.all.rp_filter", "value": "on"}
    assert s.settings_to_apply([item], "net.ipv4.conf.all.rp_filter=1\n", {"net.ipv4.conf.all.rp_filter": "1"}) == []
    assert s.settings_to_apply([item], "net.ipv4.conf.all.rp_filter=on\n", {"net.ipv4.conf.all.rp_filter": "1"}) == [item]


def test_plan_applies_only_what_the_host_lacks():
    own = "".join("%s=%s\n" % (w["key"], w["value"]) for w in s.plan(HOST, INPUTS)["wanted"])
    values = {w["key"]: w["value"] for w in s.plan(HOST, INPUTS)["wanted"]}
    result = s.plan(host(own_content=own, own_values=values), INPUTS)
    assert result["apply"] == [] and result["stale"] == []
    values["net.ipv6.conf.ra0.accept_ra"] = "1"
    result = s.plan(host(own_content=own, own_values=values), INPUTS)
    assert result["apply"] == [{"key": "net.ipv6.conf.ra0.accept_ra", "value": "2"}]
    # A fresh host: everything, in the planned order.
    fresh = s.plan(HOST, INPUTS)
    assert fresh["apply"] == fresh["wanted"]


@pytest.mark.parametrize(
    "input_changes, expected",
    [
        ({}, ["procps", "iptables"]),
        ({"sysctl_ipv4_forwarding": False}, ["procps", "iptables"]),
        ({"sysctl_forward_policy_drop": False}, ["procps"]),
        ({"sysctl_forward_policy_drop": "no"}, ["procps"]),
    ],
)
def test_packages(input_changes, expected):
    assert s.packages(inputs(**input_changes)) == expected


@pytest.mark.parametrize(
    "missing, input_changes, install, after, policy_set",
    [
        # Everything there: nothing to install, every program runs in check mode too.
        ([], {}, [], [], []),
        # A bare host: iptables comes first; the policies are set once it is there (check mode cannot run them).
        (["iptables"], {}, ["iptables"], ["ip6tables", "iptables"], ["ip6tables", "iptables"]),
        (["iptables"], {"sysctl_ipv4_forwarding": False}, ["iptables"], ["ip6tables"], ["ip6tables"]),
        # No procps (a minbase host): ansible.posix.sysctl waits for it.
        (["procps", "iptables"], {}, ["procps", "iptables"], ["sysctl", "ip6tables", "iptables"], ["ip6tables", "iptables"]),
        # A package dpkg misses that the role does not need is none of its business.
        (["iptables", "radvd"], {"sysctl_forward_policy_drop": False}, [], [], []),
    ],
)
def test_plan_installs_first_what_is_missing(missing, input_changes, install, after, policy_set):
    tools = {tool: "iptables" not in missing for tool in ("ip6tables", "iptables")}
    policies = {tool: ("DROP" if "iptables" not in missing else None) for tool in ("ip6tables", "iptables")}
    planned = s.plan(host(tools=tools, forward_policy=policies, packages_missing=missing), inputs(**input_changes))
    assert planned["problems"] == []
    assert (planned["install"], planned["after_install"], planned["forward_policy_set"]) == (install, after, policy_set)


# --------------------------------------------------------------------------
# The FORWARD policy with Docker's nftables firewall backend
# --------------------------------------------------------------------------

NFT = {"sysctl_forward_policy_backend": "nftables", "nft_path": "/etc/ipv6ready/forward-drop.nft", "nft_content": "table inet ipv6ready\n"}
LOADED = "table inet ipv6ready {\n\tchain forward {\n\t\ttype filter hook forward priority filter + 10; policy drop;\n"
CURRENT = {NFT["nft_path"]: {"type": "file", "mode": "0644", "owner": "root", "group": "root", "content": NFT["nft_content"]}}
OTHER = {NFT["nft_path"]: {"type": "file", "mode": "0644", "owner": "root", "group": "root", "content": "x"}}


@pytest.mark.parametrize(
    "input_changes, tools, ipv4, packages",
    [
        # iptables (the default): ip6tables, and iptables with IPv4 forwarding.
        ({}, ["ip6tables", "iptables"], True, ["procps", "iptables"]),
        ({"sysctl_ipv4_forwarding": False}, ["ip6tables"], False, ["procps", "iptables"]),
        # nftables: the role's nft chain instead, and IPv4 forwarding on whatever sysctl_ipv4_forwarding says
        # (Docker's nftables backend never enables it and refuses to start without it).
        (dict(NFT, sysctl_ipv4_forwarding=False), [], True, ["procps", "nftables"]),
        (dict(NFT), [], True, ["procps", "nftables"]),
        # No FORWARD policy at all: neither.
        (dict(NFT, sysctl_forward_policy_drop=False, sysctl_ipv4_forwarding=False), [], False, ["procps"]),
    ],
)
def test_backend_decides_the_tools_forwarding_and_packages(input_changes, tools, ipv4, packages):
    given = inputs(**input_changes)
    assert s.forward_tools(given) == tools
    assert s.ipv4_forwarding(given) is ipv4
    assert s.packages(given) == packages
    keys = [item["key"] for item in s.plan(host(), given)["wanted"]]
    assert ("net.ipv4.ip_forward" in keys) is ipv4


@pytest.mark.parametrize(
    "host_changes, input_changes, expected",
    [
        # Fresh host, nftables wanted: write the file, load it, and open an iptables DROP Docker's rules cannot pass.
        (
            {"forward_policy": {"ip6tables": "DROP", "iptables": "ACCEPT"}},
            NFT,
            {
                "nft_current": False,
                "nft_load": True,
                "forward_policy_open": ["ip6tables"],
                "nft_remove": False,
                "nft_file_remove": False,
                "forward_policy_set": [],
            },
        ),
        # In force already: nothing to do.
        (
            {"nft_table": LOADED, "files": CURRENT, "forward_policy": {"ip6tables": "ACCEPT", "iptables": "ACCEPT"}},
            NFT,
            {"nft_current": True, "nft_load": False, "forward_policy_open": [], "nft_remove": False, "nft_file_remove": False, "forward_policy_set": []},
        ),
        # The file is current but someone flushed the ruleset (or a reboot without the unit): load it.
        ({"nft_table": None, "files": CURRENT}, NFT, {"nft_current": True, "nft_load": True}),
        # A table of that name without our chain's policy counts as not in force.
        ({"nft_table": "table inet ipv6ready {\n}\n"}, NFT, {"nft_load": True}),
        # Back to iptables: the table and its file go, the DROP policies come back.
        (
            {"nft_table": LOADED, "files": OTHER, "forward_policy": {"ip6tables": "ACCEPT", "iptables": "ACCEPT"}},
            {"nft_path": NFT["nft_path"]},
            {
                "nft_current": False,
                "nft_load": False,
                "forward_policy_open": [],
                "nft_remove": True,
                "nft_file_remove": True,
                "forward_policy_set": ["ip6tables", "iptables"],
            },
        ),
        # Never nftables here: nothing about it.
        (
            {"forward_policy": {"ip6tables": "DROP", "iptables": "DROP"}},
            {},
            {"nft_remove": False, "nft_file_remove": False, "forward_policy_open": [], "forward_policy_set": []},
        ),
        # nftables asked for but no FORWARD policy at all: nothing is loaded, a table left over goes.
        ({"nft_table": LOADED}, dict(NFT, sysctl_forward_policy_drop=False), {"nft_load": False, "nft_remove": True, "forward_policy_open": []}),
    ],
)
def test_plan_with_the_nftables_backend(host_changes, input_changes, expected):
    planned = s.plan(host(**host_changes), inputs(**input_changes))
    assert planned["problems"] == []
    assert {key: planned[key] for key in expected} == expected


def test_plan_installs_nftables_first_and_check_mode_cannot_run_nft():
    planned = s.plan(host(packages_missing=["nftables"]), inputs(**NFT))
    assert planned["install"] == ["nftables"] and planned["after_install"] == ["nft"]


@pytest.mark.parametrize(
    "accept, expected",
    [
        ([], ["docker0", "br-*"]),
        (["veth*", "wg-docker", "docker0"], ["docker0", "br-*", "veth*", "wg-docker"]),
    ],
)
def test_nft_accept_interfaces(accept, expected):
    assert s.nft_accept_interfaces(inputs(sysctl_forward_accept_interfaces=accept)) == expected


@pytest.mark.parametrize(
    "accept, bad",
    [
        (["veth*", "eth0.100", "br-*", "abcdefghijklmno", "abcdefghijklmno*"], None),
        (["*"], "*"),
        (["two words"], "two words"),
        (['quo"te'], 'quo"te'),
        (["wg@x", "eth0:1"], "wg@x, eth0:1"),
        (["abcdefghijklmnop"], "abcdefghijklmnop"),
        (["eth*0"], "eth*0"),
        ([".*"], ".*"),
    ],
)
def test_input_problems_check_the_accepted_interfaces(accept, bad):
    problems = s.input_problems(inputs(sysctl_forward_accept_interfaces=accept))
    if bad is None:
        assert problems == []
    else:
        assert problems == [
            'sysctl_forward_accept_interfaces must name interfaces (1 to 15 letters, digits, ".", "_" '
            'or "-"; not "." or ".."; a trailing * is a wildcard, as in nft): ' + bad
        ]


# --------------------------------------------------------------------------
# changes: whether the write path (tasks/apply.yml) runs at all
# --------------------------------------------------------------------------

WANTS_PATH = "/etc/systemd/system/sysinit.target.wants/" + UNIT


def settled_host(**changes):
    """A host the role converged already: its file and kernel hold every key, both FORWARD policies are DROP, and
    the boot unit is written and enabled."""
    wanted = s.plan(HOST, INPUTS)["wanted"]
    settled = host(
        own_content="".join("%s=%s\n" % (w["key"], w["value"]) for w in wanted),
        own_values={w["key"]: w["value"] for w in wanted},
        forward_policy={"ip6tables": "DROP", "iptables": "DROP"},
        units={UNIT: "enabled"},
        files={UNIT_PATH: unit_file(), WANTS_PATH: unit_file(type="link", mode="0777")},
        packages_missing=[],
    )
    return dict(settled, **changes)


def settled_inputs(**changes):
    return inputs(**dict({"unit": UNIT, "unit_path": UNIT_PATH, "unit_wants": WANTS_PATH, "unit_content": UNIT_TEXT, "nft_path": NFT["nft_path"]}, **changes))


@pytest.mark.parametrize(
    "host_changes, input_changes, expected",
    [
        pytest.param({}, {}, [], id="no-op"),
        pytest.param({"packages_missing": ["iptables"]}, {}, ["install"], id="package-missing"),
        pytest.param({"forward_policy": {"ip6tables": "ACCEPT", "iptables": "DROP"}}, {}, ["forward_policy_set"], id="policy-opened"),
        pytest.param({"units": {UNIT: "disabled"}}, {}, ["unit_enable"], id="unit-disabled"),
        pytest.param({"files": {UNIT_PATH: unit_file(content="old\n")}}, {}, ["unit_write"], id="unit-edited"),
        pytest.param({"own_content": None, "own_values": {}}, {}, ["file_create", "apply"], id="fresh-file"),
        pytest.param({"own_values": {"net.ipv4.ip_forward": "0"}}, {}, ["apply"], id="kernel-value-reset"),
        pytest.param({"own_content": settled_host()["own_content"] + "net.ipv6.conf.gone0.accept_ra=2\n"}, {}, ["stale"], id="stale-key"),
        # Without the FORWARD policy, the unit's file or its link left behind is removed; nothing left is a no-op.
        pytest.param({}, {"sysctl_forward_policy_drop": False}, ["unit_remove"], id="policy-off-unit-left"),
        pytest.param({"files": {WANTS_PATH: unit_file(type="link")}}, {"sysctl_forward_policy_drop": False}, ["unit_remove"], id="link-left"),
        pytest.param({"files": {UNIT_PATH: None, WANTS_PATH: None}}, {"sysctl_forward_policy_drop": False}, [], id="policy-off-no-op"),
        # nftables backend: the file, the table and the iptables policies Docker's rules need open.
        pytest.param(
            {"files": dict(CURRENT, **{UNIT_PATH: unit_file()}), "nft_table": LOADED, "forward_policy": {"ip6tables": "ACCEPT", "iptables": "ACCEPT"}},
            dict(NFT),
            [],
            id="nftables-no-op",
        ),
        pytest.param(
            {"files": {UNIT_PATH: unit_file()}, "nft_table": None},
            dict(NFT),
            ["nft_write", "nft_load", "forward_policy_open"],
            id="nftables-fresh",
        ),
        pytest.param(
            {"files": dict(CURRENT, **{UNIT_PATH: unit_file()}), "nft_table": LOADED},
            {},
            ["nft_remove", "nft_file_remove"],
            id="back-to-iptables",
        ),
    ],
)
def test_plan_changes(host_changes, input_changes, expected):
    planned = s.plan(settled_host(**host_changes), settled_inputs(**input_changes))
    assert planned["problems"] == []
    assert planned["changes"] == expected


def test_plan_changes_on_a_fresh_host_name_every_write_in_order():
    fresh = s.plan(host(packages_missing=["iptables"]), settled_inputs())
    assert fresh["changes"] == ["install", "forward_policy_set", "unit_write", "unit_enable", "file_create", "apply"]
