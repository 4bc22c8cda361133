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
// RFC 7915 as a stateful NAT64 needs it: IPv4 options and the IPv6
// hop-by-hop, destination options and routing (segments left 0) headers are
// dropped from the packet; fragments are translated fragment by fragment
// (identification, offset and more-fragments carried over), an IPv6 fragment
// header becomes the IPv4 fragment fields and back; DF is set on IPv4 packets
// longer than 1260 bytes (section 5.1); other transport protocols are carried
// unchanged; ICMP errors are translated with the packet inside, cut to 576
// (ICMPv4) or 1280 bytes (ICMPv6), and their checksum is checked and then
// computed anew. IPv4 packets without DF that would not fit 1280 bytes as
// IPv6 reach the program already fragmented by the kernel (a route of the
// gateway's host networking, see ipv6ready-nat64-net).
//
// Not translated, dropped and counted (struct n64_stats): fragmented ICMP,
// IPv4 UDP without a checksum, ICMP types RFC 7915 has no counterpart for,
// ICMP errors with RFC 4884 extensions, routing headers with segments left,
// extension headers after a fragment header.
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
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff
#define IPV6_MIN_MTU 1280
// RFC 7915 5.1: DF above this IPv4 length (IPv6 1280 less 20).
#define DF_ABOVE 1260
// The largest translated ICMP errors (RFC 1812 4.3.2.3, RFC 4443 2.4(c)).
#define ERROR4_MAX 576
#define ERROR6_MAX IPV6_MIN_MTU
// IPv6 extension headers: how many, and how many bytes, the program walks.
#define EXT_MAX 4
#define EXT_BYTES_MAX 256
#define EEXIST 17

