# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Ask a DNS64 resolver for an IPv4-only name, and say why an answer is wrong (private).

Used by the ``dns64_probe`` module, and by ``state_info`` (its option
``dns64_probe``, so that a role proves the resolvers in the same round trip as
its read), before a host's resolver is switched. Three parts, each pure
except the last:

* the DNS wire format of one AAAA query and its answer (RFC 1035), enough to
  ask a named server directly without dig or a resolver library;
* ``diagnose``: one answer (or the socket error instead of one) of one
  resolver for one name, against the NAT64 prefix, as a check with the likely
  cause when it fails;
* ``ask``: the query itself, over UDP with a retry over TCP when the answer is
  truncated, and the source address the host uses towards the resolver.

``ARGUMENT_SPEC`` and ``prove`` are the proof as both modules run it: the
options, their checks, every resolver asked for every name, and the failure
(or the warning) that names each resolver that does not prove itself.

RFC 7050: ``ipv4only.arpa`` has only the A records 192.0.0.170 and
192.0.0.171, so a DNS64 resolver's answer for it shows the NAT64 prefix in
use; ``learn_prefix`` reads the /96 from it.
"""

from __future__ import annotations

import errno
import ipaddress
import random
import socket
import struct

from ansible_collections.ipv6ready.docker.plugins.module_utils._prefix import prefix_problem

AAAA = 28
A = 1
CLASS_IN = 1
WELL_KNOWN_NAME = "ipv4only.arpa"
WELL_KNOWN_IPV4 = (ipaddress.IPv4Address("192.0.0.170"), ipaddress.IPv4Address("192.0.0.171"))

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


class DnsFormatError(ValueError):
    """An answer that is not a well-formed DNS response to our query."""


class DnsIdMismatch(DnsFormatError):
    """A response to another query (e.g. a late answer to an earlier attempt)."""


# ---------------------------------------------------------------------------
# Wire format


def encode_name(name):
    """``example.test`` -> length-prefixed labels ending in the root label."""
    labels = [label for label in name.rstrip(".").split(".") if label] if name not in (".", "") else []
    out = b""
    for label in labels:
        raw = label.encode("idna") if any(ord(c) > 127 for c in label) else label.encode("ascii")
        if len(raw) > 63:
            raise ValueError("the label %r of %r is longer than 63 bytes" % (label, name))
        out += bytes([len(raw)]) + raw
    out += b"\0"
    if len(out) > 255:
        raise ValueError("the name %r is longer than 255 bytes" % name)
    return out


def build_query(name, qtype=AAAA, ident=None):
    """One query, recursion desired, no EDNS. Returns ``(ident, packet)``."""
    if ident is None:
        ident = random.SystemRandom().randrange(0, 0x10000)
    header = struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0)
    return ident, header + encode_name(name) + struct.pack("!HH", qtype, CLASS_IN)


def _read_name(packet, offset):
    """Decode the (possibly compressed) name at ``offset``; returns ``(name, offset after it)``."""
    labels = []
    end = None
    jumps = 0
    while True:
        if offset >= len(packet):
            raise DnsFormatError("a name runs past the end of the answer")
        length = packet[offset]
        if length & 0xC0 == 0xC0:
            if offset + 1 >= len(packet):
                raise DnsFormatError("a compression pointer runs past the end of the answer")
            if end is None:
                end = offset + 2
            offset = ((length & 0x3F) << 8) | packet[offset + 1]
            jumps += 1
            if jumps > 64:
                raise DnsFormatError("a compression loop in a name")
            continue
        if length & 0xC0:
            raise DnsFormatError("an unknown label type 0x%02x" % length)
        offset += 1
        if length == 0:
            break
        labels.append(packet[offset : offset + length].decode("ascii", "replace"))
        offset += length
    return ".".join(labels) + ".", (end if end is not None else offset)


def parse_response(packet, ident=None):
    """Parse an answer into ``{id, rcode, truncated, records}``.

    ``records`` lists the answer section as ``{name, type, address}``; only A
    and AAAA records carry an ``address``. Raises ``DnsFormatError`` for a
    packet that is not a response (or not the response to ``ident``).
    """
    if len(packet) < 12:
        raise DnsFormatError("the answer is %d bytes long, shorter than a DNS header" % len(packet))
    rid, flags, qdcount, ancount, _nscount, _arcount = struct.unpack("!HHHHHH", packet[:12])
    if not flags & 0x8000:
        raise DnsFormatError("the packet is a query, not a response")
    if ident is not None and rid != ident:
        raise DnsIdMismatch("the answer's id %d is not the query's %d" % (rid, ident))
    offset = 12
    for _index in range(qdcount):
        _name, offset = _read_name(packet, offset)
        offset += 4
    records = []
    for _index in range(ancount):
        name, offset = _read_name(packet, offset)
        if offset + 10 > len(packet):
            raise DnsFormatError("a record runs past the end of the answer")
        rtype, _rclass, _ttl, rdlength = struct.unpack("!HHIH", packet[offset : offset + 10])
        offset += 10
        rdata = packet[offset : offset + rdlength]
        if len(rdata) != rdlength:
            raise DnsFormatError("a record's data runs past the end of the answer")
        offset += rdlength
        record = {"name": name, "type": rtype}
        if rtype == AAAA and rdlength == 16:
            record["address"] = str(ipaddress.IPv6Address(rdata))
        elif rtype == A and rdlength == 4:
            record["address"] = str(ipaddress.IPv4Address(rdata))
        records.append(record)
    return {"id": rid, "rcode": flags & 0x000F, "truncated": bool(flags & 0x0200), "records": records}


# ---------------------------------------------------------------------------
# Decisions


def learn_prefix(addresses):
    """The NAT64 /96 that ``ipv4only.arpa``'s AAAA answer reveals, or None (RFC 7050, /96 only)."""
    for value in addresses or ():
        try:
            address = ipaddress.IPv6Address(value)
        except ValueError:
            continue
        if ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) in WELL_KNOWN_IPV4:
            return str(ipaddress.IPv6Network((int(address) & ~0xFFFFFFFF, 96)))
    return None


