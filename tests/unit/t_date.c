/* Unit tests for libcommon/date. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "util.h"
#include "tap.h"

/*
 * Each case: the input (a literal, so NUL bytes count), whether it parses,
 * and the expected epoch seconds and zone offset.  The expected values were
 * computed from the written fields with Python's calendar.timegm.
 */
struct tcase {
	const char	*in;
	size_t		 len;
	int		 good;
	long long	 t;
	int		 off;
	const char	*why;
};

#define OK(s, t, o, w)	{ s, sizeof(s) - 1, 1, t, o, w }
#define BAD(s, w)	{ s, sizeof(s) - 1, 0, 0, 0, w }

static const struct tcase cases[] = {
	OK("Fri, 21 Nov 1997 09:55:06 -0600", 880127706LL, -360, "A.1.1"),
	OK("Tue, 1 Jul 2003 10:52:37 +0200", 1057049557LL, 120, "A.1.2"),
	OK("Fri, 21 Nov 1997 10:01:10 -0600", 880128070LL, -360, "A.3"),
	OK("Thu,\r\n      13\r\n        Feb\r\n          1969\r\n      23:32\r\n               -0330 (Newfoundland Time)", -27723480LL, -210, "A.5 folded, comment"),
	OK("21 Nov 97 09:55:06 GMT", 880106106LL, 0, "A.6.2 obsolete"),
	OK("Fri, 21 Nov 1997 09(comment):   55  :  06 -0600", 880127706LL, -360, "A.6.3 CFWS in time"),
	OK("Tue, 1 Jul 2003 10:52:37 +0200 (CEST)", 1057049557LL, 120, "trailing comment"),
	OK("Thu, 01 Jan 1970 00:00:00 +0000", 0LL, 0, "epoch"),
	OK("Thu, 01 Jan 1970 00:00:00 GMT", 0LL, 0, "HTTP date"),
	OK("Mon, 23 Nov 2026 12:13:25 +0100", 1795432405LL, 60, "plain"),
	OK("Mon, 23 Nov 2026 12:13:25 -0000", 1795436005LL, 0, "-0000"),
	OK("Sat, 1 Mar 2025 08:00:00 UT", 1740816000LL, 0, "zone UT"),
	OK("Sat, 1 Mar 2025 08:00:00 UTC", 1740816000LL, 0, "zone UTC"),
	OK("Sat, 1 Mar 2025 08:00:00 GMT", 1740816000LL, 0, "zone GMT"),
	OK("Sat, 1 Mar 2025 08:00:00 Z", 1740816000LL, 0, "zone Z"),
	OK("Sat, 1 Mar 2025 08:00:00 EST", 1740834000LL, -300, "zone EST"),
	OK("Sat, 1 Mar 2025 08:00:00 EDT", 1740830400LL, -240, "zone EDT"),
	OK("Sat, 1 Mar 2025 08:00:00 CST", 1740837600LL, -360, "zone CST"),
	OK("Sat, 1 Mar 2025 08:00:00 CDT", 1740834000LL, -300, "zone CDT"),
	OK("Sat, 1 Mar 2025 08:00:00 MST", 1740841200LL, -420, "zone MST"),
	OK("Sat, 1 Mar 2025 08:00:00 MDT", 1740837600LL, -360, "zone MDT"),
	OK("Sat, 1 Mar 2025 08:00:00 PST", 1740844800LL, -480, "zone PST"),
	OK("Sat, 1 Mar 2025 08:00:00 PDT", 1740841200LL, -420, "zone PDT"),
	OK("Sat, 1 Mar 2025 08:00:00 pdt", 1740841200LL, -420, "lowercase zone"),
	OK("Sat, 1 Mar 2025 08:00:00 A", 1740816000LL, 0, "military A as -0000"),
	OK("Sat, 1 Mar 2025 08:00:00 I", 1740816000LL, 0, "military I as -0000"),
	OK("Sat, 1 Mar 2025 08:00:00 K", 1740816000LL, 0, "military K as -0000"),
	OK("Sat, 1 Mar 2025 08:00:00 M", 1740816000LL, 0, "military M as -0000"),
	OK("Sat, 1 Mar 2025 08:00:00 N", 1740816000LL, 0, "military N as -0000"),
	OK("Sat, 1 Mar 2025 08:00:00 Y", 1740816000LL, 0, "military Y as -0000"),
	OK("Sat, 1 Mar 2025 08:00:00 a", 1740816000LL, 0, "military a as -0000"),
	OK("Sat, 1 Mar 2025 08:00:00 CEST", 1740816000LL, 0, "unknown zone as -0000"),
	OK("Sat, 1 Mar 2025 08:00:00 +02:00", 1740808800LL, 120, "+hh:mm"),
	OK("Sat, 1 Mar 2025 08:00:00 -05:30", 1740835800LL, -330, "-hh:mm"),
	OK("Sat, 1 Mar 2025 08:00:00 +9959", 1740456060LL, 5999, "largest zone"),
	OK("Sat, 1 Mar 2025 08:00:00 GMT+0200 (CEST)", 1740808800LL, 120, "GMT+hhmm"),
	OK("Sat, 1 Mar 2025 08:00:00 UTC-5", 1740834000LL, -300, "UTC-h"),
	OK("Sat, 1 Mar 2025 08:00:00 +0100 CET", 1740812400LL, 60, "name after numeric zone"),
	OK("Sat, 1 Mar 2025 08:00:00", 1740816000LL, 0, "missing zone"),
	OK("Sat, 1 Mar 2025 08:00", 1740816000LL, 0, "missing seconds and zone"),
	OK("Sat, 1 Mar 2025 08:00 +0100", 1740812400LL, 60, "missing seconds"),
	OK("1 Jan 00 00:00:00 +0000", 946684800LL, 0, "2-digit year 00"),
	OK("31 Dec 49 23:59:59 +0000", 2524607999LL, 0, "2-digit year 49"),
	OK("1 Jan 50 00:00:00 +0000", -631152000LL, 0, "2-digit year 50"),
	OK("31 Dec 99 23:59:59 +0000", 946684799LL, 0, "2-digit year 99"),
	OK("1 Jan 103 00:00:00 +0000", 1041379200LL, 0, "3-digit year 103"),
	OK("1 Jan 099 00:00:00 +0000", 915148800LL, 0, "3-digit year 099"),
	OK("1 Jan 1900 00:00:00 +0000", -2208988800LL, 0, "year 1900"),
	OK("31 Dec 9999 23:59:59 +0000", 253402300799LL, 0, "year 9999"),
	OK("29 Feb 2000 12:00:00 +0000", 951825600LL, 0, "leap day 2000"),
	OK("29 Feb 2024 12:00:00 +0000", 1709208000LL, 0, "leap day 2024"),
	OK("1 Jan 2038 03:14:08 +0000", 2145928448LL, 0, "past 2038"),
	OK("19 Jan 2038 03:14:08 +0000", 2147483648LL, 0, "2^31"),
	OK("31 Dec 1969 23:59:59 +0000", -1LL, 0, "before epoch"),
	OK("1 Jan 1601 00:00:00 +0000", -11644473600LL, 0, "year 1601"),
	OK("1 Jul 2003 10:52:37 +0200", 1057049557LL, 120, "no weekday"),
	OK("Sun, 1 Jul 2003 10:52:37 +0200", 1057049557LL, 120, "wrong weekday ignored"),
	OK("Tuesday, 1 Jul 2003 10:52:37 +0200", 1057049557LL, 120, "full weekday"),
	OK("Tue 1 Jul 2003 10:52:37 +0200", 1057049557LL, 120, "weekday without comma"),
	OK("Tue , 1 Jul 2003 10:52:37 +0200", 1057049557LL, 120, "space before comma"),
	OK("Tue,1 Jul 2003 10:52:37 +0200", 1057049557LL, 120, "no space after comma"),
	OK("(c) Tue, (c) 1 (c) Jul (c) 2003 (c) 10:52:37 (c) +0200 (c)", 1057049557LL, 120, "comments everywhere"),
	OK("Tue, 1 Jul 2003 10:52:37 +0200 (a (nested) \\) comment", 1057049557LL, 120, "nested comment, quoted pair"),
	OK("1 jul 2003 10:52:37 +0200", 1057049557LL, 120, "lowercase month"),
	OK("1 JUL 2003 10:52:37 +0200", 1057049557LL, 120, "uppercase month"),
	OK("1 July 2003 10:52:37 +0200", 1057049557LL, 120, "full month"),
	OK("5 Sept 2003 10:52:37 +0200", 1062751957LL, 120, "Sept"),
	OK("5 september 2003 10:52:37 +0200", 1062751957LL, 120, "september"),
	OK("Thu, 01-Jan-1970 00:00:00 GMT", 0LL, 0, "cookie dashes"),
	OK("Thursday, 01-Jan-70 00:00:01 GMT", 1LL, 0, "RFC 850"),
	OK("Mon, 23 Nov 2026 12:13:25.250 +0100", 1795432405LL, 60, "fraction"),
	OK("Sat, 31 Dec 2016 23:59:60 +0000", 1483228799LL, 0, "leap second clamped"),
	OK("Thu Jan  1 00:00:00 1970", 0LL, 0, "asctime"),
	OK("Mon Nov 23 12:13:25 2026", 1795436005LL, 0, "From_ line"),
	OK("Mon Nov 23 12:13:25 EST 2026", 1795454005LL, -300, "asctime zone before year"),
	OK("Mon Nov 23 12:13:25 2026 +0100", 1795432405LL, 60, "asctime zone after year"),
	OK("Mon Nov 23 12:13 2026", 1795435980LL, 0, "asctime no seconds"),
	OK("Mon Nov 23 12:13:25 2026 remote from host", 1795436005LL, 0, "UUCP From_ tail"),
	OK("Nov 23 12:13:25 96", 848751205LL, 0, "asctime 2-digit year"),
	OK("Tue Jul 01 2003 10:52:37 GMT+0200 (CEST)", 1057049557LL, 120, "JavaScript Date"),
	OK("November 23, 2026 1:13 PM", 1795439580LL, 0, "US form with PM"),
	OK("Nov 23, 2026 12:05 am -0800", 1795421100LL, -480, "12 AM"),
	OK("2026-11-23 12:13:25 +0100", 1795432405LL, 60, "ISO with space"),
	OK("2026-11-23T12:13:25Z", 1795436005LL, 0, "ISO Z"),
	OK("2026-11-23T12:13:25.5+05:30", 1795416205LL, 330, "ISO fraction offset"),
	OK("2026-11-23t12:13:25z", 1795436005LL, 0, "ISO lowercase"),
	OK("2026-11-23 12:13", 1795435980LL, 0, "ISO no seconds no zone"),
	OK("  \t1 Jul 2003 10:52:37 +0200\r\n", 1057049557LL, 120, "surrounding white space"),
	OK("1 Jul 2003, 10:52:37 +0200", 1057049557LL, 120, "comma after year"),
	OK("1 Jul 2003 10:52:37 +0200\0""junk", 1057049557LL, 120, "NUL after date"),
	OK("1 Jul 2003 10:52:37 +0200 +0300", 1057049557LL, 120, "second zone ignored"),
	BAD("", "empty"),
	BAD("   ", "blank"),
	BAD("(only a comment)", "comment only"),
	BAD("hello", "word"),
	BAD("Foo, 1 Jul 2003 10:52:37 +0200", "bad weekday name"),
	BAD("1 Jux 2003 10:52:37 +0200", "bad month"),
	BAD("1 Ju 2003 10:52:37 +0200", "month too short"),
	BAD("32 Jul 2003 10:52:37 +0200", "day 32"),
	BAD("0 Jul 2003 10:52:37 +0200", "day 0"),
	BAD("31 Jun 2003 10:52:37 +0200", "June 31"),
	BAD("29 Feb 2100 10:52:37 +0200", "Feb 29 2100"),
	BAD("29 Feb 2023 10:52:37 +0200", "Feb 29 2023"),
	BAD("1 Jul 2003 25:52:37 +0200", "hour 25"),
	BAD("1 Jul 2003 24:00:00 +0200", "hour 24"),
	BAD("1 Jul 2003 10:60:37 +0200", "minute 60"),
	BAD("1 Jul 2003 10:52:61 +0200", "second 61"),
	BAD("1 Jul 2003 +0200", "no time"),
	BAD("1 Jul 2003", "no time or zone"),
	BAD("1 Jul 10:52:37 +0200", "no year"),
	BAD("1 Jul 5 10:52:37 +0200", "1-digit year"),
	BAD("1 Jul 20031 10:52:37 +0200", "5-digit year"),
	BAD("1 Jul 2003 10:52:37 +02000", "6-digit zone"),
	BAD("1 Jul 2003 10:52:37 +020", "3-digit zone"),
	BAD("1 Jul 2003 10:52:37 +0260", "zone minutes 60"),
	BAD("1 Jul 2003 10:52:37 +", "sign alone"),
	BAD("1 Jul 2003 10 +0200", "hour alone"),
	BAD("1 Jul 2003 10: +0200", "no minutes"),
	BAD("1 Jul 2003 10:52: +0200", "no seconds after colon"),
	BAD("123 Jul 2003 10:52:37 +0200", "3-digit day"),
	BAD("2026-13-01 00:00:00", "ISO month 13"),
	BAD("2026-00-01 00:00:00", "ISO month 0"),
	BAD("2026-11-23", "ISO without time"),
	BAD("13 PM 2003 10:52:37", "PM as month"),
	BAD("Jul 1 13:52 PM 2003", "13 PM"),
	BAD("Mon Nov 23 12:13:25", "asctime without year"),
	BAD("Tue,", "weekday only"),
	BAD("\0"" 1 Jul 2003 10:52:37 +0200", "leading NUL"),
	BAD("1 Jul 2003", "cut short"),
};

