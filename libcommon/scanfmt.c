/*
 * scanfmt: summary lines of messages (see scanfmt.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fnmatch.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "date.h"
#include "hdr.h"
#include "mime.h"
#include "msg.h"
#include "rfc2047.h"
#include "scanfmt.h"
#include "util.h"
#include "width.h"

#define BODY_READ	262144	/* at most this much body is read for %b */

struct item {
	int	 letter;	/* 0 for literal text */
	int	 left;		/* "-" */
	size_t	 width;		/* 0: none */
	char	*arg;		/* {arg} or the literal text; may be NULL */
};

struct scan {
	struct item	*item;
	size_t		 n;
	size_t		 width;
	int		 body;		/* %b used */
	int		 size;		/* %z used */
	/* who the user is */
	int		 me_init;
	struct addrlist	 local;
	char		**alt;
	size_t		 nalt;
	char		*login;
	char		*host;
};

static void
add_item(struct scan *sc, int letter, int left, size_t width, char *arg)
{
	struct item *it;

	sc->item = xreallocarray(sc->item, sc->n + 1, sizeof(*sc->item));
	it = &sc->item[sc->n++];
	it->letter = letter;
	it->left = left;
	it->width = width;
	it->arg = arg;
}

/* Append literal text, joining it to a literal item just before. */
static void
add_lit(struct scan *sc, struct buf *lit)
{
	if (lit->len == 0)
		return;
	add_item(sc, 0, 0, 0, buf_release(lit));
}

int
scan_new(struct scan **scp, const char *format, size_t width, char **errmsg)
{
	struct scan *sc = xcalloc(1, sizeof(*sc));
	struct buf lit = BUF_INIT;
	const char *p, *q;
	char *arg;
	size_t w;
	int left;

	*scp = NULL;
	*errmsg = NULL;
	sc->width = width;
	addrlist_init(&sc->local);
	if (format == NULL)
		format = SCAN_FORMAT_DEFAULT;
	for (p = format; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			buf_addc(&lit, *p == 'n' ? '\n' : *p == 't' ? '\t' :
			    *p);
			continue;
		}
		if (*p != '%') {
			buf_addc(&lit, *p);
			continue;
		}
		q = p++;
		if (*p == '%') {
			buf_addc(&lit, '%');
			continue;
		}
		left = 0;
		if (*p == '-') {
			left = 1;
			p++;
		}
		for (w = 0; *p >= '0' && *p <= '9'; p++)
			if ((w = w * 10 + (size_t)(*p - '0')) > 10000)
				goto bad;
		arg = NULL;
		if (*p == '{') {
			const char *e = strchr(p + 1, '}');

			if (e == NULL)
				goto bad;
			arg = xstrndup(p + 1, (size_t)(e - p - 1));
			p = e + 1;
		}
		if (*p == '\0' || strchr("*abcdfhmnpstz", *p) == NULL ||
		    (*p == 'h' && (arg == NULL || *arg == '\0'))) {
			free(arg);
			goto bad;
		}
		add_lit(sc, &lit);
		add_item(sc, *p, left, w, arg);
		if (*p == 'b')
			sc->body = 1;
		if (*p == 'z')
			sc->size = 1;
	}
	add_lit(sc, &lit);
	*scp = sc;
	return 0;
bad:
	*errmsg = xasprintf("bad escape \"%.*s\" in format", (int)(p - q +
	    (*p != '\0')), q);
	buf_free(&lit);
	scan_free(sc);
	errno = EINVAL;
	return -1;
}

void
scan_free(struct scan *sc)
{
	size_t i;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->n; i++)
		free(sc->item[i].arg);
	free(sc->item);
	addrlist_free(&sc->local);
	for (i = 0; i < sc->nalt; i++)
		free(sc->alt[i]);
	free(sc->alt);
	free(sc->login);
	free(sc->host);
	free(sc);
}

void
scan_set_me(struct scan *sc, const char *localmbox, const char *alternates)
{
	const char *s = alternates;
	size_t len;

	addrlist_free(&sc->local);
	if (localmbox != NULL)
		addr_parse(&sc->local, localmbox, strlen(localmbox));
	for (; s != NULL && *s != '\0'; s += len) {
		s += strspn(s, ", \t\n");
		len = strcspn(s, ", \t\n");
		if (len == 0)
			continue;
		sc->alt = xreallocarray(sc->alt, sc->nalt + 1,
		    sizeof(*sc->alt));
		sc->alt[sc->nalt++] = xstrndup(s, len);
	}
	sc->me_init = 1;
}

