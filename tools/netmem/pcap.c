/* SPDX-License-Identifier: MIT */
/*
 * --pcap FILE: the frames that cross a host's wire, written by its NIC
 * (nm_netdev_capture_start()) for tcpdump or Wireshark to read.  The demo
 * captures its receiving host (the one side that exists with either
 * wire); server and client capture theirs.
 *
 * The file is checked when the options are, so a wrong path fails before
 * a server waits for its client; the capture itself starts with the host
 * (before its first frame) and ends with it.  A server that builds its
 * host again for the next shm client appends to the same file.  A write
 * that fails later (a full disk) is one line when the host goes down, and
 * the command's exit status becomes 1: the capture asked for is not all
 * there.
 *
 * Workload: startup and teardown.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static bool pcap_failed;

void nm_cli_pcap_check(const struct nm_cli_pcap *c)
{
	int fd;

	if (!c->path) {
		if (c->snaplen_set)
			nm_cli_die(NM_CLI_EXIT_USAGE, "--snaplen is the capture's: give --pcap FILE");
		if (c->nano)
			nm_cli_die(NM_CLI_EXIT_USAGE, "--pcap-nano is the capture's: give --pcap FILE");
		return;
	}
	if (!*c->path)
		nm_cli_die(NM_CLI_EXIT_USAGE, "--pcap: empty file name");
	if (!strcmp(c->path, "-"))
		nm_cli_die(NM_CLI_EXIT_USAGE, "--pcap -: stdout carries the command's results; "
			   "name a file (a FIFO works)");
	/* opened as the capture will be, without truncating anything yet */
	fd = open(c->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		nm_cli_die(NM_CLI_EXIT_FAIL, "--pcap %s: %s", c->path, strerror(errno));
	close(fd);
}

void nm_cli_pcap_start(struct nm_cli_host *h, struct nm_cli_pcap *c)
{
	uint32_t flags = (c->nano ? NM_CAPTURE_F_NSEC : 0) |
			 (c->started ? NM_CAPTURE_F_APPEND : 0);
	int r = nm_netdev_capture_start(h->nd, c->path, c->snaplen, flags);

	if (r < 0)
		nm_cli_die(NM_CLI_EXIT_FAIL, "--pcap %s: %s", c->path, nm_last_error());
	c->started = true;
	h->pcap = c;
}

void nm_cli_pcap_stop(struct nm_cli_host *h)
{
	struct nm_cli_pcap *c = h->pcap;
	struct nm_capture_stats st = { 0 };
	int r;

	if (!c)
		return;
	nm_netdev_get_capture_stats(h->nd, &st, sizeof(st));
	r = nm_netdev_capture_stop(h->nd);
	h->pcap = NULL;
	if (r < 0) {
		pcap_failed = true;
		nm_cli_warn("--pcap %s: %s", c->path, nm_last_error());
		return;
	}
	if (!c->quiet) {
		fprintf(stderr, "netmem %s: %llu frames of %s captured to %s", nm_cli_cmd,
			(unsigned long long)st.frames, nm_netdev_name(h->nd), c->path);
		if (st.truncated)
			fprintf(stderr, " (%llu cut to --snaplen %u)",
				(unsigned long long)st.truncated, c->snaplen);
		fputc('\n', stderr);
	}
}

bool nm_cli_pcap_failed(void)
{
	return pcap_failed;
}