// Counters, one per CPU, summed by `ipv6ready-nat64-net stats`, which reads
// their names from this struct (BTF): adding one here is all it takes.
struct n64_stats {
	__u64 xlat_6to4;		// packets translated IPv6 -> IPv4
	__u64 xlat_4to6;		// packets translated IPv4 -> IPv6
	__u64 icmp_error_6to4;		// ICMPv6 errors translated, with the packet inside
	__u64 icmp_error_4to6;		// ICMPv4 errors translated, with the packet inside
	__u64 packet_too_big;		// IPv6 packets answered with Packet Too Big (DF, IPv4 next hop too small)
	__u64 mapping_new;		// IPv6 sources given a pool address (reused ones too)
	__u64 mapping_reused;		// pool addresses taken from an idle source
	__u64 drop_unconfigured;	// the loader has not written n64_config yet
	__u64 drop_not_ip;
	__u64 drop_multicast;		// IPv6 multicast (the device's own MLD reports)
	__u64 drop_not_prefix;		// IPv6 destination outside the NAT64 prefix
	__u64 drop_bad_destination;	// 0/8, 127/8, multicast, reserved, broadcast
	__u64 drop_pool_full;		// a new source, and no pool address free or idle
	__u64 drop_no_mapping;		// IPv4 destination not a mapped pool address
	__u64 fragments_6to4;		// IPv6 fragments translated (atomic ones too)
	__u64 fragments_4to6;		// IPv4 fragments translated
	__u64 drop_fragment;		// fragmented ICMP, a fragment inside an ICMP error
	__u64 drop_extension_header;	// routing header with segments left, too many or after a fragment header
	__u64 drop_ipv4_options;	// malformed IPv4 header length
	__u64 drop_protocol;		// ICMP inside IPv6, ICMPv6 inside IPv4
	__u64 drop_icmp_type;		// no RFC 7915 counterpart
	__u64 drop_icmp_extension;	// ICMP error with an RFC 4884 extension (not translated)
	__u64 drop_bad_checksum;	// ICMP error with a wrong checksum
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

// ------------------------------------------------- checksums over the data

// Add the ones' complement sum of `len` bytes at `off` to *sum (unfolded, as
// bpf_csum_diff returns it). Chunks of 64, then 4, 2 and 1 bytes, each
// zero-padded to 4, so every byte keeps its position in the 16-bit words as
// long as `off` is where the summed region starts (or 4-aligned to it).
#define SUM_CHUNK 64
#define SUM_CHUNKS 26	// 1664 bytes: a 1500-byte packet and more
static __always_inline int sum_bytes(struct __sk_buff *skb, __u32 off, __u32 len, __u32 *sum)
{
	__u8 buf[SUM_CHUNK];
	__u32 word, i;

	for (i = 0; i < SUM_CHUNKS && len >= SUM_CHUNK; i++) {
		if (bpf_skb_load_bytes(skb, off, buf, SUM_CHUNK))
			return -1;
		*sum = csum_add(*sum, (__u32)bpf_csum_diff(0, 0, (__be32 *)buf, SUM_CHUNK, 0));
		off += SUM_CHUNK;
		len -= SUM_CHUNK;
	}
	if (len >= SUM_CHUNK)
		return -1;
	for (i = 0; i < SUM_CHUNK / 4 && len >= 4; i++) {
		if (bpf_skb_load_bytes(skb, off, &word, 4))
			return -1;
		*sum = csum_add(*sum, (__u32)bpf_csum_diff(0, 0, &word, 4, 0));
		off += 4;
		len -= 4;
	}
	word = 0;
	if (len >= 2) {
		if (bpf_skb_load_bytes(skb, off, &word, 2))
			return -1;
		if (len == 3 && bpf_skb_load_bytes(skb, off + 2, (__u8 *)&word + 2, 1))
			return -1;
	} else if (len == 1 && bpf_skb_load_bytes(skb, off, &word, 1)) {
		return -1;
	}
	if (len)
		*sum = csum_add(*sum, (__u32)bpf_csum_diff(0, 0, &word, 4, 0));
	return 0;
}

// ------------------------------------------------- IPv6 extension headers

#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_DEST 60
#define NEXTHDR_NONE 59

struct frag6 {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;	// offset in 8-byte units << 3, M flag in bit 0
	__be32 identification;
};

// What an IPv6 packet carries between its fixed header and its upper layer.
struct ext6 {
	__u32 len;		// bytes of extension headers
	__u8 proto;		// the upper-layer protocol
	__u8 fragment;		// a fragment header was present
	__u8 more;		// its M flag
	__u16 offset;		// its offset, in 8-byte units
	__be32 id;		// its identification
};

static __always_inline int is_ext6(__u8 nexthdr)
{
	return nexthdr == NEXTHDR_HOP || nexthdr == NEXTHDR_ROUTING || nexthdr == NEXTHDR_FRAGMENT ||
	       nexthdr == NEXTHDR_DEST;
}

// Walk the extension headers at `off` (RFC 7915 5.1: hop-by-hop, destination
// options and routing headers with segments left 0 are skipped, the fragment
// header is translated). 0, or the counter's offset in n64_stats to drop with.
static __always_inline int walk_ext6(struct __sk_buff *skb, __u32 off, __u8 nexthdr, struct ext6 *ext)
{
	__u8 hdr[8];
	__u32 i;

	ext->proto = nexthdr;
	for (i = 0; i < EXT_MAX; i++) {
		if (!is_ext6(ext->proto))
			return 0;
		if (ext->fragment || ext->len > EXT_BYTES_MAX)
			return offsetof(struct n64_stats, drop_extension_header);
		if (bpf_skb_load_bytes(skb, off + ext->len, hdr, sizeof(hdr)))
			return offsetof(struct n64_stats, drop_malformed);
		if (ext->proto == NEXTHDR_FRAGMENT) {
			struct frag6 *f = (struct frag6 *)hdr;
			__u16 word = bpf_ntohs(f->frag_off);

			ext->fragment = 1;
			ext->more = word & 1;
			ext->offset = word >> 3;
			ext->id = f->identification;
			ext->len += 8;
		} else {
			if (ext->proto == NEXTHDR_ROUTING && hdr[3])
				return offsetof(struct n64_stats, drop_extension_header);
			ext->len += ((__u32)hdr[1] + 1) * 8;
		}
		ext->proto = hdr[0];
	}
	return is_ext6(ext->proto) ? offsetof(struct n64_stats, drop_extension_header) : 0;
}

static __always_inline int drop_at(int counter)
{
	__u32 zero = 0;
	__u8 *stats = bpf_map_lookup_elem(&n64_stats, &zero);

	if (stats && counter >= 0 && counter <= (int)(sizeof(struct n64_stats) - sizeof(__u64)))
		(*(__u64 *)(stats + (counter & ~7)))++;
	return TC_ACT_SHOT;
}

// IPv4 DF and identification of a translated packet that is not a fragment.
static __always_inline void set_df(struct iphdr *ip4)
{
	if (bpf_ntohs(ip4->tot_len) > DF_ABOVE)
		ip4->frag_off = bpf_htons(IP_DF);
	else
		ip4->id = (__u16)bpf_get_prandom_u32();
}

// ------------------------------------------------------ ICMP errors

// The upper-layer header of the packet inside an ICMP error: its first bytes
// (20 when there are, else 8 or none), enough for the ports and the checksum.
#define INNER_L4 20

// The inner packet's upper-layer checksum after its addresses (and, for an
// ICMP echo, its type and pseudo header) changed. -1: drop.
static __always_inline int inner_l4_4to6(__u8 *l4, __u32 l4n, const struct iphdr *in, const struct ipv6hdr *out,
					 __u8 proto)
{
	__u32 diff;
	__u16 *check;
	__u8 old[4];

	switch (proto) {
	case IPPROTO_TCP:
		if (l4n < 20)
			return 0;
		check = (__u16 *)&l4[16];
		break;
	case IPPROTO_UDP:
		if (l4n < 8)
			return 0;
		check = (__u16 *)&l4[6];
		if (!*check)
			return 0;
		break;
	case IPPROTO_ICMP:
		if (l4n < 8 || (l4[0] != ICMP_ECHO && l4[0] != ICMP_ECHOREPLY))
			return -1;
		__builtin_memcpy(old, l4, 4);
		l4[0] = l4[0] == ICMP_ECHO ? ICMPV6_ECHO_REQUEST : ICMPV6_ECHO_REPLY;
		diff = (__u32)bpf_csum_diff((__be32 *)old, 4, (__be32 *)l4, 4, 0);
		diff = csum_add(diff, pseudo6_sum(out, bpf_ntohs(out->payload_len), IPPROTO_ICMPV6));
		check = (__u16 *)&l4[2];
		*check = csum_update(*check, diff);
		return 0;
	default:
		return 0;
	}
	diff = (__u32)bpf_csum_diff((__be32 *)&in->saddr, 8, (__be32 *)&out->saddr, 32, 0);
	*check = csum_update(*check, diff);
	if (proto == IPPROTO_UDP && !*check)
		*check = 0xffff;
	return 0;
}

static __always_inline int inner_l4_6to4(__u8 *l4, __u32 l4n, const struct ipv6hdr *in, const struct iphdr *out,
					 __u8 proto, __u32 len)
{
	__u32 diff;
	__u16 *check;
	__u8 old[4];

	switch (proto) {
	case IPPROTO_TCP:
		if (l4n < 20)
			return 0;
		check = (__u16 *)&l4[16];
		break;
	case IPPROTO_UDP:
		if (l4n < 8)
			return 0;
		check = (__u16 *)&l4[6];
		break;
	case IPPROTO_ICMPV6:
		if (l4n < 8 || (l4[0] != ICMPV6_ECHO_REQUEST && l4[0] != ICMPV6_ECHO_REPLY))
			return -1;
		__builtin_memcpy(old, l4, 4);
		l4[0] = l4[0] == ICMPV6_ECHO_REQUEST ? ICMP_ECHO : ICMP_ECHOREPLY;
		diff = (__u32)bpf_csum_diff((__be32 *)old, 4, (__be32 *)l4, 4, 0);
		diff = csum_add(diff, ~pseudo6_sum(in, len, IPPROTO_ICMPV6));
		check = (__u16 *)&l4[2];
		*check = csum_update(*check, diff);
		return 0;
	default:
		return 0;
	}
	diff = (__u32)bpf_csum_diff((__be32 *)&in->saddr, 32, (__be32 *)&out->saddr, 8, 0);
	*check = csum_update(*check, diff);
	if (proto == IPPROTO_UDP && !*check)
		*check = 0xffff;
	return 0;
}

// The translated start of an ICMP error: outer header, ICMP header, inner
// header, the inner upper-layer bytes.
struct head4 {
	struct iphdr ip;
	struct icmphdr icmp;
	struct iphdr inner;
	__u8 l4[INNER_L4];
};

struct head6 {
	struct ipv6hdr ip;
	struct icmp6hdr icmp;
	struct ipv6hdr inner;
	__u8 l4[INNER_L4];
};

// How many of the inner upper-layer bytes go into the head.
static __always_inline __u32 inner_l4_len(__u32 available)
{
	return available >= 20 ? 20 : available >= 8 ? 8 : 0;
}

// An ICMPv4 error about a packet translated 6 -> 4: both headers to IPv6,
// the message cut to 1280 bytes, its checksum checked before and computed
// anew after.
static __always_inline int error_4to6(struct __sk_buff *skb, const struct n64_config *cfg,
				      const struct iphdr *ip4, const struct n64_slot *dst)
{
	const __u32 ihl = ip4->ihl * 4;
	const __u32 icmp_off = ETH_HLEN + ihl;
	const __u32 msg_len = bpf_ntohs(ip4->tot_len) - ihl;
	struct icmphdr icmp;
	struct iphdr inner;
	struct head6 out = {};
	struct n64_slot *inner_src;
	__u32 sum = 0, iihl, l4n, avail, old_head, new_head, total;
	__be16 proto = bpf_htons(ETH_P_IPV6);
	__u8 iproto;
	long room;

	if (msg_len < sizeof(icmp) + sizeof(inner) || skb->len < icmp_off + msg_len || msg_len > 0xffff)
		return DROP(drop_malformed);
	if (sum_bytes(skb, icmp_off, msg_len, &sum))
		return DROP(drop_helper_failed);
	if (csum_fold(sum) != 0xffff)
		return DROP(drop_bad_checksum);
	if (bpf_skb_load_bytes(skb, icmp_off, &icmp, sizeof(icmp)) ||
	    bpf_skb_load_bytes(skb, icmp_off + sizeof(icmp), &inner, sizeof(inner)))
		return DROP(drop_helper_failed);
	iihl = inner.ihl * 4;
	if (inner.version != 4 || iihl < sizeof(inner) || msg_len < sizeof(icmp) + iihl)
		return DROP(drop_malformed);
	if (inner.frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return DROP(drop_fragment);
	iproto = inner.protocol;
	if (iproto == IPPROTO_ICMPV6)
		return DROP(drop_protocol);
	// The packet in error went out from the pool: its source is a mapped one.
	inner_src = pool_slot(cfg, inner.saddr);
	if (!inner_src)
		return DROP(drop_no_mapping);
	if (icmp4_to_icmp6(&icmp, &out.icmp, bpf_ntohs(inner.tot_len)) || icmp.type == ICMP_ECHO ||
	    icmp.type == ICMP_ECHOREPLY)
		return DROP(drop_icmp_type);
	// RFC 4884: the length of the original datagram, for an extension after it.
	if (((const __u8 *)&icmp.un.gateway)[1])
		return DROP(drop_icmp_extension);

	avail = msg_len - sizeof(icmp) - iihl;
	l4n = inner_l4_len(avail);
	if (l4n == 20) {
		if (bpf_skb_load_bytes(skb, icmp_off + sizeof(icmp) + iihl, out.l4, 20))
			return DROP(drop_helper_failed);
	} else if (l4n == 8 && bpf_skb_load_bytes(skb, icmp_off + sizeof(icmp) + iihl, out.l4, 8)) {
		return DROP(drop_helper_failed);
	}

	out.inner.version = 6;
	out.inner.priority = inner.tos >> 4;
	out.inner.flow_lbl[0] = (inner.tos & 0xf) << 4;
	out.inner.payload_len = bpf_htons(bpf_ntohs(inner.tot_len) > iihl ? bpf_ntohs(inner.tot_len) - iihl : 0);
	out.inner.nexthdr = iproto == IPPROTO_ICMP ? IPPROTO_ICMPV6 : iproto;
	out.inner.hop_limit = inner.ttl;
	__builtin_memcpy(&out.inner.saddr, inner_src->addr6, sizeof(out.inner.saddr));
	embed(cfg, &out.inner.daddr, inner.daddr);
	if (inner_l4_4to6(out.l4, l4n, &inner, &out.inner, iproto))
		return DROP(drop_icmp_type);

	// The message: ICMPv6 header, inner IPv6 header, the rest unchanged.
	total = sizeof(out.ip) + sizeof(out.icmp) + sizeof(out.inner) + avail;
	if (total > ERROR6_MAX)
		total = ERROR6_MAX;
	out.ip.version = 6;
	out.ip.priority = ip4->tos >> 4;
	out.ip.flow_lbl[0] = (ip4->tos & 0xf) << 4;
	out.ip.payload_len = bpf_htons(total - sizeof(out.ip));
	out.ip.nexthdr = IPPROTO_ICMPV6;
	out.ip.hop_limit = ttl_plus_one(ip4->ttl);
	embed(cfg, &out.ip.saddr, ip4->saddr);
	__builtin_memcpy(&out.ip.daddr, dst->addr6, sizeof(out.ip.daddr));

	old_head = ihl + sizeof(icmp) + iihl + l4n;
	new_head = sizeof(out.ip) + sizeof(out.icmp) + sizeof(out.inner) + l4n;
	if (bpf_skb_pull_data(skb, ETH_HLEN + old_head))
		return DROP(drop_helper_failed);
	// bpf_skb_change_proto() makes 20 bytes of room; the rest is made (or
	// taken away) behind the new fixed header, inside the old head.
	room = (long)new_head - (long)old_head - 20;
	if (bpf_skb_change_proto(skb, proto, 0) ||
	    (room && bpf_skb_adjust_room(skb, room, BPF_ADJ_ROOM_NET, 0)))
		return DROP(drop_helper_failed);
	if (bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_proto), &proto, sizeof(proto), 0))
		return DROP(drop_helper_failed);
	if (l4n == 20) {
		if (bpf_skb_store_bytes(skb, ETH_HLEN, &out, sizeof(out), 0))
			return DROP(drop_helper_failed);
	} else if (bpf_skb_store_bytes(skb, ETH_HLEN, &out, sizeof(out) - INNER_L4 + (l4n == 8 ? 8 : 0), 0)) {
		return DROP(drop_helper_failed);
	}
	if (skb->len > ETH_HLEN + total && bpf_skb_change_tail(skb, ETH_HLEN + total, 0))
		return DROP(drop_helper_failed);
	if (skb->len < ETH_HLEN + total)
		return DROP(drop_malformed);

