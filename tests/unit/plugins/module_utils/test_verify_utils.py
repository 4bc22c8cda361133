# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The verify role's decisions, from the probe's raw JSON to report lines."""

from __future__ import annotations

import json

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ipv6ready.docker.plugins.filter.verify import (
    verify_checks,
    verify_container_checks,
    verify_exposure_checks,
    verify_exposure_entry,
    verify_exposure_of,
    verify_exposure_runs,
    verify_problems,
    verify_report,
)
from ansible_collections.ipv6ready.docker.plugins.module_utils._gai import build_tables, render_block
from ansible_collections.ipv6ready.docker.plugins.module_utils._verify import (
    dns64_check,
    engine_check,
    exposure_addresses,
    policy_tables,
    report,
    target_checks,
)

PREFIX = "fd64:1ab:f1:0:64::/96"
SYNTH = "fd64:1ab:f1:0:64:0:aa5:319"
A = "10.165.3.25"


def statuses(checks):
    return [(c["check"], c["status"]) for c in checks]


# --------------------------------------------------------------------------- host


@pytest.mark.parametrize(
    "answer, status, detail",
    [
        ({"addresses": [SYNTH]}, "pass", "AAAA " + SYNTH),
        (
            {"addresses": ["2001:db8::25"]},
            "fail",
            "no AAAA inside %s, got 2001:db8::25 (is the resolver a DNS64 resolver? is it allowed to answer this host?)" % PREFIX,
        ),
        ({"addresses": []}, "fail", "no AAAA inside %s, got none (is the resolver" % PREFIX),
        (
            {"error": "getaddrinfo smtp.lab.test: [Errno -5] No address associated with hostname"},
            "fail",
            "getaddrinfo smtp.lab.test: [Errno -5] No address associated with hostname (is the resolver",
        ),
        (None, "fail", "no AAAA inside"),
    ],
)
def test_dns64_check(answer, status, detail):
    result = dns64_check(answer, "smtp.lab.test", PREFIX)
    assert result["check"] == "host: DNS64 answers smtp.lab.test"
    assert result["status"] == status and result["detail"].startswith(detail)


def test_target_checks_mark_nat64_peers():
    checks = target_checks(
        [
            {"name": "smtp.lab.test", "port": 587, "connected": SYNTH},
            {"name": "v6.lab.test", "port": 443, "connected": "2001:db8::443"},
            {"name": "smtp.lab.test", "port": 25, "connect_error": "timed out"},
            {"name": "x.invalid", "port": 1, "error": "getaddrinfo x.invalid: Name or service not known"},
        ],
        PREFIX,
    )
    assert [(c["check"], c["status"], c["detail"]) for c in checks] == [
        ("host: TCP smtp.lab.test:587", "pass", "connected to %s (NAT64)" % SYNTH),
        ("host: TCP v6.lab.test:443", "pass", "connected to 2001:db8::443"),
        ("host: TCP smtp.lab.test:25", "fail", "timed out"),
        ("host: TCP x.invalid:1", "fail", "getaddrinfo x.invalid: Name or service not known"),
    ]


@pytest.mark.parametrize(
    "engine, status, detail",
    [
        (
            {"version": "28.5.2", "ipv6_networks": ["bridge", "kamal"], "bridge_ipv6": True, "daemon_json_ipv6": True},
            "pass",
            "Docker 28.5.2, IPv6 networks: bridge, kamal",
        ),
        ({"version": "20.10.24", "ipv6_networks": ["kamal"], "bridge_ipv6": False, "daemon_json_ipv6": None}, "pass", "Docker 20.10.24, IPv6 networks: kamal"),
        (
            {"version": "28.5.2", "ipv6_networks": [], "bridge_ipv6": False, "daemon_json_ipv6": None},
            "fail",
            "Docker 28.5.2, IPv6 networks: none; no IPv6-enabled network",
        ),
        (
            {"version": "28.5.2", "ipv6_networks": ["kamal"], "bridge_ipv6": False, "daemon_json_ipv6": True},
            "fail",
            "Docker 28.5.2, IPv6 networks: kamal; daemon.json sets ipv6 but the default bridge has no IPv6",
        ),
        ({"error": "docker version: Cannot connect to the Docker daemon"}, "fail", "docker version: Cannot connect to the Docker daemon"),
    ],
)
def test_engine_check(engine, status, detail):
    result = engine_check(engine)
    assert result["check"] == "host: Docker engine healthy with IPv6"
    assert result["status"] == status and result["detail"].startswith(detail)


