# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The failover agent of the NAT64/DNS64 gateways: it moves floating IPv6 /64s.

Installed as /usr/local/sbin/ipv6ready-nat64-failover by the role
ipv6ready.docker.nat64_failover and run as ipv6ready-nat64-failover.service on
every gateway. Python's standard library only.

Every floating /64 has a home gateway and holds a NAT64 /96 and a DNS64
resolver address. Every gateway serves every floating /64 (the translator
maps each floating /96 onto its own, unbound listens on every resolver
address), so a failover moves nothing but the route: the agent assigns the
floating IP to another server through the Hetzner Cloud API.

Once a second (``interval``) each agent checks itself (the translator's
device is up, unbound answers a DNS64 query) and sends a signed UDP heartbeat
to every peer at the peer's own address: healthy or not, drained or not,
which peers it hears, which floating IPs it holds. What it does follows from
pure functions (``decide``, ``apply_view``, ``heard``, ``peer_status``, all
unit-tested with tables and a simulation of several agents):

- a floating IP whose holder has been silent for ``dead_after`` seconds, or
  says it is unhealthy, goes to its home gateway if that one is healthy, else
  to the first healthy gateway in the configured order; each further
  candidate waits ``stagger`` seconds more, and a gateway taking over from a
  silent gateway listed before it waits ``stagger`` more (the tie-break of a
  split brain, below);
- with three or more gateways, a silent holder that another healthy peer
  still hears is not failed (the problem is the link), and a gateway that
  hears fewer than half of the others takes nothing over;
- split brain (the link between gateways cut while both reach the API): a
  gateway that sees, in the API, that a peer took one of its floating IPs
  while it was healthy knows that the peer is alive, and takes nothing from
  that peer while it is silent, until it has heard it healthy for
  ``trust_after`` seconds without a break or the API says it is off. So a
  cut costs at most one move per floating IP, a link that comes and goes no
  more than that, and never a loop; with the tie-break, usually exactly one
  move in all;
- failback: a floating IP goes back to its home gateway once that gateway has
  been healthy, and has heard the holder healthy, for ``failback_after``
  seconds without a break (0: never);
- drain (``ipv6ready-nat64-failover drain``, kept across reboots until
  ``undrain``): the gateway hands its floating IPs to healthy peers and claims
  nothing.

The API is read every ``api_refresh`` seconds, when a peer's heartbeat
disagrees with what the agent last read, and again right before every move.
An API that cannot be reached, or that refuses the token, is reported in the
journal (when it starts and every minute while it lasts) and nothing moves.
The token is read from a file (mode 0600) and never printed.

    ipv6ready-nat64-failover run|setup|check|status [--json]|drain [--wait S]|undrain
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import ipaddress
import json
import os
import secrets
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

CONFIG = "/etc/ipv6ready/nat64-failover.json"
OK, UNHEALTHY, SILENT, UNKNOWN = "ok", "unhealthy", "silent", "unknown"
HEARTBEAT_LABEL = b"ipv6ready-nat64-failover heartbeat v1"
HEARTBEAT_VERSION = 1
# A heartbeat more than this many seconds away from this gateway's clock is
# refused (a replay); the gateways' clocks must agree that well (NTP).
CLOCK_WINDOW = 30.0
# Seconds between two reads of the API that a peer's heartbeat asks for, and
# between two attempts to move the same floating IP.
REFRESH_MIN_GAP = 5.0
RETRY_GAP = 5.0
# A view of the API older than this is read again before a move.
FRESH = 1.5
MOVES_KEPT = 20
FOREIGN = "foreign:"

DEFAULTS = {
    "port": 6464,
    "interval": 1.0,
    "dead_after": 3.0,
    "stagger": 2.0,
    "failback_after": 300.0,
    "trust_after": 60.0,
    "self_checks": 3,
    "api_refresh": 30.0,
    "api_timeout": 5.0,
    "api_endpoint": "https://api.hetzner.cloud/v1",
    "token_file": "/etc/ipv6ready/nat64-failover.token",
    "status_file": "/run/ipv6ready-nat64-failover/status.json",
    "drain_file": "/var/lib/ipv6ready-nat64-failover/drained",
    "interface": "",
    "check": {},
}


# ---------------------------------------------------------------------------
# Configuration


