# Copyright (c) 2026, ipv6ready.docker maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which of Jool's graybox vectors the conformance test replays, how, and why
the others are not taken.

The vectors (NICMx/Jool, test/graybox/test-suite/) are not part of this
repository; replay.py reads them from the directory IPV6READY_JOOL_GRAYBOX
points at. Jool's own runner (test.sh) pairs each packet it sends with the
packets it expects; the cases below follow its pairs, with the changes a
stateful NAT64 built on the kernel's conntrack and masquerade needs:

- Addresses: the NAT64 suite's 64:ff9b::/96 becomes the gateway's
  network-specific /96 (PREFIX); the SIIT suite's IPv4-embedded addresses
  (pool6 2001:db8:100::/40, the EAM 2001:db8:2::/120) become addresses in
  that /96, and its IPv4 address of the IPv6 host (192.0.2.33, and the EAM
  1.0.0.0/24) becomes the address the gateway masquerades to on that link.
  Checksums are carried over exactly as right or wrong as they were.
- State: Jool's static BIB entries admit IPv4 packets nobody asked for; the
  gateway admits IPv4 only as answers. Where a case sends from the IPv4 side
  first, an "opener" from the IPv6 host creates the session, and the port the
  masquerade picked replaces the static one.
- Free fields: what the translator chooses (an IPv4 identification, a
  fragment identification after the gateway's conntrack reassembled and
  fragmented a packet again, the traffic class of an error the kernel
  generates) is taken from the received packet before the comparison, as
  Jool's runner ignores those bytes.
