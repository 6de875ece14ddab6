/* SPDX-License-Identifier: MIT */
/*
 * References across processes stay compatible with peers from before
 * them, which agree to none.  An old connecting side (written here as the
 * rendezvous was: it reads the 16-byte hello with its three fds, attaches,
 * acknowledges 'A') meets a creator that offers references: the region it
 * gets passes its checks, the offer behind the hello stays unread, and the
 * creator ends up without references; frames move both ways.  An old
 * creator (no xref area, a bare hello) meets a new connecting side: it
 * acknowledges 'A' and takes no references.
 */
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nic/wire_shm.h"
#include "t_wire.h"
#include "t_xproc.h"

struct t_hello {
	uint32_t magic, version, nfds, status;
};

static socklen_t t_rdv_addr(const char *name, struct sockaddr_un *sa)
{
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, "netmem-shm-%s", name);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

/* The old connecting side: read exactly the hello, attach, say 'A'. */
static int t_old_connector(void *arg, int to_a, int from_a)
{
	const char *name = arg;
	struct t_hello h;
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { &h, sizeof(h) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct sockaddr_un sa;
	socklen_t len = t_rdv_addr(name, &sa);
	uint8_t buf[256];
	struct nm_wire *w;
	int sock = -1, fds[3];

	for (int i = 0; i < 5000; i++) {
		sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		T_ASSERT(sock >= 0);
		if (!connect(sock, (struct sockaddr *)&sa, len))
			break;
		close(sock);
		sock = -1;
		usleep(1000);
	}
	T_ASSERT(sock >= 0);
	T_EQ(recvmsg(sock, &msg, 0), (ssize_t)sizeof(h));
	T_EQ(h.magic, NM_SHM_MAGIC);
	T_EQ(h.nfds, 3);
	T_EQ(h.status, 0);
	T_ASSERT(CMSG_FIRSTHDR(&msg) && CMSG_FIRSTHDR(&msg)->cmsg_type == SCM_RIGHTS);
	memcpy(fds, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(fds));
	T_OK(nm__shm_attach(fds[0], 1, fds[2], fds[1], sock, -1, name, &w));
	close(fds[0]);
	T_EQ(send(sock, "A", 1, MSG_NOSIGNAL), 1);
	T_ASSERT(nm_shm_wire_of(w)->xr == NULL);
	/* one frame each way */
	t_wfill(buf, sizeof(buf), 7);
	T_OK(t_wire_send(w, buf, sizeof(buf), NULL));
	T_EQ(write(to_a, "S", 1), 1);
	t_xp_expect(from_a, 'S');
	T_EQ(t_wire_recv(w, buf, sizeof(buf), NULL), (int)sizeof(buf));
	T_EQ(t_wbitdiff(buf, sizeof(buf), 8), 0);
	nm_wire_destroy(w);
	return 0;
}

static void t_new_creator_old_connector(void)
{
	struct nm_wire_shm_params p = { .ring_entries = 64, .arena_bytes = 1 << 20 };
	uint8_t buf[256];
	struct nm_wire_stats st;
	int from_b, to_b, status;
	struct nm_wire *w;
	char name[64];
	pid_t pid = t_xp_fork(t_old_connector, name, &from_b, &to_b, name);

	T_OK(nm_wire_shm_create(name, &p, 10000, &w));
	T_ASSERT(nm_shm_wire_of(w)->xr == NULL);	/* offered, not taken */
	T_ASSERT(nm_shm_wire_of(w)->xref_off != 0);	/* the room was made */
	T_ASSERT(!nm_wire_ref_ok(w, false));
	t_xp_expect(from_b, 'S');
	T_EQ(t_wire_recv(w, buf, sizeof(buf), NULL), (int)sizeof(buf));
	T_EQ(t_wbitdiff(buf, sizeof(buf), 7), 0);
	t_wfill(buf, sizeof(buf), 8);
	T_OK(t_wire_send(w, buf, sizeof(buf), NULL));
	T_EQ(write(to_b, "S", 1), 1);
	T_ASSERT(waitpid(pid, &status, 0) == pid);
	T_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	T_EQ(st.rx_invalid, 0);
	nm_wire_destroy(w);
	close(from_b);
	close(to_b);
}

/* A new connecting side under an old creator. */
static int t_new_connector(void *arg, int to_a, int from_a)
{
	struct nm_wire *w = t_xp_connect(arg);

	(void)from_a;
	T_ASSERT(nm_shm_wire_of(w)->xr == NULL);
	T_ASSERT(nm_shm_wire_of(w)->xref_off == 0);	/* an old region */
	T_EQ(write(to_a, "C", 1), 1);
	nm_wire_destroy(w);
	return 0;
}

static void t_old_creator_new_connector(void)
{
	struct nm_wire_shm_params p = { .ring_entries = 64, .arena_bytes = 1 << 20 };
	struct t_hello h = { NM_SHM_MAGIC, NM_SHM_VERSION, 3, 0 };
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} u = { 0 };
	struct iovec iov = { &h, sizeof(h) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct sockaddr_un sa;
	int fds[3], lsock, sock, from_b, to_b, status;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	char name[64], ack = 0;
	pid_t pid;

	pid = t_xp_fork(t_new_connector, name, &from_b, &to_b, name);
	T_OK(nm__shm_region_create(&p, false, &fds[0]));
	fds[1] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	fds[2] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	T_ASSERT(fds[1] >= 0 && fds[2] >= 0);
	lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	T_ASSERT(lsock >= 0);
	T_ASSERT(bind(lsock, (struct sockaddr *)&sa, t_rdv_addr(name, &sa)) == 0);
	T_ASSERT(listen(lsock, 1) == 0);
	sock = accept(lsock, NULL, NULL);
	T_ASSERT(sock >= 0);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	T_EQ(sendmsg(sock, &msg, MSG_NOSIGNAL), (ssize_t)sizeof(h));
	T_EQ(recv(sock, &ack, 1, 0), 1);
	T_EQ(ack, 'A');		/* not 'R': nothing was offered */
	t_xp_expect(from_b, 'C');
	T_ASSERT(waitpid(pid, &status, 0) == pid);
	T_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	close(sock);
	close(lsock);
	close(from_b);
	close(to_b);
}

int main(void)
{
	T_XP_NEED_REFS();
	t_new_creator_old_connector();
	t_old_creator_new_connector();
	T_PASS();
}
