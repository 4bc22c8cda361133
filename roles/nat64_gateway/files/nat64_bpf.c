// SPDX-License-Identifier: GPL-3.0-or-later
// Copyright (c) 2026, ipv6ready.docker maintainers
//
// NAT64 translator for the ipv6ready.docker gateway: a tc-BPF program on the
// egress of the translator device (a veth end the NAT64 prefix and the IPv4
// pool are routed to). It rewrites each packet from one IP family to the
// other (RFC 7915, addresses embedded per RFC 6052 in a /96) and hands it
// back to the same device's ingress, so the kernel routes, filters and
// conntracks the translated packet like any other:
//
//   fleet --IPv6--> FORWARD --> nat64 (egress: 6 -> 4) --> nat64 ingress
//         --IPv4--> FORWARD --> MASQUERADE --> uplink
//   uplink --IPv4--> de-MASQUERADE --> FORWARD --> nat64 (egress: 4 -> 6)
//         --> nat64 ingress --IPv6--> FORWARD --> fleet
//
// The stateful part is the kernel's: each IPv6 source gets an address of its
// own from the IPv4 pool (n64_by_v6 / n64_pool), so two sources never share
// an IPv4 5-tuple, and the masquerade on the uplink does the port mapping.
//
// Each router hop decrements once: the kernel's IPv6 forwarding already did
// (and answered an expired packet), so the translated TTL is the hop limit
// plus one, which IPv4 forwarding takes away again; likewise 4 -> 6.
//
// Not translated, dropped and counted: IPv4 fragments and IPv6 fragment
// headers, other IPv6 extension headers, IPv4 options, protocols other than
// TCP, UDP and ICMP, IPv4 UDP without a checksum, ICMP types RFC 7915 has no
// counterpart for.
//
// Built by the nat64_gateway role with
//   clang -O2 -g -target bpf -mcpu=v3 -I/usr/include/<multiarch> -c nat64_bpf.c
// and attached with `tc filter add dev <dev> egress bpf da obj nat64_bpf.o sec tc`.
// The loader writes n64_config (layout: plugins/module_utils/_nat64_bpf.py).

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/icmpv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

// From <linux/icmp.h>, which pulls in libc headers a BPF build cannot use.
#define ICMP_ECHOREPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12
#define ICMP_NET_UNREACH 0
#define ICMP_HOST_UNREACH 1
#define ICMP_PROT_UNREACH 2
#define ICMP_PORT_UNREACH 3
#define ICMP_FRAG_NEEDED 4
#define ICMP_SR_FAILED 5
#define ICMP_NET_UNKNOWN 6
#define ICMP_HOST_UNKNOWN 7
#define ICMP_HOST_ISOLATED 8
#define ICMP_NET_ANO 9
#define ICMP_HOST_ANO 10
#define ICMP_NET_UNR_TOS 11
#define ICMP_HOST_UNR_TOS 12
#define ICMP_PKT_FILTERED 13
#define ICMP_PREC_CUTOFF 15

struct icmphdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	union {
		struct {
			__be16 id;
			__be16 sequence;
		} echo;
		__be32 gateway;
		struct {
			__be16 __unused;
			__be16 mtu;
		} frag;
	} un;
};

#define N64_POOL_MAX 65536
#define N64_CONFIGURED 1
#define NSEC_PER_SEC 1000000000ULL
#define IP_DF 0x4000
#define IP_MF_OFFSET 0x3fff
#define IPV6_MIN_MTU 1280
#define EEXIST 17

// Counters, one per CPU, summed by `ipv6ready-nat64-net stats`, which reads
// their names from this struct (BTF): adding one here is all it takes.
struct n64_stats {
	__u64 xlat_6to4;		// packets translated IPv6 -> IPv4
	__u64 xlat_4to6;		// packets translated IPv4 -> IPv6
	__u64 icmp_error_6to4;		// ICMPv6 errors translated, with the packet inside
	__u64 icmp_error_4to6;		// ICMPv4 errors translated, with the packet inside
	__u64 mapping_new;		// IPv6 sources given a pool address (reused ones too)
	__u64 mapping_reused;		// pool addresses taken from an idle source
	__u64 drop_unconfigured;	// the loader has not written n64_config yet
	__u64 drop_not_ip;
	__u64 drop_multicast;		// IPv6 multicast (the device's own MLD reports)
	__u64 drop_not_prefix;		// IPv6 destination outside the NAT64 prefix
	__u64 drop_bad_destination;	// 0/8, 127/8, multicast, reserved, broadcast
	__u64 drop_pool_full;		// a new source, and no pool address free or idle
	__u64 drop_no_mapping;		// IPv4 destination not a mapped pool address
	__u64 drop_fragment;		// IPv4 fragments, IPv6 fragment headers
	__u64 drop_extension_header;	// other IPv6 extension headers
	__u64 drop_ipv4_options;
	__u64 drop_protocol;		// not TCP, UDP or ICMP
	__u64 drop_icmp_type;		// no RFC 7915 counterpart
	__u64 drop_udp_no_checksum;	// IPv4 UDP without checksum (IPv6 needs one)
	__u64 drop_malformed;
	__u64 drop_helper_failed;	// a BPF helper refused (e.g. an unusual GSO packet)
};

#define COUNT(field) ({ \
	__u32 __zero = 0; \
	struct n64_stats *__stats = bpf_map_lookup_elem(&n64_stats, &__zero); \
	if (__stats) \
		__stats->field++; \
})
#define DROP(field) ({ COUNT(field); TC_ACT_SHOT; })

// All fields in network byte order, so the loader needs no knowledge of the
// gateway's CPU. Written once by the loader before any route points here.
struct n64_config {
	__u32 prefix[3];	// the NAT64 /96
	__u32 pool_first;	// first address of the IPv4 pool
	__u32 pool_size;	// number of pool addresses (<= N64_POOL_MAX)
	__u32 flags;		// N64_CONFIGURED
	__u64 timeout_ns;	// idle time before a mapping may be given to another source
};
_Static_assert(sizeof(struct n64_config) == 32, "n64_config layout");