def test_verify_checks_of_the_host_output():
    result = {
        "dns64": {"addresses": [SYNTH]},
        "targets": [{"name": "smtp.lab.test", "port": 587, "connected": SYNTH}],
        "engine": {"version": "28.5.2", "ipv6_networks": ["kamal"]},
    }
    assert statuses(verify_checks(result, name="smtp.lab.test", prefix=PREFIX)) == [
        ("host: DNS64 answers smtp.lab.test", "pass"),
        ("host: TCP smtp.lab.test:587", "pass"),
        ("host: Docker engine healthy with IPv6", "pass"),
    ]
    # No name: no DNS64 check; no engine key (verify_engine off): no engine check.
    assert verify_checks({"dns64": None, "targets": []}) == []


def test_verify_checks_refuses_what_is_not_the_probe_output():
    with pytest.raises(AnsibleFilterError, match="expected the probe's JSON output"):
        verify_checks("text")


# --------------------------------------------------------------------------- containers


def policy_text(local=("fd00::/8",)):
    labels, precedences = build_tables(local_prefixes=local)
    return "".join(render_block(labels, precedences))


def test_policy_tables_of_a_written_policy_and_of_none():
    labels, precedences = policy_tables(policy_text())
    assert {"prefix": "fd00::/8", "label": 1} in labels
    assert {"prefix": "::/0", "precedence": 40} in precedences
    assert policy_tables(None) == (None, None)
    assert policy_tables("label nonsense\n") == (None, None)


ULA_ORDER_V6_FIRST = [{"destination": SYNTH, "source": "fd00:d0c:0:145::2"}, {"destination": A, "source": "172.18.0.2"}]
GUA_NAT64 = "2001:db8:1:a:64:0:a5:319"
GUA_ORDER = [{"destination": GUA_NAT64, "source": "2001:db8:1:a:d0c::2"}, {"destination": A, "source": "172.19.0.2"}]


def containers(networks, policy=None):
    return {"networks": networks, "policy": policy}


def net(order, connected=None, addresses=("fd00:d0c:0:145::2",), listening=True):
    target = {"name": "smtp.lab.test", "port": 587, "order": order}
    if connected:
        target["connected"] = connected
    else:
        target["connect_error"] = "[Errno 101] Network is unreachable"
    return {"addresses": list(addresses), "listening": listening, "targets": [target]}


def test_container_checks_on_a_ula_network_with_the_policy_warn_about_musl():
    checks = verify_container_checks(containers({"kamal": net(ULA_ORDER_V6_FIRST, connected=SYNTH)}, policy_text()), gai_conf="/etc/ipv6ready/gai.conf")
    assert statuses(checks) == [
        ("kamal: getaddrinfo order for smtp.lab.test", "pass"),
        ("kamal: musl (Alpine) order for smtp.lab.test", "warn"),
        ("kamal: TCP smtp.lab.test:587", "pass"),
    ]
    assert checks[0]["detail"] == "%s > %s" % (SYNTH, A)
    musl = checks[1]["detail"]
    assert musl.startswith("%s > %s (predicted): a musl image tries IPv4 first here, whatever gai.conf says" % (A, SYNTH))
    assert musl.endswith(
        "the NAT64 prefix is a unique local one (fc00::/7), which musl ranks below IPv4 on any "
        "dual-stack network: only an IPv6-only network (or a NAT64 prefix out of a global /64) changes "
        "that"
    )


def test_container_checks_musl_advice_with_a_global_nat64_prefix_on_a_ula_network():
    order = [{"destination": GUA_NAT64, "source": "fd00:d0c:0:145::2"}, {"destination": A, "source": "172.18.0.2"}]
    checks = verify_container_checks(containers({"kamal": net(order, connected=GUA_NAT64)}))
    musl = [c for c in checks if "musl" in c["check"]][0]
    assert musl["status"] == "warn" and "rule 5 (matching label)" in musl["detail"]
    assert musl["detail"].endswith("give it a network with global addresses (networks carved from the host's /64) or an IPv6-only network")


