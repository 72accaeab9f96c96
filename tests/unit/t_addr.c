/* Unit tests for libcommon/addr. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "util.h"
#include "tap.h"

/*
 * Each case: an input (a counted string, NUL bytes allowed) and the
 * entries expected, each written {group} "name" <addr> (group and name
 * only when set, NULL for an empty-group marker), joined by ", ".
 */
struct tcase {
	const char	*in;
	size_t		 len;
	const char	*want;
};

#define C(s, w)	{ s, sizeof(s) - 1, w }

static const struct tcase cases[] = {
	/* RFC 5322 Appendix A.1.1 */
	C("John Doe <jdoe@machine.example>",
	    "\"John Doe\" <jdoe@machine.example>"),
	C("Mary Smith <mary@example.net>", "\"Mary Smith\" <mary@example.net>"),
	C("Michael Jones <mjones@machine.example>",
	    "\"Michael Jones\" <mjones@machine.example>"),
	/* A.1.2 */
	C("\"Joe Q. Public\" <john.q.public@example.com>",
	    "\"Joe Q. Public\" <john.q.public@example.com>"),
	C("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
	    "\"Mary Smith\" <mary@x.test>, <jdoe@example.org>, "
	    "\"Who?\" <one@y.test>"),
	C("<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
	    "<boss@nil.test>, \"Giant; \"Big\" Box\" <sysservices@example.net>"),
	/* A.1.3 */
	C("Pete <pete@silly.example>", "\"Pete\" <pete@silly.example>"),
	C("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
	    "{A Group} \"Ed Jones\" <c@a.test>, {A Group} <joe@where.test>, "
	    "{A Group} \"John\" <jdoe@one.test>"),
	C("Undisclosed recipients:;", "{Undisclosed recipients} NULL"),
	/* A.2 */
	C("\"Mary Smith: Personal Account\" <smith@home.example>",
	    "\"Mary Smith: Personal Account\" <smith@home.example>"),
	/* A.4 */
	C("Jane Brown <j-brown@other.example>",
	    "\"Jane Brown\" <j-brown@other.example>"),
	/* A.5: white space, comments, and other oddities */
	C("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
	    "\"Pete\" <pete@silly.test>"),
	C("A Group(Some people)\r\n     :Chris Jones "
	    "<c@(Chris's host.)public.example>,\r\n         joe@example.org,\r\n"
	    "  John <jdoe@one.test> (my dear friend); (the end of the group)",
	    "{A Group} \"Chris Jones\" <c@public.example>, "
	    "{A Group} <joe@example.org>, "
	    "{A Group} \"John\" <jdoe@one.test>"),
	C("(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;",
	    "{Hidden recipients} NULL"),
	/* A.6.1 obsolete addressing, A.6.3 obsolete white space */
	C("Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
	    "\"Mary Smith\" <mary@example.net>, <jdoe@test.example>"),
	C(" John Doe <jdoe@machine(comment).  example>",
	    "\"John Doe\" <jdoe@machine.example>"),
	C(" Mary Smith\r\n  \r\n          <mary@example.net>",
	    "\"Mary Smith\" <mary@example.net>"),

	/* groups */
	C("team: a@x, b@y;", "{team} <a@x>, {team} <b@y>"),
	C("undisclosed-recipients:;", "{undisclosed-recipients} NULL"),
	C("undisclosed-recipients:", "{undisclosed-recipients} NULL"),
	C("g: Alice <a@x>, \"Bob B.\" <b@y>;, c@z",
	    "{g} \"Alice\" <a@x>, {g} \"Bob B.\" <b@y>, <c@z>"),
	C("g: a@x, b@y", "{g} <a@x>, {g} <b@y>"),
	C("g1: a@x, g2: b@y;", "{g1} <a@x>, {g2} <b@y>"),
	C("g1:; g2: b@y;", "{g1} NULL, {g2} <b@y>"),
	C("\"The Team\": a@x;", "{The Team} <a@x>"),
	C(": a@x;", "{} <a@x>"),
	C("a@b, g: c@d; e@f", "<a@b>, {g} <c@d>, <e@f>"),
	C("g: <a@x>, <b@y>;", "{g} <a@x>, {g} <b@y>"),

	/* display names */
	C("=?utf-8?q?J=C3=B6rg?= <j@x>", "\"=?utf-8?q?J=C3=B6rg?=\" <j@x>"),
	C("=?utf-8?q?J=C3=B6rg?=  =?utf-8?q?_M?= <j@x>",
	    "\"=?utf-8?q?J=C3=B6rg?= =?utf-8?q?_M?=\" <j@x>"),
	C("\"=?utf-8?b?SsO2cmc=?=\" <j@x>", "\"=?utf-8?b?SsO2cmc=?=\" <j@x>"),
	C("John Q. Public <jqp@x.org>", "\"John Q. Public\" <jqp@x.org>"),
	C("\"John\" Q. \"Public\" <x@y>", "\"John Q. Public\" <x@y>"),
	C("J.R.R. Tolkien <t@x>", "\"J.R.R. Tolkien\" <t@x>"),
	C("\"  John \t  Doe  \" <j@x>", "\"John Doe\" <j@x>"),
	C("\"Smith, John\" <js@x>", "\"Smith, John\" <js@x>"),
	C("\"a\\\\b\" <x@y>", "\"a\\b\" <x@y>"),
	C("John (middle) Smith <x@y>", "\"John Smith\" <x@y>"),
	C("John(middle)Smith <x@y>", "\"John Smith\" <x@y>"),
	C("\"\" <x@y>", "<x@y>"),
	C("=?shift_jis?Q?=84@=84~=84p_Nakamura?= <nakamura@example.net>",
	    "\"=?shift_jis?Q?=84@=84~=84p_Nakamura?=\" <nakamura@example.net>"),
	C("=?big5?Q?=A5\\?= <a@b>", "\"=?big5?Q?=A5\\?=\" <a@b>"),
	C("=?big5?Q?=A5[x]\"(?= =?utf-8?B?SsO2cmc=?= <a@b>",
	    "\"=?big5?Q?=A5[x]\"(?= =?utf-8?B?SsO2cmc=?=\" <a@b>"),
	C("=?utf-8?q?x?=@example.com", "<=?utf-8?q?x?=@example.com>"),
	C("a@=?x?q?<>?=", "<a@=?x?q?<>?=>"),
	C("=?x?q?oops <a@b>", "\"=?x?q?oops\" <a@b>"),
	C("=?x?q?a b?= <a@b>", "\"=?x?q?a b?=\" <a@b>"),
	C("a=?x?q?@?=b@c", "<a=?x?q?@?=b>, <@c>"),
	C("\\=?x?q?a@b?=", "<\"=?x?q?a\"@b?=>"),
	C("x.\\=?a?q?b?=.y@c", "<\"x.=?a?q?b?=.y\"@c>"),
	C("=?a?q?b?=.=?c?q?d?=@e", "<=?a?q?b?=.=?c?q?d?=@e>"),
	C("a@=?x?q?b .c?=d", "<a@\\=?x?q?b.c?=d>"),
	C("a@=?x?q?b.c?=", "<a@=?x?q?b.c?=>"),
	C("Jörg Müller <jm@x>", "\"Jörg Müller\" <jm@x>"),
	C("J\xf6rg <j@x>", "\"J\xf6rg\" <j@x>"),

	/* comments */
	C("a@b (Alice Smith)", "\"Alice Smith\" <a@b>"),
	C("(Alice Smith) a@b", "\"Alice Smith\" <a@b>"),
	C("<a@b> (Alice)", "\"Alice\" <a@b>"),
	C("a@b (Alice) (Bob)", "\"Alice Bob\" <a@b>"),
	C("a@b (Alice (the) Smith)", "\"Alice (the) Smith\" <a@b>"),
	C("a@b (Alice \\(x\\) \\\\ Smith)", "\"Alice (x) \\ Smith\" <a@b>"),
	C("Bob <a@b> (Alice)", "\"Bob\" <a@b>"),
	C("a@b (Alice), c@d (Carol)",
	    "\"Alice\" <a@b>, \"Carol\" <c@d>"),
	C("a@b ( )", "<a@b>"),
	C("a(x)@b", "\"x\" <a@b>"),
	C("a@b (Alice\r\n Smith)", "\"Alice Smith\" <a@b>"),

	/* local parts and domains */
	C("\"john doe\"@example.com", "<\"john doe\"@example.com>"),
	C("\"john\".doe@example.com", "<john.doe@example.com>"),
	C("\"a@b\"@c", "<\"a@b\"@c>"),
	C("\"a\\\"b\"@c", "<\"a\\\"b\"@c>"),
	C("\"\"@c", "<\"\"@c>"),
	C("\"john\r\n doe\"@x", "<\"john doe\"@x>"),
	C("john..doe@x", "<john..doe@x>"),
	C("a.@b", "<a.@b>"),
	C(".@b", "<\".\"@b>"),
	C("user@[IPv6:::1]", "<user@[IPv6:::1]>"),
	C("Name <user@[IPv6:2001:db8::1]>",
	    "\"Name\" <user@[IPv6:2001:db8::1]>"),
	C("x@[ 1.2.3.4 ]", "<x@[1.2.3.4]>"),
	C("x@[1.2\\]3]", "<x@[1.2\\]3]>"),
	C("jörg@exämple.de", "<jörg@exämple.de>"),
	C("a@B.Example.COM", "<a@B.Example.COM>"),
	C("a\\,b@c", "<\"a,b\"@c>"),
	C("a@b\\,c, d@e", "<a@b\\,c>, <d@e>"),
	C("user . name @ example . com", "<user.name@example.com>"),
	C("user(c1).(c2)name@(c3)example(c4).com",
	    "\"c1 c2 c3 c4\" <user.name@example.com>"),
	C("a@b.", "<a@b.>"),

	/* obsolete routes, empty elements */
	C("<@a.net,@b.net:user@c.org>", "<user@c.org>"),
	C("<@a.net:user@c.org>", "<user@c.org>"),
	C("Bob <,@a.net,,@b.net:user@c.org>", "\"Bob\" <user@c.org>"),
	C("< @ a.net , @ b.net : user @ c.org >", "<user@c.org>"),
	C("<@a.net,@b.net:user@c.org>, d@e", "<user@c.org>, <d@e>"),
	C("a@b,,c@d", "<a@b>, <c@d>"),
	C(",, , a@b ,,", "<a@b>"),
	C("", ""),
	C("   \r\n  ", ""),
	C("(just a comment)", ""),

	/* the null address, bare words */
	C("<>", "<>"),
	C("Name <>", "\"Name\" <>"),
	C("user", "<user>"),
	C("<postmaster>", "<postmaster>"),
	C("Postmaster <postmaster>", "\"Postmaster\" <postmaster>"),
	C("John Smith", "<\"John Smith\">"),
	C("Doe, John <jd@x>", "<Doe>, \"John\" <jd@x>"),
	C("user@", "<user>"),

	/* bad input: every address-like thing is kept */
	C("<a@b", "<a@b>"),
	C("a@b>", "<a@b>"),
	C("Name <a@b, c@d", "\"Name\" <a@b>, <c@d>"),
	C("g: <a@b; c@d", "{g} <a@b>, <c@d>"),
	C("<<a@b>>", "<a@b>"),
	C("<a@b <c@d>", "<a@b>, <c@d>"),
	C("x <a@b> <c@d>", "\"x\" <a@b>, <c@d>"),
	C("<a@b> junk, c@d", "\"junk\" <a@b>, <c@d>"),
	C("<a@b>x@y", "<a@b>, <x@y>"),
	C("<a@b>, <>junk", "<a@b>, \"junk\" <>"),
	C("\"unbal <a@b>", "\"unbal\" <a@b>"),
	C("\"Alice <a@b>, c@d", "\"Alice\" <a@b>, <c@d>"),
	C("\"Alice\" \"Bob <a@b>", "\"Alice Bob\" <a@b>"),
	C("a@b, \"c@d", "<a@b>, <c@d>"),
	C("(unbal a@b", "\"unbal\" <a@b>"),
	C("(Alice a@b, c@d", "\"Alice\" <a@b>, <c@d>"),
	C("a@b (Alice", "\"Alice\" <a@b>"),
	C("a@b ((x)", "\"x\" <a@b>"),
	C("a@b) c@d", "<a@b>, <c@d>"),
	C("a@[1.2.3.4, b@c", "<a@1.2.3.4>, <b@c>"),
	C("a@[x, b@[1.2.3.4]", "<a@x>, <b@[1.2.3.4]>"),
	C("a@b@c", "<a@b>, <@c>"),
	C("a@@b", "<a>, <@b>"),
	C("@b", "<@b>"),
	C("a@b c@d", "<a@b>, <c@d>"),
	C("Alice alice@x.org", "\"Alice\" <alice@x.org>"),
	C("a@b Alice Smith", "\"Alice Smith\" <a@b>"),
	C("Name a@b <c@d>", "\"Name\" <a@b>, <c@d>"),
	C("john@example.com <john@example.com>",
	    "<john@example.com>, <john@example.com>"),
	C("a@b,", "<a@b>"),
	C("a@b;", "<a@b>"),
	C("a@b:c@d", "<a@b>, <c@d>"),
	C("mailto:a@b", "{mailto} <a@b>"),
	C("<mailto:a@b>", "<a@b>"),
	C("\"x\"a@b", "\"x\" <a@b>"),
	C("a@b\0c@d", "<a@b>, <c@d>"),
	C("Al\0ice <a@b>", "\"Al ice\" <a@b>"),
	C("\"a\0b\"@c", "<ab@c>"),
	C("a\0@b", "<a@b>"),
	C("a@b\\", "<a@b>"),
	C("\\", ""),
	C("a@b\x01, c\x7f@d", "<a@b\x01>, <\"c\x7f\"@d>"),
	C("Alice\n <a@b>,\n\tc@d", "\"Alice\" <a@b>, <c@d>"),
	C("a@b\r\n, c@d", "<a@b>, <c@d>"),
};