enum { SLOT_FREE, SLOT_CLAIMED, SLOT_USED };

// One IPv4 pool address: which IPv6 source it belongs to, when last used.
struct n64_slot {
	__u32 state;
	__u32 reserved;
	__u64 last_ns;
	__u32 addr6[4];
};

struct n64_cursor {
	__u32 next;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct n64_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} n64_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, N64_POOL_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct in6_addr);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} n64_by_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, N64_POOL_MAX);
	__type(key, __u32);
	__type(value, struct n64_slot);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} n64_pool SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct n64_cursor);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} n64_cursor SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct n64_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} n64_stats SEC(".maps");

// ------------------------------------------------------------ helpers

static __always_inline __u32 csum_add(__u32 sum, __u32 addend)
{
	sum += addend;
	return sum + (sum < addend);
}

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

// RFC 1624: the checksum field after the covered data changed by `diff`
// (a ones' complement sum of the new data minus the old).
static __always_inline __u16 csum_update(__u16 check, __u32 diff)
{
	return (__u16)~csum_fold(csum_add((__u16)~check, diff));
}

static __always_inline __u16 ipv4_header_csum(struct iphdr *ip4)
{
	ip4->check = 0;
	return (__u16)~csum_fold((__u32)bpf_csum_diff(0, 0, (__be32 *)ip4, sizeof(*ip4), 0));
}

// The IPv6 pseudo header of an upper-layer packet (RFC 8200 section 8.1).
struct pseudo6 {
	struct in6_addr saddr;
	struct in6_addr daddr;
	__be32 len;
	__be32 nexthdr;
};

static __always_inline __u32 pseudo6_sum(const struct ipv6hdr *ip6, __u32 len, __u8 nexthdr)
{
	struct pseudo6 ph = {
		.saddr = ip6->saddr,
		.daddr = ip6->daddr,
		.len = bpf_htonl(len),
		.nexthdr = bpf_htonl(nexthdr),
	};

	return (__u32)bpf_csum_diff(0, 0, (__be32 *)&ph, sizeof(ph), 0);
}

static __always_inline int in_prefix(const struct n64_config *cfg, const struct in6_addr *addr)
{
	return addr->in6_u.u6_addr32[0] == cfg->prefix[0] &&
	       addr->in6_u.u6_addr32[1] == cfg->prefix[1] &&
	       addr->in6_u.u6_addr32[2] == cfg->prefix[2];
}

static __always_inline void embed(const struct n64_config *cfg, struct in6_addr *addr, __be32 addr4)
{
	addr->in6_u.u6_addr32[0] = cfg->prefix[0];
	addr->in6_u.u6_addr32[1] = cfg->prefix[1];
	addr->in6_u.u6_addr32[2] = cfg->prefix[2];
	addr->in6_u.u6_addr32[3] = addr4;
}

// IPv4 destinations no translated packet may have: "this network",
// loopback, multicast, reserved and limited broadcast.
static __always_inline int bad_destination4(__be32 addr4)
{
	__u32 a = bpf_ntohl(addr4);

	return (a >> 24) == 0 || (a >> 24) == 127 || (a >> 28) >= 14;
}

static __always_inline __u8 ttl_plus_one(__u8 ttl)
{
	return ttl == 255 ? 255 : ttl + 1;
}

static __always_inline __u32 pool_size(const struct n64_config *cfg)
{
	__u32 size = bpf_ntohl(cfg->pool_size);

	return size > N64_POOL_MAX ? N64_POOL_MAX : size;
}

// ----------------------------------------------------- address mapping

static __always_inline int same6(const __u32 *a, const struct in6_addr *b)
{
	return a[0] == b->in6_u.u6_addr32[0] && a[1] == b->in6_u.u6_addr32[1] &&
	       a[2] == b->in6_u.u6_addr32[2] && a[3] == b->in6_u.u6_addr32[3];
}

static __always_inline void touch(struct n64_slot *slot)
{
	__u64 now = bpf_ktime_get_coarse_ns();

	if (now > slot->last_ns + NSEC_PER_SEC)
		slot->last_ns = now;
}

struct alloc_ctx {
	__u32 start;
	__u32 size;
	__u64 now;
	__u64 timeout;
	__s64 found;	// index claimed (SLOT_CLAIMED), or -1
	__s64 idle;	// first slot idle for longer than the timeout, or -1
};

static long alloc_step(__u64 i, void *data)
{
	struct alloc_ctx *ctx = data;
	__u32 idx = ctx->start + (__u32)i;
	struct n64_slot *slot;

	if (idx >= ctx->size)
		idx -= ctx->size;
	slot = bpf_map_lookup_elem(&n64_pool, &idx);
	if (!slot)
		return 1;
	if (slot->state == SLOT_FREE) {
		if (__sync_val_compare_and_swap(&slot->state, SLOT_FREE, SLOT_CLAIMED) == SLOT_FREE) {
			ctx->found = idx;
			return 1;
		}
		return 0;
	}
	if (ctx->idle < 0 && slot->state == SLOT_USED && slot->last_ns < ctx->now &&
	    ctx->now - slot->last_ns > ctx->timeout)
		ctx->idle = idx;
	return 0;
}

