// Package source delivers the kernel's audit records to the log enricher,
// one line at a time, from wherever the node keeps them. Every line is in
// a form audit.Parse reads.
//
// # auditd
//
// When auditd runs, the kernel hands it every record over a unicast
// netlink socket (the "audit pid"), and auditd writes them to its log,
// /var/log/audit/audit.log, in RAW or ENRICHED format. The auditd source
// follows that file with logfile.Follow, across rotation. This is the best
// source: nothing is rate-limited, and lines written while the enricher
// restarts are still in the file.
//
// # netlink
//
// Since Linux 3.16 the kernel also multicasts each record to the netlink
// group AUDIT_NLGRP_READLOG of NETLINK_AUDIT (include/uapi/linux/audit.h;
// kernel/audit.c, kauditd_send_multicast_skb), whether or not an auditd
// runs. Joining it needs CAP_AUDIT_READ (kernel/audit.c,
// audit_multicast_bind) and works only from the initial network namespace:
// the kernel multicasts on init_net's audit socket alone and accepts the
// bind elsewhere in silence, so New refuses another namespace itself
// (the enricher pod needs hostNetwork). The kernel sends the text after
// "msg=" and the type in the netlink header; the source rebuilds auditd's
// RAW line, "type=SECCOMP msg=audit(...): ...". Records sent while nobody
// listens are gone, and a reader slower than the kernel loses records when
// the socket queue overflows (counted by Lost); the queue is raised to
// 32 MiB so that bursts survive. go-libaudit does the netlink work.
//
// # syslog
//
// Without auditd the kernel prints records to the console log (kmsg),
// rate-limited (kernel/audit.c, kauditd_printk_skb: printk_ratelimit,
// 10 lines per 5 s by default), and syslog copies them to /var/log/syslog (Debian,
// Ubuntu) or /var/log/messages (RHEL, SUSE) as "kernel: audit: type=1326
// audit(...): ...". The syslog source follows the first of those files that
// exists and passes on only lines with an "audit(" stamp; the rest of
// syslog is other daemons' chatter. It is the fallback: records beyond the
// rate limit are lost.
//
// # auto
//
// auto observes the node and picks, in this order:
//
//   - auditd, when an auditd process is alive (its pid file
//     /var/run/auditd.pid, or the kernel's audit pid, names a process
//     called auditd; seeing it needs hostPID) and its log file exists here
//     (a stale log without a daemon is not followed);
//   - netlink, when the multicast group can be joined;
//   - syslog, when a syslog file exists;
//   - otherwise an error giving each reason.
//
// The choice is a pure function of those facts (choose), and the chosen
// source's Name says which and why.
package source
