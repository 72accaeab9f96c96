/* Unit tests for libcommon/rfc2047. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rfc2047.h"
#include "util.h"
#include "tap.h"

#define FFFD "\xef\xbf\xbd"

/* Decode a counted input and compare with want. */
static void
decn(const char *in, size_t len, const char *want, const char *name)
{
	char *got = rfc2047_decode(in, len);

	is_str(got, want, "decode: %s", name);
	free(got);
}

static void
dec(const char *in, const char *want, const char *name)
{
	decn(in, strlen(in), want, name);
}

static void
san(const char *in, size_t len, const char *want, const char *name)
{
	struct buf b = BUF_INIT;

	utf8_sanitize(&b, in, len);
	is_str(buf_cstr(&b), want, "sanitize: %s", name);
	buf_free(&b);
}

static void
conv(const char *cs, const char *in, size_t len, const char *want,
    const char *name)
{
	struct buf b = BUF_INIT;
	int r;

	r = charset_to_utf8(&b, cs, in, len);
	is_int(r, 0, "charset_to_utf8 %s: %s: returns 0", cs, name);
	is_str(buf_cstr(&b), want, "charset_to_utf8 %s: %s", cs, name);
	buf_free(&b);
}

static void
enc(const char *in, size_t offset, const char *want, const char *name)
{
	char *got = rfc2047_encode(in, strlen(in), offset);

	is_str(got, want, "encode: %s", name);
	free(got);
}

/* Longest line of s, the first counting offset columns already used. */
static size_t
longest_line(const char *s, size_t offset)
{
	size_t max = 0, col = offset;

	for (; *s; s++) {
		if (*s == '\n') {
			col = 0;
			continue;
		}
		if (++col > max)
			max = col;
	}
	return max;
}

static int
all_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* encode then decode gives back the input; lines stay within 76. */
static void
roundtrip(const char *in, size_t offset, const char *name)
{
	char *e = rfc2047_encode(in, strlen(in), offset);
	char *d = rfc2047_decode(e, strlen(e));

	is_str(d, in, "round trip: %s", name);
	ok(all_ascii(e), "round trip: %s: encoded form is ASCII", name);
	ok(longest_line(e, offset) <= 76, "round trip: %s: lines <= 76 "
	    "(longest %zu)", name, longest_line(e, offset));
	free(e);
	free(d);
}

static void
test_rfc_examples(void)
{
	/* RFC 2047 §8, every example. */
	dec("=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>",
	    "Keith Moore <moore@cs.utk.edu>", "§8 From Keith Moore");
	dec("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
	    "Keld J\xc3\xb8rn Simonsen <keld@dkuug.dk>", "§8 To Keld");
	dec("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
	    "Andr\xc3\xa9 Pirard <PIRARD@vm1.ulg.ac.be>", "§8 CC Andre");
	dec("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n"
	    "    =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
	    "If you can read this you understand the example.",
	    "§8 Subject, two charsets, folded");
	dec("=?ISO-8859-1?Q?Olle_J=E4rmefors?= <olle@ifi.uio.no>",
	    "Olle J\xc3\xa4rmefors <olle@ifi.uio.no>", "§8 From Olle");
	dec("=?ISO-8859-1?Q?Patrik_F=E4ltstr=F6m?= <paf@nada.kth.se>",
	    "Patrik F\xc3\xa4ltstr\xc3\xb6m <paf@nada.kth.se>",
	    "§8 To Patrik");
	dec("Re: RFC-HDR care and feeding", "Re: RFC-HDR care and feeding",
	    "§8 plain Subject");
	dec("Nathaniel Borenstein <nsb@thumper.bellcore.com>\r\n"
	    "    (=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)",
	    "Nathaniel Borenstein <nsb@thumper.bellcore.com>    ("
	    "\xd7\x9d\xd7\x95\xd7\x9c\xd7\xa9 \xd7\x9f\xd7\x91 "
	    "\xd7\x99\xd7\x9c\xd7\x98\xd7\xa4\xd7\xa0)",
	    "§8 Hebrew comment");
	dec("(=?ISO-8859-1?Q?a?=)", "(a)", "§8 (a)");
	dec("(=?ISO-8859-1?Q?a?= b)", "(a b)", "§8 (a b)");
	dec("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)",
	    "§8 adjacent, one space");
	dec("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)",
	    "§8 adjacent, two spaces");
	dec("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)",
	    "§8 adjacent, folded");
	dec("(=?ISO-8859-1?Q?a_b?=)", "(a b)", "§8 underscore");
	dec("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)",
	    "§8 space encoded in the second word");
	/* RFC 2231 §5 */
	dec("=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore",
	    "RFC 2231 language suffix");
	dec("=?utf-8*de-CH?B?w6Q=?=", "\xc3\xa4", "language suffix with B");
}

