# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The verify role's decisions: the probe's raw results in, report lines out (private).

The probe (roles/verify/files/probe.py) only observes: it resolves, connects
and lists. Everything that judges what it saw lives here, as pure functions
the role reaches through the filters of ``plugins/filter/verify.py``.

A check is ``{check, status, detail}``; ``status`` is ``pass``, ``fail``,
``warn`` (worth knowing, does not fail the host) or ``skip`` (not tested,
with the reason).
"""

from __future__ import annotations

import ipaddress
import json

from ansible_collections.ipv6ready.docker.plugins.module_utils._gai import (
    GaiError,
    effective_tables,
    parse,
    predict_order,
    table_as_dicts,
)
from ansible_collections.ipv6ready.docker.plugins.module_utils._musl import MuslModelError, musl_order
from ansible_collections.ipv6ready.docker.plugins.module_utils._names import socket_problems

PASS, FAIL, WARN, SKIP = "pass", "fail", "warn", "skip"
# The label of the probe containers (roles/verify/files/probe.py starts them
# with it; a unit test holds the two equal). A probe ends by itself after
# verify_probe_lifetime: the networks, daemon and hcloud_ipv6only decisions
# leave it out, and the daemon role names the ones to remove before a
# restart (is_probe).
PROBE_LABEL = ("ipv6ready.verify", "probe")


def is_probe(labels):
    """Are these a container's labels (a dict, or None) those of a verify probe?"""
    return (labels or {}).get(PROBE_LABEL[0]) == PROBE_LABEL[1]


_ULA = ipaddress.IPv6Network("fc00::/7")


def input_problems(inputs):
    """What stops the checks before they start, one message per problem, each naming its variable.

    ``inputs``: ``ipv6ready_docker_socket``, ``verify_probe_lifetime``, ``verify_dns64_name``, and
    ``prefixes``, the NAT64 /96s the role settled on (``verify_nat64_prefix``,
    else ``nat64_client_prefix``, else the first gateway's fact, plus
    ``verify_nat64_prefixes``): a DNS64 answer is judged against them.
    """
    problems = socket_problems(inputs.get("ipv6ready_docker_socket"), "ipv6ready_docker_socket")
    lifetime = inputs.get("verify_probe_lifetime")
    if isinstance(lifetime, bool) or not isinstance(lifetime, (int, float)) or lifetime <= 0:
        problems.append("verify_probe_lifetime must be a positive number of seconds, not %r." % (lifetime,))
    if inputs.get("verify_dns64_name") and not inputs.get("prefixes"):
        problems.append(
            "verify_nat64_prefix is empty and neither nat64_client_prefix nor a gateway's nat64_gateway_active_prefix is known: set verify_nat64_prefix."
        )
    return problems


def check(name, status, detail):
    return {"check": name, "status": status, "detail": detail}


def _networks(prefix):
    """``prefix`` (one, or a list of several) as networks; unparsable ones skipped."""
    out = []
    for value in [prefix] if isinstance(prefix, str) or prefix is None else prefix:
        try:
            out.append(ipaddress.ip_network(value, strict=False))
        except (ValueError, TypeError):
            continue
    return out


def _shown(prefix):
    return ", ".join(str(n) for n in _networks(prefix)) or str(prefix)


def _inside(addresses, prefix):
    """The addresses that lie inside ``prefix``, or inside any of a list of prefixes (unparsable ones skipped)."""
    networks = _networks(prefix)
    out = []
    for value in addresses or ():
        try:
            if any(ipaddress.ip_address(value) in network for network in networks):
                out.append(value)
        except ValueError:
            continue
    return out


def _is_ipv6(value):
    return ":" in str(value or "")


# ---------------------------------------------------------------------------
# The host


def dns64_check(dns64, name, prefix):
    """The host resolves ``name`` (IPv4-only) to an AAAA inside the NAT64 prefix (or one of several)."""
    answer = dns64 or {}
    synthesized = _inside(answer.get("addresses"), prefix)
    if synthesized:
        return check("host: DNS64 answers " + name, PASS, "AAAA " + ", ".join(synthesized))
    got = answer.get("error") or "no AAAA inside %s, got %s" % (_shown(prefix), ", ".join(answer.get("addresses") or []) or "none")
    return check("host: DNS64 answers " + name, FAIL, got + " (is the resolver a DNS64 resolver? is it allowed to answer this host?)")


