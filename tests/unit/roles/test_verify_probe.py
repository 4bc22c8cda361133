# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The verify role's probe (roles/verify/files/probe.py), against loopback only."""

from __future__ import annotations

import ast
import http.server
import importlib.util
import json
import os
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

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


class Log(list):
    """The frames of a followed log."""


class FakeEngine:
    """A Docker engine API on a Unix socket: it answers the requests the probe sends and records them.

    Containers are kept by name; a container's log is ``log(name)``: the
    frames its followed log sends, then (``hold``) whether the stream stays
    open the way a running container's does.
    """

    def __init__(self):
        self.requests = []
        self.containers = {}
        self.networks = [{"Name": "bridge", "EnableIPv6": True}, {"Name": "kamal", "EnableIPv6": True}, {"Name": "legacy", "EnableIPv6": False}]
        self.images = {"probe:1", "ipv6ready-verify/probe:python"}
        self.version = {"Version": "28.5.2", "ApiVersion": "1.51"}
        self.lines = {}
        self.on_start = None
        self.closed = threading.Event()
        # name: how many more requests find it still being removed (409).
        self.removing = {}
        # IDs the label listing leaves out.
        self.hidden = set()

    def log(self, name):
        return self.lines.get(name, [(1, b'{"addresses": ["fd00::2"], "targets": []}\n')])

    def answer(self, handler, method):
        url = urllib.parse.urlsplit(handler.path)
        query = urllib.parse.parse_qs(url.query)
        length = int(handler.headers.get("Content-Length") or 0)
        body = json.loads(handler.rfile.read(length)) if length else None
        self.requests.append((method, url.path, query, body))
        route = (method, url.path)
        if route == ("GET", "/version"):
            return 200, self.version
        if route == ("GET", "/networks"):
            wanted = json.loads(query["filters"][0])
            assert wanted == {"driver": ["bridge"]}
            return 200, [dict(n, Driver="bridge") for n in self.networks]
        if method == "GET" and url.path.startswith("/images/") and url.path.endswith("/json"):
            name = url.path[len("/images/") : -len("/json")]
            return (200, {"Id": "sha256:1"}) if name in self.images else (404, {"message": "No such image: " + name})
        if route == ("POST", "/containers/create"):
            name = query["name"][0]
            if body["HostConfig"]["NetworkMode"] == "bad":
                return 404, {"message": "network bad not found"}
            if name in self.removing:
                self.removing[name] -= 1
                if self.removing[name] < 0:
                    del self.removing[name]
                    self.containers.pop(name, None)
            if name in self.containers:
                return 409, {"message": "Conflict. The container name is already in use"}
            self.containers[name] = {"Id": "id-" + name, "Labels": body["Labels"], "config": body}
            return 201, {"Id": "id-" + name, "Warnings": []}
        if route == ("GET", "/containers/json"):
            label = json.loads(query["filters"][0])["label"][0]
            key, value = label.split("=", 1)
            return 200, [{"Id": c["Id"]} for c in self.containers.values() if c["Labels"].get(key) == value and c["Id"] not in self.hidden]
        parts = url.path.split("/")
        if len(parts) >= 3 and parts[1] == "containers":
            name = next((n for n, c in self.containers.items() if parts[2] in (n, c["Id"])), None)
            if name is None:
                return 404, {"message": "No such container: " + parts[2]}
            if method == "DELETE":
                assert query.get("force") == ["1"]
                if self.removing.get(name, 0) > 0:
                    self.removing[name] -= 1
                    return 409, {"message": "removal of container %s is already in progress" % name}
                self.removing.pop(name, None)
                del self.containers[name]
                return 204, None
            if parts[3:] == ["start"]:
                if self.on_start:
                    self.on_start(name)
                return 204, None
            if parts[3:] == ["logs"]:
                assert query.get("follow") == ["1"] and query.get("stdout") == ["1"] and query.get("stderr") == ["1"]
                return 200, Log(self.log(name))
        return 500, {"message": "not faked: %s %s" % route}

    def handler(self):
        engine = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def respond(self, method):
                status, answer = engine.answer(self, method)
                self.send_response(status)
                self.end_headers()
                if isinstance(answer, Log):
                    # A followed log: frames, then open until the test ends, or closed (an exited container).
                    for frame in answer:
                        if frame == "hold":
                            engine.closed.wait(30)
                            return
                        stream, data = frame
                        self.wfile.write(bytes([stream, 0, 0, 0]) + len(data).to_bytes(4, "big") + data)
                        self.wfile.flush()
                elif answer is not None:
                    self.wfile.write(json.dumps(answer).encode())

            def do_GET(self):
                self.respond("GET")

            def do_POST(self):
                self.respond("POST")

            def do_DELETE(self):
                self.respond("DELETE")

        return Handler

    def calls(self, method=None):
        return [(m, p) for m, p, _q, _b in self.requests if method in (None, m)]


