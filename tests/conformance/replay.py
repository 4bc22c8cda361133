# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Replay the conformance cases against the gateway this runs on.

Runs as root inside a gateway container prepared by topology.sh (network
namespaces n6 and n4 behind the gateway's links conf6 and conf4), with the
standard library only. For each case of cases.py it sends the vectors' packets
(addresses mapped into the topology) from the side their family belongs to,
captures what arrives on both sides, and compares it with the expected
vectors. It prints one JSON document: every case's outcome (passed, wrong,
dropped) with the differences, and the gateway's counters.

Usage: python3 replay.py VECTORS_DIR [--only SUBSTRING]
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import select
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cases as casebook  # noqa: E402  pylint: disable=wrong-import-position
import packets  # noqa: E402  pylint: disable=wrong-import-position

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
PACKET_OUTGOING = 4
POOL = ipaddress.IPv4Network("192.168.255.0/24")
WAIT = 0.5  # seconds to wait for an expected packet
GRACE = 0.05  # and for anything more after the last one
DROP_WAIT = 0.3  # seconds of silence that make a drop
ROUTER4 = {"nat64": ipaddress.IPv4Address("192.0.2.5"), "siit": ipaddress.IPv4Address("198.51.100.2")}
LINK = {6: "conf6", 4: "conf4"}


def run(*argv):
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def mac_of(netns, dev):
    argv = ["ip"] + (["-n", netns] if netns else []) + ["-j", "link", "show", "dev", dev]
    return json.loads(run(*argv))[0]["address"]


def open_in_netns(netns, dev):
    """A raw packet socket on ``dev`` inside network namespace ``netns``."""
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open("/run/netns/%s" % netns, os.O_RDONLY)
    try:
        os.setns(target, os.CLONE_NEWNET)
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ALL))
        sock.bind((dev, ETH_P_ALL))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    finally:
        os.setns(own, os.CLONE_NEWNET)
        os.close(own)
        os.close(target)
    return sock


def noise(data):
    """Packets no case is about: neighbour discovery, MLD, router solicitations."""
    p = packets.parse(data)
    return p.version == 6 and p.proto == packets.ICMPV6 and p.icmp is not None and 130 <= p.icmp[0] <= 143


class Wire:
    def __init__(self):
        self.socks = {6: open_in_netns("n6", "eth6"), 4: open_in_netns("n4", "eth4")}
        self.gw_mac = {6: bytes.fromhex(mac_of(None, "conf6").replace(":", "")), 4: bytes.fromhex(mac_of(None, "conf4").replace(":", ""))}
        self.dev = {6: "eth6", 4: "eth4"}

    def send(self, data):
        version = data[0] >> 4
        proto = ETH_P_IPV6 if version == 6 else ETH_P_IP
        self.socks[version].sendto(data, (self.dev[version], proto, 0, 0, self.gw_mac[version]))

    def drain(self):
        while self.receive(0):
            pass

    def receive(self, timeout):
        """One (side, packet) or None after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            left = max(0.0, deadline - time.monotonic())
            ready, dummy, dummy = select.select(list(self.socks.values()), [], [], left)
            if not ready:
                return None
            for side, sock in self.socks.items():
                if sock in ready:
                    data, addr = sock.recvfrom(65535)
                    if addr[2] == PACKET_OUTGOING or addr[1] not in (ETH_P_IP, ETH_P_IPV6) or noise(data):
                        continue
                    return side, data
            if left == 0:
                return None

    def collect(self, count, timeout=WAIT):
        """Everything that arrives until ``count`` packets came (then a short
        grace period for more) or ``timeout`` passed."""
        got = []
        deadline = time.monotonic() + timeout
        while True:
            wait = deadline - time.monotonic() if len(got) < count else GRACE
            if wait <= 0:
                return got
            item = self.receive(wait)
            if item is None:
                if len(got) >= count:
                    return got
                continue
            got.append(item)


def build_opener(flow, suite):
    """The opener's IPv6 packet (see cases.Flow), addresses mapped."""
    mapping = casebook.SUITES[suite]["map"]
    src = mapping(flow.src6)
    dst = casebook.embed(mapping(flow.dst4))
    if flow.proto == casebook.UDP:
        l4 = struct.pack("!HHHH", flow.sport, flow.dport, 12, 0) + b"open"
    elif flow.proto == casebook.TCP:
        l4 = struct.pack("!HHIIBBHHH", flow.sport, flow.dport, 0, 0, 5 << 4, 0x02, 8192, 0, 0)
    else:
        l4 = b"\0" * 16
    header = struct.pack("!IHBB", 6 << 28, len(l4), flow.proto, 64) + src.packed + dst.packed
    if flow.proto in (casebook.UDP, casebook.TCP):
        offset = 6 if flow.proto == casebook.UDP else 16
        pseudo = src.packed + dst.packed + struct.pack("!IxxxB", len(l4), flow.proto)
        value = 0xFFFF ^ packets.ones_sum(pseudo + l4)
        l4 = l4[:offset] + struct.pack("!H", value or 0xFFFF) + l4[offset + 2 :]
    return header + l4


