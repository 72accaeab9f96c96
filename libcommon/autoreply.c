/*
 * autoreply: whether a message may be answered automatically (RFC 3834
 * and practice), and the answer itself (see autoreply.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "autoreply.h"
#include "date.h"
#include "hdr.h"
#include "msg.h"
#include "rfc2047.h"
#include "util.h"

#define REFS_KEEP	30	/* References kept: the first and the last */

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

static int
eq_ci(const char *a, size_t alen, const char *b)
{
	return strlen(b) == alen && ascii_casecmp_n(a, alen, b) == 0;
}

/* The address in a Return-Path value or a From_ line word; "" if null. */
static char *
path_addr(const char *v, size_t len)
{
	struct addrlist l = ADDRLIST_INIT;
	char *r;

	addr_parse(&l, v, len);
	if (l.n == 0 || l.v[0].addr == NULL)
		r = xstrdup("");
	else
		r = xstrdup(l.v[0].addr);
	addrlist_free(&l);
	return r;
}

char *
autoreply_sender(const struct msg *m, const char *fallback)
{
	const char *v;
	size_t i, len;

	if ((i = hdr_find(&m->hdr, "Return-Path", 0)) != HDR_NONE) {
		v = hdr_rawvalue(&m->hdr, i, &len);
		return path_addr(v, len);
	}
	if (m->from_ != NULL) {
		/* "From sender date...": the sender is the first word. */
		v = m->from_ + 5;
		while (is_wsp((unsigned char)*v))
			v++;
		len = strcspn(v, " \t");
		if (len > 0)
			return path_addr(v, len);
	}
	if (fallback != NULL)
		return path_addr(fallback, strlen(fallback));
	return NULL;
}

/*
 * The local part of addr without quotes, and its length without a
 * "+detail" (RFC 5233 subaddress) in *baselen.  Malloc'd.
 */
static char *
local_part(const char *addr, size_t *baselen)
{
	const char *at = strrchr(addr, '@');
	size_t len = at != NULL ? (size_t)(at - addr) : strlen(addr);
	char *l, *plus;

	if (len >= 2 && addr[0] == '"' && addr[len - 1] == '"')
		l = xstrndup(addr + 1, len - 2);
	else
		l = xstrndup(addr, len);
	plus = strchr(l, '+');
	*baselen = plus != NULL && plus != l ? (size_t)(plus - l) : strlen(l);
	return l;
}

int
autoreply_is_me(const struct arme *me, const char *addr)
{
	const char *at = strrchr(addr, '@'), *n;
	char *local, *base;
	size_t i, blen;
	int r = 0;

	if (*addr == '\0')
		return 0;
	local = local_part(addr, &blen);
	base = at != NULL ? xasprintf("%.*s%s", (int)blen, local, at) :
	    xstrndup(local, blen);
	for (i = 0; i < me->n && !r; i++) {
		n = me->names[i];
		if (*n == '\0')
			continue;
		if (strchr(n, '@') != NULL)
			r = addr_same(addr, n) || addr_same(base, n);
		else
			r = eq_ci(local, strlen(local), n) ||
			    eq_ci(local, blen, n);
	}
	free(local);
	free(base);
	return r;
}

/* Names of automatic senders: exact, prefix and suffix matches. */
static const struct {
	const char	*s;
	char		 how;	/* '=' whole, '^' prefix, '$' suffix */
	const char	*why;
} robots[] = {
	{ "mailer-daemon", '=', "sender is MAILER-DAEMON" },
	{ "postmaster",	'=', "sender is postmaster" },
	{ "mailer",	'=', "sender is mailer" },
	{ "nobody",	'=', "sender is nobody" },
	{ "uucp",	'=', "sender is uucp" },
	{ "bounce",	'=', "sender is a bounce address" },
	{ "bounces",	'=', "sender is a bounce address" },
	{ "bounce-",	'^', "sender is a bounce address" },
	{ "bounces-",	'^', "sender is a bounce address" },
	{ "-bounce",	'$', "sender is a bounce address" },
	{ "-bounces",	'$', "sender is a bounce address" },
	{ "-request",	'$', "sender is a -request address" },
	{ "-relay",	'$', "sender is a -relay address" },
	{ "owner-",	'^', "sender is a list owner" },
	{ "-owner",	'$', "sender is a list owner" },
	{ "noreply",	'^', "sender is a no-reply address" },
	{ "no-reply",	'^', "sender is a no-reply address" },
	{ "no_reply",	'^', "sender is a no-reply address" },
	{ "donotreply",	'^', "sender is a no-reply address" },
	{ "do-not-reply", '^', "sender is a no-reply address" },
	{ "do_not_reply", '^', "sender is a no-reply address" },
};

