/*
 * libFuzzer target for libcommon/msg and hdr: any bytes make a message.
 * The pieces msg keeps (envelope line, header block, blank line, body)
 * must give back the input byte for byte, every field must lie inside
 * the header block, and edits must leave the rest of the block as it was.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hdr.h"
#include "msg.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The input, rebuilt from what msg kept of it. */
static void
rebuild(struct msg *m, const char *in, size_t len, struct buf *out)
{
	size_t fl;

	if (m->from_ != NULL) {
		fl = m->from_len;
		if (fl > len || memcmp(in, m->from_, fl) != 0)
			abort();
		/* The envelope line ends in LF, CRLF, or the input. */
		buf_add(out, in, fl);
		if (fl < len && in[fl] == '\r' && fl + 1 < len &&
		    in[fl + 1] == '\n')
			buf_add(out, "\r\n", 2);
		else if (fl < len && in[fl] == '\n')
			buf_add(out, "\n", 1);
	}
	buf_add(out, m->hdr.raw.data, m->hdr.raw.len);
	buf_add(out, m->sep.data, m->sep.len);
	if (msg_body_all(m, out) < 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *v;
	struct buf out = BUF_INIT;
	struct hdr *h;
	struct msg m;
	size_t i, n, vlen, oldlen;
	char *val, *old;

	if (msg_frombuf(&m, in, size, "fuzz") != 0)
		abort();
	h = &m.hdr;
	for (i = 0; i < h->n; i++) {
		if (h->f[i].off + h->f[i].len > h->raw.len ||
		    h->f[i].valoff > h->f[i].off + h->f[i].len ||
		    h->f[i].namelen == 0)
			abort();
		v = hdr_rawvalue(h, i, &vlen);
		(void)v;
		val = hdr_value(h, i);
		free(val);
	}
	rebuild(&m, in, size, &out);
	if (out.len != size || (size > 0 && memcmp(out.data, in, size) != 0))
		abort();

	/* Edits: a prepended field comes first, the old block follows. */
	old = xmemdup(h->raw.data, h->raw.len);
	oldlen = h->raw.len;
	n = h->n;
	hdr_prepend(h, "X-Fuzz", "value");
	if (hdr_find(h, "x-fuzz", 0) != 0 || h->n < n + 1)
		abort();
	if (h->raw.len < oldlen ||
	    memcmp(h->raw.data + h->raw.len - oldlen, old, oldlen) != 0)
		abort();
	hdr_set(h, "Subject", "set");
	val = hdr_get(h, "subject");
	if (val == NULL || strcmp(val, "set") != 0)
		abort();
	free(val);
	if (hdr_remove(h, "x-fuzz") < 1 || hdr_find(h, "x-fuzz", 0) != HDR_NONE)
		abort();
	free(old);
	buf_free(&out);
	msg_close(&m);
	return 0;
}
