/*
 * mime: the MIME tree of a message in memory (RFC 2045, RFC 2046),
 * quoted-printable and base64 (RFC 2045 §6.7, §6.8), parameters with
 * RFC 2231 continuations and charsets, text parts to UTF-8.
 *
 * The walk records offsets only: a part costs one entry in an array,
 * its number, its type and, when present, its charset and filename.
 * Bodies are decoded on request.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hdr.h"
#include "mime.h"
#include "rfc2047.h"
#include "util.h"

#define MAXSEGMENT	9999	/* highest RFC 2231 continuation number taken */
#define NAME_MAXLEN	255	/* longest name mime_safe_filename returns */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 'a' - 'A' : c;
}

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/* RFC 2045 §5.1: token characters (no SPACE, CTLs or tspecials). */
static int
is_token(int c)
{
	if (c <= ' ' || c >= 127)
		return 0;
	return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* ------------------------------------------------------ quoted-printable */

/*
 * Decode quoted-printable into o (which has room for len bytes: decoding
 * never grows), or only count when o is NULL.  Returns the length.
 */
static size_t
qp_run(const char *in, size_t len, char *o)
{
	size_t i = 0, j, n = 0;
	int h, l;

	while (i < len) {
		unsigned char c = (unsigned char)in[i];

		if (c == '=') {
			h = i + 2 < len ? hexval((unsigned char)in[i + 1]) : -1;
			l = h >= 0 ? hexval((unsigned char)in[i + 2]) : -1;
			if (l >= 0) {
				if (o)
					o[n] = (char)(h << 4 | l);
				n++;
				i += 3;
				continue;
			}
			/* A soft line break: "=", transport padding, EOL. */
			for (j = i + 1; j < len && is_wsp(in[j]); j++)
				;
			if (j == len || in[j] == '\n') {
				i = j < len ? j + 1 : len;
				continue;
			}
			if (in[j] == '\r' &&
			    (j + 1 == len || in[j + 1] == '\n')) {
				i = j + 2 < len ? j + 2 : len;
				continue;
			}
			/* A bad escape stays as written. */
			if (o)
				o[n] = '=';
			n++;
			i++;
			continue;
		}
		if (is_wsp(c)) {
			/* White space at the end of a line was added in
			 * transport (RFC 2045 §6.7 rule 3). */
			for (j = i; j < len && is_wsp(in[j]); j++)
				;
			if (j == len || in[j] == '\n' || (in[j] == '\r' &&
			    j + 1 < len && in[j + 1] == '\n')) {
				i = j;
				continue;
			}
			if (o)
				memcpy(o + n, in + i, j - i);
			n += j - i;
			i = j;
			continue;
		}
		if (o)
			o[n] = (char)c;
		n++;
		i++;
	}
	return n;
}

void
qp_decode(struct buf *out, const char *in, size_t len)
{
	buf_reserve(out, len);
	out->len += qp_run(in, len, out->data + out->len);
	out->data[out->len] = '\0';
}

/*
 * Must byte i of in be encoded at column col?  Besides '=', controls and
 * 8-bit bytes: white space at the end of a line, and (RFC 2049 §3) "From "
 * and "." at the start of one.
 */
static int
qp_must(const unsigned char *in, size_t len, size_t i, size_t col, int binary)
{
	unsigned char c = in[i];

	if (c == '=' || c > 126)
		return 1;
	if (is_wsp(c)) {
		if (i + 1 == len)
			return 1;
		if (!binary && (in[i + 1] == '\n' || (in[i + 1] == '\r' &&
		    i + 2 < len && in[i + 2] == '\n')))
			return 1;
		return 0;
	}
	if (c < 32 || c == 127)
		return 1;
	if (col == 0 && c == '.')
		return 1;
	if (col == 0 && c == 'F' && len - i >= 5 &&
	    memcmp(in + i, "From ", 5) == 0)
		return 1;
	return 0;
}

void
qp_encode(struct buf *out, const void *vin, size_t len, int binary)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *in = vin;
	size_t i, col = 0;
	int enc;

	buf_reserve(out, len + len / 8);
	for (i = 0; i < len; i++) {
		if (!binary && in[i] == '\n') {
			buf_addc(out, '\n');
			col = 0;
			continue;
		}
		if (!binary && in[i] == '\r' && i + 1 < len &&
		    in[i + 1] == '\n') {
			buf_addc(out, '\n');
			col = 0;
			i++;
			continue;
		}
		enc = qp_must(in, len, i, col, binary);
		if (col + (enc ? 3 : 1) > 75) {
			buf_add(out, "=\n", 2);
			col = 0;
			enc = qp_must(in, len, i, col, binary);
		}
		if (enc) {
			buf_addc(out, '=');
			buf_addc(out, hex[in[i] >> 4]);
			buf_addc(out, hex[in[i] & 15]);
			col += 3;
		} else {
			buf_addc(out, in[i]);
			col++;
		}
	}
}

/* ---------------------------------------------------------------- base64 */

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static signed char b64tab[256];
static int b64ready;

