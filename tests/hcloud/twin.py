# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Hetzner twin: the real mode of the fake API (``FakeHcloud(backend=Twin(...))``).

Every server the API creates is a systemd container of Hetzner's image minus
cloud-init (``twin-image.sh``), wired the way a Hetzner Cloud server is:

- one router per twin (a container with no network of its own, configured
  from this host with its iproute2 and iptables); every server has a veth to
  it, ``eth0`` inside, with ``<prefix>::1/64`` and a default route via
  ``fe80::1``, and, with a primary IPv4, that address as /32 with the on-link
  gateway 172.31.1.1; the router routes the server's /64 to the server's
  link-local address, its IPv4 and its floating IPs to its link;
- the Cloud Firewalls on the router, per server: stateful, inbound denied
  unless a rule allows it once a firewall applies, outbound allowed unless
  outbound rules exist;
- the provider's resolver on the router (IPv6 and IPv4, no DNS64): it answers
  the twin's names by asking their IPv4-only authoritative server, and the
  Debian mirror's name with an A record of the apt cache below;
- the Internet, IPv4 only, in documentation space (a container): an SMTP sink
  on 587 and an authoritative DNS server with A records only (the mail name,
  and ``ipv4only.arpa`` per RFC 7050), playing SendGrid;
- the Debian mirror: a caching HTTP proxy in this process, on this host's end
  of the veth to the router, for the mirror named in this machine's apt
  configuration (the images' sources.list); ``.deb`` files and by-hash indexes
  are kept on disk, so repeated runs are fast;
- this host (the controller) reaches the servers over IPv6 through that veth
  (a route for the twin's /48), and the servers reach the API there.

Several twins run at once: each has an instance name (the Docker label
``ipv6ready-twin=<name>`` and the names ``twin-<name>-*``) and a slot of its own
(its /48, its IPv4 block). A twin that finds leftovers of its own instance
removes them first, and only them; ``close()`` leaves nothing behind.

This is test code run as root on the test machine; it drives the docker CLI
and the host's ``ip``/``iptables`` with subprocess.
"""

from __future__ import annotations

import http.client
import http.server
import io
import ipaddress
import json
import os
import re
import shutil
import socket
import subprocess
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUTPUT = ROOT / "tests" / "output"
APT_CACHE = OUTPUT / "twin-apt-cache"
IMAGE = "ipv6ready-twin/debian:%s"
IMAGES = {"debian-12": "12", "debian-13": "13"}
LABEL = "ipv6ready-twin"
SLOTS = 16
INSTANCE_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$")

# The twin's Internet (the same in every twin: it is reached only through the twin's own router).
INTERNET_LINK = ipaddress.IPv4Network("198.51.100.0/26")
INTERNET_GATEWAY = "198.51.100.1"
SMTP_ADDRESS = "198.51.100.25"
DNS_ADDRESS = "198.51.100.53"  # the mail zone's authoritative server
ARPA_ADDRESS = "198.51.100.54"  # ipv4only.arpa's (RFC 7050: A records only)
RESOLVER_V4 = "198.51.100.253"  # the provider's resolver, IPv4 side (on the router)
MAIL_ZONE = "sendgrid.example"
MAIL_NAME = "smtp.sendgrid.example"
SMTP_PORT = 587
# Hetzner's on-link IPv4 gateway and IPv6 gateway, on the router's end of every server's veth.
GATEWAY_V4 = "172.31.1.1"
GATEWAY_V6 = "fe80::1"
ROUTE_PROTO = "99"  # the router's routes to servers (replaced on every sync)


class TwinError(RuntimeError):
    """The twin cannot start or run here; the message says why and what to do."""


def run(argv, check=True, input_data=None, timeout=300):
    """Run a command; return its stdout (text). ``check`` raises TwinError with stderr on failure."""
    result = subprocess.run(argv, input=input_data, capture_output=True, text=isinstance(input_data, str) or input_data is None, timeout=timeout, check=False)
    if check and result.returncode != 0:
        stderr = result.stderr if isinstance(result.stderr, str) else result.stderr.decode("utf-8", "replace")
        raise TwinError("%s failed (rc %d): %s" % (" ".join(map(str, argv[:6])), result.returncode, stderr.strip()))
    return result.stdout if isinstance(result.stdout, str) else result.stdout.decode("utf-8", "replace")


def debian_mirror():
    """The first Debian mirror in this machine's apt configuration, as (uri, host). Never hard-coded."""
    pattern = re.compile(r"^(?:URIs:|deb)\s+(?:\[[^]]*\]\s+)?([a-z]+://\S+)", re.M)
    paths = [Path("/etc/apt/sources.list")] + sorted(Path("/etc/apt/sources.list.d").glob("*"))
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for match in pattern.finditer(text):
            for uri in match.group(1).split():
                if re.search(r"/debian/?$", uri) and "-security" not in uri:
                    parts = urlsplit(uri)
                    if parts.scheme != "http":
                        raise TwinError(
                            "the Debian mirror in this machine's apt configuration is %s: the twin serves the "
                            "mirror to its servers over plain HTTP through its apt cache and cannot stand in for an "
                            "https-only mirror; configure an http:// Debian mirror in /etc/apt/sources.list*" % uri
                        )
                    return uri, parts.hostname
    raise TwinError("no Debian mirror found in /etc/apt/sources.list*: the twin needs one (its images and its apt cache use the mirror this machine uses)")


def platform_settings():
    """The shared settings of every systemd test container (tests/fixtures/container.yml)."""
    with open(ROOT / "tests" / "fixtures" / "container.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)["ipv6ready_test_platform"]


# -- firewalls: pure, unit-tested (test_fake_hcloud.py) -------------------------------------------------


def _port_match(rule):
    if rule["protocol"] not in ("tcp", "udp") or rule.get("port") in (None, "any"):
        return []
    return ["--dport", rule["port"].replace("-", ":")]


def _protocol(rule, family):
    if rule["protocol"] == "icmp":
        return "icmp" if family == 4 else "ipv6-icmp"
    return rule["protocol"]


def firewall_tables(servers):
    """The router's filter tables, ``{4: text, 6: text}`` for iptables-restore / ip6tables-restore.

    ``servers``: ``[{id, firewall_applied, firewall_rules}]``. Each server's traffic passes two chains in
    FORWARD: ``in-<id>`` for what goes to its link, ``out-<id>`` for what comes from it. A chain RETURNs what
    it allows (so that the other server's chain is asked too) and DROPs the rest; established and related
    traffic is always allowed. As Hetzner's Cloud Firewalls: with no firewall applied, everything passes;
    with one, inbound is denied unless an ``in`` rule allows it, outbound is allowed unless ``out`` rules
    exist, and then only what they allow.
    """
    tables = {}
    for family in (4, 6):
        lines = ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]"]
        body = []
        for server in sorted(servers, key=lambda item: item["id"]):
            if not server["firewall_applied"]:
                continue
            device = "s%d" % server["id"]
            for direction, chain_name, own, flag, field in (("in", "in-%d", "-o", "-s", "source_ips"), ("out", "out-%d", "-i", "-d", "destination_ips")):
                rules = [rule for rule in server["firewall_rules"] if rule["direction"] == direction]
                if direction == "out" and not rules:
                    continue
                chain = chain_name % server["id"]
                lines.append(":%s - [0:0]" % chain)
                body.append("-A FORWARD %s %s -j %s" % (own, device, chain))
                body.append("-A %s -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN" % chain)
                for rule in rules:
                    for network in rule[field]:
                        if ipaddress.ip_network(network).version != family:
                            continue
                        match = ["-p", _protocol(rule, family)] + _port_match(rule)
                        if ipaddress.ip_network(network).prefixlen:
                            match = [flag, network] + match
                        body.append("-A %s %s -j RETURN" % (chain, " ".join(match)))
                body.append("-A %s -j DROP" % chain)
        tables[family] = "\n".join(lines + body + ["COMMIT", ""])
    return tables


def server_routes(server, link_local):
    """The router's routes to one server: ``[(destination, via or None)]``; ``via`` is the server's
    link-local address (a routed /64, as Hetzner routes it), None for an on-link /32."""
    routes = []
    for network in [server["ipv6"]] + [ip for ip in server["floating_ips"] if ":" in ip]:
        if network:
            routes.append((str(ipaddress.ip_network(network)), link_local))
    for address in [server["ipv4"]] + [ip for ip in server["floating_ips"] if ":" not in ip]:
        if address:
            routes.append(("%s/32" % address, None))
    return routes


def server_mac(server_id):
    """A stable MAC for a server's eth0, in the 96:00 range Hetzner's servers have."""
    return "96:00:%02x:%02x:%02x:%02x" % tuple((server_id >> shift) & 0xFF for shift in (24, 16, 8, 0))


def link_local(mac):
    """The EUI-64 link-local address of a MAC."""
    octets = [int(part, 16) for part in mac.split(":")]
    octets[0] ^= 0x02
    eui = octets[:3] + [0xFF, 0xFE] + octets[3:]
    return str(ipaddress.IPv6Address((0xFE80 << 112) | int.from_bytes(bytes(eui), "big")))


# -- the Debian mirror's cache ---------------------------------------------------------------------


class _AptCacheHandler(http.server.BaseHTTPRequestHandler):
    """apt's requests for the mirror's name: by-hash indexes and pool files from the disk cache (fetched from
    the real mirror once), everything else (InRelease, ...) passed through."""

    protocol_version = "HTTP/1.1"
    cache = None  # set on the subclass

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self._serve(head=False)

    def do_HEAD(self):  # noqa: N802
        self._serve(head=True)

    def _serve(self, head):
        cache = self.cache
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        path = urlsplit(self.path).path
        if host not in cache.hosts or ".." in path:
            self._error(403, "the twin serves only the Debian mirror %s, not %r" % (", ".join(cache.hosts), host))
            return
        keep = "/pool/" in path or "/by-hash/" in path
        target = cache.directory / host / path.lstrip("/")
        if keep and target.is_file():
            cache.count("hit")
            self._file(target, head)
            return
        try:
            request = urllib.request.Request("%s://%s%s" % (cache.scheme, host, path), method="HEAD" if head else "GET")
            with urllib.request.urlopen(request, timeout=60) as upstream:  # noqa: S310 (the machine's own mirror)
                length = upstream.headers.get("Content-Length")
                if head or length is None:
                    data = b"" if head else upstream.read()
                    self._answer(200, data, int(length) if head and length else len(data), upstream, head)
                    if keep and not head:
                        cache.store(target, data)
                    cache.count("miss" if keep else "pass")
                    return
                self._stream(upstream, int(length), target if keep else None)
                cache.count("miss" if keep else "pass")
        except urllib.error.HTTPError as exc:
            self._error(exc.code, "the mirror answered %s" % exc.code)
        except (OSError, http.client.HTTPException) as exc:
            self._error(502, "the mirror did not answer: %s" % exc)

    def _headers(self, status, length, upstream=None):
        self.send_response(status)
        for name in ("Content-Type", "Last-Modified"):
            if upstream is not None and upstream.headers.get(name):
                self.send_header(name, upstream.headers[name])
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def _answer(self, status, data, length, upstream, head):
        self._headers(status, length, upstream)
        if not head:
            self.wfile.write(data)

    def _file(self, target, head):
        size = target.stat().st_size
        self._headers(200, size)
        if not head:
            with open(target, "rb") as handle:
                shutil.copyfileobj(handle, self.wfile, 1 << 20)

    def _stream(self, upstream, length, target):
        self._headers(200, length, upstream)
        spool = None
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            spool = tempfile.NamedTemporaryFile(dir=target.parent, prefix=".part-", delete=False)
        received = 0
        try:
            while received < length:
                chunk = upstream.read(min(1 << 20, length - received))
                if not chunk:
                    break
                received += len(chunk)
                self.wfile.write(chunk)
                if spool is not None:
                    spool.write(chunk)
        finally:
            if spool is not None:
                spool.close()
                if received == length:
                    os.replace(spool.name, target)
                else:
                    os.unlink(spool.name)

    def _error(self, status, message):
        data = (message + "\n").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Quiet: the cache counts its hits and misses instead."""


class AptCache:
    """The mirror as the twin's servers see it: an HTTP server on one twin address, port 80."""

    def __init__(self, address, mirror_uri, directory=APT_CACHE):
        parts = urlsplit(mirror_uri)
        self.scheme = parts.scheme
        self.hosts = [parts.hostname.lower()]
        self.directory = Path(directory)
        self.counts = {"hit": 0, "miss": 0, "pass": 0}
        self._lock = threading.Lock()
        handler = type("TwinAptCacheHandler", (_AptCacheHandler,), {"cache": self})
        self._httpd = http.server.ThreadingHTTPServer((address, 80), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2}, name="twin-apt-cache", daemon=True)
        self._thread.start()

    def count(self, what):
        with self._lock:
            self.counts[what] += 1

    @staticmethod
    def store(target, data):
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".part-", delete=False) as spool:
            spool.write(data)
        os.replace(spool.name, target)

    def close(self):
        self._httpd.shutdown()
        self._httpd.server_close()


