/* SPDX-License-Identifier: MIT */
/*
 * Shm wire access: who may plug into a wire.
 *
 * A wire is a cable into a stack: whoever attaches reads every frame the
 * stack sends and writes frames it takes for the network's.  Its name is
 * an abstract unix socket, which every process of the network namespace
 * can connect to whatever its uid (there is no file whose mode could
 * keep anyone out), so the creator asks the kernel who connected
 * (SO_PEERCRED: the peer's pid, effective uid and gid at connect time)
 * and admits:
 *
 *   1. a process of the creator's own effective uid;
 *   2. root (uid 0), which could read the creator's memory anyway;
 *   3. a uid the creator allows: in p->allow_uids, or any with
 *      p->allow_any_uid.
 *
 * The check runs on the accepted socket before the region memfd and the
 * eventfds are sent (wire_shm_rdv.c), so a refused process never holds
 * any of them.  Workload: once per connecting process.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nic/wire_shm.h"
#include "util/err.h"

int nm__shm_access_check_params(const struct nm_wire_shm_params *p)
{
	if (p->nr_allow_uids > NM_WIRE_SHM_ALLOW_MAX)
		return nm_err(EINVAL, "nr_allow_uids %u > %d", p->nr_allow_uids,
			      NM_WIRE_SHM_ALLOW_MAX);
	if (p->nr_allow_uids && !p->allow_uids)
		return nm_err(EINVAL, "allow_uids is NULL with nr_allow_uids %u",
			      p->nr_allow_uids);
	return 0;
}

static bool uid_allowed(const struct nm_wire_shm_params *p, uid_t uid)
{
	if (uid == geteuid() || uid == 0 || p->allow_any_uid)
		return true;
	for (uint32_t i = 0; i < p->nr_allow_uids; i++)
		if (p->allow_uids[i] == uid)
			return true;
	return false;
}

int nm__shm_peer_cred(int sock, struct ucred *cred)
{
	socklen_t len = sizeof(*cred);

	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, cred, &len) || len != sizeof(*cred))
		return nm_err_sys(errno ? errno : EPROTO, "shm: getsockopt SO_PEERCRED");
	return 0;
}

int nm__shm_access_admit(const struct nm_wire_shm_params *p, int sock, struct ucred *cred)
{
	int r = nm__shm_peer_cred(sock, cred);

	if (r)
		return r;
	return uid_allowed(p, cred->uid) ? 1 : 0;
}