static void
b64_init(void)
{
	int i;

	if (b64ready)
		return;
	b64ready = 1;
	memset(b64tab, -1, sizeof(b64tab));
	for (i = 0; i < 64; i++)
		b64tab[(unsigned char)b64chars[i]] = (signed char)i;
}

/*
 * Decode base64 into o (room for len * 3 / 4 + 3 bytes), or only count
 * when o is NULL.  Characters outside the alphabet are skipped; "=" ends
 * a group, whatever its length.  Returns the length.
 */
static size_t
b64_run(const char *in, size_t len, char *o)
{
	size_t i, n = 0;
	unsigned long acc = 0;
	int k = 0, v;

	b64_init();
	for (i = 0; i < len; i++) {
		v = b64tab[(unsigned char)in[i]];
		if (v >= 0) {
			acc = acc << 6 | (unsigned long)v;
			if (++k == 4) {
				if (o) {
					o[n] = (char)(acc >> 16);
					o[n + 1] = (char)(acc >> 8);
					o[n + 2] = (char)acc;
				}
				n += 3;
				k = 0;
				acc = 0;
			}
			continue;
		}
		if (in[i] != '=' || k == 0)
			continue;
		/* End of a group: 2 characters make 1 byte, 3 make 2. */
		if (k == 2 && o)
			o[n] = (char)(acc >> 4);
		if (k == 3 && o) {
			o[n] = (char)(acc >> 10);
			o[n + 1] = (char)(acc >> 2);
		}
		n += k - 1;
		k = 0;
		acc = 0;
	}
	if (k == 2 && o)
		o[n] = (char)(acc >> 4);
	if (k == 3 && o) {
		o[n] = (char)(acc >> 10);
		o[n + 1] = (char)(acc >> 2);
	}
	if (k >= 2)
		n += k - 1;
	return n;
}

void
b64_decode(struct buf *out, const char *in, size_t len)
{
	buf_reserve(out, len / 4 * 3 + 3);
	out->len += b64_run(in, len, out->data + out->len);
	out->data[out->len] = '\0';
}

void
b64_encode(struct buf *out, const void *vin, size_t len, size_t linelen)
{
	const unsigned char *in = vin;
	size_t i, col = 0, groups;
	unsigned long v;
	char *o;

	if (linelen != 0)
		linelen = linelen < 4 ? 4 : linelen / 4 * 4;
	groups = len / 3 + (len % 3 != 0);
	if (groups > (SIZE_MAX - 2) / 6)
		mk_errx(70, "b64_encode: input too large");
	buf_reserve(out, groups * 6 + 2);	/* 4 per group, line breaks */
	o = out->data + out->len;
	for (i = 0; i < len; i += 3) {
		v = (unsigned long)in[i] << 16;
		if (i + 1 < len)
			v |= (unsigned long)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		*o++ = b64chars[v >> 18 & 63];
		*o++ = b64chars[v >> 12 & 63];
		*o++ = i + 1 < len ? b64chars[v >> 6 & 63] : '=';
		*o++ = i + 2 < len ? b64chars[v & 63] : '=';
		col += 4;
		if (linelen != 0 && col >= linelen) {
			*o++ = '\n';
			col = 0;
		}
	}
	if (linelen != 0 && col > 0)
		*o++ = '\n';
	out->len = (size_t)(o - out->data);
	out->data[out->len] = '\0';
}

/* ------------------------------------------------------------ parameters */

/* Index after the quoted string opening at s[i] (or len if unclosed). */
static size_t
skip_quoted(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return len;
}

/* Index after the comment opening at s[i]; comments nest (RFC 5322 §3.2.2). */
static size_t
skip_comment(const char *s, size_t len, size_t i)
{
	size_t depth = 0;

	for (; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return i + 1;
	}
	return len;
}

/* Skip white space (folding included) and comments. */
static size_t
skip_cfws(const char *s, size_t len, size_t i)
{
	while (i < len) {
		if (is_wsp(s[i]) || s[i] == '\r' || s[i] == '\n')
			i++;
		else if (s[i] == '(')
			i = skip_comment(s, len, i);
		else
			break;
	}
	return i;
}

/* Index of the next ';' outside quoted strings and comments, or len. */
static size_t
skip_value(const char *s, size_t len, size_t i)
{
	while (i < len && s[i] != ';') {
		if (s[i] == '"')
			i = skip_quoted(s, len, i);
		else if (s[i] == '(')
			i = skip_comment(s, len, i);
		else
			i++;
	}
	return i;
}

struct param {
	const char	*attr;
	size_t		 alen;
	const char	*val;		/* inside the quotes when quoted */
	size_t		 vlen;
	int		 quoted;
};

/*
 * The next "attribute=value" at or after *ip (RFC 2045 §5.1).  Lenient:
 * a value that is not a token runs to the next ';'.
 */