	// The ICMPv6 checksum, over the pseudo header and the whole message.
	sum = pseudo6_sum(&out.ip, total - sizeof(out.ip), IPPROTO_ICMPV6);
	if (sum_bytes(skb, ETH_HLEN + sizeof(out.ip), total - sizeof(out.ip), &sum))
		return DROP(drop_helper_failed);
	out.icmp.icmp6_cksum = ~csum_fold(sum);
	if (bpf_skb_store_bytes(skb, ETH_HLEN + sizeof(out.ip) + offsetof(struct icmp6hdr, icmp6_cksum),
				&out.icmp.icmp6_cksum, sizeof(__u16), 0))
		return DROP(drop_helper_failed);
	COUNT(icmp_error_4to6);
	return bpf_redirect(skb->ifindex, BPF_F_INGRESS);
}

// An ICMPv6 error about a packet translated 4 -> 6, whoever sent it (the
// fleet host, or a router on the way, the gateway itself included): its
// IPv4 source is the pool address of the inner packet's destination, so
// conntrack relates it to the connection and the masquerade rewrites it.
// The message is cut to 576 bytes; its checksum is checked before and
// computed anew after.
static __always_inline int error_6to4(struct __sk_buff *skb, const struct n64_config *cfg,
				      const struct ipv6hdr *ip6, const struct ext6 *outer)
{
	const __u32 icmp_off = ETH_HLEN + sizeof(*ip6) + outer->len;
	const __u32 msg_len = bpf_ntohs(ip6->payload_len) - outer->len;
	struct icmp6hdr icmp;
	struct ipv6hdr inner;
	struct ext6 iext = {};
	struct head4 out = {};
	__u32 sum, l4n, avail, old_head, new_head, total, idx, inner_len;
	__u32 *found;
	__be16 proto = bpf_htons(ETH_P_IP);
	int drop;

	if (outer->fragment && (outer->offset || outer->more))
		return DROP(drop_fragment);
	if (msg_len < sizeof(icmp) + sizeof(inner) || skb->len < icmp_off + msg_len)
		return DROP(drop_malformed);
	sum = pseudo6_sum(ip6, msg_len, IPPROTO_ICMPV6);
	if (sum_bytes(skb, icmp_off, msg_len, &sum))
		return DROP(drop_helper_failed);
	if (csum_fold(sum) != 0xffff)
		return DROP(drop_bad_checksum);
	if (bpf_skb_load_bytes(skb, icmp_off, &icmp, sizeof(icmp)) ||
	    bpf_skb_load_bytes(skb, icmp_off + sizeof(icmp), &inner, sizeof(inner)))
		return DROP(drop_helper_failed);
	// RFC 4884: destination unreachable and time exceeded may carry an
	// extension after the original datagram, whose length is here.
	if ((icmp.icmp6_type == ICMPV6_DEST_UNREACH || icmp.icmp6_type == ICMPV6_TIME_EXCEED) &&
	    ((const __u8 *)&icmp.icmp6_dataun)[0])
		return DROP(drop_icmp_extension);
	if (inner.version != 6)
		return DROP(drop_malformed);
	drop = walk_ext6(skb, icmp_off + sizeof(icmp) + sizeof(inner), inner.nexthdr, &iext);
	if (drop)
		return drop_at(drop);
	if (iext.fragment && (iext.offset || iext.more))
		return DROP(drop_fragment);
	if (iext.len > 64 || msg_len < sizeof(icmp) + sizeof(inner) + iext.len)
		return DROP(drop_extension_header);
	if (iext.proto == IPPROTO_ICMP)
		return DROP(drop_protocol);
	if (!in_prefix(cfg, &inner.saddr))
		return DROP(drop_not_prefix);
	found = bpf_map_lookup_elem(&n64_by_v6, &inner.daddr);
	if (!found)
		return DROP(drop_no_mapping);
	idx = *found;
	if (idx >= pool_size(cfg))
		return DROP(drop_no_mapping);
	if (icmp6_to_icmp4(&icmp, &out.icmp))
		return DROP(drop_icmp_type);

	avail = msg_len - sizeof(icmp) - sizeof(inner) - iext.len;
	l4n = inner_l4_len(avail);
	if (l4n == 20) {
		if (bpf_skb_load_bytes(skb, icmp_off + sizeof(icmp) + sizeof(inner) + iext.len, out.l4, 20))
			return DROP(drop_helper_failed);
	} else if (l4n == 8 &&
		   bpf_skb_load_bytes(skb, icmp_off + sizeof(icmp) + sizeof(inner) + iext.len, out.l4, 8)) {
		return DROP(drop_helper_failed);
	}

	inner_len = bpf_ntohs(inner.payload_len);
	inner_len = inner_len > iext.len ? inner_len - iext.len : 0;
	out.inner.version = 4;
	out.inner.ihl = 5;
	out.inner.tos = inner.priority << 4 | inner.flow_lbl[0] >> 4;
	out.inner.tot_len = bpf_htons(inner_len + sizeof(struct iphdr));
	if (iext.fragment)
		out.inner.id = bpf_htons(bpf_ntohl(iext.id) & 0xffff);
	else if (inner_len + sizeof(struct iphdr) > DF_ABOVE)
		out.inner.frag_off = bpf_htons(IP_DF);
	out.inner.ttl = inner.hop_limit;
	out.inner.protocol = iext.proto == IPPROTO_ICMPV6 ? IPPROTO_ICMP : iext.proto;
	out.inner.saddr = inner.saddr.in6_u.u6_addr32[3];
	out.inner.daddr = bpf_htonl(bpf_ntohl(cfg->pool_first) + idx);
	out.inner.check = ipv4_header_csum(&out.inner);
	if (inner_l4_6to4(out.l4, l4n, &inner, &out.inner, iext.proto, inner_len))
		return DROP(drop_icmp_type);

	total = sizeof(out.ip) + sizeof(out.icmp) + sizeof(out.inner) + avail;
	if (total > ERROR4_MAX)
		total = ERROR4_MAX;
	out.ip.version = 4;
	out.ip.ihl = 5;
	out.ip.tos = ip6->priority << 4 | ip6->flow_lbl[0] >> 4;
	out.ip.tot_len = bpf_htons(total);
	set_df(&out.ip);
	out.ip.ttl = ttl_plus_one(ip6->hop_limit);
	out.ip.protocol = IPPROTO_ICMP;
	out.ip.saddr = out.inner.daddr;
	out.ip.daddr = ip6->daddr.in6_u.u6_addr32[3];
	if (bad_destination4(out.ip.daddr))
		return DROP(drop_bad_destination);
	out.ip.check = ipv4_header_csum(&out.ip);

	old_head = sizeof(*ip6) + outer->len + sizeof(icmp) + sizeof(inner) + iext.len + l4n;
	new_head = sizeof(out.ip) + sizeof(out.icmp) + sizeof(out.inner) + l4n;
	if (bpf_skb_pull_data(skb, ETH_HLEN + old_head))
		return DROP(drop_helper_failed);
	// bpf_skb_change_proto() takes 20 bytes away; the rest goes from behind
	// the new fixed header, inside the old head.
	if (bpf_skb_change_proto(skb, proto, 0) ||
	    bpf_skb_adjust_room(skb, -(long)(old_head - new_head - 20), BPF_ADJ_ROOM_NET, 0))
		return DROP(drop_helper_failed);
	if (bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_proto), &proto, sizeof(proto), 0))
		return DROP(drop_helper_failed);
	if (l4n == 20) {
		if (bpf_skb_store_bytes(skb, ETH_HLEN, &out, sizeof(out), 0))
			return DROP(drop_helper_failed);
	} else if (bpf_skb_store_bytes(skb, ETH_HLEN, &out, sizeof(out) - INNER_L4 + (l4n == 8 ? 8 : 0), 0)) {
		return DROP(drop_helper_failed);
	}
	if (skb->len > ETH_HLEN + total && bpf_skb_change_tail(skb, ETH_HLEN + total, 0))
		return DROP(drop_helper_failed);
	if (skb->len < ETH_HLEN + total)
		return DROP(drop_malformed);

	sum = 0;
	if (sum_bytes(skb, ETH_HLEN + sizeof(out.ip), total - sizeof(out.ip), &sum))
		return DROP(drop_helper_failed);
	out.icmp.checksum = ~csum_fold(sum);
	if (bpf_skb_store_bytes(skb, ETH_HLEN + sizeof(out.ip) + offsetof(struct icmphdr, checksum),
				&out.icmp.checksum, sizeof(__u16), 0))
		return DROP(drop_helper_failed);
	COUNT(icmp_error_6to4);
	return bpf_redirect(skb->ifindex, BPF_F_INGRESS);
}

