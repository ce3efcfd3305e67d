#!/usr/bin/env bash
# Two network namespaces joined by a veth pair, as the host tests need them (root only):
#   HOST: eth0 10.0.3.5/24 (the backend), link route to 100.64.0.0/10 on eth0
#   SLB:  slb0 100.64.0.5/10 plus extra 100.64.0.0/10 source addresses, link route to 10.0.3.0/24 on slb0
# Neither has a default route, or any route out of the pair. Usage:
#   netns.sh up HOST_NS SLB_NS [EXTRA_SLB_ADDRESS...]    netns.sh down HOST_NS SLB_NS
set -euo pipefail
cmd=$1 host=$2 slb=$3
shift 3
case "$cmd" in
  up)
    ip netns add "$host"
    ip netns add "$slb"
    ip -n "$host" link set lo up
    ip -n "$slb" link set lo up
    ip -n "$host" link add eth0 type veth peer name slb0 netns "$slb"
    ip -n "$host" addr add 10.0.3.5/24 dev eth0
    ip -n "$host" link set eth0 up
    ip -n "$host" route add 100.64.0.0/10 dev eth0
    ip -n "$slb" addr add 100.64.0.5/10 dev slb0
    for a in "$@"; do ip -n "$slb" addr add "$a/32" dev slb0; done
    # Under strict rp_filter on the host, ARP from a 100.64.0.0/10 source must announce that source (see the issue).
    ip netns exec "$slb" sysctl -qw net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.slb0.arp_announce=2
    ip -n "$slb" link set slb0 up
    ip -n "$slb" route add 10.0.3.0/24 dev slb0
    ;;
  down)
    ip netns del "$host" 2>/dev/null || true
    ip netns del "$slb" 2>/dev/null || true
    ;;
  *)
    echo "usage: netns.sh up|down HOST_NS SLB_NS [EXTRA_SLB_ADDRESS...]" >&2
    exit 2
    ;;
esac