def config_problems(cfg):
    """What is wrong with a configuration (a dict); empty when it can run."""
    problems = []
    gateways = cfg.get("gateways")
    if not isinstance(gateways, list) or not gateways:
        return ["gateways: a list of {name, address} is required"]
    names = [g.get("name") for g in gateways if isinstance(g, dict)]
    if len(names) != len(gateways) or len(set(names)) != len(names) or not all(names):
        problems.append("gateways: every entry needs a unique name")
    for gateway in gateways:
        try:
            ipaddress.IPv6Address(str(gateway.get("address")))
        except (ValueError, AttributeError):
            problems.append("gateways: %s has no IPv6 address" % gateway.get("name"))
    if cfg.get("me") not in names:
        problems.append("me: %r is not one of the gateways" % cfg.get("me"))
    floating = cfg.get("floating_ips")
    if not isinstance(floating, list) or not floating:
        problems.append("floating_ips: a list of {name, home, resolver, nat64_prefix} is required")
        floating = []
    for fip in floating:
        if fip.get("home") not in names:
            problems.append("floating_ips: the home %r of %s is not a gateway" % (fip.get("home"), fip.get("name")))
        try:
            ipaddress.IPv6Address(str(fip.get("resolver")))
        except ValueError:
            problems.append("floating_ips: %s has no resolver address" % fip.get("name"))
    for key in ("interval", "dead_after", "stagger", "api_refresh", "trust_after"):
        if not isinstance(cfg.get(key), (int, float)) or cfg[key] <= 0:
            problems.append("%s: must be a positive number of seconds" % key)
    if not problems and cfg["dead_after"] < 2 * cfg["interval"]:
        problems.append("dead_after: must be at least twice the interval")
    if not isinstance(cfg.get("interface"), str) or not cfg["interface"]:
        problems.append("interface: the uplink the resolver addresses go on is required")
    return problems


def load_config(path=CONFIG):
    with open(path, encoding="utf-8") as handle:
        cfg = json.load(handle)
    merged = dict(DEFAULTS)
    merged.update(cfg)
    return merged


def order(cfg):
    return [g["name"] for g in cfg["gateways"]]


def home_first(cfg, fip):
    """The gateways in the order they take a floating IP: its home first, then the configured order."""
    names = order(cfg)
    return [fip["home"]] + [n for n in names if n != fip["home"]]


# ---------------------------------------------------------------------------
# State (pure)


def new_state(now):
    """The agent's state at start (monotonic time ``now``)."""
    return {
        "started": now,
        "self": {"ok": None, "last": None, "streak": 0, "checks": 0, "ok_since": None, "problems": []},
        "drained": False,
        "peers": {},
        "blocked": {},
        "holders": {},
        "view_at": None,
        "unassigned_since": {},
        "attempts": {},
        "moves": [],
        "api_error": None,
        "api_error_said": None,
    }


def self_health(state, passed, problems, now, needed):
    """Record one self-check; returns True when the verdict changed.

    The verdict starts undecided (None: "starting", which peers neither take
    from nor hand to) and becomes, and later flips, only after ``needed``
    equal results in a row; a gateway still undecided after five times as
    many checks is unhealthy.
    """
    own = state["self"]
    own["problems"] = list(problems)
    own["checks"] = own.get("checks", 0) + 1
    if passed == own.get("last"):
        own["streak"] += 1
    else:
        own["last"], own["streak"] = passed, 1
    verdict = own["ok"]
    if passed != verdict and own["streak"] >= needed:
        verdict = passed
    elif verdict is None and own["checks"] >= 5 * needed:
        verdict = False
    if verdict == own["ok"]:
        return False
    own["ok"] = verdict
    own["ok_since"] = now if verdict else None
    return True


def heard(state, name, beat, now, dead_after, trust_after):
    """Record a valid heartbeat of peer ``name``: its health (None while it starts), its view, and that the link works.

    A blocked peer (it took a floating IP from this healthy gateway) is
    trusted again once heard healthy for ``trust_after`` seconds without a
    break: a link that comes and goes does not unblock it. Returns True when
    it is unblocked.
    """
    peer = state["peers"].setdefault(name, {"heard": None, "healthy": None, "ok_since": None, "bad_since": None, "sees": [], "holds": [], "drained": False})
    gap = peer["heard"] is None or now - peer["heard"] >= dead_after
    healthy = beat.get("healthy")
    if healthy:
        if gap or peer["ok_since"] is None:
            peer["ok_since"] = now
        peer["bad_since"] = None
    elif healthy is None:
        peer["ok_since"] = peer["bad_since"] = None
    else:
        peer["ok_since"] = None
        if gap or peer["bad_since"] is None:
            peer["bad_since"] = now
    peer.update(
        heard=now,
        healthy=None if healthy is None else bool(healthy),
        sees=list(beat.get("sees") or []),
        holds=list(beat.get("holds") or []),
        drained=bool(beat.get("drained")),
    )
    if name in state["blocked"] and peer["ok_since"] is not None and now - peer["ok_since"] >= trust_after:
        del state["blocked"][name]
        return True
    return False


def peer_status(cfg, state, name, now):
    """``(status, since)``: ok, unhealthy (it says so), silent (not heard for dead_after) or unknown (it or this
    agent just started).

    ``since`` is when the peer counts as failed: for a silent one, its last
    heartbeat plus dead_after.
    """
    peer = state["peers"].get(name)
    dead_after = cfg["dead_after"]
    if peer is None or peer["heard"] is None or peer["heard"] < state["started"]:
        # Not heard since this agent (re)started: listen for dead_after first.
        if now - state["started"] < dead_after:
            return UNKNOWN, None
        return SILENT, state["started"] + dead_after
    if now - peer["heard"] >= dead_after:
        return SILENT, peer["heard"] + dead_after
    if peer["healthy"] is None:
        return UNKNOWN, None
    if not peer["healthy"]:
        return UNHEALTHY, peer["bad_since"]
    return OK, None