def _is_well_known(name):
    return name.rstrip(".").lower() == WELL_KNOWN_NAME


def _cause_for_error(error, server, source, timeout):
    """The likely cause of a socket error, in words an operator acts on."""
    kind = error.get("kind")
    if kind == "timeout":
        return (
            "no answer within %ss: a firewall drops DNS between this host and %s (the gateway's own rules, "
            "or a cloud firewall without port 53 from %s), or unbound does not run or listen on %s" % (timeout, server, source or "this host", server)
        )
    if kind == "refused":
        return (
            "%s answered with ICMP port unreachable: nothing listens on port 53 there (unbound stopped, "
            "or not listening on this address: dns64_interfaces)" % server
        )
    if kind == "unreachable":
        return "this host has no route to %s (%s)" % (server, error.get("message", "unreachable"))
    if kind == "forbidden":
        return "this host's own firewall refuses to send to %s (%s)" % (server, error.get("message", ""))
    if kind == "format":
        return "%s sent an answer that is not valid DNS (%s): is it a DNS server?" % (server, error.get("message", ""))
    return "the query to %s failed: %s" % (server, error.get("message", kind))


def diagnose(server, source, name, outcome, prefix, timeout):
    """One resolver's answer for one name as ``{ok, detail, cause}``.

    ``outcome`` is what ``ask`` returned: ``{rcode, addresses}`` or ``{error:
    {kind, message}}``. ``prefix`` is the NAT64 /96 the AAAA must lie in, or a
    list of them (a fleet of several gateways; inside any one will do), or
    None (any AAAA will do, e.g. while the prefix is being learnt).
    """
    error = outcome.get("error")
    if error:
        return {"ok": False, "detail": "no answer", "cause": _cause_for_error(error, server, source, timeout)}
    rcode = outcome.get("rcode", 0)
    rcode_name = RCODES.get(rcode, "rcode %d" % rcode)
    addresses = outcome.get("addresses") or []
    if rcode == 5:
        return {
            "ok": False,
            "detail": "REFUSED",
            "cause": "the resolver refuses this host: its source address %s is probably not in the gateway's "
            "dns64_allowed_prefixes (unbound's access-control)" % (source or "(unknown)"),
        }
    if rcode == 2:
        return {
            "ok": False,
            "detail": "SERVFAIL",
            "cause": "the resolver answers but is not resolving %s: its upstream resolvers, forwarders or stub "
            "zones do not answer it, or DNSSEC validation failed" % name,
        }
    if rcode == 3:
        return {
            "ok": False,
            "detail": "NXDOMAIN",
            "cause": "the resolver is not resolving %s (it says the name does not exist): check its forwarders and stub zones, and the name" % name,
        }
    if rcode != 0:
        return {"ok": False, "detail": rcode_name, "cause": "the resolver answered %s for %s" % (rcode_name, name)}
    if not addresses:
        return {
            "ok": False,
            "detail": "no AAAA record",
            "cause": "the resolver answers without synthesizing an AAAA for %s: it is not a DNS64 resolver "
            "(unbound's module-config must start with dns64), or the name has no A record" % name,
        }
    if prefix is None:
        return {"ok": True, "detail": "AAAA %s" % ", ".join(addresses), "cause": ""}
    networks = [ipaddress.IPv6Network(p) for p in ([prefix] if isinstance(prefix, str) else prefix)]
    shown = ", ".join(str(n) for n in networks)
    inside = [a for a in addresses if any(ipaddress.IPv6Address(a) in n for n in networks)]
    if not inside:
        return {
            "ok": False,
            "detail": "AAAA %s outside %s" % (", ".join(addresses), shown),
            "cause": "the resolver synthesizes with another prefix than the NAT64 prefix %s (dns64_prefix), or %s "
            "has a real AAAA record (probe an IPv4-only name)" % (shown, name),
        }
    where = next(str(n) for n in networks if ipaddress.IPv6Address(inside[0]) in n)
    return {"ok": True, "detail": "AAAA %s inside %s" % (", ".join(inside), where), "cause": ""}