// The pool index of an IPv6 source: its mapping, or a new one (a free pool
// address, else the first one idle for longer than the timeout). -1: full.
static __always_inline __s64 map_source(const struct n64_config *cfg, const struct in6_addr *src)
{
	__u32 zero = 0, size = pool_size(cfg);
	struct in6_addr key = *src;
	struct n64_cursor *cursor;
	struct n64_slot *slot;
	__u32 *found, idx;
	long err;

	found = bpf_map_lookup_elem(&n64_by_v6, &key);
	if (found) {
		idx = *found;
		slot = bpf_map_lookup_elem(&n64_pool, &idx);
		if (slot && idx < size && slot->state == SLOT_USED && same6(slot->addr6, src)) {
			touch(slot);
			return idx;
		}
		// A stale entry (the pool changed under it): map the source anew.
		bpf_map_delete_elem(&n64_by_v6, &key);
	}
	if (!size)
		return -1;

	struct alloc_ctx ctx = {
		.size = size,
		.now = bpf_ktime_get_coarse_ns(),
		.timeout = bpf_be64_to_cpu(cfg->timeout_ns),
		.found = -1,
		.idle = -1,
	};
	cursor = bpf_map_lookup_elem(&n64_cursor, &zero);
	if (cursor)
		ctx.start = cursor->next < size ? cursor->next : 0;
	bpf_loop(size, alloc_step, &ctx, 0);

	if (ctx.found < 0 && ctx.idle >= 0) {
		idx = ctx.idle;
		slot = bpf_map_lookup_elem(&n64_pool, &idx);
		if (slot && __sync_val_compare_and_swap(&slot->state, SLOT_USED, SLOT_CLAIMED) == SLOT_USED) {
			struct in6_addr old;

			__builtin_memcpy(&old, slot->addr6, sizeof(old));
			bpf_map_delete_elem(&n64_by_v6, &old);
			COUNT(mapping_reused);
			ctx.found = idx;
		}
	}
	if (ctx.found < 0)
		return -1;

	idx = ctx.found;
	slot = bpf_map_lookup_elem(&n64_pool, &idx);
	if (!slot)
		return -1;
	__builtin_memcpy(slot->addr6, src, sizeof(slot->addr6));
	slot->last_ns = ctx.now;
	__sync_lock_test_and_set(&slot->state, SLOT_USED);
	err = bpf_map_update_elem(&n64_by_v6, &key, &idx, BPF_NOEXIST);
	if (err) {
		// Another CPU mapped the same source first, or the map is full.
		__sync_lock_test_and_set(&slot->state, SLOT_FREE);
		if (err != -EEXIST)
			return -1;
		found = bpf_map_lookup_elem(&n64_by_v6, &key);
		return found ? (__s64)*found : -1;
	}
	if (cursor)
		cursor->next = idx + 1;
	COUNT(mapping_new);
	return idx;
}

// The IPv6 source a pool address belongs to.
static __always_inline struct n64_slot *pool_slot(const struct n64_config *cfg, __be32 addr4)
{
	__u32 idx = bpf_ntohl(addr4) - bpf_ntohl(cfg->pool_first);
	struct n64_slot *slot;

	if (idx >= pool_size(cfg))
		return 0;
	slot = bpf_map_lookup_elem(&n64_pool, &idx);
	if (!slot || slot->state != SLOT_USED)
		return 0;
	return slot;
}

// ----------------------------------------------------- ICMP mappings

// RFC 7915 section 4.2: ICMPv4 type/code -> ICMPv6. -1: drop.
static __always_inline int icmp4_to_icmp6(const struct icmphdr *in, struct icmp6hdr *out, __u16 inner_len)
{
	__u32 mtu;

	switch (in->type) {
	case ICMP_ECHO:
		out->icmp6_type = ICMPV6_ECHO_REQUEST;
		out->icmp6_dataun.u_echo.identifier = in->un.echo.id;
		out->icmp6_dataun.u_echo.sequence = in->un.echo.sequence;
		return 0;
	case ICMP_ECHOREPLY:
		out->icmp6_type = ICMPV6_ECHO_REPLY;
		out->icmp6_dataun.u_echo.identifier = in->un.echo.id;
		out->icmp6_dataun.u_echo.sequence = in->un.echo.sequence;
		return 0;
	case ICMP_TIME_EXCEEDED:
		out->icmp6_type = ICMPV6_TIME_EXCEED;
		out->icmp6_code = in->code;
		return 0;
	case ICMP_DEST_UNREACH:
		out->icmp6_type = ICMPV6_DEST_UNREACH;
		switch (in->code) {
		case ICMP_NET_UNREACH:
		case ICMP_HOST_UNREACH:
		case ICMP_SR_FAILED:
		case ICMP_NET_UNKNOWN:
		case ICMP_HOST_UNKNOWN:
		case ICMP_HOST_ISOLATED:
		case ICMP_NET_UNR_TOS:
		case ICMP_HOST_UNR_TOS:
			out->icmp6_code = ICMPV6_NOROUTE;
			return 0;
		case ICMP_PROT_UNREACH:
			out->icmp6_type = ICMPV6_PARAMPROB;
			out->icmp6_code = ICMPV6_UNK_NEXTHDR;
			out->icmp6_dataun.un_data32[0] = bpf_htonl(6);	// Next Header
			return 0;
		case ICMP_PORT_UNREACH:
			out->icmp6_code = ICMPV6_PORT_UNREACH;
			return 0;
		case ICMP_FRAG_NEEDED:
			out->icmp6_type = ICMPV6_PKT_TOOBIG;
			mtu = bpf_ntohs(in->un.frag.mtu);
			if (!mtu) {
				// RFC 1191 plateaus below the length of the packet that did not fit.
				mtu = inner_len > 32000 ? 32000 : inner_len > 17914 ? 17914 :
				      inner_len > 8166 ? 8166 : inner_len > 4352 ? 4352 :
				      inner_len > 2002 ? 2002 : inner_len > 1492 ? 1492 : 1006;
			}
			mtu += sizeof(struct ipv6hdr) - sizeof(struct iphdr);
			out->icmp6_dataun.un_data32[0] = bpf_htonl(mtu < IPV6_MIN_MTU ? IPV6_MIN_MTU : mtu);
			return 0;
		case ICMP_NET_ANO:
		case ICMP_HOST_ANO:
		case ICMP_PKT_FILTERED:
		case ICMP_PREC_CUTOFF:
			out->icmp6_code = ICMPV6_ADM_PROHIBITED;
			return 0;
		}
		return -1;
	case ICMP_PARAMETERPROB: {
		// The pointer (first byte after the code) into the IPv4 header,
		// moved to the IPv6 field that took the place of that one.
		__u8 p = ((const __u8 *)&in->un.gateway)[0];

		if (in->code != 0 && in->code != 2)
			return -1;
		if (p == 0 || p == 1)
			;
		else if (p == 2 || p == 3)
			p = 4;
		else if (p == 8)
			p = 7;
		else if (p == 9)
			p = 6;
		else if (p >= 12 && p < 16)
			p = 8;
		else if (p >= 16 && p < 20)
			p = 24;
		else
			return -1;
		out->icmp6_type = ICMPV6_PARAMPROB;
		out->icmp6_code = ICMPV6_HDR_FIELD;
		out->icmp6_dataun.un_data32[0] = bpf_htonl(p);
		return 0;
	}
	}
	return -1;
}

