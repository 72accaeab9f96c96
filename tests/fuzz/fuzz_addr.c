/*
 * libFuzzer target for libcommon/addr.  Any bytes go to addr_parse, and:
 *
 * - no address is lost: there are at least as many addresses as "@"
 *   characters outside quoted strings, comments, domain literals and
 *   obsolete routes ("<@a,@b:" says where to go, not who) and RFC 2047
 *   encoded words that start an atom (their text may hold an "@" that a
 *   careless encoder left unencoded).  The count
 *   below is conservative: it stops at an unclosed comment and leaves
 *   out any "<" that is not followed by a plain word, since the parser
 *   may read those as routes;
 * - the entries are well formed: a NULL addr only for a group marker,
 *   no line breaks or doubled spaces in names, no empty names;
 * - formatting the list and parsing the result gives the same entries,
 *   with names and groups, and without them.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Where a quoted string, comment or domain literal opened at s[i] closes,
 * or n when it does not; a literal also stops (at n) on a '[' and says so
 * in *inner.  Written apart from the parser's scans, to the same rules.
 */
static size_t
closing(const char *s, size_t n, size_t i, int *inner)
{
	char open = s[i];
	size_t depth = 1;

	*inner = 0;
	for (i++; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (open == '"' && s[i] == '"')
			return i;
		else if (open == '[' && s[i] == ']')
			return i;
		else if (open == '[' && s[i] == '[') {
			*inner = 1;
			return n;
		} else if (open == '(' && s[i] == '(')
			depth++;
		else if (open == '(' && s[i] == ')' && --depth == 0)
			return i;
	}
	return n;
}

static int
plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	    c == '\f' || c == '\0';
}

/* An encoded word at s[i] ("=?cs?e?text?="): its end, or i. */
static size_t
encword(const char *s, size_t n, size_t i)
{
	size_t j = i + 2;
	int part;

	if (i + 1 >= n || s[i] != '=' || s[i + 1] != '?')
		return i;
	for (part = 0; part < 3; part++) {
		while (j < n && s[j] > ' ' && s[j] < 0x7f && s[j] != '?' &&
		    (part == 2 || strchr("()<>@,;:\"/[].=", s[j]) == NULL))
			j++;
		if (j == n || s[j] != '?' || (part < 2 && s[j - 1] == '?'))
			return i;
		j++;
	}
	return j < n && s[j] == '=' ? j + 1 : i;
}

/* "@" that must each give an address (see above). */
static size_t
count_at(const char *s, size_t n)
{
	size_t i = 0, e, count = 0;
	int noquote = 0, nolit = 0, skip = 0, inner, atom = 0;

	while (i < n) {
		if (!atom && (e = encword(s, n, i)) > i) {
			i = e;
			continue;
		}
		atom = 0;
		switch (s[i]) {
		case '\\':
			if (i + 1 < n)
				atom = 1;
			i += 2;
			continue;
		case '"':
			if (noquote)
				break;
			if ((e = closing(s, n, i, &inner)) < n) {
				i = e + 1;
				continue;
			}
			noquote = 1;
			break;
		case '(':
			if ((e = closing(s, n, i, &inner)) == n)
				return count;
			i = e + 1;
			continue;
		case '[':
			if (nolit)
				break;
			if ((e = closing(s, n, i, &inner)) < n) {
				i = e + 1;
				continue;
			}
			if (!inner)
				nolit = 1;
			break;
		case '<':
			for (e = i + 1; e < n; e++) {
				if (s[e] == '(') {
					if ((e = closing(s, n, e, &inner)) == n)
						return count;
				} else if (!space((unsigned char)s[e]))
					break;
			}
			if (e == n || !plain((unsigned char)s[e]))
				skip = 1;
			break;
		case ':':
		case '>':
			skip = 0;
			break;
		case '@':
			if (!skip)
				count++;
			break;
		case ')': case ']': case ',': case ';': case '.':
			break;
		default:
			atom = !space((unsigned char)s[i]);
			break;
		}
		i++;
	}
	return count;
}

static void
check_text(const char *s, int isname)
{
	if (s == NULL)
		return;
	if (strchr(s, '\r') != NULL || strchr(s, '\n') != NULL)
		abort();
	if (!isname)
		return;
	if (s[0] == ' ' || strstr(s, "  ") != NULL || strchr(s, '\t') ||
	    (s[0] != '\0' && s[strlen(s) - 1] == ' '))
		abort();
}

static int
same(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addrlist l = ADDRLIST_INIT, l2 = ADDRLIST_INIT;
	struct buf b = BUF_INIT;
	const struct addr *a;
	size_t i, j, naddr = 0;

	addr_parse(&l, (const char *)data, size);
	for (i = 0; i < l.n; i++) {
		a = &l.v[i];
		if (a->addr == NULL && a->group == NULL)
			abort();
		if (a->name != NULL && a->name[0] == '\0')
			abort();
		check_text(a->name, 1);
		check_text(a->group, 1);
		check_text(a->addr, 0);
		if (a->addr != NULL) {
			naddr++;
			(void)addr_domain(a->addr);
			if (!addr_same(a->addr, a->addr))
				abort();
		}
	}
	if (naddr < count_at((const char *)data, size))
		abort();

	addrlist_format(&b, &l, 1);
	addr_parse(&l2, b.data, b.len);
	if (l2.n != l.n)
		abort();
	for (i = 0; i < l.n; i++)
		if (!same(l.v[i].name, l2.v[i].name) ||
		    !same(l.v[i].addr, l2.v[i].addr) ||
		    !same(l.v[i].group, l2.v[i].group))
			abort();
	addrlist_free(&l2);

	buf_reset(&b);
	addrlist_format(&b, &l, 0);
	addr_parse(&l2, b.data, b.len);
	for (i = j = 0; i < l.n; i++) {
		if (l.v[i].addr == NULL)
			continue;
		if (j >= l2.n || !same(l.v[i].addr, l2.v[j].addr))
			abort();
		j++;
	}
	if (j != l2.n)
		abort();

	addrlist_free(&l);
	addrlist_free(&l2);
	buf_free(&b);
	return 0;
}
