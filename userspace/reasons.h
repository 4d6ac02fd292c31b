/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Stable snake_case names of the verdict reasons in xdpsec_maps.h. */
#ifndef XDPSEC_REASONS_H
#define XDPSEC_REASONS_H

#include "xdpsec_maps.h"

extern const char *const xs_reason_names[XS_R_MAX];

#endif /* XDPSEC_REASONS_H */