static void
test_adjacent(void)
{
	dec("=?utf-8?b?4g==?= =?utf-8?b?gqw=?=", "\xe2\x82\xac",
	    "UTF-8 euro split across B words");
	dec("=?UTF-8?Q?=E2?=\r\n =?utf-8?q?=82=AC?=", "\xe2\x82\xac",
	    "UTF-8 split across folded Q words, charset case differs");
	dec("=?utf8?q?=E2=82?= =?UTF-8?Q?=AC?=", "\xe2\x82\xac",
	    "utf8 alias joins with utf-8");
	dec("=?utf-8?q?=E2?= =?utf-8?b?gg==?= =?utf-8?q?=AC?=", "\xe2\x82\xac",
	    "split across three words, Q and B mixed");
	dec("=?shift_jis?b?gg==?= =?Shift_JIS?b?oA==?=", "\xe3\x81\x82",
	    "Shift_JIS split across words");
	dec("=?iso-2022-jp?b?GyRCRg==?= =?ISO-2022-JP?b?fEtcOGwbKEI=?=",
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	    "ISO-2022-JP split inside a character");
	dec("=?utf-8?b?4g==?= =?iso-8859-1?q?x?=", FFFD "x",
	    "a lone half character in another charset is U+FFFD");
	dec("=?utf-8?q?a?= =?iso-8859-1?q?=E9?=", "a\xc3\xa9",
	    "adjacent words in different charsets");
	dec("=?utf-8?q?a?=\n\t=?utf-8?q?b?=", "ab", "LF-tab fold between words");
	dec("=?utf-8?q?a?= \r\n \t =?utf-8?q?b?=", "ab",
	    "mixed white space between words");
	dec("=?utf-8?q?a?==?utf-8?q?b?=", "ab", "words with nothing between");
	dec("=?utf-8?q?a?= b =?utf-8?q?c?=", "a b c",
	    "plain word between encoded words");
	dec("Hello =?utf-8?q?W=C3=B6rld?= !", "Hello W\xc3\xb6rld !",
	    "word next to plain text keeps the spaces");
	dec("Hello  =?utf-8?q?x?=\r\n\ttail", "Hello  x\ttail",
	    "fold next to plain text is unfolded");
	dec("a =?utf-8?q?\?= b", "a  b", "empty encoded word");
	dec("=?utf-8?q?a?= =?utf-8?q?\?= =?utf-8?q?b?=", "ab",
	    "empty word between words");
}

