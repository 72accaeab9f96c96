/*
 * rfc2047: encoded words (RFC 2047, with the RFC 2231 language suffix),
 * raw 8-bit header text, and charset conversion to UTF-8.
 *
 * Choices, where the RFCs leave room or real mail departs from them:
 *
 * - Encoded words are decoded wherever they occur, also inside quoted
 *   strings, comments and in the middle of atoms ("foo=?utf-8?q?bar?=" is
 *   "foobar").  RFC 2047 §5 forbids such placement, but mailers produce it
 *   and readers (mutt, Thunderbird) decode it.  Nothing is inserted around
 *   a word: Python's email.header adds a space between an encoded word and
 *   adjacent text; we keep the text as written.
 * - The encoded text may hold raw SP, TAB and 8-bit bytes (broken mailers
 *   put raw spaces in Q text; Python accepts them too), but never CR or LF:
 *   a word does not span lines.
 * - A broken word is left as written: base64 with a character outside the
 *   alphabet or data after "=" padding, quoted-printable with "=" not
 *   followed by two hex digits, or no "?=" before the end of the line.
 *   Missing base64 padding is accepted.  (Python keeps a bad "=" escape
 *   literally and decodes the rest; we leave the whole word alone.)
 * - Adjacent words in the same charset (after aliases) have their decoded
 *   bytes joined before conversion (RFC 2047 §6.2), so a character split
 *   across words comes out whole, also for stateful charsets.
 * - Raw 8-bit text: each maximal run of bytes >= 0x80 is kept when it is
 *   valid UTF-8 and read as windows-1252 otherwise.  Deciding per run
 *   rather than per value copes with values that mix the two (a UTF-8
 *   subject with a latin1 name pasted in).
 * - iso-8859-1 and us-ascii are read as windows-1252, as browsers do
 *   (WHATWG Encoding): 0x80-0x9f in such mail are nearly always the
 *   windows-1252 punctuation, not C1 controls.
 */
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rfc2047.h"
#include "util.h"

#define REPL		"\xef\xbf\xbd"	/* U+FFFD */
#define REPL_LEN	3

/* put_text() flags. */
#define F_CTL		0x01	/* control rule of rfc2047.h */
#define F_UNFOLD	0x02	/* drop the line break of CRLF/LF + WSP */

/* How a charset is converted. */
enum cskind {
	CS_UNKNOWN,		/* iconv does not know it (negative cache) */
	CS_UTF8,		/* built in: validate */
	CS_CP1252,		/* built in: table */
	CS_RAW,			/* built in: UTF-8 if valid, else windows-1252 */
	CS_ICONV
};

/* windows-1252 0x80-0x9f; 0 marks the five undefined bytes. */
static const unsigned short cp1252_hi[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178
};

/* ------------------------------------------------------------ UTF-8 */

/* Append code point cp (< 0x110000) as UTF-8. */
static void
put_cp(struct buf *b, unsigned long cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_add(b, u, n);
}

/*
 * Length (1-4) of the well-formed UTF-8 sequence at s (n > 0 bytes
 * available), its code point in *cp; or 0 when ill-formed, with *skip set
 * to the length of the maximal ill-formed subpart, which is replaced by
 * one U+FFFD (Unicode §3.9, "U+FFFD substitution of maximal subparts").
 * Overlong forms, surrogates and values above U+10FFFF are ill-formed.
 */
