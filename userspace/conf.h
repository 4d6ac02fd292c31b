/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A reader for strongSwan's swanctl.conf / strongswan.conf syntax, the
 * format of xdpsec's configuration file:
 *
 *	# comment
 *	name {
 *		key = a value	# comment
 *		quoted = "keeps  spaces, # and }, \"escapes\", \n"
 *		empty =
 *		nested { inline = 1 }
 *	}
 *
 * The result is a tree of sections holding settings, each remembering the
 * file and line it came from so that callers can point at it.  As in
 * strongSwan, a value ends at a newline, a '#' or a '}' and its words are
 * joined by single spaces; a section opened twice is merged and a key set
 * twice keeps the last value.  'include' is not supported: it is warned
 * about and skipped.  Errors read "FILE:LINE: problem".
 */
#ifndef XDPSEC_CONF_H
#define XDPSEC_CONF_H

#include <stdbool.h>
#include <stddef.h>

enum {
	CONF_MAX_DEPTH = 32,
	CONF_MAX_FILE_SIZE = 1 << 20,
};

struct conf_setting {
	char *key;
	char *value;		/* never NULL; "" when empty */
	const char *file;	/* owned by the root section */
	unsigned int line;
	struct conf_setting *next;
};

struct conf_section {
	char *name;		/* "" for the root */
	const char *file;
	unsigned int line;
	struct conf_setting *settings;	/* in file order */
	struct conf_section *children;	/* in file order */
	struct conf_section *next;	/* sibling */
};

/* Parse a file or a string (name is used in messages). 0 or -errno. */
int conf_parse_file(const char *path, struct conf_section **root, char *err, size_t errlen);
int conf_parse_string(const char *text, const char *name, struct conf_section **root, char *err,
		      size_t errlen);
void conf_free(struct conf_section *root);

/* A direct subsection; NULL if absent. */
struct conf_section *conf_find_section(const struct conf_section *sec, const char *name);
/* A setting of sec; NULL if absent. */
const struct conf_setting *conf_get(const struct conf_section *sec, const char *key);

/*
 * Typed getters: 0 with *out set if the key is present and valid, -ENOENT
 * (*out untouched) if absent, -EINVAL with "FILE:LINE: 'key' must be ..."
 * in err if present but invalid.
 */
int conf_get_uint(const struct conf_section *sec, const char *key, unsigned long min,
		  unsigned long max, unsigned long *out, char *err, size_t errlen);
/* yes/no, true/false, enabled/disabled, 1/0 (as strongSwan reads them). */
int conf_get_bool(const struct conf_section *sec, const char *key, bool *out, char *err,
		  size_t errlen);
/* The value copied into out; it must be non-empty and shorter than outlen. */
int conf_get_string(const struct conf_section *sec, const char *key, char *out, size_t outlen,
		    char *err, size_t errlen);

#endif /* XDPSEC_CONF_H */