@pytest.fixture
def engine(monkeypatch):
    """A FakeEngine, with DOCKER_HOST pointing at its socket (a short path: a Unix socket's is at most 107 bytes)."""
    directory = tempfile.mkdtemp(prefix="engine")
    path = os.path.join(directory, "docker.sock")
    fake = FakeEngine()
    server = socketserver.ThreadingUnixStreamServer(path, fake.handler())
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    monkeypatch.setenv("DOCKER_HOST", "unix://" + path)
    yield fake
    fake.closed.set()
    server.shutdown()
    server.server_close()
    shutil.rmtree(directory)


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "gai.conf"
    path.write_text("label fd64::/96 1\nprecedence ::/0 40\n")
    return str(path)


def test_containers_starts_then_checks_inside_and_reports_failures(probe, engine, policy):
    engine.containers["left"] = {"Id": "0123abcd", "Labels": {"ipv6ready.verify": "probe"}}
    engine.containers["kamal-app"] = {"Id": "feedbeef", "Labels": {"service": "app"}}
    spec = {
        "networks": ["kamal", "bad"],
        "image": "probe:1",
        "gai_conf": policy,
        "port": 7077,
        "timeout": 5,
        "targets": [{"host": "smtp.example", "port": 587}],
        "lifetime": 120,
    }
    out = probe.containers(spec, "SOURCE")
    assert out["policy"] == "label fd64::/96 1\nprecedence ::/0 40\n"
    assert out["networks"]["kamal"] == {"addresses": ["fd00::2"], "targets": [], "container": "ipv6ready-verify-kamal"}
    assert out["networks"]["bad"]["error"] == "the probe on bad: engine API POST /containers/create: network bad not found"
    # A probe left from an interrupted run is removed first, and nothing else.
    assert engine.calls()[:2] == [("GET", "/containers/json"), ("DELETE", "/containers/0123abcd")]
    assert sorted(engine.containers) == ["ipv6ready-verify-kamal", "kamal-app"]
    config = engine.containers["ipv6ready-verify-kamal"]["config"]
    assert config["HostConfig"]["Binds"] == [policy + ":/etc/gai.conf:ro"]
    assert config["HostConfig"]["NetworkMode"] == "kamal" and list(config["NetworkingConfig"]["EndpointsConfig"]) == ["kamal"]
    assert config["Labels"] == {"ipv6ready.verify": "probe"}
    assert config["HostConfig"]["LogConfig"]["Type"] == "json-file"
    # The probe checks as it starts (no exec) and its result is the first line of its log.
    assert config["Image"] == "probe:1"
    assert config["Cmd"][:6] == ["python3", "-c", "SOURCE", "serve", "7077", "5"]
    assert json.loads(config["Cmd"][6]) == [{"host": "smtp.example", "port": 587}]
    # It ends after its lifetime, and the engine removes it: no step of the role does.
    assert config["Cmd"][7:] == ["120"]
    assert config["HostConfig"]["AutoRemove"] is True
    assert ("POST", "/containers/ipv6ready-verify-kamal/start") in engine.calls()
    assert ("GET", "/containers/ipv6ready-verify-kamal/logs") in engine.calls()
    assert not [p for _m, p in engine.calls() if "bad/" in p or p.endswith("/exec")]