// RFC 7915 section 5.2: ICMPv6 type/code -> ICMPv4. -1: drop.
static __always_inline int icmp6_to_icmp4(const struct icmp6hdr *in, struct icmphdr *out)
{
	__u32 mtu, p;

	switch (in->icmp6_type) {
	case ICMPV6_ECHO_REQUEST:
		out->type = ICMP_ECHO;
		out->un.echo.id = in->icmp6_dataun.u_echo.identifier;
		out->un.echo.sequence = in->icmp6_dataun.u_echo.sequence;
		return 0;
	case ICMPV6_ECHO_REPLY:
		out->type = ICMP_ECHOREPLY;
		out->un.echo.id = in->icmp6_dataun.u_echo.identifier;
		out->un.echo.sequence = in->icmp6_dataun.u_echo.sequence;
		return 0;
	case ICMPV6_TIME_EXCEED:
		out->type = ICMP_TIME_EXCEEDED;
		out->code = in->icmp6_code;
		return 0;
	case ICMPV6_DEST_UNREACH:
		out->type = ICMP_DEST_UNREACH;
		switch (in->icmp6_code) {
		case ICMPV6_NOROUTE:
		case ICMPV6_NOT_NEIGHBOUR:
		case ICMPV6_ADDR_UNREACH:
			out->code = ICMP_HOST_UNREACH;
			return 0;
		case ICMPV6_ADM_PROHIBITED:
			out->code = ICMP_HOST_ANO;
			return 0;
		case ICMPV6_PORT_UNREACH:
			out->code = ICMP_PORT_UNREACH;
			return 0;
		}
		return -1;
	case ICMPV6_PKT_TOOBIG:
		out->type = ICMP_DEST_UNREACH;
		out->code = ICMP_FRAG_NEEDED;
		mtu = bpf_ntohl(in->icmp6_dataun.un_data32[0]);
		mtu = mtu < sizeof(struct ipv6hdr) ? 0 : mtu - (sizeof(struct ipv6hdr) - sizeof(struct iphdr));
		out->un.frag.mtu = bpf_htons(mtu > 0xffff ? 0xffff : mtu);
		return 0;
	case ICMPV6_PARAMPROB:
		if (in->icmp6_code == ICMPV6_UNK_NEXTHDR) {
			out->type = ICMP_DEST_UNREACH;
			out->code = ICMP_PROT_UNREACH;
			return 0;
		}
		if (in->icmp6_code != ICMPV6_HDR_FIELD)
			return -1;
		// Pointer into the IPv6 header -> the IPv4 field it became.
		p = bpf_ntohl(in->icmp6_dataun.un_data32[0]);
		if (p == 0 || p == 1)
			;
		else if (p == 4 || p == 5)
			p = 2;
		else if (p == 6)
			p = 9;
		else if (p == 7)
			p = 8;
		else if (p >= 8 && p < 24)
			p = 12;
		else if (p >= 24 && p < 40)
			p = 16;
		else
			return -1;
		out->type = ICMP_PARAMETERPROB;
		out->code = 0;
		((__u8 *)&out->un.gateway)[0] = p;
		return 0;
	}
	return -1;
}

// ------------------------------------------------------ ICMP errors

// The start of an ICMP error message after the outer IP header: the ICMP
// header, the header of the packet that caused it, and the first bytes of
// that packet's upper layer (20 when there are, else 8: enough for the
// ports, the TCP checksum needs 20).
struct error4 {
	struct icmphdr icmp;
	struct iphdr ip;
	__u8 l4[20];
};

struct error6 {
	struct icmp6hdr icmp;
	struct ipv6hdr ip;
	__u8 l4[20];
};

#define ERROR4_HEAD (sizeof(struct icmphdr) + sizeof(struct iphdr))
#define ERROR6_HEAD (sizeof(struct icmp6hdr) + sizeof(struct ipv6hdr))

// The inner packet's upper-layer checksum after its addresses (and, for
// ICMP echo, its type and pseudo header) changed. Returns -1 to drop.
static __always_inline int inner_l4_4to6(struct error6 *out, const struct error4 *in, __u32 l4len)
{
	__u32 diff;
	__u16 *check;

	switch (in->ip.protocol) {
	case IPPROTO_TCP:
		if (l4len < 20)
			return 0;
		check = (__u16 *)&out->l4[16];
		break;
	case IPPROTO_UDP:
		check = (__u16 *)&out->l4[6];
		if (!*check)
			return 0;
		break;
	case IPPROTO_ICMP: {
		__u8 type = in->l4[0];

		if (type != ICMP_ECHO && type != ICMP_ECHOREPLY)
			return -1;
		out->l4[0] = type == ICMP_ECHO ? ICMPV6_ECHO_REQUEST : ICMPV6_ECHO_REPLY;
		diff = (__u32)bpf_csum_diff((__be32 *)in->l4, 4, (__be32 *)out->l4, 4, 0);
		diff = csum_add(diff, pseudo6_sum(&out->ip, bpf_ntohs(out->ip.payload_len), IPPROTO_ICMPV6));
		check = (__u16 *)&out->l4[2];
		*check = csum_update(*check, diff);
		return 0;
	}
	default:
		return -1;
	}
	diff = (__u32)bpf_csum_diff((__be32 *)&in->ip.saddr, 8, (__be32 *)&out->ip.saddr, 32, 0);
	*check = csum_update(*check, diff);
	if (in->ip.protocol == IPPROTO_UDP && !*check)
		*check = 0xffff;
	return 0;
}

