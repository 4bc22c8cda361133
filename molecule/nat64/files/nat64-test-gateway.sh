#!/bin/sh
# The gateway's side of the NAT64 test, set up at boot (the verify restarts
# the container):
#   - routes to the server's far and private networks;
#   - a route MTU of 1400 to its own client, so the translated packets from
#     the far end get "packet too big" from this gateway: path MTU discovery
#     must work through the translator the other way, too;
#   - no checksum offload on its links, so the receivers check the complete
#     checksums of every packet the translator rewrote.
# Usage: nat64-test-gateway SERVER FAR_NETWORK PRIVATE_NETWORK CLIENT
set -eu
server=$1 far=$2 private=$3 client=$4
ip route replace "$far" via "$server"
ip route replace "$private" via "$server"
dev=$(ip -6 route get "$client" | sed -n 's/.* dev \([^ ]*\).*/\1/p')
ip -6 route replace "$client/128" dev "$dev" mtu 1400
for link in $(ip -o link show | sed -n 's/^[0-9]*: \(eth[0-9]*\)@.*/\1/p'); do
    ethtool -K "$link" tx off >/dev/null
done