int
scan_needs_body(const struct scan *sc)
{
	return sc->body || sc->size;
}

/* Is addr (as addr_parse writes it) one of the user's addresses? */
static int
is_me(struct scan *sc, const char *addr)
{
	struct passwd *pw;
	const char *at;
	char host[256];
	size_t i;

	for (i = 0; i < sc->local.n; i++)
		if (sc->local.v[i].addr != NULL &&
		    addr_same(sc->local.v[i].addr, addr))
			return 1;
	for (i = 0; i < sc->nalt; i++)
		if (fnmatch(sc->alt[i], addr, FNM_CASEFOLD) == 0 ||
		    addr_same(sc->alt[i], addr))
			return 1;
	if (sc->local.n > 0)
		return 0;
	if (sc->login == NULL) {
		if ((pw = getpwuid(getuid())) == NULL)
			return 0;
		sc->login = xstrdup(pw->pw_name);
		if (gethostname(host, sizeof(host)) == 0) {
			host[sizeof(host) - 1] = '\0';
			sc->host = xstrdup(host);
		} else
			sc->host = xstrdup("");
	}
	at = strrchr(addr, '@');
	if (ascii_casecmp_n(addr, at ? (size_t)(at - addr) : strlen(addr),
	    sc->login) != 0)
		return 0;
	return at == NULL || ascii_strncasecmp(at + 1, sc->host,
	    strlen(at + 1) + 1) == 0;
}

/*
 * Append s (valid UTF-8) with every run of white space made one space
 * (squeeze) or each white space character a space, and other control
 * characters (C0, DEL, C1) U+FFFD.  Plain runs are copied at once.
 */
static void
clean(struct buf *out, const char *s, size_t len, int squeeze)
{
	size_t i, run = 0;
	unsigned char c;
	int sp = 0;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c > ' ' && c != 0x7f && c != 0xc2) {
			sp = 0;
			continue;
		}
		if (c == 0xc2 && (i + 1 >= len ||
		    (unsigned char)s[i + 1] < 0x80 ||
		    (unsigned char)s[i + 1] > 0x9f)) {
			sp = 0;
			continue;
		}
		buf_add(out, s + run, i - run);
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f' || c == '\v') {
			if (!squeeze || !sp)
				buf_addc(out, ' ');
			sp = 1;
		} else {
			buf_adds(out, "\xef\xbf\xbd");
			if (c == 0xc2)
				i++;	/* a C1 control */
			sp = 0;
		}
		run = i + 1;
	}
	buf_add(out, s + run, len - run);
}

/* Append text that may hold invalid UTF-8 (an address, a path). */
static void
clean_raw(struct buf *out, const char *s)
{
	struct buf b = BUF_INIT;

	utf8_sanitize(&b, s, strlen(s));
	clean(out, b.data, b.len, 1);
	buf_free(&b);
}

/* The decoded, cleaned value of the first field name, appended. */
static int
field_text(struct buf *out, const struct msg *m, const char *name)
{
	const char *raw;
	size_t i, len;
	char *d;

	if ((i = hdr_find(&m->hdr, name, 0)) == HDR_NONE)
		return 0;
	raw = hdr_rawvalue(&m->hdr, i, &len);
	d = rfc2047_decode(raw, len);
	len = strlen(d);
	/* trim: the raw value keeps the space after the colon */
	for (raw = d; *raw == ' ' || *raw == '\t'; raw++)
		len--;
	while (len > 0 && (raw[len - 1] == ' ' || raw[len - 1] == '\t'))
		len--;
	clean(out, raw, len, 0);
	free(d);
	return 1;
}

/* The first mailbox of field name: parsed into al, or NULL. */
static const struct addr *
first_addr(struct addrlist *al, const struct msg *m, const char *name)
{
	const char *raw;
	size_t i, len;

	if ((i = hdr_find(&m->hdr, name, 0)) == HDR_NONE)
		return NULL;
	raw = hdr_rawvalue(&m->hdr, i, &len);
	addr_parse(al, raw, len);
	for (i = 0; i < al->n; i++)
		if (al->v[i].addr != NULL)
			return &al->v[i];
	return NULL;
}

/* Display name, decoded, else the address. */
static void
friendly(struct buf *out, const struct addr *a)
{
	char *d;

	if (a->name != NULL && *a->name != '\0') {
		d = rfc2047_decode(a->name, strlen(a->name));
		clean(out, d, strlen(d), 1);
		free(d);
	} else
		clean_raw(out, a->addr);
}

