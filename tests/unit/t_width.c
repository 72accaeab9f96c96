/* Unit tests for libcommon/width. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "width.h"
#include "tap.h"

#define S(x)	x, sizeof(x) - 1

static void
test_cp(void)
{
	is_int(width_cp('a'), 1, "cp: ASCII letter");
	is_int(width_cp(0xe9), 1, "cp: e acute (Latin-1)");
	is_int(width_cp(0xad), 1, "cp: soft hyphen takes a column");
	is_int(width_cp(0x0301), 0, "cp: combining acute (Mn)");
	is_int(width_cp(0x20dd), 0, "cp: combining enclosing circle (Me)");
	is_int(width_cp(0x200b), 0, "cp: zero width space (Cf)");
	is_int(width_cp(0x200d), 0, "cp: zero width joiner (Cf)");
	is_int(width_cp(0xfeff), 0, "cp: BOM / ZWNBSP (Cf)");
	is_int(width_cp(0xfe0f), 0, "cp: variation selector 16");
	is_int(width_cp(0xe0001), 0, "cp: language tag (last zero range)");
	is_int(width_cp(0xe01ef), 0, "cp: last variation selector supplement");
	is_int(width_cp(0xe01f0), 1, "cp: just past the zero table");
	is_int(width_cp(0x1100), 2, "cp: Hangul Jamo choseong (first wide)");
	is_int(width_cp(0x115f), 2, "cp: end of the first wide range");
	is_int(width_cp(0x1160), 1, "cp: Hangul jungseong filler is narrow");
	is_int(width_cp(0x4e2d), 2, "cp: CJK ideograph");
	is_int(width_cp(0xac00), 2, "cp: Hangul syllable");
	is_int(width_cp(0xff21), 2, "cp: fullwidth A (F)");
	is_int(width_cp(0xff61), 1, "cp: halfwidth ideographic full stop");
	is_int(width_cp(0x1f600), 2, "cp: emoji grinning face");
	is_int(width_cp(0x3134a), 2, "cp: last wide code point");
	is_int(width_cp(0x3134b), 1, "cp: just past the wide table");
	is_int(width_cp(0x10ffff), 1, "cp: highest code point");
	is_int(width_cp(0x2329), 2, "cp: left-pointing angle bracket (W)");
	is_int(width_cp(0x00), 1, "cp: NUL counts one (callers replace it)");
}

static void
test_next(void)
{
	uint32_t c;

	is_int(width_next(S("A"), &c), 1, "next: ASCII length");
	is_int(c, 'A', "next: ASCII code point");
	is_int(width_next(S("\xc3\xa9x"), &c), 2, "next: 2-byte length");
	is_int(c, 0xe9, "next: 2-byte code point");
	is_int(width_next(S("\xe4\xb8\xad"), &c), 3, "next: 3-byte length");
	is_int(c, 0x4e2d, "next: 3-byte code point");
	is_int(width_next(S("\xf0\x9f\x98\x80"), &c), 4, "next: 4-byte length");
	is_int(c, 0x1f600, "next: 4-byte code point");
	is_int(width_next(S("\xf4\x8f\xbf\xbf"), &c), 4, "next: U+10FFFF");
	is_int(c, 0x10ffff, "next: U+10FFFF code point");

	is_int(width_next(S("\x80"), &c), 1, "next: lone continuation byte");
	is_int(c, 0xfffd, "next: lone continuation is U+FFFD");
	is_int(width_next(S("\xc0\xaf"), &c), 1, "next: C0 overlong lead");
	is_int(c, 0xfffd, "next: C0 is U+FFFD");
	is_int(width_next(S("\xc1\xbf"), &c), 1, "next: C1 overlong lead");
	is_int(width_next(S("\xe0\x80\xaf"), &c), 1, "next: overlong 3-byte");
	is_int(c, 0xfffd, "next: overlong 3-byte is U+FFFD");
	is_int(width_next(S("\xf0\x80\x80\xaf"), &c), 1,
	    "next: overlong 4-byte");
	is_int(width_next(S("\xed\xa0\x80"), &c), 1, "next: surrogate D800");
	is_int(c, 0xfffd, "next: surrogate is U+FFFD");
	is_int(width_next(S("\xf4\x90\x80\x80"), &c), 1,
	    "next: above U+10FFFF");
	is_int(width_next(S("\xf5\x80\x80\x80"), &c), 1, "next: F5 lead");
	is_int(width_next(S("\xff"), &c), 1, "next: FF byte");
	is_int(c, 0xfffd, "next: FF is U+FFFD");
	/* cut short by len, not by a NUL */
	is_int(width_next("\xe4\xb8\xad", 2, &c), 1,
	    "next: truncated by len is one bad byte");
	is_int(c, 0xfffd, "next: truncated sequence is U+FFFD");
	is_int(width_next(S("\xe4" "A" "\xad"), &c), 1,
	    "next: ASCII where a continuation should be");
}