def build_icmp4_error(received, source, icmp_type, code):
    """An ICMPv4 error from ``source`` about ``received``, as a router writes it."""
    quoted = received[:548]
    icmp = struct.pack("!BBHI", icmp_type, code, 0, 0) + quoted
    icmp = icmp[:2] + struct.pack("!H", 0xFFFF ^ packets.ones_sum(icmp)) + icmp[4:]
    dst = received[12:16]
    header = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 0, 0, 64, packets.ICMP, 0, source.packed, dst))
    struct.pack_into("!H", header, 10, 0xFFFF ^ packets.ones_sum(header))
    return bytes(header) + icmp


PORT_FIELDS = (("tcp.sport", "ip.src"), ("tcp.dport", "ip.dst"), ("udp.sport", "ip.src"), ("udp.dport", "ip.dst"), ("icmp.id", None))


def map_ports(data, nat, ports):
    """Give the NAT's ports in ``data`` (an IPv4 packet of the suite, addresses
    already mapped) the values the masquerade picked: ``ports`` maps (proto,
    port in the vector) to the port seen."""
    if not ports or data[0] >> 4 != 4:
        return data
    parsed = packets.parse(data)
    fields = {}
    for prefix in ("", "inner."):
        for name, addr_name in PORT_FIELDS:
            field = parsed.field(prefix + name)
            if field is None:
                continue
            proto = {"tcp": 6, "udp": 17, "icmp": 1}[name.split(".", maxsplit=1)[0]]
            if addr_name is not None:
                addr = packets.field_value(data, parsed, prefix + addr_name)
                if addr is None or ipaddress.ip_address(addr) != nat:
                    continue
            value = struct.unpack_from("!H", data, field.offset)[0]
            if (proto, value) in ports:
                fields[prefix + name] = struct.pack("!H", ports[(proto, value)])
    return packets.rewrite(data, fields=fields) if fields else data


