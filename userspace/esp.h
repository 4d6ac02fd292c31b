/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ESP (RFC 4303) tunnel-mode transforms on one packet at a time, in place.
 * Owns the per-SA crypto state: OpenSSL contexts keyed once when the SA is
 * created, the outbound sequence number and the inbound replay window.
 * Knows nothing of IP/UDP outer headers, sockets or BPF: the worker adds
 * and strips those around what this module produces and consumes.
 */
#ifndef XDPSEC_ESP_H
#define XDPSEC_ESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum esp_alg {
	ESP_ALG_AES_GCM_128,		/* RFC 4106, 16-byte ICV */
	ESP_ALG_AES_GCM_256,
	ESP_ALG_CHACHA20_POLY1305,	/* RFC 7634 */
	ESP_ALG_AES_CBC_128,		/* RFC 3602 + HMAC-SHA2-256-128 (RFC 4868) */
	ESP_ALG_AES_CBC_256,
};

enum {
	ESP_HDR_LEN = 8,		/* SPI + sequence number */
	ESP_MAX_KEY_LEN = 36,		/* AES-256 key + 4-byte salt */
	ESP_MAX_INTEG_KEY_LEN = 64,
	ESP_MAX_HEAD = ESP_HDR_LEN + 16,/* header + longest IV (CBC) */
	ESP_MAX_TAIL = 16 + 2 + 16,	/* padding + pad length/next header + ICV */
	ESP_REPLAY_WINDOW = 1024,	/* packets */
};

/* Results of esp_encap/esp_decap: 0 on success, else one of these (negative). */
enum esp_result {
	ESP_OK = 0,
	ESP_ERR_MALFORMED = -1,		/* too short, misaligned, wrong SPI */
	ESP_ERR_REPLAY = -2,		/* seen before or left of the window */
	ESP_ERR_AUTH = -3,		/* ICV mismatch */
	ESP_ERR_TRAILER = -4,		/* bad padding or next header */
	ESP_ERR_SEQ_EXHAUSTED = -5,	/* outbound sequence would wrap */
	ESP_ERR_NOMEM = -6,
};

/* Which way an SA is used: contexts are keyed for that direction only. */
enum esp_direction {
	ESP_DIR_BOTH = 0,		/* tests and tools */
	ESP_DIR_OUTBOUND,
	ESP_DIR_INBOUND,
};

struct esp_sa_params {
	uint32_t spi;			/* host order */
	enum esp_direction direction;
	enum esp_alg alg;
	bool esn;			/* 64-bit extended sequence numbers */
	uint8_t key[ESP_MAX_KEY_LEN];	/* AEAD: key then 4-byte salt; CBC: AES key */
	size_t key_len;
	uint8_t integ_key[ESP_MAX_INTEG_KEY_LEN]; /* CBC only: HMAC-SHA256 key (32 bytes) */
	size_t integ_key_len;
};

struct esp_sa;

/* Validates key lengths; on failure returns NULL and writes a reason to err. */
struct esp_sa *esp_sa_new(const struct esp_sa_params *p, char *err, size_t errlen);
/* Wipes every key and context, then frees. NULL is allowed. */
void esp_sa_free(struct esp_sa *sa);

/* Bytes esp_encap writes before the inner packet, and at most after it. */
size_t esp_head_len(const struct esp_sa *sa);
size_t esp_tail_max(const struct esp_sa *sa);

/*
 * Encapsulates the inner packet at inner[0..inner_len) in place: the ESP
 * header and IV go into the esp_head_len() bytes before inner, padding,
 * trailer and ICV into up to esp_tail_max() bytes after it.  On success
 * *out points at the ESP header and *out_len is the ESP packet's length.
 * next_header is 4 (IPv4) or 41 (IPv6).  Thread-safe per SA.
 */
int esp_encap(struct esp_sa *sa, uint8_t *inner, size_t inner_len, uint8_t next_header,
	      uint8_t **out, size_t *out_len);

/*
 * Verifies and decrypts the ESP packet at esp[0..len) (starting with the SPI)
 * in place.  Checks the SPI, anti-replay (before and after the ICV check,
 * RFC 4303 3.4.3), the ICV, the padding (1, 2, 3, ...) and the next header.
 * On success *inner and *inner_len describe the inner packet and *next_header
 * its protocol.  Thread-safe per SA.
 */
int esp_decap(struct esp_sa *sa, uint8_t *esp, size_t len, uint8_t **inner,
	      size_t *inner_len, uint8_t *next_header);

/*
 * The SA's parameters with its keys, for `xdpsecctl export-keys` (Wireshark
 * decryption tables) and nothing else: the caller wipes *out with
 * OPENSSL_cleanse when done and never logs it.
 */
void esp_sa_export_keys(const struct esp_sa *sa, struct esp_sa_params *out);

/* For tests and the CLI: the sequence numbers as they stand. */
uint64_t esp_sa_tx_seq(const struct esp_sa *sa);
/* Sets the next outbound sequence number (tests of ESN wrap). */
void esp_sa_set_tx_seq(struct esp_sa *sa, uint64_t next_seq);
/*
 * Restarts the inbound replay window at top: top counts as received, the
 * rest of the window as not yet.  For tests of ESN (the receiver only learns
 * a high half by following the sender across 2^32) and restoring state.
 */
void esp_sa_set_rx_seq(struct esp_sa *sa, uint64_t top);

const char *esp_alg_name(enum esp_alg alg);
/* Parses "aes-gcm-128", "chacha20-poly1305", "aes-cbc-256", ... ; -1 if unknown. */
int esp_alg_parse(const char *name, enum esp_alg *alg);
/* Expected key lengths for alg (key includes the salt for AEADs). */
size_t esp_alg_key_len(enum esp_alg alg);
size_t esp_alg_integ_key_len(enum esp_alg alg);
bool esp_alg_is_aead(enum esp_alg alg);

#endif /* XDPSEC_ESP_H */
