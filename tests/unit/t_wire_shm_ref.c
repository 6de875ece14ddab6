/* SPDX-License-Identifier: MIT */
/*
 * References on the shm wire (docs/nic.md, "One copy on the shm wire"), the
 * wire's side of the contract: an in-process pair agrees to them, but a
 * sender may reference payload only once the receiver asked; a referenced
 * frame carries its headers in the arena and hands the receiver the
 * sender's own bytes (no copy on the way); its release runs exactly once,
 * on the sender's side, only after the receiver consumed it (after both
 * copies of a duplicate), at once for a frame the wire dropped, and for
 * everything still out when the sender revokes (the unread frame is then
 * skipped and counted; one that the revoking thread itself is reading goes
 * back at its consume, instead of a wait that never ends) or the receiver
 * is gone; a sender asleep with
 * references out is woken once they were consumed.  peek and rx_copy
 * gather a referenced frame, and a peeked one cannot be lent (what the
 * caller sees is the gathered copy; lending by reference is
 * t_wire_shm_ref_lend's).  Without the
 * agreement (no_refs, NM_SHM_REFS=0) nothing is referenced.  A reference
 * whose pieces do not add up to its length is refused.
 */
#include <poll.h>

#include "t_util.h"
#include "t_wire.h"
#include "nic/wire_drv.h"
#include "nic/wire_shm.h"

#define HDR	54u
#define PAY	1400u

static uint8_t hdr[HDR], pay[PAY];
static int released;

static void on_release(void *arg)
{
	(void)arg;
	released++;
}

static int send_ref(struct nm_wire *a)
{
	struct iovec h = { hdr, HDR };
	struct nm_wire_ref ref = { .n = 2, .len = PAY, .release = on_release };

	ref.iov[0] = (struct iovec){ pay, 600 };
	ref.iov[1] = (struct iovec){ pay + 600, PAY - 600 };
	return nm_wire_xmit_ref(a, &h, 1, &ref, NULL);
}

/* The next frame as the NIC sees it: referenced, the sender's bytes. */
static void rx_ref(struct nm_wire *b)
{
	struct nm_wire_frame f;

	t_wire_rx(b, &f);
	T_ASSERT(f.ref != NULL);
	T_EQ(f.head_len, HDR);
	T_EQ(f.len, HDR + PAY);
	T_EQ(memcmp(f.data, hdr, HDR), 0);
	T_EQ(f.ref->n, 2);
	T_ASSERT(f.ref->iov[0].iov_base == pay);	/* where it lies: not copied */
}

static void pair(struct nm_wire_shm_params *p, struct nm_wire **a, struct nm_wire **b)
{
	T_OK(nm_wire_shm_pair(p, a, b));
	T_ASSERT(!nm_wire_ref_ok(*a, false));		/* agreed, but not asked for */
	nm_wire_rx_want_ref(*b, true);
	released = 0;
}