@pytest.mark.parametrize("musl, status", [("fail", "fail"), ("warn", "warn")])
def test_container_checks_musl_severity(musl, status):
    checks = verify_container_checks(containers({"kamal": net(ULA_ORDER_V6_FIRST, connected=SYNTH)}), musl=musl)
    assert ("kamal: musl (Alpine) order for smtp.lab.test", status) in statuses(checks)


def test_container_checks_musl_ignored():
    checks = verify_container_checks(containers({"kamal": net(ULA_ORDER_V6_FIRST, connected=SYNTH)}), musl="ignore")
    assert not [c for c in checks if "musl" in c["check"]]


def test_container_checks_musl_passes_on_a_global_network():
    checks = verify_container_checks(containers({"gua": net(GUA_ORDER, connected=GUA_NAT64)}))
    musl = [c for c in checks if "musl" in c["check"]][0]
    assert musl["status"] == "pass"
    assert musl["detail"] == "%s > %s (predicted; musl ignores gai.conf)" % (GUA_NAT64, A)


def test_container_checks_musl_passes_on_an_ipv6_only_network():
    order = [{"destination": SYNTH, "source": "fd00:d0c:0:146::2"}, {"destination": A, "source": None}]
    checks = verify_container_checks(containers({"v6only": net(order, connected=SYNTH)}))
    assert ("v6only: musl (Alpine) order for smtp.lab.test", "pass") in statuses(checks)


def test_container_checks_no_musl_line_where_only_one_family_answers():
    order = [{"destination": SYNTH, "source": "fd00:d0c:0:145::2"}]
    checks = verify_container_checks(containers({"kamal": net(order, connected=SYNTH)}))
    assert not [c for c in checks if "musl" in c["check"]]


def test_container_checks_explain_ipv4_first_without_the_policy():
    # The incident: a ULA source, a NAT64 AAAA out of a global prefix, glibc's built-in labels.
    observed = [{"destination": A, "source": "172.18.0.2"}, {"destination": GUA_NAT64, "source": "fd00:d0c:0:145::2"}]
    checks = verify_container_checks(containers({"kamal": net(observed)}), gai_conf="/etc/ipv6ready/gai.conf")
    order = checks[0]
    assert order["status"] == "fail"
    assert order["detail"].startswith("%s > %s; IPv4 first because: rule 5 (prefer matching label)" % (A, GUA_NAT64))
    assert order["detail"].endswith("(sources: 172.18.0.2, fd00:d0c:0:145::2; mount /etc/ipv6ready/gai.conf as /etc/gai.conf)")
    assert checks[-1] == {"check": "kamal: TCP smtp.lab.test:587", "status": "fail", "detail": "[Errno 101] Network is unreachable"}


def test_container_checks_report_a_resolution_error_once_per_check():
    target = {"name": "smtp.lab.test", "port": 587, "error": "getaddrinfo smtp.lab.test: failure"}
    checks = verify_container_checks(containers({"kamal": {"addresses": [], "listening": True, "targets": [target]}}))
    assert statuses(checks) == [("kamal: getaddrinfo order for smtp.lab.test", "fail"), ("kamal: TCP smtp.lab.test:587", "fail")]


@pytest.mark.parametrize(
    "result, expected",
    [
        ({"error": "the policy /etc/ipv6ready/gai.conf is missing"}, [("containers: probe", "fail")]),
        ({"networks": {}, "policy": None}, [("containers: an IPv6 Docker network", "fail")]),
        ({"networks": {"bad": {"container": "x", "error": "docker run on bad: no such network"}}, "policy": None}, [("bad: probe container", "fail")]),
    ],
)
def test_container_checks_of_a_failed_probe(result, expected):
    assert statuses(verify_container_checks(result)) == expected


def test_container_checks_refuse_an_unknown_musl_mode():
    with pytest.raises(AnsibleFilterError, match="musl must be warn, fail or ignore"):
        verify_container_checks({}, musl="maybe")


# --------------------------------------------------------------------------- exposure