static size_t
utf8_next(const unsigned char *s, size_t n, unsigned long *cp, size_t *skip)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	unsigned long v;
	size_t need, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		*skip = 1;
		return 0;
	}
	for (i = 1; i <= need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*skip = i;
			return 0;
		}
		v = (v << 6) | (s[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = v;
	return need + 1;
}

/* Is s (len bytes) well-formed UTF-8? */
static int
utf8_valid(const unsigned char *s, size_t len)
{
	unsigned long cp;
	size_t i = 0, n, skip;

	while (i < len) {
		if ((n = utf8_next(s + i, len - i, &cp, &skip)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* ASCII bytes that put_text() copies unchanged under flags. */
static int
plain_ascii(unsigned char c, int flags)
{
	if (c >= 0x80)
		return 0;
	if (!(flags & F_CTL))
		return 1;
	return (c >= 0x20 && c != 0x7f) || c == '\t';
}

/*
 * The ASCII control at s[i] under F_CTL: folding (CRLF or LF followed by
 * SP or TAB) is dropped with F_UNFOLD; any other CRLF, CR or LF becomes
 * one space; other controls and DEL become U+FFFD.  Returns the index
 * after what was consumed.
 */
static size_t
put_ctl(struct buf *b, const unsigned char *s, size_t i, size_t len,
    int flags)
{
	size_t e = i + 1;

	if (s[i] == '\r' || s[i] == '\n') {
		if (s[i] == '\r' && e < len && s[e] == '\n')
			e++;
		if ((flags & F_UNFOLD) && e < len &&
		    (s[e] == ' ' || s[e] == '\t') &&
		    (s[i] == '\n' || e == i + 2))
			return e;
		buf_addc(b, ' ');
		return e;
	}
	buf_add(b, REPL, REPL_LEN);
	return e;
}

/*
 * Append s (len bytes) in charset kind (CS_UTF8, CS_CP1252 or CS_RAW) to
 * b as UTF-8.  Ill-formed UTF-8 and the undefined windows-1252 bytes
 * become U+FFFD.  With F_CTL, C1 controls become U+FFFD as well and ASCII
 * controls go through put_ctl().
 */
static void
put_text(struct buf *b, const char *s, size_t len, int kind, int flags)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	size_t i = 0, j, n, skip;

	buf_reserve(b, len);
	if (len == 0)
		return;
	while (i < len) {
		for (j = i; j < len && plain_ascii(p[j], flags); j++)
			continue;
		if (j > i) {
			buf_add(b, s + i, j - i);
			if ((i = j) == len)
				break;
		}
		if (p[i] < 0x80) {
			i = put_ctl(b, p, i, len, flags);
			continue;
		}
		switch (kind) {
		case CS_UTF8:
			if ((n = utf8_next(p + i, len - i, &cp, &skip)) == 0) {
				buf_add(b, REPL, REPL_LEN);
				i += skip;
			} else if ((flags & F_CTL) && cp < 0xa0) {
				buf_add(b, REPL, REPL_LEN);
				i += n;
			} else {
				buf_add(b, s + i, n);
				i += n;
			}
			break;
		case CS_CP1252:
			cp = p[i] >= 0xa0 ? p[i] : cp1252_hi[p[i] - 0x80];
			if (cp == 0)
				buf_add(b, REPL, REPL_LEN);
			else
				put_cp(b, cp);
			i++;
			break;
		default:	/* CS_RAW: decide for this run of 8-bit bytes */
			for (j = i; j < len && p[j] >= 0x80; j++)
				continue;
			put_text(b, s + i, j - i,
			    utf8_valid(p + i, j - i) ? CS_UTF8 : CS_CP1252,
			    flags);
			i = j;
			break;
		}
	}
}

void
utf8_sanitize(struct buf *out, const char *s, size_t len)
{
	put_text(out, s, len, CS_RAW, F_CTL | F_UNFOLD);
}

/* ------------------------------------------------------------ charsets */

#define CS_NAMEMAX	40	/* longer charset names are unknown */
#define CS_CACHE	32	/* cached descriptors, reused round-robin */

struct csent {
	char		 name[CS_NAMEMAX + 1];	/* lookup key */
	char		 canon[CS_NAMEMAX + 1];	/* same canon, same conversion */
	enum cskind	 kind;
	iconv_t		 cd;
};

static struct csent cs_cache[CS_CACHE];
static size_t cs_used, cs_next, cs_last;

/*
 * Aliases, after lower-casing.  The target (canon) is a name that maps to
 * itself: "utf-8", "windows-1252" and "x-unknown" are built in, any other
 * goes to iconv.  Supersets replace the charsets mailers mislabel: GB18030
 * for gb2312/gbk, CP949 for euc-kr, CP932 for shift_jis, Big5-HKSCS for
 * big5, CP874 for tis-620, windows-1254 for iso-8859-9, ISO-2022-JP-2 for
 * iso-2022-jp (glibc's plain ISO-2022-JP lets ESC ( I through as bytes).
 * Big5-HKSCS is the WHATWG reading of big5 (browsers, Thunderbird); it
 * differs from Python's big5 codec in the vendor rows 0xC6A1-0xC8FE,
 * where Python puts Cyrillic and we get kana (glibc's plain BIG5 has
 * private-use code points there, which is worse).
 * iso-8859-X-i and -e are iso-8859-X (RFC 1556 only marks the direction).
 */
static const struct {
	const char	*alias;
	const char	*canon;
} cs_alias[] = {
	{ "646", "windows-1252" },
	{ "8859-1", "windows-1252" },
	{ "ansi_x3.4-1968", "windows-1252" },
	{ "ansi_x3.4-1986", "windows-1252" },
	{ "ascii", "windows-1252" },
	{ "big5", "big5-hkscs" },
	{ "big5-hkscs", "big5-hkscs" },
	{ "chinese", "gb18030" },
	{ "cn-big5", "big5-hkscs" },
	{ "cp-1252", "windows-1252" },
	{ "cp1252", "windows-1252" },
	{ "cp1254", "windows-1254" },
	{ "cp367", "windows-1252" },
	{ "cp819", "windows-1252" },
	{ "cp874", "cp874" },
	{ "cp932", "cp932" },
	{ "cp936", "gb18030" },
	{ "cp949", "cp949" },
	{ "csascii", "windows-1252" },
	{ "csbig5", "big5-hkscs" },
	{ "cseuckr", "cp949" },
	{ "csgb2312", "gb18030" },
	{ "csiso2022jp", "iso-2022-jp-2" },
	{ "csiso88596e", "iso-8859-6" },
	{ "csiso88596i", "iso-8859-6" },
	{ "csiso88598e", "iso-8859-8" },
	{ "csiso88598i", "iso-8859-8" },
	{ "csisolatin1", "windows-1252" },
	{ "csisolatin5", "windows-1254" },
	{ "csksc56011987", "cp949" },
	{ "csshiftjis", "cp932" },
	{ "csunicode11utf8", "utf-8" },
	{ "euc-cn", "gb18030" },
	{ "euc-kr", "cp949" },
	{ "gb18030", "gb18030" },
	{ "gb2312", "gb18030" },
	{ "gb_2312", "gb18030" },
	{ "gb_2312-80", "gb18030" },
	{ "gbk", "gb18030" },
	{ "ibm367", "windows-1252" },
	{ "ibm819", "windows-1252" },
	{ "iso-2022-jp", "iso-2022-jp-2" },
	{ "iso-8859-1", "windows-1252" },
	{ "iso-8859-11", "cp874" },
	{ "iso-8859-6-e", "iso-8859-6" },
	{ "iso-8859-6-i", "iso-8859-6" },
	{ "iso-8859-8-e", "iso-8859-8" },
	{ "iso-8859-8-i", "iso-8859-8" },
	{ "iso-8859-9", "windows-1254" },
	{ "iso-ir-100", "windows-1252" },
	{ "iso-ir-148", "windows-1254" },
	{ "iso-ir-149", "cp949" },
	{ "iso-ir-58", "gb18030" },
	{ "iso-ir-6", "windows-1252" },
	{ "iso646-us", "windows-1252" },
	{ "iso8859-1", "windows-1252" },
	{ "iso8859-9", "windows-1254" },
	{ "iso88591", "windows-1252" },
	{ "iso_646.irv:1991", "windows-1252" },
	{ "iso_8859-1", "windows-1252" },
	{ "iso_8859-1:1987", "windows-1252" },
	{ "iso_8859-6-e", "iso-8859-6" },
	{ "iso_8859-6-i", "iso-8859-6" },
	{ "iso_8859-8-e", "iso-8859-8" },
	{ "iso_8859-8-i", "iso-8859-8" },
	{ "iso_8859-9", "windows-1254" },
	{ "korean", "cp949" },
	{ "ks_c_5601", "cp949" },
	{ "ks_c_5601-1987", "cp949" },
	{ "ks_c_5601-1989", "cp949" },
	{ "ksc5601", "cp949" },
	{ "ksc_5601", "cp949" },
	{ "l1", "windows-1252" },
	{ "l5", "windows-1254" },
	{ "latin-1", "windows-1252" },
	{ "latin1", "windows-1252" },
	{ "latin5", "windows-1254" },
	{ "logical", "iso-8859-8" },
	{ "ms932", "cp932" },
	{ "ms936", "gb18030" },
	{ "ms_kanji", "cp932" },
	{ "shift-jis", "cp932" },
	{ "shift_jis", "cp932" },
	{ "sjis", "cp932" },
	{ "tis-620", "cp874" },
	{ "uhc", "cp949" },
	{ "unicode-1-1-utf-8", "utf-8" },
	{ "unknown", "x-unknown" },
	{ "unknown-8bit", "x-unknown" },
	{ "us", "windows-1252" },
	{ "us-ascii", "windows-1252" },
	{ "utf-8", "utf-8" },
	{ "utf8", "utf-8" },
	{ "win-1252", "windows-1252" },
	{ "windows-1252", "windows-1252" },
	{ "windows-1254", "windows-1254" },
	{ "windows-31j", "cp932" },
	{ "windows-874", "cp874" },
	{ "windows-936", "gb18030" },
	{ "windows-949", "cp949" },
	{ "x-cp1252", "windows-1252" },
	{ "x-euc-cn", "gb18030" },
	{ "x-gbk", "gb18030" },
	{ "x-sjis", "cp932" },
	{ "x-unicode20utf8", "utf-8" },
	{ "x-unknown", "x-unknown" },
	{ "x-user-defined", "x-unknown" },
	{ "x-x-big5", "big5-hkscs" },
};

/*
 * The lookup key of a charset name: trimmed of white space and quotes,
 * the RFC 2231 "*language" suffix removed, lower-cased into key.  Only
 * letters, digits and "-_.:+()" are allowed, so that nothing reaches
 * iconv_open() that it would read as options ("//TRANSLIT").
 * Returns 0, or -1 for an impossible name.
 */
static int
cs_key(const char *s, size_t n, char *key)
{
	size_t i, k = 0;
	unsigned char c;

	while (n > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '"')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '"'))
		n--;
	for (i = 0; i < n && s[i] != '*'; i++) {
		c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    strchr("-_.:+()", c) != NULL) || c == '\0')
			return -1;
		if (k == CS_NAMEMAX)
			return -1;
		key[k++] = (char)c;
	}
	key[k] = '\0';
	return k > 0 ? 0 : -1;
}

