// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `xdpsecctl export-keys --wireshark DIR`: asks the daemon (root-only
 * control socket) for its `export-keys` reply and writes each UAT file it
 * holds into DIR, mode 0600, then warns loudly that these are secrets.
 * The reply's buffer is wiped by strbuf_free; the files are the point.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"
#include "export_keys.h"
#include "strbuf.h"

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* DIR/name with the lines body[0..len), mode 0600 even if it existed. */
static int write_table(const char *dir, const char *name, const char *body, size_t len)
{
	char path[4096];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "xdpsecctl: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	ret = fchmod(fd, 0600) || write_all(fd, body, len) ? -1 : 0;
	if (close(fd) || ret) {
		fprintf(stderr, "xdpsecctl: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Lines of a table that are entries (not '#' comments). */
static unsigned int entries(const char *body, size_t len)
{
	unsigned int n = 0;
	const char *p = body;

	while (p < body + len) {
		const char *nl = memchr(p, '\n', (size_t)(body + len - p));

		n += *p != '#' && *p != '\n';
		p = nl ? nl + 1 : body + len;
	}
	return n;
}

/*
 * The reply: "[esp_sa]\n" lines "[ikev2_decryption_table]\n" lines.
 * Writes both; *n_esp and *n_ike count the entries.
 */
static int write_tables(const char *dir, const char *reply, unsigned int *n_esp,
			unsigned int *n_ike)
{
	static const char esp_hdr[] = "[" EXPORT_KEYS_ESP_FILE "]\n";
	static const char ike_hdr[] = "[" EXPORT_KEYS_IKE_FILE "]\n";
	const char *esp, *ike_start, *ike;
	size_t esp_len;

	ike_start = strstr(reply, ike_hdr);
	if (strncmp(reply, esp_hdr, sizeof(esp_hdr) - 1) || !ike_start) {
		fprintf(stderr, "xdpsecctl: unexpected reply to export-keys\n");
		return -1;
	}
	esp = reply + sizeof(esp_hdr) - 1;
	esp_len = (size_t)(ike_start - esp);
	ike = ike_start + sizeof(ike_hdr) - 1;
	*n_esp = entries(esp, esp_len);
	*n_ike = entries(ike, strlen(ike));
	if (write_table(dir, EXPORT_KEYS_ESP_FILE, esp, esp_len) ||
	    write_table(dir, EXPORT_KEYS_IKE_FILE, ike, strlen(ike)))
		return -1;
	return 0;
}

int cli_export_keys(const char *socket_path, int argc, char **argv)
{
	char *req[] = { "export-keys", NULL };
	struct strbuf out = STRBUF_INIT;
	unsigned int n_esp = 0, n_ike = 0;
	int ret, status = 1;
	const char *dir;

	if (argc != 3 || strcmp(argv[1], "--wireshark")) {
		fprintf(stderr, "usage: xdpsecctl export-keys --wireshark DIR\n");
		return 1;
	}
	dir = argv[2];
	if (mkdir(dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "xdpsecctl: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	ret = ctl_request(socket_path, 1, req, &out, &status);
	if (ret || status) {
		fprintf(stderr, "xdpsecctl: export-keys: %s",
			ret ? strerror(-ret) : strbuf_str(&out));
		if (ret)
			fputc('\n', stderr);
		strbuf_free(&out);
		return 1;
	}
	ret = write_tables(dir, strbuf_str(&out), &n_esp, &n_ike);
	strbuf_free(&out);
	if (ret)
		return 1;
	fprintf(stderr,
		"xdpsecctl: WARNING: wrote SECRET KEYS (%u ESP SA(s), %u IKE SA(s)) to\n"
		"xdpsecctl: WARNING:   %s/" EXPORT_KEYS_ESP_FILE " and %s/" EXPORT_KEYS_IKE_FILE "\n"
		"xdpsecctl: WARNING: whoever reads them can decrypt this traffic: delete them "
		"when done\n", n_esp, n_ike, dir, dir);
	return 0;
}
