// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ESP transforms, in place, one packet at a time.
 *
 * Every OpenSSL context is created and keyed once, in esp_sa_new(); a packet
 * only sets the IV (EVP_CipherInit_ex with a NULL cipher and key) or
 * re-initialises the HMAC with its stored key (EVP_MAC_init with a NULL
 * key).  The AEAD paths allocate nothing per packet; OpenSSL 3.0's HMAC
 * re-init duplicates its digest state, two small allocations per CBC packet
 * inside libcrypto.  An SA has one set of contexts for encap and one for
 * decap, each behind its own lock, because worker threads share SAs and
 * OpenSSL contexts are not thread-safe.
 *
 * Wire formats:
 *   AEAD (AES-GCM, RFC 4106; ChaCha20-Poly1305, RFC 7634)
 *     SPI | seq | IV(8) | ciphertext | ICV(16)
 *     key material = cipher key | 4-byte salt;  nonce = salt | IV
 *     IV = the 64-bit sequence number: unique per SA, which is all both
 *     RFCs ask of it.  AAD = SPI | seq, or SPI | seq-high | seq-low (ESN).
 *     Padding aligns the trailer to 4 bytes.
 *   AES-CBC (RFC 3602) with HMAC-SHA2-256-128 (RFC 4868)
 *     SPI | seq | IV(16, random) | ciphertext | ICV(16)
 *     ICV = HMAC over SPI .. end of ciphertext, then seq-high when ESN
 *     (RFC 4303 2.2.1: counted by the ICV, never sent).  Encrypt-then-MAC:
 *     decap verifies before it decrypts.  Padding fills 16-byte blocks.
 *
 * Decap follows RFC 4303 3.4: length, SPI, sequence (ESN inference), replay
 * check, ICV, replay update, padding, next header.  The decap lock is held
 * from the replay check to the update, so the window cannot move between
 * them and one check suffices.  A packet that fails the ICV leaves the
 * window as it was; its buffer may hold garbage after decryption in place.
 * A packet that fails only the trailer check was authentic: the window
 * counts it and its buffer holds the plaintext.  Dummy packets (next header
 * 59, RFC 4303 2.6) carry nothing, so they fail with ESP_ERR_TRAILER and
 * are counted as bad trailers.  ESN inference is RFC 4303 A2.2 only; the
 * re-synchronisation of A3 (guessing the next high half after many ICV
 * failures) is not done.
 *
 * Without ESN an SA sends at most 2^32 - 1 packets; with ESN 2^64 - 1.
 * Then esp_encap refuses with ESP_ERR_SEQ_EXHAUSTED: rekey before.  An
 * OpenSSL failure while sealing (allocation, RNG) is ESP_ERR_NOMEM.
 * esp_sa_tx_seq() reports the last number sent, like `ip xfrm`'s oseq.
 */
#include "esp.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "replay.h"

enum {
	ESP_SALT_LEN = 4,
	ESP_AEAD_IV_LEN = 8,
	ESP_AEAD_NONCE_LEN = ESP_SALT_LEN + ESP_AEAD_IV_LEN,
	ESP_AEAD_ALIGN = 4,		/* RFC 4303 2.4: trailer ends on 4 bytes */
	ESP_CBC_IV_LEN = 16,
	ESP_CBC_BLOCK = 16,
	ESP_CBC_IV_POOL = 32 * ESP_CBC_IV_LEN,	/* one RAND_bytes call per 32 packets */
	ESP_ICV_LEN = 16,
	ESP_TRAILER_LEN = 2,		/* pad length + next header */
	ESP_HMAC_SHA256_LEN = 32,
	ESP_MAX_AAD_LEN = 12,		/* SPI + seq-high + seq-low */
	ESP_MAX_PAYLOAD = 65535,	/* an IP packet's limit, and well inside int */
	ESP_MAX_PAD = 255,
	ESP_MAX_TEXT = ESP_MAX_PAYLOAD + ESP_MAX_PAD + ESP_TRAILER_LEN,
	ESP_NH_IPV4 = 4,
	ESP_NH_IPV6 = 41,
};

struct esp_alg_info {
	const char *name;
	size_t key_len;			/* including the salt for AEADs */
	size_t integ_key_len;
	size_t iv_len;
	size_t align;			/* the ciphertext is a multiple of this */
	bool aead;
	const EVP_CIPHER *(*cipher)(void);
};

