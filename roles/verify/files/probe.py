"""Probe name resolution and TCP reachability the way an application does.

Runs on a Docker host, on the gateway and, unchanged, inside the probe
containers (the host's own python3, so the container's glibc is the host's).
Each mode prints one JSON object. Every mode that the verify role calls does
all of its work in one process, so each check costs one round trip per host.
The probe only observes; the role judges what it saw with the filters of
plugins/filter/verify.py.
The modes that run on the Docker host ask the engine API on the Unix socket
DOCKER_HOST names (Docker's default without it), not the docker CLI.

  probe.py host SPEC_JSON
      on the Docker host: the AAAA addresses getaddrinfo returns for SPEC's
      `name` (skipped when empty), `connect` for every {host, port} of its
      `targets`, a TCP connect to every {address, port} of its `connects`
      (every gateway's path), with `engine` the engine's version, its
      IPv6 networks, whether the default bridge has IPv6 and whether
      daemon.json asks for it; with `containers` (a SPEC of `containers`),
      `image`: whether the engine has its probe image, and when it has, the
      container probes as well, started first and run while the host checks
      run (the source of this file comes from the environment variable
      IPV6READY_PROBE)
  probe.py containers SPEC_JSON
      on the Docker host: read the policy file, list the IPv6 bridge networks
      (unless SPEC names them), start one probe container per network
      (`serve`) and read the line each prints to its log, all networks at the
      same time; the source of this file comes from the environment variable
      IPV6READY_PROBE
  probe.py serve PORT TIMEOUT TARGETS_JSON LIFETIME
      in a container: listen on the unpublished PORT; meanwhile print one line
      of `connect` for every target, the container's own global IPv6
      addresses, and whether the listener accepts connections; then go on
      listening until LIFETIME seconds after the start, and end (the engine
      removes the container: it runs with AutoRemove)
  probe.py files
      on the Docker host: the files of the standard library that the probe
      loads, with their compiled copies, one path per line: what the probe
      image holds besides python3 and the shared libraries (probe_image.yml)
  probe.py exposure SPEC_JSON
      on the gateway: try the unpublished port of every probe address of every
      Docker host in SPEC (one run per batch of hosts), through temporary /128
      routes via the Docker host when its entry has `route` (in a routing
      table of that host's own, used only by its marked sockets)
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time


def resolve6(name):
    try:
        infos = socket.getaddrinfo(name, None, socket.AF_INET6, socket.SOCK_STREAM)
    except OSError as exc:
        return {"error": "getaddrinfo %s: %s" % (name, exc)}
    return {"addresses": sorted({info[4][0] for info in infos})}


def source_for(family, sockaddr):
    # A UDP connect sends nothing; it makes the kernel choose the source.
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.connect(sockaddr)
            return sock.getsockname()[0]
    except OSError:
        return None


def connect(name, port, timeout):
    out = {"name": name, "port": port}
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        out["error"] = "getaddrinfo %s: %s" % (name, exc)
        return out
    out["order"] = [{"destination": info[4][0], "source": source_for(info[0], info[4])} for info in infos]
    # What smtplib and most clients do: try each address in getaddrinfo's order.
    try:
        with socket.create_connection((name, port), timeout=timeout) as conn:
            out["connected"] = conn.getpeername()[0]
    except OSError as exc:
        out["connect_error"] = str(exc)
    return out


def connect_all(targets, timeout):
    return [connect(t["host"], int(t["port"]), timeout) for t in targets]


def global_ipv6(if_inet6):
    """The global-scope addresses in the text of /proc/net/if_inet6, except lo's."""
    out = []
    for line in if_inet6.splitlines():
        fields = line.split()
        if len(fields) == 6 and fields[3] == "00" and fields[5] != "lo":
            raw = bytes.fromhex(fields[0])
            out.append(socket.inet_ntop(socket.AF_INET6, raw))
    return sorted(out)


