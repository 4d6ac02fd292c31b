/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A streaming JSON writer over a strbuf: compact output (no whitespace),
 * commas placed automatically, strings escaped per RFC 8259 with invalid
 * UTF-8 replaced by U+FFFD so the output is always valid JSON.  Misuse (a
 * key outside an object, unbalanced ends, nesting past JSON_MAX_DEPTH) is
 * recorded and reported by json_error(); it is a bug in the caller.
 */
#ifndef XDPSEC_JSON_H
#define XDPSEC_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "strbuf.h"

enum { JSON_MAX_DEPTH = 16 };

struct json {
	struct strbuf *out;
	unsigned int depth;
	bool in_object[JSON_MAX_DEPTH];
	bool has_items[JSON_MAX_DEPTH];
	bool after_key;
	int err;
};

void json_init(struct json *j, struct strbuf *out);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);

void json_string(struct json *j, const char *s);
void json_stringf(struct json *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void json_u64(struct json *j, uint64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* "key": value in one call. A NULL string is written as null. */
void json_kv_string(struct json *j, const char *key, const char *s);
void json_kv_u64(struct json *j, const char *key, uint64_t v);
void json_kv_bool(struct json *j, const char *key, bool v);

/* 0 if the document is complete and well formed, else -EINVAL or -ENOMEM. */
int json_error(const struct json *j);

#endif /* XDPSEC_JSON_H */
