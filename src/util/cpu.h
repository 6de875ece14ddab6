/* SPDX-License-Identifier: MIT */
#ifndef NM_UTIL_CPU_H
#define NM_UTIL_CPU_H

#include <stdatomic.h>

/* A spinning waiter's hint to the CPU (the other hyperthread runs, the
 * memory order machinery calms down); only a compiler barrier elsewhere. */
static inline void nm_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

#endif