static void
test_encodings(void)
{
	dec("=?utf-8?q?a_b__c?=", "a b  c", "underscore in Q is a space");
	dec("=?utf-8?b?X18=?=", "__", "underscore in B is itself");
	dec("=?utf-8?q?=c3=a9?=", "\xc3\xa9", "lower-case hex in Q");
	dec("=?UtF-8?b?w6k=?=", "\xc3\xa9", "upper-case B, mixed-case charset");
	dec("=?utf-8?Q?x=3F?=", "x?", "encoded question mark");
	dec("=?utf-8?q?a b?=", "a b", "raw space inside Q text accepted");
	dec("=?utf-8?b?YWJjZA?=", "abcd", "missing base64 padding accepted");
	dec("=?utf-8?b?YWJjZA==?=", "abcd", "base64 padding");
	dec("\"=?utf-8?q?Andr=C3=A9?=\" <a@b>", "\"Andr\xc3\xa9\" <a@b>",
	    "inside a quoted string");
	dec("foo=?utf-8?q?bar?=baz", "foobarbaz", "in the middle of an atom");
	dec("(=?utf-8?q?x?=)", "(x)", "in a comment");
	dec("=?iso-8859-1?q?=80?=", "\xe2\x82\xac",
	    "iso-8859-1 read as windows-1252");
	dec("=?us-ascii?q?caf=E9?=", "caf\xc3\xa9",
	    "us-ascii with 8-bit read as windows-1252");
	dec("=?gb2312?b?yNWxvg==?=", "\xe6\x97\xa5\xe6\x9c\xac",
	    "gb2312 through GB18030");
	dec("=?ks_c_5601-1987?b?x9GxuQ==?=", "\xed\x95\x9c\xea\xb5\xad",
	    "ks_c_5601-1987 through CP949");
	dec("=?iso-8859-8-i?q?=F9?=", "\xd7\xa9", "iso-8859-8-i");
	dec("=?x-unknown?q?caf=C3=A9?=", "caf\xc3\xa9",
	    "x-unknown holding UTF-8");
	dec("=?x-unknown?q?caf=E9?=", "caf\xc3\xa9",
	    "x-unknown holding latin1");
	dec("=?koi8-r?b?8NLJ18XU?=",
	    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",
	    "koi8-r through iconv");
	dec("=?utf-8?q?a=FFb?=", "a" FFFD "b", "invalid UTF-8 in a word");
	dec("=?euc-jp?b?pKI=?=", "\xe3\x81\x82", "EUC-JP");
}

static void
test_broken(void)
{
	dec("=?x-nonesuch?q?a?=", "=?x-nonesuch?q?a?=",
	    "unknown charset left as written");
	dec("=?x-nonesuch?q?a?= =?utf-8?q?b?=", "=?x-nonesuch?q?a?= b",
	    "unknown charset next to a good word");
	dec("=?utf-8//TRANSLIT?q?a?=", "=?utf-8//TRANSLIT?q?a?=",
	    "charset with iconv options refused");
	dec("=??q?a?=", "=??q?a?=", "empty charset");
	dec("=?utf-8?x?abc?=", "=?utf-8?x?abc?=", "unknown encoding");
	dec("=?utf-8?b?YW!j?=", "=?utf-8?b?YW!j?=",
	    "bad base64 character");
	dec("=?utf-8?b?Y?=", "=?utf-8?b?Y?=", "impossible base64 length");
	dec("=?utf-8?b?YQ==YQ?=", "=?utf-8?b?YQ==YQ?=",
	    "base64 data after padding");
	dec("x =?utf-8?b?YW!j?= =?utf-8?q?ok?= y",
	    "x =?utf-8?b?YW!j?= ok y", "broken word next to a good one");
	dec("=?utf-8?q?a=ZZ?=", "=?utf-8?q?a=ZZ?=", "bad QP escape");
	dec("=?utf-8?q?a=4?=", "=?utf-8?q?a=4?=", "short QP escape");
	dec("=?utf-8?q?abc", "=?utf-8?q?abc", "missing ?=");
	dec("=?utf-8?q?abc?", "=?utf-8?q?abc?", "missing = of ?=");
	dec("=?utf-8?q?abc\r\n def?=", "=?utf-8?q?abc def?=",
	    "a word does not span lines");
	dec("=?utf-8?q", "=?utf-8?q", "cut short after the encoding");
	dec("=?", "=?", "just =?");
	dec("a=?b", "a=?b", "=? in text");
	dec("=?=?utf-8?q?x?=", "=?x", "=? right before a word");
	dec("=?utf-8?q?=?utf-8?q?ok?=", "=?utf-8?q?ok",
	    "broken word holding a good one");
	dec("=?utf-8?q?a?= =?utf-8?q?=ZZ?= =?utf-8?q?b?=",
	    "a =?utf-8?q?=ZZ?= b", "broken word between good ones");
}