PROBES = containers(
    {
        "kamal": {"addresses": ["fd00:d0c:0:145::2"], "listening": True, "targets": []},
        "public": {"addresses": ["2001:db8:1:a:d0c::2"], "listening": True, "targets": []},
        "deaf": {"addresses": ["2001:db8:1:a:d0d::2"], "listening": False, "targets": []},
    }
)


def test_exposure_addresses_skip_ula_without_a_route_and_deaf_probes():
    assert exposure_addresses(PROBES, False) == ["2001:db8:1:a:d0c::2"]
    assert exposure_addresses(PROBES, True) == ["fd00:d0c:0:145::2", "2001:db8:1:a:d0c::2"]


def test_exposure_checks_without_a_route():
    checks = verify_exposure_checks(PROBES, exposure={"2001:db8:1:a:d0c::2": "closed: timed out"}, source="lab-gw", port=7077)
    assert [(c["check"], c["status"], c["detail"]) for c in checks] == [
        (
            "deaf: unpublished port 7077 closed to lab-gw",
            "fail",
            "[2001:db8:1:a:d0d::2]:7077 not tested: the listener in the probe did not accept connections, so a closed port proves nothing",
        ),
        (
            "kamal: unpublished port 7077 closed to lab-gw",
            "skip",
            "[fd00:d0c:0:145::2]:7077 not tested: a unique local address is not routed to this host, so a timeout "
            "would prove nothing; set verify_exposure_route to try it through a temporary route via the Docker host",
        ),
        ("public: unpublished port 7077 closed to lab-gw", "pass", "[2001:db8:1:a:d0c::2]:7077 closed: timed out"),
    ]


@pytest.mark.parametrize(
    "outcome, status, detail",
    [
        ("closed: timed out", "pass", "closed: timed out"),
        ("OPEN", "fail", "is OPEN over IPv6: keep ip6tables on and the FORWARD policy DROP"),
        ("not tested: ip -6 route replace fd00:d0c:0:145::2/128 via fd64::22: RTNETLINK answers: File exists", "skip", "not tested: ip -6 route replace"),
        (None, "skip", "not tested"),
    ],
)
def test_exposure_checks_with_a_route(outcome, status, detail):
    exposure = {} if outcome is None else {"fd00:d0c:0:145::2": outcome}
    kamal_only = containers({"kamal": PROBES["networks"]["kamal"]})
    [result] = verify_exposure_checks(kamal_only, exposure=exposure, source="lab-gw", port=7077, route=True)
    assert result["status"] == status
    assert result["detail"].startswith("[fd00:d0c:0:145::2]:7077 " + detail)


@pytest.mark.parametrize(
    "outcome, elapsed, status, detail",
    [
        pytest.param("closed: timed out", 119.9, "pass", "closed: timed out", id="closed-while-the-probe-listened"),
        pytest.param(
            "closed: timed out",
            120,
            "fail",
            "not tested: the exposure run ended 120 s after the probes started, and a probe listens for verify_probe_lifetime (120 s), "
            "so a closed port proves nothing; raise verify_probe_lifetime",
            id="closed-after-the-lifetime",
        ),
        pytest.param("OPEN", 500, "fail", "is OPEN over IPv6", id="open-is-proof-whenever"),
        pytest.param("not tested: no route", 500, "skip", "not tested: no route", id="not-tested-stays-so"),
    ],
)
def test_exposure_checks_judge_the_probes_lifetime(outcome, elapsed, status, detail):
    kamal_only = containers({"kamal": PROBES["networks"]["kamal"]})
    exposure = {"fd00:d0c:0:145::2": outcome}
    [result] = verify_exposure_checks(kamal_only, exposure=exposure, source="lab-gw", port=7077, route=True, elapsed=elapsed, lifetime=120)
    assert (result["status"], result["detail"].startswith("[fd00:d0c:0:145::2]:7077 " + detail)) == (status, True), result


def test_exposure_checks_without_a_gateway_are_not_tested():
    kamal_only = containers({"kamal": PROBES["networks"]["kamal"]})
    [result] = verify_exposure_checks(kamal_only, source="", port=7077, route=True)
    assert result["status"] == "skip"
    assert result["detail"].endswith("not tested: no verify_exposure_from and no NAT64 gateway")


