// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Aligned columns: cells are copied in, widths computed when written. */
#include "table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int table_init(struct table *t, unsigned int ncols, const char *const header[])
{
	memset(t, 0, sizeof(*t));
	if (ncols == 0 || ncols > TABLE_MAX_COLS)
		return -EINVAL;
	t->ncols = ncols;
	return table_add(t, header);
}

void table_align_right(struct table *t, unsigned int col)
{
	if (col < t->ncols)
		t->right[col] = true;
}

int table_add(struct table *t, const char *const cells[])
{
	char **grown;
	size_t i, base;

	if (t->oom)
		return -ENOMEM;
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;

		grown = realloc(t->cells, cap * t->ncols * sizeof(*grown));
		if (!grown)
			goto out_of_memory;
		t->cells = grown;
		t->cap = cap;
	}
	base = t->nrows * t->ncols;
	for (i = 0; i < t->ncols; i++) {
		t->cells[base + i] = strdup(cells[i] ? cells[i] : "-");
		if (!t->cells[base + i]) {
			while (i--)
				free(t->cells[base + i]);
			goto out_of_memory;
		}
	}
	t->nrows++;
	return 0;

out_of_memory:
	t->oom = true;
	return -ENOMEM;
}

int table_write(const struct table *t, struct strbuf *out)
{
	size_t width[TABLE_MAX_COLS] = { 0 };
	size_t r, c, len;

	if (t->oom)
		return -ENOMEM;
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			len = strlen(t->cells[r * t->ncols + c]);
			if (len > width[c])
				width[c] = len;
		}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];
			bool last = c + 1 == t->ncols;
			int pad = (int)(width[c] - strlen(cell));

			if (t->right[c])
				strbuf_printf(out, "%*s%s", pad, "", cell);
			else
				strbuf_printf(out, "%s%*s", cell, last ? 0 : pad, "");
			strbuf_puts(out, last ? "\n" : "  ");
		}
	}
	return strbuf_error(out);
}

void table_free(struct table *t)
{
	size_t i;

	for (i = 0; t->cells && i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}