"""

from __future__ import annotations

import ipaddress

# The gateway's network-specific prefix in the conformance topology.
PREFIX = ipaddress.IPv6Network("2001:db8:64::/96")
# The gateway's IPv4 addresses on its IPv4 link: the NAT64 suite's pool4
# address, and the one the SIIT suite's IPv4 host sees (masquerade picks the
# address of the link's subnet).
NAT64_NAT = ipaddress.IPv4Address("192.0.2.2")
SIIT_NAT = ipaddress.IPv4Address("198.51.100.1")

WKP = ipaddress.IPv6Network("64:ff9b::/96")
SIIT_POOL6 = ipaddress.IPv6Network("2001:db8:100::/40")
SIIT_N6_NET = ipaddress.IPv6Network("2001:db8:1c0:2::/64")
SIIT_EAM6_V4SIDE = ipaddress.IPv6Network("2001:db8:2::/120")  # <-> 10.0.0.0/24, IPv4 hosts
SIIT_N6_V4 = ipaddress.IPv4Address("192.0.2.33")
SIIT_EAM4_V6SIDE = ipaddress.IPv4Network("1.0.0.0/24")  # <-> 2001:db8:3::/120, IPv6 hosts


def embed(v4):
    return ipaddress.IPv6Address(int(PREFIX.network_address) | int(v4))


def map_nat64(addr):
    """NAT64 suite address -> conformance topology address."""
    if addr.version == 6 and addr in WKP:
        return embed(ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF))
    return addr


def map_siit(addr):
    """SIIT suite address -> conformance topology address."""
    if addr.version == 6:
        if addr in SIIT_N6_NET:
            return addr
        if addr in SIIT_POOL6:
            raw = addr.packed
            return embed(ipaddress.IPv4Address(raw[5:8] + raw[9:10]))
        if addr in SIIT_EAM6_V4SIDE:
            return embed(ipaddress.IPv4Address("10.0.0.0") + (int(addr) & 0xFF))
        return addr
    if addr == SIIT_N6_V4 or addr in SIIT_EAM4_V6SIDE:
        return SIIT_NAT
    return addr


SUITES = {
    "nat64": {"map": map_nat64, "nat": NAT64_NAT},
    "siit": {"map": map_siit, "nat": SIIT_NAT},
}

# Free fields (see the module docstring).
ID = ("ip.id",)
INNER_ID = ("inner.ip.id",)
# An ICMP error the gateway's kernel writes itself: Linux picks its traffic
# class (Jool's runner ignores it too) and its own source address.
KERNEL_ERROR = ("ip.tos", "ip.tclass", "ip.flowlabel", "ip.id", "ip.df")
FRAG_ID = ("frag.id",)


class Flow:
    """An opener: a small packet from the IPv6 host that starts the session a
    later IPv4 packet answers (addresses in the suite's terms)."""

    def __init__(self, proto, src6, sport, dst4, dport):
        self.proto = proto
        self.src6 = ipaddress.IPv6Address(src6)
        self.sport = sport
        self.dst4 = ipaddress.IPv4Address(dst4)
        self.dport = dport

    def as_dict(self):
        return {"proto": self.proto, "src6": str(self.src6), "sport": self.sport, "dst4": str(self.dst4), "dport": self.dport}


class Step:
    """Send ``send`` (a vector's path), or the opener ``open``; expect the
    vectors ``expect`` (none: nothing may arrive). ``mtu``: {'v4'|'v6':
    MTU} of the gateway's link for this step. ``respond``: the IPv4 side
    answers the translated packet with this ICMPv4 (type, code), as a router
    on the way would. ``reassemble``: compare fragments after reassembly."""

    def __init__(self, send=None, expect=(), free=(), open=None, mtu=None, respond=None, reassemble=False):
        self.send = list(send) if isinstance(send, (list, tuple)) else send
        self.expect = tuple(expect)
        self.free = tuple(free)
        self.open = open
        self.mtu = mtu or {}
        self.respond = respond
        self.reassemble = reassemble

    def as_dict(self):
        return {
            "send": self.send,
            "expect": list(self.expect),
            "free": list(self.free),
            "open": self.open.as_dict() if self.open else None,
            "mtu": self.mtu,
            "respond": self.respond,
            "reassemble": self.reassemble,
        }


class Case:
    def __init__(self, name, feature, suite, steps, drop=False):
        self.name = name
        self.feature = feature
        self.suite = suite
        self.steps = steps
        # True: the case passes when nothing leaves the gateway (last step).
        self.drop = drop

    def vectors(self):
        paths = set()
        for step in self.steps:
            if isinstance(step.send, (list, tuple)):
                paths.update(step.send)
            elif step.send:
                paths.add(step.send)
            paths.update(step.expect)
        return paths

    def as_dict(self):
        return {"name": self.name, "feature": self.feature, "suite": self.suite, "steps": [s.as_dict() for s in self.steps], "drop": self.drop}


# Features, in the order of the report. The bpf engine's documentation
# (docs/nat64-engines.md) claims all but the ones marked "not claimed".
F_BASIC = "UDP, TCP, ICMP echo"
F_CHECKSUM = "bad checksums: dropped, nothing leaks"
F_ERRORS = "ICMP errors, with the packet inside"
F_TRUNCATE = "ICMP error size (576 / 1280)"
F_PMTU = "DF and path MTU"
F_FRAGMENT = "IPv4 without DF: IPv6 fragments"
F_ATOMIC = "IPv6 atomic fragments"
F_HEADERS = "IPv4 options, IPv6 extension headers"
F_PROTOCOL = "other transport protocols"
F_ZERO_UDP = "IPv4 UDP without checksum"
F_EXTENSION = "ICMP extensions (RFC 4884), not claimed"
FEATURES = (F_BASIC, F_CHECKSUM, F_ERRORS, F_TRUNCATE, F_PMTU, F_FRAGMENT, F_ATOMIC, F_HEADERS, F_PROTOCOL, F_ZERO_UDP, F_EXTENSION)

UDP, TCP = 17, 6


def _nat64_cases():
    s = "nat64/pktgen/sender/"
    r = "nat64/pktgen/receiver/"
    m = "nat64/manual/"
    flow = Flow(UDP, "2001:db8::5", 2000, "192.0.2.5", 4000)
    cases = []
    for proto, feature in (("udp", F_BASIC), ("tcp", F_BASIC), ("icmp6info", F_BASIC)):
        for df in ("df", "nodf"):
            out = "icmp4info" if proto == "icmp6info" else proto
            cases.append(
                Case(
                    "nat64 %s64 csumok-%s" % (proto, df),
                    F_ATOMIC if df == "nodf" else feature,
                    "nat64",
                    [Step(send=s + "6-%s-csumok-%s-nofrag.pkt" % (proto, df), expect=[r + "4-%s-csumok-%s-nofrag.pkt" % (out, df)], free=ID)],
                )
            )
            cases.append(
                Case("nat64 %s64 csumfail-%s" % (proto, df), F_CHECKSUM, "nat64", [Step(send=s + "6-%s-csumfail-%s-nofrag.pkt" % (proto, df))], drop=True)
            )
    for df in ("df", "nodf"):
        cases.append(
            Case(
                "nat64 udp46 csumok-%s" % df,
                F_BASIC,
                "nat64",
                [Step(open=flow), Step(send=s + "4-udp-csumok-%s-nofrag.pkt" % df, expect=[r + "6-udp-csumok-%s-nofrag.pkt" % df])],
            )
        )
        cases.append(
            Case("nat64 udp46 csumfail-%s" % df, F_CHECKSUM, "nat64", [Step(open=flow), Step(send=s + "4-udp-csumfail-%s-nofrag.pkt" % df)], drop=True)
        )
        cases.append(
            Case(
                "nat64 icmpe64 %s" % df,
                F_TRUNCATE if df == "df" else F_ATOMIC,
                "nat64",
                [
                    Step(open=flow),
                    Step(send=s + "6-icmp6err-csumok-%s-nofrag.pkt" % df, expect=[r + "4-icmp4err-csumok-%s-nofrag.pkt" % df], free=ID + INNER_ID),
                ],
            )
        )
        cases.append(
            Case(
                "nat64 icmpe46 %s" % df,
                F_TRUNCATE,
                "nat64",
                [Step(open=flow), Step(send=s + "4-icmp4err-csumok-%s-nofrag.pkt" % df, expect=[r + "6-icmp6err-csumok-%s-nofrag.pkt" % df])],
            )
        )
    cases += [
        Case("nat64 misc issue132", F_ERRORS, "nat64", [Step(send=m + "issue132/test.pkt", respond=(3, 0), expect=[m + "issue132/expected-on.pkt"])]),
        Case(
            "nat64 errors ptb64",
            F_PMTU,
            "nat64",
            [Step(send=m + "icmp-error/ptb64-test.pkt", expect=[m + "icmp-error/ptb64-expected.pkt"], free=KERNEL_ERROR + ("ip.src",), mtu={"v4": 1000})],
        ),
        Case(
            "nat64 errors ptb46",
            F_PMTU,
            "nat64",
            [
                Step(open=Flow(UDP, "2001:db8::5", 2000, "192.0.2.5", 2000)),
                Step(send=m + "icmp-error/ptb46-test.pkt", expect=[m + "icmp-error/ptb46-expected.pkt"], free=KERNEL_ERROR, mtu={"v6": 1280}),
            ],
        ),
        Case(
            "nat64 ptb ptb64",
            F_PMTU,
            "nat64",
            [
                Step(send=m + "ptb64/session-test.pkt", expect=[m + "ptb64/session-expected.pkt"], free=ID),
                Step(send=m + "ptb64/test.pkt", expect=[m + "ptb64/expected.pkt"], free=ID + INNER_ID),
            ],
        ),
        Case(
            "nat64 ptb ptb46",
            F_PMTU,
            "nat64",
            [
                Step(send=m + "ptb46/session-test.pkt", expect=[m + "ptb46/session-expected.pkt"], free=ID),
                Step(send=m + "ptb46/test.pkt", expect=[m + "ptb46/expected.pkt"]),
            ],
        ),
        Case(
            "nat64 frag icmp6",
            F_TRUNCATE,
            "nat64",
            [
                Step(send=m + "frag/icmp6-session-test.pkt", expect=[m + "frag/icmp6-session-expected.pkt"], free=ID),
                Step(send=m + "frag/icmp6-test.pkt", expect=[m + "frag/icmp6-expected.pkt"], free=ID + INNER_ID),
            ],
        ),
        Case(
            "nat64 frag icmp4",
            F_TRUNCATE,
            "nat64",
            [
                Step(send=m + "frag/icmp6-session-test.pkt", expect=[m + "frag/icmp6-session-expected.pkt"], free=ID),
                Step(send=m + "frag/icmp4-test.pkt", expect=[m + "frag/icmp4-expected.pkt"]),
            ],
        ),
        Case(
            "nat64 frag minmtu6",
            F_FRAGMENT,
            "nat64",
            [
                Step(send=m + "frag/icmp6-session-test.pkt", expect=[m + "frag/icmp6-session-expected.pkt"], free=ID),
                Step(send=m + "frag/minmtu6-big-test.pkt", expect=[m + "frag/minmtu6-big0-expected.pkt", m + "frag/minmtu6-big1-expected.pkt"], free=FRAG_ID),
            ],
        ),
    ]
    return cases


def _siit_cases():
    d = "siit/7915/"
    udp = Flow(UDP, "2001:db8:1c0:2:21::", 4000, "198.51.100.2", 2000)  # answers from n4#2000
    udp_err = Flow(UDP, "2001:db8:1c0:2:21::", 2000, "198.51.100.2", 4000)  # errors about n6#2000 -> n4#4000
    tcp = Flow(TCP, "2001:db8:1c0:2:21::", 4000, "198.51.100.2", 2000)
    dccp = Flow(33, "2001:db8:1c0:2:21::", 0, "198.51.100.2", 0)

    def c64(name, feature, test, expected, free=ID, **kw):
        return Case("siit 7915 " + name, feature, "siit", [Step(send=d + test + ".pkt", expect=[d + e + ".pkt" for e in expected], free=free, **kw)])

    def c46(name, feature, flow, test, expected, free=(), drop=False, **kw):
        return Case(
            "siit 7915 " + name,
            feature,
            "siit",
            [Step(open=flow), Step(send=d + test + ".pkt", expect=[d + e + ".pkt" for e in expected], free=free, **kw)],
            drop=drop,
        )

    return (
        [
            c46("aa aat1", F_BASIC, udp, "aat1", ["aae1"]),
            c46("aa aat3", F_HEADERS, udp, "aat3", ["aae1"]),
            c64("ab abt1", F_BASIC, "abt1", ["abe1"]),
            c64("ab abt2", F_HEADERS, "abt2", ["abe1"]),
            c46("ba bat1", F_ERRORS, udp_err, "bat1", ["bae1"]),
            c46("bb bbt1", F_TRUNCATE, udp_err, "bbt1", ["bbe1"]),
            c46("bc bct1", F_TRUNCATE, udp_err, "bct1", ["bce1"]),
            Case("siit 7915 bd bdt1", F_ERRORS, "siit", [Step(open=udp), Step(send=d + "bdt1.pkt", expect=[d + "bde1.pkt"], free=ID + INNER_ID)]),
            Case("siit 7915 be bet1", F_TRUNCATE, "siit", [Step(open=udp), Step(send=d + "bet1.pkt", expect=[d + "bee1.pkt"], free=ID + INNER_ID)]),
            c46("ca cat1", F_PMTU, tcp, "cat1", ["cae1"], free=KERNEL_ERROR, mtu={"v6": 1280}),
            c46("cb cbt1", F_PMTU, tcp, "cbt1", ["cbe1"], mtu={"v6": 1280}),
            c46("cc cct1", F_FRAGMENT, tcp, "cct1", ["cce1", "cce2"], free=FRAG_ID, mtu={"v6": 1280}),
            c46("cd cdt1", F_FRAGMENT, tcp, "cdt1", ["cde1"], mtu={"v6": 1280}),
            c64("cg cgt1", F_PMTU, "cgt1", ["cge1"], free=KERNEL_ERROR + ("ip.src",), mtu={"v4": 1400}),
            c64("ch cht1", F_PMTU, "cht1", ["che1"]),
            c64("ci cit1", F_PMTU, "cit1", ["cie1"]),
            Case(
                "siit 7915 da dat1",
                F_PMTU,
                "siit",
                [Step(open=Flow(TCP, "2001:db8:3::60", 4000, "198.51.100.2", 2000)), Step(send=d + "dat1.pkt", expect=[d + "dae1.pkt"], free=ID + INNER_ID)],
            ),
        ]
        + [
            c46("db %s" % test, F_PMTU, Flow(UDP, "2001:db8:1c0:2:21::", 2000, "10.0.0.96", 4000), test, [expected])
            for test, expected in (("dbt1", "dbe1"), ("dbt2", "dbe2"), ("dbt3", "dbe2"))
        ]
        + [
            c46("ea eat1", F_ZERO_UDP, udp, "eat1", [], drop=True),
            c46("fa fat1", F_PROTOCOL, dccp, "fat1", ["fae1"]),
            c64("fb fbt1", F_PROTOCOL, "fbt1", ["fbe1"]),
        ]
        + [
            c64("%s %s" % (test[:2], test), F_EXTENSION, test, [test[:-1] + "e"], free=ID + INNER_ID)
            for test in ("ia1t", "ib1t", "ic1t", "ic2t", "ic3t", "ic4t", "ic5t", "ic6t", "ic7t")
        ]
        + [
            c46("%s %s" % (test[:3], test), F_EXTENSION, udp_err, test, [test[:-1] + "e"])
            for test in ("ia2t", "ib2t", "ib3t", "idat", "idbt", "idct", "iddt", "idet", "idft", "idht", "idkt", "idzt")
        ]
        + [
            c46("ja jat", F_TRUNCATE, udp_err, "jat", ["jae"]),
            c46("jba jbat", F_FRAGMENT, udp, "jbat", ["jbae1", "jbae2"], free=FRAG_ID),
            c46("jbb jbbt", F_PMTU, udp, "jbbt", ["jbbe"]),
        ]
    )


def _siit_fragment_cases():
    """The SIIT pktgen suite's three-fragment datagrams, both ways, compared
    after reassembly (the gateway's conntrack reassembles them and fragments
    them again its own way)."""
    s = "siit/pktgen/sender/"
    r = "siit/pktgen/receiver/"
    cases = []
    for proto, flow in (
        ("udp", Flow(UDP, "2001:db8:1c0:2:21::", 2000, "198.51.100.2", 4000)),
        ("tcp", Flow(TCP, "2001:db8:1c0:2:21::", 4000, "198.51.100.2", 2000)),
    ):
        for first, second, opener in (("6", "4", None), ("4", "6", flow)):
            frags = [(s + "%s-%s-csumok-nodf-frag%d.pkt" % (first, proto, i)) for i in range(3)]
            expected = [(r + "%s-%s-csumok-nodf-frag%d.pkt" % (second, proto, i)) for i in range(3)]
            steps = ([Step(open=opener)] if opener else []) + [Step(send=frags, expect=expected, free=ID, reassemble=True)]
            cases.append(Case("siit pktgen %s%s%s frag" % (proto, first, second), F_FRAGMENT, "siit", steps))
    return cases


CASES = _nat64_cases() + _siit_cases() + _siit_fragment_cases()

# Every other vector, with the reason it is not replayed. replay.py fails
# when a vector is neither replayed nor listed here.
LONE_FRAGMENT = "a lone fragment: the gateway reassembles fragments (its conntrack) before it translates, and this datagram never completes"
IPV4_FIRST = (
    "an IPv4 host starts the exchange: Jool admits it through a static BIB entry; the gateway admits IPv4 "
    "packets only as answers to its IPv6 hosts (masquerade)"
)
HAIRPIN = "hairpinning (IPv6 host to IPv6 host through the NAT's IPv4 address): the gateway's own addresses are closed to translated traffic by design"
SIIT_ONLY = "SIIT-only configuration (EAM, pool6791, RFC 6791 addresses): not part of a stateful NAT64"
LOWEST_MTU = (
    "Jool's lowest-ipv6-mtu set to 1402: the gateway's is fixed at 1280 (nat64_gateway_ipv6_min_mtu) for the whole run; jba/jbb test the same rule at 1280"
)
NOT_TAKEN = {
    "nat64/pktgen/sender/4-icmp4info-csumok-df-nofrag.pkt": IPV4_FIRST + " (an ICMPv4 echo request)",
    "nat64/pktgen/sender/4-icmp4info-csumok-nodf-nofrag.pkt": IPV4_FIRST + " (an ICMPv4 echo request)",
    "nat64/pktgen/sender/4-icmp4info-csumfail-df-nofrag.pkt": IPV4_FIRST + " (an ICMPv4 echo request)",
    "nat64/pktgen/sender/4-icmp4info-csumfail-nodf-nofrag.pkt": IPV4_FIRST + " (an ICMPv4 echo request)",
    "nat64/pktgen/receiver/6-icmp6info-csumok-df-nofrag.pkt": "expected answer of an IPv4-first echo request (above)",
    "nat64/pktgen/receiver/6-icmp6info-csumok-nodf-nofrag.pkt": "expected answer of an IPv4-first echo request (above)",
    "nat64/pktgen/receiver/6-icmp6info-csumfail-df-nofrag.pkt": "expected answer of an IPv4-first echo request (above)",
    "nat64/pktgen/receiver/6-icmp6info-csumfail-nodf-nofrag.pkt": "expected answer of an IPv4-first echo request (above)",
    "nat64/manual/issue132/expected-off.pkt": 'Jool with source-icmpv6-errors-better off; RFC 7915 gives the "on" result',
    "nat64/manual/icmp-error/bibless-test.pkt": (
        "an IPv4 packet to the NAT's address with no session: the gateway's own IPv4 stack answers it, the translator is not involved"
    ),
    "nat64/manual/icmp-error/bibless-expected.pkt": "expected answer of bibless-test (above)",
    "nat64/manual/ptb66/session-test.pkt": HAIRPIN,
    "nat64/manual/ptb66/session-expected.pkt": HAIRPIN,
    "nat64/manual/ptb66/test.pkt": HAIRPIN,
    "nat64/manual/ptb66/expected.pkt": HAIRPIN,
    "nat64/manual/so/46-sender.pkt": IPV4_FIRST + " (TCP simultaneous open, RFC 6146 3.5.2.2)",
    "nat64/manual/so/46-receiver.pkt": IPV4_FIRST + " (TCP simultaneous open, RFC 6146 3.5.2.2)",
    "nat64/manual/so/66-sender.pkt": HAIRPIN,
    "nat64/manual/so/66-receiver.pkt": HAIRPIN,
    "nat64/manual/so/success-sender4.pkt": IPV4_FIRST + " (TCP simultaneous open, RFC 6146 3.5.2.2)",
    "nat64/manual/so/success-sender6.pkt": IPV4_FIRST + " (TCP simultaneous open, RFC 6146 3.5.2.2)",
    "nat64/manual/so/success-receiver.pkt": IPV4_FIRST + " (TCP simultaneous open, RFC 6146 3.5.2.2)",
    "siit/7915/aat2.pkt": (
        "IPv4 source-route options (LSRR, SSRR): the gateway's kernel drops source-routed packets (accept_source_route=0) before any translator sees them"
    ),
    "siit/7915/adt1.pkt": (
        "next header 59 (no next header): the gateway's conntrack cannot track it, and what it "
        "cannot track (so could not masquerade) the gateway drops as INVALID"
    ),
    "siit/7915/ade1.pkt": "expected result of adt1 (above)",
    "siit/7915/adt2.pkt": (
        "an atomic fragment with no data (next header 59): the gateway's conntrack defragmentation discards fragments without data (Linux nf_ct_frag6_queue)"
    ),
    "siit/7915/ade2.pkt": "expected result of adt2 (above)",
    "siit/7915/abt3.pkt": LONE_FRAGMENT,
    "siit/7915/abe2.pkt": LONE_FRAGMENT,
    "siit/7915/cat2.pkt": LONE_FRAGMENT,
    "siit/7915/cae2.pkt": LONE_FRAGMENT,
    "siit/7915/cet1.pkt": LONE_FRAGMENT,
    "siit/7915/cet2.pkt": LONE_FRAGMENT,
    "siit/7915/cee1.pkt": LONE_FRAGMENT,
    "siit/7915/cft1.pkt": LONE_FRAGMENT,
    "siit/7915/cfe1.pkt": LONE_FRAGMENT,
    "siit/7915/cfe2.pkt": LONE_FRAGMENT,
    "siit/7915/cgt2.pkt": LONE_FRAGMENT,
    "siit/7915/cge2.pkt": LONE_FRAGMENT,
    "siit/7915/ect1.pkt": LONE_FRAGMENT + " (a UDP fragment without checksum)",
    "siit/7915/ece1.pkt": LONE_FRAGMENT + " (a UDP fragment without checksum)",
    "siit/7915/ebe1.pkt": "Jool with amend-udp-checksum-zero; Jool itself no longer runs this vector (offloaded checksum)",
    "siit/7915/gat1.pkt": HAIRPIN + " (SIIT EAM to pool6)",
    "siit/7915/gae1.pkt": HAIRPIN + " (SIIT EAM to pool6)",
    "siit/7915/hat1.pkt": ("an ICMPv4 error from 127.0.0.1: the gateway's kernel drops martian IPv4 sources before any translator sees them"),
    "siit/7915/hae1.pkt": "expected result of hat1 (above)",
    "siit/7915/hat2.pkt": ("an ICMPv4 error from 0.0.0.0: the gateway's kernel drops martian IPv4 sources before any translator sees them"),
    "siit/7915/hae2.pkt": "expected result of hat2 (above)",
    "siit/7915/idgt.pkt": "needs an IPv4 link MTU of 2153 (jumbo): the gateway's IPv4 link stays at 1500",
    "siit/7915/idge.pkt": "needs an IPv4 link MTU of 2153 (jumbo): the gateway's IPv4 link stays at 1500",
    "siit/7915/idit.pkt": "needs an IPv4 link MTU of 2153 (jumbo): the gateway's IPv4 link stays at 1500",
    "siit/7915/idie.pkt": "needs an IPv4 link MTU of 2153 (jumbo): the gateway's IPv4 link stays at 1500",
    "siit/7915/idyt.pkt": "needs an IPv4 link MTU of 1708 (jumbo): the gateway's IPv4 link stays at 1500",
    "siit/7915/idye.pkt": "needs an IPv4 link MTU of 1708 (jumbo): the gateway's IPv4 link stays at 1500",
    "siit/7915/jcat.pkt": LOWEST_MTU,
    "siit/7915/jcae1.pkt": LOWEST_MTU,
    "siit/7915/jcae2.pkt": LOWEST_MTU,
    "siit/7915/jcbt.pkt": LOWEST_MTU,
    "siit/7915/jcbe.pkt": LOWEST_MTU,
}
BAD_CHECKSUM = (
    "Jool translates a packet with a bad checksum as it is; the gateway drops it (its conntrack marks it "
    "INVALID), and the case that sends it expects nothing to leave"
)
for _name in (
    "4-icmp4info-csumfail-df",
    "4-icmp4info-csumfail-nodf",
    "4-tcp-csumfail-df",
    "4-tcp-csumfail-nodf",
    "4-udp-csumfail-df",
    "4-udp-csumfail-nodf",
    "6-udp-csumfail-df",
    "6-udp-csumfail-nodf",
):
    NOT_TAKEN["nat64/pktgen/receiver/%s-nofrag.pkt" % _name] = BAD_CHECKSUM
NOT_TAKEN["siit/7915/eae1.pkt"] = (
    "Jool rejects IPv4 UDP without a checksum with an ICMPv4 error (one of the two "
    "choices RFC 7915 4.5 gives); the gateway drops it, and case ea expects nothing "
    "to leave"
)
for _name in ("act1", "act2", "act3", "act4", "act5", "act6", "ace1", "ace2", "ace3", "ace4", "ace5", "ace6"):
    NOT_TAKEN["siit/7915/%s.pkt" % _name] = LONE_FRAGMENT + " (extension headers after the fragment header, which Jool rejects)"
for _name in ("cjt1", "cjt2", "cjt3", "cjt4", "cje1", "cje2", "cje3", "cje4"):
    NOT_TAKEN["siit/7915/%s.pkt" % _name] = LONE_FRAGMENT
# The SIIT suite's own tests outside its RFC 7915 directory.
NOT_TAKEN_DIRS = {
    "siit/pktgen/": ("the SIIT pktgen tests other than its three-fragment datagrams: the NAT64 pktgen tests cover the same translations for a stateful NAT64"),
    "siit/manual/": SIIT_ONLY,
}


def not_taken_reason(path):
    if path in NOT_TAKEN:
        return NOT_TAKEN[path]
    for prefix, reason in NOT_TAKEN_DIRS.items():
        if path.startswith(prefix):
            return reason
    return None


# The outcome of every case that does not pass, per engine, and why
# (run.py fails when an outcome differs). Drop cases pass when nothing
# leaves the gateway.
TAYGA_PTB = (
    "a DF packet too big for the IPv4 next hop gets the kernel's Fragmentation Needed (548 bytes of "
    "it), which TAYGA turns into a 616-byte Packet Too Big; RFC 4443 wants as much as 1280 bytes hold"
)
TAYGA_INNER_DF = "TAYGA sets DF on the packet inside a translated ICMPv4 error (RFC 7915 5.1: not at 1260 bytes or less)"
TAYGA_EXTENSION = "TAYGA treats an RFC 4884 extension as part of the packet inside (and drops its length field)"
EXPECTED = {
    "tayga": {
        "nat64 errors ptb64": ("wrong", TAYGA_PTB),
        "nat64 ptb ptb64": ("wrong", TAYGA_INNER_DF),
        "siit 7915 bd bdt1": ("wrong", TAYGA_INNER_DF),
        "siit 7915 be bet1": ("wrong", TAYGA_INNER_DF),
        "siit 7915 cg cgt1": ("wrong", TAYGA_PTB),
        "siit 7915 ia ia1t": ("wrong", TAYGA_EXTENSION),
        "siit 7915 ib ib1t": ("wrong", TAYGA_EXTENSION),
        "siit 7915 ic ic1t": ("wrong", TAYGA_EXTENSION),
        "siit 7915 ic ic2t": ("wrong", TAYGA_EXTENSION),
        "siit 7915 ic ic3t": ("wrong", TAYGA_EXTENSION),
        "siit 7915 ic ic4t": ("wrong", TAYGA_EXTENSION),
        "siit 7915 ic ic5t": ("wrong", TAYGA_EXTENSION),
        "siit 7915 ic ic6t": ("wrong", TAYGA_EXTENSION),
        "siit 7915 ic ic7t": ("wrong", TAYGA_EXTENSION),
        "siit 7915 ia2 ia2t": ("wrong", TAYGA_EXTENSION),
        "siit 7915 ib2 ib2t": ("wrong", TAYGA_EXTENSION),
        "siit 7915 ib3 ib3t": ("wrong", TAYGA_EXTENSION),
        "siit 7915 ida idat": ("wrong", TAYGA_EXTENSION),
        "siit 7915 idb idbt": ("wrong", TAYGA_EXTENSION),
        "siit 7915 idc idct": ("wrong", TAYGA_EXTENSION),
        "siit 7915 idd iddt": ("wrong", TAYGA_EXTENSION),
        "siit 7915 ide idet": ("wrong", TAYGA_EXTENSION),
        "siit 7915 idf idft": ("wrong", TAYGA_EXTENSION),
        "siit 7915 idk idkt": ("wrong", TAYGA_EXTENSION),
        "siit 7915 idz idzt": ("wrong", TAYGA_EXTENSION),
    },
    "bpf": {},
}

# The bpf engine does not translate RFC 4884 extensions: it drops and counts
# such errors (drop_icmp_extension) rather than translate them wrong.
EXPECTED["bpf"].update(
    {
        case.name: ("dropped", "an ICMP error with an RFC 4884 extension: dropped and counted (drop_icmp_extension), not translated")
        for case in CASES
        if case.feature == F_EXTENSION
    }
)
