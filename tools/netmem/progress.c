/* SPDX-License-Identifier: MIT */
/*
 * Progress of a transfer, on stderr so that stdout stays the summary (and
 * the JSON line last).  On a terminal: one bar redrawn in place at most
 * ten times a second.  Elsewhere (a log, a pipe, ctest): a plain line
 * every second.  Workload: called after every receive; it reads the clock
 * and returns at once unless a redraw is due.
 */
#include <time.h>
#include <unistd.h>

#include "cli.h"

uint64_t nm_cli_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void nm_cli_progress_start(struct nm_cli_progress *p, const char *what, uint64_t total,
			   bool quiet)
{
	p->what = what;
	p->total = total;
	p->t0_ns = p->last_ns = nm_cli_now_ns();
	p->tty = isatty(STDERR_FILENO);
	p->quiet = quiet;
	p->drawn = false;
}

static void draw(struct nm_cli_progress *p, uint64_t done, uint64_t now, bool final)
{
	double s = (double)(now - p->t0_ns) / 1e9;
	double gbps = s > 0 ? (double)done * 8 / s / 1e9 : 0;
	double mib = (double)done / (1 << 20);

	if (p->tty) {
		char bar[41];
		unsigned fill = p->total ? (unsigned)((double)done * 40 / (double)p->total) : 0;

		if (fill > 40)
			fill = 40;
		for (unsigned i = 0; i < 40; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[40] = 0;
		if (p->total)
			fprintf(stderr, "\r%s [%s] %3.0f%% %9.1f MiB %7.2f Gbit/s", p->what, bar,
				(double)done * 100 / (double)p->total, mib, gbps);
		else
			fprintf(stderr, "\r%s %9.1f MiB %7.2f Gbit/s", p->what, mib, gbps);
		if (final)
			fputc('\n', stderr);
	} else {
		if (p->total)
			fprintf(stderr, "%s: %.1f / %.1f MiB (%.0f%%), %.2f Gbit/s, %.1f s\n",
				p->what, mib, (double)p->total / (1 << 20),
				(double)done * 100 / (double)p->total, gbps, s);
		else
			fprintf(stderr, "%s: %.1f MiB, %.2f Gbit/s, %.1f s\n", p->what, mib, gbps, s);
	}
	fflush(stderr);
	p->drawn = true;
}

void nm_cli_progress_update(struct nm_cli_progress *p, uint64_t done)
{
	uint64_t now;

	if (!p || p->quiet)
		return;
	now = nm_cli_now_ns();
	if (now - p->last_ns < (p->tty ? 100000000ull : 1000000000ull))
		return;
	p->last_ns = now;
	draw(p, done, now, false);
}

void nm_cli_progress_end(struct nm_cli_progress *p, uint64_t done)
{
	if (!p || p->quiet)
		return;
	/* the bar is finished off; a log gets a last line with the totals */
	draw(p, done, nm_cli_now_ns(), true);
}
