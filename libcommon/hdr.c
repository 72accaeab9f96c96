/*
 * hdr: index of the fields of a header block (RFC 5322 §2.2, §3.6,
 * obsolete §4.5: white space before the colon is allowed).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hdr.h"
#include "util.h"

void
hdr_init(struct hdr *h)
{
	buf_init(&h->raw);
	h->f = NULL;
	h->n = h->cap = 0;
	h->crlf = 0;
}

void
hdr_free(struct hdr *h)
{
	buf_free(&h->raw);
	free(h->f);
	hdr_init(h);
}

/*
 * Length of a field name at the start of a line, or 0 when the line is not
 * a field: printable ASCII except the colon, then optional WSP, then ':'.
 * *colon receives the offset of the colon.
 */
static size_t
field_name(const char *p, size_t len, size_t *colon)
{
	size_t i, n;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 33 || c > 126 || c == ':')
			break;
	}
	if (i == 0)
		return 0;
	n = i;
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i >= len || p[i] != ':')
		return 0;
	*colon = i;
	return n;
}

int
hdr_is_field(const char *p, size_t len)
{
	size_t colon;

	return field_name(p, len, &colon) > 0;
}

static void
add_field(struct hdr *h, size_t off, size_t namelen, size_t valoff)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 32;
		h->f = xreallocarray(h->f, h->cap, sizeof(*h->f));
	}
	h->f[h->n].off = off;
	h->f[h->n].len = 0;
	h->f[h->n].namelen = namelen;
	h->f[h->n].valoff = valoff;
	h->n++;
}

/* Index h->raw: one pass over its lines. */
static void
hdr_index(struct hdr *h)
{
	const char *p = h->raw.data;
	size_t len = h->raw.len, off = 0, eol, colon, nl;
	const char *q;
	int infield = 0, first = 1;

	h->n = 0;
	while (off < len) {
		q = memchr(p + off, '\n', len - off);
		eol = q ? (size_t)(q - p) + 1 : len;
		if (first) {
			h->crlf = eol >= off + 2 && p[eol - 1] == '\n' &&
			    p[eol - 2] == '\r';
			first = 0;
		}
		if ((p[off] == ' ' || p[off] == '\t') && infield) {
			h->f[h->n - 1].len = eol - h->f[h->n - 1].off;
		} else if ((nl = field_name(p + off, eol - off, &colon)) > 0) {
			add_field(h, off, nl, off + colon + 1);
			h->f[h->n - 1].len = eol - off;
			infield = 1;
		} else {
			infield = 0;	/* not a field: kept, but indexed nowhere */
		}
		off = eol;
	}
}

void
hdr_parse(struct hdr *h, const char *p, size_t len)
{
	buf_reset(&h->raw);
	buf_add(&h->raw, p, len);
	hdr_index(h);
}

static int
name_is(const struct hdr *h, size_t i, const char *name)
{
	return ascii_casecmp_n(h->raw.data + h->f[i].off, h->f[i].namelen,
	    name) == 0;
}

size_t
hdr_find(const struct hdr *h, const char *name, size_t from)
{
	size_t i, len = strlen(name);

	for (i = from; i < h->n; i++)
		if (h->f[i].namelen == len && ascii_strncasecmp(h->raw.data +
		    h->f[i].off, name, len) == 0)
			return i;
	return HDR_NONE;
}

const char *
hdr_name(const struct hdr *h, size_t i, size_t *len)
{
	*len = h->f[i].namelen;
	return h->raw.data + h->f[i].off;
}

const char *
hdr_rawvalue(const struct hdr *h, size_t i, size_t *len)
{
	const struct hfield *f = &h->f[i];
	size_t end = f->off + f->len;
	const char *p = h->raw.data;

	if (end > f->valoff && p[end - 1] == '\n') {
		end--;
		if (end > f->valoff && p[end - 1] == '\r')
			end--;
	}
	*len = end - f->valoff;
	return p + f->valoff;
}

/*
 * Unfolding (RFC 5322 §2.2.3): a CRLF (or LF) followed by WSP is removed.
 * Leading and trailing white space of the value goes too.
 */
