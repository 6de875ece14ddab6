/* SPDX-License-Identifier: MIT */
/*
 * `netmem bench`: the benchmark suite.  Runs every bench_* program of the
 * build (NM_BENCH_DIR, else the build's bench/ directory, else bench/ next
 * to this binary), then the demo's paths (devmem and copy, over shm; the
 * kernel sender over a TAP as root), and writes:
 *
 *   OUT/bench.jsonl   every JSON line, as the programs printed them
 *   OUT/bench.svg     throughput metrics (units ".../s") against their
 *                     baselines from the same run
 *
 * --quick sets NM_BENCH_QUICK=1 for the programs and moves less data in
 * the demo runs, so the whole suite takes well under a minute.
 */
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

#define MAX_BARS 64

struct bench {
	const char *out;
	bool quick, quiet;
	char dir[PATH_MAX + 16];
	FILE *jsonl;
	struct nm_cli_bar bars[MAX_BARS];
	size_t nbars;
	unsigned failed;
};

static bool is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

static void find_dir(struct bench *b, const char *opt)
{
	const char *env = getenv("NM_BENCH_DIR");
	char exe[PATH_MAX];
	ssize_t n;
	int w;

	if (opt || env) {
		snprintf(b->dir, sizeof(b->dir), "%s", opt ? opt : env);
		if (!is_dir(b->dir))
			nm_cli_die(NM_CLI_EXIT_FAIL, "benchmark directory %s does not exist", b->dir);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		*strrchr(exe, '/') = 0;
		w = snprintf(b->dir, sizeof(b->dir), "%s/bench", exe);
		if (w > 0 && (size_t)w < sizeof(b->dir) && is_dir(b->dir))
			return;
	}
#ifdef NM_BENCH_DIR
	snprintf(b->dir, sizeof(b->dir), "%s", NM_BENCH_DIR);
	if (is_dir(b->dir))
		return;
#endif
	nm_cli_die(NM_CLI_EXIT_FAIL, "cannot find the bench_* programs (build them with make, or "
		   "point --dir or NM_BENCH_DIR at them)");
}

/* The value of "key": in a JSON line: a string into s, or a number. */
static bool json_str(const char *line, const char *key, char *s, size_t len)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(line, pat);
	if (!p)
		return false;
	p += strlen(pat);
	e = strchr(p, '"');
	if (!e || (size_t)(e - p) >= len)
		return false;
	memcpy(s, p, (size_t)(e - p));
	s[e - p] = 0;
	return true;
}

static bool json_num(const char *line, const char *key, double *v)
{
	char pat[64];
	const char *p;
	char *end;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	if (!p)
		return false;
	*v = strtod(p + strlen(pat), &end);
	return end != p + strlen(pat);
}

/* A throughput metric with a baseline becomes a bar of the plot. */
static void consider(struct bench *b, const char *line)
{
	struct nm_cli_bar *bar = &b->bars[b->nbars];
	char bench[32], metric[64];
	size_t ul;

	if (b->nbars == MAX_BARS || !json_str(line, "bench", bench, sizeof(bench)) ||
	    !json_str(line, "metric", metric, sizeof(metric)) ||
	    !json_str(line, "unit", bar->unit, sizeof(bar->unit)) ||
	    !json_num(line, "value", &bar->value) || !json_num(line, "baseline", &bar->baseline))
		return;
	ul = strlen(bar->unit);
	if (ul < 2 || strcmp(bar->unit + ul - 2, "/s") || strstr(bar->unit, "cpu"))
		return;
	if (snprintf(bar->label, sizeof(bar->label), "%.31s: %.63s", bench, metric) < 0)
		return;
	b->nbars++;
}

static void emit(struct bench *b, const char *line)
{
	fputs(line, stdout);
	fputs(line, b->jsonl);
	nm_cli_flush();
	consider(b, line);
}

/* Run argv, taking its stdout line by line (JSON lines are kept; the last
 * one is copied into last if given); its stderr goes to err unless that is
 * NULL.  Returns the exit status. */