@pytest.mark.parametrize(
    "frames, error",
    [
        pytest.param([(1, b'{"addresses": '), (1, b'["fd00::2"]}\nmore\n')], None, id="a-line-in-two-frames"),
        pytest.param([(2, b"warming up\n"), (1, b'{"addresses": ["fd00::2"]}\n'), "hold"], None, id="stderr-first"),
        pytest.param([(2, b"exec: python3: not found\n")], "exec: python3: not found", id="stderr-and-exit"),
        pytest.param([], "it stopped without a result", id="exit-without-output"),
        pytest.param([(1, b"Traceback (most recent call last):\n")], "Traceback (most recent call last):", id="not-json"),
        pytest.param([(1, b"[1, 2]\n")], "", id="json-but-not-an-object"),
    ],
)
def test_containers_reads_the_first_line_of_the_probes_log(probe, engine, frames, error):
    engine.lines["ipv6ready-verify-kamal"] = frames
    spec = {"networks": ["kamal"], "image": "probe:1", "gai_conf": "", "port": 7077, "timeout": 5, "targets": [], "lifetime": 120}
    out = probe.containers(spec, "SOURCE")["networks"]["kamal"]
    if error is None:
        assert out == {"addresses": ["fd00::2"], "container": "ipv6ready-verify-kamal"}
    else:
        assert out == {"error": "the probe in ipv6ready-verify-kamal: " + error, "container": "ipv6ready-verify-kamal"}


def test_first_log_line_stops_waiting_after_its_time(probe, engine):
    engine.containers["quiet"] = {"Id": "q", "Labels": {}}
    engine.lines["quiet"] = ["hold"]
    started = time.monotonic()
    assert probe.first_log_line("quiet", 1) == ("", "no output in 1 s")
    assert time.monotonic() - started < 5
    assert probe.first_log_line("gone", 1)[1] == 'its log: HTTP 404 {"message": "No such container: gone"}'


def test_the_engine_socket_comes_from_docker_host(probe, monkeypatch):
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    assert probe.engine_socket() == "/var/run/docker.sock"
    monkeypatch.setenv("DOCKER_HOST", "unix:///run/docker.sock")
    assert probe.engine_socket() == "/run/docker.sock"
    monkeypatch.setenv("DOCKER_HOST", "tcp://[::1]:2375")
    with pytest.raises(RuntimeError, match="Unix socket only"):
        probe.engine_socket()


# The interpreter the probe image copies: the venv's base python3.
BASE_PYTHON = getattr(sys, "_base_executable", None) or sys.executable

# probe_image.yml builds a missing image only, so a host keeps the probe image
# an earlier release built, which holds the standard-library modules probe.py
# loaded then (`probe.py files`). `serve` runs in it: the module-level imports
# must stay these. Import a module needed only on the host inside the function
# that needs it (as filters() does), or give the image a new name
# (verify_probe_image) together with a new import here.
IMAGE_IMPORTS = {"json", "os", "socket", "subprocess", "sys", "threading", "time"}