/* Render a list as the cases write it. */
static void
render(struct buf *b, const struct addrlist *l, size_t from)
{
	size_t i;

	for (i = from; i < l->n; i++) {
		if (i > from)
			buf_adds(b, ", ");
		if (l->v[i].group != NULL)
			buf_printf(b, "{%s} ", l->v[i].group);
		if (l->v[i].name != NULL)
			buf_printf(b, "\"%s\" ", l->v[i].name);
		if (l->v[i].addr != NULL)
			buf_printf(b, "<%s>", l->v[i].addr);
		else
			buf_adds(b, "NULL");
	}
	if (b->len > 0 && b->data[b->len - 1] == ' ')
		buf_truncate(b, b->len - 1);
}

static void
show(struct buf *b, const char *s, size_t len)
{
	size_t i;

	buf_reset(b);
	for (i = 0; i < len && i < 60; i++) {
		if (s[i] == '\r')
			buf_adds(b, "\\r");
		else if (s[i] == '\n')
			buf_adds(b, "\\n");
		else if ((unsigned char)s[i] < 32)
			buf_printf(b, "\\%o", (unsigned char)s[i]);
		else
			buf_addc(b, s[i]);
	}
	if (len > 60)
		buf_adds(b, "...");
}

/* Parse, check, then format and parse again: the same entries. */
static void
check_case(const struct tcase *c)
{
	struct addrlist l = ADDRLIST_INIT, l2 = ADDRLIST_INIT;
	struct buf got = BUF_INIT, again = BUF_INIT, f = BUF_INIT,
	    name = BUF_INIT;

	show(&name, c->in, c->len);
	addr_parse(&l, c->in, c->len);
	render(&got, &l, 0);
	is_str(buf_cstr(&got), c->want, "parse '%s'", name.data);
	addrlist_format(&f, &l, 1);
	addr_parse(&l2, f.data, f.len);
	render(&again, &l2, 0);
	is_str(buf_cstr(&again), buf_cstr(&got), "round trip '%s' via '%s'",
	    name.data, buf_cstr(&f));
	addrlist_free(&l);
	addrlist_free(&l2);
	buf_free(&got);
	buf_free(&again);
	buf_free(&f);
	buf_free(&name);
}