def listening(port, timeout):
    """Does the listener on [::1]:port accept? It may still be starting."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("::1", port), timeout=1).close()
            return True
        except OSError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)


def check(targets, timeout, port):
    with open("/proc/net/if_inet6", encoding="ascii") as handle:
        addresses = global_ipv6(handle.read())
    # Without a listener, a closed port would prove nothing.
    return {"addresses": addresses, "listening": listening(port, timeout), "targets": connect_all(targets, timeout)}


def serve(port, timeout, targets, lifetime):
    """Listen on [::]:port; meanwhile check and print the result as one line; listen until ``lifetime`` seconds after the start."""
    ends = time.monotonic() + lifetime
    sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("::", port))
    sock.listen(16)

    def accept():
        while True:
            conn, _peer = sock.accept()
            conn.close()

    listener = threading.Thread(target=accept, daemon=True)
    listener.start()
    print(json.dumps(check(targets, timeout, port)), flush=True)
    listener.join(max(0.0, ends - time.monotonic()))


def in_threads(items, work):
    """``{item: work(item)}``, every item in a thread of its own, all at the same time."""
    results = {}

    def one(item):
        try:
            results[item] = work(item)
        except Exception as exc:  # reported as the item's outcome; the others go on
            results[item] = exc

    threads = [threading.Thread(target=one, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def raised(results):
    """``results`` of ``in_threads``, after raising the first exception an item ended in."""
    for result in results.values():
        if isinstance(result, Exception):
            raise result
    return results


def run(argv):
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    return proc.returncode, proc.stdout.strip(), proc.stderr.strip()


# The engine is reached through its API on the Unix socket DOCKER_HOST names,
# as the docker CLI would be, but without the CLI: each of its runs is a Go
# program's start (about 85 ms of CPU on a lab host), and a verify run needed
# ten of them on every host. One HTTP/1.0 request per connection: the engine
# sends the body whole (not chunked) and closes the connection at its end,
# which is also how a followed log ends.
DEFAULT_SOCKET = "/var/run/docker.sock"
API_TIMEOUT = 60
# Seconds to wait for the engine to finish removing a probe whose lifetime just ended.
REMOVAL_WAIT = 10


def engine_socket():
    """The path of the engine's socket: DOCKER_HOST's ``unix://`` path, else Docker's default."""
    host = os.environ.get("DOCKER_HOST") or "unix://" + DEFAULT_SOCKET
    if not host.startswith("unix://"):
        raise RuntimeError("DOCKER_HOST=%s: the probe reaches the engine on a Unix socket only" % host)
    return host[len("unix://") :]


def send(method, path, body=None, timeout=API_TIMEOUT):
    """Send one request: ``(socket, status, what came of the body with the headers)``; the caller closes the socket."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(engine_socket())
        data = b"" if body is None else json.dumps(body).encode("utf-8")
        head = "%s %s HTTP/1.0\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (method, path, len(data))
        sock.sendall(head.encode("ascii") + data)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                raise OSError("the engine closed the connection without an answer")
            received += chunk
        head, rest = received.split(b"\r\n\r\n", 1)
        status = head.split(b"\r\n", 1)[0].split()
        if len(status) < 2 or not status[1].isdigit():
            raise OSError("the engine answered %r" % head[:80])
        return sock, int(status[1]), rest
    except BaseException:
        sock.close()
        raise


def api(method, path, body=None):
    """``(status, answer)`` of one request; the answer parsed as JSON when it is JSON, else its text."""
    sock, status, received = send(method, path, body)
    with sock:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    text = received.decode("utf-8", "replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text.strip()


def engine_call(method, path, body=None, ok=(200,), missing=None, busy=0.0):
    """The answer of one request that must succeed (``missing`` when its status is 404).

    A 409 Conflict is asked again for up to ``busy`` seconds: a probe whose
    lifetime just ended is still being removed by the engine, and meanwhile
    its name is taken. RuntimeError naming the request and the engine's
    reason otherwise.
    """
    what = "engine API %s %s" % (method, path.split("?", 1)[0])
    deadline = time.monotonic() + busy
    while True:
        try:
            status, answer = api(method, path, body)
        except OSError as exc:
            raise RuntimeError("%s: %s" % (what, exc or "timed out")) from exc
        if status != 409 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if status == 404 and missing is not None:
        return missing
    if status not in ok:
        reason = answer.get("message") if isinstance(answer, dict) else answer
        raise RuntimeError("%s: %s" % (what, reason or "HTTP %d" % status))
    return answer


def filters(**names):
    """The ``filters`` query parameter of a listing."""
    # Imported here: `serve` runs in the probe image, which holds only the
    # modules it loaded when the image was built, perhaps by an earlier
    # release (probe_image.yml builds a missing image only).
    from urllib.parse import quote

    return "filters=" + quote(json.dumps({key: [value] for key, value in names.items()}))


LABEL_KEY, LABEL_VALUE = "ipv6ready.verify", "probe"
LABEL = LABEL_KEY + "=" + LABEL_VALUE


def probe_name(network):
    return "ipv6ready-verify-" + network


def bridge_networks():
    """``{name: IPv6 on}`` of the engine's bridge networks."""
    return {n["Name"]: n.get("EnableIPv6") is True for n in engine_call("GET", "/networks?" + filters(driver="bridge"))}