# --------------------------------------------------------------------------- one exposure run per batch

ULA_ONLY = containers({"kamal": PROBES["networks"]["kamal"]})


@pytest.mark.parametrize(
    "result, source, route, via, expected",
    [
        pytest.param(
            ULA_ONLY,
            "lab-gw",
            True,
            "fd64::21",
            {"source": "lab-gw", "host": "h1", "addresses": ["fd00:d0c:0:145::2"], "route": True, "via": "fd64::21", "port": 7077, "timeout": 5.0},
            id="ula-through-a-route",
        ),
        pytest.param(ULA_ONLY, "lab-gw", False, "fd64::21", {}, id="ula-without-a-route-has-nothing-to-try"),
        pytest.param(ULA_ONLY, "", True, "fd64::21", {}, id="no-source"),
        pytest.param(containers({}), "lab-gw", True, "fd64::21", {}, id="no-address"),
        pytest.param({"error": "docker run failed"}, "lab-gw", True, "fd64::21", {}, id="failed-probe"),
        pytest.param(
            PROBES,
            "gw2",
            False,
            "",
            {"source": "gw2", "host": "h1", "addresses": ["2001:db8:1:a:d0c::2"], "route": False, "via": "", "port": 7077, "timeout": 5.0},
            id="global-only-without-a-route",
        ),
    ],
)
def test_exposure_entry(result, source, route, via, expected):
    assert verify_exposure_entry(result, host="h1", source=source, route=route, via=via, port="7077", timeout="5") == expected


def entry(host, source, addresses=("fd00:d0c:0:145::2",)):
    return {"source": source, "host": host, "addresses": list(addresses), "route": True, "via": "fd64::" + host, "port": 7077, "timeout": 5.0}


def runs_spec(*hosts):
    return {"hosts": [{k: v for k, v in h.items() if k != "source"} for h in hosts]}


@pytest.mark.parametrize(
    "batch, entries, expected",
    [
        pytest.param(
            ["h1", "h2", "h3"],
            {"h1": entry("h1", "gw"), "h2": entry("h2", "gw"), "h3": entry("h3", "gw")},
            [{"source": "gw", "spec": runs_spec(entry("h1", "gw"), entry("h2", "gw"), entry("h3", "gw"))}],
            id="one-run-for-the-batch-with-equal-addresses",
        ),
        pytest.param(
            ["h1", "h2", "h3"],
            {"h1": entry("h1", "gw-b"), "h2": entry("h2", "gw-a"), "h3": entry("h3", "gw-b")},
            [
                {"source": "gw-a", "spec": runs_spec(entry("h2", "gw-a"))},
                {"source": "gw-b", "spec": runs_spec(entry("h1", "gw-b"), entry("h3", "gw-b"))},
            ],
            id="one-run-per-source",
        ),
        pytest.param(
            ["h1", "h2", "h3", "h4"],
            {"h1": {}, "h2": entry("h2", "gw"), "h4": entry("h4", "gw", addresses=())},
            [{"source": "gw", "spec": runs_spec(entry("h2", "gw"))}],
            id="failed-or-skipped-probe-missing-entry-no-address",
        ),
        pytest.param(["h1"], {"h1": entry("h1", "")}, [], id="no-source"),
        pytest.param(["h1", "h2"], {"h1": entry("h1", "gw")}, [{"source": "gw", "spec": runs_spec(entry("h1", "gw"))}], id="outside-the-batch-ignored"),
        pytest.param([], {"h1": entry("h1", "gw")}, [], id="empty-batch"),
    ],
)
def test_exposure_runs(batch, entries, expected):
    # A host of the batch without the fact (verify skipped on it) has no entry in hostvars.
    hostvars = {h: ({"__verify_exposure_entry": entries[h]} if h in entries else {}) for h in ["h1", "h2", "h3", "h4"]}
    assert verify_exposure_runs(batch, hostvars) == expected


def registered(*runs):
    return {"changed": False, "results": list(runs)}


def run_result(source, stdout, **extra):
    return dict({"item": {"source": source, "spec": {}}, "stdout": stdout, "rc": 0}, **extra)