static void
check_format(void)
{
	struct addr a;
	struct buf b = BUF_INIT;
	struct addrlist l = ADDRLIST_INIT;
	static const char in[] =
	    "\"Giant; \\\"Big\\\" Box\" <s@x>, Mary Smith <m@x>, "
	    "\"J. Q. Public\" <p@x>, <>, g:;, h: a@b, c@d;, bare@x";

#define FMT(n, addr_, grp, wn, want) do {				\
	a.name = (n);							\
	a.addr = (addr_);						\
	a.group = (grp);						\
	buf_reset(&b);							\
	addr_format(&b, &a, (wn));					\
	is_str(buf_cstr(&b), (want), "addr_format %s", (want));		\
} while (0)

	FMT("Mary Smith", "m@x", NULL, 1, "Mary Smith <m@x>");
	FMT("Mary Smith", "m@x", NULL, 0, "m@x");
	FMT(NULL, "m@x", NULL, 1, "m@x");
	FMT("Giant; \"Big\" Box", "s@x", NULL, 1,
	    "\"Giant; \\\"Big\\\" Box\" <s@x>");
	FMT("J. Q. Public", "p@x", NULL, 1, "\"J. Q. Public\" <p@x>");
	FMT("=?utf-8?q?J=C3=B6rg?=", "j@x", NULL, 1,
	    "=?utf-8?q?J=C3=B6rg?= <j@x>");
	FMT("Jörg", "j@x", NULL, 1, "Jörg <j@x>");
	FMT("a\\b", "j@x", NULL, 1, "\"a\\\\b\" <j@x>");
	FMT("", "j@x", NULL, 1, "\"\" <j@x>");
	FMT(NULL, "", NULL, 1, "<>");
	FMT("Name", "", NULL, 1, "Name <>");
	FMT(NULL, NULL, "undisclosed-recipients", 1,
	    "undisclosed-recipients:;");
	FMT(NULL, NULL, "undisclosed-recipients", 0, "");
	FMT(NULL, NULL, "A.B", 1, "\"A.B\":;");

	addr_parse(&l, in, sizeof(in) - 1);
	buf_reset(&b);
	addrlist_format(&b, &l, 1);
	is_str(b.data, "\"Giant; \\\"Big\\\" Box\" <s@x>, Mary Smith <m@x>, "
	    "\"J. Q. Public\" <p@x>, <>, g:;, h: a@b, c@d;, bare@x",
	    "addrlist_format with names and groups");
	buf_reset(&b);
	addrlist_format(&b, &l, 0);
	is_str(b.data, "s@x, m@x, p@x, <>, a@b, c@d, bare@x",
	    "addrlist_format, addresses only");
	addrlist_free(&l);
	buf_free(&b);