def statuses(cfg, state, now):
    return {name: peer_status(cfg, state, name, now)[0] for name in order(cfg) if name != cfg["me"]}


def sees(cfg, state, now):
    """The peers this gateway hears healthy: what its heartbeat reports."""
    return sorted(name for name, status in statuses(cfg, state, now).items() if status == OK)


def holds(cfg, state):
    return sorted(name for name, holder in state["holders"].items() if holder == cfg["me"])


def witnessed(cfg, state, name, now):
    """Another peer this gateway hears healthy still hears ``name`` healthy: the link is the problem, not it."""
    for other, status in statuses(cfg, state, now).items():
        if other != name and status == OK and name in state["peers"][other]["sees"]:
            return other
    return None


def quorum(cfg, state, now):
    """With three or more gateways, this one must hear a majority (itself included) to take over from a silent one."""
    total = len(cfg["gateways"])
    if total < 3:
        return True
    heard_ok = 1 + sum(1 for status in statuses(cfg, state, now).values() if status == OK)
    return heard_ok >= total // 2 + 1


def apply_view(cfg, state, view, now):
    """Take a fresh read of the API (floating IP name -> holder name, None, or ``foreign:<id>``).

    A floating IP this gateway held that a peer now holds, while this gateway
    was healthy and not draining, shows that the peer is alive and reaches the
    API: the peer is blocked (nothing is taken from it while it is silent)
    until it has been heard healthy for trust_after seconds, or the API says
    it is off. Returns the events worth a line in the journal.
    """
    me = cfg["me"]
    events = []
    for name, holder in sorted(view.items()):
        was = state["holders"].get(name)
        if holder != was:
            events.append("%s: held by %s (was %s)" % (name, holder or "nobody", was or "nobody"))
        if was == me and holder not in (me, None) and not str(holder).startswith(FOREIGN) and state["self"]["ok"] and not state["drained"]:
            state["blocked"][holder] = {"since": now, "ip": name}
            events.append(
                "%s took %s from this healthy gateway: %s is alive and reaches the API, so nothing is "
                "taken from it while it is silent, until it has been heard healthy for %ds or the API says "
                "it is off (split brain guard)" % (holder, name, holder, cfg["trust_after"])
            )
        if holder is None:
            state["unassigned_since"].setdefault(name, now)
        else:
            state["unassigned_since"].pop(name, None)
    state["holders"] = dict(view)
    state["view_at"] = now
    return events


def unblock_stopped(state, servers):
    """The API says a blocked peer is not running: it may be taken from again. Returns the peers unblocked."""
    out = []
    for name in list(state["blocked"]):
        status = servers.get(name)
        if status is not None and status != "running":
            state["blocked"].pop(name)
            out.append(name)
    return out


def _candidates(cfg, fip, status, state, exclude):
    """Who may take ``fip``, in order: home first, then the configured order; only healthy, undrained gateways."""
    me = cfg["me"]
    out = []
    for name in home_first(cfg, fip):
        if name == exclude:
            continue
        if name == me or (status.get(name) == OK and not state["peers"][name]["drained"]):
            out.append(name)
    return out


def _move(fip, target, reason):
    return {"ip": fip["name"], "to": target, "reason": reason}


def decide(cfg, state, now):
    """The floating IPs to assign now: ``[{ip, to, reason}]``. Pure: ``state`` is read, never changed."""
    me = cfg["me"]
    own = state["self"]
    if not own["ok"] or now - state["started"] < cfg["dead_after"]:
        return []  # unhealthy, starting, or just (re)started: listening
    index = {name: i for i, name in enumerate(order(cfg))}
    status = {}
    since = {}
    for name in order(cfg):
        if name != me:
            status[name], since[name] = peer_status(cfg, state, name, now)
    stagger = cfg["stagger"]
    failback_after = cfg.get("failback_after") or 0
    moves = []
    for fip in cfg["floating_ips"]:
        name = fip["name"]
        if name not in state["holders"]:
            continue  # not read from the API yet
        if now - state["attempts"].get(name, -RETRY_GAP) < RETRY_GAP:
            continue
        holder = state["holders"][name]
        if state["drained"]:
            if holder == me:
                targets = _candidates(cfg, fip, status, state, exclude=me)
                if targets:
                    moves.append(_move(fip, targets[0], "drain: handed to %s" % targets[0]))
            continue
        if holder == me or str(holder).startswith(FOREIGN):
            continue
        if holder is None:
            candidates = _candidates(cfg, fip, status, state, exclude=None)
            if me in candidates and now >= state["unassigned_since"].get(name, now) + stagger * candidates.index(me):
                moves.append(_move(fip, me, "unassigned"))
            continue
        if holder not in index:
            continue
        holder_status = status[holder]
        if holder_status == OK:
            peer = state["peers"][holder]
            if (
                fip["home"] == me
                and failback_after > 0
                and own["ok_since"] is not None
                and now - own["ok_since"] >= failback_after
                and peer["ok_since"] is not None
                and now - peer["ok_since"] >= failback_after
            ):
                moves.append(_move(fip, me, "failback: home again, %s and this gateway healthy for %ds" % (holder, failback_after)))
            continue
        if holder_status == UNKNOWN or (holder_status == SILENT and holder in state["blocked"]):
            continue
        if holder_status == SILENT and (witnessed(cfg, state, holder, now) or not quorum(cfg, state, now)):
            continue
        candidates = _candidates(cfg, fip, status, state, exclude=holder)
        if me not in candidates:
            continue
        delay = stagger * candidates.index(me)
        if holder_status == SILENT and index[me] > index[holder]:
            delay += stagger
        if now >= since[holder] + delay:
            moves.append(_move(fip, me, "takeover: %s is %s" % (holder, holder_status)))
    return moves


