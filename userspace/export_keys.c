// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Wireshark decryption tables from the running SAs (export_keys.h): ESP
 * SAs from the data plane (manual and negotiated alike), IKE SAs from the
 * engine, with the algorithm names tshark 4.0 accepts in its UATs (the
 * ones strongSwan's save-keys plugin writes).
 */
#include "export_keys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cmd_internal.h"
#include "ike_engine.h"
#include "ike_wire.h"
#include "log.h"
#include "selector.h"

static void put_hex(struct strbuf *out, const uint8_t *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		strbuf_putc(out, digits[p[i] >> 4]);
		strbuf_putc(out, digits[p[i] & 0xf]);
	}
}

/* Wireshark's ESP names; NULL where tshark 4.0 has no decoder. */
static const char *esp_enc_name(enum esp_alg alg)
{
	switch (alg) {
	case ESP_ALG_AES_GCM_128:
	case ESP_ALG_AES_GCM_256:
		return "AES-GCM with 16 octet ICV [RFC4106]";	/* the key length says which */
	case ESP_ALG_AES_CBC_128:
	case ESP_ALG_AES_CBC_256:
		return "AES-CBC [RFC3602]";
	default:
		return NULL;
	}
}

static bool esp_line(struct strbuf *out, const struct dp_sa_info *sa,
		     const struct esp_sa_params *k)
{
	const char *enc = esp_enc_name(k->alg);
	char src[64], dst[64];

	if (!enc) {
		strbuf_printf(out, "# SPI 0x%08x (%s): not decodable by Wireshark 4.0, skipped\n",
			      sa->spi, esp_alg_name(k->alg));
		return false;
	}
	strbuf_printf(out, "\"%s\",\"%s\",\"%s\",\"0x%08x\",\"%s\",\"0x",
		      sa->src.family == XS_AF_INET6 ? "IPv6" : "IPv4",
		      addr_format(&sa->src, src, sizeof(src)), addr_format(&sa->dst, dst, sizeof(dst)),
		      sa->spi, enc);
	put_hex(out, k->key, k->key_len);
	if (esp_alg_is_aead(k->alg)) {
		strbuf_puts(out, "\",\"NULL\",\"\"\n");
	} else {
		strbuf_puts(out, "\",\"HMAC-SHA-256-128 [RFC4868]\",\"0x");
		put_hex(out, k->integ_key, k->integ_key_len);
		strbuf_puts(out, "\"\n");
	}
	return true;
}

static int export_esp(struct dataplane *dp, struct strbuf *out, unsigned int *n)
{
	struct esp_sa_params k;
	struct dp_sa_info *sas;
	int nsas, i, ret = 0;

	if (!dp->ops->export_sa_keys)
		return -EOPNOTSUPP;
	nsas = cmd_list_sas(dp, &sas);
	if (nsas < 0)
		return nsas;
	for (i = 0; i < nsas && !ret; i++) {
		ret = dp->ops->export_sa_keys(dp, sas[i].slot, &k);
		if (!ret && esp_line(out, &sas[i], &k))
			(*n)++;
		OPENSSL_cleanse(&k, sizeof(k));
	}
	free(sas);
	return ret;
}

struct ike_export_ctx {
	struct strbuf *out;
	unsigned int n;
};

static const char *ike_enc_name(uint16_t encr, uint16_t bits, char *buf, size_t len)
{
	if (encr == IKE_ENCR_AES_GCM_16)
		snprintf(buf, len, "AES-GCM-%u with 16 octet ICV [RFC5282]", bits);
	else if (encr == IKE_ENCR_AES_CBC)
		snprintf(buf, len, "AES-CBC-%u [RFC3602]", bits);
	else
		return NULL;
	return buf;
}

static const char *ike_integ_name(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_NONE: return "NONE [RFC4306]";
	case IKE_INTEG_HMAC_SHA2_256_128: return "HMAC_SHA2_256_128 [RFC4868]";
	case IKE_INTEG_HMAC_SHA2_384_192: return "HMAC_SHA2_384_192 [RFC4868]";
	case IKE_INTEG_HMAC_SHA2_512_256: return "HMAC_SHA2_512_256 [RFC4868]";
	default: return NULL;
	}
}

static void ike_line(void *arg, const struct ike_sa_key_export *k)
{
	struct ike_export_ctx *c = arg;
	const char *integ = ike_integ_name(k->integ);
	const char *enc;
	char name[64];

	enc = ike_enc_name(k->encr, k->key_bits, name, sizeof(name));
	strbuf_puts(c->out, enc && integ ? "" : "# ");
	put_hex(c->out, k->spi_i, sizeof(k->spi_i));
	strbuf_putc(c->out, ',');
	put_hex(c->out, k->spi_r, sizeof(k->spi_r));
	if (!enc || !integ) {
		strbuf_printf(c->out, ": transform %u/%u not decodable by Wireshark 4.0, skipped\n",
			      k->encr, k->integ);
		return;
	}
	strbuf_putc(c->out, ',');
	put_hex(c->out, k->sk_ei, k->enc_key_len);
	strbuf_putc(c->out, ',');
	put_hex(c->out, k->sk_er, k->enc_key_len);
	strbuf_printf(c->out, ",\"%s\",", enc);
	put_hex(c->out, k->sk_ai, k->integ_key_len);
	strbuf_putc(c->out, ',');
	put_hex(c->out, k->sk_ar, k->integ_key_len);
	strbuf_printf(c->out, ",\"%s\"\n", integ);
	c->n++;
}

int export_keys_run(struct dataplane *dp, const struct ike_engine *ike, int argc, char **argv,
		    struct strbuf *out)
{
	struct ike_export_ctx ic = { .out = out };
	size_t start = out->len;
	unsigned int n_esp = 0;
	int ret;

	if (argc > 1) {
		strbuf_printf(out, "error: unexpected argument '%s' for 'export-keys'\n", argv[1]);
		return 1;
	}
	strbuf_puts(out, "[" EXPORT_KEYS_ESP_FILE "]\n");
	ret = export_esp(dp, out, &n_esp);
	if (ret) {
		strbuf_truncate(out, start);
		strbuf_printf(out, "error: cannot export the ESP SAs: %s\n", strerror(-ret));
		return 1;
	}
	strbuf_puts(out, "[" EXPORT_KEYS_IKE_FILE "]\n");
	if (ike)
		ike_engine_export_keys(ike, ike_line, &ic);
	if (strbuf_error(out)) {
		strbuf_truncate(out, start);
		strbuf_puts(out, "error: export-keys: out of memory\n");
		return 1;
	}
	xs_warn("export-keys: keys of %u ESP SA(s) and %u IKE SA(s) sent to a control client",
		n_esp, ic.n);
	return 0;
}