def ipv6_networks(networks=None):
    """The bridge networks with IPv6, sorted: of ``networks`` (``bridge_networks()``), else the engine's."""
    return sorted(name for name, ipv6 in (bridge_networks() if networks is None else networks).items() if ipv6)


def engine(daemon_json):
    """What the engine says about itself and about IPv6; ``error`` when it does not answer."""
    try:
        version = engine_call("GET", "/version").get("Version")
    except (RuntimeError, AttributeError) as exc:
        return {"error": str(exc)}
    out = {"version": version}
    try:
        networks = bridge_networks()
    except RuntimeError as exc:
        return {"version": version, "error": str(exc)}
    out["ipv6_networks"] = ipv6_networks(networks)
    out["bridge_ipv6"] = networks.get("bridge")
    out["daemon_json_ipv6"] = None
    try:
        with open(daemon_json, encoding="utf-8") as handle:
            settings = json.load(handle)
        if isinstance(settings, dict) and isinstance(settings.get("ipv6"), bool):
            out["daemon_json_ipv6"] = settings["ipv6"]
    except (OSError, ValueError):
        pass
    return out


def connect_to(address, port, timeout):
    """Connect to one address (no name, no resolver): "connected" or why not."""
    try:
        socket.create_connection((address, int(port)), timeout=timeout).close()
        return "connected"
    except OSError as exc:
        return str(exc) or "timed out"


def connect_many(connects, timeout):
    """``{"[address]:port": outcome}`` for every ``{address, port}``, tried at the same time."""
    targets = dict(("[%s]:%s" % (c["address"], c["port"]), c) for c in connects)
    return raised(in_threads(list(targets), lambda key: connect_to(targets[key]["address"], targets[key]["port"], timeout)))


def host_checks(spec):
    name = spec.get("name")
    result = {"dns64": resolve6(name) if name else None, "targets": connect_all(spec.get("targets") or [], float(spec.get("timeout", 5)))}
    if spec.get("connects"):
        result["connects"] = connect_many(spec["connects"], float(spec.get("timeout", 5)))
    if spec.get("engine"):
        result["engine"] = engine(spec.get("daemon_json") or "/etc/docker/daemon.json")
    return result


def has_image(name):
    """Does the engine have the image ``name``? (No, too, when it does not answer.)"""
    try:
        return api("GET", "/images/%s/json" % name)[0] == 200
    except (OSError, RuntimeError):
        return False


def host(spec, source=None):
    """The host checks; with ``containers``, whether its probe image is there, and then the container probes at the same time."""
    probes = spec.get("containers")
    image = has_image(probes["image"]) if probes else None
    work = {"host": lambda: host_checks(spec)}
    if image:
        work["containers"] = lambda: containers_or_error(probes, source)
    out = raised(in_threads(list(work), lambda key: work[key]()))
    result = out["host"]
    if image is not None:
        result["image"] = image
    if "containers" in out:
        result["containers"] = out["containers"]
    return result