// ---------------------------------------------------- the two directions

// The upper layer after the new header: TCP and UDP checksums fixed for the
// changed pseudo header (diff), or an ICMP echo's first 4 bytes (icmp).
static __always_inline int fix_l4(struct __sk_buff *skb, __u32 l4off, __u8 l4proto, const void *icmp, __u32 diff)
{
	if (icmp)
		return bpf_skb_store_bytes(skb, l4off, icmp, 4, 0);
	if (l4proto == IPPROTO_TCP)
		return bpf_l4_csum_replace(skb, l4off + offsetof(struct tcphdr, check), 0, diff, BPF_F_PSEUDO_HDR);
	return bpf_l4_csum_replace(skb, l4off + offsetof(struct udphdr, check), 0, diff,
				   BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0);
}

// A packet that gets DF and does not fit the IPv4 next hop (the route's MTU,
// or a path MTU the gateway learned): answered here with an ICMPv6 Packet Too
// Big holding as much of the packet as 1280 bytes allow (RFC 4443 2.4(c)),
// from the packet's destination. The kernel's own Fragmentation Needed would
// hold only 548 bytes of it once translated. GSO packets are left to the
// kernel. -1: the packet fits (or the lookup says nothing).
static __always_inline int too_big_6to4(struct __sk_buff *skb, const struct ipv6hdr *ip6, const struct iphdr *ip4)
{
	struct bpf_fib_lookup fib = {};
	struct {
		struct ipv6hdr ip;
		struct icmp6hdr icmp;
	} out = {};
	__u32 mtu, len, sum;
	__u8 hop_limit;

	if (skb->gso_size)
		return -1;
	fib.family = 2;	// AF_INET
	fib.l4_protocol = ip4->protocol;
	fib.tot_len = bpf_ntohs(ip4->tot_len);
	fib.ifindex = skb->ifindex;
	fib.tos = ip4->tos;
	fib.ipv4_src = ip4->saddr;
	fib.ipv4_dst = ip4->daddr;
	if (bpf_fib_lookup(skb, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return -1;
	mtu = (__u32)fib.mtu_result + sizeof(struct ipv6hdr) - sizeof(struct iphdr);
	len = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
	if (len > ERROR6_MAX - sizeof(out))
		len = ERROR6_MAX - sizeof(out);
	out.ip.version = 6;
	out.ip.payload_len = bpf_htons(sizeof(out.icmp) + len);
	out.ip.nexthdr = IPPROTO_ICMPV6;
	// The gateway's forwarding takes one away, as from its own messages.
	out.ip.hop_limit = 65;
	out.ip.saddr = ip6->daddr;
	out.ip.daddr = ip6->saddr;
	out.icmp.icmp6_type = ICMPV6_PKT_TOOBIG;
	out.icmp.icmp6_dataun.un_data32[0] = bpf_htonl(mtu < IPV6_MIN_MTU ? IPV6_MIN_MTU : mtu);
	// The packet as it arrived, before the forwarding took one hop off.
	hop_limit = ttl_plus_one(ip6->hop_limit);
	if (bpf_skb_change_tail(skb, ETH_HLEN + len, 0) ||
	    bpf_skb_adjust_room(skb, sizeof(out), BPF_ADJ_ROOM_MAC, 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, &out, sizeof(out), 0) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN + sizeof(out) + offsetof(struct ipv6hdr, hop_limit), &hop_limit, 1, 0))
		return DROP(drop_helper_failed);
	sum = pseudo6_sum(&out.ip, sizeof(out.icmp) + len, IPPROTO_ICMPV6);
	if (sum_bytes(skb, ETH_HLEN + sizeof(out.ip), sizeof(out.icmp) + len, &sum))
		return DROP(drop_helper_failed);
	out.icmp.icmp6_cksum = ~csum_fold(sum);
	if (bpf_skb_store_bytes(skb, ETH_HLEN + sizeof(out.ip) + offsetof(struct icmp6hdr, icmp6_cksum),
				&out.icmp.icmp6_cksum, sizeof(__u16), 0))
		return DROP(drop_helper_failed);
	COUNT(packet_too_big);
	return bpf_redirect(skb->ifindex, BPF_F_INGRESS);
}

static __always_inline int nat64_6to4(struct __sk_buff *skb, const struct n64_config *cfg)
{
	const __u32 l4off = ETH_HLEN + sizeof(struct iphdr);
	struct ipv6hdr ip6;
	struct iphdr ip4 = {};
	struct ext6 ext = {};
	__be16 proto = bpf_htons(ETH_P_IP);
	__u32 len, diff;
	__s64 idx;
	__u8 first, atomic;
	int drop;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip6, sizeof(ip6)))
		return DROP(drop_malformed);
	if (ip6.version != 6)
		return DROP(drop_malformed);
	if (ip6.daddr.in6_u.u6_addr8[0] == 0xff)
		return DROP(drop_multicast);
	if (!in_prefix(cfg, &ip6.daddr))
		return DROP(drop_not_prefix);
	drop = walk_ext6(skb, ETH_HLEN + sizeof(ip6), ip6.nexthdr, &ext);
	if (drop)
		return drop_at(drop);
	len = bpf_ntohs(ip6.payload_len);
	if (len < ext.len || len - ext.len > 0xffff - sizeof(struct iphdr) ||
	    skb->len < ETH_HLEN + sizeof(ip6) + len)
		return DROP(drop_malformed);
	len -= ext.len;
	first = !ext.offset;
	atomic = ext.fragment && first && !ext.more;

	switch (ext.proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		if (first && len < (ext.proto == IPPROTO_TCP ? sizeof(struct tcphdr) : sizeof(struct udphdr)))
			return DROP(drop_malformed);
		break;
	case IPPROTO_ICMPV6: {
		__u8 type;

		if (ext.fragment && !atomic)
			return DROP(drop_fragment);
		if (len < sizeof(struct icmp6hdr) ||
		    bpf_skb_load_bytes(skb, ETH_HLEN + sizeof(ip6) + ext.len, &type, 1))
			return DROP(drop_malformed);
		if (type < 128)
			return error_6to4(skb, cfg, &ip6, &ext);
		if (type != ICMPV6_ECHO_REQUEST && type != ICMPV6_ECHO_REPLY)
			return DROP(drop_icmp_type);
		break;
	}
	case IPPROTO_ICMP:
		return DROP(drop_protocol);
	default:
		break;
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
	// RFC 7915 5.1 and 5.1.1: a fragment keeps its identification, offset
	// and more-fragments flag, without DF; anything else gets DF above 1260
	// bytes (and an identification of its own below).
	if (ext.fragment) {
		ip4.id = bpf_htons(bpf_ntohl(ext.id) & 0xffff);
		ip4.frag_off = bpf_htons(ext.offset | (ext.more ? IP_MF : 0));
	} else {
		set_df(&ip4);
	}
	ip4.ttl = ttl_plus_one(ip6.hop_limit);
	ip4.protocol = ext.proto == IPPROTO_ICMPV6 ? IPPROTO_ICMP : ext.proto;
	ip4.saddr = bpf_htonl(bpf_ntohl(cfg->pool_first) + (__u32)idx);
	ip4.daddr = ip6.daddr.in6_u.u6_addr32[3];
	ip4.check = ipv4_header_csum(&ip4);
	if (ip4.frag_off & bpf_htons(IP_DF)) {
		int action = too_big_6to4(skb, &ip6, &ip4);

		if (action >= 0)
			return action;
	}

	if (ip4.protocol == IPPROTO_ICMP) {
		struct icmp6hdr icmp6;
		struct icmphdr icmp4 = {};

		if (bpf_skb_load_bytes(skb, ETH_HLEN + sizeof(ip6) + ext.len, &icmp6, sizeof(icmp6)))
			return DROP(drop_helper_failed);
		icmp6_to_icmp4(&icmp6, &icmp4);
		__u16 old_check = icmp6.icmp6_cksum;

		icmp6.icmp6_cksum = 0;
		diff = (__u32)bpf_csum_diff((__be32 *)&icmp6, 4, (__be32 *)&icmp4, 4, 0);
		diff = csum_add(diff, ~pseudo6_sum(&ip6, len, IPPROTO_ICMPV6));
		icmp4.checksum = csum_update(old_check, diff);
		if (bpf_skb_change_proto(skb, proto, 0) ||
		    (ext.len && bpf_skb_adjust_room(skb, -(long)ext.len, BPF_ADJ_ROOM_NET, 0)) ||
		    bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_proto), &proto, sizeof(proto), 0) ||
		    bpf_skb_store_bytes(skb, ETH_HLEN, &ip4, sizeof(ip4), 0) ||
		    fix_l4(skb, l4off, IPPROTO_ICMP, &icmp4, 0))
			return DROP(drop_helper_failed);
	} else {
		// TCP and UDP: only the addresses in the pseudo header change
		// (the first fragment carries the header); others are copied.
		diff = (__u32)bpf_csum_diff((__be32 *)&ip6.saddr, 32, (__be32 *)&ip4.saddr, 8, 0);
		if (bpf_skb_change_proto(skb, proto, 0) ||
		    (ext.len && bpf_skb_adjust_room(skb, -(long)ext.len, BPF_ADJ_ROOM_NET, 0)) ||
		    bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_proto), &proto, sizeof(proto), 0) ||
		    bpf_skb_store_bytes(skb, ETH_HLEN, &ip4, sizeof(ip4), 0))
			return DROP(drop_helper_failed);
		if (first && (ip4.protocol == IPPROTO_TCP || ip4.protocol == IPPROTO_UDP) &&
		    fix_l4(skb, l4off, ip4.protocol, NULL, diff))
			return DROP(drop_helper_failed);
	}
	COUNT(xlat_6to4);
	if (ext.fragment)
		COUNT(fragments_6to4);
	return bpf_redirect(skb->ifindex, BPF_F_INGRESS);
}

