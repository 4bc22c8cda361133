# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The failover agent's decisions (roles/nat64_failover/files/nat64_failover.py): tables, then a simulation.

The simulation runs several agents through the agent's own ``step`` (the
same control flow as the service, with the API and the network replaced by
in-memory stand-ins) on a simulated clock: a gateway killed, a gateway back,
the link between gateways cut while every one reaches the API (split brain),
a drain, an API that does not answer. It counts every move.
"""

from __future__ import annotations

import importlib.util
import os
import random
import struct

import pytest

AGENT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "nat64_failover", "files", "nat64_failover.py")


def _load():
    spec = importlib.util.spec_from_file_location("ipv6ready_nat64_failover", AGENT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fo = _load()

NAMES = ["gw1", "gw2", "gw3"]


def config(me="gw1", count=2, **overrides):
    gateways = [{"name": name, "address": "2001:db8:%d::1" % (i + 1)} for i, name in enumerate(NAMES[:count])]
    floating = [
        {"name": "fip-%d" % (i + 1), "home": name, "resolver": "2001:db8:f%d::53" % (i + 1), "nat64_prefix": "2001:db8:f%d:0:64::/96" % (i + 1)}
        for i, name in enumerate(NAMES[:count])
    ]
    cfg = dict(fo.DEFAULTS, me=me, gateways=gateways, floating_ips=floating, interface="eth0")
    cfg.update(overrides)
    return cfg


def state_at(cfg, started=0.0, healthy_since=0.0, holders=None, peers=None, view_at=None, blocked=None, drained=False):
    """A state: self healthy since ``healthy_since`` (None: unhealthy), peers as ``{name: (heard, healthy, ...)}``."""
    state = fo.new_state(started)
    state["self"].update(ok=healthy_since is not None, ok_since=healthy_since)
    state["holders"] = dict(holders if holders is not None else {"fip-1": "gw1", "fip-2": "gw2"})
    state["view_at"] = view_at
    state["drained"] = drained
    for name, peer in (peers or {}).items():
        record = {"heard": None, "healthy": True, "ok_since": 0.0, "bad_since": None, "sees": [], "holds": [], "drained": False}
        record.update(peer)
        state["peers"][name] = record
    for name in blocked or ():
        state["blocked"][name] = {"since": 0.0, "ip": "?"}
    return state


# ---------------------------------------------------------------------------
# Tables


@pytest.mark.parametrize(
    "results, expect_ok, flips",
    [
        ([True], None, 0),  # starting: one good check is not enough
        ([True, True, True], True, 1),  # three in a row make it healthy
        ([False, False, False], False, 1),
        ([True, False] * 7, None, 0),  # undecided while the checks disagree...
        ([True, False] * 7 + [True], False, 1),  # ...for at most 15 checks: then unhealthy
        ([True, True, False, True, True, True], True, 1),
        ([True] * 3 + [False] * 2, True, 1),  # two failures are tolerated
        ([True] * 3 + [False] * 3, False, 2),  # three are not
        ([True] * 3 + [False, True] * 4, True, 1),  # a flapping check never flips it
    ],
)
def test_self_health_needs_three_results_in_a_row(results, expect_ok, flips):
    state = fo.new_state(0.0)
    count = sum(fo.self_health(state, passed, [], float(i), 3) for i, passed in enumerate(results))
    assert (state["self"]["ok"], count) == (expect_ok, flips)


def test_healthy_since_is_when_it_became_healthy():
    state = fo.new_state(0.0)
    for second in range(10):
        fo.self_health(state, True, [], float(second), 3)
    assert state["self"]["ok_since"] == 2.0


@pytest.mark.parametrize(
    "beats, now, expect",
    [
        # (time, healthy) heartbeats, then the peer's status and its ok_since / bad_since
        ([], 1.0, (fo.UNKNOWN, None, None)),  # just started: no judgement yet
        ([], 3.5, (fo.SILENT, None, None)),  # never heard since start
        ([(1.0, True)], 2.0, (fo.OK, 1.0, None)),
        ([(1.0, True), (2.0, True)], 4.9, (fo.OK, 1.0, None)),
        ([(1.0, True), (2.0, True)], 5.1, (fo.SILENT, 1.0, None)),  # silent after dead_after (3 s)
        ([(1.0, True), (2.0, False)], 2.5, (fo.UNHEALTHY, None, 2.0)),
        ([(1.0, True), (2.0, False), (3.0, False)], 3.5, (fo.UNHEALTHY, None, 2.0)),
        ([(1.0, True), (2.0, False), (3.0, True)], 3.5, (fo.OK, 3.0, None)),
        ([(1.0, True), (9.0, True)], 9.5, (fo.OK, 9.0, None)),  # a gap restarts its healthy time
    ],
)
def test_peer_status_from_heartbeats(beats, now, expect):
    cfg = config()
    state = fo.new_state(0.0)
    for at, healthy in beats:
        fo.heard(state, "gw2", {"healthy": healthy}, at, cfg["dead_after"], cfg["trust_after"])
    status, _since = fo.peer_status(cfg, state, "gw2", now)
    peer = state["peers"].get("gw2", {})
    assert (status, peer.get("ok_since"), peer.get("bad_since")) == expect


@pytest.mark.parametrize(
    "beats, blocked",
    [
        ([10.0], True),  # one heartbeat is not enough
        ([float(t) for t in range(10, 70)], True),  # 59 s
        ([float(t) for t in range(10, 71)], False),  # heard healthy for trust_after (60 s) without a break
        ([float(t) for t in range(10, 40)] + [float(t) for t in range(45, 100)], True),  # a 5 s break starts anew
    ],
)
def test_a_blocked_peer_is_trusted_again_after_a_stable_period(beats, blocked):
    cfg = config()
    state = state_at(cfg, blocked=["gw2"])
    for at in beats:
        fo.heard(state, "gw2", {"healthy": True}, at, cfg["dead_after"], cfg["trust_after"])
    assert ("gw2" in state["blocked"]) == blocked


# Every case: the state, the time, and the moves gw-me makes then.
TWO = {"gw2": {"heard": 10.0}}


@pytest.mark.parametrize(
    "me, count, state_args, now, expect",
    [
        # gw2 silent since 10 (+3 s dead_after = failed at 13): gw1, listed before it, takes fip-2 at once
        ("gw1", 2, {"peers": TWO}, 12.9, []),
        ("gw1", 2, {"peers": TWO}, 13.0, [("fip-2", "gw1", "takeover")]),
        # gw1 silent: gw2, listed after it, waits one stagger more (the split brain tie-break)
        ("gw2", 2, {"peers": {"gw1": {"heard": 10.0}}}, 14.9, []),
        ("gw2", 2, {"peers": {"gw1": {"heard": 10.0}}}, 15.0, [("fip-1", "gw2", "takeover")]),
        # a holder that says it is unhealthy is failed at once, no tie-break: it is heard, so it is no split
        ("gw2", 2, {"peers": {"gw1": {"heard": 10.0, "healthy": False, "bad_since": 9.0, "ok_since": None}}}, 10.0, [("fip-1", "gw2", "takeover")]),
        # a blocked holder (it took from this healthy gateway) keeps what it has while it is silent...
        ("gw1", 2, {"peers": TWO, "blocked": ["gw2"]}, 20.0, []),
        # ...but not when it says it is unhealthy: it is heard, so this is no split
        (
            "gw1",
            2,
            {"peers": {"gw2": {"heard": 19.5, "healthy": False, "bad_since": 19.0, "ok_since": None}}, "blocked": ["gw2"]},
            20.0,
            [("fip-2", "gw1", "takeover")],
        ),
        # unhealthy: this gateway takes nothing
        ("gw1", 2, {"peers": TWO, "healthy_since": None}, 20.0, []),
        # just started: no judgement for dead_after seconds
        ("gw1", 2, {"peers": TWO, "started": 19.0}, 20.0, []),
        # the peer is healthy: nothing moves, the home has its own
        ("gw1", 2, {"peers": {"gw2": {"heard": 19.5}}}, 20.0, []),
        # unassigned: the home takes it at once, another gateway one stagger later
        ("gw1", 2, {"peers": {"gw2": {"heard": 19.5}}, "holders": {"fip-1": "gw2", "fip-2": None}}, 20.0, []),
        ("gw2", 2, {"peers": {"gw1": {"heard": 19.5}}, "holders": {"fip-1": "gw1", "fip-2": None}}, 20.0, [("fip-2", "gw2", "unassigned")]),
        # assigned to a server that is no gateway: left alone
        ("gw1", 2, {"peers": TWO, "holders": {"fip-1": "gw1", "fip-2": "foreign:77"}}, 20.0, []),
        # failback: home again, healthy for failback_after (300 s) and the holder heard healthy as long
        (
            "gw1",
            2,
            {"peers": {"gw2": {"heard": 400.0, "ok_since": 0.0}}, "healthy_since": 100.0, "holders": {"fip-1": "gw2", "fip-2": "gw2"}},
            400.0,
            [("fip-1", "gw1", "failback")],
        ),
        ("gw1", 2, {"peers": {"gw2": {"heard": 399.5, "ok_since": 0.0}}, "healthy_since": 100.1, "holders": {"fip-1": "gw2", "fip-2": "gw2"}}, 400.0, []),
        ("gw1", 2, {"peers": {"gw2": {"heard": 399.5, "ok_since": 100.1}}, "healthy_since": 0.0, "holders": {"fip-1": "gw2", "fip-2": "gw2"}}, 400.0, []),
        # drained: hand over to a healthy peer, take nothing
        ("gw1", 2, {"peers": {"gw2": {"heard": 19.5}}, "drained": True}, 20.0, [("fip-1", "gw2", "drain")]),
        ("gw1", 2, {"peers": TWO, "drained": True}, 20.0, []),  # nobody healthy to hand to
        ("gw1", 2, {"peers": {"gw2": {"heard": 19.5, "drained": True}}, "drained": True}, 20.0, []),
        # three gateways: gw3 silent; gw1 (first candidate, listed before gw3) at 13, gw2 one stagger later
        (
            "gw1",
            3,
            {"peers": {"gw2": {"heard": 19.5}, "gw3": {"heard": 10.0}}, "holders": {"fip-1": "gw1", "fip-2": "gw2", "fip-3": "gw3"}},
            13.0,
            [("fip-3", "gw1", "takeover")],
        ),
        ("gw2", 3, {"peers": {"gw1": {"heard": 19.5}, "gw3": {"heard": 10.0}}, "holders": {"fip-1": "gw1", "fip-2": "gw2", "fip-3": "gw3"}}, 14.9, []),
        (
            "gw2",
            3,
            {"peers": {"gw1": {"heard": 19.5}, "gw3": {"heard": 10.0}}, "holders": {"fip-1": "gw1", "fip-2": "gw2", "fip-3": "gw3"}},
            15.0,
            [("fip-3", "gw2", "takeover")],
        ),
        # a drained peer is no candidate: gw2 goes first then
        (
            "gw2",
            3,
            {"peers": {"gw1": {"heard": 19.5, "drained": True}, "gw3": {"heard": 10.0}}, "holders": {"fip-1": "gw2", "fip-2": "gw2", "fip-3": "gw3"}},
            13.0,
            [("fip-3", "gw2", "takeover")],
        ),
        # three gateways: gw2 is silent to gw1, but gw3 hears it: the link is the problem, nothing moves
        (
            "gw1",
            3,
            {"peers": {"gw2": {"heard": 10.0}, "gw3": {"heard": 19.5, "sees": ["gw1", "gw2"]}}, "holders": {"fip-1": "gw1", "fip-2": "gw2", "fip-3": "gw3"}},
            20.0,
            [],
        ),
        # three gateways: gw1 hears nobody: it is the one cut off, no quorum, nothing moves
        ("gw1", 3, {"peers": {"gw2": {"heard": 10.0}, "gw3": {"heard": 10.0}}, "holders": {"fip-1": "gw1", "fip-2": "gw2", "fip-3": "gw3"}}, 20.0, []),
    ],
)
def test_decide(me, count, state_args, now, expect):
    cfg = config(me=me, count=count)
    state = state_at(cfg, **state_args)
    moves = fo.decide(cfg, state, now)
    assert [(m["ip"], m["to"], m["reason"].split(":")[0]) for m in moves] == expect


def test_decide_waits_after_an_attempt():
    cfg = config()
    state = state_at(cfg, peers=TWO)
    state["attempts"]["fip-2"] = 19.0
    assert fo.decide(cfg, state, 20.0) == []
    assert [m["ip"] for m in fo.decide(cfg, state, 24.0)] == ["fip-2"]


@pytest.mark.parametrize(
    "holders, view, healthy, drained, blocked, events",
    [
        # a peer took this healthy gateway's floating IP: it is alive, block it
        ({"fip-1": "gw1", "fip-2": "gw2"}, {"fip-1": "gw2", "fip-2": "gw2"}, True, False, ["gw2"], 2),
        # while draining, or unhealthy, losing it is expected
        ({"fip-1": "gw1", "fip-2": "gw2"}, {"fip-1": "gw2", "fip-2": "gw2"}, True, True, [], 1),
        ({"fip-1": "gw1", "fip-2": "gw2"}, {"fip-1": "gw2", "fip-2": "gw2"}, False, False, [], 1),
        # unassigned or moved to a foreign server: nobody to block
        ({"fip-1": "gw1", "fip-2": "gw2"}, {"fip-1": None, "fip-2": "gw2"}, True, False, [], 1),
        ({"fip-1": "gw1", "fip-2": "gw2"}, {"fip-1": "foreign:9", "fip-2": "gw2"}, True, False, [], 1),
        # nothing changed
        ({"fip-1": "gw1", "fip-2": "gw2"}, {"fip-1": "gw1", "fip-2": "gw2"}, True, False, [], 0),
    ],
)
def test_apply_view_blocks_a_peer_that_took_from_a_healthy_gateway(holders, view, healthy, drained, blocked, events):
    cfg = config()
    state = state_at(cfg, holders=holders, healthy_since=0.0 if healthy else None, drained=drained)
    said = fo.apply_view(cfg, state, view, 50.0)
    assert (sorted(state["blocked"]), len(said), state["holders"], state["view_at"]) == (blocked, events, view, 50.0)


def test_apply_view_remembers_since_when_an_ip_is_unassigned():
    cfg = config()
    state = state_at(cfg)
    fo.apply_view(cfg, state, {"fip-1": "gw1", "fip-2": None}, 5.0)
    fo.apply_view(cfg, state, {"fip-1": "gw1", "fip-2": None}, 9.0)
    assert state["unassigned_since"] == {"fip-2": 5.0}
    fo.apply_view(cfg, state, {"fip-1": "gw1", "fip-2": "gw1"}, 10.0)
    assert state["unassigned_since"] == {}


@pytest.mark.parametrize(
    "servers, left",
    [
        ({"gw2": "off"}, []),
        ({"gw2": "running"}, ["gw2"]),
        ({}, ["gw2"]),
    ],
)
def test_a_blocked_peer_the_api_says_is_off_may_be_taken_from(servers, left):
    state = state_at(config(), blocked=["gw2"])
    fo.unblock_stopped(state, servers)
    assert sorted(state["blocked"]) == left


@pytest.mark.parametrize(
    "view_at, now, peers, expect",
    [
        (None, 0.0, {}, "first read"),
        (0.0, 29.0, {}, None),
        (0.0, 30.0, {}, "periodic"),
        # a peer says it holds what the last read does not say: read again, at most every 5 s
        (10.0, 16.0, {"gw2": {"heard": 15.5, "holds": ["fip-1", "fip-2"]}}, "gw2 says it holds fip-1, fip-2"),
        (10.0, 14.0, {"gw2": {"heard": 13.5, "holds": ["fip-1", "fip-2"]}}, None),
        (10.0, 16.0, {"gw2": {"heard": 15.5, "holds": ["fip-2"]}}, None),
    ],
)
def test_wants_refresh(view_at, now, peers, expect):
    cfg = config()
    state = state_at(cfg, peers=peers, view_at=view_at)
    assert fo.wants_refresh(cfg, state, now) == expect


KEY = fo.heartbeat_key("token-1")


@pytest.mark.parametrize(
    "packet, last, why",
    [
        (fo.encode_heartbeat(KEY, {"v": 1, "ts": 1000.0, "boot": "b", "seq": 5}), None, None),
        (fo.encode_heartbeat(KEY, {"v": 1, "ts": 1000.0, "boot": "b", "seq": 5}), ("b", 4), None),
        (fo.encode_heartbeat(KEY, {"v": 1, "ts": 1000.0, "boot": "b", "seq": 5}), ("a", 9), None),  # restarted
        (fo.encode_heartbeat(KEY, {"v": 1, "ts": 1000.0, "boot": "b", "seq": 5}), ("b", 5), "replayed"),
        (fo.encode_heartbeat(fo.heartbeat_key("token-2"), {"v": 1, "ts": 1000.0}), None, "bad signature"),
        (fo.encode_heartbeat(KEY, {"v": 1, "ts": 1000.0})[:-1] + b"0", None, "bad signature"),
        (fo.encode_heartbeat(KEY, {"v": 1, "ts": 960.0}), None, "clock"),
        (fo.encode_heartbeat(KEY, {"v": 2, "ts": 1000.0}), None, "unknown version"),
        (b"garbage", None, "not a heartbeat"),
    ],
)
def test_heartbeats_are_signed_fresh_and_new(packet, last, why):
    beat, reason = fo.decode_heartbeat(KEY, packet, 1000.0, last)
    assert (beat is None, (reason or "").split(" (")[0].split(" +")[0].split(" -")[0]) == (why is not None, why or "")


def test_the_heartbeat_key_is_not_the_token():
    assert b"token-1" not in KEY and len(KEY) == 32


def _answer(ident, rcode=0, addresses=()):
    question = b"\x08ipv4only\x04arpa\x00" + struct.pack("!HH", 28, 1)
    records = b"".join(b"\xc0\x0c" + struct.pack("!HHIH", 28, 1, 60, 16) + bytes(16 - len(a)) + a for a in addresses)
    return struct.pack("!HHHHHH", ident, 0x8180 | rcode, 1, len(addresses), 0, 0) + question + records


@pytest.mark.parametrize(
    "packet, ident, expect",
    [
        (_answer(7, addresses=[b"\xc0\x00\x00\xaa"]), 7, ["::c000:aa"]),
        (_answer(7), 7, []),
        (_answer(7, rcode=5), 7, ValueError),
        (_answer(8), 7, ValueError),
        (b"\x00", 7, ValueError),
    ],
)
def test_the_self_check_parses_aaaa_answers(packet, ident, expect):
    if expect is ValueError:
        with pytest.raises(ValueError):
            fo.dns_aaaa(packet, ident)
    else:
        assert fo.dns_aaaa(packet, ident) == expect


def test_the_self_check_query_asks_for_aaaa():
    query = fo.dns_query("ipv4only.arpa", 7)
    assert query[:4] == b"\x00\x07\x01\x00" and query[12:] == b"\x08ipv4only\x04arpa\x00\x00\x1c\x00\x01"


@pytest.mark.parametrize(
    "change, problem",
    [
        ({}, None),
        ({"me": "gw9"}, "me:"),
        ({"gateways": []}, "gateways:"),
        ({"floating_ips": []}, "floating_ips:"),
        ({"dead_after": 1.0}, "dead_after:"),
        ({"stagger": 0}, "stagger:"),
    ],
)
def test_config_problems(change, problem):
    cfg = config()
    cfg.update(change)
    found = fo.config_problems(cfg)
    assert (found[0].split(" ")[0] if found else None) == problem


# ---------------------------------------------------------------------------
# step(): the API's failures and the read before every move


class FakeApi:
    """The API as ``step`` sees it: a holder per floating IP; errors on demand; every call counted."""

    def __init__(self, holders, status=None):
        self.holders = dict(holders)
        self.status = dict(status or {})
        self.error = None
        self.reads = 0
        self.moves = []

    def read(self):
        if self.error:
            raise fo.ApiError("unreachable", self.error)
        self.reads += 1
        return dict(self.holders), dict(self.status)

    def assign(self, move):
        if self.error:
            raise fo.ApiError("unreachable", self.error)
        self.moves.append((move["ip"], self.holders[move["ip"]], move["to"]))
        self.holders[move["ip"]] = move["to"]
        return "done"


def test_step_reads_the_api_again_before_a_move_and_moves():
    cfg = config()
    state = state_at(cfg, peers=TWO, view_at=12.0)
    api = FakeApi({"fip-1": "gw1", "fip-2": "gw2"})
    said = []
    moves = fo.step(cfg, state, lambda: 14.0, True, [], False, api, lambda level, text: said.append(text))
    assert [m["ip"] for m in moves] == ["fip-2"]
    assert api.moves == [("fip-2", "gw2", "gw1")] and api.reads == 2  # before and after the move
    assert state["holders"] == {"fip-1": "gw1", "fip-2": "gw1"} and state["moves"][0]["outcome"] == "done"


def test_step_decides_again_on_the_fresh_read():
    cfg = config()
    state = state_at(cfg, peers=TWO, view_at=12.0)
    api = FakeApi({"fip-1": "gw2", "fip-2": "gw2"})  # gw2 took fip-1 meanwhile: it is alive
    said = []
    assert fo.step(cfg, state, lambda: 14.0, True, [], False, api, lambda level, text: said.append(text)) == []
    assert api.moves == [] and state["blocked"].keys() == {"gw2"}
    assert any("split brain guard" in line for line in said)


def test_step_keeps_the_state_when_the_api_does_not_answer_and_says_so_once_a_minute():
    cfg = config()
    state = state_at(cfg, peers=TWO, view_at=12.0)
    api = FakeApi({"fip-1": "gw1", "fip-2": "gw2"})
    api.error = "cannot reach the API at http://api: timed out"
    said = []
    for second in range(14, 100):
        fo.step(cfg, state, lambda s=second: float(s), True, [], False, api, lambda level, text: said.append(text))
    assert api.moves == [] and state["holders"] == {"fip-1": "gw1", "fip-2": "gw2"}
    errors = [line for line in said if "cannot reach the API" in line]
    assert len(errors) == 2 and errors[0].endswith("keeping the current state, nothing moves")
    api.error = None
    fo.step(cfg, state, lambda: 100.0, True, [], False, api, lambda level, text: said.append(text))
    assert api.moves == [("fip-2", "gw2", "gw1")] and "the API answers again" in said


def test_an_api_error_message_never_holds_the_token(monkeypatch):
    import urllib.error
    import urllib.request

    def refuse(request, timeout):
        assert request.get_header("Authorization") == "Bearer s3cret-token"
        raise urllib.error.HTTPError(request.full_url, 401, "Unauthorized", {}, None)

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    api = fo.Api("https://api.example.test/v1", "s3cret-token", 1.0)
    with pytest.raises(fo.ApiError) as caught:
        api.floating_ips(["fip-1"])
    assert caught.value.kind == "token" and "s3cret" not in str(caught.value)
    assert "refused the token" in str(caught.value)


# ---------------------------------------------------------------------------
# The simulation


class Sim:
    """Agents on a simulated clock, with a shared API and a network whose links can be cut."""

    def __init__(self, count=2, seed=1, api_latency=0.0, **overrides):
        self.rng = random.Random(seed)
        self.now = 0.0
        self.api = FakeApi({"fip-%d" % (i + 1): NAMES[i] for i in range(count)}, status={name: "running" for name in NAMES[:count]})
        self.api_up = True
        self.names = NAMES[:count]
        self.cfgs = {name: config(me=name, count=count, **overrides) for name in self.names}
        self.states = {name: fo.new_state(0.0) for name in self.names}
        self.phase = {name: self.rng.random() for name in self.names}
        self.alive = {name: True for name in self.names}
        self.healthy = {name: True for name in self.names}
        self.drained = {name: False for name in self.names}
        self.cut = set()
        self.moves = []  # (time, ip, from, to)
        self.api_latency = api_latency
        self.log = []

    def link(self, a, b):
        return frozenset((a, b)) not in self.cut

    def beat(self, sender):
        state = self.states[sender]
        cfg = self.cfgs[sender]
        return {"healthy": state["self"]["ok"], "drained": state["drained"], "sees": fo.sees(cfg, state, self.now), "holds": fo.holds(cfg, state)}

    def tick(self, name):
        sim = self

        class Api:
            def read(self):
                if not sim.api_up:
                    raise fo.ApiError("unreachable", "down")
                sim.now += sim.api_latency
                off = getattr(sim.api, "powered_off", set())
                return dict(sim.api.holders), {n: ("off" if n in off else "running") for n in sim.names}

            def assign(self, move):
                if not sim.api_up:
                    raise fo.ApiError("unreachable", "down")
                sim.moves.append((round(sim.now, 1), move["ip"], sim.api.holders[move["ip"]], move["to"]))
                sim.api.holders[move["ip"]] = move["to"]
                return "done"

        saved = self.now
        fo.step(
            self.cfgs[name],
            self.states[name],
            lambda: self.now,
            self.healthy[name],
            [],
            self.drained[name],
            Api(),
            lambda level, text: self.log.append((round(self.now, 1), name, text)),
        )
        self.now = saved

    def run(self, until, dt=0.05):
        while self.now < until:
            self.now = round(self.now + dt, 6)
            for name in self.names:
                if not self.alive[name]:
                    continue
                phase = (self.now - self.phase[name]) % 1.0
                if phase < dt:
                    # heartbeat first, then the tick, once a second at this agent's phase
                    for peer in self.names:
                        if peer != name and self.alive[peer] and self.link(name, peer):
                            fo.heard(self.states[peer], name, self.beat(name), self.now, 3.0, 60.0)
                    self.tick(name)

    def kill(self, name):
        self.alive[name] = False

    def revive(self, name):
        self.alive[name] = True
        self.states[name] = fo.new_state(self.now)

    def moves_between(self, start, end):
        return [m for m in self.moves if start <= m[0] < end]


@pytest.mark.parametrize("seed", range(8))
def test_sim_a_killed_gateway_fails_over_within_seconds_and_back_after_the_stable_period(seed):
    sim = Sim(seed=seed, failback_after=60.0)
    sim.run(20)
    assert sim.moves == []
    sim.kill("gw1")
    sim.run(40)
    ((at, ip, was, to),) = sim.moves
    # silent for dead_after (3 s, heard up to 1 s before the kill), plus the tie-break stagger (2 s), plus a tick
    assert (ip, was, to) == ("fip-1", "gw1", "gw2") and 20 + 4 <= at <= 20 + 7
    sim.revive("gw1")
    sim.run(200)
    back = sim.moves_between(40, 200)
    assert [(m[1], m[3]) for m in back] == [("fip-1", "gw1")]
    # gw1 needs 3 good checks, then failback_after healthy; gw2 must have heard it as long
    assert 40 + 60 <= back[0][0] <= 40 + 66
    assert sim.api.holders == {"fip-1": "gw1", "fip-2": "gw2"}


@pytest.mark.parametrize("seed", range(8))
def test_sim_the_second_gateway_killed_is_taken_over_without_the_tie_break(seed):
    sim = Sim(seed=seed)
    sim.run(20)
    sim.kill("gw2")
    sim.run(40)
    ((at, ip, was, to),) = sim.moves
    assert (ip, was, to) == ("fip-2", "gw2", "gw1") and 20 + 2 <= at <= 20 + 5


def test_sim_no_failback_when_it_is_off():
    sim = Sim(failback_after=0)
    sim.run(10)
    sim.kill("gw1")
    sim.run(30)
    sim.revive("gw1")
    sim.run(600)
    assert [(m[1], m[3]) for m in sim.moves] == [("fip-1", "gw2")]


@pytest.mark.parametrize("seed", range(16))
@pytest.mark.parametrize("stagger", [2.0, 0.5])
def test_sim_split_brain_moves_at_most_once_per_cut_and_never_loops(seed, stagger):
    sim = Sim(seed=seed, stagger=stagger, failback_after=60.0, api_latency=0.3)
    sim.run(20)
    sim.cut.add(frozenset(("gw1", "gw2")))
    sim.run(140)
    during = sim.moves_between(20, 140)
    # each floating IP moved at most once while the link was cut, and nothing moved after the first 10 s
    assert len(during) == len({m[1] for m in during}) <= 2
    assert all(m[0] < 30 for m in during)
    if stagger == 2.0:
        # the tie-break: exactly one move (gw1, listed first, takes fip-2)
        assert [(m[1], m[3]) for m in during] == [("fip-2", "gw1")]
    sim.cut.clear()
    sim.run(300)
    # healed: each floating IP goes home once, after the stable period, and stays
    after = sim.moves_between(140, 300)
    assert all(140 + 60 <= m[0] <= 140 + 63 for m in after)
    assert sim.api.holders == {"fip-1": "gw1", "fip-2": "gw2"}
    assert len(after) == len(during)


def test_sim_a_link_that_comes_and_goes_costs_one_move_in_all():
    sim = Sim(failback_after=60.0)
    sim.run(20)
    for start in range(20, 200, 20):
        sim.cut.add(frozenset(("gw1", "gw2")))
        sim.run(start + 10)
        sim.cut.clear()
        sim.run(start + 20)
    assert [(m[1], m[3]) for m in sim.moves] == [("fip-2", "gw1")]
    sim.run(300)
    assert [(m[1], m[3]) for m in sim.moves] == [("fip-2", "gw1"), ("fip-2", "gw2")]


def test_sim_a_blocked_peer_that_dies_is_taken_over_once_the_api_says_it_is_off():
    sim = Sim(failback_after=60.0)
    sim.run(20)
    sim.cut.add(frozenset(("gw1", "gw2")))
    sim.run(40)
    assert [(m[1], m[3]) for m in sim.moves] == [("fip-2", "gw1")]
    sim.kill("gw1")  # it dies while gw2 cannot hear it: gw2 still blocks it...
    sim.run(100)
    assert len(sim.moves) == 1
    sim.api.powered_off = {"gw1"}  # ...until the API shows it off (fenced)
    sim.run(160)
    assert sorted((m[1], m[3]) for m in sim.moves[1:]) == [("fip-1", "gw2"), ("fip-2", "gw2")]


@pytest.mark.parametrize("seed", range(4))
def test_sim_three_gateways_a_cut_link_moves_nothing(seed):
    sim = Sim(count=3, seed=seed)
    sim.run(20)
    sim.cut.add(frozenset(("gw1", "gw2")))
    sim.run(120)
    assert sim.moves == []


@pytest.mark.parametrize("seed", range(4))
def test_sim_three_gateways_the_isolated_one_takes_nothing_and_loses_its_own(seed):
    sim = Sim(count=3, seed=seed, failback_after=0)
    sim.run(20)
    sim.cut.update({frozenset(("gw1", "gw2")), frozenset(("gw1", "gw3"))})
    sim.run(120)
    assert [(m[1], m[2], m[3]) for m in sim.moves] == [("fip-1", "gw1", "gw2")]


def test_sim_an_unhealthy_holder_is_replaced_and_comes_back_once_stable():
    sim = Sim(failback_after=30.0)
    sim.run(20)
    sim.healthy["gw1"] = False
    sim.run(40)
    assert [(m[1], m[3]) for m in sim.moves] == [("fip-1", "gw2")]
    assert 20 + 2 <= sim.moves[0][0] <= 20 + 5  # three failed checks, then heard as unhealthy
    sim.healthy["gw1"] = True
    sim.run(120)
    assert [(m[1], m[3]) for m in sim.moves] == [("fip-1", "gw2"), ("fip-1", "gw1")]


def test_sim_a_flapping_gateway_gets_nothing_back():
    sim = Sim(failback_after=30.0)
    sim.run(20)
    sim.healthy["gw1"] = False
    sim.run(30)
    for start in range(30, 200, 10):
        sim.healthy["gw1"] = not sim.healthy["gw1"]
        sim.run(start + 10)
    assert [(m[1], m[3]) for m in sim.moves] == [("fip-1", "gw2")]


def test_sim_drain_hands_over_at_once_and_undrain_fails_back_after_the_stable_period():
    sim = Sim(failback_after=30.0)
    sim.run(40)
    sim.drained["gw1"] = True
    sim.run(50)
    assert [(m[1], m[3]) for m in sim.moves] == [("fip-1", "gw2")] and sim.moves[0][0] <= 41
    sim.drained["gw1"] = False
    sim.run(120)
    assert [(m[1], m[3]) for m in sim.moves] == [("fip-1", "gw2"), ("fip-1", "gw1")]


def test_sim_nothing_moves_while_the_api_is_down_and_the_takeover_follows_once_it_is_back():
    sim = Sim()
    sim.run(20)
    sim.api_up = False
    sim.kill("gw2")
    sim.run(60)
    assert sim.moves == []
    assert any("keeping the current state" in line for _t, _n, line in sim.log)
    sim.api_up = True
    sim.run(70)
    assert [(m[1], m[3]) for m in sim.moves] == [("fip-2", "gw1")] and sim.moves[0][0] <= 62


def test_step_after_a_freeze_listens_before_judging():
    cfg = config()
    state = state_at(cfg, peers=TWO, view_at=10.0)
    api = FakeApi({"fip-1": "gw1", "fip-2": "gw2"})
    said = []

    def tick(second):
        return fo.step(cfg, state, lambda: float(second), True, [], False, api, lambda level, text: said.append(text))

    tick(11)
    # frozen from 11 to 60: gw2's last heartbeat (10) is old news; nothing is taken at once...
    assert tick(60) == [] and any("did not run for 49s" in line for line in said)
    assert fo.peer_status(cfg, state, "gw2", 61.0)[0] == fo.UNKNOWN
    assert tick(61) == [] and tick(62) == []
    # ...and once it has listened for dead_after without hearing gw2, gw2 is failed
    assert [m["ip"] for m in tick(63)] == ["fip-2"]


def test_sim_a_frozen_gateway_loses_its_ip_and_takes_nothing_when_it_thaws():
    sim = Sim(failback_after=30.0)
    sim.run(20)
    sim.alive["gw1"] = False  # frozen: no heartbeats, no ticks, its state kept as it was
    sim.run(60)
    assert [(m[1], m[3]) for m in sim.moves] == [("fip-1", "gw2")]
    sim.alive["gw1"] = True  # thawed, with its old state
    sim.run(200)
    assert [(m[1], m[3]) for m in sim.moves] == [("fip-1", "gw2"), ("fip-1", "gw1")]


def test_sim_both_gateways_start_together_and_move_nothing():
    sim = Sim()
    sim.run(60)
    assert sim.moves == []