def wants_refresh(cfg, state, now):
    """Why the API should be read now, or None: never read, too old, or a peer holds what the view does not say."""
    if state["view_at"] is None:
        return "first read"
    if now - state["view_at"] >= cfg["api_refresh"]:
        return "periodic"
    if now - state["view_at"] < REFRESH_MIN_GAP:
        return None
    for name, status in statuses(cfg, state, now).items():
        if status == OK:
            said = sorted(state["peers"][name]["holds"])
            known = sorted(ip for ip, holder in state["holders"].items() if holder == name)
            if said != known:
                return "%s says it holds %s" % (name, ", ".join(said) or "nothing")
    return None


def record_move(state, move, now, outcome):
    state["attempts"][move["ip"]] = now
    state["moves"] = (state["moves"] + [dict(move, at=now, outcome=outcome)])[-MOVES_KEPT:]


def _api_failed(state, exc, now, say):
    """Say an API error when it is new, and once a minute while it lasts; nothing moves meanwhile."""
    message = str(exc)
    if state["api_error"] != message or now - (state["api_error_said"] or -60.0) >= 60:
        say(3, "%s; keeping the current state, nothing moves" % message)
        state["api_error_said"] = now
    state["api_error"] = message


def _api_ok(state, say):
    if state["api_error"] is not None:
        say(5, "the API answers again")
    state["api_error"] = None
    state["api_error_said"] = None


def _read(cfg, state, clock, api, say, lock):
    try:
        view, stopped = api.read()
    except ApiError as exc:
        with lock:
            _api_failed(state, exc, clock(), say)
        return False
    with lock:
        _api_ok(state, say)
        for name in unblock_stopped(state, stopped):
            say(5, "the API says %s is %s: it may be taken from again" % (name, stopped[name]))
        for event in apply_view(cfg, state, view, clock()):
            say(5, event)
    return True


def step(cfg, state, clock, passed, problems, drained, api, say, lock=None):
    """One tick of the agent: record the self-check, read the API when due, make the moves ``decide`` returns.

    ``api.read()`` returns ``(view, {blocked peer: server status})``,
    ``api.assign(move)`` a line on what happened; both raise ApiError.
    ``say(level, message)`` writes to the journal. ``lock`` guards ``state``
    against the heartbeat threads and is never held during an API call.
    Every move is decided again on a read of the API younger than FRESH
    seconds. Returns the moves made.
    """
    lock = lock or contextlib.nullcontext()
    with lock:
        now = clock()
        last = state.get("last_tick")
        if last is not None and now - last >= cfg["dead_after"]:
            # Not scheduled between two ticks for that long (the wait between them is one interval; a slow API
            # call is inside a tick): frozen or suspended, so what it heard is old news. Listen again first.
            state["started"] = now
            say(4, "this agent did not run for %.0fs (frozen or suspended): listening for %ds before judging its peers" % (now - last, cfg["dead_after"]))
        if self_health(state, passed, problems, now, int(cfg["self_checks"])):
            if state["self"]["ok"]:
                say(5, "this gateway is healthy")
            else:
                say(3, "this gateway is UNHEALTHY: %s" % ("; ".join(problems) or "its checks did not settle"))
        if drained != state["drained"]:
            say(5, "drained: handing the floating IPs to healthy peers" if drained else "no longer drained")
            state["drained"] = drained
        reason = wants_refresh(cfg, state, now)
    if reason:
        _read(cfg, state, clock, api, say, lock)
    with lock:
        moves = decide(cfg, state, clock())
        stale = state["view_at"] is None or clock() - state["view_at"] > FRESH
    if moves and stale:
        if _read(cfg, state, clock, api, say, lock):
            with lock:
                moves = decide(cfg, state, clock())
        else:
            moves = []
    for move in moves:
        try:
            outcome = api.assign(move)
            say(5, "moved %s to %s (%s): %s" % (move["ip"], move["to"], move["reason"], outcome))
            with lock:
                _api_ok(state, say)
        except ApiError as exc:
            outcome = "failed: %s" % exc
            with lock:
                _api_failed(state, exc, clock(), say)
        with lock:
            record_move(state, move, clock(), outcome)
    if moves:
        _read(cfg, state, clock, api, say, lock)
    with lock:
        state["last_tick"] = clock()
    return moves


# ---------------------------------------------------------------------------
# Heartbeats (pure encoding)


def heartbeat_key(token):
    """The heartbeats' signing key, derived from the API token all gateways share."""
    return hmac.new(token.encode("utf-8"), HEARTBEAT_LABEL, hashlib.sha256).digest()


