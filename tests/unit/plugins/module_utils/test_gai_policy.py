# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The gai_policy role's checks of its variables (module_utils/_gai_policy.py), one table per rule."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.ipv6ready.docker.plugins.module_utils import _gai, _gai_policy

ROLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "gai_policy")


def role_file(*parts):
    with open(os.path.join(ROLE, *parts), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


DEFAULTS = role_file("defaults", "main.yml")


def inputs(**changes):
    return dict(DEFAULTS, **changes)


def test_the_defaults_have_no_problem():
    assert _gai_policy.input_problems(DEFAULTS) == []


def test_the_inputs_hold_the_variables_the_rules_read():
    assert set(role_file("vars", "main.yml")["__gai_policy_inputs"]) == {
        "gai_policy_local_prefixes",
        "gai_policy_labels",
        "gai_policy_precedences",
        "ipv6ready_docker_socket",
    }


@pytest.mark.parametrize(
    "prefixes, expected",
    [
        pytest.param(["fd00:d0c::/48", "fc00::/7", "2001:db8::1"], [], id="good-length-optional"),
        pytest.param(
            ["10.0.0.0/8"],
            ["gai_policy_local_prefixes[0]: '10.0.0.0/8' is an IPv4 prefix, IPv6 is required (write an IPv4 range as IPv4-mapped, e.g. ::ffff:10.0.0.0/104)"],
            id="ipv4",
        ),
        pytest.param(["fd00::/8", "fd00::1/64"], ["gai_policy_local_prefixes[1]: 'fd00::1/64' has host bits set; the network is fd00::/64"], id="host-bits"),
        pytest.param(
            ["fd00::/129"], ["gai_policy_local_prefixes[0]: 'fd00::/129' is not a valid prefix: invalid prefix length '129'; it must be 0 to 128"], id="length"
        ),
        pytest.param(
            ["fe80::/64%eth0"],
            ["gai_policy_local_prefixes[0]: 'fe80::/64%eth0' is not a valid prefix: invalid prefix length '64%eth0'; it must be 0 to 128"],
            id="zone-after-length",
        ),
    ],
)
def test_local_prefixes(prefixes, expected):
    assert _gai_policy.local_prefix_problems(inputs(gai_policy_local_prefixes=prefixes)) == expected


@pytest.mark.parametrize(
    "labels, expected",
    [
        pytest.param([{"prefix": "2001:db8:64::/96", "label": 1}, {"prefix": "2001:DB8:64::/96", "label": 1}], [], id="good-same-twice"),
        pytest.param(
            [{"prefix": "192.0.2.0/24", "label": 4}],
            ["gai_policy_labels[0].prefix: '192.0.2.0/24' is an IPv4 prefix, IPv6 is required (write an IPv4 range as IPv4-mapped, e.g. ::ffff:192.0.2.0/120)"],
            id="ipv4",
        ),
        pytest.param(
            [{"prefix": "fd00::/8", "label": 2**31}],
            ["gai_policy_labels[0].label: 2147483648 is out of range; glibc accepts a label from 0 to 2147483647"],
            id="out-of-range",
        ),
        pytest.param(
            [{"prefix": "fd00::/8", "label": 1}, {"prefix": "fd00::/8", "label": 6}],
            ["gai_policy_labels: 'fd00::/8' is listed twice with different labels: 1 in gai_policy_labels[0] and 6 in gai_policy_labels[1]"],
            id="twice",
        ),
        pytest.param([{"prefix": "fd00::/8"}], ["gai_policy_labels[0]: {'prefix': 'fd00::/8'} needs both 'prefix' and 'label'"], id="no-label"),
    ],
)
def test_labels(labels, expected):
    assert _gai_policy.label_problems(inputs(gai_policy_labels=labels)) == expected


@pytest.mark.parametrize(
    "precedences, expected",
    [
        pytest.param([{"prefix": "::ffff:0:0/96", "precedence": 100}], [], id="good"),
        pytest.param(
            [{"prefix": "not-a-prefix", "precedence": 10}],
            [
                "gai_policy_precedences[0].prefix: 'not-a-prefix' is not a valid prefix: it is not an IPv6 prefix "
                "('not-a-prefix' does not appear to be an IPv4 or IPv6 network)"
            ],
            id="not-a-prefix",
        ),
        pytest.param(
            [{"prefix": "::/0", "precedence": -1}],
            ["gai_policy_precedences[0].precedence: -1 is out of range; glibc accepts a precedence from 0 to 2147483647"],
            id="negative",
        ),
        pytest.param(
            [{"prefix": "::/0", "precedence": 40, "label": 1}],
            ["gai_policy_precedences[0]: {'prefix': '::/0', 'precedence': 40, 'label': 1} has unknown key(s) label; expected 'prefix' and 'precedence'"],
            id="unknown-key",
        ),
    ],
)
def test_precedences(precedences, expected):
    assert _gai_policy.precedence_problems(inputs(gai_policy_precedences=precedences)) == expected


def test_every_rule_reports_in_order():
    problems = _gai_policy.input_problems(
        inputs(
            gai_policy_local_prefixes=["10.0.0.0/8"], gai_policy_labels=[{"prefix": "x", "label": 1}], gai_policy_precedences=[{"prefix": "y", "precedence": 1}]
        )
    )
    assert [problem.split("[", 1)[0] for problem in problems] == ["gai_policy_local_prefixes", "gai_policy_labels", "gai_policy_precedences"]


# ---------------------------------------------------------------------------
# The plan: which files gai_conf must write, from the one read (gai_info).

CONTAINER = DEFAULTS["gai_policy_container_path"]
HOST = DEFAULTS["gai_policy_host_path"]
DIRECTORY = os.path.dirname(CONTAINER)
POOLS = '{"fixed-cidr-v6": "fd00:d0c:1::/64", "default-address-pools": [{"base": "10.10.0.0/16", "size": 24}, {"base": "fd00:d0c::/48", "size": 64}]}'


def plan_inputs(**changes):
    keys = set(role_file("vars", "main.yml")["__gai_policy_plan_inputs"])
    return dict({key: value for key, value in DEFAULTS.items() if key in keys}, **changes)


def written(prefixes, prefer="ipv6", labels=None, state="present", before=""):
    """The text gai_conf writes over ``before`` (its own parser and renderer)."""
    if state == "present":
        tables = _gai.build_tables(prefer, prefixes, labels or [], [])
    else:
        tables = (list(_gai.DEFAULT_LABELS), list(_gai.DEFAULT_PRECEDENCES))
    return _gai.render(_gai.parse(before), tables[0], tables[1], state)


def file(text, mode="0644", uid=0, gid=0):
    return {"kind": "file", "text": text, "mode": mode, "uid": uid, "gid": gid}


OWNED_DIRECTORY = {"kind": "directory", "text": None, "mode": "0755", "uid": 0, "gid": 0}
MISSING = {"kind": "missing", "text": None}
DAEMON = file(POOLS)
CURRENT = written(["fd00:d0c:1::/64", "fd00:d0c::/48"])


def read(container=None, directory=None, daemon="converged", host=None):
    """What gai_info returns; by default the host as a converge leaves it."""
    paths = {CONTAINER: container if container is not None else file(CURRENT), DIRECTORY: directory if directory is not None else OWNED_DIRECTORY}
    if host is not None:
        paths[HOST] = host
    return {"paths": paths, "daemon_json": DAEMON if daemon == "converged" else daemon}


@pytest.mark.parametrize(
    "host_read, changes, directory, write",
    [
        pytest.param(read(), {}, False, [], id="no-op"),
        pytest.param(read(container=MISSING, directory=MISSING), {}, True, [CONTAINER], id="first-converge"),
        pytest.param(
            read(container={"kind": "empty directory", "text": None, "mode": "0755", "uid": 0, "gid": 0}), {}, False, [CONTAINER], id="docker-made-a-directory"
        ),
        pytest.param(
            read(container={"kind": "directory", "text": None, "mode": "0755", "uid": 0, "gid": 0}),
            {},
            False,
            [CONTAINER],
            id="directory-with-entries-module-fails",
        ),
        pytest.param(read(container={"kind": "other", "text": None, "error": "Permission denied"}), {}, False, [CONTAINER], id="unreadable-module-decides"),
        pytest.param(read(container=file(None)), {}, False, [CONTAINER], id="not-utf8-module-decides"),
        pytest.param(read(container=file(CURRENT + "label fc00::/7 6\n")), {}, False, [CONTAINER], id="drift-line-added"),
        pytest.param(read(container=file(CURRENT.replace("fd00:d0c::/48 1", "fd00:d0c::/48 6"))), {}, False, [CONTAINER], id="drift-label-edited"),
        pytest.param(read(container=file(CURRENT + "bogus line\n")), {}, False, [CONTAINER], id="unparsable-module-fails"),
        pytest.param(read(container=file("# mine\nreload yes\n\n" + CURRENT)), {}, False, [], id="own-lines-kept"),
        pytest.param(read(container=file(CURRENT, mode="0600")), {}, False, [CONTAINER], id="drift-mode"),
        pytest.param(read(container=file(CURRENT, uid=1000)), {}, False, [CONTAINER], id="drift-owner"),
        pytest.param(read(container=file(CURRENT, gid=4)), {}, False, [CONTAINER], id="drift-group"),
        pytest.param(read(directory=dict(OWNED_DIRECTORY, mode="0700")), {}, True, [], id="directory-mode"),
        pytest.param(read(directory=MISSING), {}, True, [], id="directory-gone"),
        pytest.param(read(directory={"kind": "file", "text": "", "mode": "0755", "uid": 0, "gid": 0}), {}, True, [], id="directory-is-a-file"),
        pytest.param(read(), {"gai_policy_prefer": "ipv4"}, False, [CONTAINER], id="prefer-changed"),
        pytest.param(read(), {"gai_policy_labels": [{"prefix": "2001:db8:64::/96", "label": 1}]}, False, [CONTAINER], id="label-added"),
        pytest.param(read(daemon=file('{"fixed-cidr-v6": "fd00:d0c:2::/64"}')), {}, False, [CONTAINER], id="daemon-ranges-changed"),
        pytest.param(read(), {"gai_policy_local_prefixes": ["fd00:d0c:1::/64", "fd00:d0c::/48"]}, False, [], id="prefixes-given-same"),
        pytest.param(read(container=file(written(["fc00::/7"]))), {}, False, [CONTAINER], id="daemon-gained-ranges"),
        pytest.param(read(container=file(written(["fc00::/7"])), daemon=MISSING), {}, False, [], id="no-daemon-json-ula"),
        pytest.param(read(container=file(written(["fc00::/7"])), daemon=file("{}")), {}, False, [], id="no-ranges-ula"),
        pytest.param(
            read(container=file(written(["fc00::/7"])), daemon=file('{"default-address-pools": [{"base": "10.1.0.0/16"}]}')),
            {},
            False,
            [],
            id="ipv4-pools-only",
        ),
        pytest.param(read(daemon=file('{"fixed-cidr-v6": "fd00:d0c:1::1/64"}')), {}, False, [CONTAINER], id="bad-daemon-range-module-fails"),
        pytest.param(read(host=file(CURRENT)), {"gai_policy_manage_host": True}, False, [], id="host-copy-same"),
        pytest.param(read(host=MISSING), {"gai_policy_manage_host": True}, False, [HOST], id="host-copy-missing"),
        pytest.param(read(host=MISSING), {}, False, [], id="host-copy-not-managed"),
        pytest.param(read(container=file(CURRENT)), {"gai_policy_state": "absent"}, False, [CONTAINER], id="absent-removes"),
        pytest.param(read(container=MISSING, directory=MISSING, daemon=None), {"gai_policy_state": "absent"}, False, [], id="absent-no-op"),
        pytest.param(
            read(container={"kind": "empty directory", "text": None}, daemon=None), {"gai_policy_state": "absent"}, False, [], id="absent-empty-directory"
        ),
        pytest.param(read(container=file("# mine\n"), daemon=None), {"gai_policy_state": "absent"}, False, [], id="absent-own-lines-only"),
        pytest.param(read(container=file("# mine\n", mode="0600"), daemon=None), {"gai_policy_state": "absent"}, False, [CONTAINER], id="absent-mode-drift"),
    ],
)
def test_plan(host_read, changes, directory, write):
    result = _gai_policy.plan(host_read, plan_inputs(**changes))
    assert (result["directory"], result["write"]) == (directory, write)


@pytest.mark.parametrize(
    "daemon, changes, prefixes",
    [
        pytest.param(DAEMON, {}, ["fd00:d0c:1::/64", "fd00:d0c::/48"], id="fixed-cidr-and-ipv6-pools"),
        pytest.param(file('{"fixed-cidr-v6": "fd00:1::/64,fd00:2::/64,fd00:1::/64"}'), {}, ["fd00:1::/64", "fd00:2::/64"], id="comma-list-once-each"),
        pytest.param(file('{"default-address-pools": [{"size": 24}, "x", {"base": "fd00:3::/48"}]}'), {}, ["fd00:3::/48"], id="pools-without-base"),
        pytest.param(MISSING, {}, ["fc00::/7"], id="no-daemon-json"),
        pytest.param(None, {}, ["fc00::/7"], id="not-read"),
        pytest.param(DAEMON, {"gai_policy_local_prefixes": ["fd00::/8"]}, ["fd00::/8"], id="variable-wins"),
    ],
)
def test_plan_local_prefixes(daemon, changes, prefixes):
    assert _gai_policy.plan(read(daemon=daemon), plan_inputs(**changes))["local_prefixes"] == prefixes


@pytest.mark.parametrize(
    "daemon, message",
    [
        pytest.param(file("{"), "/etc/docker/daemon.json is not JSON: ", id="not-json"),
        pytest.param(file("[]"), "/etc/docker/daemon.json is not a JSON object", id="not-an-object"),
        pytest.param({"kind": "directory", "text": None}, "/etc/docker/daemon.json cannot be read: directory", id="directory"),
        pytest.param(
            {"kind": "other", "text": None, "error": "Permission denied"}, "/etc/docker/daemon.json cannot be read: Permission denied", id="unreadable"
        ),
    ],
)
def test_plan_refuses_a_daemon_json_it_cannot_use(daemon, message):
    with pytest.raises(ValueError) as exc:
        _gai_policy.plan(read(daemon=daemon), plan_inputs())
    assert str(exc.value).startswith(message)
