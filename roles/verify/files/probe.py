"""Probe name resolution and TCP reachability the way an application does.

Runs on a Docker host, on the gateway and, unchanged, inside the probe
containers (the host's own python3, so the container's glibc is the host's).
Each mode prints one JSON object. Every mode that the verify role calls does
all of its work in one process, so each check costs one round trip per host.
The probe only observes; the role judges what it saw with the filters of
plugins/filter/verify.py.

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
  probe.py remove [CONTAINERS_OUTPUT]
      on the Docker host: remove the probe containers that the output of
      `containers` names, or every probe container
  probe.py serve PORT TIMEOUT TARGETS_JSON
      in a container: listen on the unpublished PORT; meanwhile print one line
      of `connect` for every target, the container's own global IPv6
      addresses, and whether the listener accepts connections; then go on
      listening
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


def serve(port, timeout, targets):
    """Listen on [::]:port; meanwhile check and print the result as one line; listen until stopped."""
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
    listener.join()


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


LABEL = "ipv6ready.verify=probe"


def probe_name(network):
    return "ipv6ready-verify-" + network


def ipv6_networks():
    rc, stdout, stderr = run(["docker", "network", "ls", "--filter", "driver=bridge", "--format", "{{.Name}} {{.IPv6}}"])
    if rc != 0:
        raise RuntimeError("docker network ls: %s" % (stderr or "rc %d" % rc))
    return [line.split()[0] for line in stdout.splitlines() if line.split()[1:] == ["true"]]


def engine(daemon_json):
    """What the engine says about itself and about IPv6; ``error`` when it does not answer."""
    rc, stdout, stderr = run(["docker", "version", "--format", "{{.Server.Version}}"])
    if rc != 0:
        return {"error": "docker version: %s" % (stderr or stdout or "rc %d" % rc)}
    out = {"version": stdout}
    try:
        out["ipv6_networks"] = ipv6_networks()
    except RuntimeError as exc:
        return {"version": stdout, "error": str(exc)}
    rc, stdout, _stderr = run(["docker", "network", "inspect", "bridge", "--format", "{{.EnableIPv6}}"])
    out["bridge_ipv6"] = {"true": True, "false": False}.get(stdout) if rc == 0 else None
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


def host(spec, source=None):
    """The host checks; with ``containers``, whether its probe image is there, and then the container probes at the same time."""
    probes = spec.get("containers")
    image = run(["docker", "image", "inspect", "--format", "{{.Id}}", probes["image"]])[0] == 0 if probes else None
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


def first_line(argv, seconds):
    """The first line ``argv`` prints (its stdout), its stderr when there is none; it is stopped after ``seconds``."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    timer = threading.Timer(seconds, proc.kill)
    timer.start()
    try:
        line = proc.stdout.readline().strip()
    finally:
        timer.cancel()
        proc.kill()
        stderr = proc.communicate()[1].strip()
    return line, "" if line else stderr or "no output in %d s" % seconds


def probe_network(network, spec, source):
    """Start the listening probe on one network; it checks from inside and prints the result to its log."""
    name = probe_name(network)
    # The probe's own log driver: its log is read back whatever the engine's default driver is.
    argv = ["docker", "run", "--detach", "--name", name, "--label", LABEL, "--network", network, "--log-driver", "json-file"]
    if spec.get("gai_conf"):
        argv += ["--volume", spec["gai_conf"] + ":/etc/gai.conf:ro"]
    targets = spec["targets"]
    argv += [spec["image"], "python3", "-c", source, "serve", str(spec["port"]), str(spec["timeout"]), json.dumps(targets)]
    rc, _stdout, stderr = run(argv)
    if rc != 0:
        return {"container": name, "error": "docker run on %s: %s" % (network, stderr or "rc %d" % rc)}
    # Each target: a lookup, then a connect per address; a generous bound.
    line, problem = first_line(["docker", "logs", "--follow", name], 60 + 4 * float(spec["timeout"]) * (len(targets) + 1))
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
        # docker run --volume would create a missing source as a directory.
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


def probe_names(output):
    """The probe containers the JSON output of ``containers`` names (none when it is not that)."""
    try:
        networks = json.loads(output or "{}").get("networks") or {}
        return sorted({n["container"] for n in networks.values() if isinstance(n, dict) and n.get("container")})
    except (ValueError, AttributeError, TypeError):
        return []


def remove(names=()):
    """Remove the probe containers ``names`` (one call), or every probe container, also those an interrupted run left."""
    if names:
        rc, _stdout, _stderr = run(["docker", "rm", "--force"] + list(names))
        if rc == 0:
            return {"removed": len(names)}
        # One was not there (an older engine fails on it) or another problem: remove by label.
    rc, stdout, stderr = run(["docker", "ps", "--all", "--quiet", "--filter", "label=" + LABEL])
    if rc != 0:
        raise RuntimeError("docker ps: %s" % (stderr or "rc %d" % rc))
    if stdout.split():
        rc, _stdout, stderr = run(["docker", "rm", "--force"] + stdout.split())
        if rc != 0:
            raise RuntimeError("docker rm: %s" % (stderr or "rc %d" % rc))
    return {"removed": len(stdout.split())}


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
        serve(int(argv[2]), float(argv[3]), json.loads(argv[4]))
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
    elif mode == "remove":
        result = remove(probe_names(argv[2] if len(argv) > 2 else ""))
    else:
        sys.exit("probe.py: unknown mode %s" % mode)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv)
