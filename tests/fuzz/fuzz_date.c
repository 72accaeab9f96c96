/*
 * libFuzzer target for libcommon/date: any bytes may be given to
 * date_parse; what it accepts must format and parse back to the same
 * instant and offset, in both output forms.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "date.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b = BUF_INIT;
	time_t t, t2;
	int off, off2;

	if (date_parse((const char *)data, size, &t, &off) != 0)
		return 0;
	if (off < -DATE_TZOFF_MAX || off > DATE_TZOFF_MAX)
		abort();
	date_format(&b, t, off);
	if (date_parse(b.data, b.len, &t2, &off2) != 0 || t2 != t ||
	    off2 != off)
		abort();
	buf_reset(&b);
	date_format_asctime(&b, t);
	/* The UTC year may leave 0-9999 when the offset is large. */
	if (date_parse(b.data, b.len, &t2, &off2) == 0 &&
	    (t2 != t || off2 != 0))
		abort();
	buf_free(&b);
	(void)date_local_offset(t);
	return 0;
}
