// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The swanctl.conf parser: a cursor over the whole text and a recursive
 * descent over sections.  Values are scanned twice, once to measure and
 * once to copy, so a value (it may be a PSK in 'secrets') is written to
 * exactly one allocation and never left behind in a grown buffer.
 */
#include "conf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "log.h"

struct conf_parser {
	const char *p;
	const char *file;
	unsigned int line;
	char *err;
	size_t errlen;
};

static int parse_error(struct conf_parser *ps, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int parse_error(struct conf_parser *ps, unsigned int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->err && ps->errlen)
		snprintf(ps->err, ps->errlen, "%s:%u: %s", ps->file, line, msg);
	return -EINVAL;
}

/* Whitespace, newlines and comments between statements. */
static void skip_blank(struct conf_parser *ps)
{
	for (;;) {
		if (*ps->p == '\n')
			ps->line++;
		if (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' || *ps->p == '\n') {
			ps->p++;
		} else if (*ps->p == '#') {
			while (*ps->p && *ps->p != '\n')
				ps->p++;
		} else {
			return;
		}
	}
}

static void skip_line(struct conf_parser *ps)
{
	while (*ps->p && *ps->p != '\n')
		ps->p++;
}

/* Section names and keys: printable ASCII except . , : { } = " # */
static bool is_name_char(char c)
{
	return c > ' ' && c < 0x7f && !strchr(".,:{}=\"#", c);
}

static char *read_name(struct conf_parser *ps)
{
	const char *start = ps->p;

	while (is_name_char(*ps->p))
		ps->p++;
	return strndup(start, (size_t)(ps->p - start));
}

static int unexpected_char(struct conf_parser *ps)
{
	unsigned char c = (unsigned char)*ps->p;

	if (c == ':')
		return parse_error(ps, ps->line, "unexpected ':' (section templates are not "
				   "supported)");
	if (c > ' ' && c < 0x7f)
		return parse_error(ps, ps->line, "unexpected character '%c'", c);
	return parse_error(ps, ps->line, "unexpected byte 0x%02x", c);
}

static void emit(char *out, size_t *n, const char *s, size_t len)
{
	if (out)
		memcpy(out + *n, s, len);
	*n += len;
}

/*
 * A "quoted" part of a value, starting at the opening quote.  \n, \r and
 * \t are control characters, a backslash before a newline joins lines,
 * any other escaped character stands for itself.
 */
static int scan_quoted(struct conf_parser *ps, char *out, size_t *n)
{
	unsigned int opened = ps->line;
	char c;

	for (ps->p++; *ps->p != '"'; ps->p++) {
		c = *ps->p;
		if (!c || (c == '\\' && !ps->p[1]))
			return parse_error(ps, opened, "unterminated quoted string");
		if (c == '\r')
			continue;
		if (c == '\n')
			ps->line++;
		if (c == '\\') {
			c = *++ps->p;
			if (c == '\r' && ps->p[1] == '\n')
				c = *++ps->p;
			if (c == '\n') {
				ps->line++;
				continue;
			}
			c = c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
		}
		emit(out, n, &c, 1);
	}
	ps->p++;
	return 0;
}

static void scan_word(struct conf_parser *ps, char *out, size_t *n)
{
	while (*ps->p && !strchr(" \t\r\n#}\"", *ps->p))
		emit(out, n, ps->p++, 1);
}

/*
 * The value after '=': words and "quoted strings" up to the end of the
 * line, a '#' or a '}' (left for the caller), joined by single spaces as
 * strongSwan does.  Measures only when out is NULL.
 */
static int scan_value(struct conf_parser *ps, char *out, size_t *len)
{
	size_t n = 0;
	int ret;

	for (;;) {
		while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r')
			ps->p++;
		if (!*ps->p || strchr("\n#}", *ps->p))
			break;
		if (n)
			emit(out, &n, " ", 1);
		if (*ps->p != '"') {
			scan_word(ps, out, &n);
			continue;
		}
		ret = scan_quoted(ps, out, &n);
		if (ret)
			return ret;
	}
	if (*ps->p == '#')
		skip_line(ps);
	*len = n;
	return 0;
}

static int read_value(struct conf_parser *ps, char **value)
{
	struct conf_parser start = *ps;
	size_t len;
	int ret;

	ret = scan_value(ps, NULL, &len);
	if (ret)
		return ret;
	*value = malloc(len + 1);
	if (!*value)
		return -ENOMEM;
	*ps = start;
	scan_value(ps, *value, &len);
	(*value)[len] = '\0';
	return 0;
}

static struct conf_section *section_child(struct conf_section *sec, char *name,
					  unsigned int line)
{
	struct conf_section **pp, *child;

	for (pp = &sec->children; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->name, name)) {
			free(name);
			return *pp;
		}
	}
	child = calloc(1, sizeof(*child));
	if (!child) {
		free(name);
		return NULL;
	}
	child->name = name;
	child->file = sec->file;
	child->line = line;
	*pp = child;
	return child;
}

