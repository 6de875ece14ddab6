/* SPDX-License-Identifier: MIT */
/*
 * netmem: the command.  `netmem demo` is the main job (make run); server
 * and client play the kernel ncdevmem's roles; bench runs the benchmark
 * suite and draws its plot.  Each subcommand lives in cmd_<name>.c.
 */
#include <signal.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: netmem <command> [options]     (netmem <command> --help for its options)\n"
"\n"
"  demo     devmem TCP between two stacks in this process (or from the kernel's\n"
"           TCP over a TAP with --wire tap), every byte validated\n"
"  server   ncdevmem-style devmem receiver on a TAP or a cross-process shm wire\n"
"  client   ncdevmem-style devmem sender\n"
"  bench    run the benchmark suite; JSON lines and an SVG plot\n"
"  run      run an unmodified program with its TCP sockets on netmem's stack\n"
"  version  print the version\n");
}

/*
 * Whether a command runs with --json, known before its options are
 * parsed, so that a bad option value is a JSON error too: a program that
 * reads the JSON must never find stdout empty.  --json spelled out, before
 * any "--"; getopt's abbreviations (--js) count from the parse on only.
 */
static bool wants_json(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--json"))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
		bool json;			/* takes --json */
	} cmds[] = {
		{ "demo", nm_cli_demo, true },
		{ "server", nm_cli_server, true },
		{ "client", nm_cli_client, true },
		{ "bench", nm_cli_bench, false },
		{ "run", nm_cli_run, false },
	};

	/* A closed stdout pipe is a write error (EPIPE) that nm_cli_finish()
	 * reports in one line, not a silent death by SIGPIPE.  The library's
	 * own sockets send with MSG_NOSIGNAL either way. */
	signal(SIGPIPE, SIG_IGN);
	nm_cli_stdio_init();
	if (argc < 2) {
		usage(stderr);
		return NM_CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		if (argc > 2)	/* like every subcommand: no stray arguments */
			nm_cli_die(NM_CLI_EXIT_USAGE, "%s takes no arguments ('%s')", argv[1],
				   argv[2]);
		usage(stdout);
		return nm_cli_finish(0);
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		if (argc > 2)
			nm_cli_die(NM_CLI_EXIT_USAGE, "%s takes no arguments ('%s')", argv[1],
				   argv[2]);
		printf("netmem %s\n", NM_CLI_VERSION);
		return nm_cli_finish(0);
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name)) {
			nm_cli_cmd = cmds[i].name;
			if (cmds[i].json && wants_json(argc - 1, argv + 1))
				nm_cli_json_errors(true);
			int rc = cmds[i].fn(argc - 1, argv + 1);

			/* a capture asked for and not all written fails the run */
			return nm_cli_finish(!rc && nm_cli_pcap_failed() ? NM_CLI_EXIT_FAIL : rc);
		}
	nm_cli_die(NM_CLI_EXIT_USAGE, "unknown command '%s' (demo, server, client, bench, run)",
		   argv[1]);
}