int main(void)
{
	struct nm_wire_shm_params p = { 0 };
	struct nm_wire *a, *b;
	struct nm_wire_stats st;
	uint8_t got[HDR + PAY];
	const uint8_t *f;
	uint32_t len;
	int fd;

	unsetenv("NM_SHM_REFS");
	for (uint32_t i = 0; i < HDR; i++)
		hdr[i] = (uint8_t)(i + 1);
	for (uint32_t i = 0; i < PAY; i++)
		pay[i] = T_PAT(i);

	/* consumed, then released; never before */
	pair(&p, &a, &b);
	T_ASSERT(nm_wire_ref_ok(a, false));
	T_OK(send_ref(a));
	rx_ref(b);
	nm_wire_tx_complete(a);
	T_EQ(released, 0);			/* the receiver is still reading */
	T_OK(nm_wire_consume(b));
	T_EQ(released, 0);			/* runs on the sender's side only */
	nm_wire_tx_complete(a);
	T_EQ(released, 1);
	nm_wire_tx_complete(a);
	T_EQ(released, 1);
	/* peek and rx_copy gather a referenced frame */
	T_OK(send_ref(a));
	T_EQ(nm_wire_peek(b, &f, &len, NULL), (int)(HDR + PAY));
	T_EQ(len, HDR + PAY);
	T_EQ(memcmp(f, hdr, HDR), 0);
	T_EQ(memcmp(f + HDR, pay, PAY), 0);
	T_ERR(nm_wire_hold(b), -EINVAL);	/* f is a gathered copy */
	T_OK(nm_wire_consume(b));
	T_OK(send_ref(a));
	T_EQ(nm_wire_rx_copy(b, &(struct iovec){ got, sizeof(got) }, 1, NULL), (int)(HDR + PAY));
	T_EQ(memcmp(got + HDR, pay, PAY), 0);
	nm_wire_tx_complete(a);
	T_EQ(released, 3);
	T_OK(nm_wire_get_stats(a, &st, sizeof(st)));
	T_EQ(st.tx_refs, 3);
	T_EQ(st.tx_bytes, 3 * (HDR + PAY));
	T_OK(nm_wire_get_stats(b, &st, sizeof(st)));
	T_EQ(st.rx_refs, 3);
	T_EQ(st.rx_bytes, 3 * (HDR + PAY));
	/* a reference whose pieces do not hold its len bytes, or name NULL,
	 * is refused: the receiver sizes its gather by len */
	{
		struct iovec h = { hdr, HDR };
		struct nm_wire_ref bad = { .n = 1, .len = 100, .release = on_release };

		bad.iov[0] = (struct iovec){ pay, PAY };
		T_ERR(nm_wire_xmit_ref(a, &h, 1, &bad, NULL), -EINVAL);
		bad.len = PAY;
		bad.iov[0].iov_base = NULL;
		T_ERR(nm_wire_xmit_ref(a, &h, 1, &bad, NULL), -EINVAL);
		T_EQ(released, 3);
		T_EQ(t_wire_recv(b, got, sizeof(got), NULL), -EAGAIN);
	}
	/* the receiver asks for host payloads only (it lends them), then
	 * no longer asks */
	nm_wire_rx_want_ref(b, NM_WIRE_WANT_HOST);
	T_ASSERT(nm_wire_ref_ok(a, true));
	T_ASSERT(!nm_wire_ref_ok(a, false));
	nm_wire_rx_want_ref(b, NM_WIRE_WANT_NONE);
	T_ASSERT(!nm_wire_ref_ok(a, true));
	T_ASSERT(!nm_wire_ref_ok(a, false));
	nm_wire_rx_want_ref(b, NM_WIRE_WANT_DEV);

	/* revoke: the consumed one and the unread one go back, the unread
	 * one is skipped, and no reference is taken afterwards */
	T_OK(send_ref(a));
	T_OK(send_ref(a));
	rx_ref(b);
	T_OK(nm_wire_consume(b));
	nm_wire_ref_revoke(a);
	T_EQ(released, 5);
	T_EQ(t_wire_recv(b, got, sizeof(got), NULL), -EAGAIN);
	T_OK(nm_wire_get_stats(b, &st, sizeof(st)));
	T_EQ(st.ref_revoked, 1);
	T_EQ(st.rx_invalid, 0);
	T_ASSERT(!nm_wire_ref_ok(a, false));
	T_ERR(send_ref(a), -EOPNOTSUPP);
	T_OK(nm__wire_shm_assert_ok(a));
	T_OK(nm__wire_shm_assert_ok(b));
	nm_wire_destroy(a);
	nm_wire_destroy(b);

	/* revoked by the thread that is reading the frame (received, then
	 * peeked): the revoke returns (it used to wait for ever), and the
	 * reference goes back at the consume, after the reading, once */
	pair(&p, &a, &b);
	T_OK(send_ref(a));
	T_OK(send_ref(a));
	rx_ref(b);
	nm_wire_ref_revoke(a);
	T_EQ(released, 1);			/* the unread one; the receiver
						 * still reads the other */
	T_EQ(nm__wire_shm_refs_out(a), 0);	/* the sender owes nothing */
	T_OK(nm_wire_consume(b));
	T_EQ(released, 2);			/* now that one */
	nm_wire_tx_complete(a);
	T_EQ(released, 2);
	T_EQ(t_wire_recv(b, got, sizeof(got), NULL), -EAGAIN);	/* skipped */
	nm_wire_destroy(a);
	nm_wire_destroy(b);
	pair(&p, &a, &b);
	T_OK(send_ref(a));
	T_EQ(nm_wire_peek(b, &f, &len, NULL), (int)(HDR + PAY));
	nm_wire_destroy(a);			/* revokes */
	T_EQ(released, 0);
	T_EQ(memcmp(f + HDR, pay, PAY), 0);
	T_OK(nm_wire_consume(b));
	T_EQ(released, 1);
	nm_wire_destroy(b);

	/* a sender asleep with references out is woken once the receiver
	 * consumed them and drained the ring, not per frame */
	pair(&p, &a, &b);
	fd = nm_wire_get_fd(a);
	T_ASSERT(fd >= 0);
	T_OK(send_ref(a));
	T_OK(send_ref(a));
	T_EQ(nm_wire_arm(a), 0);		/* nothing consumed yet: it may sleep */
	rx_ref(b);
	T_OK(nm_wire_consume(b));
	T_EQ(poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 0), 0);
	rx_ref(b);
	T_OK(nm_wire_consume(b));
	T_EQ(poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 0), 1);
	nm_wire_tx_complete(a);
	T_EQ(released, 2);
	T_EQ(nm_wire_arm(a), 0);		/* nothing out: sleeps as ever */
	nm_wire_destroy(a);
	nm_wire_destroy(b);

	/* the receiver is gone: the sender takes its references back */
	pair(&p, &a, &b);
	T_OK(send_ref(a));
	nm_wire_destroy(b);
	nm_wire_tx_complete(a);
	T_EQ(released, 1);
	nm_wire_destroy(a);

	/* duplicated: released after the second copy; lost: at once */
	p.faults[0] = (struct nm_wire_faults){ .seed = 1, .dup = 1.0 };
	pair(&p, &a, &b);
	T_OK(send_ref(a));
	rx_ref(b);
	T_OK(nm_wire_consume(b));
	nm_wire_tx_complete(a);
	T_EQ(released, 0);
	rx_ref(b);
	T_OK(nm_wire_consume(b));
	nm_wire_tx_complete(a);
	T_EQ(released, 1);
	nm_wire_destroy(a);
	nm_wire_destroy(b);
	p.faults[0] = (struct nm_wire_faults){ .seed = 1, .loss = 1.0 };
	pair(&p, &a, &b);
	T_OK(send_ref(a));
	T_EQ(released, 1);
	T_EQ(t_wire_recv(b, got, sizeof(got), NULL), -EAGAIN);
	nm_wire_destroy(a);
	nm_wire_destroy(b);
	/* held back (reordered) with its reference, then delivered */
	p.faults[0] = (struct nm_wire_faults){ .seed = 1, .reorder = 1.0 };
	pair(&p, &a, &b);
	T_OK(send_ref(a));
	T_EQ(t_wire_recv(b, got, sizeof(got), NULL), -EAGAIN);
	T_OK(nm_wire_shm_flush(a));
	rx_ref(b);
	T_OK(nm_wire_consume(b));
	nm_wire_tx_complete(a);
	T_EQ(released, 1);
	/* a reference still held back by the injector goes with a revoke */
	T_OK(send_ref(a));
	nm_wire_ref_revoke(a);
	T_EQ(released, 2);
	nm_wire_destroy(a);
	nm_wire_destroy(b);
	p.faults[0] = (struct nm_wire_faults){ 0 };

	/* not agreed */
	p.no_refs = true;
	T_OK(nm_wire_shm_pair(&p, &a, &b));
	nm_wire_rx_want_ref(b, true);
	T_ASSERT(!nm_wire_ref_ok(a, false));
	T_ERR(send_ref(a), -EOPNOTSUPP);
	nm_wire_destroy(a);
	nm_wire_destroy(b);
	p.no_refs = false;
	setenv("NM_SHM_REFS", "0", 1);
	T_OK(nm_wire_shm_pair(&p, &a, &b));
	nm_wire_rx_want_ref(b, true);
	T_ASSERT(!nm_wire_ref_ok(a, false));
	nm_wire_destroy(a);
	nm_wire_destroy(b);
	T_PASS();
}
