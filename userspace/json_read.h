/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small JSON reader (RFC 8259) for the CLI's own use: the daemon's
 * replies, e.g. `stats -j` for `xdpsecctl monitor`.  Builds a tree; numbers
 * are kept as unsigned 64-bit integers when they are such (counters), else
 * flagged as other numbers.  String escapes are decoded except \u, which is
 * kept verbatim (our replies need none).  Nesting is limited.
 */
#ifndef XDPSEC_JSON_READ_H
#define XDPSEC_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum jr_type { JR_NULL, JR_BOOL, JR_NUMBER, JR_STRING, JR_ARRAY, JR_OBJECT };

struct jr_value {
	enum jr_type type;
	char *key;			/* member name inside an object, else NULL */
	char *str;			/* JR_STRING */
	uint64_t u64;			/* JR_NUMBER that is an unsigned integer */
	bool is_u64;
	bool b;				/* JR_BOOL */
	struct jr_value *child, *next;	/* JR_ARRAY / JR_OBJECT members */
};

/* Parses text (NUL-terminated); NULL on a syntax error. */
struct jr_value *jr_parse(const char *text);
void jr_free(struct jr_value *v);

/* The member key of an object, or NULL. */
const struct jr_value *jr_get(const struct jr_value *obj, const char *key);
/* The member's u64 (0 if absent or not a counter) / string (NULL). */
uint64_t jr_get_u64(const struct jr_value *obj, const char *key);
const char *jr_get_str(const struct jr_value *obj, const char *key);

#endif /* XDPSEC_JSON_READ_H */