def target_checks(targets, prefix, where="host"):
    """One TCP check per target: connected (through NAT64 when the peer is in the prefix) or why not."""
    out = []
    for target in targets or ():
        name = "%s: TCP %s:%s" % (where, target.get("name"), target.get("port"))
        if "connected" in target:
            peer = target["connected"]
            via = " (NAT64)" if prefix and _inside([peer], prefix) else ""
            out.append(check(name, PASS, "connected to %s%s" % (peer, via)))
        else:
            out.append(check(name, FAIL, target.get("error") or target.get("connect_error") or "?"))
    return out


def engine_check(engine):
    """The engine answers and runs with IPv6: an IPv6 network exists and the default bridge matches daemon.json."""
    engine = engine or {}
    name = "host: Docker engine healthy with IPv6"
    if engine.get("error"):
        return check(name, FAIL, engine["error"])
    networks = engine.get("ipv6_networks") or []
    problems = []
    if not networks:
        problems.append("no IPv6-enabled network (run ipv6ready.docker.daemon and ipv6ready.docker.networks)")
    wanted, actual = engine.get("daemon_json_ipv6"), engine.get("bridge_ipv6")
    if wanted is True and actual is False:
        problems.append(
            "daemon.json sets ipv6 but the default bridge has no IPv6: the engine has not been "
            "restarted with it (with live-restore on, a restart of dockerd is still needed)"
        )
    detail = "Docker %s, IPv6 networks: %s" % (engine.get("version") or "?", ", ".join(networks) or "none")
    if problems:
        return check(name, FAIL, detail + "; " + "; ".join(problems))
    return check(name, PASS, detail)


def host_checks(result, dns64_name, prefix):
    """All host checks from the probe's ``host`` output."""
    result = result or {}
    out = []
    if dns64_name:
        out.append(dns64_check(result.get("dns64"), dns64_name, prefix))
    out.extend(target_checks(result.get("targets"), prefix))
    if "engine" in result:
        out.append(engine_check(result["engine"]))
    return out


# ---------------------------------------------------------------------------
# Every gateway's path (a fleet of several gateways)


def gateway_paths(names, hostvars):
    """Each gateway as ``{name, address, prefix, synthesizes}``: its own address, its own NAT64 /96, the /96 its
    resolver synthesizes in. A value not known (the gateway was not in this run) is None.

    Empty for fewer than two gateways: the host's own checks prove the one path there is.
    """
    out = []
    if len(names or ()) < 2:
        return out
    for name in names or ():
        host = hostvars.get(name) or {}
        facts = host.get("ansible_facts") or {}
        address = host.get("nat64_failover_address") or (facts.get("default_ipv6") or {}).get("address")
        prefix = host.get("nat64_gateway_active_prefix")
        out.append({"name": name, "address": address, "prefix": prefix, "synthesizes": host.get("dns64_prefix") or prefix})
    return out


def _owner(address, paths):
    """The gateway whose resolver synthesizes in, or whose translator owns, the prefix ``address`` lies in."""
    for key in ("synthesizes", "prefix"):
        for path in paths:
            if path.get(key) and _inside([address], path[key]):
                return path["name"]
    return None


def _answers(dns):
    return {(c.get("server"), c.get("name")): c for c in (dns or {}).get("checks") or ()}


def _embed(address, prefix):
    """The IPv4 address in the last 32 bits of ``address``, embedded in the /96 ``prefix`` (RFC 6052)."""
    network = ipaddress.IPv6Network(prefix, strict=False)
    return str(ipaddress.IPv6Address(int(network.network_address) | (int(ipaddress.IPv6Address(address)) & 0xFFFFFFFF)))