static int
param_next(const char *s, size_t len, size_t *ip, struct param *p)
{
	size_t i = *ip, a0, e;

	for (;;) {
		if (i < len && s[i] == ';')
			i++;
		i = skip_cfws(s, len, i);
		if (i >= len)
			return 0;
		if (s[i] == ';')
			continue;
		a0 = i;
		while (i < len && s[i] != '=' && s[i] != ';' && s[i] != '"' &&
		    s[i] != '(' && !is_wsp(s[i]) && s[i] != '\r' &&
		    s[i] != '\n')
			i++;
		p->attr = s + a0;
		p->alen = i - a0;
		i = skip_cfws(s, len, i);
		if (p->alen == 0 || i >= len || s[i] != '=') {
			i = skip_value(s, len, i);
			continue;
		}
		i = skip_cfws(s, len, i + 1);
		if (i < len && s[i] == '"') {
			for (e = i + 1; e < len && s[e] != '"'; e++)
				if (s[e] == '\\' && e + 1 < len)
					e++;
			p->val = s + i + 1;
			p->vlen = e - i - 1;
			p->quoted = 1;
			i = skip_value(s, len, e < len ? e + 1 : len);
		} else {
			p->val = s + i;
			i = skip_value(s, len, i);
			p->vlen = i - (size_t)(p->val - s);
			p->quoted = 0;
		}
		*ip = i;
		return 1;
	}
}

/*
 * Append the text of a value: quoted, with \" and \\ undone (other
 * backslashes stay, for unescaped Windows paths) and line breaks of
 * folding removed; unquoted, with comments after white space dropped
 * and the ends trimmed.
 */
static void
value_text(struct buf *out, const struct param *p)
{
	const char *v = p->val;
	size_t i, n = p->vlen, ws = 0;

	if (p->quoted) {
		for (i = 0; i < n; i++) {
			if (v[i] == '\\' && i + 1 < n &&
			    (v[i + 1] == '"' || v[i + 1] == '\\'))
				i++;
			else if (v[i] == '\r' || v[i] == '\n')
				continue;
			buf_addc(out, v[i]);
		}
		return;
	}
	for (i = 0; i < n; ) {
		if (v[i] == '\r' || v[i] == '\n') {
			i++;
		} else if (is_wsp(v[i])) {
			ws++;
			i++;
		} else if (v[i] == '(' && (i == 0 || ws > 0 ||
		    is_wsp(v[i - 1]))) {
			i = skip_comment(v, n, i);
		} else {
			if (ws > 0 && out->len > 0)
				buf_addc(out, ' ');
			ws = 0;
			buf_addc(out, v[i]);
			i++;
		}
	}
}

/* Append s with %XX decoded (RFC 2231 §4); a bad escape stays. */
static void
percent_decode(struct buf *out, const char *s, size_t len)
{
	size_t i;
	int h, l;

	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len &&
		    (h = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (l = hexval((unsigned char)s[i + 2])) >= 0) {
			buf_addc(out, h << 4 | l);
			i += 2;
		} else {
			buf_addc(out, s[i]);
		}
	}
}

/*
 * An RFC 2231 extended value "charset'language'text": the charset goes
 * to cs (empty when there is none), the decoded text to out.
 */
static void
ext_value(struct buf *out, struct buf *cs, const char *s, size_t len)
{
	const char *q1, *q2;

	if (len == 0)
		return;
	q1 = memchr(s, '\'', len);
	q2 = q1 ? memchr(q1 + 1, '\'', len - (size_t)(q1 + 1 - s)) : NULL;
	if (q2 != NULL) {
		if (cs)
			buf_add(cs, s, (size_t)(q1 - s));
		len -= (size_t)(q2 + 1 - s);
		s = q2 + 1;
	}
	percent_decode(out, s, len);
}

struct segment {
	unsigned	 n;		/* continuation number */
	size_t		 order;		/* place in the field: first wins */
	int		 encoded;	/* name*N*= */
	struct param	 p;
};