static void
test_raw(void)
{
	dec("Caf\xc3\xa9 na\xc3\xafve", "Caf\xc3\xa9 na\xc3\xafve",
	    "raw UTF-8 kept");
	dec("caf\xe9", "caf\xc3\xa9", "raw latin1 read as windows-1252");
	dec("\x80 5", "\xe2\x82\xac 5", "raw 0x80 is the euro sign");
	dec("\x93quoted\x94", "\xe2\x80\x9cquoted\xe2\x80\x9d",
	    "windows-1252 quotes");
	dec("x\x81y", "x" FFFD "y", "undefined windows-1252 byte");
	dec("\xc3\xa9 \xe9", "\xc3\xa9 \xc3\xa9",
	    "UTF-8 and latin1 runs decided each on its own");
	dec("\xc3\xa9\xe9", "\xc3\x83\xc2\xa9\xc3\xa9",
	    "one run with invalid UTF-8 is windows-1252 throughout");
	dec("\xc2\x85", FFFD, "raw C1 control in UTF-8");
	dec("\xed\xa0\x80", "\xc3\xad\xc2\xa0\xe2\x82\xac",
	    "UTF-8-encoded surrogate is not UTF-8");
	dec("=?utf-8?q?x?= caf\xe9", "x caf\xc3\xa9",
	    "raw 8-bit after an encoded word");
	dec("\xf0\x9f\x98\x80 =?utf-8?q?x?=", "\xf0\x9f\x98\x80 x",
	    "raw emoji before an encoded word");
}

static void
test_controls(void)
{
	dec("a\x01" "b\x7f" "c", "a" FFFD "b" FFFD "c", "C0 and DEL");
	dec("a\tb", "a\tb", "tab kept");
	dec("a\rb", "a b", "CR");
	dec("a\nb", "a b", "LF");
	dec("a\r\nb", "a b", "CRLF not followed by WSP");
	dec("a\r\n b", "a b", "CRLF fold");
	dec("a\n\tb", "a\tb", "LF fold");
	dec("a\r\n\r\n b", "a  b", "line break then fold");
	dec("a\r\n", "a ", "trailing CRLF");
	dec(" a ", " a ", "leading and trailing space kept");
	dec("=?utf-8?q?a=0D=0Ab=00c=7F?=", "a b" FFFD "c" FFFD,
	    "controls inside an encoded word");
	dec("=?utf-8?q?a=09b?=", "a\tb", "encoded tab kept");
	dec("=?utf-8?q?=C2=85?=", FFFD, "encoded C1 control");
	dec("=?iso-8859-1?q?=81?=", FFFD, "encoded undefined windows-1252");
	dec("=?utf-8?q?a=0D?= =?utf-8?q?=0Ab?=", "a b",
	    "CRLF split across words is one space");
	decn("a\0b", 3, "a" FFFD "b", "NUL byte");
	decn("=?utf-8?q?a\0b?=", 15, "a" FFFD "b", "raw NUL inside a word");
	decn("=?utf-8?q?a=00b?= \0", 19, "a" FFFD "b " FFFD,
	    "encoded NUL and raw NUL");
	decn("", 0, "", "empty input");
	decn(NULL, 0, "", "NULL with length 0");
}

