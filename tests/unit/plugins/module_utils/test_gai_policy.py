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
# The plan: which files gai_conf must write, from the one read (state_info).

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


def file(text, mode="0644", owner="root", group="root"):
    return {"type": "file", "content": text, "mode": mode, "owner": owner, "group": group}


def directory(empty=False, mode="0755", content=False):
    result = {"type": "directory", "empty": empty, "mode": mode, "owner": "root", "group": "root"}
    return dict(result, content=None) if content else result


OWNED_DIRECTORY = directory()
MISSING = None
NOT_READ = "not read"
DAEMON = file(POOLS)
DAEMON_JSON = DEFAULTS["gai_policy_daemon_json"]
CURRENT = written(["fd00:d0c:1::/64", "fd00:d0c::/48"])


def read(container="converged", directory="converged", daemon="converged", host=NOT_READ):
    """What state_info returns; by default the host as a converge leaves it (NOT_READ: a path not asked for)."""
    files = {
        CONTAINER: file(CURRENT) if container == "converged" else container,
        DIRECTORY: OWNED_DIRECTORY if directory == "converged" else directory,
    }
    if host != NOT_READ:
        files[HOST] = host
    if daemon != NOT_READ:
        files[DAEMON_JSON] = DAEMON if daemon == "converged" else daemon
    return {"files": files, "globs": {}, "units": {}, "packages_missing": []}


@pytest.mark.parametrize(
    "host_read, changes, directory, write",
    [
        pytest.param(read(), {}, False, [], id="no-op"),
        pytest.param(read(container=MISSING, directory=MISSING), {}, True, [CONTAINER], id="first-converge"),
        pytest.param(read(container=directory(empty=True, content=True)), {}, False, [CONTAINER], id="docker-made-a-directory"),
        pytest.param(
            read(container=directory(content=True)),
            {},
            False,
            [CONTAINER],
            id="directory-with-entries-module-fails",
        ),
        pytest.param(read(container={"type": "other", "content": None, "mode": "0644"}), {}, False, [CONTAINER], id="socket-module-decides"),
        pytest.param(read(container=dict(file(CURRENT), type="link", mode="0777")), {}, False, [CONTAINER], id="link-module-decides"),
        pytest.param(read(container=file("# caf\udce9\n" + CURRENT)), {}, False, [], id="not-utf8-compared-as-the-module-reads"),
        pytest.param(read(container=file(CURRENT + "label fc00::/7 6\n")), {}, False, [CONTAINER], id="drift-line-added"),
        pytest.param(read(container=file(CURRENT.replace("fd00:d0c::/48 1", "fd00:d0c::/48 6"))), {}, False, [CONTAINER], id="drift-label-edited"),
        pytest.param(read(container=file(CURRENT + "bogus line\n")), {}, False, [CONTAINER], id="unparsable-module-fails"),
        pytest.param(read(container=file("# mine\nreload yes\n\n" + CURRENT)), {}, False, [], id="own-lines-kept"),
        pytest.param(read(container=file(CURRENT, mode="0600")), {}, False, [CONTAINER], id="drift-mode"),
        pytest.param(read(container=file(CURRENT, owner="deploy")), {}, False, [CONTAINER], id="drift-owner"),
        pytest.param(read(container=file(CURRENT, group="adm")), {}, False, [CONTAINER], id="drift-group"),
        pytest.param(read(directory=directory(mode="0700")), {}, True, [], id="directory-mode"),
        pytest.param(read(directory=MISSING), {}, True, [], id="directory-gone"),
        pytest.param(read(directory=dict(file(""), mode="0755")), {}, True, [], id="directory-is-a-file"),
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
        pytest.param(read(container=MISSING, directory=MISSING, daemon=NOT_READ), {"gai_policy_state": "absent"}, False, [], id="absent-no-op"),
        pytest.param(
            read(container=directory(empty=True, content=True), daemon=NOT_READ), {"gai_policy_state": "absent"}, False, [], id="absent-empty-directory"
        ),
        pytest.param(read(container=file("# mine\n"), daemon=NOT_READ), {"gai_policy_state": "absent"}, False, [], id="absent-own-lines-only"),
        pytest.param(
            read(container=file("# mine\n", mode="0600"), daemon=NOT_READ), {"gai_policy_state": "absent"}, False, [CONTAINER], id="absent-mode-drift"
        ),
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
        pytest.param(NOT_READ, {}, ["fc00::/7"], id="not-read"),
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
        pytest.param(directory(content=True), "/etc/docker/daemon.json cannot be read: directory", id="directory"),
        pytest.param({"type": "other", "content": None}, "/etc/docker/daemon.json cannot be read: other", id="socket"),
        pytest.param({"type": "link", "content": None, "link": "/nowhere"}, "/etc/docker/daemon.json cannot be read: link", id="dangling-link"),
    ],
)
def test_plan_refuses_a_daemon_json_it_cannot_use(daemon, message):
    with pytest.raises(ValueError) as exc:
        _gai_policy.plan(read(daemon=daemon), plan_inputs())
    assert str(exc.value).startswith(message)