/* A small deterministic generator for the round trips. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
table_tests(void)
{
	size_t i;
	time_t t;
	int off, r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];

		t = 12345;
		off = 777;
		errno = 0;
		r = date_parse(c->in, c->len, &t, &off);
		if (c->good) {
			ok(r == 0 && (long long)t == c->t && off == c->off,
			    "parse: %s", c->why);
			if (r != 0 || (long long)t != c->t || off != c->off)
				printf("#   got r=%d t=%lld off=%d, want "
				    "t=%lld off=%d\n", r, (long long)t, off,
				    c->t, c->off);
		} else {
			ok(r == -1 && errno == EINVAL && t == 12345 &&
			    off == 777, "reject: %s", c->why);
			if (r != -1)
				printf("#   got t=%lld off=%d\n",
				    (long long)t, off);
		}
	}
}

static void
format_tests(void)
{
	struct buf b = BUF_INIT;

	date_format(&b, 0, 0);
	is_str(buf_cstr(&b), "Thu, 1 Jan 1970 00:00:00 +0000", "format epoch");
	buf_reset(&b);
	date_format(&b, 1795432405, 60);
	is_str(buf_cstr(&b), "Mon, 23 Nov 2026 12:13:25 +0100",
	    "format in a zone east");
	buf_reset(&b);
	date_format(&b, -27723480, -210);
	is_str(buf_cstr(&b), "Thu, 13 Feb 1969 23:32:00 -0330",
	    "format before the epoch, zone west with minutes");
	buf_reset(&b);
	date_format(&b, 253402300799LL, 0);
	is_str(buf_cstr(&b), "Fri, 31 Dec 9999 23:59:59 +0000",
	    "format year 9999");
	buf_reset(&b);
	date_format(&b, -2208988800LL, 0);
	is_str(buf_cstr(&b), "Mon, 1 Jan 1900 00:00:00 +0000",
	    "format year 1900");
	buf_reset(&b);
	date_format(&b, 0, 100000);
	is_str(buf_cstr(&b), "Thu, 1 Jan 1970 00:00:00 +0000",
	    "an impossible offset is taken as 0");
	buf_reset(&b);
	date_format(&b, (time_t)INT64_MAX, 60);
	ok(b.len > 0, "format at the end of time_t does not overflow");
	buf_reset(&b);
	date_format(&b, (time_t)INT64_MIN, -60);
	ok(b.len > 0, "format at the start of time_t does not overflow");
	buf_reset(&b);

	date_format_asctime(&b, 0);
	is_str(buf_cstr(&b), "Thu Jan  1 00:00:00 1970", "asctime epoch");
	buf_reset(&b);
	date_format_asctime(&b, 1795432405 + 3600);
	is_str(buf_cstr(&b), "Mon Nov 23 12:13:25 2026", "asctime in UTC");
	buf_reset(&b);
	date_format_asctime(&b, 951782400);
	is_str(buf_cstr(&b), "Tue Feb 29 00:00:00 2000", "asctime leap day");
	buf_free(&b);
}

/* Format then parse gives back the same instant and offset. */
static void
round_trips(void)
{
	static const int offs[] = {
		0, 60, -60, 120, -300, -480, 330, -210, 345, 840, -720,
		DATE_TZOFF_MAX, -DATE_TZOFF_MAX, 1
	};
	struct buf b = BUF_INIT;
	long long lo = -2208988800LL, hi = 253402300799LL - 86400 * 5;
	size_t i, bad = 0, bad_asc = 0, bad_wday = 0;
	time_t t, got;
	int off, goff, k;
	struct tm tm;

	for (i = 0; i < 20000; i++) {
		if (i < 100)
			t = (time_t)(i * 86399 - 50 * 86399);
		else
			t = (time_t)(lo + (long long)(next_rand() %
			    (uint64_t)(hi - lo)));
		off = offs[i % (sizeof(offs) / sizeof(offs[0]))];
		buf_reset(&b);
		date_format(&b, t, off);
		if (date_parse(b.data, b.len, &got, &goff) != 0 ||
		    got != t || goff != off) {
			if (bad++ < 5)
				printf("#   round trip failed: %lld %d '%s'\n",
				    (long long)t, off, b.data);
		}
		buf_reset(&b);
		date_format_asctime(&b, t);
		if (date_parse(b.data, b.len, &got, &goff) != 0 ||
		    got != t || goff != 0) {
			if (bad_asc++ < 5)
				printf("#   asctime round trip failed: %lld '%s'\n",
				    (long long)t, b.data);
		}
		/* The weekday agrees with the C library's, in UTC. */
		if (gmtime_r(&t, &tm) != NULL) {
			static const char *const wd[] = {
				"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
			};
			if (memcmp(b.data, wd[tm.tm_wday], 3) != 0)
				bad_wday++;
		}
	}
	ok(bad == 0, "20000 RFC 5322 format/parse round trips (%zu failed)",
	    bad);
	ok(bad_asc == 0, "20000 asctime format/parse round trips (%zu failed)",
	    bad_asc);
	ok(bad_wday == 0, "weekdays agree with gmtime_r (%zu differ)",
	    bad_wday);

	/* Every second of one day, and every day of 1900-2100, parse back. */
	bad = 0;
	for (k = 0; k < 86400; k += 7) {
		buf_reset(&b);
		date_format(&b, 1700000000 + k, -330);
		if (date_parse(b.data, b.len, &got, &goff) != 0 ||
		    got != 1700000000 + k || goff != -330)
			bad++;
	}
	for (t = -2208988800LL; t < 4102444800LL; t += 86400) {
		buf_reset(&b);
		date_format(&b, t, 0);
		if (date_parse(b.data, b.len, &got, &goff) != 0 || got != t)
			bad++;
		if (gmtime_r(&t, &tm) == NULL || tm.tm_hour != 0 ||
		    tm.tm_min != 0)
			bad++;
	}
	ok(bad == 0, "each day 1900-2100 and seconds of a day round trip");
	buf_free(&b);
}