def test_the_probe_loads_what_an_earlier_probe_image_holds():
    with open(PROBE, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    imported = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    assert imported == IMAGE_IMPORTS


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
        [BASE_PYTHON, "-s", "-c", source, "serve", str(port), "2", json.dumps(targets), "30"],
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
    proc = subprocess.Popen([sys.executable, PROBE, "serve", str(port), "2", json.dumps(targets), "3"], stdout=subprocess.PIPE, universal_newlines=True)
    try:
        out = json.loads(proc.stdout.readline())
        assert out["listening"] is True
        assert out["targets"][0]["connected"] == "::1"
        assert isinstance(out["addresses"], list)
        # Still listening after it printed: the gateway tries the port later.
        socket.create_connection(("::1", port), timeout=2).close()
        assert proc.poll() is None
        # Then it ends by itself when its lifetime (3 s from its start) is over.
        assert proc.wait(timeout=10) == 0
        with pytest.raises(OSError):
            socket.create_connection(("::1", port), timeout=2).close()
    finally:
        proc.kill()
        proc.wait()


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


def test_host_connects_to_every_address_it_is_given(probe, listener):
    closed = closed_port()
    result = probe.host({"timeout": 2, "targets": [], "connects": [{"address": "::1", "port": listener}, {"address": "::1", "port": closed}]})
    assert result["connects"]["[::1]:%d" % listener] == "connected"
    assert result["connects"]["[::1]:%d" % closed] != "connected"


def test_containers_probes_every_ipv6_network_when_none_is_named(probe, engine):
    spec = {"networks": [], "image": "probe:1", "gai_conf": "", "port": 7077, "timeout": 5, "targets": [], "lifetime": 120}
    out = probe.containers(spec, "SOURCE")
    assert sorted(out["networks"]) == ["bridge", "kamal"]
    assert out["policy"] is None
    assert not [c for c in engine.containers.values() if "Binds" in c["config"]["HostConfig"]]


def test_containers_refuses_a_missing_policy_before_starting_anything(probe, engine, tmp_path):
    missing = str(tmp_path / "gai.conf")
    spec = {"networks": ["kamal"], "image": "probe:1", "gai_conf": missing, "port": 7077, "timeout": 5, "targets": [], "lifetime": 120}
    out = probe.containers(spec, "SOURCE")
    assert out["error"].startswith("the policy %s is missing" % missing)
    assert engine.requests == []


def test_containers_probes_the_networks_at_the_same_time(probe, engine):
    started = threading.Barrier(2, timeout=5)
    engine.on_start = lambda name: started.wait()  # both networks' probes start before either is checked
    out = probe.containers(
        {"networks": ["kamal", "bridge"], "image": "probe:1", "gai_conf": "", "port": 7077, "timeout": 5, "targets": [], "lifetime": 120}, "SOURCE"
    )
    assert list(out["networks"]) == ["kamal", "bridge"]
    assert all(result["addresses"] == ["fd00::2"] for result in out["networks"].values())


def labelled(engine, *names):
    for name in names:
        engine.containers[name] = {"Id": "id-" + name, "Labels": {"ipv6ready.verify": "probe"}}


def test_remove_removes_only_labelled_probes(probe, engine):
    labelled(engine, "aaa", "bbb")
    engine.containers["app"] = {"Id": "id-app", "Labels": {}}
    assert probe.remove() == {"removed": 2}
    assert list(engine.containers) == ["app"]
    assert probe.remove() == {"removed": 0}
    assert engine.calls()[-1] == ("GET", "/containers/json")


def test_remove_waits_while_the_engine_removes_a_probe_whose_lifetime_ended(probe, engine):
    """AutoRemove is under way: DELETE answers 409 until the engine is done, and the name stays taken until then."""
    labelled(engine, "ipv6ready-verify-kamal")
    engine.removing["ipv6ready-verify-kamal"] = 3
    out = probe.containers({"networks": ["kamal"], "image": "probe:1", "gai_conf": "", "port": 7077, "timeout": 5, "targets": [], "lifetime": 120}, "SOURCE")
    assert out["networks"]["kamal"] == {"addresses": ["fd00::2"], "targets": [], "container": "ipv6ready-verify-kamal"}
    deletes = engine.calls("DELETE")
    assert deletes == [("DELETE", "/containers/id-ipv6ready-verify-kamal")] * 4, deletes


def test_create_waits_for_a_name_the_engine_is_still_removing(probe, engine):
    labelled(engine, "ipv6ready-verify-kamal")
    engine.removing["ipv6ready-verify-kamal"] = 2
    # Listed before its removal began: the create finds the name taken, twice.
    engine.hidden.add("id-ipv6ready-verify-kamal")
    out = probe.containers({"networks": ["kamal"], "image": "probe:1", "gai_conf": "", "port": 7077, "timeout": 5, "targets": [], "lifetime": 120}, "SOURCE")
    assert out["networks"]["kamal"]["container"] == "ipv6ready-verify-kamal" and "error" not in out["networks"]["kamal"]
    assert engine.calls("POST").count(("POST", "/containers/create")) == 3


def test_remove_says_why_when_the_engine_does_not_answer(probe, monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", "unix://%s" % (tmp_path / "none.sock"))
    with pytest.raises(RuntimeError, match="engine API GET /containers/json: .*No such file"):
        probe.remove()


def test_engine_reports_version_networks_bridge_and_daemon_json(probe, engine, tmp_path):
    daemon_json = tmp_path / "daemon.json"
    daemon_json.write_text('{"ipv6": true, "ip6tables": true}')
    engine.networks[0]["EnableIPv6"] = False
    assert probe.engine(str(daemon_json)) == {"version": "28.5.2", "ipv6_networks": ["kamal"], "bridge_ipv6": False, "daemon_json_ipv6": True}


def test_engine_without_daemon_json_or_default_bridge(probe, engine, tmp_path):
    result = probe.engine(str(tmp_path / "missing.json"))
    assert result["daemon_json_ipv6"] is None and result["bridge_ipv6"] is True
    engine.networks = [n for n in engine.networks if n["Name"] != "bridge"]
    assert probe.engine(str(tmp_path / "missing.json"))["bridge_ipv6"] is None


def test_engine_that_does_not_answer(probe, monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", "unix://%s" % (tmp_path / "none.sock"))
    assert probe.engine(str(tmp_path / "daemon.json"))["error"].startswith("engine API GET /version: ")


def test_engine_that_fails_a_request(probe, engine, tmp_path):
    engine.version = None  # the fake answers 200 with "null"
    assert probe.engine(str(tmp_path / "daemon.json"))["error"]


@pytest.mark.parametrize("image, expected", [("ipv6ready-verify/probe:python", True), ("ipv6ready-verify/probe:other", False)])
def test_host_says_whether_the_engine_has_the_probe_image(probe, engine, monkeypatch, image, expected):
    monkeypatch.setattr(probe, "containers_or_error", lambda spec, source: {"networks": {}, "policy": None})
    result = probe.host({"timeout": 2, "targets": [], "containers": {"image": image}})
    assert result["image"] is expected
    assert engine.calls() == [("GET", "/images/%s/json" % image)]
    assert "image" not in probe.host({"timeout": 2, "targets": []})


def test_host_without_an_engine_has_no_image(probe, monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", "unix://%s" % (tmp_path / "none.sock"))
    assert probe.host({"timeout": 2, "targets": [], "containers": {"image": "probe:1"}})["image"] is False


@pytest.mark.parametrize("image, started", [("probe:1", True), ("probe:missing", False)])
def test_host_starts_the_container_probes_only_when_the_image_is_there(probe, engine, image, started):
    engine.lines["ipv6ready-verify-kamal"] = [(1, b'{"addresses": ["fd00::2"], "listening": true, "targets": []}\n'), "hold"]
    spec = {
        "timeout": 2,
        "targets": [],
        "containers": {"networks": ["kamal"], "image": image, "port": 7077, "timeout": 2, "targets": [], "lifetime": 120},
    }
    result = probe.host(spec, "source")
    assert result["image"] is started
    assert ("containers" in result) is started
    assert ("ipv6ready-verify-kamal" in engine.containers) is started
    if started:
        assert result["containers"]["networks"]["kamal"]["addresses"] == ["fd00::2"]
        assert result["containers"]["networks"]["kamal"]["container"] == "ipv6ready-verify-kamal"


def test_host_runs_its_checks_while_the_probes_start(probe, engine, monkeypatch):
    both = threading.Barrier(2, timeout=5)
    monkeypatch.setattr(probe, "host_checks", lambda spec: both.wait() * 0 or {"dns64": None, "targets": []})
    monkeypatch.setattr(probe, "containers_or_error", lambda spec, source: both.wait() * 0 or {"networks": {}, "policy": None})
    result = probe.host({"containers": {"networks": [], "image": "probe:1"}}, "source")
    assert result == {"dns64": None, "targets": [], "image": True, "containers": {"networks": {}, "policy": None}}


def test_host_reports_a_failing_container_probe_as_its_error(probe, engine, monkeypatch):
    def gone(method, path, body=None):
        if path.startswith("/containers/json"):
            raise OSError("engine gone")
        return real(method, path, body)

    real = probe.api
    monkeypatch.setattr(probe, "api", gone)
    result = probe.host({"targets": [], "containers": {"networks": ["kamal"], "image": "probe:1"}}, "source")
    assert result["containers"] == {"error": "engine API GET /containers/json: engine gone"}


def test_the_probe_label_is_the_one_the_roles_leave_out(probe):
    # networks, daemon (which removes them before it restarts the engine) and hcloud_ipv6only test it with is_probe.
    from ansible_collections.ipv6ready.docker.plugins.module_utils._verify import PROBE_LABEL

    assert (probe.LABEL_KEY, probe.LABEL_VALUE) == PROBE_LABEL