def first_log_line(name, seconds):
    """``(line, problem)``: the first line the container ``name`` prints, read from its followed log for at most ``seconds``.

    The log of a container without a terminal comes in frames: a byte naming
    the stream (1 stdout, 2 stderr), three zero bytes, the length (4 bytes,
    big-endian), the data. ``problem`` is what it printed to stderr when it
    printed no line, or why there is no line.
    """
    deadline = time.monotonic() + seconds
    try:
        sock, status, received = send("GET", "/containers/%s/logs?follow=1&stdout=1&stderr=1" % name, timeout=seconds)
    except OSError as exc:
        return "", "its log: %s" % (exc or "timed out")
    streams = {1: b"", 2: b""}
    ended = "no output in %d s" % seconds
    with sock:
        if status != 200:
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                received += sock.recv(65536)
            except OSError:
                pass
            return "", "its log: HTTP %d %s" % (status, received.decode("utf-8", "replace").strip())
        while b"\n" not in streams[1]:
            size = int.from_bytes(received[4:8], "big") if len(received) >= 8 else None
            if size is not None and len(received) >= 8 + size:
                streams[2 if received[0] == 2 else 1] += received[8 : 8 + size]
                received = received[8 + size :]
                continue
            left = deadline - time.monotonic()
            try:
                if left <= 0:
                    raise socket.timeout()
                sock.settimeout(left)
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                ended = "it stopped without a result"
                break
            received += chunk
    line = streams[1].decode("utf-8", "replace").split("\n", 1)[0].strip()
    return line, "" if line else streams[2].decode("utf-8", "replace").strip() or ended


def probe_network(network, spec, source):
    """Start the listening probe on one network; it checks from inside and prints the result to its log."""
    name = probe_name(network)
    targets = spec["targets"]
    config = {
        "Image": spec["image"],
        "Cmd": ["python3", "-c", source, "serve", str(spec["port"]), str(spec["timeout"]), json.dumps(targets), str(spec["lifetime"])],
        "Labels": {LABEL_KEY: LABEL_VALUE},
        # The probe's own log driver: its log is read back whatever the engine's default driver is.
        # AutoRemove: the engine removes the probe when its lifetime ends, so
        # that no run needs a step (a round trip) to remove it, and a run that
        # stops half-way leaves none behind.
        "HostConfig": {"NetworkMode": network, "LogConfig": {"Type": "json-file", "Config": {}}, "AutoRemove": True},
        "NetworkingConfig": {"EndpointsConfig": {network: {}}},
    }
    if spec.get("gai_conf"):
        config["HostConfig"]["Binds"] = [spec["gai_conf"] + ":/etc/gai.conf:ro"]
    try:
        engine_call("POST", "/containers/create?name=" + name, config, ok=(201,), busy=REMOVAL_WAIT)
        engine_call("POST", "/containers/%s/start" % name, ok=(204, 304))
    except RuntimeError as exc:
        return {"container": name, "error": "the probe on %s: %s" % (network, exc)}
    # Each target: a lookup, then a connect per address; a generous bound.
    line, problem = first_log_line(name, 60 + 4 * float(spec["timeout"]) * (len(targets) + 1))
    try:
        result = json.loads(line) if line else None
    except ValueError:
        result = None
        problem = line
    if not isinstance(result, dict):
        result = {"error": "the probe in %s: %s" % (name, problem)}
    result["container"] = name
    return result


