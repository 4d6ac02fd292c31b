// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A recursive-descent JSON reader into a tree (json_read.h). */
#include "json_read.h"

#include <stdlib.h>
#include <string.h>

enum { JR_MAX_DEPTH = 32 };

struct jr_cursor {
	const char *p;
	int depth;
};

static struct jr_value *parse_value(struct jr_cursor *c);

static void skip_ws(struct jr_cursor *c)
{
	while (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')
		c->p++;
}

static char *parse_string_raw(struct jr_cursor *c)
{
	const char *start = ++c->p;
	char *out, *o;

	while (*c->p && *c->p != '"')
		c->p += *c->p == '\\' && c->p[1] ? 2 : 1;
	if (*c->p != '"')
		return NULL;
	out = o = malloc((size_t)(c->p - start) + 1);
	if (!out)
		return NULL;
	for (const char *s = start; s < c->p; s++) {
		if (*s != '\\') {
			*o++ = *s;
			continue;
		}
		switch (*++s) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'r': *o++ = '\r'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'u': *o++ = '\\'; *o++ = 'u'; break;
		default: *o++ = *s; break;	/* \" \\ \/ */
		}
	}
	*o = '\0';
	c->p++;
	return out;
}

static int parse_number(struct jr_cursor *c, struct jr_value *v)
{
	const char *start = c->p;
	char *end;

	v->type = JR_NUMBER;
	if (*c->p == '-')
		c->p++;
	while ((*c->p >= '0' && *c->p <= '9') || *c->p == '.' || *c->p == 'e' || *c->p == 'E' ||
	       *c->p == '+' || *c->p == '-')
		c->p++;
	if (c->p == start)
		return -1;
	if (*start >= '0' && *start <= '9') {
		v->u64 = strtoull(start, &end, 10);
		v->is_u64 = end == c->p;
	}
	return 0;
}

static bool literal(struct jr_cursor *c, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(c->p, word, n))
		return false;
	c->p += n;
	return true;
}

/* Members of an array or object until close; keyed for objects. */
static int parse_members(struct jr_cursor *c, struct jr_value *v, char close, bool keyed)
{
	struct jr_value **tail = &v->child, *m;
	char *key = NULL;

	c->p++;
	skip_ws(c);
	if (*c->p == close) {
		c->p++;
		return 0;
	}
	for (;;) {
		skip_ws(c);
		if (keyed) {
			if (*c->p != '"' || !(key = parse_string_raw(c)))
				return -1;
			skip_ws(c);
			if (*c->p++ != ':') {
				free(key);
				return -1;
			}
		}
		m = parse_value(c);
		if (!m) {
			free(key);
			return -1;
		}
		m->key = key;
		key = NULL;
		*tail = m;
		tail = &m->next;
		skip_ws(c);
		if (*c->p == ',') {
			c->p++;
			continue;
		}
		if (*c->p++ != close)
			return -1;
		return 0;
	}
}

static struct jr_value *parse_value(struct jr_cursor *c)
{
	struct jr_value *v = calloc(1, sizeof(*v));
	int ret = 0;

	if (!v || ++c->depth > JR_MAX_DEPTH) {
		free(v);
		return NULL;
	}
	skip_ws(c);
	if (*c->p == '{') {
		v->type = JR_OBJECT;
		ret = parse_members(c, v, '}', true);
	} else if (*c->p == '[') {
		v->type = JR_ARRAY;
		ret = parse_members(c, v, ']', false);
	} else if (*c->p == '"') {
		v->type = JR_STRING;
		v->str = parse_string_raw(c);
		ret = v->str ? 0 : -1;
	} else if (literal(c, "null")) {
		v->type = JR_NULL;
	} else if (literal(c, "true") || literal(c, "false")) {
		v->type = JR_BOOL;
		v->b = c->p[-1] == 'e' && c->p[-2] == 'u';
	} else {
		ret = parse_number(c, v);
	}
	c->depth--;
	if (ret) {
		jr_free(v);
		return NULL;
	}
	return v;
}

struct jr_value *jr_parse(const char *text)
{
	struct jr_cursor c = { .p = text };
	struct jr_value *v = parse_value(&c);

	if (!v)
		return NULL;
	skip_ws(&c);
	if (*c.p) {
		jr_free(v);
		return NULL;
	}
	return v;
}

void jr_free(struct jr_value *v)
{
	struct jr_value *next;

	for (; v; v = next) {
		next = v->next;
		jr_free(v->child);
		free(v->key);
		free(v->str);
		free(v);
	}
}

const struct jr_value *jr_get(const struct jr_value *obj, const char *key)
{
	const struct jr_value *m;

	if (!obj || obj->type != JR_OBJECT)
		return NULL;
	for (m = obj->child; m; m = m->next)
		if (!strcmp(m->key, key))
			return m;
	return NULL;
}

uint64_t jr_get_u64(const struct jr_value *obj, const char *key)
{
	const struct jr_value *m = jr_get(obj, key);

	return m && m->type == JR_NUMBER && m->is_u64 ? m->u64 : 0;
}

const char *jr_get_str(const struct jr_value *obj, const char *key)
{
	const struct jr_value *m = jr_get(obj, key);

	return m && m->type == JR_STRING ? m->str : NULL;
}