static void
test_str(void)
{
	is_int(width_str("", 0), 0, "str: empty");
	is_int(width_str(S("hello")), 5, "str: ASCII");
	is_int(width_str(S("caf\xc3\xa9")), 4, "str: precomposed e acute");
	is_int(width_str(S("cafe\xcc\x81")), 4, "str: e + combining acute");
	is_int(width_str(S("\xe4\xb8\xad\xe6\x96\x87")), 4, "str: two CJK");
	is_int(width_str(S("a\xe2\x80\x8b" "b")), 2, "str: zero width space");
	is_int(width_str(S("\xf0\x9f\x98\x80!")), 3, "str: emoji and ASCII");
	is_int(width_str(S("\xff\xfe")), 2, "str: each bad byte is a column");
	is_int(width_str(S("\xe4\xb8")), 2,
	    "str: a cut sequence counts per byte");
	is_int(width_str(S("a\tb")), 3, "str: tab counts one");
	is_int(width_str("a\0b", 3), 3, "str: NUL inside counts one");
}

static void
test_fit(void)
{
	const char *cjk = "\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97"; /* 6 cols */
	size_t used;

	is_int(width_fit(S("hello"), 3, &used), 3, "fit: ASCII cut");
	is_int(used, 3, "fit: ASCII columns used");
	is_int(width_fit(S("hello"), 10, &used), 5, "fit: all fits");
	is_int(used, 5, "fit: all fits, columns");
	is_int(width_fit(S("hello"), 0, &used), 0, "fit: zero columns");
	is_int(used, 0, "fit: zero columns used");
	is_int(width_fit("", 0, 5, &used), 0, "fit: empty input");

	is_int(width_fit(cjk, strlen(cjk), 3, &used), 3,
	    "fit: a wide char is not split over the limit");
	is_int(used, 2, "fit: two columns used of three");
	is_int(width_fit(cjk, strlen(cjk), 4, &used), 6,
	    "fit: two wide chars in four columns");
	is_int(used, 4, "fit: four columns used");
	is_int(width_fit(cjk, strlen(cjk), 1, &used), 0,
	    "fit: a wide char does not fit in one column");
	is_int(used, 0, "fit: nothing used");

	/* combining marks stay with their base */
	is_int(width_fit(S("e\xcc\x81" "f"), 1, &used), 3,
	    "fit: base + combining mark kept together");
	is_int(used, 1, "fit: mark takes no column");
	is_int(width_fit(S("ab\xcc\x81\xcc\x82" "c"), 2, &used), 6,
	    "fit: two marks after the last char that fits");
	/* never inside a character */
	is_int(width_fit(S("a\xc3\xa9" "b"), 2, NULL), 3,
	    "fit: used may be NULL; 2-byte char whole");
	is_int(width_fit(S("\xf0\x9f\x98\x80\xf0\x9f\x98\x80"), 3, &used), 4,
	    "fit: emoji kept whole");
	is_int(used, 2, "fit: emoji columns");
	is_int(width_fit(S("\xff\xfe" "a"), 2, &used), 2,
	    "fit: bad bytes are one column each");
	is_int(width_fit("\xe4\xb8\xad", 2, 5, &used), 2,
	    "fit: a cut sequence at the end is bytes");
}

int
main(void)
{
	test_cp();
	test_next();
	test_str();
	test_fit();
	return done_testing();
}
