/* SPDX-License-Identifier: MIT */
/*
 * A receiver that cannot take the sender's memory object: process B can
 * open no more files once it listens, so the memfd A sends with its first
 * referenced frame never reaches it (MSG_CTRUNC).  B refuses A's objects
 * in the shared region; A copies those payloads into the arena from then
 * on, and the 64 MiB devmem stream arrives byte-exact with every
 * completion in order.  (Before the refusal, every frame naming the object
 * was dropped, each retransmission named it again, and the connection
 * stalled for good.)
 */
#include "t_xproc.h"

int main(void)
{
	struct t_xp_run r = { .total = 64u << 20, .b_no_fds = true, .timeout_s = 60 };

	T_XP_NEED_REFS();
	t_xp_devmem(&r);
	printf("A: %llu frames, %llu referenced, %llu copied as refused; B: %llu invalid, %llu objects\n",
	       (unsigned long long)r.wa.tx_frames, (unsigned long long)r.wa.tx_refs,
	       (unsigned long long)r.wa.tx_ref_copied, (unsigned long long)r.wb.rx_invalid,
	       (unsigned long long)r.wb.ref_objs);
	T_EQ(r.wb.ref_objs, 0);			/* B never mapped it */
	T_ASSERT(r.wb.rx_invalid >= 1);		/* the connection broke for objects */
	T_ASSERT(r.wa.tx_ref_copied > 1000);	/* A copied from then on */
	T_ASSERT(r.wa.tx_bytes >= r.total);
	T_PASS();
}
