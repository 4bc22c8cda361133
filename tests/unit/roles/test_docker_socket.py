# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every role reaches the Docker engine through the one variable ipv6ready_docker_socket.

Five ways lead to the engine (docs/roles.md, "How the roles reach Docker"):
the engine_info module, ansible.builtin.uri on the socket, the
community.docker modules, the verify role's probe script (the engine API on
the socket DOCKER_HOST names), and the docker CLI. This test reads every task
of every role and fails on a task that reaches the engine some other way: a
hard-coded socket, a community.docker module without docker_host, a docker
CLI call or a probe run without DOCKER_HOST. It also checks that the
variable's default is the same in every role that declares it, in its
argument spec, and in engine_info's.
"""

from __future__ import annotations

import pathlib
import re

import yaml

from ansible_collections.ipv6ready.docker.plugins.modules import engine_info

ROOT = pathlib.Path(__file__).resolve().parents[3]
VARIABLE = "ipv6ready_docker_socket"
# What a task may take the socket from: the variable, or (networks) the
# socket networks_check chose, which is the variable unless the deprecated
# networks_docker_socket is set.
SOCKET = r"\{\{ (ipv6ready_docker_socket|__networks_checked\.docker_socket) \}\}"
DOCKER_HOST = "unix://{{ ipv6ready_docker_socket }}"
BLOCK_KEYS = ("block", "rescue", "always")
PROBE_DOCKER_MODES = ("host", "containers")
# A docker CLI call in a shell script: "docker" as a command word.
DOCKER_IN_SHELL = re.compile(r"(^|[|;&(]\s*|\n\s*)docker\s", re.MULTILINE)


def tasks(path):
    """Every task of a task file, blocks opened."""

    def walk(items):
        for item in items or []:
            if any(key in item for key in BLOCK_KEYS):
                for key in BLOCK_KEYS:
                    yield from walk(item.get(key))
            else:
                yield item

    return list(walk(yaml.safe_load(path.read_text())))


def module_of(task):
    for key in task:
        if "." in key and key not in ("ansible.builtin.include_tasks", "ansible.builtin.import_tasks"):
            return key, task[key]
    return None, None


def engine_access(task):
    """How the task reaches the engine ('api', 'module', 'cli'), or None; and whether it names the socket right."""
    module, args = module_of(task)
    if module is None:
        return None, True
    if module.startswith("community.docker."):
        return "community.docker", bool(re.fullmatch("unix://" + SOCKET, str(args.get("docker_host", ""))))
    if module == "ansible.builtin.uri" and "unix_socket" in args:
        return "uri", bool(re.fullmatch(SOCKET, str(args["unix_socket"])))
    if module == "ipv6ready.docker.engine_info":
        return "engine_info", bool(re.fullmatch(SOCKET, str((args or {}).get("socket", ""))))
    if module in ("ansible.builtin.command", "ansible.builtin.shell"):
        argv = args.get("argv") if isinstance(args, dict) else None
        text = args.get("cmd", "") if isinstance(args, dict) else str(args)
        words = [str(word) for word in argv] if isinstance(argv, list) else [str(argv or "")]
        right = (task.get("environment") or {}).get("DOCKER_HOST") == DOCKER_HOST
        # The verify role's probe asks the engine API in these modes (roles/verify/files/probe.py).
        if len(words) > 3 and "__verify_probe" in words[2] and words[3] in PROBE_DOCKER_MODES:
            return "probe", right
        if words[0] == "docker" or words[0].startswith("{{ ['docker'") or DOCKER_IN_SHELL.search(text):
            return "docker CLI", right
    return None, True


def role_files():
    for role in sorted((ROOT / "roles").iterdir()):
        for path in sorted(list(role.glob("tasks/*.yml")) + list(role.glob("handlers/*.yml"))):
            yield role.name, path


def test_every_task_that_reaches_the_engine_takes_the_one_variable():
    reached = {}
    wrong = []
    for role, path in role_files():
        for task in tasks(path):
            way, right = engine_access(task)
            if way:
                reached.setdefault(role, set()).add(way)
                if not right:
                    wrong.append("%s: %s (%s)" % (path.relative_to(ROOT), task.get("name"), way))
    assert wrong == []
    # The test sees every way in; docs/roles.md names the same ones.
    assert reached == {
        "daemon": {"uri", "engine_info"},
        "networks": {"engine_info", "community.docker", "uri"},
        "gai_policy": {"docker CLI"},
        "verify": {"docker CLI", "probe"},
    }
    # Each of these roles declares the variable and gives it the same default.
    for role in reached:
        defaults = yaml.safe_load((ROOT / "roles" / role / "defaults" / "main.yml").read_text())
        spec = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())
        option = spec["argument_specs"]["main"]["options"][VARIABLE]
        assert defaults[VARIABLE] == option["default"] == engine_info_default(), role
        assert option["type"] == "path", role


def engine_info_default():
    return yaml.safe_load(engine_info.DOCUMENTATION)["options"]["socket"]["default"]


def test_no_role_names_a_socket_path_in_its_tasks():
    for role, path in role_files():
        assert not re.search(r"/docker\.sock\b", path.read_text()), path


def test_the_test_finds_what_it_looks_for():
    found = [
        engine_access(task)
        for task in [
            {"name": "a", "community.docker.docker_network": {"name": "n"}},
            {"name": "b", "ansible.builtin.uri": {"url": "http://localhost/_ping", "unix_socket": "/run/docker.sock"}},
            {"name": "c", "ansible.builtin.command": {"argv": ["docker", "ps"]}},
            {"name": "d", "ansible.builtin.shell": {"cmd": "set -e\ntar -c . | docker import - x"}},
            {"name": "e", "ansible.builtin.command": {"argv": ["docker", "ps"]}, "environment": {"DOCKER_HOST": DOCKER_HOST}},
            {"name": "f", "ansible.builtin.command": {"argv": ["systemctl", "restart", "docker.service"]}},
            {"name": "g", "ansible.builtin.command": {"argv": ["python3", "-c", "{{ __verify_probe }}", "containers", "{}"]}},
            {"name": "h", "ansible.builtin.command": {"argv": ["python3", "-c", "{{ __verify_probe }}", "exposure", "{}"]}},
            {"name": "i", "ipv6ready.docker.engine_info": {"socket": "{{ ipv6ready_docker_socket }}"}},
        ]
    ]
    assert found == [
        ("community.docker", False),
        ("uri", False),
        ("docker CLI", False),
        ("docker CLI", False),
        ("docker CLI", True),
        (None, True),
        ("probe", False),
        (None, True),
        ("engine_info", True),
    ]


def test_the_probe_modes_that_reach_the_engine():
    """PROBE_DOCKER_MODES are the probe's modes whose code asks the engine API on the socket DOCKER_HOST names."""
    source = (ROOT / "roles" / "verify" / "files" / "probe.py").read_text()
    assert re.findall(r'mode == "(\w+)"', source) == ["serve", "host", "containers", "files", "exposure"]
    assert 'os.environ.get("DOCKER_HOST")' in source
    # No docker CLI: everything goes through engine_socket().
    assert 'run(["docker"' not in source and "'docker'" not in source