def containers(spec, source):
    """Start a listening probe on each network, then check from inside it.

    The networks are probed at the same time: each probe is a container of
    its own, and its checks wait on the network (connects, the listener).
    """
    policy = None
    if spec.get("gai_conf"):
        # A bind of a missing source would be created as a directory.
        if not os.path.isfile(spec["gai_conf"]):
            return {"error": "the policy %s is missing (run ipv6ready.docker.gai_policy, or set verify_gai_conf_path to an empty string)" % spec["gai_conf"]}
        with open(spec["gai_conf"], encoding="utf-8", errors="replace") as handle:
            policy = handle.read()
    networks = spec.get("networks") or ipv6_networks()
    remove()
    out = raised(in_threads(networks, lambda network: probe_network(network, spec, source)))
    return {"networks": {network: out[network] for network in networks}, "policy": policy}


def containers_or_error(spec, source):
    try:
        return containers(spec, source)
    except RuntimeError as exc:
        return {"error": str(exc)}


def delete(container):
    """Remove one container, running or not (one already gone counts as removed)."""
    engine_call("DELETE", "/containers/%s?force=1" % container, ok=(204,), missing=False, busy=REMOVAL_WAIT)


def remove():
    """Remove every probe container: those of an earlier run whose lifetime has not ended yet, or that an engine left."""
    listed = engine_call("GET", "/containers/json?all=1&" + filters(label=LABEL))
    ids = [container["Id"] for container in listed]
    raised(in_threads(ids, delete))
    return {"removed": len(ids)}


# The routes of one Docker host's probes (its entry has `route`) go into a
# routing table of their own, which only the sockets that try them use: a
# policy rule sends packets with its mark there. Every Docker host's probes
# may have the same addresses (the same unique local prefixes fleet-wide), and
# one exposure run tries the probes of every host of a batch at the same time
# (and other runs may be under way on the gateway): /128 routes in the main
# table, or in one table for the run, would replace each other, and a check
# could reach another host's container. Each host's probes are tried from a
# thread of their own; the table and the mark are exposure_mark() of that
# thread's ID, unique on the gateway while the thread lasts (thread and
# process IDs share one space), in bits clear of the gateway's own marks
# (0x00200000 and 0x00400000, module_utils/_nat64_gateway.py). The thread
# removes its table and rule before it ends, also on error.
EXPOSURE_BASE = 0x1D000000


def exposure_mark(tid):
    """The routing table and packet mark of the thread (or process) ``tid`` (at most 22 bits)."""
    return EXPOSURE_BASE | (tid & 0x1FFFFF) | ((tid >> 21) & 1) << 23


EXPOSURE_PRIORITY = "6400"
SO_MARK = getattr(socket, "SO_MARK", 36)


def route_via(addresses, via, table):
    """Route each address via the Docker host in ``table``, used by sockets marked ``table``; a problem or None."""
    for address in addresses:
        route = [address + "/128", "via", via]
        rc, _stdout, stderr = run(["ip", "-6", "route", "replace"] + route + ["table", str(table)])
        if rc != 0:
            return "ip -6 route replace %s: %s" % (" ".join(route), stderr)
    rc, _stdout, stderr = run(["ip", "-6", "rule", "add", "fwmark", str(table), "lookup", str(table), "priority", EXPOSURE_PRIORITY])
    if rc != 0:
        return "ip -6 rule add fwmark %d: %s" % (table, stderr)
    return None


def unroute(table):
    run(["ip", "-6", "rule", "del", "fwmark", str(table), "lookup", str(table), "priority", EXPOSURE_PRIORITY])
    run(["ip", "-6", "route", "flush", "table", str(table)])


# Connections tried at once to each probe address: a port behind a DROP policy
# never answers, so the wait is short (the entry's timeout, a second by default)
# and a lost SYN is made up for by the others, not by the kernel's retry a
# second later.
EXPOSURE_TRIES = 3


def try_once(address, entry, mark):
    try:
        with socket.socket(socket.AF_INET if ":" not in address else socket.AF_INET6, socket.SOCK_STREAM) as sock:
            if mark is not None:
                sock.setsockopt(socket.SOL_SOCKET, SO_MARK, mark)
            sock.settimeout(float(entry["timeout"]))
            sock.connect((address, int(entry["port"])))
        return "OPEN"
    except OSError as exc:
        return "closed: %s" % (exc or "timed out")