ULA = "fd00:d0c:0:145::2"
RUNS = registered(
    run_result("gw-a", json.dumps({"exposure": {"h1": {ULA: "closed: timed out"}, "h2": {ULA: "OPEN"}}})),
    run_result("gw-b", json.dumps({"exposure": {"h1": {ULA: "OPEN"}}})),
)


@pytest.mark.parametrize(
    "reg, host, source, expected",
    [
        pytest.param(RUNS, "h1", "gw-a", {ULA: "closed: timed out"}, id="own-part-equal-addresses"),
        pytest.param(RUNS, "h2", "gw-a", {ULA: "OPEN"}, id="other-host-same-address"),
        pytest.param(RUNS, "h1", "gw-b", {ULA: "OPEN"}, id="own-source-only"),
        pytest.param(RUNS, "h3", "gw-a", {}, id="host-not-in-the-run"),
        pytest.param(RUNS, "h1", "", {}, id="no-source"),
        pytest.param({"skipped": True, "results": []}, "h1", "gw-a", {}, id="nothing-to-try-in-the-batch"),
        pytest.param(registered(run_result("gw-a", "", failed=True)), "h1", "gw-a", {}, id="failed-run"),
        pytest.param(registered(run_result("gw-a", "not json")), "h1", "gw-a", {}, id="garbled-output"),
        pytest.param(None, "h1", "gw-a", {}, id="not-registered"),
    ],
)
def test_exposure_of(reg, host, source, expected):
    assert verify_exposure_of(reg, host=host, source=source) == expected


def test_exposure_of_a_batch_is_judged_per_host_as_before():
    """Two hosts with the same probe address: each is judged by its own outcome, with the same messages."""
    h1 = verify_exposure_checks(ULA_ONLY, exposure=verify_exposure_of(RUNS, host="h1", source="gw-a"), source="gw-a", port=7077, route=True)
    h2 = verify_exposure_checks(ULA_ONLY, exposure=verify_exposure_of(RUNS, host="h2", source="gw-a"), source="gw-a", port=7077, route=True)
    assert [(c["check"], c["status"], c["detail"]) for c in h1] == [
        ("kamal: unpublished port 7077 closed to gw-a", "pass", "[fd00:d0c:0:145::2]:7077 closed: timed out")
    ]
    assert [(c["check"], c["status"], c["detail"]) for c in h2] == [
        ("kamal: unpublished port 7077 closed to gw-a", "fail", "[fd00:d0c:0:145::2]:7077 is OPEN over IPv6: keep ip6tables on and the FORWARD policy DROP")
    ]


# --------------------------------------------------------------------------- report


def test_report_lines_failure_message_and_summary():
    checks = [
        {"check": "host: DNS64 answers x", "status": "pass", "detail": "AAAA y"},
        {"check": "kamal: musl", "status": "warn", "detail": "IPv4 first"},
        {"check": "kamal: TCP x:587", "status": "fail", "detail": "timed out"},
        {"check": "kamal: exposure", "status": "skip", "detail": "not tested"},
        {"check": "host: TCP x:25", "status": "fail", "detail": "refused"},
    ]
    result = verify_report(checks)
    assert result["lines"] == [
        "PASS | host: DNS64 answers x | AAAA y",
        "WARN | kamal: musl | IPv4 first",
        "FAIL | kamal: TCP x:587 | timed out",
        "SKIP | kamal: exposure | not tested",
        "FAIL | host: TCP x:25 | refused",
    ]
    assert result["failed"] == "kamal: TCP x:587: timed out; host: TCP x:25: refused"
    assert result["summary"] == "1 pass, 1 warn, 1 skip, 2 fail"
    assert report([]) == {"lines": [], "failed": "", "summary": "no checks"}


def test_report_refuses_what_is_not_a_list():
    with pytest.raises(AnsibleFilterError, match="expected a list of checks"):
        verify_report({"check": "x"})


# --------------------------------------------------------------------------- the inputs

