/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Socket kinds an AppArmor profile allows, shared by both recorders
 * (recorder_apparmor.h, nobtf_apparmor.h); daemon/bpfrecorder/apparmor.go
 * mirrors the NET_* bits.
 */
#ifndef SPO_APPARMOR_NET_H
#define SPO_APPARMOR_NET_H

#define NET_TCP 1
#define NET_UDP 2
#define NET_RAW 4

/* include/linux/socket.h, include/linux/net.h */
#define AF_INET 2
#define AF_INET6 10
#define AF_PACKET 17
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_TYPE_MASK 0xf /* the rest of type is SOCK_NONBLOCK, SOCK_CLOEXEC */

/* Which NET_* a socket(family, type) is. */
static __always_inline u64 net_bits(long family, long type)
{
	type &= SOCK_TYPE_MASK;
	if (family == AF_PACKET || type == SOCK_RAW)
		return NET_RAW;
	if (family != AF_INET && family != AF_INET6)
		return 0;
	if (type == SOCK_STREAM)
		return NET_TCP;
	if (type == SOCK_DGRAM)
		return NET_UDP;
	return 0;
}

#endif /* SPO_APPARMOR_NET_H */