/* Fill e for key: alias table first, then iconv. */
static void
cs_fill(struct csent *e, const char *key)
{
	const char *canon = key;
	size_t i;

	for (i = 0; i < sizeof(cs_alias) / sizeof(cs_alias[0]); i++)
		if (strcmp(cs_alias[i].alias, key) == 0) {
			canon = cs_alias[i].canon;
			break;
		}
	/* Both strings are at most CS_NAMEMAX bytes: key by cs_key(),
	 * canon by the table. */
	memcpy(e->name, key, strlen(key) + 1);
	memcpy(e->canon, canon, strlen(canon) + 1);
	e->cd = (iconv_t)-1;
	if (strcmp(canon, "utf-8") == 0)
		e->kind = CS_UTF8;
	else if (strcmp(canon, "windows-1252") == 0)
		e->kind = CS_CP1252;
	else if (strcmp(canon, "x-unknown") == 0)
		e->kind = CS_RAW;
	else if ((e->cd = iconv_open("UTF-8", canon)) != (iconv_t)-1)
		e->kind = CS_ICONV;
	else
		e->kind = CS_UNKNOWN;
}

/*
 * The cache entry for charset name s (n bytes), or NULL when the charset
 * is unknown.  The pointer is good until the next cs_lookup(): a full
 * cache reuses its slots round-robin.
 */