class Replay:
    def __init__(self, vectors, wire):
        self.vectors = vectors
        self.wire = wire

    def load(self, path, suite, ports):
        with open(os.path.join(self.vectors, path), "rb") as handle:
            data = handle.read()
        data = packets.rewrite(data, addresses=casebook.SUITES[suite]["map"])
        return map_ports(data, casebook.SUITES[suite]["nat"], ports)

    def set_mtu(self, mtu):
        for family, value in mtu.items():
            run("ip", "link", "set", "dev", LINK[int(family[1])], "mtu", str(value))
        if mtu:
            run("ip", "-4", "route", "flush", "cache")
            run("ip", "-6", "route", "flush", "cache")

    @staticmethod
    def learn(want, got, nat, ports):
        """``want`` with the port the masquerade picked for the NAT's side of
        its session (a translated IPv4 packet's source port), which ``ports``
        records for the steps that follow."""
        if want[0] >> 4 != 4 or got[0] >> 4 != 4:
            return want
        w, g = packets.parse(want), packets.parse(got)
        if w.src != nat or w.l4 is None or g.l4 is None or w.proto not in (casebook.UDP, casebook.TCP) or w.proto != g.proto:
            return want
        vector_port = struct.unpack_from("!H", want, w.l4)[0]
        seen = struct.unpack_from("!H", got, g.l4)[0]
        ports.setdefault((w.proto, vector_port), seen)
        return map_ports(want, nat, {(w.proto, vector_port): seen})

    def step(self, case, step, ports):
        result = {"status": "passed", "problems": [], "received": []}
        nat = casebook.SUITES[case.suite]["nat"]
        if step.open is not None:
            self.wire.drain()
            self.wire.send(build_opener(step.open, case.suite))
            got = self.wire.collect(1)
            result["received"] = [packets.summary(d) for dummy, d in got]
            if len(got) != 1 or got[0][0] != 4:
                result["status"] = "dropped" if not got else "wrong"
                result["problems"].append("the opener did not come through as one IPv4 packet")
                return result
            parsed = packets.parse(got[0][1])
            if parsed.l4 is not None and step.open.proto in (casebook.UDP, casebook.TCP):
                ports[(step.open.proto, step.open.sport)] = struct.unpack_from("!H", got[0][1], parsed.l4)[0]
            return result

        self.set_mtu(step.mtu)
        try:
            sends = step.send if isinstance(step.send, (list, tuple)) else [step.send]
            sent = [self.load(path, case.suite, ports) for path in sends]
            expected = [self.load(path, case.suite, ports) for path in step.expect]
            self.wire.drain()
            for data in sent:
                self.wire.send(data)
            if step.respond is not None:
                got = self.wire.collect(1)
                if len(got) != 1 or got[0][0] != 4:
                    result["status"] = "dropped" if not got else "wrong"
                    result["problems"].append("no translated packet for the router to answer")
                    result["received"] = [packets.summary(d) for dummy, d in got]
                    return result
                self.wire.send(build_icmp4_error(got[0][1], ROUTER4[case.suite], *step.respond))
            if step.reassemble:
                # However many fragments the gateway makes: wait for all.
                got = self.wire.collect(64, WAIT)
            else:
                got = self.wire.collect(len(expected), DROP_WAIT if not expected else WAIT)
        finally:
            self.set_mtu({family: 1500 for family in step.mtu})
        result["received"] = [packets.summary(d) for dummy, d in got]
        leaks = [d for side, d in got if side == 4 and packets.parse(d).src in POOL]
        if leaks:
            result["problems"].append("LEAK: %d packet(s) left with a pool source address" % len(leaks))
        if not expected:
            if got:
                result["status"] = "wrong"
                result["problems"].append("expected nothing to leave the gateway")
            return result
        if not got:
            result["status"] = "dropped"
            return result
        if step.reassemble:
            # The gateway's conntrack reassembles and fragments again, its
            # own way: compare the datagrams.
            whole = packets.reassemble([d for side, d in got])
            want = packets.reassemble(expected)
            if whole is None:
                result["status"] = "wrong"
                result["problems"].append("the fragments received do not make a whole datagram")
                return result
            problems = packets.compare(whole, want, step.free)
            if problems:
                result["status"] = "wrong"
                result["problems"].append("reassembled %s: %s" % (packets.summary(want), "; ".join(problems)))
            return result
        remaining = list(got)
        for want in expected:
            side = want[0] >> 4
            candidates = [item for item in remaining if item[0] == side]
            if not candidates:
                result["problems"].append("missing: %s" % packets.summary(want))
                continue
            # The closest candidate: the one with the fewest differences.
            scored = sorted(candidates, key=lambda item: len(packets.compare(item[1], self.learn(want, item[1], nat, {}), step.free)))
            best = scored[0]
            remaining.remove(best)
            want = self.learn(want, best[1], nat, ports)
            problems = packets.compare(best[1], want, step.free)
            if problems:
                result["problems"].append("%s: %s" % (packets.summary(want), "; ".join(problems)))
        for side, data in remaining:
            result["problems"].append("extra: %s" % packets.summary(data))
        if result["problems"]:
            result["status"] = "wrong"
        return result

    def case(self, case):
        ports = {}
        steps = []
        status = "passed"
        for index, step in enumerate(case.steps):
            outcome = self.step(case, step, ports)
            steps.append(outcome)
            if outcome["status"] != "passed":
                status = outcome["status"]
                if index < len(case.steps) - 1:
                    status = "wrong" if status == "wrong" else "dropped"
                break
        problems = [p for s in steps for p in s["problems"]]
        return {"name": case.name, "feature": case.feature, "status": status, "problems": problems, "received": [r for s in steps for r in s["received"]]}


def check_vectors(vectors):
    """Every vector is replayed or has a reason not to be; every vector a case
    names exists."""
    used = set()
    for case in casebook.CASES:
        used |= case.vectors()
    present = set()
    for directory, dummy, files in os.walk(vectors):
        for name in files:
            if name.endswith(".pkt"):
                present.add(os.path.relpath(os.path.join(directory, name), vectors))
    missing = sorted(used - present)
    unaccounted = sorted(p for p in present - used if casebook.not_taken_reason(p) is None)
    not_taken = {p: casebook.not_taken_reason(p) for p in sorted(present - used)}
    return missing, unaccounted, not_taken


def counters():
    try:
        out = run("ipv6ready-nat64-net", "stats", "--json")
        return json.loads(out)
    except (subprocess.CalledProcessError, ValueError, FileNotFoundError) as error:
        return {"error": str(error)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vectors")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    missing, unaccounted, not_taken = check_vectors(args.vectors)
    if missing or unaccounted:
        json.dump({"error": "vectors missing: %s; vectors neither replayed nor listed: %s" % (missing, unaccounted)}, sys.stdout)
        return 1
    wire = Wire()
    replay = Replay(args.vectors, wire)
    started = time.monotonic()
    results = [replay.case(case) for case in casebook.CASES if args.only in case.name]
    json.dump({"results": results, "not_taken": not_taken, "counters": counters(), "seconds": round(time.monotonic() - started, 1)}, sys.stdout, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
