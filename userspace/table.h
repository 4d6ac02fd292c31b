/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Aligned text columns for the CLI's human output: collect rows, then
 * write them with each column as wide as its widest cell.
 */
#ifndef XDPSEC_TABLE_H
#define XDPSEC_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

enum { TABLE_MAX_COLS = 16 };

struct table {
	unsigned int ncols;
	bool right[TABLE_MAX_COLS];	/* right-align (numbers) */
	char **cells;			/* nrows * ncols */
	size_t nrows, cap;
	bool oom;
};

/* The header is the first row. */
int table_init(struct table *t, unsigned int ncols, const char *const header[]);
void table_align_right(struct table *t, unsigned int col);
/* Copies ncols cells; NULL is written as "-". */
int table_add(struct table *t, const char *const cells[]);
/* Two spaces between columns, no trailing blanks. */
int table_write(const struct table *t, struct strbuf *out);
void table_free(struct table *t);

#endif /* XDPSEC_TABLE_H */
