/* SPDX-License-Identifier: MIT */
/*
 * A referenced frame lent by an in-process shm pair (docs/nic.md, "Two
 * copies from send to recv"): the receiver holds it where it lies (the
 * sender's bytes) and its reference goes back only when the frame is
 * released, with frames consumed behind it; a sender that needs its memory
 * back asks (ref_give_back) and the holder sees pressure, is not let sleep,
 * and its fd is signalled; giving them back wakes a sender asleep with
 * references out; a revoke by the holding thread hands the release to its
 * release (no hang), one by another thread waits until the holder gives
 * the frame back; a receiving endpoint destroyed while it holds one gives
 * the reference back.
 */
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include "t_util.h"
#include "t_wire.h"
#include "nic/wire_drv.h"
#include "nic/wire_shm.h"

#define HDR	54u
#define PAY	1400u

static uint8_t hdr[HDR], pay[PAY];
static _Atomic int released;

static void on_release(void *arg)
{
	(void)arg;
	released++;
}

static int send_ref(struct nm_wire *a)
{
	struct iovec h = { hdr, HDR };
	struct nm_wire_ref ref = { .n = 1, .len = PAY, .release = on_release };

	ref.iov[0] = (struct iovec){ pay, PAY };
	return nm_wire_xmit_ref(a, &h, 1, &ref, NULL);
}

/* The next frame as the NIC sees it, then held (no pressure). */
static void rx_hold(struct nm_wire *b)
{
	struct nm_wire_frame f;

	t_wire_rx(b, &f);
	T_ASSERT(f.ref != NULL);
	T_ASSERT(f.ref->iov[0].iov_base == pay);
	T_EQ(nm_wire_hold(b), 0);
}

/* The next frame as the NIC sees it, consumed. */
static void rx_consume(struct nm_wire *b)
{
	struct nm_wire_frame f;

	t_wire_rx(b, &f);
	T_ASSERT(f.ref != NULL);
	T_OK(nm_wire_consume(b));
}

static void pair(struct nm_wire **a, struct nm_wire **b)
{
	struct nm_wire_shm_params p = { 0 };

	T_OK(nm_wire_shm_pair(&p, a, b));
	nm_wire_rx_want_ref(*b, true);
	T_ASSERT(nm_wire_ref_ok(*a, false));
	released = 0;
}

static bool readable(int fd)
{
	return poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 0) == 1;
}

/* Another thread holds a frame until it sees the sender ask for it. */
struct holder {
	struct nm_wire *b;
	_Atomic bool held;
	int asked;		/* pressure seen */
};

static void *holder_fn(void *p)
{
	struct holder *h = p;

	rx_hold(h->b);
	h->held = true;
	for (int i = 0; i < 100000; i++) {	/* 10 s */
		if (nm_wire_release(h->b, 0) == 1) {
			h->asked = 1;
			break;
		}
		usleep(100);
	}
	nm_wire_release(h->b, 1);
	return NULL;
}

int main(void)
{
	struct nm_wire_stats st;
	struct nm_wire *a, *b;
	int fd;

	alarm(60);	/* a revoke that never returns fails, not hangs */
	unsetenv("NM_SHM_REFS");
	for (uint32_t i = 0; i < HDR; i++)
		hdr[i] = (uint8_t)(i + 1);
	for (uint32_t i = 0; i < PAY; i++)
		pay[i] = T_PAT(i);

	/* held: the reference stays out until the release, and a frame
	 * consumed behind it goes back with it */
	pair(&a, &b);
	T_OK(send_ref(a));
	T_OK(send_ref(a));
	rx_hold(b);
	rx_consume(b);
	nm_wire_tx_complete(a);
	T_EQ(released, 0);
	T_EQ(nm__wire_shm_refs_out(a), 2);
	T_EQ(nm_wire_release(b, 1), 0);
	nm_wire_tx_complete(a);
	T_EQ(released, 2);
	T_OK(nm_wire_get_stats(b, &st, sizeof(st)));
	T_EQ(st.rx_refs, 2);
	T_EQ(st.rx_bytes, 2 * (HDR + PAY));
	T_OK(nm__wire_shm_assert_ok(a));
	T_OK(nm__wire_shm_assert_ok(b));

	/* the sender asks for its memory back: the holder sees pressure,
	 * may not sleep, and its fd says so; giving it back ends it */
	fd = nm_wire_get_fd(b);
	T_ASSERT(fd >= 0);
	nm_wire_ref_give_back(a);		/* nothing out: nothing asked */
	T_EQ(nm_wire_release(b, 0), 0);
	T_OK(send_ref(a));
	rx_hold(b);
	T_EQ(nm_wire_arm(b), 0);
	nm_wire_ref_give_back(a);
	T_EQ(nm_wire_release(b, 0), 1);
	T_EQ(nm_wire_arm(b), 1);
	T_ASSERT(readable(fd));
	T_EQ(nm_wire_release(b, 1), 0);
	T_EQ(nm_wire_release(b, 0), 0);		/* asked no more */
	nm_wire_tx_complete(a);
	T_EQ(released, 3);

	/* a sender asleep with references out is woken when the holder
	 * gives them back */
	fd = nm_wire_get_fd(a);
	T_OK(send_ref(a));
	rx_hold(b);
	T_EQ(nm_wire_arm(a), 0);
	while (readable(fd))
		(void)!read(fd, &(uint64_t){ 0 }, 8);
	T_EQ(nm_wire_release(b, 1), 0);
	T_ASSERT(readable(fd));
	nm_wire_tx_complete(a);
	T_EQ(released, 4);
	nm_wire_destroy(a);
	nm_wire_destroy(b);

	/* revoked by the thread that holds it: the revoke returns and the
	 * reference goes back at the release */
	pair(&a, &b);
	T_OK(send_ref(a));
	rx_hold(b);
	nm_wire_ref_revoke(a);
	T_EQ(released, 0);
	T_EQ(nm__wire_shm_refs_out(a), 0);
	T_EQ(nm_wire_release(b, 1), 0);
	T_EQ(released, 1);
	nm_wire_destroy(a);
	nm_wire_destroy(b);

	/* revoked by another thread: it asks for the frame back and waits
	 * until the holder gave it */
	{
		struct holder h = { 0 };
		pthread_t th;

		pair(&a, &b);
		h.b = b;
		T_OK(send_ref(a));
		T_EQ(pthread_create(&th, NULL, holder_fn, &h), 0);
		while (!h.held)
			usleep(100);
		nm_wire_ref_revoke(a);
		T_EQ(released, 1);
		T_EQ(pthread_join(th, NULL), 0);
		T_EQ(h.asked, 1);
		nm_wire_destroy(a);
		nm_wire_destroy(b);
	}

	/* the holding endpoint is destroyed: the reference goes back */
	pair(&a, &b);
	T_OK(send_ref(a));
	rx_hold(b);
	nm_wire_destroy(b);
	nm_wire_tx_complete(a);
	T_EQ(released, 1);
	nm_wire_destroy(a);
	T_PASS();
}