def gateway_connects(dns, paths, resolvers, targets):
    """The TCP connections that prove every path: each target through each gateway's own /96 (the IPv4 address its
    resolver synthesized, embedded there), and through the answer of each of the host's resolvers."""
    answers = _answers(dns)
    out = []
    for target in targets or ():
        for path in paths:
            answer = answers.get((path.get("address"), target["host"])) or {}
            if answer.get("ok") and answer.get("addresses") and path.get("prefix"):
                out.append({"address": _embed(answer["addresses"][0], path["prefix"]), "port": int(target["port"])})
        for resolver in resolvers or ():
            answer = answers.get((resolver, target["host"])) or {}
            if answer.get("ok") and answer.get("addresses"):
                out.append({"address": answer["addresses"][0], "port": int(target["port"])})
    unique = []
    for item in out:
        if item not in unique:
            unique.append(item)
    return unique


def _connect_key(address, port):
    return "[%s]:%s" % (address, port)


def gateway_checks(dns, connected, paths, resolvers, targets, name):
    """One check per gateway and name (its own resolver), per gateway and target (its own translator), per resolver
    of the host (which gateway answered it) and target; ``connected`` is the probe's ``connects`` output."""
    answers = _answers(dns)
    connected = connected or {}
    names = ([name] if name else []) + [t["host"] for t in targets or () if t["host"] != name]
    out = []

    def dns_check(label, server, qname):
        answer = answers.get((server, qname))
        if answer is None:
            return None, check(label, SKIP, "not asked")
        if not answer.get("ok"):
            return None, check(label, FAIL, "%s: %s" % (answer.get("detail"), answer.get("cause")))
        address = (answer.get("addresses") or [None])[0]
        owner = _owner(address, paths) or "an unknown gateway"
        return address, check(label, PASS, "%s, synthesized by %s" % (answer.get("detail"), owner))

    def tcp_check(label, address, port, via):
        key = _connect_key(address, port)
        outcome = connected.get(key)
        if outcome == "connected":
            return check(label, PASS, "connected to %s%s" % (key, via))
        return check(label, FAIL, "%s: %s%s" % (key, outcome or "not tried", via))

    for path in paths:
        gateway = path["name"]
        if not path.get("address") or not path.get("prefix"):
            out.append(
                check("gateway %s: its own path" % gateway, SKIP, "not tested: its address or NAT64 prefix is not known (the gateway was not in this run)")
            )
            continue
        found = {}
        for qname in names:
            found[qname], line = dns_check("gateway %s: DNS64 at %s answers %s" % (gateway, path["address"], qname), path["address"], qname)
            out.append(line)
        for target in targets or ():
            label = "gateway %s: TCP %s:%s through its own prefix %s" % (gateway, target["host"], target["port"], path["prefix"])
            if not found.get(target["host"]):
                out.append(check(label, SKIP, "not tested: its resolver gave no address"))
                continue
            out.append(tcp_check(label, _embed(found[target["host"]], path["prefix"]), target["port"], " (translated by %s)" % gateway))
    for resolver in resolvers or ():
        found = {}
        for qname in names:
            found[qname], line = dns_check("resolver %s answers %s" % (resolver, qname), resolver, qname)
            out.append(line)
        for target in targets or ():
            label = "resolver %s: TCP %s:%s through its answer" % (resolver, target["host"], target["port"])
            address = found.get(target["host"])
            if not address:
                out.append(check(label, SKIP, "not tested: the resolver gave no address"))
                continue
            owner = _owner(address, paths)
            out.append(tcp_check(label, address, target["port"], " (the NAT64 prefix of %s)" % owner if owner else ""))
    return out


# ---------------------------------------------------------------------------
# The containers


def policy_tables(text):
    """The label and precedence tables of a gai.conf text (``None`` for built-in ones, or an unparsable file)."""
    if not text:
        return None, None
    try:
        tables = effective_tables(parse(text))
    except GaiError:
        return None, None
    labels = tables["labels"] and table_as_dicts(tables["labels"], "label")
    precedences = tables["precedences"] and table_as_dicts(tables["precedences"], "precedence")
    return labels or None, precedences or None


