/* SPDX-License-Identifier: MIT */
/*
 * The benchmark plot: one row per metric, two horizontal bars (the
 * metric and its baseline from the same run) scaled to the larger of the
 * two, with values and the ratio written beside them.  Plain SVG 1.1 text,
 * no dependencies, readable in any browser.  Workload: once per bench run.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else
			fputc(*s, f);
	}
}

int nm_cli_svg_write(const char *path, const char *title, const struct nm_cli_bar *bars, size_t n)
{
	const int row = 46, top = 56, left = 430, width = 380, w = left + width + 150;
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"font-family=\"sans-serif\" font-size=\"12\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		"<text x=\"10\" y=\"24\" font-size=\"16\" font-weight=\"bold\">", w,
		top + row * (int)n + 30);
	esc(f, title);
	fprintf(f, "</text>\n"
		"<rect x=\"10\" y=\"34\" width=\"12\" height=\"10\" fill=\"#2b6cb0\"/>"
		"<text x=\"26\" y=\"43\">netmem</text>\n"
		"<rect x=\"90\" y=\"34\" width=\"12\" height=\"10\" fill=\"#a0aec0\"/>"
		"<text x=\"106\" y=\"43\">baseline (same run)</text>\n");
	for (size_t i = 0; i < n; i++) {
		const struct nm_cli_bar *b = &bars[i];
		double max = b->value > b->baseline ? b->value : b->baseline;
		int y = top + row * (int)i;
		double vw = max > 0 ? b->value / max * width : 0;
		double bw = max > 0 && b->baseline > 0 ? b->baseline / max * width : 0;

		fprintf(f, "<text x=\"10\" y=\"%d\">", y + 16);
		esc(f, b->label);
		fprintf(f, "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"16\" "
			"fill=\"#2b6cb0\"/><text x=\"%.1f\" y=\"%d\">%.4g %s</text>\n", left, y + 3, vw,
			left + vw + 4, y + 16, b->value, b->unit);
		if (b->baseline >= 0)
			fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#a0aec0\"/>"
				"<text x=\"%.1f\" y=\"%d\">%.4g %s (x%.2f)</text>\n", left, y + 21, bw,
				left + bw + 4, y + 34, b->baseline, b->unit,
				b->baseline > 0 ? b->value / b->baseline : 0);
	}
	fprintf(f, "</svg>\n");
	if (fclose(f))
		return -errno;
	return 0;
}
