/* SPDX-License-Identifier: MIT */
#ifndef NM_RT_RUN_PAGE_H
#define NM_RT_RUN_PAGE_H

/*
 * The run page: what `netmem run` (tools/netmem/cmd_run.c) and the runtime
 * in the program it starts (src/rt/) share.  netmem run makes it (a memfd,
 * one page, its fd inherited as NETMEM_RUN_FD); every process of the run
 * maps it.  It carries
 *  - the owner: the pid of the one process whose runtime runs the NIC and
 *    stack (the first that needed them; a later one takes over once that
 *    process is gone), so that helpers the program starts do not bring up
 *    a second NIC on the same wire;
 *  - the totals netmem run reports at the end (connections, payload bytes
 *    each way, drops), added to as they happen, so that a program killed
 *    with SIGKILL still has its figures;
 *  - whether the owner holds the NIC for control requests only (a shell
 *    that served `ethtool` before the program it runs made a socket): then
 *    another process may ask it for the NIC instead of being refused;
 *  - a runtime error: a process whose runtime failed writes its one line
 *    there, and netmem run exits 2 after it.
 * Every field is read and written with atomics (or once, before the
 * program starts); the page outlives every process that maps it only as
 * long as one of them holds the fd or a mapping.
 */

#include <stdatomic.h>
#include <stdint.h>

#define NM_RUN_PAGE_MAGIC	0x6e6d7275u	/* "nmru" */
#define NM_RUN_PAGE_VERSION	1

struct nm_run_page {
	uint32_t magic, version;
	_Atomic int32_t owner_pid;	/* 0: none yet */
	_Atomic int32_t failed;		/* 1: a runtime error, in error[] */
	_Atomic uint64_t connections;	/* accepted or connected on netmem */
	_Atomic uint64_t bytes_in;	/* payload the program received */
	_Atomic uint64_t bytes_out;	/* payload it handed to send */
	_Atomic uint64_t drops;		/* frames the NIC dropped, wire losses */
	char error[256];
	/* owner_pid when the owner holds the NIC for control requests only
	 * (no wire, socket or binding: src/rt/up.c), or holds nothing yet
	 * after an exec: another process of the run may ask it to hand the
	 * NIC over; 0 otherwise */
	_Atomic int32_t ctl_only_pid;
};

#endif
