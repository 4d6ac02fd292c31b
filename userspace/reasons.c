// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The names of enum xs_reason: a stable interface (CLI, metrics, README). */
#include "reasons.h"

#include <string.h>

const char *const xs_reason_names[XS_R_MAX] = {
	[XS_R_PASS] = "pass",
	[XS_R_IKE] = "ike",
	[XS_R_NATT_KEEPALIVE] = "natt_keepalive",
	[XS_R_ESP_IN] = "esp_in",
	[XS_R_ESP_UNKNOWN_SPI] = "esp_unknown_spi",
	[XS_R_ESP_REPLAY] = "esp_replay",
	[XS_R_ESP_AUTH_FAILED] = "esp_auth_failed",
	[XS_R_ESP_BAD_TRAILER] = "esp_bad_trailer",
	[XS_R_MALFORMED] = "malformed",
	[XS_R_ACL_DENIED] = "acl_denied",
	[XS_R_TS_MISMATCH] = "ts_mismatch",
	[XS_R_MTU_EXCEEDED] = "mtu_exceeded",
	[XS_R_NO_POLICY] = "no_policy",
	[XS_R_NO_WORKER] = "no_worker",
	[XS_R_DECRYPTED] = "decrypted",
	[XS_R_ENCRYPTED] = "encrypted",
	[XS_R_TX_FAILED] = "tx_failed",
	[XS_R_XSK_DROPPED] = "xsk_dropped",
};

const struct xs_sa_error xs_sa_errors[XS_N_SA_ERRORS] = {
	{ XS_R_ESP_REPLAY, offsetof(struct xs_sa_stats, replay) },
	{ XS_R_ESP_AUTH_FAILED, offsetof(struct xs_sa_stats, auth_failed) },
	{ XS_R_ESP_BAD_TRAILER, offsetof(struct xs_sa_stats, bad_trailer) },
	{ XS_R_MALFORMED, offsetof(struct xs_sa_stats, malformed) },
	{ XS_R_MTU_EXCEEDED, offsetof(struct xs_sa_stats, mtu_exceeded) },
	{ XS_R_TX_FAILED, offsetof(struct xs_sa_stats, tx_failed) },
};

uint64_t xs_sa_error_value(const struct xs_sa_stats *s, unsigned int i)
{
	uint64_t v;

	memcpy(&v, (const char *)s + xs_sa_errors[i].offset, sizeof(v));
	return v;
}