static const struct esp_alg_info esp_algs[] = {
	[ESP_ALG_AES_GCM_128] = { "aes-gcm-128", 16 + ESP_SALT_LEN, 0, ESP_AEAD_IV_LEN,
				  ESP_AEAD_ALIGN, true, EVP_aes_128_gcm },
	[ESP_ALG_AES_GCM_256] = { "aes-gcm-256", 32 + ESP_SALT_LEN, 0, ESP_AEAD_IV_LEN,
				  ESP_AEAD_ALIGN, true, EVP_aes_256_gcm },
	[ESP_ALG_CHACHA20_POLY1305] = { "chacha20-poly1305", 32 + ESP_SALT_LEN, 0,
					ESP_AEAD_IV_LEN, ESP_AEAD_ALIGN, true,
					EVP_chacha20_poly1305 },
	[ESP_ALG_AES_CBC_128] = { "aes-cbc-128", 16, ESP_HMAC_SHA256_LEN, ESP_CBC_IV_LEN,
				  ESP_CBC_BLOCK, false, EVP_aes_128_cbc },
	[ESP_ALG_AES_CBC_256] = { "aes-cbc-256", 32, ESP_HMAC_SHA256_LEN, ESP_CBC_IV_LEN,
				  ESP_CBC_BLOCK, false, EVP_aes_256_cbc },
};

#define ESP_N_ALGS (sizeof(esp_algs) / sizeof(esp_algs[0]))

/* The contexts for one direction and the lock that serialises their use. */
struct esp_dir {
	pthread_mutex_t lock;
	bool lock_ready;
	EVP_CIPHER_CTX *cipher;
	EVP_MAC_CTX *hmac;		/* CBC only */
};

struct esp_sa {
	uint32_t spi;
	bool esn;
	const struct esp_alg_info *info;
	uint8_t salt[ESP_SALT_LEN];	/* AEAD only: secret, wiped on free */
	struct esp_dir out;
	struct esp_dir in;
	uint64_t next_tx_seq;		/* under out.lock; 0 once 2^64 - 1 was sent */
	uint8_t *cbc_ivs;		/* ESP_CBC_IV_POOL bytes, outbound CBC only: under
					 * out.lock, random IVs not yet used */
	size_t cbc_ivs_used;
	struct replay_window replay;	/* under in.lock */
	/* The keys as given, for esp_sa_export_keys() only (the contexts
	 * cannot give them back); wiped with the rest in esp_sa_free(). */
	struct esp_sa_params keys;
};

/* ---- algorithms ---- */

static const struct esp_alg_info *alg_info(enum esp_alg alg)
{
	if ((unsigned int)alg >= ESP_N_ALGS)
		return NULL;
	return &esp_algs[alg];
}

const char *esp_alg_name(enum esp_alg alg)
{
	const struct esp_alg_info *info = alg_info(alg);

	return info ? info->name : "unknown";
}

int esp_alg_parse(const char *name, enum esp_alg *alg)
{
	unsigned int i;

	for (i = 0; i < ESP_N_ALGS; i++) {
		if (strcmp(name, esp_algs[i].name) == 0) {
			*alg = (enum esp_alg)i;
			return 0;
		}
	}
	return -1;
}

size_t esp_alg_key_len(enum esp_alg alg)
{
	const struct esp_alg_info *info = alg_info(alg);

	return info ? info->key_len : 0;
}

size_t esp_alg_integ_key_len(enum esp_alg alg)
{
	const struct esp_alg_info *info = alg_info(alg);

	return info ? info->integ_key_len : 0;
}

bool esp_alg_is_aead(enum esp_alg alg)
{
	const struct esp_alg_info *info = alg_info(alg);

	return info && info->aead;
}

/* ---- byte order ---- */

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, v >> 32);
	put_be32(p + 4, (uint32_t)v);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- SA setup and teardown ---- */

static EVP_CIPHER_CTX *cipher_ctx_new(const struct esp_alg_info *info, const uint8_t *key,
				      int encrypt)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	if (!ctx)
		return NULL;
	/* The IV comes per packet; AEAD nonces are 12 bytes, the default. */
	if (EVP_CipherInit_ex(ctx, info->cipher(), NULL, key, NULL, encrypt) != 1)
		goto free_ctx;
	if (!info->aead && EVP_CIPHER_CTX_set_padding(ctx, 0) != 1)
		goto free_ctx;
	return ctx;

free_ctx:
	EVP_CIPHER_CTX_free(ctx);
	return NULL;
}

