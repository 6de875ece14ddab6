/* SPDX-License-Identifier: MIT */
/*
 * The replay driver: a main() for a harness built without libFuzzer (gcc,
 * the normal build), so that `make test` replays the corpus and the crash
 * regressions of every harness as ctest tests (docs/fuzzing.md).
 *
 *	fuzz_replay_<name> PATH...		feed each file (a folder: each
 *						file in it, in name order) to
 *						LLVMFuzzerTestOneInput
 *	fuzz_replay_<name> --write-seeds DIR	write the harness's seeds
 *
 * Each input is copied into a buffer of exactly its size, so a read past
 * it is an ASan report in the .asan build.  An oracle that fails aborts;
 * exit 0 means every input ran, 77 that there was none to run.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (!fp) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(fp, 0, SEEK_END) || (len = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET)) {
		fprintf(stderr, "%s: cannot size it\n", path);
		fclose(fp);
		return -1;
	}
	buf = malloc(len ? (size_t)len : 1);
	if (!buf || fread(buf, 1, (size_t)len, fp) != (size_t)len) {
		fprintf(stderr, "%s: read failed\n", path);
		free(buf);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file in dir, in name order; returns how many ran, -1 on
 * an error. */
static int run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0;
	int ran = 0;

	if (!d) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		struct stat sb;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_name[0] == '.' || stat(path, &sb) || !S_ISREG(sb.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				abort();
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (run_file(path) < 0)
			ran = -1;
		else if (ran >= 0)
			ran++;
		free(names[i]);
	}
	free(names);
	return ran;
}

static int mkdir_p(const char *dir)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				return -1;
			*s = '/';
		}
	return mkdir(p, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

int main(int argc, char **argv)
{
	int total = 0;

	if (argc == 3 && !strcmp(argv[1], "--write-seeds")) {
		struct fz_seeds s = { .dir = argv[2] };

		if (mkdir_p(argv[2]) < 0) {
			fprintf(stderr, "%s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		fz_write_seeds(&s);
		printf("%d seeds written to %s\n", s.written, argv[2]);
		return s.failed || !s.written ? 1 : 0;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH... | --write-seeds DIR\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat sb;
		int n;

		if (stat(argv[i], &sb)) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		n = S_ISDIR(sb.st_mode) ? run_dir(argv[i]) : run_file(argv[i]) == 0 ? 1 : -1;
		if (n < 0)
			return 1;
		printf("replayed %d input%s from %s\n", n, n == 1 ? "" : "s", argv[i]);
		total += n;
	}
	if (!total) {
		printf("SKIP: no inputs to replay\n");
		return 77;
	}
	printf("PASS %d inputs\n", total);
	return 0;
}
