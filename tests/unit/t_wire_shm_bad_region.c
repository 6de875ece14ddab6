/* A creator that hands over a bad region is refused with -EPROTO: wrong
 * magic, version or sizes in the region header, offsets that do not match
 * the sizes, a memfd smaller than the header claims or not sealed against
 * shrinking, a hello with the wrong magic or fd count, fds that are not
 * eventfds.  The test plays the creator on the abstract socket itself and
 * the real nm_wire_shm_connect runs in a thread. */
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "nic/wire_shm.h"
#include "t_util.h"

static char t_name[64];

struct t_conn {
	pthread_t thr;
	int r;
	char msg[256];
};

static void *t_connect_thread(void *arg)
{
	struct t_conn *c = arg;
	struct nm_wire *w = NULL;

	c->r = nm_wire_shm_connect(t_name, 5000, &w);
	snprintf(c->msg, sizeof(c->msg), "%s", nm_last_error());
	if (c->r == 0)
		nm_wire_destroy(w);
	return NULL;
}

static int t_listen(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	size_t n = (size_t)snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "netmem-shm-%s",
				    t_name);

	T_ASSERT(s >= 0);
	T_OK(bind(s, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
							  1 + n)));
	T_OK(listen(s, 1));
	return s;
}

static void t_send(int sock, uint32_t magic, uint32_t version, const int *fds, int nfds)
{
	uint32_t hello[4] = { magic, version, (uint32_t)nfds, 0 };
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { hello, sizeof(hello) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds) {
		struct cmsghdr *c;

		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	T_EQ(sendmsg(sock, &msg, MSG_NOSIGNAL), sizeof(hello));
}

/* One handshake: the thread connects, we send what we are given, the
 * thread's result must be want. */
static void t_case(const char *what, uint32_t magic, uint32_t version, const int *fds, int nfds,
		   int want)
{
	int ls = t_listen(), s;
	struct t_conn c = { 0 };

	T_OK(pthread_create(&c.thr, NULL, t_connect_thread, &c));
	s = accept(ls, NULL, NULL);
	T_ASSERT(s >= 0);
	t_send(s, magic, version, fds, nfds);
	T_OK(pthread_join(c.thr, NULL));
	printf("%-28s -> %d (%s)\n", what, c.r, c.msg);
	if (c.r != want)
		T_FAIL("%s: connect = %d, want %d", what, c.r, want);
	T_ASSERT(want == 0 || c.msg[0] != '\0');
	close(s);
	close(ls);
}

/* A region made by the library, with one header field changed. */
static int t_region(size_t field_off, const void *val, size_t len)
{
	struct nm_wire_shm_params p = { .ring_entries = 64, .arena_bytes = 1 << 16 };
	int fd;

	T_OK(nm__shm_region_create(&p, false, &fd));
	if (len)
		T_EQ(pwrite(fd, val, len, (off_t)field_off), (ssize_t)len);
	return fd;
}

static void t_hdr_case(const char *what, size_t off, uint32_t val)
{
	int fds[3] = { t_region(off, &val, sizeof(val)), eventfd(0, 0), eventfd(0, 0) };

	t_case(what, NM_SHM_MAGIC, NM_SHM_VERSION, fds, 3, -EPROTO);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
}

int main(void)
{
	int fds[3], pipefd[2];
	uint64_t big;

	snprintf(t_name, sizeof(t_name), "t_wire_shm_bad_region.%d", (int)getpid());

	/* the good case first: this creator is good enough for connect */
	fds[0] = t_region(0, NULL, 0);
	fds[1] = eventfd(0, 0);
	fds[2] = eventfd(0, 0);
	t_case("good region", NM_SHM_MAGIC, NM_SHM_VERSION, fds, 3, 0);

	t_hdr_case("region magic", offsetof(struct nm_shm_hdr, magic), 0xdeadbeef);
	t_hdr_case("region version", offsetof(struct nm_shm_hdr, version), NM_SHM_VERSION + 1);
	t_hdr_case("header size", offsetof(struct nm_shm_hdr, hdr_size), 8);
	t_hdr_case("ring not a power of two", offsetof(struct nm_shm_hdr, ring_entries), 100);
	t_hdr_case("ring of 0", offsetof(struct nm_shm_hdr, ring_entries), 0);
	t_hdr_case("ring larger than its space", offsetof(struct nm_shm_hdr, ring_entries), 1 << 16);
	t_hdr_case("arena not matching offsets", offsetof(struct nm_shm_hdr, arena_bytes), 1 << 17);
	t_hdr_case("mtu out of range", offsetof(struct nm_shm_hdr, mtu), 5);
	t_hdr_case("unknown flags", offsetof(struct nm_shm_hdr, flags), 0x80);
	t_hdr_case("arena offset moved",
		   offsetof(struct nm_shm_hdr, dir) + offsetof(struct nm_shm_dir_layout, arena_off),
		   4096);

	/* total_size larger than the memfd */
	big = 1ull << 40;
	fds[0] = t_region(offsetof(struct nm_shm_hdr, total_size), &big, sizeof(big));
	t_case("total_size beyond the file", NM_SHM_MAGIC, NM_SHM_VERSION, fds, 3, -EPROTO);
	close(fds[0]);

	/* a consistent header for a region larger than the memfd */
	{
		struct nm_wire_shm_params bigger = { .ring_entries = 64, .arena_bytes = 1 << 20 };
		struct nm_shm_hdr h;

		T_OK(nm__shm_layout(&bigger, &h));
		fds[0] = t_region(0, &h, sizeof(h));
		t_case("region beyond the memfd", NM_SHM_MAGIC, NM_SHM_VERSION, fds, 3, -EPROTO);
		close(fds[0]);
	}

	/* a bad fault rate in the header */
	double nan = __builtin_nan("");
	fds[0] = t_region(offsetof(struct nm_shm_hdr, faults) + offsetof(struct nm_wire_faults, loss),
			  &nan, sizeof(nan));
	t_case("NaN loss rate", NM_SHM_MAGIC, NM_SHM_VERSION, fds, 3, -EPROTO);
	close(fds[0]);

	/* not sealed: the peer could shrink it under us */
	{
		int good = t_region(0, NULL, 0), un = memfd_create("unsealed", MFD_CLOEXEC);
		struct nm_shm_hdr h;
		struct stat sb;

		T_OK(fstat(good, &sb));
		T_EQ(pread(good, &h, sizeof(h), 0), sizeof(h));
		T_OK(ftruncate(un, sb.st_size));
		T_EQ(pwrite(un, &h, sizeof(h), 0), sizeof(h));
		fds[0] = un;
		t_case("memfd not sealed", NM_SHM_MAGIC, NM_SHM_VERSION, fds, 3, -EPROTO);
		close(un);
		close(good);
	}

	/* the hello itself */
	fds[0] = t_region(0, NULL, 0);
	t_case("hello magic", 0x12345678, NM_SHM_VERSION, fds, 3, -EPROTO);
	t_case("hello version", NM_SHM_MAGIC, 99, fds, 3, -EPROTO);
	t_case("two fds", NM_SHM_MAGIC, NM_SHM_VERSION, fds, 2, -EPROTO);
	t_case("no fds", NM_SHM_MAGIC, NM_SHM_VERSION, fds, 0, -EPROTO);
	T_OK(pipe(pipefd));
	{
		int f2[4] = { fds[0], pipefd[0], pipefd[1], fds[1] };

		t_case("pipes for eventfds", NM_SHM_MAGIC, NM_SHM_VERSION, f2, 3, -EPROTO);
		t_case("four fds", NM_SHM_MAGIC, NM_SHM_VERSION, f2, 4, -EPROTO);
		f2[0] = fds[1];
		f2[1] = fds[1];
		f2[2] = fds[2];
		t_case("eventfd for the region", NM_SHM_MAGIC, NM_SHM_VERSION, f2, 3, -EPROTO);
	}

	/* after all that, the good case still works */
	t_case("good region again", NM_SHM_MAGIC, NM_SHM_VERSION, fds, 3, 0);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	close(pipefd[0]);
	close(pipefd[1]);
	T_PASS();
}