def encode_heartbeat(key, beat):
    payload = json.dumps(beat, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return payload + b"\n" + hmac.new(key, payload, hashlib.sha256).hexdigest().encode("ascii")


def decode_heartbeat(key, packet, wall_now, last=None):
    """``(beat, None)`` for a valid, signed, fresh heartbeat, else ``(None, why)``.

    ``last`` is the sender's previous ``(boot, seq)``: a heartbeat that is not
    newer is a replay.
    """
    payload, _sep, signature = packet.rpartition(b"\n")
    if not payload:
        return None, "not a heartbeat"
    expected = hmac.new(key, payload, hashlib.sha256).hexdigest().encode("ascii")
    if not hmac.compare_digest(expected, signature):
        return None, "bad signature (another API token?)"
    try:
        beat = json.loads(payload)
    except ValueError:
        return None, "not JSON"
    if not isinstance(beat, dict) or beat.get("v") != HEARTBEAT_VERSION:
        return None, "unknown version"
    if abs(float(beat.get("ts", 0)) - wall_now) > CLOCK_WINDOW:
        return None, "clock %+.0fs away from this gateway's (NTP?) or a replay" % (float(beat.get("ts", 0)) - wall_now)
    if last is not None and beat.get("boot") == last[0] and int(beat.get("seq", 0)) <= last[1]:
        return None, "replayed"
    return beat, None


# ---------------------------------------------------------------------------
# The self-check's DNS query (pure encoding)


def dns_query(name, ident):
    labels = b"".join(bytes([len(part)]) + part.encode("ascii") for part in name.rstrip(".").split(".") if part)
    return struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + labels + b"\x00" + struct.pack("!HH", 28, 1)


def _skip_name(packet, offset):
    while True:
        length = packet[offset]
        if length & 0xC0 == 0xC0:
            return offset + 2
        if length == 0:
            return offset + 1
        offset += 1 + length


def dns_aaaa(packet, ident):
    """The AAAA addresses of an answer, or raises ValueError."""
    if len(packet) < 12:
        raise ValueError("short answer")
    got, flags, qdcount, ancount = struct.unpack("!HHHH", packet[:8])
    if got != ident:
        raise ValueError("wrong id")
    if flags & 0x000F:
        raise ValueError("rcode %d" % (flags & 0x000F))
    offset = 12
    for _question in range(qdcount):
        offset = _skip_name(packet, offset) + 4
    out = []
    for _answer in range(ancount):
        offset = _skip_name(packet, offset)
        rtype, _rclass, _ttl, length = struct.unpack("!HHIH", packet[offset : offset + 10])
        offset += 10
        if rtype == 28 and length == 16:
            out.append(str(ipaddress.IPv6Address(packet[offset : offset + 16])))
        offset += length
    return out


# ---------------------------------------------------------------------------
# I/O: the self-check, the API, the journal


def log(level, message):
    """One line to the journal; ``level`` is syslog's (3 error, 4 warning, 5 notice, 6 info)."""
    sys.stdout.write("<%d>%s\n" % (level, message))
    sys.stdout.flush()


def check_self(cfg):
    """``(passed, problems)``: the translator's device is up and unbound answers a DNS64 query locally."""
    check = cfg.get("check") or {}
    problems = []
    device = check.get("device")
    if device:
        try:
            with open("/sys/class/net/%s/operstate" % device, encoding="ascii") as handle:
                state = handle.read().strip()
            # A TUN device shows "unknown"; one without its process, "down".
            if state not in ("up", "unknown"):
                problems.append("the translator's device %s is %s" % (device, state))
        except OSError:
            problems.append("the translator's device %s does not exist" % device)
    if check.get("dns_name"):
        server = check.get("dns_server") or "::1"
        ident = secrets.randbelow(65536)
        try:
            with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
                sock.settimeout(float(check.get("dns_timeout", 1.0)))
                sock.sendto(dns_query(check["dns_name"], ident), (server, 53))
                addresses = dns_aaaa(sock.recv(4096), ident)
            prefixes = [ipaddress.IPv6Network(p) for p in check.get("dns_prefixes") or []]
            if prefixes and not any(ipaddress.IPv6Address(a) in p for a in addresses for p in prefixes):
                problems.append(
                    "unbound on %s answered %s with %s, not inside the NAT64 prefixes %s"
                    % (server, check["dns_name"], ", ".join(addresses) or "no AAAA", ", ".join(map(str, prefixes)))
                )
        except (OSError, ValueError, IndexError, struct.error) as exc:
            problems.append("unbound on %s did not answer %s: %s" % (server, check["dns_name"], exc or "timed out"))
    return not problems, problems


class ApiError(Exception):
    """The API could not be used; ``kind`` is unreachable, token, forbidden, limit or error."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


class Api:
    """The few calls of the Hetzner Cloud API the agent makes. The token never leaves the Authorization header."""

    def __init__(self, endpoint, token, timeout):
        self.endpoint = endpoint.rstrip("/")
        self._token = token
        self.timeout = timeout

    def request(self, method, path, body=None):
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(self.endpoint + path, data=data, method=method)
        request.add_header("Authorization", "Bearer " + self._token)
        request.add_header("User-Agent", "ipv6ready-nat64-failover")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            try:
                error = json.loads(exc.read() or b"{}").get("error") or {}
            except ValueError:
                error = {}
            code, message = error.get("code", ""), error.get("message", exc.reason)
            if exc.code == 401:
                raise ApiError("token", "the API refused the token (401 %s): renew nat64_failover_api_token" % (code or "unauthorized")) from None
            if exc.code == 403:
                raise ApiError(
                    "forbidden", "the API forbids this token %s %s (403 %s): the token must be read and write" % (method, path.split("?")[0], code)
                ) from None
            if exc.code == 429:
                raise ApiError("limit", "the API's rate limit is reached (429): %s" % message) from None
            raise ApiError("error", "%s %s: %d %s: %s" % (method, path.split("?")[0], exc.code, code, message)) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ApiError("unreachable", "cannot reach the API at %s: %s" % (self.endpoint, reason)) from None

    def servers(self, names):
        """``{name: {id, status}}`` of the named servers."""
        out = {}
        for name in names:
            for server in self.request("GET", "/servers?name=%s" % urllib.request.quote(name)).get("servers", []):
                out[server["name"]] = {"id": server["id"], "status": server.get("status")}
        return out

    def server_status(self, server_id):
        return self.request("GET", "/servers/%d" % server_id)["server"].get("status")

    def floating_ips(self, names):
        """``{name: {id, server}}`` of the named floating IPs (one paginated list)."""
        out = {}
        page = 1
        while page:
            answer = self.request("GET", "/floating_ips?per_page=50&page=%d" % page)
            for fip in answer.get("floating_ips", []):
                if fip.get("name") in names:
                    out[fip["name"]] = {"id": fip["id"], "server": fip.get("server")}
            page = ((answer.get("meta") or {}).get("pagination") or {}).get("next_page")
        return out

    def assign(self, fip_id, server_id, wait=10.0):
        """Assign, then wait for the action; returns its status (``success``) or raises ApiError."""
        try:
            action = self.request("POST", "/floating_ips/%d/actions/assign" % fip_id, {"server": server_id})["action"]
        except ApiError as exc:
            if "floating_ip_assigned" in str(exc):
                return "success"  # already there: another agent was quicker
            raise
        deadline = time.monotonic() + wait
        while action.get("status") == "running" and time.monotonic() < deadline:
            time.sleep(0.2)
            action = self.request("GET", "/actions/%d" % action["id"])["action"]
        if action.get("status") == "error":
            raise ApiError("error", "assign: %s" % ((action.get("error") or {}).get("message") or "failed"))
        return action.get("status")


def run_ip(argv):
    """Run ``ip``; returns (rc, stderr)."""
    result = subprocess.run(["ip"] + argv, capture_output=True, text=True, check=False)
    return result.returncode, result.stderr.strip()


def setup(cfg):
    """Put every floating resolver address on the uplink, deprecated (never a source for this gateway's own traffic)."""
    interface = cfg.get("interface")
    failed = 0
    for fip in cfg["floating_ips"]:
        rc, err = run_ip(["-6", "addr", "replace", fip["resolver"] + "/128", "dev", interface, "nodad", "preferred_lft", "0"])
        if rc != 0:
            log(3, "cannot add %s to %s: %s" % (fip["resolver"], interface, err))
            failed += 1
    return 1 if failed else 0


# ---------------------------------------------------------------------------
# The agent


class Agent:
    """The running service: a heartbeat sender and receiver (threads) and the decision loop."""

    def __init__(self, cfg, token):
        self.cfg = cfg
        self.me = cfg["me"]
        self.key = heartbeat_key(token)
        self.api = Api(cfg["api_endpoint"], token, cfg["api_timeout"])
        self.lock = threading.Lock()
        self.state = new_state(time.monotonic())
        self.boot = secrets.token_hex(8)
        self.seq = 0
        self.addresses = {g["name"]: (g["address"], int(g.get("port") or cfg["port"])) for g in cfg["gateways"]}
        self.last_seq = {}
        self.servers = {}
        self.fip_ids = {}
        self.refused = {}
        self.reporter = log
        self.stop = threading.Event()
        family_address, port = self.addresses[self.me]
        self.sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        self.sock.bind((family_address, port))
        self.sock.settimeout(0.5)

    # -- heartbeats

    def beat(self):
        now = time.monotonic()
        with self.lock:
            self.seq += 1
            return {
                "v": HEARTBEAT_VERSION,
                "name": self.me,
                "boot": self.boot,
                "seq": self.seq,
                "ts": time.time(),
                "healthy": self.state["self"]["ok"],
                "drained": self.state["drained"],
                "sees": sees(self.cfg, self.state, now),
                "holds": holds(self.cfg, self.state),
            }

    def sender(self):
        while not self.stop.is_set():
            packet = encode_heartbeat(self.key, self.beat())
            for name, address in self.addresses.items():
                if name != self.me:
                    try:
                        self.sock.sendto(packet, address)
                    except OSError:
                        pass  # no route: the peer sees this gateway silent, which is the truth
            self.stop.wait(self.cfg["interval"])

    def receiver(self):
        by_address = {ipaddress.IPv6Address(a): n for n, (a, _p) in self.addresses.items() if n != self.me}
        while not self.stop.is_set():
            try:
                packet, source = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                if self.stop.is_set():
                    return
                continue
            name = by_address.get(ipaddress.IPv6Address(source[0].split("%")[0]))
            beat, why = decode_heartbeat(self.key, packet, time.time(), self.last_seq.get(name))
            if beat is not None and (name is None or beat.get("name") != name):
                beat, why = None, "sent from %s, which is not the address of %s" % (source[0], beat.get("name"))
            if beat is None:
                self.note_refused(source[0], why)
                continue
            self.last_seq[name] = (beat["boot"], int(beat["seq"]))
            with self.lock:
                peer = self.state["peers"].get(name) or {}
                was = (peer.get("healthy"), peer.get("heard"))
                unblocked = heard(self.state, name, beat, time.monotonic(), self.cfg["dead_after"], self.cfg["trust_after"])
            if unblocked:
                log(5, "%s has been heard healthy for %ds: trusted again" % (name, self.cfg["trust_after"]))
            if was[1] is None or was[0] != beat.get("healthy"):
                health = {True: "healthy", False: "UNHEALTHY"}.get(beat.get("healthy"), "starting")
                log(6, "%s: heard, %s" % (name, health))

    def note_refused(self, source, why):
        now = time.monotonic()
        if now - self.refused.get(source, -60) >= 60:
            self.refused[source] = now
            log(4, "ignored a heartbeat from %s: %s" % (source, why))

    # -- the API, as step() uses it

    def read(self):
        """``(view, server statuses of the blocked peers)``; raises ApiError."""
        names = [fip["name"] for fip in self.cfg["floating_ips"]]
        if len(self.servers) < len(self.cfg["gateways"]):
            self.servers = self.api.servers(order(self.cfg))
            missing = [n for n in order(self.cfg) if n not in self.servers]
            if missing:
                log(4, "the API knows no server named %s" % ", ".join(missing))
        fips = self.api.floating_ips(names)
        with self.lock:
            blocked = [name for name in self.state["blocked"] if name in self.servers]
        stopped = {name: self.api.server_status(self.servers[name]["id"]) for name in blocked}
        by_id = {info["id"]: name for name, info in self.servers.items()}
        view = {}
        for name in names:
            if name not in fips:
                log(4, "the API has no floating IP named %s" % name)
                continue
            server = fips[name]["server"]
            view[name] = None if server is None else by_id.get(server, FOREIGN + str(server))
        self.fip_ids.update((name, info["id"]) for name, info in fips.items())
        return view, stopped

    def assign(self, move):
        """Assign a floating IP; returns what happened (raises ApiError)."""
        if move["ip"] not in self.fip_ids or move["to"] not in self.servers:
            raise ApiError("error", "%s or %s is unknown to the API" % (move["ip"], move["to"]))
        started = time.monotonic()
        self.api.assign(self.fip_ids[move["ip"]], self.servers[move["to"]]["id"])
        return "done in %.1fs" % (time.monotonic() - started)

    # -- the loop

    def status(self, now):
        with self.lock:
            state = json.loads(json.dumps(self.state))
            peer_statuses = {name: peer_status(self.cfg, self.state, name, now)[0] for name in order(self.cfg) if name != self.me}

        def ages(value):
            return None if value is None else round(now - value, 1)

        return {
            "me": self.me,
            "healthy": state["self"]["ok"],
            "problems": state["self"]["problems"],
            "drained": state["drained"],
            "healthy_for": ages(state["self"]["ok_since"]),
            "peers": {
                name: {
                    "status": peer_statuses[name],
                    "heard_ago": ages((state["peers"].get(name) or {}).get("heard")),
                    "drained": (state["peers"].get(name) or {}).get("drained", False),
                }
                for name in peer_statuses
            },
            "floating_ips": [
                {
                    "name": fip["name"],
                    "home": fip["home"],
                    "resolver": fip["resolver"],
                    "nat64_prefix": fip["nat64_prefix"],
                    "holder": state["holders"].get(fip["name"]),
                }
                for fip in self.cfg["floating_ips"]
            ],
            "blocked": sorted(state["blocked"]),
            "api_error": state["api_error"],
            "api_read_ago": ages(state["view_at"]),
            "moves": [dict(m, ago=ages(m["at"])) for m in state["moves"]],
            "written": time.time(),
        }

    def write_status(self, now):
        path = self.cfg["status_file"]
        tmp = path + ".tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(self.status(now), handle)
            os.replace(tmp, path)
        except OSError as exc:
            log(4, "cannot write %s: %s" % (path, exc))

    def tick(self):
        passed, problems = check_self(self.cfg)
        drained = os.path.exists(self.cfg["drain_file"])
        step(self.cfg, self.state, time.monotonic, passed, problems, drained, self, self.reporter, self.lock)
        self.write_status(time.monotonic())

    def run(self):
        floating = ", ".join("%s (home %s)" % (f["name"], f["home"]) for f in self.cfg["floating_ips"])
        log(6, "starting: %s of %s, floating IPs %s" % (self.me, ", ".join(order(self.cfg)), floating))
        threads = [threading.Thread(target=self.sender, daemon=True), threading.Thread(target=self.receiver, daemon=True)]
        for thread in threads:
            thread.start()
        interval = self.cfg["interval"]
        next_tick = time.monotonic()
        try:
            while not self.stop.is_set():
                self.tick()
                next_tick += interval
                self.stop.wait(max(0.0, next_tick - time.monotonic()))
                if time.monotonic() - next_tick > interval:
                    next_tick = time.monotonic()
        finally:
            self.stop.set()
            self.sock.close()


# ---------------------------------------------------------------------------
# The commands


def read_status(cfg):
    with open(cfg["status_file"], encoding="utf-8") as handle:
        return json.load(handle)


def show_status(status):
    age = time.time() - status.get("written", 0)
    lines = [
        "%s: %s%s%s"
        % (
            status["me"],
            "healthy" if status["healthy"] else "UNHEALTHY",
            ", drained" if status["drained"] else "",
            " (status %ds old: is the agent running?)" % age if age > 10 else "",
        )
    ]
    for problem in status.get("problems") or []:
        lines.append("  problem: %s" % problem)
    for name, peer in sorted(status["peers"].items()):
        lines.append(
            "  peer %s: %s%s%s"
            % (name, peer["status"], "" if peer["heard_ago"] is None else ", heard %.1fs ago" % peer["heard_ago"], ", drained" if peer.get("drained") else "")
        )
    for fip in status["floating_ips"]:
        lines.append(
            "  floating %s (%s, resolver %s, home %s): held by %s" % (fip["name"], fip["nat64_prefix"], fip["resolver"], fip["home"], fip["holder"] or "nobody")
        )
    if status.get("blocked"):
        lines.append("  not taking from (they took from this healthy gateway): %s" % ", ".join(status["blocked"]))
    if status.get("api_error"):
        lines.append("  API: %s" % status["api_error"])
    for move in status.get("moves") or []:
        lines.append("  %.0fs ago: %s -> %s (%s): %s" % (move["ago"], move["ip"], move["to"], move["reason"], move["outcome"]))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="ipv6ready-nat64-failover", description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--config", default=CONFIG)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="the service")
    sub.add_parser("setup", help="put the floating resolver addresses on the uplink")
    sub.add_parser("check", help="run the self-check once")
    sub.add_parser("validate", help="check the configuration file")
    status_parser = sub.add_parser("status", help="what the running agent sees")
    status_parser.add_argument("--json", action="store_true")
    drain_parser = sub.add_parser("drain", help="hand this gateway's floating IPs to healthy peers, take none")
    drain_parser.add_argument("--wait", type=float, default=0, help="seconds to wait until it holds none")
    sub.add_parser("undrain", help="take part again (failback after failback_after)")
    args = parser.parse_args(argv)
    try:
        cfg = load_config(args.config)
    except (OSError, ValueError) as exc:
        log(3, "%s: %s" % (args.config, exc))
        return 2
    problems = config_problems(cfg)
    if problems:
        log(3, "%s: %s" % (args.config, "; ".join(problems)))
        return 2
    if args.command == "validate":
        print("%s: valid" % args.config)
        return 0
    if args.command == "setup":
        return setup(cfg)
    if args.command == "check":
        passed, found = check_self(cfg)
        print("healthy" if passed else "UNHEALTHY: " + "; ".join(found))
        return 0 if passed else 1
    if args.command == "status":
        try:
            status = read_status(cfg)
        except (OSError, ValueError) as exc:
            print("no status: %s (is ipv6ready-nat64-failover.service running?)" % exc, file=sys.stderr)
            return 1
        print(json.dumps(status, indent=2) if args.json else show_status(status))
        return 0
    if args.command == "drain":
        os.makedirs(os.path.dirname(cfg["drain_file"]), exist_ok=True)
        with open(cfg["drain_file"], "w", encoding="utf-8") as handle:
            handle.write("drained by %s at %s\n" % (os.environ.get("SUDO_USER") or "root", time.ctime()))
        deadline = time.monotonic() + args.wait
        while True:
            try:
                status = read_status(cfg)
                held = [f["name"] for f in status["floating_ips"] if f["holder"] == cfg["me"]]
            except (OSError, ValueError, KeyError):
                held = ["?"]
            if not held:
                print("drained: %s holds no floating IP" % cfg["me"])
                return 0
            if time.monotonic() >= deadline:
                print("draining: %s still holds %s" % (cfg["me"], ", ".join(held)))
                return 0 if args.wait == 0 else 1
            time.sleep(0.5)
    if args.command == "undrain":
        try:
            os.unlink(cfg["drain_file"])
        except FileNotFoundError:
            pass
        print("undrained: %s takes part again" % cfg["me"])
        return 0
    try:
        with open(cfg["token_file"], encoding="utf-8") as handle:
            token = handle.read().strip()
    except OSError as exc:
        log(3, "cannot read the API token: %s" % exc)
        return 2
    if not token:
        log(3, "the API token file %s is empty" % cfg["token_file"])
        return 2
    Agent(cfg, token).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