static struct csent *
cs_lookup(const char *s, size_t n)
{
	char key[CS_NAMEMAX + 1];
	struct csent *e;
	size_t i;

	if (cs_key(s, n, key) == -1)
		return NULL;
	if (cs_used > 0 && strcmp(cs_cache[cs_last].name, key) == 0)
		e = &cs_cache[cs_last];
	else {
		for (i = 0; i < cs_used; i++)
			if (strcmp(cs_cache[i].name, key) == 0)
				break;
		if (i == cs_used) {
			if (cs_used < CS_CACHE)
				i = cs_used++;
			else {
				i = cs_next;
				cs_next = (cs_next + 1) % CS_CACHE;
				if (cs_cache[i].kind == CS_ICONV)
					iconv_close(cs_cache[i].cd);
			}
			cs_fill(&cs_cache[i], key);
		}
		cs_last = i;
		e = &cs_cache[i];
	}
	return e->kind == CS_UNKNOWN ? NULL : e;
}

/*
 * Append the conversion of in (len bytes) through cd to out.  Invalid and
 * incomplete input sequences become U+FFFD (one per skipped byte).
 */
static void
iconv_append(struct buf *out, iconv_t cd, const char *in, size_t len)
{
	char *ip = (char *)(uintptr_t)in, *op;
	size_t il = len, ol, r;
	int fin;

	(void)iconv(cd, NULL, NULL, NULL, NULL);
	buf_reserve(out, len + len / 2 + 16);
	for (;;) {
		/* All input taken: one more call to end in the initial state. */
		fin = il == 0;
		op = out->data + out->len;
		ol = out->cap - out->len - 1;
		if (fin)
			r = iconv(cd, NULL, NULL, &op, &ol);
		else
			r = iconv(cd, &ip, &il, &op, &ol);
		out->len = (size_t)(op - out->data);
		out->data[out->len] = '\0';
		if (r != (size_t)-1) {
			if (fin)
				break;
			continue;
		}
		if (errno == E2BIG) {
			buf_reserve(out, out->cap);
			continue;
		}
		if (fin)
			break;
		buf_add(out, REPL, REPL_LEN);
		if (errno == EILSEQ) {
			ip++;
			il--;
		} else		/* EINVAL: incomplete at the end */
			il = 0;
	}
}

