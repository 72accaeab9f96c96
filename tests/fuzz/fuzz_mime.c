/*
 * libFuzzer target for libcommon/mime: any bytes are parsed as a message;
 * every part must lie inside the input, its parent before it; decoding
 * must agree with mime_decoded_size; text comes out as valid UTF-8; safe
 * file names are safe; base64 and quoted-printable round-trip.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Is s[0, n) valid UTF-8 (no surrogates, no overlong forms)? */
static int
valid_utf8(const char *cs, size_t n)
{
	const unsigned char *s = (const unsigned char *)cs;
	size_t i = 0, k, len;
	unsigned long c;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			len = 2, c = s[i] & 0x1f;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			len = 3, c = s[i] & 0x0f;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			len = 4, c = s[i] & 0x07;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			c = c << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
		    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
			return 0;
		i += len;
	}
	return 1;
}

static void
check_safe(const char *name)
{
	char *s = mime_safe_filename(name);
	size_t i;

	if (s == NULL)
		return;
	if (*s == '\0' || *s == '.' || *s == '-' || strlen(s) > 255 ||
	    strchr(s, '/') != NULL || strchr(s, '\\') != NULL)
		abort();
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
	free(s);
}

static void
check_part(const struct mime_tree *t, size_t i, const char *m, size_t size)
{
	const struct mime_part *p = &t->part[i];
	struct buf b = BUF_INIT;
	const char *c;
	int unk;

	if (p->num == NULL || p->type == NULL || p->subtype == NULL ||
	    *p->type == '\0' || *p->subtype == '\0')
		abort();
	for (c = p->type; *c != '\0'; c++)
		if (*c >= 'A' && *c <= 'Z')
			abort();
	if (p->hdroff > size || p->hdrlen > size - p->hdroff ||
	    p->bodyoff > size || p->bodylen > size - p->bodyoff ||
	    p->hdroff + p->hdrlen > p->bodyoff ||
	    (p->ctlen > 0 && p->ctoff + p->ctlen > p->bodyoff) ||
	    (p->cdlen > 0 && p->cdoff + p->cdlen > p->bodyoff))
		abort();
	if (i == 0 ? p->parent != MIME_NONE : p->parent >= i)
		abort();
	if (i > 0 && (p->depth != t->part[p->parent].depth + 1 ||
	    p->bodyoff + p->bodylen > t->part[p->parent].bodyoff +
	    t->part[p->parent].bodylen || p->hdroff <
	    t->part[p->parent].bodyoff))
		abort();
	if (p->depth > MIME_MAXDEPTH)
		abort();
	if (p->filename != NULL && !valid_utf8(p->filename,
	    strlen(p->filename)))
		abort();
	check_safe(p->filename);

	mime_decode_body(p, m, &b);
	if (b.len != mime_decoded_size(p, m))
		abort();
	buf_reset(&b);
	mime_text_utf8(p, m, &b, &unk);
	if (!valid_utf8(b.data, b.len) || (b.len > 0 &&
	    memmem(b.data, b.len, "\r\n", 2) != NULL))
		abort();
	buf_reset(&b);
	mime_text_utf8_head(p, m, 40, &b, &unk);
	if (!valid_utf8(b.data, b.len))
		abort();
	buf_free(&b);
}

static void
check_param(const char *s, size_t n, const char *name)
{
	char *v = mime_param(s, n, name);

	if (v != NULL && !valid_utf8(v, strlen(v)))
		abort();
	free(v);
	free(mime_param_raw(s, n, name));
}

static void
check_codecs(const char *s, size_t n)
{
	struct buf e = BUF_INIT, d = BUF_INIT, want = BUF_INIT;
	size_t i;

	b64_encode(&e, s, n, 76);
	b64_decode(&d, e.data, e.len);
	if (d.len != n || memcmp(d.data, s, n) != 0)
		abort();
	buf_reset(&e);
	buf_reset(&d);
	qp_encode(&e, s, n, 1);
	qp_decode(&d, e.data, e.len);
	if (d.len != n || memcmp(d.data, s, n) != 0)
		abort();
	/* Text mode: line breaks come back as LF. */
	buf_reset(&e);
	buf_reset(&d);
	qp_encode(&e, s, n, 0);
	for (i = 0; i < e.len; i++) {
		unsigned char c = (unsigned char)e.data[i];

		if ((c < 32 && c != '\n' && c != '\t') || c > 126)
			abort();
	}
	qp_decode(&d, e.data, e.len);
	for (i = 0; i < n; i++) {
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
			continue;
		buf_addc(&want, s[i]);
	}
	if (d.len != want.len || memcmp(d.data, want.data ? want.data : "",
	    d.len) != 0)
		abort();
	buf_free(&e);
	buf_free(&d);
	buf_free(&want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *m = (const char *)data;
	struct mime_tree t;
	struct buf b = BUF_INIT;
	size_t i;

	mime_parse(&t, m, size);
	if (t.n == 0 || t.n > MIME_MAXPARTS)
		abort();
	for (i = 0; i < t.n; i++)
		check_part(&t, i, m, size);
	(void)mime_first_text(&t);
	mime_free(&t);

	check_param(m, size, "boundary");
	check_param(m, size, "filename");
	buf_add(&b, m, size);
	check_safe(b.data);
	buf_free(&b);
	if (size <= 4096)
		check_codecs(m, size);
	return 0;
}
