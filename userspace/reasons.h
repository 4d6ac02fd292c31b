/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Stable snake_case names of the verdict reasons in xdpsec_maps.h. */
#ifndef XDPSEC_REASONS_H
#define XDPSEC_REASONS_H

#include <stddef.h>
#include <stdint.h>

#include "xdpsec_maps.h"

extern const char *const xs_reason_names[XS_R_MAX];

/* The error counters of an SA (struct xs_sa_stats), under their reason's name. */
struct xs_sa_error {
	enum xs_reason reason;
	size_t offset;		/* of the uint64_t in struct xs_sa_stats */
};

enum { XS_N_SA_ERRORS = 6 };

extern const struct xs_sa_error xs_sa_errors[XS_N_SA_ERRORS];

uint64_t xs_sa_error_value(const struct xs_sa_stats *s, unsigned int i);

#endif /* XDPSEC_REASONS_H */