int
charset_to_utf8(struct buf *out, const char *charset, const char *in,
    size_t len)
{
	struct csent *e;

	if ((e = cs_lookup(charset, strlen(charset))) == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (e->kind == CS_ICONV)
		iconv_append(out, e->cd, in, len);
	else
		put_text(out, in, len, e->kind, 0);
	return 0;
}

/* ------------------------------------------------------------ decoding */

struct dctx {
	struct buf	*out;
	struct buf	 pend;		/* decoded bytes of the pending words */
	struct buf	 word;		/* one word's decoded bytes */
	struct buf	 tmp;		/* iconv output */
	char		 pcs[CS_NAMEMAX + 1];	/* canon of pend, "" if none */
	/*
	 * Memos that keep the scan linear when "=?" recurs inside the text
	 * of a word that turns out broken: no "?=" starts before noterm on
	 * its line; for text starting in [termfrom, term] the first "?=" is
	 * at term.  (Decoding a broken word stops at the latest at the next
	 * "=?" in it: "?" is not base64, "=?" is no Q escape.)
	 */
	size_t		 noterm, termfrom, term;
};

struct ew {
	const char	*cs;
	size_t		 cslen;
	int		 enc;		/* 'B' or 'Q' */
	size_t		 text, textlen;	/* offsets into the input */
	size_t		 end;		/* first byte after "?=" */
};

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Decode base64 (RFC 2047 §4.1) into out.  Padding may be missing but
 * nothing may follow it.  Returns 0, or -1.
 */
static int
b_decode(struct buf *out, const unsigned char *s, size_t len)
{
	unsigned long acc = 0;
	size_t i, nd = 0, pad = 0;
	int bits = 0, v;

	for (i = 0; i < len; i++) {
		if (s[i] == '=') {
			if (++pad > 2)
				return -1;
			continue;
		}
		if (pad > 0 || (v = b64val(s[i])) < 0)
			return -1;
		acc = ((acc << 6) | (unsigned long)v) & 0xffffff;
		nd++;
		if ((bits += 6) >= 8) {
			bits -= 8;
			buf_addc(out, (int)((acc >> bits) & 0xff));
		}
	}
	return nd % 4 == 1 ? -1 : 0;
}

/*
 * Decode Q (RFC 2047 §4.2) into out: "_" is a space, "=XX" a byte (hex
 * digits of either case), anything else itself.  Returns 0, or -1 for a
 * "=" without two hex digits.
 */
static int
q_decode(struct buf *out, const unsigned char *s, size_t len)
{
	size_t i, j;
	int h, l;

	for (i = 0; i < len; i = j) {
		for (j = i; j < len && s[j] != '=' && s[j] != '_'; j++)
			continue;
		buf_add(out, s + i, j - i);
		if (j == len)
			break;
		if (s[j] == '_') {
			buf_addc(out, ' ');
			j++;
			continue;
		}
		if (j + 2 >= len || (h = hexval(s[j + 1])) < 0 ||
		    (l = hexval(s[j + 2])) < 0)
			return -1;
		buf_addc(out, h << 4 | l);
		j += 3;
	}
	return 0;
}

/* May c appear in the charset part of an encoded word? */
static int
cs_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("-_.:+()*!#$%&'^`{|}~", c) != NULL);
}