void
hdr_unfold(struct buf *out, const char *s, size_t len)
{
	size_t i = 0, start, end;

	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	    s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
	    s[i] == '\n'))
		i++;
	buf_reserve(out, len - i);
	while (i < len) {
		const char *nl = memchr(s + i, '\n', len - i);

		start = i;
		end = nl ? (size_t)(nl - s) : len;
		i = nl ? end + 1 : len;
		if (nl && end > start && s[end - 1] == '\r')
			end--;
		buf_add(out, s + start, end - start);
	}
}

char *
hdr_value(const struct hdr *h, size_t i)
{
	struct buf b = BUF_INIT;
	const char *v;
	size_t len;

	v = hdr_rawvalue(h, i, &len);
	hdr_unfold(&b, v, len);
	return buf_release(&b);
}

char *
hdr_get(const struct hdr *h, const char *name)
{
	size_t i = hdr_find(h, name, 0);

	return i == HDR_NONE ? NULL : hdr_value(h, i);
}

/* Append "name: value" and the block's line ending to b. */
static void
add_line(const struct hdr *h, struct buf *b, const char *name,
    const char *value)
{
	buf_adds(b, name);
	buf_adds(b, ": ");
	buf_adds(b, value);
	buf_adds(b, h->crlf ? "\r\n" : "\n");
}

/* Make sure the block ends with a line ending before appending to it. */
static void
end_line(const struct hdr *h, struct buf *b)
{
	if (b->len > 0 && b->data[b->len - 1] != '\n')
		buf_adds(b, h->crlf ? "\r\n" : "\n");
}

void
hdr_prepend(struct hdr *h, const char *name, const char *value)
{
	struct buf b = BUF_INIT;

	add_line(h, &b, name, value);
	buf_add(&b, h->raw.data, h->raw.len);
	buf_free(&h->raw);
	h->raw = b;
	hdr_index(h);
}

void
hdr_append(struct hdr *h, const char *name, const char *value)
{
	end_line(h, &h->raw);
	add_line(h, &h->raw, name, value);
	hdr_index(h);
}

/* Rebuild raw without the fields whose index is marked in drop[]. */
static void
hdr_drop(struct hdr *h, const unsigned char *drop)
{
	struct buf b = BUF_INIT;
	size_t i, off = 0;

	for (i = 0; i < h->n; i++) {
		if (!drop[i])
			continue;
		buf_add(&b, h->raw.data + off, h->f[i].off - off);
		off = h->f[i].off + h->f[i].len;
	}
	buf_add(&b, h->raw.data + off, h->raw.len - off);
	buf_free(&h->raw);
	h->raw = b;
	hdr_index(h);
}

/* Mark the fields named name from index from on; returns the count. */
static size_t
mark(const struct hdr *h, const char *name, size_t from, unsigned char *drop)
{
	size_t i, count = 0;

	for (i = from; i < h->n; i++)
		if (name_is(h, i, name)) {
			drop[i] = 1;
			count++;
		}
	return count;
}

size_t
hdr_remove(struct hdr *h, const char *name)
{
	unsigned char *drop;
	size_t count;

	if (h->n == 0)
		return 0;
	drop = xcalloc(h->n, 1);
	if ((count = mark(h, name, 0, drop)) > 0)
		hdr_drop(h, drop);
	free(drop);
	return count;
}

void
hdr_set(struct hdr *h, const char *name, const char *value)
{
	struct buf b = BUF_INIT;
	unsigned char *drop;
	size_t first = hdr_find(h, name, 0), end;

	if (first == HDR_NONE) {
		hdr_append(h, name, value);
		return;
	}
	drop = xcalloc(h->n, 1);
	if (mark(h, name, first + 1, drop) > 0)
		hdr_drop(h, drop);
	free(drop);
	end = h->f[first].off + h->f[first].len;
	buf_add(&b, h->raw.data, h->f[first].off);
	add_line(h, &b, name, value);
	buf_add(&b, h->raw.data + end, h->raw.len - end);
	buf_free(&h->raw);
	h->raw = b;
	hdr_index(h);
}