# -- the twin ----------------------------------------------------------------------------------------


class Twin:
    """The backend of ``FakeHcloud`` that makes real servers. ``start()`` builds the network, ``close()``
    removes everything this instance made."""

    def __init__(self, instance="default", slot=None, output=None):
        if not INSTANCE_RE.match(instance):
            raise TwinError("twin instance name %r: 1 to 20 lowercase letters, digits and dashes" % instance)
        self.instance = instance
        self.label = "%s=%s" % (LABEL, instance)
        self.output = Path(output or OUTPUT / "twin" / instance)
        self.mirror_uri, self.mirror_host = debian_mirror()
        self.fake = None
        self._slot_wanted = slot
        self.slot = None
        self._servers = {}  # server id -> {'container', 'pid', 'lock', 'expect_stop'}
        self._net_lock = threading.Lock()
        self._sync_cond = threading.Condition()
        self._sync_wanted = 0
        self._sync_done = 0
        self._closing = False
        self._threads = []
        self._removals = []
        self._events = None
        self.apt_cache = None
        self._platform = platform_settings()

    # -- addresses of this instance's slot

    def _addresses(self, slot):
        self.slot = slot
        self.ipv6_block = ipaddress.IPv6Network("2001:db8:7e%02x::/48" % slot)
        self.ipv6_pool = str(self.ipv6_block)
        self.ipv6_step = 64
        self.ipv4_pool = "203.0.113.%d/28" % (16 * slot)
        self.ipv4_first = 1
        base = int(self.ipv6_block.network_address)
        self.host_link = ipaddress.IPv6Network((base | (0xFFFF << 64), 64))
        self.host_v6 = str(self.host_link.network_address + 1)
        self.router_v6 = str(self.host_link.network_address + 2)
        self.resolver_v6 = str(ipaddress.IPv6Address(base | (0xFFFE << 64) | 0x53))
        self.host_v4 = "198.51.100.%d" % (64 + slot)
        self.router_v4 = "198.51.100.%d" % (128 + slot)
        self.host_device = "twin%02d" % slot
        self.api_addresses = [self.host_v6]

    @property
    def prefixes(self):
        """Every network this instance puts in this host's routing table."""
        return [
            self.ipv6_block,
            ipaddress.IPv4Network(self.ipv4_pool),
            ipaddress.IPv4Network(self.host_v4 + "/32"),
            ipaddress.IPv4Network(self.router_v4 + "/32"),
        ]

    # -- life cycle

    def attach(self, fake):
        """Called by FakeHcloud: the API whose state the twin makes real."""
        self.fake = fake

    def start(self):
        """Remove this instance's leftovers, check the host, build the router, the Internet and the cache."""
        self.cleanup_leftovers(self.instance)
        self._check_tools()
        self._check_images(["debian-13"])
        self._addresses(self._pick_slot())
        self.output.mkdir(parents=True, exist_ok=True)
        try:
            self._start_router()
            self._start_internet()
            self._start_resolver()
            self.apt_cache = AptCache(self.host_v4, self.mirror_uri)
            self._start_thread(self._sync_loop, "twin-sync")
            self._start_thread(self._watch_events, "twin-events")
        except BaseException:
            self.close()
            raise
        return self

    def close(self):
        """Remove everything of this instance: containers (with their disks), the host's link and routes."""
        self._closing = True
        with self._sync_cond:
            self._sync_cond.notify_all()
        if self._events is not None:
            self._events.kill()
            self._events.wait()
        if self.apt_cache is not None:
            self.apt_cache.close()
            self.apt_cache = None
        for remover in self._removals:
            remover.join(timeout=300)
        self.cleanup_leftovers(self.instance)

    @staticmethod
    def cleanup_leftovers(instance):
        """Remove the containers labelled with this instance and the host links it made, and nothing else."""
        label = "%s=%s" % (LABEL, instance)
        names = run(["docker", "ps", "--all", "--quiet", "--filter", "label=" + label]).split()
        if names:
            run(["docker", "rm", "--force", "--volumes"] + names)
        for link in json.loads(run(["ip", "-json", "link", "show"]) or "[]"):
            if link.get("ifalias") == label:
                run(["ip", "link", "delete", link["ifname"]], check=False)

    def _start_thread(self, target, name):
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    # -- checks

    @staticmethod
    def _check_tools():
        for tool in ("docker", "ip", "iptables-restore", "ip6tables-restore", "nsenter"):
            if shutil.which(tool) is None:
                raise TwinError("the twin needs %s on this host (packages docker.io, iproute2, iptables, util-linux)" % tool)

    @staticmethod
    def _check_images(names):
        for name in names:
            tag = IMAGE % IMAGES[name]
            if subprocess.run(["docker", "image", "inspect", tag], capture_output=True, check=False).returncode:
                raise TwinError("the twin image %s is missing: build it with tests/hcloud/twin-image.sh" % tag)

    def check_server(self, name, image):
        """Called by the API before it creates a server: refuse what the twin cannot make."""
        if image not in IMAGES:
            raise TwinError("the twin has images for %s only, not %s" % (", ".join(IMAGES), image))
        self._check_images([image])

    def check_rename(self, old, new):
        """Called by the API before it renames a server: the container keeps its name (the API's ID is the key)."""

    def _host_networks(self):
        """The networks this host already routes or Docker already uses, with where each comes from."""
        found = []
        for family in ("-4", "-6"):
            for route in json.loads(run(["ip", family, "-json", "route", "show", "table", "all"]) or "[]"):
                destination = route.get("dst", "")
                if destination in ("default", "") or destination.startswith(("fe80:", "ff00:", "multicast")):
                    continue
                try:
                    found.append((ipaddress.ip_network(destination, strict=False), "route via %s" % route.get("dev")))
                except ValueError:
                    continue
        for network_id in run(["docker", "network", "ls", "--quiet"]).split():
            info = json.loads(run(["docker", "network", "inspect", network_id]))[0]
            for config in (info.get("IPAM") or {}).get("Config") or []:
                if config.get("Subnet"):
                    found.append((ipaddress.ip_network(config["Subnet"], strict=False), "Docker network %s" % info["Name"]))
        return found

    def _pick_slot(self):
        """This instance's slot: the one its name hashes to, or the next free one; refuse on overlaps."""
        taken = self._host_networks()
        first = self._slot_wanted if self._slot_wanted is not None else zlib.crc32(self.instance.encode()) % SLOTS
        candidates = [first] if self._slot_wanted is not None else [(first + step) % SLOTS for step in range(SLOTS)]
        problems = []
        for slot in candidates:
            self._addresses(slot)
            ours = self.prefixes + [INTERNET_LINK]
            clashes = [
                "%s (%s) overlaps %s" % (network, where, mine)
                for network, where in taken
                for mine in ours
                if network.version == mine.version and network.overlaps(mine)
            ]
            if not clashes:
                return slot
            problems.append("slot %d: %s" % (slot, "; ".join(clashes)))
        raise TwinError(
            "the twin %r finds no free address slot on this host (its prefixes would shadow networks "
            "this host already has): %s. Remove those networks or twins, or give another "
            "IPV6READY_TWIN_SLOT (0-%d)." % (self.instance, " | ".join(problems), SLOTS - 1)
        )

    # -- namespaces

    def _pid(self, container):
        out = run(["docker", "inspect", "--format", "{{.State.Pid}} {{.State.Running}}", container], check=False)
        parts = out.split()
        if len(parts) != 2 or parts[1] != "true" or parts[0] == "0":
            return None
        return int(parts[0])

    @staticmethod
    def _ip(pid, commands, check=True):
        """Run ``ip -batch`` commands in the network namespace of ``pid`` (the host's iproute2)."""
        return run(["nsenter", "--target", str(pid), "--net", "ip", "-force", "-batch", "-"], input_data="\n".join(commands) + "\n", check=check)

    def _container(self, name, role, image, command, extra=()):
        argv = [
            "docker",
            "run",
            "--detach",
            "--name",
            name,
            "--hostname",
            name,
            "--label",
            self.label,
            "--label",
            "%s.role=%s" % (LABEL, role),
            "--network",
            "none",
            "--sysctl",
            "net.ipv6.conf.all.disable_ipv6=0",
            "--sysctl",
            "net.ipv6.conf.default.disable_ipv6=0",
        ]
        argv += list(extra) + [image] + list(command)
        run(argv)
        return self._pid(name)

    def _router_name(self):
        return "twin-%s-router" % self.instance

    def _start_router(self):
        router = self._router_name()
        self.router_pid = self._container(
            router,
            "router",
            IMAGE % "13",
            ["sleep", "infinity"],
            [
                "--cap-add",
                "NET_ADMIN",
                "--sysctl",
                "net.ipv4.ip_forward=1",
                "--sysctl",
                "net.ipv6.conf.all.forwarding=1",
                "--sysctl",
                "net.ipv6.conf.default.accept_dad=0",
                "--sysctl",
                "net.ipv4.conf.all.rp_filter=0",
                "--sysctl",
                "net.ipv4.conf.default.rp_filter=0",
                "--volume",
                "%s:/twin:ro" % HERE,
                "--volume",
                "%s:/twin-out" % self.output,
            ],
        )
        device = self.host_device
        run(["ip", "link", "add", device, "type", "veth", "peer", "name", "host", "netns", str(self.router_pid)])
        run(["ip", "link", "set", device, "alias", self.label])
        run(["ip", "addr", "add", self.host_v6 + "/64", "dev", device, "nodad"])
        run(["ip", "addr", "add", self.host_v4, "peer", self.router_v4, "dev", device])
        run(["ip", "link", "set", device, "up"])
        self._ip(
            self.router_pid,
            [
                "link set lo up",
                "link set host up",
                "addr add %s/64 dev host nodad" % self.router_v6,
                "addr add %s peer %s dev host" % (self.router_v4, self.host_v4),
                "addr add %s/128 dev lo" % self.resolver_v6,
                "addr add %s/32 dev lo" % RESOLVER_V4,
            ],
        )
        # The controller reaches the servers, and the servers reach this host, through the router.
        run(["ip", "-6", "route", "add", str(self.ipv6_block), "via", self.router_v6, "dev", device])
        run(["ip", "route", "add", self.ipv4_pool, "via", self.router_v4, "dev", device])
        self.apply_firewalls({"servers": {}})

    def _start_internet(self):
        """The IPv4-only Internet: SendGrid's SMTP and its authoritative DNS (and ipv4only.arpa's)."""
        name = "twin-%s-internet" % self.instance
        zones = {
            "mail.json": {"zone": MAIL_ZONE + ".", "records": {MAIL_NAME + ".": {"A": [SMTP_ADDRESS]}}},
            "arpa.json": {"zone": "ipv4only.arpa.", "records": {"ipv4only.arpa.": {"A": ["192.0.0.170", "192.0.0.171"]}}},
        }
        for file_name, zone in zones.items():
            (self.output / file_name).write_text(json.dumps(zone), encoding="utf-8")
        self.smtp_log = self.output / "smtp.log"
        self.smtp_log.write_text("", encoding="utf-8")
        pid = self._container(
            name,
            "internet",
            IMAGE % "13",
            ["sleep", "infinity"],
            ["--volume", "%s:/nat64:ro" % (ROOT / "tests" / "fixtures" / "nat64"), "--volume", "%s:/twin-out" % self.output],
        )
        run(["ip", "link", "add", "internet", "netns", str(self.router_pid), "type", "veth", "peer", "name", "eth0", "netns", str(pid)])
        self._ip(self.router_pid, ["link set internet up", "addr add %s/%d dev internet" % (INTERNET_GATEWAY, INTERNET_LINK.prefixlen)])
        self._ip(
            pid,
            ["link set lo up", "link set eth0 up"]
            + ["addr add %s/%d dev eth0" % (address, INTERNET_LINK.prefixlen) for address in (SMTP_ADDRESS, DNS_ADDRESS, ARPA_ADDRESS)]
            + ["route add default via %s" % INTERNET_GATEWAY],
        )
        for command in (
            ["python3", "/nat64/nat64-test-smtp.py", SMTP_ADDRESS, str(SMTP_PORT), "/twin-out/smtp.log"],
            ["python3", "/nat64/nat64-test-dns.py", DNS_ADDRESS, "53", "/twin-out/mail.json"],
            ["python3", "/nat64/nat64-test-dns.py", ARPA_ADDRESS, "53", "/twin-out/arpa.json"],
        ):
            run(["docker", "exec", "--detach", name] + command)

    def _start_resolver(self):
        """The provider's resolver on the router (Hetzner's: IPv6 and IPv4, no DNS64)."""
        config = {
            "listen": [self.resolver_v6, RESOLVER_V4],
            "forward": {MAIL_ZONE: DNS_ADDRESS, "ipv4only.arpa": ARPA_ADDRESS},
            "static": {self.mirror_host: self.host_v4},
        }
        (self.output / "resolver.json").write_text(json.dumps(config), encoding="utf-8")
        run(["docker", "exec", "--detach", self._router_name(), "python3", "/twin/twin_resolver.py", "/twin-out/resolver.json"])

    # -- servers

    def _entry(self, server_id):
        entry = self._servers.get(server_id)
        if entry is None:
            entry = self._servers[server_id] = {"container": None, "pid": None, "lock": threading.RLock(), "expect_stop": False, "mac": server_mac(server_id)}
        return entry

    def container_name(self, name):
        return "twin-%s-%s" % (self.instance, name)

    def work(self, what, server_id):
        """An action's part on the twin (run by the API in a thread of its own)."""
        if what == "sync":
            self.wait_synced(self.request_sync())
            return
        state = self.fake.twin_state()
        entry = self._entry(server_id)
        with entry["lock"]:
            if what == "create_server":
                self._create(state["servers"][server_id], entry)
            elif what == "boot":
                pass  # the server boots on its own; the API says running once it was started
            elif what == "delete":
                self._delete(server_id, entry)
            else:
                self._power(what, entry)

    def _cloud_init_data(self, server):
        """What cloud-init would write on the server's first boot, as a tar for /var/lib."""
        resolvers = ([RESOLVER_V4] if server["ipv4"] else []) + [self.resolver_v6]
        files = {
            "hostname": server["name"] + "\n",
            "hosts": "127.0.0.1 localhost\n127.0.1.1 %s\n::1 localhost ip6-localhost ip6-loopback\n"
            "ff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n" % server["name"],
            "resolv.conf": "".join("nameserver %s\n" % address for address in resolvers),
            "authorized_keys": "".join(key.strip() + "\n" for key in server["ssh_keys"]),
        }
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            directory = tarfile.TarInfo("ipv6ready-twin")
            directory.type, directory.mode = tarfile.DIRTYPE, 0o700
            tar.addfile(directory)
            for name, text in files.items():
                data = text.encode("utf-8")
                info = tarfile.TarInfo("ipv6ready-twin/" + name)
                info.size, info.mode = len(data), 0o600
                tar.addfile(info, io.BytesIO(data))
        return buffer.getvalue()

    def _create(self, server, entry):
        platform = self._platform
        name = self.container_name(server["name"])
        argv = [
            "docker",
            "create",
            "--name",
            name,
            "--hostname",
            server["name"],
            "--tty",
            "--label",
            self.label,
            "--label",
            "%s.role=server" % LABEL,
            "--label",
            "%s.server-id=%d" % (LABEL, server["id"]),
            "--network",
            "none",
            "--stop-signal",
            platform["stop_signal"],
            "--cgroupns",
            platform["cgroupns_mode"],
        ]
        argv += ["--cap-add=%s" % cap for cap in platform["capabilities"]]
        argv += ["--security-opt=%s" % opt for opt in platform["security_opts"]]
        # With the server's own disk for Docker's data (/var/lib/docker, an anonymous volume), which goes with
        # the container (docker rm --volumes).
        argv += ["--volume=%s" % volume for volume in platform["volumes"]]
        argv += ["--tmpfs=%s" % path for path in platform["tmpfs"]]
        argv += ["--device=%s" % device for device in platform["devices"]]
        argv += ["--env=%s=%s" % item for item in platform["env"].items()]
        argv += ["--sysctl=%s=%s" % item for item in platform["sysctls"].items()]
        argv += [IMAGE % IMAGES[server["image"]], platform["command"]]
        run(argv)
        entry["container"] = name
        run(["docker", "cp", "-", name + ":/var/lib"], input_data=self._cloud_init_data(server))
        if server["status"] == "running":
            self._start(entry)

    def _start(self, entry):
        run(["docker", "start", entry["container"]])
        self.plumb(entry)

    def _stop(self, entry, hard):
        entry["expect_stop"] = True
        if hard:
            run(["docker", "kill", entry["container"]], check=False)
        run(["docker", "stop", "--time", "60", entry["container"]], check=False)
        run(["docker", "wait", entry["container"]], check=False)
        entry["pid"] = None

    def _power(self, what, entry):
        if entry["container"] is None:
            raise TwinError("the twin has no host for this server")
        if what in ("poweroff", "shutdown"):
            self._stop(entry, hard=what == "poweroff")
        elif what == "poweron":
            if self._pid(entry["container"]) is None:
                self._start(entry)
        elif what in ("reboot", "reset"):
            self._stop(entry, hard=what == "reset")
            self._start(entry)

    def _delete(self, server_id, entry):
        """The server is gone once its container is killed and renamed out of the way; its disk goes in the
        background (a Docker host's disk takes a while), and close() waits for that."""
        if entry["container"] is not None:
            entry["expect_stop"] = True
            run(["docker", "kill", entry["container"]], check=False)
            doomed = "%s-deleted-%d" % (entry["container"], server_id)
            run(["docker", "rename", entry["container"], doomed], check=False)
            remover = threading.Thread(
                target=run, args=(["docker", "rm", "--force", "--volumes", doomed],), kwargs={"check": False}, daemon=True, name="twin-remove-%d" % server_id
            )
            remover.start()
            self._removals.append(remover)
        self._servers.pop(server_id, None)
        self.wait_synced(self.request_sync())

    def plumb(self, entry):
        """Give a started server its link to the router and Hetzner's network configuration (a started
        container has a new network namespace: this runs on every start, reboots from inside included)."""
        with entry["lock"]:
            pid = self._pid(entry["container"])
            if pid is None or pid == entry["pid"]:
                return
            server_id = int(run(["docker", "inspect", "--format", '{{index .Config.Labels "%s.server-id"}}' % LABEL, entry["container"]]).strip())
            server = self.fake.twin_state()["servers"].get(server_id)
            if server is None:
                return
            device = "s%d" % server_id
            self._ip(self.router_pid, ["link delete %s" % device], check=False)
            run(
                ["ip", "link", "add", device, "netns", str(self.router_pid), "type", "veth", "peer", "name", "eth0", "address", entry["mac"], "netns", str(pid)]
            )
            run(["nsenter", "--target", str(pid), "--net", "sysctl", "-q", "-w", "net.ipv6.conf.eth0.accept_dad=0"])
            commands = ["link set lo up", "link set eth0 up"]
            if server["ipv6"]:
                network = ipaddress.IPv6Network(server["ipv6"])
                commands += ["addr add %s/64 dev eth0 nodad" % (network.network_address + 1), "route add default via %s dev eth0" % GATEWAY_V6]
            if server["ipv4"]:
                commands += [
                    "addr add %s/32 dev eth0" % server["ipv4"],
                    "route add %s dev eth0 scope link" % GATEWAY_V4,
                    "route add default via %s dev eth0" % GATEWAY_V4,
                ]
            self._ip(pid, commands)
            self._ip(
                self.router_pid,
                ["link set %s up" % device, "addr add %s/64 dev %s nodad" % (GATEWAY_V6, device), "addr add %s/32 dev %s" % (GATEWAY_V4, device)],
            )
            entry["pid"] = pid
            entry["expect_stop"] = False
        self.wait_synced(self.request_sync())

    # -- the router: routes and firewalls, brought in line with the API's state

    def request_sync(self):
        """Ask for the router to be brought in line with the state; return the generation to wait for."""
        with self._sync_cond:
            self._sync_wanted += 1
            self._sync_cond.notify_all()
            return self._sync_wanted

    def wait_synced(self, generation, timeout=60):
        with self._sync_cond:
            if not self._sync_cond.wait_for(lambda: self._sync_done >= generation or self._closing, timeout):
                raise TwinError("the twin did not bring its router in line within %ds" % timeout)

    def _sync_loop(self):
        while True:
            with self._sync_cond:
                self._sync_cond.wait_for(lambda: self._sync_wanted > self._sync_done or self._closing)
                if self._closing:
                    return
                generation = self._sync_wanted
            try:
                self.apply(self.fake.twin_state())
            except (TwinError, OSError, subprocess.SubprocessError) as exc:
                print("twin: could not bring the router in line: %s" % exc, flush=True)
            with self._sync_cond:
                self._sync_done = max(self._sync_done, generation)
                self._sync_cond.notify_all()

    def apply_firewalls(self, state):
        tables = firewall_tables(list(state["servers"].values()))
        with self._net_lock:
            run(["nsenter", "--target", str(self.router_pid), "--net", "iptables-restore"], input_data=tables[4])
            run(["nsenter", "--target", str(self.router_pid), "--net", "ip6tables-restore"], input_data=tables[6])

    def apply(self, state):
        """Firewalls first, then the routes to every server that runs."""
        self.apply_firewalls(state)
        with self._net_lock:
            links = {link["ifname"] for link in json.loads(run(["nsenter", "--target", str(self.router_pid), "--net", "ip", "-json", "link", "show"]) or "[]")}
            commands = []
            for family in ("-4", "-6"):
                for route in json.loads(
                    run(["nsenter", "--target", str(self.router_pid), "--net", "ip", family, "-json", "route", "show", "proto", ROUTE_PROTO]) or "[]"
                ):
                    commands.append("route delete %s dev %s proto %s" % (route["dst"], route["dev"], ROUTE_PROTO))
            for server in state["servers"].values():
                entry = self._servers.get(server["id"])
                device = "s%d" % server["id"]
                if entry is None or device not in links:
                    continue
                for destination, via in server_routes(server, link_local(entry["mac"])):
                    commands.append("route replace %s %sdev %s proto %s" % (destination, "via %s " % via if via else "", device, ROUTE_PROTO))
            if commands:
                self._ip(self.router_pid, commands)

    # -- events: starts and stops the twin did not make itself

    def _watch_events(self):
        self._events = subprocess.Popen(
            [
                "docker",
                "events",
                "--filter",
                "label=" + self.label,
                "--filter",
                "type=container",
                "--filter",
                "event=start",
                "--filter",
                "event=die",
                "--format",
                "{{json .}}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for line in self._events.stdout:
            if self._closing:
                return
            try:
                event = json.loads(line)
                attributes = event.get("Actor", {}).get("Attributes", {})
                server_id = int(attributes.get("%s.server-id" % LABEL) or 0)
            except (ValueError, TypeError):
                continue
            if not server_id or server_id not in self._servers:
                continue
            threading.Thread(target=self._on_event, args=(event.get("status") or event.get("Action"), server_id), daemon=True).start()

    def _on_event(self, status, server_id):
        entry = self._servers.get(server_id)
        if entry is None or entry["container"] is None:
            return
        try:
            if status == "start":
                self.plumb(entry)
                return
            with entry["lock"]:
                if entry["expect_stop"] or self._pid(entry["container"]) is not None:
                    return
                entry["pid"] = None
                # systemd in a container exits 0 both ways; its last words on the console say which.
                tail = run(["docker", "logs", "--tail", "5", entry["container"]], check=False)
                if "Rebooting" in tail:
                    self._start(entry)
                    return
            self.fake.backend_event(server_id, "off")
        except (TwinError, OSError, subprocess.SubprocessError) as exc:
            print("twin: server %d: %s" % (server_id, exc), flush=True)

    # -- what tests and the journey read

    def describe(self):
        return {
            "instance": self.instance,
            "slot": self.slot,
            "ipv6_block": str(self.ipv6_block),
            "ipv4_pool": self.ipv4_pool,
            "host_address": self.host_v6,
            "host_ipv4": self.host_v4,
            "host_link": str(self.host_link),
            "resolver": [self.resolver_v6, RESOLVER_V4],
            "mail_name": MAIL_NAME,
            "mail_address": SMTP_ADDRESS,
            "smtp_port": SMTP_PORT,
            "smtp_log": str(self.smtp_log),
            "mirror": self.mirror_uri,
            "internet": "198.51.100.0/24",
            "containers": "label=%s" % self.label,
        }

    def leftovers(self):
        """What of this instance exists on the host: container names, host links, routes (empty when clean)."""
        found = run(["docker", "ps", "--all", "--format", "{{.Names}}", "--filter", "label=" + self.label]).split()
        for link in json.loads(run(["ip", "-json", "link", "show"]) or "[]"):
            if link.get("ifalias") == self.label:
                found.append("link %s" % link["ifname"])
        if self.slot is not None:
            for family, network in (("-6", self.ipv6_block), ("-4", self.ipv4_pool)):
                if run(["ip", family, "route", "show", str(network)]).strip():
                    found.append("route %s" % network)
        return found


def wait_for_port(address, port, timeout=30.0):
    """Wait until a TCP port answers (the journey's wait for SSH uses Ansible; this is for services)."""
    deadline = time.monotonic() + timeout
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    while time.monotonic() < deadline:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(1)
            if sock.connect_ex((address, port)) == 0:
                return True
        time.sleep(0.2)
    return False