/*
 * Parse the encoded word that may start at s[i] == "=?" (RFC 2047 §2):
 * "=?" charset ["*" language] "?" (B|Q) "?" encoded-text "?=".  The
 * charset is bounded in length; the text runs to the first "?=" on the
 * same line.  Returns 0 and fills w, or -1.
 */
static int
ew_parse(struct dctx *d, const char *s, size_t len, size_t i, struct ew *w)
{
	size_t p = i + 2, t, q;

	while (p < len && p - (i + 2) <= 2 * CS_NAMEMAX &&
	    cs_char((unsigned char)s[p]))
		p++;
	if (p == i + 2 || p + 2 >= len || s[p] != '?' || s[p + 2] != '?')
		return -1;
	switch (s[p + 1]) {
	case 'B':
	case 'b':
		w->enc = 'B';
		break;
	case 'Q':
	case 'q':
		w->enc = 'Q';
		break;
	default:
		return -1;
	}
	w->cs = s + i + 2;
	w->cslen = p - (i + 2);
	t = p + 3;
	if (t < d->noterm)
		return -1;
	if (t >= d->termfrom && t <= d->term)
		q = d->term;
	else {
		for (q = t; q + 1 < len; q++) {
			if (s[q] == '\r' || s[q] == '\n')
				break;
			if (s[q] == '?' && s[q + 1] == '=')
				break;
		}
		if (q + 1 >= len || s[q] != '?') {
			d->noterm = q;
			return -1;
		}
		d->termfrom = t;
		d->term = q;
	}
	w->text = t;
	w->textlen = q - t;
	w->end = q + 2;
	return 0;
}

/*
 * Decode the text of w into d->word; its charset's canon goes to canon.
 * Returns -1 when the charset is unknown or the text is broken.
 */
static int
ew_decode(struct dctx *d, const char *s, const struct ew *w, char *canon)
{
	const unsigned char *t = (const unsigned char *)s + w->text;
	struct csent *e;

	if ((e = cs_lookup(w->cs, w->cslen)) == NULL)
		return -1;
	memcpy(canon, e->canon, strlen(e->canon) + 1);
	buf_reset(&d->word);
	if (w->enc == 'B')
		return b_decode(&d->word, t, w->textlen);
	return q_decode(&d->word, t, w->textlen);
}

/* Convert the pending words to UTF-8 under the control rule. */
static void
flush_pending(struct dctx *d)
{
	struct csent *e;

	if (d->pcs[0] == '\0')
		return;
	e = cs_lookup(d->pcs, strlen(d->pcs));
	if (e == NULL)		/* iconv_open failed this time (EMFILE?) */
		put_text(d->out, d->pend.data, d->pend.len, CS_RAW, F_CTL);
	else if (e->kind == CS_ICONV) {
		buf_reset(&d->tmp);
		iconv_append(&d->tmp, e->cd, d->pend.data, d->pend.len);
		put_text(d->out, d->tmp.data, d->tmp.len, CS_UTF8, F_CTL);
	} else
		put_text(d->out, d->pend.data, d->pend.len, e->kind, F_CTL);
	buf_reset(&d->pend);
	d->pcs[0] = '\0';
}

static int
is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Does s (len bytes) contain "=?"? */
static int
has_ew_start(const char *s, size_t len)
{
	const char *p, *end;

	if (len < 2)
		return 0;
	p = s;
	end = s + len;
	while (p + 1 < end && (p = memchr(p, '=', (size_t)(end - p - 1))))
		if (*++p == '?')
			return 1;
	return 0;
}

/*
 * Walk the value once: white space is held until the next token shows
 * whether it sits between two encoded words (dropped, RFC 2047 §6.2) or
 * not (kept, unfolded); decoded words wait in d->pend for a neighbour in
 * the same charset.
 */