/* Does the word w (len bytes) match robots[i]? */
static int
robot_match(size_t i, const char *w, size_t len)
{
	size_t n = strlen(robots[i].s);

	switch (robots[i].how) {
	case '=':
		return eq_ci(w, len, robots[i].s);
	case '^':
		return len >= n && ascii_casecmp_n(w, n, robots[i].s) == 0;
	default:
		return len > n &&
		    ascii_casecmp_n(w + len - n, n, robots[i].s) == 0;
	}
}

const char *
autoreply_bad_sender(const char *sender)
{
	const char *why = NULL;
	char *local;
	size_t i, blen;

	if (*sender == '\0')
		return "null sender (<>)";
	local = local_part(sender, &blen);
	for (i = 0; i < sizeof(robots) / sizeof(robots[0]) && !why; i++)
		if (robot_match(i, local, strlen(local)) ||
		    robot_match(i, local, blen))
			why = robots[i].why;
	free(local);
	return why;
}

/*
 * The words of a structured field value, lower-cased, with comments
 * taken out, split at white space, "," and ";", appended to out as
 * NUL-terminated strings one after the other.  Returns the count.
 */
static size_t
words(struct buf *out, const char *v, size_t len)
{
	size_t i, n = 0;
	int depth = 0, inword = 0;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)v[i];
		if (c == '\\' && depth > 0 && i + 1 < len) {
			i++;
			continue;
		}
		if (c == '(') {
			depth++;
			c = ' ';
		} else if (c == ')' && depth > 0) {
			depth--;
			c = ' ';
		} else if (depth > 0)
			continue;
		if (c <= ' ' || c == ',' || c == ';') {
			if (inword)
				buf_addc(out, '\0');
			inword = 0;
			continue;
		}
		if (!inword)
			n++;
		inword = 1;
		buf_addc(out, c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	if (inword)
		buf_addc(out, '\0');
	return n;
}

/* Is one of the words of field i one of the list (NULL-ended)? */
static const char *
has_word(const struct hdr *h, size_t i, const char *const *list)
{
	struct buf b = BUF_INIT;
	const char *v, *w, *found = NULL;
	size_t len, n, k;

	v = hdr_rawvalue(h, i, &len);
	n = words(&b, v, len);
	for (w = b.data; n > 0 && found == NULL; n--, w += strlen(w) + 1)
		for (k = 0; list[k] != NULL; k++)
			if (strcmp(w, list[k]) == 0) {
				found = list[k];
				break;
			}
	buf_free(&b);
	return found;
}

/* The first word of field i, lower-cased, or "" (malloc'd). */
static char *
first_word(const struct hdr *h, size_t i)
{
	struct buf b = BUF_INIT;
	const char *v;
	size_t len;

	v = hdr_rawvalue(h, i, &len);
	if (words(&b, v, len) == 0)
		return xstrdup("");
	return buf_release(&b);
}

const char *
autoreply_bad_header(const struct hdr *h)
{
	static const char *const prec[] = { "bulk", "list", "junk",
	    "auto_reply", NULL };
	static const char *const suppress[] = { "oof", "all", NULL };
	static const char *const yes[] = { "yes", NULL };
	const char *name, *why = NULL;
	char *w;
	size_t i, nl;

	for (i = 0; i < h->n && why == NULL; i++) {
		name = hdr_name(h, i, &nl);
		if (eq_ci(name, nl, "Auto-Submitted")) {
			/* RFC 3834 §2, §5: anything but "no". */
			w = first_word(h, i);
			if (strcmp(w, "no") != 0)
				why = "Auto-Submitted is not \"no\"";
			free(w);
		} else if (eq_ci(name, nl, "Precedence")) {
			if (has_word(h, i, prec) != NULL)
				why = "Precedence bulk, list, junk or "
				    "auto_reply";
		} else if ((nl > 5 && ascii_casecmp_n(name, 5, "List-") == 0) ||
		    eq_ci(name, nl, "Mailing-List") ||
		    eq_ci(name, nl, "X-Mailing-List")) {
			/* RFC 2369, RFC 2919: a mailing list. */
			why = "mailing list field (List-*, Mailing-List)";
		} else if (eq_ci(name, nl, "X-Auto-Response-Suppress")) {
			if (has_word(h, i, suppress) != NULL)
				why = "X-Auto-Response-Suppress OOF or All";
		} else if (eq_ci(name, nl, "X-Spam-Flag")) {
			if (has_word(h, i, yes) != NULL)
				why = "X-Spam-Flag: yes";
		} else if (eq_ci(name, nl, "X-Autoreply") ||
		    eq_ci(name, nl, "X-Autorespond")) {
			why = "X-Autoreply or X-Autorespond field";
		}
	}
	return why;
}