static void
test_long(void)
{
	struct buf in = BUF_INIT, want = BUF_INIT;
	char *got;
	size_t i;

	/* 1 MB of adjacent words, all joined. */
	for (i = 0; in.len < 1024 * 1024; i++) {
		buf_adds(&in, "=?utf-8?q?=C3=A9?=\r\n ");
		buf_adds(&want, "\xc3\xa9");
	}
	buf_addc(&want, ' ');	/* the last fold is white space at the end */
	got = rfc2047_decode(in.data, in.len);
	ok(strlen(got) == want.len && strcmp(got, want.data) == 0,
	    "1 MB of adjacent encoded words (%zu)", i);
	free(got);

	/* 1 MB of a Q word split byte by byte, B words in between. */
	buf_reset(&in);
	buf_reset(&want);
	for (i = 0; in.len < 1024 * 1024; i++) {
		buf_adds(&in, i % 2 ? "=?utf-8?q?=E2?= =?utf-8?b?gg==?= " :
		    "=?utf-8?q?=AC?= ");
	}
	got = rfc2047_decode(in.data, in.len);
	ok(strstr(got, "\xe2\x82\xac") != NULL && strlen(got) > 0,
	    "1 MB of split characters");
	free(got);

	/* 1 MB of latin1 text. */
	buf_reset(&in);
	buf_reset(&want);
	for (i = 0; in.len < 1024 * 1024; i++) {
		buf_adds(&in, "caf\xe9 ");
		buf_adds(&want, "caf\xc3\xa9 ");
	}
	got = rfc2047_decode(in.data, in.len);
	ok(strcmp(got, want.data) == 0, "1 MB of raw latin1");
	free(got);

	/* 1 MB of word starts without an end, and nested broken words. */
	buf_reset(&in);
	while (in.len < 1024 * 1024)
		buf_adds(&in, "=?utf-8?q?");
	got = rfc2047_decode(in.data, in.len);
	is_int(strlen(got), in.len, "1 MB of unterminated word starts");
	free(got);
	buf_adds(&in, "?=");
	got = rfc2047_decode(in.data, in.len);
	ok(strncmp(got, "=?utf-8?q?=?utf-8?q?", 20) == 0 &&
	    strlen(got) == in.len - 12, "1 MB of nested broken words");
	free(got);
	buf_reset(&in);
	while (in.len < 1024 * 1024)
		buf_adds(&in, "=?utf-8?b?QUJD");
	buf_adds(&in, "?=");
	got = rfc2047_decode(in.data, in.len);
	is_int(strlen(got), in.len - 13, "1 MB of nested broken B words");
	free(got);

	/* One 1 MB encoded word. */
	buf_reset(&in);
	buf_adds(&in, "=?utf-8?q?");
	for (i = 0; i < 100000; i++)
		buf_adds(&in, "=E2=82=AC");
	buf_adds(&in, "?=");
	got = rfc2047_decode(in.data, in.len);
	is_int(strlen(got), 300000, "one 1 MB encoded word");
	free(got);

	/* Round trip of 1 MB of mixed text. */
	buf_reset(&in);
	while (in.len < 1024 * 1024)
		buf_adds(&in, "Gr\xc3\xbc\xc3\x9f" "e aus \xe6\x97\xa5\xe6\x9c\xac "
		    "and plain words =? \xf0\x9f\x98\x80 ");
	roundtrip(in.data, 9, "1 MB of mixed text");
	buf_free(&in);
	buf_free(&want);
}

static void
test_sanitize(void)
{
	san("plain", 5, "plain", "ASCII");
	san("=?utf-8?q?a?=", 13, "=?utf-8?q?a?=", "no encoded-word decoding");
	san("caf\xe9\r\n x\0", 9, "caf\xc3\xa9 x" FFFD,
	    "latin1, fold and NUL");
	san("\xe2\x82", 2, "\xc3\xa2\xe2\x80\x9a",
	    "truncated UTF-8 read as windows-1252");
}