static int run(struct bench *b, char *const argv[], bool keep_all, char *last, size_t last_len,
	       FILE *err)
{
	int pfd[2], status;
	char line[4096];
	FILE *f;
	pid_t pid;

	if (pipe(pfd) < 0)
		nm_cli_die(NM_CLI_EXIT_FAIL, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		nm_cli_die(NM_CLI_EXIT_FAIL, "fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		if (err)
			dup2(fileno(err), STDERR_FILENO);
		close(pfd[0]);
		close(pfd[1]);
		if (b->quick)
			setenv("NM_BENCH_QUICK", "1", 1);
		execv(argv[0], argv);
		fprintf(stderr, "netmem bench: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	if (last)
		last[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (line[0] != '{')
			continue;
		if (keep_all)
			emit(b, line);
		if (last)
			snprintf(last, last_len, "%s", line);
	}
	if (f)
		fclose(f);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_programs(struct bench *b)
{
	char *names[64];
	size_t n = 0;
	struct dirent *de;
	DIR *d = opendir(b->dir);

	if (!d)
		nm_cli_die(NM_CLI_EXIT_FAIL, "cannot read %s: %s", b->dir, strerror(errno));
	while ((de = readdir(d)) && n < 64)
		if (!strncmp(de->d_name, "bench_", 6) && !strchr(de->d_name, '.'))
			names[n++] = strdup(de->d_name);
	closedir(d);
	if (!n)
		nm_cli_die(NM_CLI_EXIT_FAIL, "no bench_* programs in %s", b->dir);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX + 64];
		char *argv[] = { path, NULL };
		int r;

		snprintf(path, sizeof(path), "%s/%s", b->dir, names[i]);
		if (!b->quiet)
			fprintf(stderr, "netmem bench: %s\n", names[i]);
		r = run(b, argv, true, NULL, 0, NULL);
		if (r) {
			nm_cli_warn("%s exited with %d", names[i], r);
			b->failed++;
		}
		free(names[i]);
	}
}

/* The last line of f that is not a JSON line nor progress, for a failure's
 * reason (the demo prints "netmem demo: why" or a summary whose "result:"
 * line says it). */
static const char *last_line(FILE *f)
{
	static char line[512], why[512];

	why[0] = 0;
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "netmem demo: ", 13) && !strstr(line, " MiB") &&
		    !strstr(line, " GiB over "))
			snprintf(why, sizeof(why), "%s", line + 13);
		else if (!strncmp(line, "  result:", 9) && !strstr(line, " ok"))
			snprintf(why, sizeof(why), "%s", line + 2);
	}
	return why[0] ? why : "see netmem demo --json for why";
}

/* One `netmem demo --json` run; its gbps, or -1. */
static double demo_gbps(struct bench *b, const char *wire, const char *tx, const char *rx)
{
	char self[PATH_MAX], last[4096], *argv[16];
	FILE *err;
	const char *bytes = b->quick ? "128M" : "1G";
	int i = 0, r;
	double g;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return -1;
	self[n] = 0;
	argv[i++] = self;
	argv[i++] = (char *)"demo";
	argv[i++] = (char *)"--json";
	argv[i++] = (char *)"--quiet";
	argv[i++] = (char *)"--bytes";
	argv[i++] = (char *)bytes;
	argv[i++] = (char *)"--wire";
	argv[i++] = (char *)wire;
	if (tx) {
		argv[i++] = (char *)"--tx";
		argv[i++] = (char *)tx;
	}
	argv[i++] = (char *)"--rx";
	argv[i++] = (char *)rx;
	argv[i] = NULL;
	if (!b->quiet)
		fprintf(stderr, "netmem bench: demo --wire %s --tx %s --rx %s\n", wire,
			tx ? tx : "kernel", rx);
	/* the demo's words (its summary, on stderr with --json) are not the
	 * suite's: kept aside, and only the reason of a failure is shown */
	err = tmpfile();
	r = run(b, argv, false, last, sizeof(last), err);
	if (r || !json_num(last, "gbps", &g)) {
		nm_cli_warn("demo --wire %s --tx %s --rx %s failed (exit %d)%s%s", wire,
			    tx ? tx : "kernel", rx, r, err ? ": " : "", err ? last_line(err) : "");
		b->failed++;
		g = -1;
	}
	if (err)
		fclose(err);
	return g;
}

static void demo_line(struct bench *b, const char *metric, double v, double base)
{
	char line[512];

	if (v < 0 || base <= 0)
		return;
	snprintf(line, sizeof(line), "{\"bench\":\"netmem\",\"metric\":\"%s\",\"value\":%.4g,"
		 "\"unit\":\"Gbit/s\",\"baseline\":%.4g,\"ratio\":%.4g}\n", metric, v, base, v / base);
	emit(b, line);
}

