#!/bin/sh
# Copyright (c) 2026, ipv6ready.docker maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The conformance topology inside a gateway container, after the
# nat64_gateway role has deployed the translator there:
#
#   netns n6 (eth6) --- conf6  GATEWAY  conf4 --- (eth4) netns n4
#   the IPv6 hosts        2001:db8::1/96          192.0.2.2/24     the IPv4 hosts
#                         2001:db8:1c0:2:1::/64   198.51.100.1/24
#
# The namespaces hold no addresses: replay.py sends and captures raw packets
# on eth6 and eth4, and nothing in them answers. The gateway reaches the
# hosts through permanent neighbour entries. Its IPv4 default route points at
# n4, so no translated packet can leave the container. Receive checksum
# offload is off on the gateway's ends, so its kernel checks checksums as it
# does behind a real NIC (veth would otherwise mark them as verified).
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

for side in 6 4; do
    ip netns del "n$side" 2>/dev/null || true
    ip link del "conf$side" 2>/dev/null || true
    ip netns add "n$side"
    ip link add "conf$side" type veth peer name "eth$side" netns "n$side"
    ip -n "n$side" link set dev lo up
    ip -n "n$side" link set dev "eth$side" addrgenmode none
    ip -n "n$side" link set dev "eth$side" up
    ethtool -K "conf$side" rx off >/dev/null
done

mac6=$(ip -n n6 -o link show dev eth6 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
mac4=$(ip -n n4 -o link show dev eth4 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')

ip addr add 2001:db8::1/96 dev conf6 nodad
ip addr add 2001:db8:1c0:2:1::/64 dev conf6 nodad
ip link set dev conf6 up
for host in 2001:db8::5 2001:db8:1c0:2:21::; do
    ip -6 neigh replace "$host" lladdr "$mac6" dev conf6 nud permanent
done
# IPv6 hosts behind the n6 side (the NAT64 suite's 2001:db8:1::5, the SIIT
# suite's EAM hosts).
ip -6 route replace 2001:db8:1::/64 via 2001:db8::5 dev conf6
ip -6 route replace 2001:db8:3::/120 via 2001:db8:1c0:2:21:: dev conf6

ip addr add 192.0.2.2/24 dev conf4
ip addr add 198.51.100.1/24 dev conf4
ip link set dev conf4 up
for host in 192.0.2.5 198.51.100.2; do
    ip neigh replace "$host" lladdr "$mac4" dev conf4 nud permanent
done
ip route replace 203.0.113.0/24 via 192.0.2.5 dev conf4
ip route replace 10.0.0.0/24 via 198.51.100.2 dev conf4
ip route replace default via 192.0.2.5 dev conf4