static void
sender(struct scan *sc, struct buf *out, const struct msg *m)
{
	struct addrlist from = ADDRLIST_INIT, to = ADDRLIST_INIT;
	const struct addr *a, *t;

	if ((a = first_addr(&from, m, "from")) == NULL) {
		addrlist_free(&from);
		return;
	}
	if (!sc->me_init)
		scan_set_me(sc, NULL, NULL);
	if (is_me(sc, a->addr) && (t = first_addr(&to, m, "to")) != NULL) {
		buf_adds(out, "To:");
		friendly(out, t);
	} else
		friendly(out, a);
	addrlist_free(&from);
	addrlist_free(&to);
}

/*
 * strftime into out, growing as needed; format "" gives nothing.  The
 * format comes from the user's -f, never from a message.
 */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#endif
static void
add_strftime(struct buf *out, const char *fmt, const struct tm *tm)
{
	size_t cap = 64, n;
	char *s;

	if (*fmt == '\0')
		return;
	for (;;) {
		s = xmalloc(cap);
		n = strftime(s, cap, fmt, tm);
		if (n > 0 || cap > 4096) {
			buf_add(out, s, n);
			free(s);
			return;
		}
		free(s);
		cap *= 4;
	}
}
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

/*
 * The date: from Date: in its own zone, else the file's time (local),
 * *fromfile then set.
 */
static void
date_text(struct buf *out, const struct msg *m, const char *fmt,
    int *fromfile)
{
	struct stat st;
	struct tm tm;
	const char *raw;
	time_t t;
	size_t i, len;
	int tz;

	*fromfile = 0;
	if (fmt == NULL)
		fmt = "%m/%d";
	if ((i = hdr_find(&m->hdr, "date", 0)) != HDR_NONE) {
		raw = hdr_rawvalue(&m->hdr, i, &len);
		if (date_parse(raw, len, &t, &tz) == 0) {
			t += (time_t)tz * 60;
			if (gmtime_r(&t, &tm) != NULL) {
				add_strftime(out, fmt, &tm);
				return;
			}
		}
	}
	*fromfile = 1;
	if (m->fd >= 0 && fstat(m->fd, &st) == 0 &&
	    localtime_r(&st.st_mtime, &tm) != NULL)
		add_strftime(out, fmt, &tm);
}

/*
 * The start of the body: the first text part, decoded, squeezed.  The
 * body is read in growing pieces (the first one is what msg_open() read
 * already) until the part to show and enough of it are in memory.
 */
static int
body_text(const struct scan *sc, struct buf *out, struct msg *m)
{
	struct buf whole = BUF_INIT, txt = BUF_INIT;
	struct mime_tree t;
	const struct mime_part *p;
	size_t max, start, win, need, len;
	ssize_t r;
	int rv = 0, e = 0, eof = 0;

	max = sc->width ? sc->width * 4 + 64 : SCAN_BODY_UNLIMITED;
	need = max * 4 + 128;	/* raw bytes for max decoded ones (QP) */
	buf_add(&whole, m->hdr.raw.data, m->hdr.raw.len);
	buf_add(&whole, m->sep.data, m->sep.len);
	start = whole.len;
	/*
	 * Parse a window of the body only: the boundaries of a big
	 * multipart are not looked for beyond the part to show.
	 */
	for (win = need * 2 > 4096 ? need * 2 : 4096;; win *= 4) {
		while (!eof && whole.len - start < win) {
			buf_reserve(&whole, win - (whole.len - start));
			r = msg_body_read(m, whole.data + whole.len,
			    win - (whole.len - start));
			if (r <= 0) {
				if (r < 0) {
					rv = -1;
					e = errno;
				}
				eof = 1;
				break;
			}
			whole.len += (size_t)r;
		}
		len = whole.len - start < win ? whole.len : start + win;
		mime_parse(&t, whole.data, len);
		p = mime_first_text(&t);
		if ((eof && len == whole.len) || win >= BODY_READ ||
		    (p != NULL && (p->bodyoff + p->bodylen < len ||
		    len - p->bodyoff >= need)))
			break;
		mime_free(&t);
	}
	if (p != NULL) {
		mime_text_utf8_head(p, whole.data, max, &txt, NULL);
		for (start = 0; start < txt.len &&
		    strchr(" \t\r\n\f\v", txt.data[start]) != NULL &&
		    txt.data[start] != '\0'; start++)
			;
		len = txt.len;
		while (len > start && strchr(" \t\r\n\f\v",
		    txt.data[len - 1]) != NULL && txt.data[len - 1] != '\0')
			len--;
		clean(out, txt.data + start, len - start, 1);
	}
	mime_free(&t);
	buf_free(&txt);
	buf_free(&whole);
	errno = e;
	return rv;
}