static EVP_MAC_CTX *hmac_ctx_new(const uint8_t *key, size_t key_len)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = NULL;

	if (!mac)
		return NULL;
	ctx = EVP_MAC_CTX_new(mac);
	if (!ctx)
		goto free_mac;
	if (EVP_MAC_init(ctx, key, key_len, params) != 1) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
free_mac:
	EVP_MAC_free(mac);	/* the context keeps its own reference */
	return ctx;
}

static int dir_init(struct esp_dir *dir, const struct esp_sa_params *p,
		    const struct esp_alg_info *info, int encrypt)
{
	pthread_mutexattr_t attr;
	int ret;

	/* Adaptive: spins briefly before sleeping; critical sections are one packet. */
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
	ret = pthread_mutex_init(&dir->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	if (ret)
		return -1;
	dir->lock_ready = true;

	dir->cipher = cipher_ctx_new(info, p->key, encrypt);
	if (!dir->cipher)
		return -1;
	if (!info->aead) {
		dir->hmac = hmac_ctx_new(p->integ_key, p->integ_key_len);
		if (!dir->hmac)
			return -1;
	}
	return 0;
}

static void dir_free(struct esp_dir *dir)
{
	/* Both free functions cleanse the key schedules they hold. */
	EVP_CIPHER_CTX_free(dir->cipher);
	EVP_MAC_CTX_free(dir->hmac);
	if (dir->lock_ready)
		pthread_mutex_destroy(&dir->lock);
}

static bool params_valid(const struct esp_sa_params *p, char *err, size_t errlen)
{
	const struct esp_alg_info *info = alg_info(p->alg);

	if (!info) {
		snprintf(err, errlen, "unknown ESP algorithm %d", (int)p->alg);
		return false;
	}
	if (p->key_len != info->key_len) {
		snprintf(err, errlen, "%s needs a %zu-byte key%s, got %zu", info->name,
			 info->key_len, info->aead ? " (with the 4-byte salt)" : "", p->key_len);
		return false;
	}
	if (p->integ_key_len != info->integ_key_len) {
		snprintf(err, errlen, "%s needs a %zu-byte integrity key, got %zu", info->name,
			 info->integ_key_len, p->integ_key_len);
		return false;
	}
	return true;
}

struct esp_sa *esp_sa_new(const struct esp_sa_params *p, char *err, size_t errlen)
{
	struct esp_sa *sa;

	if (!params_valid(p, err, errlen))
		return NULL;
	sa = calloc(1, sizeof(*sa));
	if (!sa) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	sa->spi = p->spi;
	sa->esn = p->esn;
	sa->keys = *p;
	sa->info = alg_info(p->alg);
	sa->next_tx_seq = 1;
	sa->cbc_ivs_used = ESP_CBC_IV_POOL;
	replay_init(&sa->replay);
	if (sa->info->aead)
		memcpy(sa->salt, p->key + p->key_len - ESP_SALT_LEN, ESP_SALT_LEN);

	/* An SA is used one way; the other way's contexts would only cost
	 * memory (a GCM context is over a kilobyte). */
	if (!sa->info->aead && p->direction != ESP_DIR_INBOUND)
		sa->cbc_ivs = malloc(ESP_CBC_IV_POOL);
	if ((!sa->info->aead && p->direction != ESP_DIR_INBOUND && !sa->cbc_ivs) ||
	    (p->direction != ESP_DIR_INBOUND && dir_init(&sa->out, p, sa->info, 1)) ||
	    (p->direction != ESP_DIR_OUTBOUND && dir_init(&sa->in, p, sa->info, 0))) {
		snprintf(err, errlen, "OpenSSL could not set up %s", sa->info->name);
		esp_sa_free(sa);
		return NULL;
	}
	return sa;
}

void esp_sa_free(struct esp_sa *sa)
{
	if (!sa)
		return;
	dir_free(&sa->out);
	dir_free(&sa->in);
	if (sa->cbc_ivs)
		OPENSSL_clear_free(sa->cbc_ivs, ESP_CBC_IV_POOL);
	OPENSSL_cleanse(sa, sizeof(*sa));
	free(sa);
}

void esp_sa_export_keys(const struct esp_sa *sa, struct esp_sa_params *out)
{
	*out = sa->keys;
}

/* ---- sizes ---- */

size_t esp_head_len(const struct esp_sa *sa)
{
	return ESP_HDR_LEN + sa->info->iv_len;
}

size_t esp_tail_max(const struct esp_sa *sa)
{
	return sa->info->align - 1 + ESP_TRAILER_LEN + ESP_ICV_LEN;
}

static size_t pad_len_for(const struct esp_sa *sa, size_t inner_len)
{
	size_t align = sa->info->align;

	return (align - (inner_len + ESP_TRAILER_LEN) % align) % align;
}

/* ---- sequence numbers ---- */

uint64_t esp_sa_tx_seq(const struct esp_sa *sa)
{
	/* The last number sent (0: none yet).  Read without the lock: the CLI
	 * wants a snapshot, and a 64-bit atomic load cannot tear. */
	return __atomic_load_n(&sa->next_tx_seq, __ATOMIC_RELAXED) - 1;
}

void esp_sa_set_tx_seq(struct esp_sa *sa, uint64_t next_seq)
{
	pthread_mutex_lock(&sa->out.lock);
	__atomic_store_n(&sa->next_tx_seq, next_seq, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&sa->out.lock);
}

void esp_sa_set_rx_seq(struct esp_sa *sa, uint64_t top)
{
	pthread_mutex_lock(&sa->in.lock);
	replay_reset(&sa->replay, top);
	pthread_mutex_unlock(&sa->in.lock);
}

/* Takes the next outbound number; the caller holds out.lock. */
static int take_tx_seq(struct esp_sa *sa, uint64_t *seq)
{
	uint64_t next = sa->next_tx_seq;

	if (next == 0 || (!sa->esn && next > UINT32_MAX))
		return ESP_ERR_SEQ_EXHAUSTED;
	*seq = next;
	__atomic_store_n(&sa->next_tx_seq, next + 1, __ATOMIC_RELAXED);
	return ESP_OK;
}

/* ---- AEAD ---- */

static size_t aead_aad(const struct esp_sa *sa, const uint8_t *hdr, uint64_t seq, uint8_t *aad)
{
	if (!sa->esn) {
		memcpy(aad, hdr, ESP_HDR_LEN);	/* SPI | seq */
		return ESP_HDR_LEN;
	}
	memcpy(aad, hdr, 4);
	put_be64(aad + 4, seq);
	return ESP_MAX_AAD_LEN;
}

/* Sets the nonce and feeds the AAD; both directions start alike. */
static bool aead_begin(struct esp_sa *sa, EVP_CIPHER_CTX *ctx, const uint8_t *hdr,
		       uint64_t seq, const uint8_t *iv, int encrypt)
{
	uint8_t nonce[ESP_AEAD_NONCE_LEN];
	uint8_t aad[ESP_MAX_AAD_LEN];
	size_t aad_len = aead_aad(sa, hdr, seq, aad);
	int outl;

	memcpy(nonce, sa->salt, ESP_SALT_LEN);
	memcpy(nonce + ESP_SALT_LEN, iv, ESP_AEAD_IV_LEN);
	if (EVP_CipherInit_ex(ctx, NULL, NULL, NULL, nonce, encrypt) != 1)
		return false;
	return EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aad_len) == 1;
}