void
rfc2047_decode_buf(struct buf *out, const char *s, size_t len)
{
	struct dctx d;
	struct ew w;
	char canon[CS_NAMEMAX + 1];
	size_t i = 0, j, ws = 0, wsend = 0;

	if (!has_ew_start(s, len)) {
		utf8_sanitize(out, s, len);
		return;
	}
	memset(&d, 0, sizeof(d));
	d.out = out;
	d.termfrom = 1;		/* empty [termfrom, term] */
	buf_reserve(out, len);
	while (i < len) {
		if (s[i] == '=' && i + 1 < len && s[i + 1] == '?' &&
		    ew_parse(&d, s, len, i, &w) == 0 &&
		    ew_decode(&d, s, &w, canon) == 0) {
			if (d.pcs[0] != '\0' && strcmp(d.pcs, canon) == 0)
				buf_add(&d.pend, d.word.data, d.word.len);
			else {
				if (d.pcs[0] != '\0')
					flush_pending(&d);
				else
					utf8_sanitize(out, s + ws, wsend - ws);
				memcpy(d.pcs, canon, sizeof(canon));
				buf_add(&d.pend, d.word.data, d.word.len);
			}
			ws = wsend = i = w.end;
			continue;
		}
		if (is_lws(s[i])) {
			for (j = i; j < len && is_lws(s[j]); j++)
				continue;
			ws = i;
			wsend = i = j;
			continue;
		}
		for (j = i + 1; j < len && !is_lws(s[j]) &&
		    !(s[j] == '=' && j + 1 < len && s[j + 1] == '?'); j++)
			continue;
		flush_pending(&d);
		utf8_sanitize(out, s + ws, wsend - ws);
		utf8_sanitize(out, s + i, j - i);
		ws = wsend = i = j;
	}
	flush_pending(&d);
	utf8_sanitize(out, s + ws, wsend - ws);
	buf_free(&d.pend);
	buf_free(&d.word);
	buf_free(&d.tmp);
}

char *
rfc2047_decode(const char *s, size_t len)
{
	struct buf b = BUF_INIT;

	rfc2047_decode_buf(&b, s, len);
	return buf_release(&b);
}

/* ------------------------------------------------------------ encoding */

#define LINE_MAX_OCTETS	76
#define EW_MAX		75	/* RFC 2047 §2 */
#define EW_OVERHEAD	12	/* "=?UTF-8?Q?" "?=" */
#define EW_MIN_TEXT	16	/* shorter words only to end a span */

/* Characters a Q word may carry as themselves (RFC 2047 §5 (3)). */
static int
q_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '!' || c == '*' || c == '+' ||
	    c == '-' || c == '/';
}

static size_t
q_len(unsigned char c)
{
	return q_safe(c) || c == ' ' ? 1 : 3;
}

/* Bytes in the UTF-8 character that starts with c (valid input). */
static size_t
u8_charlen(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c < 0xe0)
		return 2;
	if (c < 0xf0)
		return 3;
	return 4;
}

/* Does this word need to be encoded? */
static int
word_needs_ew(const unsigned char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] >= 0x7f || s[i] < 0x20 ||
		    (s[i] == '=' && i + 1 < len && s[i + 1] == '?'))
			return 1;
	return 0;
}

struct ectx {
	struct buf	 out;
	size_t		 col;		/* octets on the current line */
	int		 content;	/* the line has more than fold WSP */
};

/* Append a separator (sep, seplen) and a token of toklen octets about to
 * follow, folding before the separator when the token would not fit. */
static void
put_sep(struct ectx *e, const char *sep, size_t seplen, size_t toklen)
{
	if (seplen > 0 && e->content &&
	    e->col + seplen + toklen > LINE_MAX_OCTETS) {
		buf_addc(&e->out, '\n');
		e->col = 0;
		e->content = 0;
	}
	buf_add(&e->out, sep, seplen);
	e->col += seplen;
}

/* Append the Q or B form of s (len bytes, whole characters). */
static void
put_ew_text(struct buf *b, const unsigned char *s, size_t len, int q)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char hex[] = "0123456789ABCDEF";
	unsigned long v;
	size_t i;

	for (i = 0; q && i < len; i++) {
		if (q_safe(s[i]))
			buf_addc(b, s[i]);
		else if (s[i] == ' ')
			buf_addc(b, '_');
		else {
			buf_addc(b, '=');
			buf_addc(b, hex[s[i] >> 4]);
			buf_addc(b, hex[s[i] & 15]);
		}
	}
	for (i = 0; !q && i < len; i += 3) {
		v = (unsigned long)s[i] << 16;
		if (i + 1 < len)
			v |= (unsigned long)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		buf_addc(b, b64[v >> 18]);
		buf_addc(b, b64[(v >> 12) & 63]);
		buf_addc(b, i + 1 < len ? b64[(v >> 6) & 63] : '=');
		buf_addc(b, i + 2 < len ? b64[v & 63] : '=');
	}
}