PREFIX_PROBLEM = "verify_nat64_prefix is empty and neither nat64_client_prefix nor a gateway's nat64_gateway_active_prefix is known: set verify_nat64_prefix."


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        pytest.param(
            {"ipv6ready_docker_socket": "/run/docker.sock", "verify_probe_lifetime": 120, "verify_dns64_name": "smtp.example", "prefixes": ["64:ff9b::/96"]},
            [],
            id="usable",
        ),
        pytest.param(
            {"ipv6ready_docker_socket": "/run/docker.sock", "verify_probe_lifetime": 120, "verify_dns64_name": "", "prefixes": []},
            [],
            id="no-name-needs-no-prefix",
        ),
        pytest.param(
            {"ipv6ready_docker_socket": "/run/docker.sock", "verify_probe_lifetime": 120, "verify_dns64_name": "smtp.example", "prefixes": []},
            [PREFIX_PROBLEM],
            id="name-without-prefix",
        ),
        pytest.param(
            {"ipv6ready_docker_socket": "", "verify_probe_lifetime": 120, "verify_dns64_name": "smtp.example", "prefixes": []},
            ["ipv6ready_docker_socket: '' is not the path of a socket", PREFIX_PROBLEM],
            id="both-socket-first",
        ),
        pytest.param(
            {"ipv6ready_docker_socket": "run/docker.sock", "verify_probe_lifetime": 120, "verify_dns64_name": "", "prefixes": []},
            ["ipv6ready_docker_socket: 'run/docker.sock' is not the path of a socket"],
            id="relative-socket",
        ),
        *(
            pytest.param(
                {"ipv6ready_docker_socket": "/run/docker.sock", "verify_probe_lifetime": lifetime, "verify_dns64_name": "", "prefixes": []},
                ["verify_probe_lifetime must be a positive number of seconds, not %r." % (lifetime,)],
                id="lifetime-%s" % (lifetime,),
            )
            for lifetime in (0, -5, None, "120", True)
        ),
    ],
)
def test_problems_name_the_variable(inputs, expected):
    problems = verify_problems(inputs)
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected):
        assert problem.startswith(start)


def test_problems_refuse_what_is_not_a_dict():
    with pytest.raises(AnsibleFilterError, match="^verify_problems input: expected a dict"):
        verify_problems(["x"])


# --------------------------------------------------------------------------- every gateway's path

from ansible_collections.ipv6ready.docker.plugins.filter.verify import (  # noqa: E402
    verify_gateway_checks,
    verify_gateway_connects,
    verify_gateway_paths,
)

GW_HOSTVARS = {
    "gw1": {
        "ansible_facts": {"default_ipv6": {"address": "2001:db8:1::1"}},
        "nat64_gateway_active_prefix": "2001:db8:1:0:64::/96",
        "dns64_prefix": "2001:db8:f1:0:64::/96",
    },
    "gw2": {
        "ansible_facts": {"default_ipv6": {"address": "2001:db8:2::1"}},
        "nat64_gateway_active_prefix": "2001:db8:2:0:64::/96",
        "dns64_prefix": "2001:db8:f2:0:64::/96",
    },
    "gw3": {},
}
SMTP_V4 = 0xC6336419  # 198.51.100.25


def _synth(prefix):
    import ipaddress

    return str(ipaddress.IPv6Address(int(ipaddress.IPv6Network(prefix).network_address) | SMTP_V4))


def _dns(*answers):
    """dns64_probe's result: (server, name, ok, address or detail)."""
    checks = []
    for server, name, ok, value in answers:
        checks.append(
            {
                "server": server,
                "name": name,
                "ok": ok,
                "addresses": [value] if ok else [],
                "detail": ("AAAA %s inside ..." % value) if ok else value,
                "cause": "" if ok else "a firewall",
            }
        )
    return {"checks": checks}


def test_gateway_paths_from_the_run():
    assert verify_gateway_paths(["gw1", "gw2", "gw3"], GW_HOSTVARS) == [
        {"name": "gw1", "address": "2001:db8:1::1", "prefix": "2001:db8:1:0:64::/96", "synthesizes": "2001:db8:f1:0:64::/96"},
        {"name": "gw2", "address": "2001:db8:2::1", "prefix": "2001:db8:2:0:64::/96", "synthesizes": "2001:db8:f2:0:64::/96"},
        {"name": "gw3", "address": None, "prefix": None, "synthesizes": None},
    ]


def test_one_gateway_needs_no_path_of_its_own():
    assert verify_gateway_paths(["gw1"], GW_HOSTVARS) == []


