/* SPDX-License-Identifier: MIT */
#ifndef NETMEM_FENCE_H
#define NETMEM_FENCE_H

/*
 * dma-fence: a one-shot completion event with an order.
 *
 * A fence belongs to a context (a timeline) and carries a 64-bit sequence
 * number; fences are ordered only within their context (nm_fence_is_later()).
 * A fence is signaled once, optionally with an error; callbacks run at signal
 * time in the order they were added, on the signaling thread.  Waiters can
 * block with a timeout, or turn the fence into an fd that polls readable once
 * it is signaled, for an event loop.  Fences are reference counted and safe
 * to use from any thread.
 *
 * Calling order: create, publish (nm_resv_add_fence() on the buffers the
 * work touches, before the work starts), signal once when the work ends,
 * put.  A callback added after the signal is refused (-ENOENT) rather than
 * run: the caller that gets -ENOENT goes on as its callback would have.
 */

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nm_fence;
struct nm_fence_cb;

typedef void (*nm_fence_func_t)(struct nm_fence *fence, struct nm_fence_cb *cb);

/* Embedded by the caller; untouched by the caller while registered. */
struct nm_fence_cb {
	struct nm_fence_cb *next;
	nm_fence_func_t func;
};

/* Reserve num consecutive, never reused context numbers; returns the first
 * (never 0).  num == 0 returns 0 and sets a message. */
uint64_t nm_fence_context_alloc(unsigned num);

/* A new unsignaled fence with one reference. */
int nm_fence_create(uint64_t context, uint64_t seqno, struct nm_fence **out);
struct nm_fence *nm_fence_get(struct nm_fence *fence);
void nm_fence_put(struct nm_fence *fence);

/* The context and sequence number it was created with (0 for NULL). */
uint64_t nm_fence_context(const struct nm_fence *fence);
uint64_t nm_fence_seqno(const struct nm_fence *fence);

/* Signal, with error 0 or a negative errno.  Runs the callbacks and wakes
 * waiters.  -EINVAL if already signaled or error is positive. */
int nm_fence_signal(struct nm_fence *fence, int error);

/* Whether it has been signaled, with or without an error (false for NULL). */
bool nm_fence_is_signaled(const struct nm_fence *fence);
/* 0 not yet signaled, 1 signaled without error, < 0 the signaled error. */
int nm_fence_status(const struct nm_fence *fence);
/* The CLOCK_MONOTONIC time (ns) at which the fence was signaled; -EBUSY if
 * it is not signaled yet. */
int nm_fence_get_timestamp(const struct nm_fence *fence, int64_t *ns);

/* Add cb; func runs when the fence signals.  -ENOENT, without calling func,
 * if the fence is already signaled. */
int nm_fence_add_callback(struct nm_fence *fence, struct nm_fence_cb *cb,
			  nm_fence_func_t func);
/* Remove a registered callback; true if it was still pending. */
bool nm_fence_remove_callback(struct nm_fence *fence, struct nm_fence_cb *cb);

/* Wait until signaled or timeout_ns pass (< 0: forever).  0 once signaled
 * (the fence's own error is in nm_fence_status()), -ETIME on timeout. */
int nm_fence_wait(struct nm_fence *fence, int64_t timeout_ns);

/* 1 if a is later than b, 0 if not; -EINVAL if their contexts differ
 * (fences of different timelines have no order).  Wraps like the kernel's. */
int nm_fence_is_later(const struct nm_fence *a, const struct nm_fence *b);

/* A new fd (eventfd) that polls readable once the fence is signaled, right
 * away if it already is.  The caller closes it; closing it early is safe. */
int nm_fence_get_fd(struct nm_fence *fence);

#ifdef __cplusplus
}
#endif
#endif /* NETMEM_FENCE_H */