static void
local_offset_tests(void)
{
	setenv("TZ", "UTC0", 1);
	tzset();
	is_int(date_local_offset(1700000000), 0, "local offset in UTC");
	setenv("TZ", "IST-5:30", 1);
	tzset();
	is_int(date_local_offset(1700000000), 330, "local offset +05:30");
	setenv("TZ", "NST3:30NDT,M3.2.0,M11.1.0", 1);
	tzset();
	is_int(date_local_offset(1700000000), -210,
	    "local offset -03:30 in November");
	is_int(date_local_offset(1690000000), -150,
	    "local offset -02:30 in July (DST)");
	/* Parsing ignores TZ. */
	{
		time_t t;
		int off;

		ok(date_parse("1 Jan 1970 00:00:00", 19, &t, &off) == 0 &&
		    t == 0 && off == 0, "parse does not depend on TZ");
	}
}

int
main(void)
{
	time_t t;
	int off;

	table_tests();
	format_tests();
	round_trips();
	local_offset_tests();
	ok(date_parse("1 Jan 1970 00:00:01 +0000", 25, NULL, NULL) == 0,
	    "NULL result pointers are allowed");
	ok(date_parse("1 Jan 1970 00:00:01 +0000", 10, &t, &off) == -1,
	    "the length bounds the input");
	return done_testing();
}