/* Encoded length of len bytes in Q or B. */
static size_t
ew_textlen(const unsigned char *s, size_t len, int q)
{
	size_t i, n = 0;

	if (!q)
		return (len + 2) / 3 * 4;
	for (i = 0; i < len; i++)
		n += q_len(s[i]);
	return n;
}

/*
 * Append the span s (len bytes: words that need encoding and the white
 * space between them) as encoded words, the first after separator sep.
 * Encoded words break only between characters (RFC 2047 §5) and are
 * separated by a space or a fold, which decoding drops.
 */
static void
put_span(struct ectx *e, const char *sep, size_t seplen,
    const unsigned char *s, size_t len)
{
	size_t i = 0, j, k, n, avail, room, want, tl;
	int q;

	q = ew_textlen(s, len, 1) <= ew_textlen(s, len, 0);
	while (i < len) {
		/* Fold first if not even a short word fits on this line. */
		k = len - i < EW_MIN_TEXT ? len - i : EW_MIN_TEXT;
		want = ew_textlen(s + i, k, q);
		if (want > EW_MIN_TEXT)
			want = EW_MIN_TEXT;
		avail = LINE_MAX_OCTETS > e->col + seplen ?
		    LINE_MAX_OCTETS - e->col - seplen : 0;
		if (seplen > 0 && e->content && avail < EW_OVERHEAD + want) {
			buf_addc(&e->out, '\n');
			e->col = 0;
			e->content = 0;
			avail = LINE_MAX_OCTETS - seplen;
		}
		room = avail < EW_MAX ? avail : EW_MAX;
		room = room > EW_OVERHEAD ? room - EW_OVERHEAD : 0;
		/* Whole characters while they fit; at least one. */
		for (j = i, tl = 0; j < len; j += n) {
			n = u8_charlen(s[j]);
			if (n > len - j)
				n = len - j;
			if (q) {
				for (k = 0, want = 0; k < n; k++)
					want += q_len(s[j + k]);
				want += tl;
			} else
				want = ew_textlen(s + i, j + n - i, 0);
			if (j > i && want > room)
				break;
			tl = want;
		}
		buf_add(&e->out, sep, seplen);
		buf_adds(&e->out, q ? "=?UTF-8?Q?" : "=?UTF-8?B?");
		put_ew_text(&e->out, s + i, j - i, q);
		buf_adds(&e->out, "?=");
		e->col += seplen + EW_OVERHEAD + tl;
		e->content = 1;
		sep = " ";
		seplen = 1;
		i = j;
	}
}

static int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

char *
rfc2047_encode(const char *utf8, size_t len, size_t offset)
{
	struct buf clean = BUF_INIT;
	struct ectx e;
	const unsigned char *t;
	size_t n, i, a, b, c, end;

	if (len == 0)
		return xstrdup("");
	/* Printable ASCII (and tab) without "=?" stays as it is. */
	t = (const unsigned char *)utf8;
	for (i = 0; i < len; i++)
		if (t[i] >= 0x7f || (t[i] < 0x20 && t[i] != '\t') ||
		    (t[i] == '=' && i + 1 < len && t[i + 1] == '?'))
			break;
	if (i == len)
		return xstrndup(utf8, len);
	put_text(&clean, utf8, len, CS_UTF8, 0);
	t = (const unsigned char *)clean.data;
	n = clean.len;
	memset(&e, 0, sizeof(e));
	e.col = offset;
	for (i = 0; i < n; i = end) {
		for (a = i; a < n && is_wsp(t[a]); a++)
			continue;
		if (a == n) {
			buf_add(&e.out, t + i, n - i);
			break;
		}
		for (b = a; b < n && !is_wsp(t[b]); b++)
			continue;
		if (!word_needs_ew(t + a, b - a)) {
			put_sep(&e, (const char *)t + i, a - i, b - a);
			buf_add(&e.out, t + a, b - a);
			e.col += b - a;
			e.content = 1;
			end = b;
			continue;
		}
		/* Take in the following words that need encoding too. */
		for (end = b; end < n; end = b) {
			for (c = end; c < n && is_wsp(t[c]); c++)
				continue;
			for (b = c; b < n && !is_wsp(t[b]); b++)
				continue;
			if (c == n || !word_needs_ew(t + c, b - c))
				break;
		}
		put_span(&e, (const char *)t + i, a - i, t + a, end - a);
	}
	buf_free(&clean);
	return buf_release(&e.out);
}