static void
test_charset(void)
{
	struct buf b = BUF_INIT;
	const char *names[] = { "iso-8859-2", "iso-8859-3", "iso-8859-4",
	    "iso-8859-5", "iso-8859-6", "iso-8859-7", "iso-8859-10",
	    "iso-8859-13", "iso-8859-14", "iso-8859-15", "iso-8859-16",
	    "windows-1250", "windows-1251", "windows-1253", "windows-1255",
	    "windows-1256", "windows-1257", "windows-1258", "koi8-r",
	    "koi8-u", "cp437", "cp850", "cp866", "mac", "euc-jp",
	    "big5", "tis-620", "x-nonesuch-1", "x-nonesuch-2",
	    "x-nonesuch-3", "x-nonesuch-4", "x-nonesuch-5", "x-nonesuch-6" };
	size_t i;
	int r;

	conv("utf-8", "\xc3\xa9", 2, "\xc3\xa9", "valid");
	conv("UTF-8", "a\xff" "b\xe2\x82", 5, "a" FFFD "b" FFFD, "invalid");
	conv("utf-8", "\xf0\x80\x80\x80", 4, FFFD FFFD FFFD FFFD,
	    "overlong: one U+FFFD per byte");
	conv("utf-8", "a\r\nb\x01", 5, "a\r\nb\x01", "controls kept");
	conv("latin1", "\xe9", 1, "\xc3\xa9", "latin1");
	conv("ISO-8859-1", "\x80", 1, "\xe2\x82\xac", "0x80 as windows-1252");
	conv("us-ascii", "\x80", 1, "\xe2\x82\xac", "us-ascii 8-bit");
	conv("iso-8859-15", "\xa4", 1, "\xe2\x82\xac", "iso-8859-15 euro");
	conv("x-unknown", "\xc3\xa9\xe9", 3, "\xc3\x83\xc2\xa9\xc3\xa9",
	    "raw rule");
	conv("unknown-8bit", "\xc3\xa9", 2, "\xc3\xa9", "raw rule, UTF-8");
	conv("utf-8*en", "x", 1, "x", "language suffix");
	conv(" \"UTF-8\" ", "x", 1, "x", "quoted");
	conv("shift_jis", "a\x82", 2, "a" FFFD, "incomplete at the end");
	conv("euc-jp", "\xff" "a", 2, FFFD "a", "invalid byte");
	conv("gbk", "\xc8\xd5", 2, "\xe6\x97\xa5", "gbk");
	conv("windows-1252", "\x81", 1, FFFD, "undefined byte");
	conv("iso-8859-1", "", 0, "", "empty input");

	/* Big input through iconv: the output buffer grows. */
	for (i = 0; i < 100000; i++)
		buf_add(&b, "\xa4\xa2", 2);
	{
		struct buf o = BUF_INIT;

		r = charset_to_utf8(&o, "EUC-JP", b.data, b.len);
		ok(r == 0 && o.len == 300000 &&
		    memcmp(o.data, "\xe3\x81\x82", 3) == 0 &&
		    memcmp(o.data + o.len - 3, "\xe3\x81\x82", 3) == 0,
		    "200 KB through iconv");
		buf_free(&o);
	}

	/* Unknown charset: -1, EINVAL, out unchanged. */
	buf_reset(&b);
	buf_adds(&b, "keep");
	errno = 0;
	r = charset_to_utf8(&b, "x-nonesuch", "abc", 3);
	ok(r == -1 && errno == EINVAL, "unknown charset: -1 EINVAL");
	is_str(b.data, "keep", "unknown charset: out unchanged");
	r = charset_to_utf8(&b, "x-nonesuch", "abc", 3);
	ok(r == -1, "unknown charset again (cached)");
	r = charset_to_utf8(&b, "utf-8//IGNORE", "abc", 3);
	ok(r == -1, "iconv option suffix refused");
	r = charset_to_utf8(&b, "", "abc", 3);
	ok(r == -1, "empty charset name");
	r = charset_to_utf8(&b,
	    "a-very-long-charset-name-that-is-longer-than-any-real-one",
	    "abc", 3);
	ok(r == -1, "over-long charset name");

	/* More charsets than cache slots, then the first ones again. */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		buf_reset(&b);
		(void)charset_to_utf8(&b, names[i], "ok", 2);
	}
	for (i = 0; i < 2; i++) {
		conv("iso-8859-2", "\xb1", 1, "\xc4\x85", "after eviction");
		conv("koi8-r", "\xf0", 1, "\xd0\x9f", "after eviction");
	}
	buf_free(&b);
}