#undef FMT
}

static void
check_helpers(void)
{
	struct addrlist l = ADDRLIST_INIT;
	struct buf b = BUF_INIT;

	is_str(addr_domain("a@b.example"), "b.example", "addr_domain");
	is_str(addr_domain("\"a@b\"@c"), "c", "addr_domain, quoted @");
	is_str(addr_domain("\"a\\\"@b\"@c"), "c", "addr_domain, escaped quote");
	is_str(addr_domain("user@[IPv6:::1]"), "[IPv6:::1]",
	    "addr_domain, literal");
	ok(addr_domain("user") == NULL, "addr_domain, none");
	ok(addr_domain("") == NULL, "addr_domain, null address");
	is_str(addr_domain("@c"), "c", "addr_domain, empty local part");

	ok(addr_same("Joe@Example.COM", "joe@example.com"),
	    "addr_same folds case");
	ok(!addr_same("joe@example.com", "joe@example.org"),
	    "addr_same, other domain");
	ok(!addr_same("joe@example.com", "jo@example.com"),
	    "addr_same, other local part");
	ok(!addr_same("joe", "joe@example.com"), "addr_same, no domain");
	ok(addr_same("joe", "JOE"), "addr_same, local only");
	ok(addr_same("\"a b\"@x", "\"A B\"@X"), "addr_same, quoted");
	ok(!addr_same("\"a@b\"@c", "\"a@b\"@d"), "addr_same, quoted @");
	ok(addr_same("", ""), "addr_same, null addresses");

	/* appending: entries of earlier calls stay valid */
	addr_parse(&l, "a@b", 3);
	addrlist_add(&l, "Me", "me@here", NULL);
	addr_parse(&l, "g: c@d;", 7);
	addrlist_add(&l, NULL, NULL, "empty");
	render(&b, &l, 0);
	is_str(b.data, "<a@b>, \"Me\" <me@here>, {g} <c@d>, {empty} NULL",
	    "addr_parse and addrlist_add append");
	addrlist_free(&l);
	is_int(l.n, 0, "addrlist_free empties the list");
	addr_parse(&l, "x@y", 3);
	is_int(l.n, 1, "list reusable after addrlist_free");
	addrlist_free(&l);
	addrlist_init(&l);
	addrlist_free(&l);
	buf_free(&b);
}