static __always_inline int inner_l4_6to4(struct error4 *out, const struct error6 *in, __u32 l4len)
{
	__u32 diff;
	__u16 *check;

	switch (in->ip.nexthdr) {
	case IPPROTO_TCP:
		if (l4len < 20)
			return 0;
		check = (__u16 *)&out->l4[16];
		break;
	case IPPROTO_UDP:
		check = (__u16 *)&out->l4[6];
		break;
	case IPPROTO_ICMPV6: {
		__u8 type = in->l4[0];

		if (type != ICMPV6_ECHO_REQUEST && type != ICMPV6_ECHO_REPLY)
			return -1;
		out->l4[0] = type == ICMPV6_ECHO_REQUEST ? ICMP_ECHO : ICMP_ECHOREPLY;
		diff = (__u32)bpf_csum_diff((__be32 *)in->l4, 4, (__be32 *)out->l4, 4, 0);
		diff = csum_add(diff, ~pseudo6_sum(&in->ip, bpf_ntohs(in->ip.payload_len), IPPROTO_ICMPV6));
		check = (__u16 *)&out->l4[2];
		*check = csum_update(*check, diff);
		return 0;
	}
	default:
		return -1;
	}
	diff = (__u32)bpf_csum_diff((__be32 *)&in->ip.saddr, 32, (__be32 *)&out->ip.saddr, 8, 0);
	*check = csum_update(*check, diff);
	if (in->ip.nexthdr == IPPROTO_UDP && !*check)
		*check = 0xffff;
	return 0;
}

// An ICMPv4 error for a translated packet: outer and inner headers to IPv6,
// 40 bytes longer (20 for each IP header).
static __always_inline int error_4to6(struct __sk_buff *skb, const struct n64_config *cfg,
				      const struct iphdr *ip4, const struct n64_slot *dst)
{
	const __u32 off = ETH_HLEN + sizeof(struct iphdr);
	struct error4 in = {};
	struct error6 out = {};
	struct ipv6hdr ip6 = {};
	struct n64_slot *inner_src;
	__u32 l4len, diff, len4 = bpf_ntohs(ip4->tot_len);
	__be16 proto = bpf_htons(ETH_P_IPV6);

	if (skb->len >= off + ERROR4_HEAD + 20)
		l4len = 20;
	else if (skb->len >= off + ERROR4_HEAD + 8)
		l4len = 8;
	else
		return DROP(drop_malformed);
	if (l4len == 20) {
		if (bpf_skb_load_bytes(skb, off, &in, ERROR4_HEAD + 20))
			return DROP(drop_helper_failed);
	} else if (bpf_skb_load_bytes(skb, off, &in, ERROR4_HEAD + 8)) {
		return DROP(drop_helper_failed);
	}
	if (in.ip.version != 4 || in.ip.ihl != 5)
		return DROP(drop_ipv4_options);
	if (in.ip.frag_off & bpf_htons(0x1fff))
		return DROP(drop_fragment);
	// The packet in error went out from the pool: its source is a mapped one.
	inner_src = pool_slot(cfg, in.ip.saddr);
	if (!inner_src)
		return DROP(drop_no_mapping);

	if (icmp4_to_icmp6(&in.icmp, &out.icmp, bpf_ntohs(in.ip.tot_len)) || in.icmp.type == ICMP_ECHO ||
	    in.icmp.type == ICMP_ECHOREPLY)
		return DROP(drop_icmp_type);

	out.ip.version = 6;
	out.ip.priority = in.ip.tos >> 4;
	out.ip.flow_lbl[0] = (in.ip.tos & 0xf) << 4;
	out.ip.payload_len = bpf_htons(bpf_ntohs(in.ip.tot_len) > sizeof(struct iphdr) ?
				       bpf_ntohs(in.ip.tot_len) - sizeof(struct iphdr) : 0);
	out.ip.nexthdr = in.ip.protocol == IPPROTO_ICMP ? IPPROTO_ICMPV6 : in.ip.protocol;
	out.ip.hop_limit = in.ip.ttl;
	__builtin_memcpy(&out.ip.saddr, inner_src->addr6, sizeof(out.ip.saddr));
	embed(cfg, &out.ip.daddr, in.ip.daddr);
	__builtin_memcpy(out.l4, in.l4, sizeof(out.l4));
	if (inner_l4_4to6(&out, &in, l4len))
		return DROP(drop_icmp_type);

	ip6.version = 6;
	ip6.priority = ip4->tos >> 4;
	ip6.flow_lbl[0] = (ip4->tos & 0xf) << 4;
	// The ICMP message grows by 20 bytes with the inner header.
	ip6.payload_len = bpf_htons(len4);
	ip6.nexthdr = IPPROTO_ICMPV6;
	ip6.hop_limit = ttl_plus_one(ip4->ttl);
	embed(cfg, &ip6.saddr, ip4->saddr);
	__builtin_memcpy(&ip6.daddr, dst->addr6, sizeof(ip6.daddr));

	// New ICMPv6 checksum: the old one, minus the replaced bytes, plus the
	// new ones and the pseudo header ICMPv4 does not have.
	__u16 old_check = in.icmp.checksum;

	in.icmp.checksum = 0;
	out.icmp.icmp6_cksum = 0;
	if (l4len == 20)
		diff = (__u32)bpf_csum_diff((__be32 *)&in, ERROR4_HEAD + 20, (__be32 *)&out, ERROR6_HEAD + 20, 0);
	else
		diff = (__u32)bpf_csum_diff((__be32 *)&in, ERROR4_HEAD + 8, (__be32 *)&out, ERROR6_HEAD + 8, 0);
	diff = csum_add(diff, pseudo6_sum(&ip6, len4, IPPROTO_ICMPV6));
	out.icmp.icmp6_cksum = csum_update(old_check, diff);

	if (bpf_skb_change_proto(skb, proto, 0) ||
	    bpf_skb_adjust_room(skb, sizeof(struct ipv6hdr) - sizeof(struct iphdr), BPF_ADJ_ROOM_NET, 0))
		return DROP(drop_helper_failed);
	if (bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_proto), &proto, sizeof(proto), 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, &ip6, sizeof(ip6), 0))
		return DROP(drop_helper_failed);
	if (l4len == 20) {
		if (bpf_skb_store_bytes(skb, ETH_HLEN + sizeof(ip6), &out, ERROR6_HEAD + 20, 0))
			return DROP(drop_helper_failed);
	} else if (bpf_skb_store_bytes(skb, ETH_HLEN + sizeof(ip6), &out, ERROR6_HEAD + 8, 0)) {
		return DROP(drop_helper_failed);
	}
	COUNT(icmp_error_4to6);
	return bpf_redirect(skb->ifindex, BPF_F_INGRESS);
}