/* hdr: the ESP header, IV already written; text: plaintext, encrypted in place. */
static int aead_seal(struct esp_sa *sa, const uint8_t *hdr, uint64_t seq, uint8_t *text,
		     size_t text_len, uint8_t *icv)
{
	EVP_CIPHER_CTX *ctx = sa->out.cipher;
	int outl, finl;

	if (!aead_begin(sa, ctx, hdr, seq, hdr + ESP_HDR_LEN, 1))
		return ESP_ERR_NOMEM;
	if (EVP_CipherUpdate(ctx, text, &outl, text, (int)text_len) != 1 ||
	    EVP_CipherFinal_ex(ctx, text + outl, &finl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, ESP_ICV_LEN, icv) != 1)
		return ESP_ERR_NOMEM;
	return ESP_OK;
}

static int aead_open(struct esp_sa *sa, const uint8_t *hdr, uint64_t seq, uint8_t *text,
		     size_t text_len, uint8_t *icv)
{
	EVP_CIPHER_CTX *ctx = sa->in.cipher;
	int outl, finl;

	if (!aead_begin(sa, ctx, hdr, seq, hdr + ESP_HDR_LEN, 0))
		return ESP_ERR_AUTH;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, ESP_ICV_LEN, icv) != 1 ||
	    EVP_CipherUpdate(ctx, text, &outl, text, (int)text_len) != 1 ||
	    EVP_CipherFinal_ex(ctx, text + outl, &finl) != 1)
		return ESP_ERR_AUTH;
	return ESP_OK;
}