/* Big inputs: many addresses, long names, pathological nesting. */
static void
check_big(void)
{
	struct addrlist l = ADDRLIST_INIT;
	struct buf b = BUF_INIT, want = BUF_INIT;
	size_t i, n = 100000, bad;

	for (i = 0; i < n; i++)
		buf_printf(&b, "%sUser %zu <user%zu@example.com>",
		    i ? ",\r\n " : "", i, i);
	addr_parse(&l, b.data, b.len);
	is_int(l.n, n, "100000 addresses");
	bad = 0;
	for (i = 0; i < l.n; i++) {
		buf_reset(&want);
		buf_printf(&want, "user%zu@example.com", i);
		if (strcmp(l.v[i].addr, want.data) != 0 ||
		    strncmp(l.v[i].name, "User ", 5) != 0)
			bad++;
	}
	is_int(bad, 0, "100000 addresses, each right");
	addrlist_free(&l);

	buf_reset(&b);
	buf_adds(&b, "g: ");
	for (i = 0; i < n; i++)
		buf_printf(&b, "u%zu@x ", i);
	addr_parse(&l, b.data, b.len);
	is_int(l.n, n, "100000 addresses in one group, no commas");
	ok(l.n == n && strcmp(l.v[n - 1].addr, "u99999@x") == 0 &&
	    strcmp(l.v[n - 1].group, "g") == 0, "last one right");
	addrlist_free(&l);

	buf_reset(&b);
	buf_addc(&b, '"');
	for (i = 0; i < 1000000; i++)
		buf_addc(&b, "ab cd\\\""[i % 7]);
	buf_adds(&b, "\" <long@x>");
	addr_parse(&l, b.data, b.len);
	ok(l.n == 1 && strcmp(l.v[0].addr, "long@x") == 0 &&
	    l.v[0].name != NULL && strlen(l.v[0].name) > 800000,
	    "name of 1000000 bytes");
	addrlist_free(&l);

	/* unbalanced input must stay linear: these would take hours if not */
	buf_reset(&b);
	for (i = 0; i < n; i++)
		buf_addc(&b, '(');
	buf_adds(&b, "a@b (c)");
	addr_parse(&l, b.data, b.len);
	ok(l.n == 1 && strcmp(l.v[0].addr, "a@b") == 0 &&
	    strcmp(l.v[0].name, "c") == 0, "100000 unclosed '('");
	addrlist_free(&l);

	buf_reset(&b);
	for (i = 0; i < n; i++)
		buf_adds(&b, "(\\(");
	buf_adds(&b, " a@b");
	addr_parse(&l, b.data, b.len);
	ok(l.n == 1 && strcmp(l.v[0].addr, "a@b") == 0,
	    "100000 unclosed '(' with escapes");
	addrlist_free(&l);

	buf_reset(&b);
	for (i = 0; i < n; i++)
		buf_adds(&b, "\"\\");
	buf_adds(&b, "\" a@b");
	addr_parse(&l, b.data, b.len);
	ok(l.n == 1 && strcmp(l.v[0].addr, "a@b") == 0,
	    "100000 unclosed quotes");
	addrlist_free(&l);

	buf_reset(&b);
	for (i = 0; i < n; i++)
		buf_adds(&b, "[x");
	buf_adds(&b, " a@b");
	addr_parse(&l, b.data, b.len);
	ok(l.n == 1 && strcmp(l.v[0].addr, "a@b") == 0,
	    "100000 unclosed '['");
	addrlist_free(&l);

	buf_reset(&b);
	for (i = 0; i < n; i++)
		buf_adds(&b, "<@x,");
	buf_adds(&b, " a@b");
	addr_parse(&l, b.data, b.len);
	ok(l.n == n + 1 && strcmp(l.v[n].addr, "a@b") == 0,
	    "100000 unclosed routes");
	addrlist_free(&l);

	buf_free(&b);
	buf_free(&want);
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
	check_format();
	check_helpers();
	check_big();
	return done_testing();
}