// An ICMPv6 error about a packet translated 4 -> 6, whoever sent it (the
// fleet host, or a router on the way, the gateway itself included): its
// IPv4 source is the pool address of the inner packet's destination, so
// conntrack relates it to the connection and the masquerade rewrites it.
static __always_inline int error_6to4(struct __sk_buff *skb, const struct n64_config *cfg,
				      const struct ipv6hdr *ip6)
{
	const __u32 off = ETH_HLEN + sizeof(struct ipv6hdr);
	struct error6 in = {};
	struct error4 out = {};
	struct iphdr ip4 = {};
	__u32 l4len, diff, len6 = bpf_ntohs(ip6->payload_len), idx;
	__u32 *found;
	__be16 proto = bpf_htons(ETH_P_IP);

	if (skb->len >= off + ERROR6_HEAD + 20)
		l4len = 20;
	else if (skb->len >= off + ERROR6_HEAD + 8)
		l4len = 8;
	else
		return DROP(drop_malformed);
	if (l4len == 20) {
		if (bpf_skb_load_bytes(skb, off, &in, ERROR6_HEAD + 20))
			return DROP(drop_helper_failed);
	} else if (bpf_skb_load_bytes(skb, off, &in, ERROR6_HEAD + 8)) {
		return DROP(drop_helper_failed);
	}
	if (in.ip.version != 6)
		return DROP(drop_malformed);
	if (in.ip.nexthdr != IPPROTO_TCP && in.ip.nexthdr != IPPROTO_UDP && in.ip.nexthdr != IPPROTO_ICMPV6)
		return (in.ip.nexthdr == IPPROTO_FRAGMENT ? DROP(drop_fragment) : DROP(drop_extension_header));
	if (!in_prefix(cfg, &in.ip.saddr))
		return DROP(drop_not_prefix);
	found = bpf_map_lookup_elem(&n64_by_v6, &in.ip.daddr);
	if (!found)
		return DROP(drop_no_mapping);
	idx = *found;
	if (idx >= pool_size(cfg))
		return DROP(drop_no_mapping);

	if (icmp6_to_icmp4(&in.icmp, &out.icmp))
		return DROP(drop_icmp_type);

	out.ip.version = 4;
	out.ip.ihl = 5;
	out.ip.tos = in.ip.priority << 4 | in.ip.flow_lbl[0] >> 4;
	out.ip.tot_len = bpf_htons(bpf_ntohs(in.ip.payload_len) + sizeof(struct iphdr));
	out.ip.frag_off = bpf_ntohs(out.ip.tot_len) >= IPV6_MIN_MTU ? bpf_htons(IP_DF) : 0;
	out.ip.ttl = in.ip.hop_limit;
	out.ip.protocol = in.ip.nexthdr == IPPROTO_ICMPV6 ? IPPROTO_ICMP : in.ip.nexthdr;
	out.ip.saddr = in.ip.saddr.in6_u.u6_addr32[3];
	out.ip.daddr = bpf_htonl(bpf_ntohl(cfg->pool_first) + idx);
	out.ip.check = ipv4_header_csum(&out.ip);
	__builtin_memcpy(out.l4, in.l4, sizeof(out.l4));
	if (inner_l4_6to4(&out, &in, l4len))
		return DROP(drop_icmp_type);

	ip4.version = 4;
	ip4.ihl = 5;
	ip4.tos = ip6->priority << 4 | ip6->flow_lbl[0] >> 4;
	// The ICMP message shrinks by 20 bytes with the inner header.
	ip4.tot_len = bpf_htons(len6);
	ip4.id = (__u16)bpf_get_prandom_u32();
	ip4.ttl = ttl_plus_one(ip6->hop_limit);
	ip4.protocol = IPPROTO_ICMP;
	ip4.saddr = out.ip.daddr;
	ip4.daddr = ip6->daddr.in6_u.u6_addr32[3];
	if (bad_destination4(ip4.daddr))
		return DROP(drop_bad_destination);
	ip4.check = ipv4_header_csum(&ip4);

	__u16 old_check = in.icmp.icmp6_cksum;

	in.icmp.icmp6_cksum = 0;
	out.icmp.checksum = 0;
	if (l4len == 20)
		diff = (__u32)bpf_csum_diff((__be32 *)&in, ERROR6_HEAD + 20, (__be32 *)&out, ERROR4_HEAD + 20, 0);
	else
		diff = (__u32)bpf_csum_diff((__be32 *)&in, ERROR6_HEAD + 8, (__be32 *)&out, ERROR4_HEAD + 8, 0);
	diff = csum_add(diff, ~pseudo6_sum(ip6, len6, IPPROTO_ICMPV6));
	out.icmp.checksum = csum_update(old_check, diff);

	if (bpf_skb_adjust_room(skb, -(__s32)(sizeof(struct ipv6hdr) - sizeof(struct iphdr)), BPF_ADJ_ROOM_NET, 0) ||
	    bpf_skb_change_proto(skb, proto, 0))
		return DROP(drop_helper_failed);
	if (bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_proto), &proto, sizeof(proto), 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, &ip4, sizeof(ip4), 0))
		return DROP(drop_helper_failed);
	if (l4len == 20) {
		if (bpf_skb_store_bytes(skb, ETH_HLEN + sizeof(ip4), &out, ERROR4_HEAD + 20, 0))
			return DROP(drop_helper_failed);
	} else if (bpf_skb_store_bytes(skb, ETH_HLEN + sizeof(ip4), &out, ERROR4_HEAD + 8, 0)) {
		return DROP(drop_helper_failed);
	}
	COUNT(icmp_error_6to4);
	return bpf_redirect(skb->ifindex, BPF_F_INGRESS);
}