static __always_inline int nat64_4to6(struct __sk_buff *skb, const struct n64_config *cfg)
{
	struct iphdr ip4;
	struct {
		struct ipv6hdr ip;
		struct frag6 frag;
	} out = {};
	struct n64_slot *slot;
	__be16 proto = bpf_htons(ETH_P_IPV6);
	__u32 len, diff, ihl, l4off, hdr_len;
	__u16 offset;
	__u8 more, fragment;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip4, sizeof(ip4)))
		return DROP(drop_malformed);
	if (ip4.version != 4)
		return DROP(drop_malformed);
	ihl = ip4.ihl * 4;
	if (ihl < sizeof(ip4))
		return DROP(drop_ipv4_options);
	len = bpf_ntohs(ip4.tot_len);
	if (len < ihl || skb->len < ETH_HLEN + len)
		return DROP(drop_malformed);
	len -= ihl;
	offset = bpf_ntohs(ip4.frag_off) & IP_OFFSET;
	more = !!(ip4.frag_off & bpf_htons(IP_MF));
	fragment = offset || more;
	slot = pool_slot(cfg, ip4.daddr);
	if (!slot)
		return DROP(drop_no_mapping);
	touch(slot);

	switch (ip4.protocol) {
	case IPPROTO_TCP:
		if (!offset && len < sizeof(struct tcphdr))
			return DROP(drop_malformed);
		break;
	case IPPROTO_UDP: {
		__u16 check;

		if (offset)
			break;
		if (len < sizeof(struct udphdr) ||
		    bpf_skb_load_bytes(skb, ETH_HLEN + ihl + offsetof(struct udphdr, check), &check, sizeof(check)))
			return DROP(drop_malformed);
		// IPv6 requires the checksum an IPv4 sender may leave out.
		if (!check)
			return DROP(drop_udp_no_checksum);
		break;
	}
	case IPPROTO_ICMP: {
		__u8 type;

		if (fragment)
			return DROP(drop_fragment);
		if (len < sizeof(struct icmphdr) || bpf_skb_load_bytes(skb, ETH_HLEN + ihl, &type, 1))
			return DROP(drop_malformed);
		if (type != ICMP_ECHO && type != ICMP_ECHOREPLY)
			return error_4to6(skb, cfg, &ip4, slot);
		break;
	}
	case IPPROTO_ICMPV6:
		return DROP(drop_protocol);
	default:
		break;
	}

	out.ip.version = 6;
	out.ip.priority = ip4.tos >> 4;
	out.ip.flow_lbl[0] = (ip4.tos & 0xf) << 4;
	out.ip.payload_len = bpf_htons(len + (fragment ? sizeof(out.frag) : 0));
	out.ip.nexthdr = ip4.protocol == IPPROTO_ICMP ? IPPROTO_ICMPV6 : ip4.protocol;
	out.ip.hop_limit = ttl_plus_one(ip4.ttl);
	embed(cfg, &out.ip.saddr, ip4.saddr);
	__builtin_memcpy(&out.ip.daddr, slot->addr6, sizeof(out.ip.daddr));
	// RFC 7915 4.1: a fragment header only for what is fragmented already,
	// with the IPv4 identification, offset and more-fragments flag.
	if (fragment) {
		out.frag.nexthdr = out.ip.nexthdr;
		out.ip.nexthdr = NEXTHDR_FRAGMENT;
		out.frag.frag_off = bpf_htons(offset << 3 | more);
		out.frag.identification = bpf_htonl(bpf_ntohs(ip4.id));
	}
	hdr_len = sizeof(out.ip) + (fragment ? sizeof(out.frag) : 0);
	l4off = ETH_HLEN + hdr_len;

	// IPv4 options go; bpf_skb_change_proto() makes room for the IPv6
	// header, and 8 bytes more behind it for a fragment header.
	if ((ihl > sizeof(ip4) && bpf_skb_adjust_room(skb, -(long)(ihl - sizeof(ip4)), BPF_ADJ_ROOM_NET, 0)) ||
	    bpf_skb_change_proto(skb, proto, 0) ||
	    (fragment && bpf_skb_adjust_room(skb, sizeof(out.frag), BPF_ADJ_ROOM_NET, 0)) ||
	    bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_proto), &proto, sizeof(proto), 0))
		return DROP(drop_helper_failed);
	if (fragment) {
		if (bpf_skb_store_bytes(skb, ETH_HLEN, &out, sizeof(out), 0))
			return DROP(drop_helper_failed);
	} else if (bpf_skb_store_bytes(skb, ETH_HLEN, &out.ip, sizeof(out.ip), 0)) {
		return DROP(drop_helper_failed);
	}

	if (ip4.protocol == IPPROTO_ICMP) {
		struct icmphdr icmp4;
		struct icmp6hdr icmp6 = {};

		if (bpf_skb_load_bytes(skb, l4off, &icmp4, sizeof(icmp4)))
			return DROP(drop_helper_failed);
		icmp4_to_icmp6(&icmp4, &icmp6, 0);
		__u16 old_check = icmp4.checksum;

		icmp4.checksum = 0;
		diff = (__u32)bpf_csum_diff((__be32 *)&icmp4, 4, (__be32 *)&icmp6, 4, 0);
		diff = csum_add(diff, pseudo6_sum(&out.ip, len, IPPROTO_ICMPV6));
		icmp6.icmp6_cksum = csum_update(old_check, diff);
		if (fix_l4(skb, l4off, IPPROTO_ICMPV6, &icmp6, 0))
			return DROP(drop_helper_failed);
	} else if (!offset && (ip4.protocol == IPPROTO_TCP || ip4.protocol == IPPROTO_UDP)) {
		diff = (__u32)bpf_csum_diff((__be32 *)&ip4.saddr, 8, (__be32 *)&out.ip.saddr, 32, 0);
		if (fix_l4(skb, l4off, ip4.protocol, NULL, diff))
			return DROP(drop_helper_failed);
	}
	COUNT(xlat_4to6);
	if (fragment)
		COUNT(fragments_4to6);
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