static void
test_encode(void)
{
	char *s;

	enc("Hello world", 9, "Hello world", "ASCII unchanged");
	enc("a\tb  c ", 9, "a\tb  c ", "ASCII with tab and spaces unchanged");
	enc("", 9, "", "empty");
	s = rfc2047_encode(NULL, 0, 9);
	is_str(s, "", "encode: NULL with length 0");
	free(s);
	s = xmalloc(301);
	memset(s, 'x', 300);
	s[300] = '\0';
	enc(s, 9, s, "long ASCII word unchanged");
	free(s);
	enc("Caf\xc3\xa9", 9, "=?UTF-8?B?Q2Fmw6k=?=", "short word, B shorter");
	enc("Hello W\xc3\xb6rld", 9, "Hello =?UTF-8?B?V8O2cmxk?=",
	    "only the word that needs it");
	enc("Mitteleurop\xc3\xa4ische Zeit", 9,
	    "=?UTF-8?Q?Mitteleurop=C3=A4ische?= Zeit", "long word, Q shorter");
	enc("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 9, "=?UTF-8?B?5pel5pys6Kqe?=",
	    "CJK, B is shorter");
	enc("J\xc3\xb6rg M\xc3\xbcller", 6, "=?UTF-8?B?SsO2cmcgTcO8bGxlcg==?=",
	    "adjacent words share one encoded word");
	enc("a =?x?q?y?= b", 9, "a =?UTF-8?B?PT94P3E/eT89?= b",
	    "text that looks like an encoded word");
	enc("a\nBcc: x", 9, "=?UTF-8?B?YQpCY2M6?= x",
	    "line break cannot reach the header");
	enc("\xff", 0, "=?UTF-8?B?77+9?=", "invalid UTF-8 becomes U+FFFD");

	roundtrip("Hello world", 9, "ASCII");
	roundtrip("Gr\xc3\xbc\xc3\x9f" "e aus M\xc3\xbcnchen, "
	    "\xc3\xa7" "a va tr\xc3\xa8s bien", 9, "Latin");
	roundtrip("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae"
	    "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88\xe3\x81\xa7\xe3\x81\x99"
	    "\xe3\x80\x82\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae"
	    "\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88\xe3\x81\xa7\xe3\x81\x99"
	    "\xe3\x80\x82\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae",
	    9, "CJK, several encoded words");
	roundtrip("\xf0\x9f\x98\x80\xf0\x9f\x8e\x89 party "
	    "\xf0\x9f\x8e\x89\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
	    "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
	    "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80",
	    9, "emoji");
	roundtrip("price =? ?= =?utf-8?q?x?= a=?b", 9, "text with =?");
	roundtrip("  lead and trail \xc3\xa9  ", 9, "outer white space");
	roundtrip("\xc3\xa9\t\xc3\xa9  \xc3\xa9 x \xc3\xa9", 9,
	    "white space inside and beside spans");
	roundtrip("This is a long subject line with many plain words in it "
	    "and one \xc3\xa9 near the middle, then many more plain words "
	    "so that it must be folded more than once to fit in 76 octets",
	    9, "long mixed line folds");
	roundtrip("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
	    40, "long word with a large offset");
	roundtrip("x_y=z?w \xc3\xa9_=?", 0, "Q specials");
	roundtrip("Mitteleurop\xc3\xa4ische_Zeit=?(UTC+1)?= und "
	    "Mitteleurop\xc3\xa4ische Sommerzeit \"MESZ\" =?_?=", 9,
	    "Q specials in Q words");
}

int
main(void)
{
	test_rfc_examples();
	test_adjacent();
	test_encodings();
	test_broken();
	test_raw();
	test_controls();
	test_long();
	test_sanitize();
	test_charset();
	test_encode();
	return done_testing();
}