def _glibc_check(network, target, labels, precedences, gai_conf):
    name = "%s: getaddrinfo order for %s" % (network, target.get("name"))
    if "error" in target:
        return check(name, FAIL, target["error"])
    order = target.get("order") or []
    destinations = [o.get("destination") for o in order]
    first_is_ipv6 = bool(destinations) and _is_ipv6(destinations[0])
    if first_is_ipv6:
        return check(name, PASS, " > ".join(destinations))
    try:
        predicted = predict_order(order, labels, precedences)
        why = predicted[0]["reason"] if predicted else "?"
    except GaiError as exc:
        why = "(cannot explain: %s)" % exc
    sources = ", ".join(o.get("source") or "none" for o in order)
    fix = "mount %s as /etc/gai.conf" % gai_conf if gai_conf else "mount a policy file (gai_policy) as /etc/gai.conf"
    return check(name, FAIL, "%s; IPv4 first because: %s (sources: %s; %s)" % (" > ".join(destinations) or "no address", why, sources, fix))


def _musl_check(network, target, musl):
    """What a musl (Alpine) container on this network would try first; only where both families answer."""
    order = target.get("order") or []
    if musl == "ignore" or "error" in target:
        return None
    if not any(_is_ipv6(o.get("destination")) for o in order) or all(_is_ipv6(o.get("destination")) for o in order):
        return None
    name = "%s: musl (Alpine) order for %s" % (network, target.get("name"))
    try:
        predicted = musl_order(order)
    except MuslModelError as exc:
        return check(name, WARN, "cannot predict: %s" % exc)
    destinations = " > ".join(p["destination"] for p in predicted)
    if _is_ipv6(predicted[0]["destination"]):
        return check(name, PASS, "%s (predicted; musl ignores gai.conf)" % destinations)
    if any(_is_ipv6(p["destination"]) and ipaddress.ip_address(p["destination"]) in _ULA for p in predicted):
        advice = (
            "the NAT64 prefix is a unique local one (fc00::/7), which musl ranks below IPv4 on any dual-stack "
            "network: only an IPv6-only network (or a NAT64 prefix out of a global /64) changes that"
        )
    else:
        advice = "give it a network with global addresses (networks carved from the host's /64) or an IPv6-only network"
    return check(
        name,
        FAIL if musl == "fail" else WARN,
        "%s (predicted): a musl image tries IPv4 first here, whatever gai.conf says, because %s; %s" % (destinations, predicted[0]["reason"], advice),
    )


def container_checks(result, gai_conf="", musl="warn"):
    """Order, musl and reachability checks of every probe network, from the probe's ``containers`` output."""
    result = result or {}
    if result.get("error"):
        return [check("containers: probe", FAIL, result["error"])]
    networks = result.get("networks") or {}
    if not networks:
        return [check("containers: an IPv6 Docker network", FAIL, "the engine has no IPv6-enabled network (run ipv6ready.docker.networks)")]
    labels, precedences = policy_tables(result.get("policy"))
    out = []
    for network in sorted(networks):
        res = networks[network] or {}
        if res.get("error"):
            out.append(check(network + ": probe container", FAIL, res["error"]))
        for target in res.get("targets") or ():
            out.append(_glibc_check(network, target, labels, precedences, gai_conf))
            musl_line = _musl_check(network, target, musl)
            if musl_line:
                out.append(musl_line)
            out.extend(target_checks([target], None, where=network))
    return out


def exposure_addresses(result, route):
    """The probe addresses worth trying from outside: a unique local address only through a temporary route."""
    out = []
    for network in sorted((result or {}).get("networks") or {}):
        res = result["networks"][network] or {}
        if not res.get("listening"):
            continue
        for address in res.get("addresses") or ():
            if route or ipaddress.ip_address(address) not in _ULA:
                out.append(address)
    return out


def exposure_entry(result, host, source, route, via, port, timeout):
    """What one Docker host gives its batch's exposure run: ``{}`` when there is nothing to try.

    ``source`` is the inventory host the ports are tried from (empty: none),
    ``via`` the Docker host's own IPv6 address (the temporary routes' next hop
    when ``route``).
    """
    addresses = exposure_addresses(result, route)
    if not source or not addresses:
        return {}
    return {"source": source, "host": host, "addresses": addresses, "route": bool(route), "via": via or "", "port": int(port), "timeout": float(timeout)}