static uintmax_t
file_size(const struct msg *m)
{
	struct stat st;

	if (m->fd >= 0 && fstat(m->fd, &st) == 0 && S_ISREG(st.st_mode))
		return (uintmax_t)st.st_size;
	return 0;
}

/* Append v to out padded (and, for text, cut) to it->width columns. */
static void
put(struct buf *out, const struct item *it, const char *v, size_t len,
    int text)
{
	size_t w, used;

	if (it->width == 0) {
		buf_add(out, v, len);
		return;
	}
	w = width_str(v, len);
	if (text && w > it->width) {
		len = width_fit(v, len, it->width, &used);
		w = used;
	}
	if (!it->left)
		for (; w < it->width; w++)
			buf_addc(out, ' ');
	buf_add(out, v, len);
	if (it->left)
		for (; w < it->width; w++)
			buf_addc(out, ' ');
}

/* Cut each line of line[from..] at the width. */
static void
cut_lines(struct buf *line, size_t from, size_t width)
{
	struct buf b = BUF_INIT;
	const char *s = line->data + from, *nl;
	size_t len = line->len - from, seg;

	if (width == 0)
		return;
	while (len > 0) {
		nl = memchr(s, '\n', len);
		seg = nl ? (size_t)(nl - s) : len;
		buf_add(&b, s, width_fit(s, seg, width, NULL));
		if (nl == NULL)
			break;
		buf_addc(&b, '\n');
		s += seg + 1;
		len -= seg + 1;
	}
	buf_truncate(line, from);
	buf_add(line, b.data, b.len);
	buf_free(&b);
}

int
scan_line(struct scan *sc, struct buf *out, struct msg *m,
    const struct scanmsg *sm)
{
	struct buf v = BUF_INIT, body = BUF_INIT;
	struct addrlist al = ADDRLIST_INIT;
	const struct addr *a;
	const struct item *it;
	size_t i, from = out->len;
	int fromfile = -1, ff, rv = 0, e = 0, havebody = 0;

	for (i = 0; i < sc->n; i++) {
		it = &sc->item[i];
		buf_reset(&v);
		switch (it->letter) {
		case 0:
			buf_adds(out, it->arg);
			continue;
		case '*':
			if (fromfile < 0) {
				date_text(&v, m, NULL, &ff);
				fromfile = ff;
				buf_reset(&v);
			}
			buf_addc(&v, fromfile ? '*' : ' ');
			break;
		case 'a':
			if ((a = first_addr(&al, m, "from")) != NULL)
				clean_raw(&v, a->addr);
			addrlist_free(&al);
			break;
		case 'b':
			if (!havebody) {
				if (body_text(sc, &body, m) < 0) {
					rv = -1;
					e = errno;
				}
				havebody = 1;
			}
			if (body.len > 0 && it->arg != NULL)
				buf_adds(&v, it->arg);
			buf_add(&v, body.data, body.len);
			break;
		case 'c':
			buf_addc(&v, sm->cur ? '+' : ' ');
			break;
		case 'd':
			date_text(&v, m, it->arg, &ff);
			fromfile = ff;
			break;
		case 'f':
			sender(sc, &v, m);
			break;
		case 'h':
			field_text(&v, m, it->arg);
			break;
		case 'm':
			buf_addc(&v, sm->unseen ? 'U' : hdr_find(&m->hdr,
			    "replied", 0) != HDR_NONE ? '-' : ' ');
			break;
		case 'n':
			if (sm->num != 0)
				buf_printf(&v, "%u", sm->num);
			put(out, it, buf_cstr(&v), v.len, 0);
			continue;
		case 'p':
			clean_raw(&v, sm->path);
			break;
		case 's':
			field_text(&v, m, "subject");
			break;
		case 't':
			if ((a = first_addr(&al, m, "to")) != NULL)
				friendly(&v, a);
			addrlist_free(&al);
			break;
		case 'z':
			buf_printf(&v, "%ju", file_size(m));
			put(out, it, buf_cstr(&v), v.len, 0);
			continue;
		}
		put(out, it, buf_cstr(&v), v.len, 1);
	}
	cut_lines(out, from, sc->width);
	buf_free(&v);
	buf_free(&body);
	errno = e;
	return rv;
}