/*
 * Does a field of one of the names hold an address of the user?  The
 * first such address goes to *first when that is still NULL.
 */
static int
names_me(const struct hdr *h, const char *const *fields,
    const struct arme *me, char **first)
{
	struct addrlist l = ADDRLIST_INIT;
	const char *v;
	size_t f, i, j, len;
	int found = 0;

	for (f = 0; fields[f] != NULL; f++) {
		for (i = hdr_find(h, fields[f], 0); i != HDR_NONE;
		    i = hdr_find(h, fields[f], i + 1)) {
			v = hdr_rawvalue(h, i, &len);
			addrlist_free(&l);
			addr_parse(&l, v, len);
			for (j = 0; j < l.n; j++) {
				if (l.v[j].addr == NULL ||
				    !autoreply_is_me(me, l.v[j].addr))
					continue;
				found = 1;
				if (first != NULL && *first == NULL)
					*first = xstrdup(l.v[j].addr);
			}
		}
	}
	addrlist_free(&l);
	return found;
}

const char *
autoreply_refuse(const struct hdr *h, const char *sender,
    const struct arme *me, int anyrcpt, char **myaddr)
{
	static const char *const rcpt[] = { "To", "Cc", "Resent-To",
	    "Resent-Cc", NULL };
	static const char *const from[] = { "From", NULL };
	const char *why;

	if (myaddr != NULL)
		*myaddr = NULL;
	if ((why = autoreply_bad_sender(sender)) != NULL)
		return why;
	if ((why = autoreply_bad_header(h)) != NULL)
		return why;
	if (autoreply_is_me(me, sender))
		return "sender is the user";
	if (names_me(h, from, me, NULL))
		return "From is the user";
	if (!names_me(h, rcpt, me, myaddr) && !anyrcpt)
		return "user not in To, Cc, Resent-To or Resent-Cc";
	return NULL;
}

/* ------------------------------------------------------------ subject */

/*
 * Append the text of a field value to out on one line: CR and LF taken
 * out (folding joined), other controls and DEL as spaces, runs of white
 * space as one space, no space at either end, words cut at
 * AUTOREPLY_WORDMAX octets (not in the middle of a UTF-8 sequence).
 */
static void
one_line(struct buf *out, const char *s, size_t len)
{
	size_t i, word = 0, seq;
	unsigned char c;
	int space = 0, any = 0, cut = 0;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '\r' || c == '\n')
			continue;
		if (c < ' ' || c == 0x7f || c == ' ') {
			space = 1;
			continue;
		}
		if (space && any) {
			buf_addc(out, ' ');
			word = 0;
			cut = 0;
		}
		space = 0;
		any = 1;
		/* Cut an overlong word before a character that does not fit. */
		seq = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		if (!cut && (c < 0x80 || c >= 0xc0) &&
		    word + seq > AUTOREPLY_WORDMAX)
			cut = 1;
		if (cut)
			continue;
		buf_addc(out, (int)c);
		word++;
	}
}

