/* Two processes: the parent creates a wire by name, the forked child
 * connects to it, and they exchange 10000 frames each way at once, each
 * checked against its per-frame pattern, waiting on the wire's eventfd
 * when there is nothing to do.  While the wire lives its name is taken
 * (-EADDRINUSE) and refuses further peers; a missing name is refused. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "t_wire.h"
#include "nic/wire_drv.h"

#define N 10000

static uint8_t out[9100], in[9100];

static uint32_t t_len(uint64_t seq)
{
	return seq % 97 == 0 ? 9014 : 60 + (uint32_t)(seq * 37 % 1455);
}

static struct nm_wire_meta t_meta(uint64_t seq, int dir)
{
	return (struct nm_wire_meta){ .flags = (uint8_t)dir, .hdr_len = (uint16_t)seq,
				      .gso_size = (uint16_t)(seq >> 16),
				      .csum_start = (uint16_t)(seq * 7) };
}

/* Send N frames tagged with dir and receive N of the other direction. */
static void t_exchange(struct nm_wire *w, int dir)
{
	uint64_t sent = 0, got = 0;
	int fd = nm_wire_get_fd(w);

	T_ASSERT(fd >= 0);
	while (sent < N || got < N) {
		bool progress = false;

		if (sent < N) {
			struct nm_wire_meta m = t_meta(sent, dir);
			int r;

			t_wfill(out, t_len(sent), sent);
			r = t_wire_send(w, out, t_len(sent), &m);
			if (r == 0) {
				sent++;
				progress = true;
			} else {
				T_EQ(r, -EAGAIN);
			}
		}
		for (;;) {
			struct nm_wire_meta m;
			int r = t_wire_recv(w, in, sizeof(in), &m);

			if (r == -EAGAIN)
				break;
			T_EQ(r, t_len(got));
			T_EQ(t_wbitdiff(in, (uint32_t)r, got), 0);
			T_EQ(m.flags, !dir);
			T_EQ(m.hdr_len, (uint16_t)got);
			T_EQ(m.csum_start, (uint16_t)(got * 7));
			got++;
			progress = true;
		}
		if (!progress && got < N) {
			/* Nothing to read.  Done sending: sleep on the eventfd
			 * (5 s means a lost wakeup).  Sending blocked: the fd
			 * does not tell about tx space, so nap briefly. */
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int n = poll(&pfd, 1, sent == N ? 5000 : 1);

			T_ASSERT(n == 1 || (n == 0 && sent < N));
		}
	}
	T_OK(nm__wire_shm_assert_ok(w));
}

static int t_child(const char *name)
{
	struct nm_wire_shm_params p = { 0 };
	struct nm_wire *w = NULL, *w2 = NULL;
	char missing[80];
	int r;

	snprintf(missing, sizeof(missing), "%s-missing", name);
	T_ERR(nm_wire_shm_connect(missing, 1000, &w), -ECONNREFUSED);
	/* the parent may not listen yet */
	for (int i = 0; (r = nm_wire_shm_connect(name, 5000, &w)) == -ECONNREFUSED && i < 5000; i++)
		usleep(1000);
	T_OK(r);
	T_ASSERT(w->mtu == 9000 && !w->gso);
	T_EQ(nm_wire_mtu(w), 9000);	/* the creator's, as the netmem client reads it */
	T_ERR(nm_wire_shm_create(name, &p, 100, &w2), -EADDRINUSE);
	T_ERR(nm_wire_shm_connect(name, 100, &w2), -ECONNREFUSED);	/* already paired */
	t_exchange(w, 1);
	nm_wire_destroy(w);
	return 0;
}

int main(void)
{
	struct nm_wire_shm_params p = { .mtu = 9000, .ring_entries = 256, .arena_bytes = 1 << 20 };
	struct nm_wire *w;
	struct nm_wire_stats st;
	char name[64];
	int status;
	pid_t pid;

	snprintf(name, sizeof(name), "t_wire_shm_xproc.%d", (int)getpid());
	pid = t_fork();
	if (pid == 0)
		_exit(t_child(name));

	T_OK(nm_wire_shm_create(name, &p, 10000, &w));
	T_ASSERT(w->mtu == 9000);
	T_EQ(nm_wire_mtu(w), 9000);
	T_EQ(nm_wire_mtu(NULL), 0);
	t_exchange(w, 0);
	T_ASSERT(waitpid(pid, &status, 0) == pid);
	T_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	T_EQ(st.tx_frames, N);
	T_EQ(st.rx_frames, N);
	T_EQ(st.rx_invalid, 0);
	/* the child destroyed its end: the wire is cut */
	T_ERR(t_wire_send(w, out, 100, NULL), -ENOTCONN);
	T_OK(nm_wire_get_stats(w, &st, sizeof(st)));
	T_EQ(st.tx_dropped, 1);
	nm_wire_destroy(w);
	/* the name is free again */
	T_ERR(nm_wire_shm_connect(name, 100, &w), -ECONNREFUSED);
	T_PASS();
}