def try_port(address, entry, mark=None):
    """Connect to one probe's unpublished port (with ``mark``: through its host's routes), EXPOSURE_TRIES times at once.

    "OPEN" when any connection was accepted, else why the first was not.
    """
    outcomes = raised(in_threads(range(EXPOSURE_TRIES), lambda _try: try_once(address, entry, mark)))
    return "OPEN" if "OPEN" in outcomes.values() else outcomes[0]


def exposure_host(entry):
    """``{address: outcome}`` for one Docker host's probes; run in a thread of its own (its ID is the mark)."""
    addresses = entry.get("addresses") or []
    if entry.get("route") and not entry.get("via"):
        return {a: "not tested: the Docker host has no default IPv6 address to route through" for a in addresses}
    mark = exposure_mark(threading.get_native_id()) if entry.get("route") else None
    try:
        problem = route_via(addresses, entry["via"], mark) if mark is not None else None
        if problem:
            return {a: "not tested: " + problem for a in addresses}
        # A closed port behind a DROP policy costs the whole timeout, so the
        # addresses are tried at the same time.
        results = in_threads(addresses, lambda a: try_port(a, entry, mark))
    finally:
        if mark is not None:
            unroute(mark)
    return {a: "not tested: %s" % r if isinstance(r, Exception) else r for a, r in results.items()}


def exposure(spec):
    """Is the unpublished port of each probe address of each Docker host reachable from here?

    SPEC: ``{"hosts": [{host, addresses, port, timeout, route, via}]}``; the
    hosts are tried at the same time, each through routes of its own.
    """
    entries = {entry["host"]: entry for entry in spec.get("hosts") or []}
    results = in_threads(list(entries), lambda host: exposure_host(entries[host]))
    out = {}
    for host, result in results.items():
        if isinstance(result, Exception):
            result = {a: "not tested: %s" % result for a in entries[host].get("addresses") or []}
        out[host] = result
    return {"exposure": out}


def stdlib_files():
    """The standard library's files that the probe loads (with the compiled copy of each), sorted.

    A ``serve`` run loads the modules this file imports and, lazily, the
    codecs that getaddrinfo (idna, for host names) and the reading of
    /proc/net/if_inet6 (ascii) look up; ``traceback`` prints an error the
    probe did not catch.
    """
    import codecs
    import importlib.util
    import sysconfig
    import traceback  # noqa: F401  (the probe's uncaught errors)

    for codec in ("idna", "ascii"):
        codecs.lookup(codec)
    roots = tuple(os.path.join(sysconfig.get_paths()[key], "") for key in ("stdlib", "platstdlib"))
    paths = set()
    for name, module in list(sys.modules.items()):
        paths.add(getattr(module, "__file__", None) or "")
        # A module that puts another in its place (collections.abc) has that
        # one's file: its own is where its name says.
        for root in roots:
            base = os.path.join(root, *name.split("."))
            paths.update((base + ".py", os.path.join(base, "__init__.py")))
    out = set()
    for path in paths:
        path = os.path.abspath(path) if path else ""
        if not path.startswith(roots) or not os.path.isfile(path):
            continue
        out.add(path)
        if path.endswith(".py"):
            cached = importlib.util.cache_from_source(path)
            if os.path.isfile(cached):
                out.add(cached)
    return sorted(out)


def main(argv):
    mode = argv[1]
    if mode == "serve":
        serve(int(argv[2]), float(argv[3]), json.loads(argv[4]), float(argv[5]))
        return
    elif mode == "host":
        result = host(json.loads(argv[2]), os.environ.get("IPV6READY_PROBE"))
    elif mode == "containers":
        result = containers_or_error(json.loads(argv[2]), os.environ["IPV6READY_PROBE"])
    elif mode == "files":
        print("\n".join(stdlib_files()))
        return
    elif mode == "exposure":
        result = exposure(json.loads(argv[2]))
    else:
        sys.exit("probe.py: unknown mode %s" % mode)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv)