// ---------------------------------------------------- the two directions

// Turn the packet into the other family in place: the protocol, the
// EtherType and the new IP header; then either the first 4 bytes of the new
// ICMP header (icmp), or the TCP or UDP checksum fixed for the changed
// pseudo header (diff). Nonzero when a helper failed.
static __always_inline int store_translated(struct __sk_buff *skb, __be16 proto, const void *l3, __u32 l3_len,
					    __u32 l4off, __u8 l4proto, const void *icmp, __u32 diff)
{
	if (bpf_skb_change_proto(skb, proto, 0) ||
	    bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_proto), &proto, sizeof(proto), 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, l3, l3_len, 0))
		return -1;
	if (icmp)
		return bpf_skb_store_bytes(skb, l4off, icmp, 4, 0);
	if (l4proto == IPPROTO_TCP)
		return bpf_l4_csum_replace(skb, l4off + offsetof(struct tcphdr, check), 0, diff, BPF_F_PSEUDO_HDR);
	return bpf_l4_csum_replace(skb, l4off + offsetof(struct udphdr, check), 0, diff,
				   BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0);
}

static __always_inline int nat64_6to4(struct __sk_buff *skb, const struct n64_config *cfg)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	const __u32 l4off = ETH_HLEN + sizeof(struct iphdr);
	struct ipv6hdr ip6;
	struct iphdr ip4 = {};
	__be16 proto = bpf_htons(ETH_P_IP);
	__u32 len, diff;
	__s64 idx;

	if (data + ETH_HLEN + sizeof(ip6) + 8 > data_end) {
		if (bpf_skb_pull_data(skb, ETH_HLEN + sizeof(ip6) + 8))
			return DROP(drop_malformed);
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
		if (data + ETH_HLEN + sizeof(ip6) + 8 > data_end)
			return DROP(drop_malformed);
	}
	__builtin_memcpy(&ip6, data + ETH_HLEN, sizeof(ip6));
	if (ip6.version != 6)
		return DROP(drop_malformed);
	if (ip6.daddr.in6_u.u6_addr8[0] == 0xff)
		return DROP(drop_multicast);
	if (!in_prefix(cfg, &ip6.daddr))
		return DROP(drop_not_prefix);
	len = bpf_ntohs(ip6.payload_len);
	if (!len || len > 0xffff - sizeof(struct iphdr))
		return DROP(drop_malformed);

	switch (ip6.nexthdr) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		break;
	case IPPROTO_ICMPV6: {
		__u8 type = *(__u8 *)(data + ETH_HLEN + sizeof(ip6));

		if (type < 128)
			return error_6to4(skb, cfg, &ip6);
		if (type != ICMPV6_ECHO_REQUEST && type != ICMPV6_ECHO_REPLY)
			return DROP(drop_icmp_type);
		break;
	}
	case IPPROTO_FRAGMENT:
		return DROP(drop_fragment);
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
		return DROP(drop_extension_header);
	default:
		return DROP(drop_protocol);
	}
	if (bad_destination4(ip6.daddr.in6_u.u6_addr32[3]))
		return DROP(drop_bad_destination);

	idx = map_source(cfg, &ip6.saddr);
	if (idx < 0)
		return DROP(drop_pool_full);

	ip4.version = 4;
	ip4.ihl = 5;
	ip4.tos = ip6.priority << 4 | ip6.flow_lbl[0] >> 4;
	ip4.tot_len = bpf_htons(len + sizeof(ip4));
	// RFC 7915 section 5.1: DF unless the packet is smaller than 1280 bytes,
	// which then needs an identification of its own.
	if (len + sizeof(ip4) >= IPV6_MIN_MTU)
		ip4.frag_off = bpf_htons(IP_DF);
	else
		ip4.id = (__u16)bpf_get_prandom_u32();
	ip4.ttl = ttl_plus_one(ip6.hop_limit);
	ip4.protocol = ip6.nexthdr == IPPROTO_ICMPV6 ? IPPROTO_ICMP : ip6.nexthdr;
	ip4.saddr = bpf_htonl(bpf_ntohl(cfg->pool_first) + (__u32)idx);
	ip4.daddr = ip6.daddr.in6_u.u6_addr32[3];
	ip4.check = ipv4_header_csum(&ip4);

	if (ip4.protocol == IPPROTO_ICMP) {
		struct icmp6hdr icmp6;
		struct icmphdr icmp4 = {};

		if (bpf_skb_load_bytes(skb, ETH_HLEN + sizeof(ip6), &icmp6, sizeof(icmp6)))
			return DROP(drop_helper_failed);
		icmp6_to_icmp4(&icmp6, &icmp4);
		__u16 old_check = icmp6.icmp6_cksum;

		icmp6.icmp6_cksum = 0;
		diff = (__u32)bpf_csum_diff((__be32 *)&icmp6, 4, (__be32 *)&icmp4, 4, 0);
		diff = csum_add(diff, ~pseudo6_sum(&ip6, len, IPPROTO_ICMPV6));
		icmp4.checksum = csum_update(old_check, diff);
		if (store_translated(skb, proto, &ip4, sizeof(ip4), l4off, IPPROTO_ICMP, &icmp4, 0))
			return DROP(drop_helper_failed);
	} else {
		// TCP and UDP: only the addresses in the pseudo header change.
		diff = (__u32)bpf_csum_diff((__be32 *)&ip6.saddr, 32, (__be32 *)&ip4.saddr, 8, 0);
		if (store_translated(skb, proto, &ip4, sizeof(ip4), l4off, ip4.protocol, NULL, diff))
			return DROP(drop_helper_failed);
	}
	COUNT(xlat_6to4);
	return bpf_redirect(skb->ifindex, BPF_F_INGRESS);
}

