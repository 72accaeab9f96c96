/*
 * libFuzzer target for libcommon/rfc2047: decoding never yields invalid
 * UTF-8 or controls other than tab; encoding then decoding gives back
 * the (sanitized) input; charset_to_utf8 yields valid UTF-8.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rfc2047.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Abort unless s is well-formed UTF-8 (and, with ctl, free of controls
 * other than tab: no C0, DEL or C1). */
static void
check_utf8(const unsigned char *s, size_t len, int ctl)
{
	size_t i = 0, n, k;
	unsigned long cp;

	while (i < len) {
		if (s[i] < 0x80) {
			if (ctl && ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f))
				abort();
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			n = 2;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			n = 3;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			n = 4;
		else
			abort();
		if (i + n > len)
			abort();
		cp = s[i] & (0x7f >> n);
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				abort();
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			abort();
		if (ctl && cp < 0xa0)
			abort();
		i += n;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct buf b = BUF_INIT, cs = BUF_INIT;
	const char *nl;
	char *d, *e, *r;

	d = rfc2047_decode(in, size);
	check_utf8((unsigned char *)d, strlen(d), 1);
	free(d);

	/* Round trip of sanitized text (no CR or LF left in it). */
	utf8_sanitize(&b, in, size);
	check_utf8((unsigned char *)b.data, b.len, 1);
	e = rfc2047_encode(b.data, b.len, size % 30);
	r = rfc2047_decode(e, strlen(e));
	if (strcmp(r, b.data) != 0)
		abort();
	free(e);
	free(r);
	buf_free(&b);

	/* "charset\n" then bytes. */
	if ((nl = memchr(in, '\n', size < 48 ? size : 48)) != NULL) {
		buf_add(&cs, in, (size_t)(nl - in));
		if (strlen(cs.data) == cs.len &&
		    charset_to_utf8(&b, cs.data, nl + 1,
		    size - (size_t)(nl - in) - 1) == 0)
			check_utf8((unsigned char *)b.data, b.len, 0);
		buf_free(&b);
		buf_free(&cs);
	}
	return 0;
}