static int
has8bit(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

/*
 * Fold a one-line value for a field whose name and ": " take col
 * columns: a line break before a space whenever the next word would pass
 * column 76.  Words are never split.
 */
static void
fold(struct buf *out, const char *s, size_t col)
{
	const char *w = s, *e;
	size_t n;
	int first = 1;

	while (*w != '\0') {
		e = strchr(w, ' ');
		n = e != NULL ? (size_t)(e - w) : strlen(w);
		if (!first) {
			if (col + 1 + n > 76) {
				buf_adds(out, "\n ");
				col = 1;
			} else {
				buf_addc(out, ' ');
				col++;
			}
		}
		buf_add(out, w, n);
		col += n;
		first = 0;
		w += n;
		while (*w == ' ')
			w++;
	}
}

char *
autoreply_subject(const char *tmpl, size_t tmpllen, const char *osub,
    size_t osublen)
{
	struct buf t = BUF_INIT, o = BUF_INIT, s = BUF_INIT, e = BUF_INIT;
	struct buf r = BUF_INIT;
	const char *p, *q, *w, *end, *next;
	char *enc;
	size_t n;

	one_line(&t, tmpl, tmpllen);
	if (osub != NULL)
		one_line(&o, osub, osublen);
	/* One pass: a "$SUBJECT" in the original stays text. */
	for (p = buf_cstr(&t); (q = strstr(p, "$SUBJECT")) != NULL;
	    p = q + 8) {
		buf_add(&s, p, (size_t)(q - p));
		buf_add(&s, o.data != NULL ? o.data : "", o.len);
	}
	buf_adds(&s, p);
	/* Trim what an empty $SUBJECT may have left at the ends. */
	buf_reset(&t);
	one_line(&t, s.data != NULL ? s.data : "", s.len);
	/* Runs of words with 8-bit bytes become encoded words. */
	buf_reset(&s);
	for (w = buf_cstr(&t); *w != '\0'; w = next) {
		end = strchr(w, ' ');
		n = end != NULL ? (size_t)(end - w) : strlen(w);
		next = w + n + (end != NULL);
		if (s.len > 0)
			buf_addc(&s, ' ');
		if (!has8bit(w, n)) {
			buf_add(&s, w, n);
			continue;
		}
		/* Extend the run over the following 8-bit words. */
		while (*next != '\0') {
			end = strchr(next, ' ');
			if (!has8bit(next, end != NULL ? (size_t)(end - next) :
			    strlen(next)))
				break;
			n = end != NULL ? (size_t)(end - w) : strlen(w);
			next = w + n + (end != NULL);
		}
		buf_reset(&e);
		utf8_sanitize(&e, w, n);
		enc = rfc2047_encode(buf_cstr(&e), e.len, 0);
		/* Its folds become spaces: fold() folds the whole line. */
		for (p = enc; *p != '\0'; p++)
			buf_addc(&s, *p == '\n' ? ' ' : *p);
		free(enc);
	}
	buf_reset(&t);
	one_line(&t, s.data != NULL ? s.data : "", s.len);
	fold(&r, buf_cstr(&t), strlen("Subject: "));
	buf_free(&t);
	buf_free(&o);
	buf_free(&s);
	buf_free(&e);
	return buf_release(&r);
}

/* ------------------------------------------------------------ the reply */

size_t
autoreply_msgids(struct buf *out, const char *s, size_t len, int first)
{
	const char *p = s, *end = s + len, *lt, *gt, *c;
	size_t n = 0;
	int ok;

	while (p < end && (lt = memchr(p, '<', (size_t)(end - p))) != NULL) {
		gt = memchr(lt, '>', (size_t)(end - lt));
		if (gt == NULL)
			break;
		ok = gt - lt > 1 && (size_t)(gt - lt) <= AUTOREPLY_WORDMAX;
		for (c = lt + 1; ok && c < gt; c++)
			if ((unsigned char)*c <= ' ' || *c == 0x7f ||
			    *c == '<')
				ok = 0;
		if (ok) {
			if (out->len > 0)
				buf_adds(out, "\n ");
			buf_add(out, lt, (size_t)(gt - lt) + 1);
			n++;
			if (first)
				break;
		}
		p = ok ? gt + 1 : lt + 1;
	}
	return n;
}

/* The msg-ids of field name of h (the first occurrence), into out. */
static size_t
field_ids(struct buf *out, const struct hdr *h, const char *name, int first)
{
	const char *v;
	size_t i, len;

	if ((i = hdr_find(h, name, 0)) == HDR_NONE)
		return 0;
	v = hdr_rawvalue(h, i, &len);
	return autoreply_msgids(out, v, len, first);
}

/*
 * References of the reply (RFC 5322 §3.6.4): the original's References
 * (or else its In-Reply-To when that holds one id), then its Message-ID.
 * Long lists keep the first id and the last REFS_KEEP - 1.
 */
static void
references(struct buf *out, const struct hdr *h)
{
	struct buf ids = BUF_INIT;
	const char *p, *cut;
	size_t n, skip;

	n = field_ids(&ids, h, "References", 0);
	if (n == 0)
		n = field_ids(&ids, h, "In-Reply-To", 1);
	n += field_ids(&ids, h, "Message-ID", 1);
	if (n == 0) {
		buf_free(&ids);
		return;
	}
	p = buf_cstr(&ids);
	if (n > REFS_KEEP) {
		/* ids are separated by "\n ": keep the first, skip some. */
		cut = strchr(p, '\n');
		buf_add(out, p, (size_t)(cut - p));
		for (skip = n - REFS_KEEP + 1; skip > 0; skip--)
			cut = strchr(cut + 1, '\n');
		p = cut;
	}
	buf_adds(out, p);
	buf_free(&ids);
}

/* Fields of the message file that the reply does not take over. */
static int
dropped_field(const char *name, size_t nl)
{
	static const char *const drop[] = { "From", "Subject", "To", "Cc",
	    "Bcc", "Date", "Message-ID", "In-Reply-To", "References",
	    "Auto-Submitted", "Precedence", "Return-Path", "Sender",
	    "Received", "Delivered-To", "Envelope-To", "X-Original-To",
	    NULL };
	size_t i;

	if (nl > 7 && ascii_casecmp_n(name, 7, "Resent-") == 0)
		return 1;
	for (i = 0; drop[i] != NULL; i++)
		if (eq_ci(name, nl, drop[i]))
			return 1;
	return 0;
}

/* Append s with CRLF made LF. */
static void
add_lf(struct buf *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!(s[i] == '\r' && i + 1 < len && s[i + 1] == '\n'))
			buf_addc(out, s[i]);
}