/* Takes ownership of key and value. */
static int section_set(struct conf_section *sec, char *key, char *value, unsigned int line)
{
	struct conf_setting **pp, *s;

	for (pp = &sec->settings; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->key, key)) {
			free(key);
			OPENSSL_clear_free((*pp)->value, strlen((*pp)->value));
			(*pp)->value = value;
			(*pp)->line = line;
			return 0;
		}
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		free(key);
		OPENSSL_clear_free(value, strlen(value));
		return -ENOMEM;
	}
	s->key = key;
	s->value = value;
	s->file = sec->file;
	s->line = line;
	*pp = s;
	return 0;
}

static int parse_body(struct conf_parser *ps, struct conf_section *sec, unsigned int depth);

/* After NAME: '{' opens a section, '=' sets a value.  Owns name. */
static int parse_statement(struct conf_parser *ps, struct conf_section *sec, char *name,
			   unsigned int depth)
{
	unsigned int line = ps->line;
	struct conf_section *child;
	char *value;
	int ret;

	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
	if (!strcmp(name, "include") && *ps->p != '=' && *ps->p != '{') {
		xs_warn("%s:%u: 'include' is not supported, ignored", ps->file, line);
		skip_line(ps);
		free(name);
		return 0;
	}
	skip_blank(ps);
	if (*ps->p == '=') {
		ps->p++;
		ret = read_value(ps, &value);
		if (ret) {
			free(name);
			return ret;
		}
		return section_set(sec, name, value, line);
	}
	if (*ps->p != '{') {
		ret = parse_error(ps, line, "expected '=' or '{' after '%s'", name);
		free(name);
		return ret;
	}
	ps->p++;
	if (depth + 1 >= CONF_MAX_DEPTH) {
		free(name);
		return parse_error(ps, line, "sections nested too deeply");
	}
	child = section_child(sec, name, line);
	if (!child)
		return -ENOMEM;
	return parse_body(ps, child, depth + 1);
}

/* Statements up to the '}' closing sec (or the end, for the root). */
static int parse_body(struct conf_parser *ps, struct conf_section *sec, unsigned int depth)
{
	unsigned int opened = ps->line;
	char *name;
	int ret;

	for (;;) {
		skip_blank(ps);
		if (!*ps->p && depth == 0)
			return 0;
		if (!*ps->p)
			return parse_error(ps, ps->line, "expected '}' before end of file "
					   "(section '%s' opened on line %u)", sec->name, opened);
		if (*ps->p == '}' && depth == 0)
			return parse_error(ps, ps->line, "unexpected '}' (no section is open)");
		if (*ps->p == '}') {
			ps->p++;
			return 0;
		}
		if (!is_name_char(*ps->p))
			return unexpected_char(ps);
		name = read_name(ps);
		if (!name)
			return -ENOMEM;
		ret = parse_statement(ps, sec, name, depth);
		if (ret)
			return ret;
	}
}

static struct conf_section *root_new(const char *name)
{
	struct conf_section *root = calloc(1, sizeof(*root));

	if (!root)
		return NULL;
	root->name = strdup("");
	root->file = strdup(name);
	if (!root->name || !root->file) {
		conf_free(root);
		return NULL;
	}
	return root;
}

int conf_parse_string(const char *text, const char *name, struct conf_section **out, char *err,
		      size_t errlen)
{
	struct conf_parser ps = { .p = text, .line = 1, .err = err, .errlen = errlen };
	struct conf_section *root = root_new(name);
	int ret;

	if (!root) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	ps.file = root->file;
	ret = parse_body(&ps, root, 0);
	if (ret) {
		if (ret == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", name);
		conf_free(root);
		return ret;
	}
	*out = root;
	return 0;
}

/* The whole file, NUL-terminated; refuses NUL bytes and huge files. */
static int read_text(const char *path, char **text, char *err, size_t errlen)
{
	struct stat st;
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto close_fd;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONF_MAX_FILE_SIZE) {
		snprintf(err, errlen, "%s: not a regular file of at most %d bytes", path,
			 CONF_MAX_FILE_SIZE);
		ret = -EINVAL;
		goto close_fd;
	}
	*text = malloc((size_t)st.st_size + 1);
	if (!*text) {
		snprintf(err, errlen, "%s: out of memory", path);
		ret = -ENOMEM;
		goto close_fd;
	}
	n = read(fd, *text, (size_t)st.st_size);
	if (n < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto free_text;
	}
	(*text)[n] = '\0';
	if (strlen(*text) != (size_t)n) {
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		ret = -EINVAL;
		goto free_text;
	}
	goto close_fd;

free_text:
	OPENSSL_clear_free(*text, (size_t)st.st_size + 1);
	*text = NULL;
close_fd:
	if (fd >= 0)
		close(fd);
	return ret;
}

int conf_parse_file(const char *path, struct conf_section **root, char *err, size_t errlen)
{
	char *text = NULL;
	int ret;

	ret = read_text(path, &text, err, errlen);
	if (ret)
		return ret;
	ret = conf_parse_string(text, path, root, err, errlen);
	OPENSSL_clear_free(text, strlen(text));
	return ret;
}