static void run_demos(struct bench *b)
{
	double copy = demo_gbps(b, "shm", "copy", "copy");
	double dev = demo_gbps(b, "shm", "devmem", "devmem");
	double dtx = demo_gbps(b, "shm", "devmem", "copy");
	double drx = demo_gbps(b, "shm", "copy", "devmem");

	demo_line(b, "shm_devmem_tx_rx_vs_copy", dev, copy);
	demo_line(b, "shm_devmem_tx_vs_copy", dtx, copy);
	demo_line(b, "shm_devmem_rx_vs_copy", drx, copy);
	if (nm_cli_is_root()) {
		double kcopy = demo_gbps(b, "tap", NULL, "copy");
		double kdev = demo_gbps(b, "tap", NULL, "devmem");

		demo_line(b, "tap_kernel_to_devmem_rx_vs_copy", kdev, kcopy);
	} else if (!b->quiet) {
		fprintf(stderr, "netmem bench: not root: skipping the TAP (kernel sender) runs\n");
	}
}

int nm_cli_bench(int argc, char **argv)
{
	enum { O_QUICK = 256, O_OUT, O_DIR, O_QUIET, O_NODEMO, O_HELP };
	static const struct option lo[] = { { "quick", 0, 0, O_QUICK }, { "out", 1, 0, O_OUT },
		{ "dir", 1, 0, O_DIR }, { "quiet", 0, 0, O_QUIET }, { "no-demo", 0, 0, O_NODEMO },
		{ "help", 0, 0, O_HELP }, { 0 } };
	struct bench *b = calloc(1, sizeof(*b));
	const char *dir = NULL;
	char path[PATH_MAX + 32];
	bool demos = true;
	int c, r;

	if (!b)
		nm_cli_die(NM_CLI_EXIT_FAIL, "out of memory");
	b->out = "netmem-bench";
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (c) {
		case O_QUICK: b->quick = true; break;
		case O_OUT: b->out = optarg; break;
		case O_DIR: dir = optarg; break;
		case O_QUIET: b->quiet = true; break;
		case O_NODEMO: demos = false; break;
		case 'h': case O_HELP:
			printf("usage: netmem bench [options]\n"
			       "  Runs the bench_* programs and the demo's paths; writes DIR/bench.jsonl\n"
			       "  and DIR/bench.svg.\n"
			       "  --quick             short runs (NM_BENCH_QUICK=1, 128M demos): under a "
			       "minute\n"
			       "  --out DIR           where to write (default ./netmem-bench)\n"
			       "  --dir BENCHDIR      the bench_* programs (default: NM_BENCH_DIR, else the\n"
			       "                      build's bench/)\n"
			       "  --no-demo           only the bench_* programs, not the demo's paths\n"
			       "  --quiet             no progress lines\n");
			free(b);
			return 0;
		case ':': nm_cli_die(NM_CLI_EXIT_USAGE, "%s needs a value", argv[optind - 1]);
		default: nm_cli_die(NM_CLI_EXIT_USAGE, "unknown option '%s' (see netmem bench --help)",
				    argv[optind - 1]);
		}
	}
	if (optind < argc)
		nm_cli_die(NM_CLI_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	find_dir(b, dir);
	if (mkdir(b->out, 0755) < 0 && errno != EEXIST)
		nm_cli_die(NM_CLI_EXIT_FAIL, "--out %s: %s", b->out, strerror(errno));
	snprintf(path, sizeof(path), "%s/bench.jsonl", b->out);
	b->jsonl = fopen(path, "w");
	if (!b->jsonl)
		nm_cli_die(NM_CLI_EXIT_FAIL, "%s: %s", path, strerror(errno));
	run_programs(b);
	if (demos)
		run_demos(b);
	errno = 0;
	c = ferror(b->jsonl);		/* a write that failed earlier ... */
	if (fclose(b->jsonl) || c)	/* ... or the last one */
		nm_cli_die(NM_CLI_EXIT_FAIL, "writing %s/bench.jsonl: %s", b->out,
			   errno ? strerror(errno) : "write error");
	snprintf(path, sizeof(path), "%s/bench.svg", b->out);
	r = nm_cli_svg_write(path, b->quick ? "netmem benchmarks (quick run)" : "netmem benchmarks",
			     b->bars, b->nbars);
	if (r < 0)
		nm_cli_die(NM_CLI_EXIT_FAIL, "%s: %s", path, strerror(-r));
	if (!b->quiet)
		fprintf(stderr, "netmem bench: wrote %s/bench.jsonl and %s (%zu metrics plotted)%s\n",
			b->out, path, b->nbars, b->failed ? ", with failures" : "");
	r = b->failed ? NM_CLI_EXIT_FAIL : 0;
	free(b);
	return r;
}