def exposure_runs(hosts, entries):
    """One exposure run per source for the Docker hosts of a batch, ``[{source, spec: {hosts: [...]}}]``.

    ``hosts`` are the batch's hosts in order, ``entries`` maps each to what
    ``exposure_entry`` returned (a host missing or with an empty entry has
    nothing to try: its probe step failed or was skipped, it has no source or
    no address).
    """
    runs = {}
    for host in hosts:
        entry = entries.get(host) or {}
        if not entry.get("source") or not entry.get("addresses"):
            continue
        runs.setdefault(entry["source"], []).append({k: v for k, v in entry.items() if k != "source"})
    return [{"source": source, "spec": {"hosts": runs[source]}} for source in sorted(runs)]


def exposure_of(registered, host, source):
    """This host's part of its batch's exposure runs (the registered loop result): ``{address: outcome}``."""
    for run in (registered or {}).get("results") or ():
        if (run.get("item") or {}).get("source") != source or run.get("skipped") or run.get("failed"):
            continue
        try:
            out = json.loads(run.get("stdout") or "{}")
        except ValueError:
            return {}
        return ((out.get("exposure") or {}).get(host)) or {}
    return {}


def exposure_checks(result, exposure, source, port, route, elapsed=0.0, lifetime=0.0):
    """Is an unpublished container port closed to ``source``? Says "not tested" where nothing was proven.

    Each probe listens for ``lifetime`` seconds from its start, then ends
    (probe.py serve). ``elapsed`` runs from before the probes started until
    after the exposure run ended, both on the controller's clock: below
    ``lifetime``, every probe still listened when its port was tried. Else a
    closed port may only mean that the probe had ended, which proves
    nothing: that fails the check (an OPEN port is proof either way).
    """
    out = []
    exposure = exposure or {}
    expired = bool(lifetime) and elapsed >= lifetime
    for network in sorted((result or {}).get("networks") or {}):
        res = result["networks"][network] or {}
        for address in res.get("addresses") or ():
            name = "%s: unpublished port %s closed to %s" % (network, port, source or "the gateway")
            where = "[%s]:%s " % (address, port)
            if not source:
                out.append(check(name, SKIP, where + "not tested: no verify_exposure_from and no NAT64 gateway"))
            elif not res.get("listening"):
                out.append(check(name, FAIL, where + "not tested: the listener in the probe did not accept connections, so a closed port proves nothing"))
            elif not route and ipaddress.ip_address(address) in _ULA:
                out.append(
                    check(
                        name,
                        SKIP,
                        where + "not tested: a unique local address is not routed to this "
                        "host, so a timeout would prove nothing; set "
                        "verify_exposure_route to try it through a temporary route "
                        "via the Docker host",
                    )
                )
            elif address not in exposure:
                out.append(check(name, SKIP, where + "not tested"))
            elif exposure[address] == "OPEN":
                out.append(check(name, FAIL, where + "is OPEN over IPv6: keep ip6tables on and the FORWARD policy DROP"))
            elif exposure[address].startswith("not tested"):
                out.append(check(name, SKIP, where + exposure[address]))
            elif expired:
                out.append(
                    check(
                        name,
                        FAIL,
                        where + "not tested: the exposure run ended %d s after the probes started, and a probe listens for "
                        "verify_probe_lifetime (%d s), so a closed port proves nothing; raise verify_probe_lifetime" % (elapsed, lifetime),
                    )
                )
            else:
                out.append(check(name, PASS, where + exposure[address]))
    return out


# ---------------------------------------------------------------------------
# The report


def report(checks):
    """``STATUS | check | detail`` lines, and the message the host fails with (empty when nothing failed)."""
    lines = ["%s | %s | %s" % (c["status"].upper(), c["check"], c["detail"]) for c in checks]
    failed = [c for c in checks if c["status"] == FAIL]
    counts = {}
    for c in checks:
        counts[c["status"]] = counts.get(c["status"], 0) + 1
    summary = ", ".join("%d %s" % (counts[s], s) for s in (PASS, WARN, SKIP, FAIL) if counts.get(s))
    return {"lines": lines, "failed": "; ".join("%s: %s" % (c["check"], c["detail"]) for c in failed), "summary": summary or "no checks"}