def evaluate(answers, prefix, timeout, prefixes=()):
    """Decide on every answer; ``answers`` is ``[{server, source, name, outcome}]``.

    ``prefixes`` are further /96s an AAAA may lie in (each resolver of a fleet
    with several gateways synthesizes in its own). Without ``prefix`` and
    ``prefixes`` the /96 is learnt from the answers for ``ipv4only.arpa``
    (every resolver must agree). Returns ``{prefix,
    prefix_source, checks, problems}``: ``checks`` are the answers with the
    decision added, ``problems`` one message per failed check, naming the
    resolver, the host's source address and the likely cause.
    """
    given = ([prefix] if prefix else []) + [p for p in prefixes or () if p != prefix]
    prefix_source = "given" if given else None
    problems = []
    if not given:
        learnt = sorted({learn_prefix(a["outcome"].get("addresses")) for a in answers if _is_well_known(a["name"]) and not a["outcome"].get("error")} - {None})
        if len(learnt) == 1:
            prefix, prefix_source = learnt[0], "learnt from %s" % WELL_KNOWN_NAME
        elif len(learnt) > 1:
            problems.append("the resolvers synthesize %s with different NAT64 prefixes: %s; they must agree" % (WELL_KNOWN_NAME, ", ".join(learnt)))
        elif answers and not any(_is_well_known(a["name"]) for a in answers):
            problems.append("the NAT64 prefix is unknown: give it, or ask for %s, whose synthesized AAAA shows it (RFC 7050)" % WELL_KNOWN_NAME)
    accepted = given if len(given) > 1 else (given[0] if given else prefix)
    checks = []
    for answer in answers:
        decision = diagnose(answer["server"], answer.get("source"), answer["name"], answer["outcome"], accepted, timeout)
        if decision["ok"] and not given and _is_well_known(answer["name"]) and learn_prefix(answer["outcome"].get("addresses")) is None:
            decision = {
                "ok": False,
                "detail": "AAAA %s" % ", ".join(answer["outcome"]["addresses"]),
                "cause": "the AAAA does not end in 192.0.0.170 or 192.0.0.171: not a /96 DNS64 synthesis",
            }
        check = dict(answer, **decision)
        checks.append(check)
        if not decision["ok"]:
            problems.append(
                "the DNS64 resolver %s, asked by this host from %s for %s: %s; likely cause: %s"
                % (answer["server"], answer.get("source") or "(no source address)", answer["name"], decision["detail"], decision["cause"])
            )
    return {"prefix": prefix, "prefix_source": prefix_source, "checks": checks, "problems": problems}


# ---------------------------------------------------------------------------
# The query (the only part with I/O)


def _error(exc):
    if isinstance(exc, socket.timeout):
        return {"kind": "timeout", "message": "timed out"}
    if isinstance(exc, DnsFormatError):
        return {"kind": "format", "message": str(exc)}
    if isinstance(exc, ConnectionRefusedError):
        return {"kind": "refused", "message": str(exc)}
    code = getattr(exc, "errno", None)
    if code in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
        return {"kind": "unreachable", "message": str(exc)}
    if code in (errno.EPERM, errno.EACCES):
        return {"kind": "forbidden", "message": str(exc)}
    return {"kind": "error", "message": str(exc)}


def source_address(server, port=53):
    """The address this host sends from towards ``server`` (a UDP connect sends nothing), or None."""
    family = socket.AF_INET6 if ipaddress.ip_address(server).version == 6 else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.connect((server, port))
            return sock.getsockname()[0]
    except OSError:
        return None


