/* SPDX-License-Identifier: MIT */
/*
 * Replies to segments a connection cannot accept, and their limits.
 *
 * RFC 9293 answers an unacceptable segment (sequence number outside the
 * window, an ACK of data never sent) with an ACK, and RFC 5961 answers
 * in-window RSTs and SYNs and too-old ACKs with a challenge ACK.  Two TCPs
 * that disagree about each other's windows (after a spoofed segment, a
 * middlebox rewrite, a bug) then answer each other's answers forever: an
 * ACK storm (issue 13: ~420 000 segments a second each way from one
 * spoofed FIN).  Linux bounds it, and so do we, with its two limits:
 *
 *	tcp_invalid_ratelimit	per connection: at most one such reply per
 *				500 ms (st->tcp->invalid_ratelimit_ms);
 *				segments with data or a FIN and no SYN are
 *				exempt, they are not the stuff of loops
 *	tcp_challenge_ack_limit	per stack, challenge ACKs only, after the
 *				connection's own limit: a budget per second
 *				drawn at random in [limit/2, 3*limit/2) so
 *				that an off-path attacker cannot count it
 *				(CVE-2016-5696); INT32_MAX: no budget
 *
 * Skipped replies are counted under the kernel's MIB names (struct
 * nm_stack_stats: tcp_ack_skipped_*), sent challenge ACKs as
 * tcp_challenge_acks (TCPChallengeACK).
 *
 * Clock: milliseconds of the stack's held clock, like the kernel's
 * jiffies: last_oow_ack_ms == 0 means "never" (a reply at exactly ms 0
 * mod 2^32 just does not limit the next one).
 *
 * Workload: rare; nothing here is on a data path.
 */
#include "net/tcp.h"
#include "util/err.h"

static uint32_t now_ms(void)
{
	return (uint32_t)(nm_now_us() / 1000);
}

bool nm_tcp_oow_rate_limited(struct nm_tcp_sock *tp, uint64_t *skipped)
{
	uint32_t now = now_ms(), limit = tp->st->tcp->invalid_ratelimit_ms;

	if (tp->last_oow_ack_ms) {
		int32_t elapsed = (int32_t)(now - tp->last_oow_ack_ms);

		/* a clock that went back (elapsed < 0) never limits */
		if (elapsed >= 0 && (uint32_t)elapsed < limit) {
			(*skipped)++;
			return true;
		}
	}
	tp->last_oow_ack_ms = now;
	return false;
}

void nm_tcp_send_dupack(struct nm_tcp_sock *tp, bool occupies, bool syn, uint64_t *skipped)
{
	if ((!occupies || syn) && nm_tcp_oow_rate_limited(tp, skipped))
		return;
	nm_tcp_send_ack(tp);
}

/* The stack's budget for this second: may one more challenge ACK go? */
static bool challenge_budget(struct nm_tcp_table *t)
{
	uint32_t limit = t->challenge_ack_limit, now_s;

	if (limit >= NM_TCP_CHALLENGE_ACK_LIMIT)
		return true;
	now_s = (uint32_t)(nm_now_us() / 1000000);
	if (now_s != t->challenge_stamp_s) {
		uint32_t half = (limit + 1) / 2;

		t->challenge_stamp_s = now_s;
		/* in [half, limit + half): limit on average; keyed, so the
		 * draw is as secret as the ISNs */
		t->challenge_count = limit ? half + (uint32_t)(nm_tcp_siphash(t->isn_key, &now_s,
									     sizeof(now_s)) %
							      limit)
					   : 0;
	}
	if (!t->challenge_count)
		return false;
	t->challenge_count--;
	return true;
}

void nm_tcp_send_challenge_ack(struct nm_tcp_sock *tp)
{
	struct nm_stack *st = tp->st;

	if (nm_tcp_oow_rate_limited(tp, &st->stats.tcp_ack_skipped_challenge))
		return;
	if (!challenge_budget(st->tcp))
		return;
	st->stats.tcp_challenge_acks++;
	nm_tcp_send_ack(tp);
}

/* ---- the settings ---------------------------------------------------------------- */

int nm_stack_get_tcp_sysctl(const struct nm_stack *st, struct nm_stack_tcp_sysctl *s)
{
	NM_API_CALL();
	if (!st || !s)
		return nm_err(EINVAL, "NULL argument");
	if (!st->tcp)
		return nm_err(EINVAL, "the stack has no TCP");
	s->invalid_ratelimit_ms = st->tcp->invalid_ratelimit_ms;
	s->challenge_ack_limit = st->tcp->challenge_ack_limit;
	return 0;
}

int nm_stack_set_tcp_sysctl(struct nm_stack *st, const struct nm_stack_tcp_sysctl *s)
{
	NM_API_CALL();
	if (!st || !s)
		return nm_err(EINVAL, "NULL argument");
	if (!st->tcp)
		return nm_err(EINVAL, "the stack has no TCP");
	if (s->invalid_ratelimit_ms > INT32_MAX)
		return nm_err(EINVAL, "invalid_ratelimit_ms %u above %d",
			      s->invalid_ratelimit_ms, INT32_MAX);
	if (s->challenge_ack_limit > INT32_MAX)
		return nm_err(EINVAL, "challenge_ack_limit %u above %d",
			      s->challenge_ack_limit, INT32_MAX);
	st->tcp->invalid_ratelimit_ms = s->invalid_ratelimit_ms;
	if (s->challenge_ack_limit != st->tcp->challenge_ack_limit) {
		st->tcp->challenge_ack_limit = s->challenge_ack_limit;
		/* draw the new budget at the next challenge ACK */
		st->tcp->challenge_stamp_s = (uint32_t)(nm_now_us() / 1000000) - 1;
		st->tcp->challenge_count = 0;
	}
	return 0;
}
