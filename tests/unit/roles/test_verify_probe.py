# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The verify role's probe (roles/verify/files/probe.py), against loopback only."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

PROBE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "verify", "files", "probe.py")


@pytest.fixture(scope="module")
def probe():
    spec = importlib.util.spec_from_file_location("ipv6ready_verify_probe", PROBE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def listener():
    """A TCP listener on [::1] that accepts and closes; yields its port."""
    try:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        sock.bind(("::1", 0))
    except OSError as exc:
        pytest.skip("no IPv6 loopback here: %s" % exc)
    sock.listen(8)
    stop = threading.Event()

    def serve():
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _peer = sock.accept()
                conn.close()
            except socket.timeout:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield sock.getsockname()[1]
    stop.set()
    thread.join()
    sock.close()


def closed_port():
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
        sock.bind(("::1", 0))
        return sock.getsockname()[1]


IF_INET6 = """\
00000000000000000000000000000001 01 80 10 80       lo
fe800000000000000042acfffe110002 2f 40 20 80     eth0
fd000d0c000001450000000000000002 2f 40 00 80     eth0
20010db8000000010000000000000005 30 40 00 80     eth1
"""


def test_global_ipv6_keeps_global_scope_and_drops_lo_and_link_local(probe):
    assert probe.global_ipv6(IF_INET6) == ["2001:db8:0:1::5", "fd00:d0c:0:145::2"]


def test_global_ipv6_of_an_empty_table(probe):
    assert probe.global_ipv6("") == []


def test_connect_all_reports_the_order_and_the_peer(probe, listener):
    [result] = probe.connect_all([{"host": "::1", "port": listener}], 2.0)
    assert result["connected"] == "::1"
    assert [o["destination"] for o in result["order"]] == ["::1"]
    assert result["order"][0]["source"] == "::1"


def test_connect_all_reports_a_refused_port(probe):
    [result] = probe.connect_all([{"host": "::1", "port": str(closed_port())}], 2.0)
    assert "connected" not in result
    assert "refused" in result["connect_error"].lower()


def test_connect_reports_an_unresolvable_name(probe):
    result = probe.connect("name.invalid", 25, 1.0)
    assert result["error"].startswith("getaddrinfo name.invalid:")
    assert "order" not in result


def host_entry(host, addresses, port, via="", timeout=2):
    return {"host": host, "addresses": addresses, "port": port, "timeout": timeout, "route": bool(via), "via": via}


def test_exposure_tells_open_from_closed(probe, listener):
    shut = closed_port()
    out = probe.exposure({"hosts": [host_entry("h1", ["::1"], listener), host_entry("h2", ["::1"], shut)]})
    assert out["exposure"]["h1"] == {"::1": "OPEN"}
    assert out["exposure"]["h2"]["::1"].startswith("closed: ")
    assert probe.exposure({"hosts": []}) == {"exposure": {}}


def test_exposure_tries_each_address_several_times_at_once_and_any_answer_is_open(probe, monkeypatch):
    calls = []
    lock = threading.Lock()
    both_started = threading.Barrier(probe.EXPOSURE_TRIES, timeout=5)

    def once(address, entry, mark):
        with lock:
            calls.append((address, mark))
            n = len(calls)
        both_started.wait()  # all tries are under way at the same time
        return "OPEN" if n == 2 else "closed: timed out"

    monkeypatch.setattr(probe, "try_once", once)
    assert probe.try_port("fd00::1", {"port": 7077, "timeout": 1}, mark=7) == "OPEN"
    assert calls == [("fd00::1", 7)] * probe.EXPOSURE_TRIES
    monkeypatch.setattr(probe, "try_once", lambda address, entry, mark: "closed: timed out")
    assert probe.try_port("fd00::1", {"port": 7077, "timeout": 1}) == "closed: timed out"


def test_exposure_waits_the_entrys_timeout_for_a_port_that_never_answers(probe, monkeypatch):
    seen = []

    class Silent:
        def __init__(self, family, kind):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def settimeout(self, seconds):
            seen.append(seconds)

        def connect(self, address):
            raise socket.timeout("timed out")

    monkeypatch.setattr(probe.socket, "socket", Silent)
    assert probe.try_port("fd00::1", {"port": 7077, "timeout": 0.5}) == "closed: timed out"
    assert seen == [0.5] * probe.EXPOSURE_TRIES


class RecordRun:
    """Records the ip commands of each thread (failing those ``fail`` names); the marks sockets get."""

    def __init__(self, probe, monkeypatch, fail=None):
        self.calls = []
        self.marks = []
        self.lock = threading.Lock()
        self.fail = fail
        monkeypatch.setattr(probe, "run", self.run)
        real_socket = probe.socket.socket
        marks = self.marks

        class MarkedSocket(real_socket):
            def setsockopt(self, level, option, value):
                if option == probe.SO_MARK:
                    marks.append(value)  # setting a mark needs CAP_NET_ADMIN; the test records it instead
                    return None
                return super().setsockopt(level, option, value)

        monkeypatch.setattr(probe.socket, "socket", MarkedSocket)

    def run(self, argv):
        with self.lock:
            self.calls.append(argv)
        if self.fail and self.fail in argv:
            return 2, "", "RTNETLINK answers: Operation not permitted"
        return 0, "", ""

    def tables(self):
        """The tables of the calls, in order of first use."""
        out = []
        for argv in self.calls:
            table = argv[argv.index("table") + 1] if "table" in argv else argv[argv.index("lookup") + 1]
            if table not in out:
                out.append(table)
        return out


def routes_of(probe, table, address, via):
    return [
        ["ip", "-6", "route", "replace", address + "/128", "via", via, "table", table],
        ["ip", "-6", "rule", "add", "fwmark", table, "lookup", table, "priority", probe.EXPOSURE_PRIORITY],
        ["ip", "-6", "rule", "del", "fwmark", table, "lookup", table, "priority", probe.EXPOSURE_PRIORITY],
        ["ip", "-6", "route", "flush", "table", table],
    ]


def test_exposure_reports_a_route_it_cannot_add_and_removes_its_table(probe, monkeypatch):
    rec = RecordRun(probe, monkeypatch, fail="replace")
    out = probe.exposure({"hosts": [host_entry("h1", ["fd00::2"], 7077, via="fd00::1", timeout=1)]})
    assert out["exposure"]["h1"]["fd00::2"].startswith("not tested: ip -6 route replace fd00::2/128 via fd00::1")
    [table] = rec.tables()
    assert rec.calls[0] == ["ip", "-6", "route", "replace", "fd00::2/128", "via", "fd00::1", "table", table]
    # What it may have added is removed all the same.
    assert rec.calls[-2:] == routes_of(probe, table, "fd00::2", "fd00::1")[2:]


def test_exposure_without_a_next_hop_is_not_tested(probe, monkeypatch):
    rec = RecordRun(probe, monkeypatch)
    out = probe.exposure({"hosts": [host_entry("h1", ["fd00::2"], 7077), dict(host_entry("h2", ["fd00::2"], 7077), route=True)]})
    assert out["exposure"]["h2"] == {"fd00::2": "not tested: the Docker host has no default IPv6 address to route through"}
    assert rec.calls == []


def test_exposure_routes_each_host_in_a_table_of_its_own_and_removes_them(probe, monkeypatch, listener):
    """The hosts of a batch have the same addresses: each host's routes go into a table of its own, used only by the
    sockets that try that host's probes, and every table and rule is gone afterwards."""
    rec = RecordRun(probe, monkeypatch)
    hosts = [host_entry("h%d" % n, ["::1"], listener, via="fe80::%d" % n) for n in range(1, 4)]
    out = probe.exposure({"hosts": hosts})
    assert out["exposure"] == {"h1": {"::1": "OPEN"}, "h2": {"::1": "OPEN"}, "h3": {"::1": "OPEN"}}
    tables = rec.tables()
    assert len(tables) == 3
    # Each try of a host's address carries that host's mark.
    assert sorted(rec.marks) == sorted(int(t) for t in tables for _try in range(probe.EXPOSURE_TRIES))
    for table in tables:
        [via] = [argv[6] for argv in rec.calls if argv[3] == "replace" and argv[-1] == table]
        assert [argv for argv in rec.calls if table in argv] == routes_of(probe, table, "::1", via)
    assert {int(t) & ~0x009FFFFF for t in tables} == {probe.EXPOSURE_BASE}


def test_exposure_of_one_host_failing_leaves_the_others_and_cleans_up(probe, monkeypatch, listener):
    rec = RecordRun(probe, monkeypatch)

    def broken(address, entry, mark=None):
        if entry["host"] == "h2":
            raise RuntimeError("socket trouble")
        return real_try(address, entry, mark)

    real_try = probe.try_port
    monkeypatch.setattr(probe, "try_port", broken)
    hosts = [dict(host_entry("h1", ["::1"], listener, via="fe80::1")), dict(host_entry("h2", ["::1"], listener, via="fe80::2"))]
    out = probe.exposure({"hosts": hosts})
    assert out["exposure"] == {"h1": {"::1": "OPEN"}, "h2": {"::1": "not tested: socket trouble"}}
    assert [argv[3] for argv in rec.calls].count("flush") == 2


@pytest.mark.parametrize("pid", [1, 2, 4096, 0x1FFFFF, 0x200000, 0x3FFFFF])
def test_exposure_marks_are_unique_and_clear_of_the_gateways_marks(probe, pid):
    mark = probe.exposure_mark(pid)
    assert mark & 0x00600000 == 0  # MARK_ACCEPTED, MARK_FRAGMENT
    assert mark not in (0, 253, 254, 255)  # usable as a routing table
    assert len({probe.exposure_mark(p) for p in (pid, pid - 1, pid ^ 0x200000)}) == 3


class FakeDocker:
    """Answers the docker commands the probe runs, and records them."""

    def __init__(self, ps="", networks="bridge true\nkamal true\nlegacy false\n"):
        self.calls = []
        self.ps = ps
        self.networks = networks

    def __call__(self, argv):
        self.calls.append(argv)
        if argv[1] == "ps":
            return 0, self.ps, ""
        if argv[1] == "network":
            return 0, self.networks, ""
        if argv[1] == "run" and "bad" in argv:
            return 125, "", "network bad not found"
        return 0, "", ""

    def first_line(self, argv, seconds):
        self.calls.append(argv)
        assert seconds >= 60
        return json.dumps({"addresses": ["fd00::2"], "targets": []}), ""


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "gai.conf"
    path.write_text("label fd64::/96 1\nprecedence ::/0 40\n")
    return str(path)


def test_containers_starts_then_checks_inside_and_reports_failures(probe, monkeypatch, policy):
    docker = FakeDocker(ps="0123abcd\n")
    monkeypatch.setattr(probe, "run", docker)
    monkeypatch.setattr(probe, "first_line", docker.first_line)
    spec = {
        "networks": ["kamal", "bad"],
        "image": "probe:1",
        "gai_conf": policy,
        "port": 7077,
        "timeout": 5,
        "targets": [{"host": "smtp.example", "port": 587}],
    }
    out = probe.containers(spec, "SOURCE")
    assert out["policy"] == "label fd64::/96 1\nprecedence ::/0 40\n"
    assert out["networks"]["kamal"] == {"addresses": ["fd00::2"], "targets": [], "container": "ipv6ready-verify-kamal"}
    assert out["networks"]["bad"]["error"] == "docker run on bad: network bad not found"
    # A probe left from an interrupted run is removed first.
    assert docker.calls[:2] == [
        ["docker", "ps", "--all", "--quiet", "--filter", "label=ipv6ready.verify=probe"],
        ["docker", "rm", "--force", "0123abcd"],
    ]
    run_kamal = [c for c in docker.calls if c[1] == "run" and "kamal" in c][0]
    assert run_kamal[run_kamal.index("--volume") + 1] == policy + ":/etc/gai.conf:ro"
    assert run_kamal[run_kamal.index("--label") + 1] == "ipv6ready.verify=probe"
    assert run_kamal[run_kamal.index("--log-driver") + 1] == "json-file"
    # The probe checks as it starts (no docker exec) and its result is the first line of its log.
    assert run_kamal[-7:-1] == ["python3", "-c", "SOURCE", "serve", "7077", "5"]
    assert json.loads(run_kamal[-1]) == [{"host": "smtp.example", "port": 587}]
    assert ["docker", "logs", "--follow", "ipv6ready-verify-kamal"] in docker.calls
    assert ["docker", "logs", "--follow", "ipv6ready-verify-bad"] not in docker.calls
    assert not [c for c in docker.calls if c[1] == "exec"]


@pytest.mark.parametrize(
    "line, problem, error",
    [
        ("", "no output in 80 s", "the probe in ipv6ready-verify-kamal: no output in 80 s"),
        ("", "exec: python3: not found", "the probe in ipv6ready-verify-kamal: exec: python3: not found"),
        ("Traceback (most recent call last):", "", "the probe in ipv6ready-verify-kamal: Traceback (most recent call last):"),
        ("[1, 2]", "", "the probe in ipv6ready-verify-kamal: "),
    ],
)
def test_containers_reports_a_probe_without_a_result(probe, monkeypatch, line, problem, error):
    docker = FakeDocker()
    monkeypatch.setattr(probe, "run", docker)
    monkeypatch.setattr(probe, "first_line", lambda argv, seconds: (line, problem))
    spec = {"networks": ["kamal"], "image": "probe:1", "gai_conf": "", "port": 7077, "timeout": 5, "targets": []}
    out = probe.containers(spec, "SOURCE")
    assert out["networks"]["kamal"] == {"error": error, "container": "ipv6ready-verify-kamal"}


def test_first_line_reads_the_first_line_and_stops_the_command(probe):
    started = time.monotonic()
    assert probe.first_line([sys.executable, "-c", "import time; print('one', flush=True); time.sleep(30)"], 20) == ("one", "")
    assert time.monotonic() - started < 10
    assert probe.first_line([sys.executable, "-c", "import sys; sys.exit('gone')"], 20) == ("", "gone")
    assert probe.first_line([sys.executable, "-c", "import time; time.sleep(30)"], 1) == ("", "no output in 1 s")


# The interpreter the probe image copies: the venv's base python3.
BASE_PYTHON = getattr(sys, "_base_executable", None) or sys.executable


def test_files_lists_existing_standard_library_files_only(probe):
    files = subprocess.run([BASE_PYTHON, PROBE, "files"], stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout.split()
    stdlib = subprocess.run(
        [BASE_PYTHON, "-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"], stdout=subprocess.PIPE, universal_newlines=True, check=True
    ).stdout.strip()
    assert files == sorted(set(files))
    assert all(os.path.isfile(f) and f.startswith(stdlib + os.sep) for f in files)
    names = {os.path.relpath(f, stdlib) for f in files}
    assert {"socket.py", "json/__init__.py", "threading.py", "subprocess.py", "encodings/idna.py", "encodings/ascii.py", "traceback.py"} <= names


def test_serve_runs_with_only_the_files_the_probe_lists(tmp_path, listener):
    """What the probe image holds: python3 and the listed files (PYTHONHOME points python3 at a copy of them)."""
    files = subprocess.run([BASE_PYTHON, PROBE, "files"], stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout.split()
    prefix = subprocess.run(
        [BASE_PYTHON, "-c", "import sys; print(sys.base_prefix)"], stdout=subprocess.PIPE, universal_newlines=True, check=True
    ).stdout.strip()
    for path in files:
        copy = tmp_path / path.lstrip("/")
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(open(path, "rb").read())
    home = tmp_path / prefix.lstrip("/")
    port = closed_port()
    # A name (getaddrinfo takes the idna codec; loopback only), and the listener.
    targets = [{"host": "localhost", "port": listener}, {"host": "::1", "port": listener}]
    env = {"PYTHONHOME": str(home), "PYTHONDONTWRITEBYTECODE": "1", "PATH": os.environ.get("PATH", "")}
    # Only the copy is there: a module the probe does not load is not.
    isolated = subprocess.run([BASE_PYTHON, "-s", "-c", "import smtplib"], stderr=subprocess.PIPE, universal_newlines=True, env=env, check=False)
    assert isolated.returncode != 0 and "smtplib" in isolated.stderr
    with open(PROBE, encoding="utf-8") as handle:
        source = handle.read()
    proc = subprocess.Popen(
        [BASE_PYTHON, "-s", "-c", source, "serve", str(port), "2", json.dumps(targets)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.poll() is not None else "no output"
        out = json.loads(line)
        assert out["listening"] is True
        assert out["targets"][0]["order"] and "error" not in out["targets"][0], out
        assert out["targets"][1]["connected"] == "::1", out
    finally:
        proc.kill()
        proc.wait()


def test_serve_listens_and_prints_its_checks_first(listener):
    port = closed_port()
    targets = [{"host": "::1", "port": listener}]
    proc = subprocess.Popen([sys.executable, PROBE, "serve", str(port), "2", json.dumps(targets)], stdout=subprocess.PIPE, universal_newlines=True)
    try:
        out = json.loads(proc.stdout.readline())
        assert out["listening"] is True
        assert out["targets"][0]["connected"] == "::1"
        assert isinstance(out["addresses"], list)
        # Still listening after it printed: the gateway tries the port later.
        socket.create_connection(("::1", port), timeout=2).close()
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.wait()


def test_containers_probes_every_ipv6_network_when_none_is_named(probe, monkeypatch):
    docker = FakeDocker()
    monkeypatch.setattr(probe, "run", docker)
    monkeypatch.setattr(probe, "first_line", docker.first_line)
    spec = {"networks": [], "image": "probe:1", "gai_conf": "", "port": 7077, "timeout": 5, "targets": []}
    out = probe.containers(spec, "SOURCE")
    assert sorted(out["networks"]) == ["bridge", "kamal"]
    assert out["policy"] is None
    assert not [c for c in docker.calls if "--volume" in c]


def test_containers_refuses_a_missing_policy_before_starting_anything(probe, monkeypatch, tmp_path):
    docker = FakeDocker()
    monkeypatch.setattr(probe, "run", docker)
    missing = str(tmp_path / "gai.conf")
    spec = {"networks": ["kamal"], "image": "probe:1", "gai_conf": missing, "port": 7077, "timeout": 5, "targets": []}
    out = probe.containers(spec, "SOURCE")
    assert out["error"].startswith("the policy %s is missing" % missing)
    assert docker.calls == []


def test_remove_removes_only_labelled_probes(probe, monkeypatch):
    docker = FakeDocker(ps="aaa\nbbb\n")
    monkeypatch.setattr(probe, "run", docker)
    assert probe.remove() == {"removed": 2}
    assert docker.calls[-1] == ["docker", "rm", "--force", "aaa", "bbb"]
    docker = FakeDocker(ps="")
    monkeypatch.setattr(probe, "run", docker)
    assert probe.remove() == {"removed": 0}
    assert len(docker.calls) == 1


CONTAINERS_OUTPUT = json.dumps(
    {"networks": {"kamal": {"container": "ipv6ready-verify-kamal"}, "bad": {"container": "ipv6ready-verify-bad", "error": "x"}}, "policy": None}
)


@pytest.mark.parametrize(
    "output, calls",
    [
        pytest.param(CONTAINERS_OUTPUT, [["docker", "rm", "--force", "ipv6ready-verify-bad", "ipv6ready-verify-kamal"]], id="names-in-one-call"),
        pytest.param("", [["docker", "ps", "--all", "--quiet", "--filter", "label=ipv6ready.verify=probe"]], id="no-output"),
        pytest.param('{"error": "docker ps: x"}', [["docker", "ps", "--all", "--quiet", "--filter", "label=ipv6ready.verify=probe"]], id="failed-run"),
        pytest.param("not json", [["docker", "ps", "--all", "--quiet", "--filter", "label=ipv6ready.verify=probe"]], id="garbled"),
    ],
)
def test_remove_takes_the_names_of_the_run_or_every_labelled_probe(probe, monkeypatch, output, calls):
    docker = FakeDocker(ps="")
    monkeypatch.setattr(probe, "run", docker)
    probe.remove(probe.probe_names(output))
    assert docker.calls == calls


def test_remove_falls_back_to_the_label_when_a_name_is_gone(probe, monkeypatch):
    calls = []

    def fake(argv):
        calls.append(argv)
        if argv[1] == "rm" and "ipv6ready-verify-bad" in argv:
            return 1, "", "Error: No such container: ipv6ready-verify-bad"
        return (0, "abc\n", "") if argv[1] == "ps" else (0, "", "")

    monkeypatch.setattr(probe, "run", fake)
    assert probe.remove(probe.probe_names(CONTAINERS_OUTPUT)) == {"removed": 1}
    assert calls[1:] == [["docker", "ps", "--all", "--quiet", "--filter", "label=ipv6ready.verify=probe"], ["docker", "rm", "--force", "abc"]]


def test_listening_tells_a_listener_from_none(probe, listener):
    assert probe.listening(listener, 2.0) is True
    assert probe.listening(closed_port(), 0.3) is False


def test_host_mode_prints_one_json_object(listener):
    spec = {"timeout": 2, "name": "", "targets": [{"host": "::1", "port": listener}]}
    out = subprocess.run([sys.executable, PROBE, "host", json.dumps(spec)], check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout
    result = json.loads(out)
    assert result["dns64"] is None
    assert result["targets"][0]["connected"] == "::1"
    assert "engine" not in result


class FakeEngine:
    def __init__(self, version=(0, "28.5.2", ""), bridge="true"):
        self.version = version
        self.bridge = bridge

    def __call__(self, argv):
        if argv[1] == "version":
            return self.version
        if argv[1:3] == ["network", "ls"]:
            return 0, "bridge true\nkamal true\nlegacy false", ""
        if argv[1:3] == ["network", "inspect"]:
            return 0, self.bridge, ""
        raise AssertionError(argv)


def test_engine_reports_version_networks_bridge_and_daemon_json(probe, monkeypatch, tmp_path):
    daemon_json = tmp_path / "daemon.json"
    daemon_json.write_text('{"ipv6": true, "ip6tables": true}')
    monkeypatch.setattr(probe, "run", FakeEngine(bridge="false"))
    assert probe.engine(str(daemon_json)) == {"version": "28.5.2", "ipv6_networks": ["bridge", "kamal"], "bridge_ipv6": False, "daemon_json_ipv6": True}


def test_engine_without_daemon_json(probe, monkeypatch, tmp_path):
    monkeypatch.setattr(probe, "run", FakeEngine())
    result = probe.engine(str(tmp_path / "missing.json"))
    assert result["daemon_json_ipv6"] is None and result["bridge_ipv6"] is True


def test_engine_that_does_not_answer(probe, monkeypatch, tmp_path):
    monkeypatch.setattr(probe, "run", FakeEngine(version=(1, "", "Cannot connect to the Docker daemon")))
    assert probe.engine(str(tmp_path / "daemon.json")) == {"error": "docker version: Cannot connect to the Docker daemon"}


def test_host_connects_to_every_address_it_is_given(probe, listener):
    closed = closed_port()
    result = probe.host({"timeout": 2, "targets": [], "connects": [{"address": "::1", "port": listener}, {"address": "::1", "port": closed}]})
    assert result["connects"]["[::1]:%d" % listener] == "connected"
    assert result["connects"]["[::1]:%d" % closed] != "connected"


@pytest.mark.parametrize("rc, expected", [(0, True), (1, False)])
def test_host_says_whether_the_engine_has_the_probe_image(probe, monkeypatch, rc, expected):
    calls = []
    monkeypatch.setattr(probe, "run", lambda argv: calls.append(argv) or (rc, "sha256:1" if rc == 0 else "", "" if rc == 0 else "No such image"))
    monkeypatch.setattr(probe, "containers_or_error", lambda spec, source: {"networks": {}, "policy": None})
    result = probe.host({"timeout": 2, "targets": [], "containers": {"image": "ipv6ready-probe:glibc"}})
    assert result["image"] is expected
    assert calls == [["docker", "image", "inspect", "--format", "{{.Id}}", "ipv6ready-probe:glibc"]]
    assert "image" not in probe.host({"timeout": 2, "targets": []})


def test_containers_probes_the_networks_at_the_same_time(probe, monkeypatch):
    import threading

    started = threading.Barrier(2, timeout=5)
    docker = FakeDocker()

    def run(argv):
        if argv[1] == "run":
            started.wait()  # both networks' probes start before either is checked
        return docker(argv)

    monkeypatch.setattr(probe, "run", run)
    monkeypatch.setattr(probe, "first_line", docker.first_line)
    out = probe.containers({"networks": ["kamal", "bridge"], "image": "probe:1", "gai_conf": "", "port": 7077, "timeout": 5, "targets": []}, "SOURCE")
    assert list(out["networks"]) == ["kamal", "bridge"]
    assert all(result["addresses"] == ["fd00::2"] for result in out["networks"].values())


@pytest.mark.parametrize("image_rc, started", [(0, True), (1, False)])
def test_host_starts_the_container_probes_only_when_the_image_is_there(probe, monkeypatch, image_rc, started):
    docker = FakeDocker()
    monkeypatch.setattr(probe, "run", lambda argv: (image_rc, "", "") if argv[1] == "image" else docker(argv))
    monkeypatch.setattr(probe, "first_line", lambda argv, seconds: ('{"addresses": ["fd00::2"], "listening": true, "targets": []}', ""))
    spec = {
        "timeout": 2,
        "targets": [],
        "containers": {"networks": ["kamal"], "image": "probe:python", "port": 7077, "timeout": 2, "targets": []},
    }
    result = probe.host(spec, "source")
    assert result["image"] is started
    assert ("containers" in result) is started
    assert any(argv[1] == "run" for argv in docker.calls) is started
    if started:
        assert result["containers"]["networks"]["kamal"]["addresses"] == ["fd00::2"]
        assert probe.probe_names(json.dumps(result["containers"])) == ["ipv6ready-verify-kamal"]


def test_host_runs_its_checks_while_the_probes_start(probe, monkeypatch):
    both = threading.Barrier(2, timeout=5)
    monkeypatch.setattr(probe, "run", lambda argv: (0, "", ""))
    monkeypatch.setattr(probe, "host_checks", lambda spec: both.wait() * 0 or {"dns64": None, "targets": []})
    monkeypatch.setattr(probe, "containers_or_error", lambda spec, source: both.wait() * 0 or {"networks": {}, "policy": None})
    result = probe.host({"containers": {"networks": [], "image": "probe:python"}}, "source")
    assert result == {"dns64": None, "targets": [], "image": True, "containers": {"networks": {}, "policy": None}}


def test_host_reports_a_failing_container_probe_as_its_error(probe, monkeypatch):
    def run(argv):
        if argv[1] == "image":
            return 0, "", ""
        if argv[1] == "ps":
            return 1, "", "engine gone"
        return 0, "", ""

    monkeypatch.setattr(probe, "run", run)
    result = probe.host({"targets": [], "containers": {"networks": ["kamal"], "image": "probe:python"}}, "source")
    assert result["containers"] == {"error": "docker ps: engine gone"}