PATHS = verify_gateway_paths(["gw1", "gw2"], GW_HOSTVARS)
TARGETS = [{"host": "smtp.test", "port": 587}]
RESOLVERS = ["2001:db8:f1::53", "2001:db8:f2::53"]


def test_gateway_connects_each_target_through_each_gateway_and_each_answer():
    dns = _dns(
        ("2001:db8:1::1", "smtp.test", True, _synth("2001:db8:f1:0:64::/96")),
        ("2001:db8:2::1", "smtp.test", True, _synth("2001:db8:f2:0:64::/96")),
        ("2001:db8:f1::53", "smtp.test", True, _synth("2001:db8:f2:0:64::/96")),  # gw2 holds fip-1
        ("2001:db8:f2::53", "smtp.test", False, "no answer"),
    )
    assert verify_gateway_connects(dns, paths=PATHS, resolvers=RESOLVERS, targets=TARGETS) == [
        {"address": _synth("2001:db8:1:0:64::/96"), "port": 587},
        {"address": _synth("2001:db8:2:0:64::/96"), "port": 587},
        {"address": _synth("2001:db8:f2:0:64::/96"), "port": 587},
    ]


def test_gateway_checks_name_the_gateway_that_answered():
    dns = _dns(
        ("2001:db8:1::1", "smtp.test", True, _synth("2001:db8:f1:0:64::/96")),
        ("2001:db8:2::1", "smtp.test", True, _synth("2001:db8:f2:0:64::/96")),
        ("2001:db8:f1::53", "smtp.test", True, _synth("2001:db8:f2:0:64::/96")),
        ("2001:db8:f2::53", "smtp.test", False, "no answer"),
    )
    connected = {
        "[%s]:587" % _synth("2001:db8:1:0:64::/96"): "connected",
        "[%s]:587" % _synth("2001:db8:2:0:64::/96"): "timed out",
        "[%s]:587" % _synth("2001:db8:f2:0:64::/96"): "connected",
    }
    checks = verify_gateway_checks(dns, connected=connected, paths=PATHS, resolvers=RESOLVERS, targets=TARGETS, name="smtp.test")
    assert statuses(checks) == [
        ("gateway gw1: DNS64 at 2001:db8:1::1 answers smtp.test", "pass"),
        ("gateway gw1: TCP smtp.test:587 through its own prefix 2001:db8:1:0:64::/96", "pass"),
        ("gateway gw2: DNS64 at 2001:db8:2::1 answers smtp.test", "pass"),
        ("gateway gw2: TCP smtp.test:587 through its own prefix 2001:db8:2:0:64::/96", "fail"),
        ("resolver 2001:db8:f1::53 answers smtp.test", "pass"),
        ("resolver 2001:db8:f1::53: TCP smtp.test:587 through its answer", "pass"),
        ("resolver 2001:db8:f2::53 answers smtp.test", "fail"),
        ("resolver 2001:db8:f2::53: TCP smtp.test:587 through its answer", "skip"),
    ]
    assert checks[0]["detail"].endswith("synthesized by gw1")
    assert checks[4]["detail"].endswith("synthesized by gw2")  # fip-1's resolver, answered by gw2
    assert "(translated by gw1)" in checks[1]["detail"]
    assert "timed out" in checks[3]["detail"]
    assert "(the NAT64 prefix of gw2)" in checks[5]["detail"]


def test_a_gateway_outside_the_run_is_not_tested():
    paths = verify_gateway_paths(["gw1", "gw3"], GW_HOSTVARS)
    checks = verify_gateway_checks(_dns(), connected={}, paths=paths, resolvers=[], targets=TARGETS, name="")
    assert statuses(checks)[-1] == ("gateway gw3: its own path", "skip")


@pytest.mark.parametrize(
    "prefix, status",
    [
        (["2001:db8:f1:0:64::/96", "2001:db8:f2:0:64::/96"], "pass"),
        (["2001:db8:f1:0:64::/96"], "fail"),
    ],
)
def test_the_host_dns64_check_takes_several_prefixes(prefix, status):
    result = dns64_check({"addresses": [_synth("2001:db8:f2:0:64::/96")]}, "smtp.test", prefix)
    assert result["status"] == status