static int
segcmp(const void *a, const void *b)
{
	const struct segment *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Join RFC 2231 continuations (§3): segments 0, 1, ... in order of
 * number, up to the first gap.  Returns 1 if there was a segment 0.
 */
static int
join_segments(struct buf *out, struct buf *cs, struct segment *seg, size_t n)
{
	struct buf tmp = BUF_INIT;
	unsigned want = 0;
	size_t i;

	qsort(seg, n, sizeof(*seg), segcmp);
	for (i = 0; i < n; i++) {
		if (seg[i].n < want)
			continue;	/* a duplicate */
		if (seg[i].n > want)
			break;
		buf_reset(&tmp);
		value_text(&tmp, &seg[i].p);
		if (!seg[i].encoded)
			buf_add(out, tmp.data, tmp.len);
		else if (want == 0)
			ext_value(out, cs, tmp.data, tmp.len);
		else
			percent_decode(out, tmp.data, tmp.len);
		want++;
	}
	buf_free(&tmp);
	return want > 0;
}

/*
 * Match attribute a against name: 1 plain "name", 2 "name*", 3 a
 * continuation "name*N" or "name*N*" (number and encoding returned), 0 no.
 */
static int
attr_match(const struct param *a, const char *name, size_t nlen, unsigned *num,
    int *encoded)
{
	const char *r;
	size_t i, rlen;
	unsigned long v = 0;

	if (a->alen < nlen || ascii_strncasecmp(a->attr, name, nlen) != 0)
		return 0;
	r = a->attr + nlen;
	rlen = a->alen - nlen;
	if (rlen == 0)
		return 1;
	if (r[0] != '*')
		return 0;
	if (rlen == 1)
		return 2;
	*encoded = r[rlen - 1] == '*';
	if (*encoded)
		rlen--;
	if (rlen < 2)
		return 0;
	for (i = 1; i < rlen; i++) {
		if (r[i] < '0' || r[i] > '9')
			return 0;
		v = v * 10 + (unsigned long)(r[i] - '0');
		if (v > MAXSEGMENT)
			return 0;
	}
	*num = (unsigned)v;
	return 3;
}

/* Return s as a C string (cut at a NUL) and free it. */
static char *
release_cstr(struct buf *b)
{
	char *s = xstrdup(buf_cstr(b));

	buf_free(b);
	return s;
}

static char *
param_get(const char *s, size_t len, const char *name, int raw)
{
	struct segment *seg = NULL;
	struct param p, plain, ext;
	struct buf val = BUF_INIT, cs = BUF_INIT, u = BUF_INIT;
	size_t i, nlen = strlen(name), nseg = 0, segcap = 0, order = 0;
	int have_plain = 0, have_ext = 0, have_seg0 = 0, kind, encoded = 0;
	unsigned num = 0;
	char *r;

	i = skip_value(s, len, 0);	/* the type or disposition */
	while (param_next(s, len, &i, &p)) {
		order++;
		kind = attr_match(&p, name, nlen, &num, &encoded);
		if (kind == 1 && !have_plain) {
			plain = p;
			have_plain = 1;
		} else if (kind == 2 && !have_ext) {
			ext = p;
			have_ext = 1;
		} else if (kind == 3) {
			if (nseg == segcap) {
				segcap = segcap ? segcap * 2 : 8;
				seg = xreallocarray(seg, segcap, sizeof(*seg));
			}
			seg[nseg].n = num;
			seg[nseg].order = order;
			seg[nseg].encoded = encoded;
			seg[nseg].p = p;
			have_seg0 |= num == 0;
			nseg++;
		}
	}
	if (have_seg0) {
		join_segments(&val, &cs, seg, nseg);
	} else if (have_ext) {
		value_text(&u, &ext);
		ext_value(&val, &cs, u.data, u.len);
	} else if (have_plain) {
		value_text(&val, &plain);
		free(seg);
		if (raw)
			return release_cstr(&val);
		r = rfc2047_decode(buf_cstr(&val), val.len);
		buf_free(&val);
		return r;
	} else {
		free(seg);
		return NULL;
	}
	free(seg);
	buf_free(&u);
	if (raw) {
		buf_free(&cs);
		return release_cstr(&val);
	}
	/* RFC 2231 §4: the charset applies to the joined value. */
	if (cs.len == 0 || charset_to_utf8(&u, buf_cstr(&cs), buf_cstr(&val),
	    val.len) == -1) {
		buf_reset(&u);
		if (charset_to_utf8(&u, "unknown-8bit", buf_cstr(&val),
		    val.len) == -1)
			buf_add(&u, val.data, val.len);
	}
	buf_reset(&val);
	utf8_sanitize(&val, buf_cstr(&u), u.len);
	buf_free(&u);
	buf_free(&cs);
	return release_cstr(&val);
}

char *
mime_param(const char *value, size_t len, const char *name)
{
	return param_get(value, len, name, 0);
}

char *
mime_param_raw(const char *value, size_t len, const char *name)
{
	return param_get(value, len, name, 1);
}

/* -------------------------------------------------------------- the walk */

struct walk {
	struct mime_tree *t;
	const char	*m;
	struct hdr	 h;
	struct buf	 num;
};

/*
 * Split the entity m[off, end) into header and body.  The header ends at
 * a blank line, or at a line that is neither a field nor a continuation
 * (then the body starts on that line; with no header at all the body
 * starts at once).  The same rule as msg.c's.
 */
static void
split_header(struct mime_part *pt, const char *m, size_t off, size_t end)
{
	size_t p = off, eol, l;
	const char *q;

	pt->hdroff = off;
	while (p < end) {
		q = memchr(m + p, '\n', end - p);
		eol = q ? (size_t)(q - m) + 1 : end;
		l = eol - p - (q != NULL);
		if (l > 0 && m[p + l - 1] == '\r')
			l--;
		if (l == 0) {
			pt->hdrlen = p - off;
			pt->bodyoff = eol;
			pt->bodylen = end - eol;
			return;
		}
		if (!is_wsp(m[p]) && !hdr_is_field(m + p, l)) {
			if (p == off)
				pt->flags |= MIME_F_NOHEADER;
			pt->hdrlen = p - off;
			pt->bodyoff = p;
			pt->bodylen = end - p;
			return;
		}
		p = eol;
	}
	pt->hdrlen = end - off;
	pt->bodyoff = end;
	pt->bodylen = 0;
}

/* The raw value of field name in the part header, as offsets into m. */
static int
field(struct walk *w, const struct mime_part *pt, const char *name,
    size_t *off, size_t *len)
{
	size_t i = hdr_find(&w->h, name, 0);
	const char *v;

	if (i == HDR_NONE)
		return 0;
	v = hdr_rawvalue(&w->h, i, len);
	*off = pt->hdroff + (size_t)(v - w->h.raw.data);
	return 1;
}

/* The first token of a field value, lowercased into a small buffer. */
static size_t
first_token(const char *v, size_t len, char *tok, size_t toksz)
{
	size_t i = skip_cfws(v, len, 0), n = 0;

	for (; i < len && is_token((unsigned char)v[i]); i++)
		if (n + 1 < toksz)
			tok[n++] = (char)lower((unsigned char)v[i]);
	tok[n] = '\0';
	return n;
}

/* "type/subtype" (RFC 2045 §5.1) into one allocation; 0 when invalid. */
static int
parse_type(struct mime_part *pt, const char *v, size_t len)
{
	size_t i, t0, tl, s0, sl, k;
	char *s;

	i = skip_cfws(v, len, 0);
	for (t0 = i; i < len && is_token((unsigned char)v[i]); i++)
		;
	tl = i - t0;
	i = skip_cfws(v, len, i);
	if (tl == 0 || i >= len || v[i] != '/')
		return 0;
	i = skip_cfws(v, len, i + 1);
	for (s0 = i; i < len && is_token((unsigned char)v[i]); i++)
		;
	sl = i - s0;
	if (sl == 0)
		return 0;
	s = xmalloc(tl + sl + 2);
	for (k = 0; k < tl; k++)
		s[k] = (char)lower((unsigned char)v[t0 + k]);
	s[tl] = '\0';
	for (k = 0; k < sl; k++)
		s[tl + 1 + k] = (char)lower((unsigned char)v[s0 + k]);
	s[tl + 1 + sl] = '\0';
	pt->type = s;
	pt->subtype = s + tl + 1;
	return 1;
}

static void
default_type(struct mime_part *pt, int digest)
{
	const char *d = digest ? "message\0rfc822" : "text\0plain";
	size_t tl = strlen(d);

	pt->type = xmemdup(d, tl + 1 + strlen(d + tl + 1) + 1);
	pt->subtype = pt->type + tl + 1;
	pt->flags |= MIME_F_DEFTYPE;
}

static enum mime_enc
parse_cte(const char *v, size_t len)
{
	char tok[20];

	if (first_token(v, len, tok, sizeof(tok)) == 0)
		return MIME_7BIT;
	if (strcmp(tok, "7bit") == 0)
		return MIME_7BIT;
	if (strcmp(tok, "8bit") == 0)
		return MIME_8BIT;
	if (strcmp(tok, "binary") == 0)
		return MIME_BINARY;
	if (strcmp(tok, "quoted-printable") == 0)
		return MIME_QP;
	if (strcmp(tok, "base64") == 0)
		return MIME_BASE64;
	return MIME_ENC_OTHER;
}

static enum mime_disp
parse_disp(const char *v, size_t len)
{
	char tok[12];

	first_token(v, len, tok, sizeof(tok));
	if (strcmp(tok, "inline") == 0)
		return MIME_DISP_INLINE;
	if (strcmp(tok, "attachment") == 0)
		return MIME_DISP_ATTACHMENT;
	return MIME_DISP_OTHER;
}

static char *
lowercase_trim(char *s)
{
	size_t i, n, b = 0;

	n = strlen(s);
	while (n > 0 && (is_wsp(s[n - 1])))
		n--;
	while (b < n && is_wsp(s[b]))
		b++;
	for (i = b; i < n; i++)
		s[i - b] = (char)lower((unsigned char)s[i]);
	s[n - b] = '\0';
	return s;
}

/* Read the fields of a part that mime_part records. */
static void
read_fields(struct walk *w, struct mime_part *pt, int digest)
{
	const char *m = w->m;
	size_t off, len;

	hdr_parse(&w->h, m + pt->hdroff, pt->hdrlen);
	if (field(w, pt, "content-type", &off, &len)) {
		pt->ctoff = off;
		pt->ctlen = len;
	}
	if (pt->ctlen == 0 || !parse_type(pt, m + pt->ctoff, pt->ctlen))
		default_type(pt, digest);
	if (field(w, pt, "content-transfer-encoding", &off, &len))
		pt->enc = parse_cte(m + off, len);
	if (field(w, pt, "content-disposition", &off, &len)) {
		pt->cdoff = off;
		pt->cdlen = len;
		pt->disp = parse_disp(m + off, len);
	}
	if (pt->ctlen > 0)
		pt->charset = mime_param_raw(m + pt->ctoff, pt->ctlen,
		    "charset");
	if (pt->charset != NULL && *lowercase_trim(pt->charset) == '\0') {
		free(pt->charset);
		pt->charset = NULL;
	}
	if (pt->charset == NULL && strcmp(pt->type, "text") == 0)
		pt->charset = xstrdup("us-ascii");
	if (pt->cdlen > 0)
		pt->filename = mime_param(m + pt->cdoff, pt->cdlen, "filename");
	if (pt->filename == NULL && pt->ctlen > 0)
		pt->filename = mime_param(m + pt->ctoff, pt->ctlen, "name");
	if (pt->filename != NULL && *pt->filename == '\0') {
		free(pt->filename);
		pt->filename = NULL;
	}
}

/* A new part at the end of the tree, or MIME_NONE past MIME_MAXPARTS. */
static size_t
new_part(struct walk *w, size_t parent, int depth)
{
	struct mime_tree *t = w->t;
	struct mime_part *pt;

	if (t->n >= MIME_MAXPARTS) {
		if (parent != MIME_NONE)
			t->part[parent].flags |= MIME_F_TOOMANY;
		return MIME_NONE;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->part = xreallocarray(t->part, t->cap, sizeof(*t->part));
	}
	pt = &t->part[t->n];
	memset(pt, 0, sizeof(*pt));
	pt->parent = parent;
	pt->depth = depth;
	pt->enc = MIME_7BIT;
	pt->disp = MIME_DISP_NONE;
	if (parent != MIME_NONE)
		t->part[parent].nchild++;
	return t->n++;
}

/*
 * Is m[y, e) right after "--boundary" the rest of a delimiter line
 * (RFC 2046 §5.1.1)?  Transport padding, then the line break; or "--"
 * for the close delimiter (anything may follow it).  *next gets the
 * start of the following line.
 */
static int
delim_tail(const char *m, size_t y, size_t e, size_t *next, int *close)
{
	const char *q;

	*close = 0;
	if (y + 1 < e && m[y] == '-' && m[y + 1] == '-') {
		*close = 1;
		q = memchr(m + y, '\n', e - y);
		*next = q ? (size_t)(q - m) + 1 : e;
		return 1;
	}
	while (y < e && is_wsp(m[y]))
		y++;
	if (y == e) {
		*next = e;
		return 1;
	}
	if (m[y] == '\n') {
		*next = y + 1;
		return 1;
	}
	if (m[y] == '\r' && (y + 1 == e || m[y + 1] == '\n')) {
		*next = y + 1 == e ? e : y + 2;
		return 1;
	}
	return 0;
}

/*
 * Find the next delimiter line in the body m[b, e) at or after from
 * (a line start).  needle is "\n--boundary" (nl bytes).  Returns the
 * offset of its "--", or MIME_NONE.  A boundary that is a prefix of
 * another does not match the longer one: the rest of the line must be
 * padding or "--".
 */
static size_t
find_delim(const char *m, size_t b, size_t e, size_t from, const char *needle,
    size_t nl, size_t *next, int *close)
{
	const char *q;
	size_t p;

	if (from == b && e - b >= nl - 1 && memcmp(m + b, needle + 1,
	    nl - 1) == 0 && delim_tail(m, b + nl - 1, e, next, close))
		return b;
	p = from > b ? from - 1 : b;
	while (p < e) {
		q = memmem(m + p, e - p, needle, nl);
		if (q == NULL)
			return MIME_NONE;
		p = (size_t)(q - m) + 1;
		if (delim_tail(m, p + nl - 1, e, next, close))
			return p;
	}
	return MIME_NONE;
}

static void parse_entity(struct walk *, size_t, size_t, int, size_t,
    const char *, int, int);

/* The number of child k of a part numbered num. */
static const char *
child_num(struct walk *w, const char *num, size_t k)
{
	buf_reset(&w->num);
	if (*num == '\0')
		buf_printf(&w->num, "%zu", k);
	else
		buf_printf(&w->num, "%s.%zu", num, k);
	return w->num.data;
}

/* The parts of multipart idx (RFC 2046 §5.1). */
static void
parse_multipart(struct walk *w, size_t idx, const char *boundary)
{
	const char *m = w->m;
	struct mime_part *pt = &w->t->part[idx];
	size_t b = pt->bodyoff, e = pt->bodyoff + pt->bodylen;
	size_t blen = strlen(boundary), nl = blen + 3, x, start, pend, next = 0;
	size_t k = 0;
	int depth = pt->depth, digest, close;
	char *needle, *num;

	digest = strcmp(pt->subtype, "digest") == 0;
	needle = xmalloc(nl + 1);
	needle[0] = '\n';
	needle[1] = needle[2] = '-';
	memcpy(needle + 3, boundary, blen + 1);
	num = xstrdup(pt->num);
	x = find_delim(m, b, e, b, needle, nl, &start, &close);
	if (x == MIME_NONE)
		w->t->part[idx].flags |= MIME_F_BROKEN;
	while (x != MIME_NONE && !close) {
		if (w->t->n >= MIME_MAXPARTS) {
			w->t->part[idx].flags |= MIME_F_TOOMANY;
			break;
		}
		x = find_delim(m, b, e, start, needle, nl, &next, &close);
		pend = e;
		if (x != MIME_NONE) {
			/* The line break before a delimiter is part of it. */
			pend = x;
			if (pend > start && m[pend - 1] == '\n')
				pend--;
			if (pend > start && m[pend - 1] == '\r')
				pend--;
		}
		parse_entity(w, start, pend, depth + 1, idx,
		    child_num(w, num, ++k), 0, digest);
		if (x == MIME_NONE)
			w->t->part[idx].flags |= MIME_F_NOCLOSE;
		start = next;
	}
	free(num);
	free(needle);
}

/*
 * Parse the entity m[off, end) as part of parent at depth.  num is its
 * number; when msgroot, num is the number of the message it is the top
 * of, and the part takes num if multipart, else num.1 (or 1 at the top).
 */
static void
parse_entity(struct walk *w, size_t off, size_t end, int depth, size_t parent,
    const char *num, int msgroot, int digest)
{
	struct mime_part *pt;
	size_t idx;
	char *boundary;
	int multi;

	if ((idx = new_part(w, parent, depth)) == MIME_NONE)
		return;
	pt = &w->t->part[idx];
	split_header(pt, w->m, off, end);
	read_fields(w, pt, digest);
	multi = strcmp(pt->type, "multipart") == 0;
	if (!msgroot || multi)
		pt->num = xstrdup(num);
	else if (*num == '\0')
		pt->num = xstrdup("1");
	else
		pt->num = xasprintf("%s.1", num);

	if (multi) {
		boundary = pt->ctlen ? mime_param_raw(w->m + pt->ctoff,
		    pt->ctlen, "boundary") : NULL;
		if (boundary == NULL || *boundary == '\0')
			pt->flags |= MIME_F_BROKEN;
		else if (depth >= MIME_MAXDEPTH)
			pt->flags |= MIME_F_DEEP;
		else
			parse_multipart(w, idx, boundary);
		free(boundary);
	} else if (strcmp(pt->type, "message") == 0 &&
	    (strcmp(pt->subtype, "rfc822") == 0 ||
	    strcmp(pt->subtype, "global") == 0) && pt->bodylen > 0) {
		if (pt->enc != MIME_7BIT && pt->enc != MIME_8BIT &&
		    pt->enc != MIME_BINARY)
			pt->flags |= MIME_F_ENCODED;
		else if (depth >= MIME_MAXDEPTH)
			pt->flags |= MIME_F_DEEP;
		else {
			char *pnum = xstrdup(pt->num);

			parse_entity(w, pt->bodyoff, pt->bodyoff + pt->bodylen,
			    depth + 1, idx, pnum, 1, 0);
			free(pnum);
		}
	}
}

int
mime_parse(struct mime_tree *t, const char *msg, size_t len)
{
	struct walk w;
	size_t off = 0;
	const char *q;

	t->part = NULL;
	t->n = t->cap = 0;
	w.t = t;
	w.m = msg;
	hdr_init(&w.h);
	buf_init(&w.num);
	if (len >= 5 && memcmp(msg, "From ", 5) == 0) {
		q = memchr(msg, '\n', len);
		off = q ? (size_t)(q - msg) + 1 : len;
	}
	parse_entity(&w, off, len, 0, MIME_NONE, "", 1, 0);
	hdr_free(&w.h);
	buf_free(&w.num);
	return 0;
}

void
mime_free(struct mime_tree *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->part[i].num);
		free(t->part[i].type);
		free(t->part[i].charset);
		free(t->part[i].filename);
	}
	free(t->part);
	t->part = NULL;
	t->n = t->cap = 0;
}