/* ---- AES-CBC + HMAC-SHA2-256-128 ---- */

/* HMAC over SPI .. end of ciphertext, plus seq-high with ESN (not sent). */
static bool cbc_icv(struct esp_sa *sa, EVP_MAC_CTX *mac, const uint8_t *esp, size_t len,
		    uint64_t seq, uint8_t *icv)
{
	uint8_t full[ESP_HMAC_SHA256_LEN];
	uint8_t seq_hi[4];
	size_t outl;

	if (EVP_MAC_init(mac, NULL, 0, NULL) != 1 || EVP_MAC_update(mac, esp, len) != 1)
		return false;
	if (sa->esn) {
		put_be32(seq_hi, seq >> 32);
		if (EVP_MAC_update(mac, seq_hi, sizeof(seq_hi)) != 1)
			return false;
	}
	if (EVP_MAC_final(mac, full, &outl, sizeof(full)) != 1)
		return false;
	memcpy(icv, full, ESP_ICV_LEN);
	return true;
}

/* Encrypts text in place under iv, a block multiple long, no OpenSSL padding. */
static bool cbc_crypt(EVP_CIPHER_CTX *ctx, const uint8_t *iv, uint8_t *text, size_t text_len,
		      int encrypt)
{
	int outl, finl;

	if (EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, encrypt) != 1)
		return false;
	return EVP_CipherUpdate(ctx, text, &outl, text, (int)text_len) == 1 &&
	       EVP_CipherFinal_ex(ctx, text + outl, &finl) == 1;
}

/*
 * RFC 3602: the IV must be unpredictable, hence random, not the counter.
 * Drawn in batches: each RAND_bytes call costs about as much as encrypting
 * a third of a 1400-byte packet, whatever its size.  The caller holds out.lock.
 */
static bool take_cbc_iv(struct esp_sa *sa, uint8_t *iv)
{
	if (sa->cbc_ivs_used == ESP_CBC_IV_POOL) {
		if (RAND_bytes(sa->cbc_ivs, ESP_CBC_IV_POOL) != 1)
			return false;
		sa->cbc_ivs_used = 0;
	}
	memcpy(iv, sa->cbc_ivs + sa->cbc_ivs_used, ESP_CBC_IV_LEN);
	sa->cbc_ivs_used += ESP_CBC_IV_LEN;
	return true;
}

static int cbc_seal(struct esp_sa *sa, uint8_t *hdr, uint64_t seq, uint8_t *text,
		    size_t text_len, uint8_t *icv)
{
	uint8_t *iv = hdr + ESP_HDR_LEN;

	if (!take_cbc_iv(sa, iv))
		return ESP_ERR_NOMEM;
	if (!cbc_crypt(sa->out.cipher, iv, text, text_len, 1))
		return ESP_ERR_NOMEM;
	if (!cbc_icv(sa, sa->out.hmac, hdr, (size_t)(text + text_len - hdr), seq, icv))
		return ESP_ERR_NOMEM;
	return ESP_OK;
}

static int cbc_open(struct esp_sa *sa, const uint8_t *hdr, uint64_t seq, uint8_t *text,
		    size_t text_len, const uint8_t *icv)
{
	uint8_t expected[ESP_ICV_LEN];

	if (!cbc_icv(sa, sa->in.hmac, hdr, (size_t)(text + text_len - hdr), seq, expected))
		return ESP_ERR_AUTH;
	if (CRYPTO_memcmp(expected, icv, ESP_ICV_LEN) != 0)
		return ESP_ERR_AUTH;
	if (!cbc_crypt(sa->in.cipher, hdr + ESP_HDR_LEN, text, text_len, 0))
		return ESP_ERR_AUTH;
	return ESP_OK;
}

/* ---- encap ---- */

/* Writes padding 1, 2, 3, ..., the pad length and the next header after text. */
static void write_trailer(uint8_t *end, size_t pad_len, uint8_t next_header)
{
	size_t i;

	for (i = 0; i < pad_len; i++)
		end[i] = (uint8_t)(i + 1);
	end[pad_len] = (uint8_t)pad_len;
	end[pad_len + 1] = next_header;
}