def _recv_exact(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise DnsFormatError("the server closed the TCP connection after %d of %d bytes" % (len(data), count))
        data += chunk
    return data


def _ask_tcp(server, port, packet, ident, timeout, family):
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect((server, port))
        sock.sendall(struct.pack("!H", len(packet)) + packet)
        length = struct.unpack("!H", _recv_exact(sock, 2))[0]
        return parse_response(_recv_exact(sock, length), ident)


def ask(server, name, timeout, attempts=2, port=53, qtype=AAAA):
    """Send one query to ``server``; returns ``{rcode, addresses}`` or ``{error: {kind, message}}``."""
    family = socket.AF_INET6 if ipaddress.ip_address(server).version == 6 else socket.AF_INET
    ident, packet = build_query(name, qtype)
    last = None
    for _attempt in range(max(1, attempts)):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as sock:
                sock.settimeout(timeout)
                sock.connect((server, port))
                sock.send(packet)
                while True:
                    try:
                        response = parse_response(sock.recv(4096), ident)
                        break
                    except DnsIdMismatch:
                        continue  # a late answer to an earlier attempt
            if response["truncated"]:
                response = _ask_tcp(server, port, packet, ident, timeout, family)
            wanted = AAAA if qtype == AAAA else A
            return {"rcode": response["rcode"], "addresses": [r["address"] for r in response["records"] if r["type"] == wanted and "address" in r]}
        except (OSError, DnsFormatError) as exc:
            last = exc
            if not isinstance(exc, socket.timeout):
                break
    return {"error": _error(last)}


# ---------------------------------------------------------------------------
# The proof, as the modules run it


# The options of the dns64_probe module, and the suboptions of state_info's
# dns64_probe: both modules take them from here, so they cannot drift apart.
ARGUMENT_SPEC = dict(
    servers=dict(type="list", elements="str", required=True),
    names=dict(type="list", elements="str", default=[WELL_KNOWN_NAME]),
    prefix=dict(type="str", default=""),
    prefixes=dict(type="list", elements="str", default=[]),
    timeout=dict(type="float", default=3),
    attempts=dict(type="int", default=2),
    port=dict(type="int", default=53),
    warn_only=dict(type="bool", default=False),
)


def argument_problems(params):
    """What is wrong with the options of ``ARGUMENT_SPEC``, one message each, before any query."""
    problems = []
    if not params["servers"]:
        problems.append("servers: the list is empty")
    for server in params["servers"]:
        try:
            ipaddress.ip_address(server)
        except ValueError:
            problems.append("servers: %r is not an IP address" % (server,))
    if not params["names"]:
        problems.append("names: the list is empty")
    for name in params["names"]:
        try:
            encode_name(name)
            if not name.strip("."):
                raise ValueError("empty")
        except (ValueError, UnicodeError) as exc:
            problems.append("names: %r is not a domain name (%s)" % (name, exc))
    for option, value in [("prefix", params["prefix"])] + [("prefixes", p) for p in params["prefixes"]]:
        if not value:
            continue
        problem = prefix_problem(value, version=6)
        if problem is None and ipaddress.IPv6Network(value).prefixlen != 96:
            problem = "%r is not a /96" % value
        if problem:
            problems.append("%s: %s" % (option, problem))
    if params["timeout"] <= 0:
        problems.append("timeout: must be positive")
    if not 1 <= params["port"] <= 65535:
        problems.append("port: %d is not a port number" % params["port"])
    return problems


def prove(module, params, key=None):
    """Ask every resolver of ``params`` (the options of ``ARGUMENT_SPEC``) for every name; the module's result.

    Returns ``{prefix, prefix_source, checks, problems}``. When a resolver does
    not prove itself the module fails with one message naming every failed
    check, the result beside it, or only warns with ``warn_only``. ``key``: the
    option of the module the parameters came from (state_info's
    ``dns64_probe``), which prefixes the argument problems and holds the
    result in a failure; without it the result is the module's own.
    """
    problems = argument_problems(params)
    if problems:
        module.fail_json(msg="; ".join(("%s.%s" % (key, p)) if key else p for p in problems))

    answers = []
    for server in params["servers"]:
        source = source_address(server, params["port"])
        for name in params["names"]:
            outcome = ask(server, name, params["timeout"], attempts=params["attempts"], port=params["port"])
            answers.append({"server": server, "source": source, "name": name, "outcome": outcome})
    result = evaluate(answers, params["prefix"] or None, params["timeout"], prefixes=params["prefixes"])
    checks = [
        dict({field: check.get(field) for field in ("server", "source", "name", "ok", "detail", "cause")}, addresses=check["outcome"].get("addresses") or [])
        for check in result["checks"]
    ]
    output = dict(prefix=result["prefix"] or "", prefix_source=result["prefix_source"] or "", checks=checks, problems=result["problems"])
    if result["problems"]:
        message = "the DNS64 resolvers do not prove themselves to this host: " + "; ".join(result["problems"])
        if not params["warn_only"]:
            module.fail_json(msg=message, changed=False, **({key: output} if key else output))
        module.warn(message)
    return output