const struct mime_part *
mime_find(const struct mime_tree *t, const char *num)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->part[i].num, num) == 0)
			return &t->part[i];
	return NULL;
}

const struct mime_part *
mime_first_text(const struct mime_tree *t)
{
	const struct mime_part *p;
	size_t i;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < t->n; i++) {
			p = &t->part[i];
			if (p->nchild > 0 || strcmp(p->type, "text") != 0 ||
			    p->disp == MIME_DISP_ATTACHMENT)
				continue;
			if (pass == 1 || strcmp(p->subtype, "plain") == 0)
				return p;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------- decoding */

int
mime_decode_body(const struct mime_part *p, const char *msg, struct buf *out)
{
	const char *b = msg + p->bodyoff;

	if (p->enc == MIME_QP)
		qp_decode(out, b, p->bodylen);
	else if (p->enc == MIME_BASE64)
		b64_decode(out, b, p->bodylen);
	else
		buf_add(out, b, p->bodylen);
	return 0;
}

size_t
mime_decoded_size(const struct mime_part *p, const char *msg)
{
	if (p->enc == MIME_QP)
		return qp_run(msg + p->bodyoff, p->bodylen, NULL);
	if (p->enc == MIME_BASE64)
		return b64_run(msg + p->bodyoff, p->bodylen, NULL);
	return p->bodylen;
}

/* Turn CRLF (and CR CR LF...) into LF in out from offset start on. */
static void
crlf_to_lf(struct buf *out, size_t start)
{
	char *s = out->data, *r, *end;
	size_t w;

	if (out->len <= start)
		return;
	r = memchr(s + start, '\r', out->len - start);
	if (r == NULL)
		return;
	w = (size_t)(r - s);
	end = s + out->len;
	for (; r < end; r++) {
		if (*r == '\n')
			while (w > start && s[w - 1] == '\r')
				w--;
		s[w++] = *r;
	}
	out->len = w;
	s[w] = '\0';
}

/*
 * Transfer-decode the first inlen bytes of the body of p, keep at most
 * max bytes of the result, convert to UTF-8 (see mime_text_utf8).
 */
static int
text_conv(const struct mime_part *p, const char *msg, size_t inlen,
    size_t max, struct buf *out, int *unknown)
{
	struct buf dec = BUF_INIT;
	const char *src = msg + p->bodyoff, *cs = p->charset;
	size_t n = inlen, start = out->len;
	int cut = inlen < p->bodylen;

	if (unknown)
		*unknown = 0;
	if (p->enc == MIME_QP || p->enc == MIME_BASE64) {
		if (p->enc == MIME_QP)
			qp_decode(&dec, src, inlen);
		else
			b64_decode(&dec, src, inlen);
		src = dec.data ? dec.data : "";
		n = dec.len;
	}
	if (n > max) {
		n = max;
		cut = 1;
	}
	/* Undeclared or "us-ascii" text often holds UTF-8 all the same. */
	if (cs == NULL || strcmp(cs, "us-ascii") == 0 ||
	    strcmp(cs, "ascii") == 0)
		cs = "unknown-8bit";
	if (charset_to_utf8(out, cs, src, n) == -1) {
		if (unknown)
			*unknown = 1;
		if (charset_to_utf8(out, "unknown-8bit", src, n) == -1)
			buf_add(out, src, n);
	}
	crlf_to_lf(out, start);
	/* A character cut in two at the end comes out as U+FFFD. */
	if (cut && out->len >= start + 3 &&
	    memcmp(out->data + out->len - 3, "\xef\xbf\xbd", 3) == 0)
		buf_truncate(out, out->len - 3);
	buf_free(&dec);
	return 0;
}

int
mime_text_utf8(const struct mime_part *p, const char *msg, struct buf *out,
    int *unknown_charset)
{
	return text_conv(p, msg, p->bodylen, SIZE_MAX, out, unknown_charset);
}

int
mime_text_utf8_head(const struct mime_part *p, const char *msg, size_t max,
    struct buf *out, int *unknown_charset)
{
	size_t inlen = max;

	/* Enough encoded input for max decoded bytes, line breaks counted. */
	if (p->enc == MIME_QP)
		inlen = max > (SIZE_MAX - 128) / 4 ? SIZE_MAX : max * 4 + 128;
	else if (p->enc == MIME_BASE64)
		inlen = max > (SIZE_MAX - 128) / 2 ? SIZE_MAX : max * 2 + 128;
	if (inlen > p->bodylen)
		inlen = p->bodylen;
	return text_conv(p, msg, inlen, max, out, unknown_charset);
}

/* ------------------------------------------------------------ file names */

char *
mime_safe_filename(const char *name)
{
	struct buf b = BUF_INIT;
	const char *s, *q, *dot;
	size_t i, n, ext, cut;

	if (name == NULL)
		return NULL;
	for (s = q = name; *q != '\0'; q++)
		if (*q == '/' || *q == '\\')
			s = q + 1;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			continue;
		if (c == 0xc2 && (unsigned char)s[1] >= 0x80 &&
		    (unsigned char)s[1] <= 0x9f) {
			s++;		/* a C1 control in UTF-8 */
			continue;
		}
		buf_addc(&b, c);
	}
	for (i = 0; i < b.len && (b.data[i] == '.' || b.data[i] == '-' ||
	    is_wsp(b.data[i])); i++)
		;
	n = b.len;
	while (n > i && is_wsp(b.data[n - 1]))
		n--;
	if (n == i) {
		buf_free(&b);
		return NULL;
	}
	memmove(b.data, b.data + i, n - i);
	buf_truncate(&b, n - i);
	if (b.len > NAME_MAXLEN) {
		/* Keep a short extension; cut the rest on a character. */
		dot = strrchr(b.data, '.');
		ext = dot && b.len - (size_t)(dot - b.data) <= 32 ?
		    b.len - (size_t)(dot - b.data) : 0;
		cut = NAME_MAXLEN - ext;
		while (cut > 0 && ((unsigned char)b.data[cut] & 0xc0) == 0x80)
			cut--;
		memmove(b.data + cut, b.data + b.len - ext, ext);
		buf_truncate(&b, cut + ext);
	}
	return buf_release(&b);
}