int esp_encap(struct esp_sa *sa, uint8_t *inner, size_t inner_len, uint8_t next_header,
	      uint8_t **out, size_t *out_len)
{
	size_t head = esp_head_len(sa);
	uint8_t *hdr = inner - head;
	size_t pad_len, text_len;
	uint64_t seq;
	int ret;

	if (inner_len > ESP_MAX_PAYLOAD || !sa->out.cipher)
		return ESP_ERR_MALFORMED;
	pad_len = pad_len_for(sa, inner_len);
	text_len = inner_len + pad_len + ESP_TRAILER_LEN;
	write_trailer(inner + inner_len, pad_len, next_header);

	pthread_mutex_lock(&sa->out.lock);
	ret = take_tx_seq(sa, &seq);
	if (ret)
		goto unlock;
	put_be32(hdr, sa->spi);
	put_be32(hdr + 4, (uint32_t)seq);
	if (sa->info->aead) {
		put_be64(hdr + ESP_HDR_LEN, seq);
		ret = aead_seal(sa, hdr, seq, inner, text_len, inner + text_len);
	} else {
		ret = cbc_seal(sa, hdr, seq, inner, text_len, inner + text_len);
	}
unlock:
	pthread_mutex_unlock(&sa->out.lock);
	if (ret)
		return ret;
	*out = hdr;
	*out_len = head + text_len + ESP_ICV_LEN;
	return ESP_OK;
}

/* ---- decap ---- */

/* RFC 4303 2.4 and 2.6: padding 1, 2, 3, ... and a next header we carry. */
static int check_trailer(const uint8_t *text, size_t text_len, size_t *inner_len,
			 uint8_t *next_header)
{
	size_t pad_len = text[text_len - 2];
	uint8_t nh = text[text_len - 1];
	const uint8_t *pad;
	size_t i;

	if (pad_len + ESP_TRAILER_LEN > text_len)
		return ESP_ERR_TRAILER;
	pad = text + text_len - ESP_TRAILER_LEN - pad_len;
	for (i = 0; i < pad_len; i++) {
		if (pad[i] != i + 1)
			return ESP_ERR_TRAILER;
	}
	if (nh != ESP_NH_IPV4 && nh != ESP_NH_IPV6)
		return ESP_ERR_TRAILER;	/* includes 59, the dummy packet */
	*inner_len = text_len - ESP_TRAILER_LEN - pad_len;
	*next_header = nh;
	return ESP_OK;
}

/* Length of the ciphertext if len bytes can be a packet of this SA, else 0. */
static size_t text_len_of(const struct esp_sa *sa, size_t len)
{
	size_t overhead = ESP_HDR_LEN + sa->info->iv_len + ESP_ICV_LEN;
	size_t text_len;

	if (len < overhead + sa->info->align || len > overhead + ESP_MAX_TEXT)
		return 0;
	text_len = len - overhead;
	return text_len % sa->info->align ? 0 : text_len;
}

/* Replay check, ICV and decryption, replay update; the caller holds in.lock. */
static int open_locked(struct esp_sa *sa, uint8_t *esp, uint8_t *text, size_t text_len)
{
	uint32_t seq_lo = get_be32(esp + 4);
	uint64_t seq = sa->esn ? replay_esn_infer(&sa->replay, seq_lo) : seq_lo;
	uint8_t *icv = text + text_len;
	int ret;

	if (!replay_check(&sa->replay, seq))
		return ESP_ERR_REPLAY;
	if (sa->info->aead)
		ret = aead_open(sa, esp, seq, text, text_len, icv);
	else
		ret = cbc_open(sa, esp, seq, text, text_len, icv);
	if (ret)
		return ret;
	replay_update(&sa->replay, seq);
	return ESP_OK;
}

int esp_decap(struct esp_sa *sa, uint8_t *esp, size_t len, uint8_t **inner,
	      size_t *inner_len, uint8_t *next_header)
{
	size_t text_len = text_len_of(sa, len);
	uint8_t *text;
	int ret;

	if (!text_len || get_be32(esp) != sa->spi || !sa->in.cipher)
		return ESP_ERR_MALFORMED;
	text = esp + esp_head_len(sa);

	pthread_mutex_lock(&sa->in.lock);
	ret = open_locked(sa, esp, text, text_len);
	pthread_mutex_unlock(&sa->in.lock);
	if (ret)
		return ret;

	ret = check_trailer(text, text_len, inner_len, next_header);
	if (ret)
		return ret;
	*inner = text;
	return ESP_OK;
}
