#!/bin/sh
# The IPv4 side of the NAT64 test, set up on the IPv4-only server at boot:
#   - network namespace "far" (10.164.4.2) behind the server, which routes to
#     it with a route MTU of 1400 while every link stays at 1500: the server
#     answers larger packets with "fragmentation needed", so a large transfer
#     from an IPv6 client completes only if path MTU discovery works through
#     the translator;
#   - 10.164.6.25 on the loopback: a private network that is not a target.
# The far end sends complete checksums (no offload), which the receivers check.
set -eu
ip netns del far 2>/dev/null || true
ip link del far0 2>/dev/null || true
ip netns add far
ip -n far link set lo up
ip link add far0 type veth peer name far1 netns far
ip addr add 10.164.4.1/24 dev far0
ip link set far0 up
ip -n far addr add 10.164.4.2/24 dev far1
ip -n far link set far1 up
ip -n far route add default via 10.164.4.1
ip netns exec far ethtool -K far1 tx off >/dev/null
ip route replace 10.164.4.0/24 dev far0 mtu 1400
ip addr replace 10.164.6.25/32 dev lo
echo 1 > /proc/sys/net/ipv4/ip_forward