static void
field(struct buf *out, const char *name, const char *value)
{
	buf_adds(out, name);
	buf_adds(out, ": ");
	buf_adds(out, value);
	buf_addc(out, '\n');
}

void
autoreply_compose(struct buf *out, const struct arreply *r)
{
	struct msg fm;
	struct buf body = BUF_INIT, v = BUF_INIT;
	const char *name, *raw;
	char *s;
	size_t i, nl, len;
	int mime = 0;

	(void)msg_frombuf(&fm, r->file, r->filelen, "message file");
	(void)msg_body_all(&fm, &body);

	/* From: the file's, else ours. */
	if ((i = hdr_find(&fm.hdr, "From", 0)) != HDR_NONE) {
		raw = hdr_rawvalue(&fm.hdr, i, &len);
		buf_adds(out, "From:");
		add_lf(out, raw, len);
		buf_addc(out, '\n');
	} else
		field(out, "From", r->from);
	field(out, "To", r->to);

	if ((i = hdr_find(&fm.hdr, "Subject", 0)) != HDR_NONE)
		raw = hdr_rawvalue(&fm.hdr, i, &len);
	else {
		raw = "Auto: $SUBJECT";
		len = strlen(raw);
	}
	if ((i = hdr_find(r->orig, "Subject", 0)) != HDR_NONE) {
		const char *o;
		size_t olen;

		o = hdr_rawvalue(r->orig, i, &olen);
		s = autoreply_subject(raw, len, o, olen);
	} else
		s = autoreply_subject(raw, len, NULL, 0);
	field(out, "Subject", s);
	free(s);

	date_format(&v, r->date, r->tzoff);
	field(out, "Date", buf_cstr(&v));
	field(out, "Message-ID", r->msgid);
	buf_reset(&v);
	if (field_ids(&v, r->orig, "Message-ID", 1) > 0)
		field(out, "In-Reply-To", buf_cstr(&v));
	buf_reset(&v);
	references(&v, r->orig);
	if (v.len > 0)
		field(out, "References", buf_cstr(&v));
	/* RFC 3834 §5 and §3.1.8. */
	field(out, "Auto-Submitted", "auto-replied");
	field(out, "Precedence", "bulk");

	for (i = 0; i < fm.hdr.n; i++) {
		name = hdr_name(&fm.hdr, i, &nl);
		if (dropped_field(name, nl))
			continue;
		if (eq_ci(name, nl, "MIME-Version") ||
		    eq_ci(name, nl, "Content-Type"))
			mime = 1;
		raw = fm.hdr.raw.data + fm.hdr.f[i].off;
		len = fm.hdr.f[i].len;
		add_lf(out, raw, len);
		if (len == 0 || raw[len - 1] != '\n')
			buf_addc(out, '\n');
	}
	if (!mime && has8bit(body.data != NULL ? body.data : "", body.len)) {
		field(out, "MIME-Version", "1.0");
		field(out, "Content-Type", "text/plain; charset=utf-8");
		field(out, "Content-Transfer-Encoding", "8bit");
	}
	buf_addc(out, '\n');
	add_lf(out, body.data != NULL ? body.data : "", body.len);
	if (out->len > 0 && out->data[out->len - 1] != '\n')
		buf_addc(out, '\n');
	msg_close(&fm);
	buf_free(&body);
	buf_free(&v);
}

void
autoreply_from(struct buf *out, const char *name, const char *addr)
{
	struct addr a;
	char *enc;

	if (name == NULL || *name == '\0') {
		buf_adds(out, addr);
		return;
	}
	if (has8bit(name, strlen(name))) {
		enc = rfc2047_encode(name, strlen(name), strlen("From: "));
		buf_adds(out, enc);
		buf_adds(out, " <");
		buf_adds(out, addr);
		buf_addc(out, '>');
		free(enc);
		return;
	}
	a.name = (char *)(uintptr_t)name;
	a.addr = (char *)(uintptr_t)addr;
	a.group = NULL;
	addr_format(out, &a, 1);
}