static __always_inline int nat64_4to6(struct __sk_buff *skb, const struct n64_config *cfg)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	const __u32 l4off = ETH_HLEN + sizeof(struct ipv6hdr);
	struct iphdr ip4;
	struct ipv6hdr ip6 = {};
	struct n64_slot *slot;
	__be16 proto = bpf_htons(ETH_P_IPV6);
	__u32 len, diff;

	if (data + ETH_HLEN + sizeof(ip4) + 8 > data_end) {
		if (bpf_skb_pull_data(skb, ETH_HLEN + sizeof(ip4) + 8))
			return DROP(drop_malformed);
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
		if (data + ETH_HLEN + sizeof(ip4) + 8 > data_end)
			return DROP(drop_malformed);
	}
	__builtin_memcpy(&ip4, data + ETH_HLEN, sizeof(ip4));
	if (ip4.version != 4)
		return DROP(drop_malformed);
	if (ip4.ihl != 5)
		return DROP(drop_ipv4_options);
	if (ip4.frag_off & bpf_htons(IP_MF_OFFSET))
		return DROP(drop_fragment);
	len = bpf_ntohs(ip4.tot_len);
	if (len < sizeof(ip4) + 8)
		return DROP(drop_malformed);
	slot = pool_slot(cfg, ip4.daddr);
	if (!slot)
		return DROP(drop_no_mapping);
	touch(slot);

	switch (ip4.protocol) {
	case IPPROTO_TCP:
		break;
	case IPPROTO_UDP:
		// IPv6 requires the checksum an IPv4 sender may leave out.
		if (!((struct udphdr *)(data + ETH_HLEN + sizeof(ip4)))->check)
			return DROP(drop_udp_no_checksum);
		break;
	case IPPROTO_ICMP: {
		__u8 type = *(__u8 *)(data + ETH_HLEN + sizeof(ip4));

		if (type != ICMP_ECHO && type != ICMP_ECHOREPLY)
			return error_4to6(skb, cfg, &ip4, slot);
		break;
	}
	default:
		return DROP(drop_protocol);
	}

	ip6.version = 6;
	ip6.priority = ip4.tos >> 4;
	ip6.flow_lbl[0] = (ip4.tos & 0xf) << 4;
	ip6.payload_len = bpf_htons(len - sizeof(ip4));
	ip6.nexthdr = ip4.protocol == IPPROTO_ICMP ? IPPROTO_ICMPV6 : ip4.protocol;
	ip6.hop_limit = ttl_plus_one(ip4.ttl);
	embed(cfg, &ip6.saddr, ip4.saddr);
	__builtin_memcpy(&ip6.daddr, slot->addr6, sizeof(ip6.daddr));

	if (ip6.nexthdr == IPPROTO_ICMPV6) {
		struct icmphdr icmp4;
		struct icmp6hdr icmp6 = {};

		if (bpf_skb_load_bytes(skb, ETH_HLEN + sizeof(ip4), &icmp4, sizeof(icmp4)))
			return DROP(drop_helper_failed);
		icmp4_to_icmp6(&icmp4, &icmp6, 0);
		__u16 old_check = icmp4.checksum;

		icmp4.checksum = 0;
		diff = (__u32)bpf_csum_diff((__be32 *)&icmp4, 4, (__be32 *)&icmp6, 4, 0);
		diff = csum_add(diff, pseudo6_sum(&ip6, len - sizeof(ip4), IPPROTO_ICMPV6));
		icmp6.icmp6_cksum = csum_update(old_check, diff);
		if (store_translated(skb, proto, &ip6, sizeof(ip6), l4off, IPPROTO_ICMPV6, &icmp6, 0))
			return DROP(drop_helper_failed);
	} else {
		diff = (__u32)bpf_csum_diff((__be32 *)&ip4.saddr, 8, (__be32 *)&ip6.saddr, 32, 0);
		if (store_translated(skb, proto, &ip6, sizeof(ip6), l4off, ip6.nexthdr, NULL, diff))
			return DROP(drop_helper_failed);
	}
	COUNT(xlat_4to6);
	return bpf_redirect(skb->ifindex, BPF_F_INGRESS);
}

SEC("tc")
int nat64(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct n64_config *cfg = bpf_map_lookup_elem(&n64_config, &zero);

	if (!cfg || !(cfg->flags & bpf_htonl(N64_CONFIGURED)))
		return DROP(drop_unconfigured);
	if (skb->protocol == bpf_htons(ETH_P_IPV6))
		return nat64_6to4(skb, cfg);
	if (skb->protocol == bpf_htons(ETH_P_IP))
		return nat64_4to6(skb, cfg);
	return DROP(drop_not_ip);
}

char LICENSE[] SEC("license") = "GPL";
