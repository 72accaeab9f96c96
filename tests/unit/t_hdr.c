/* Unit tests for libcommon/hdr. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hdr.h"
#include "util.h"
#include "tap.h"

static const char block[] =
    "Received: from a\n\tby b; Mon, 1 Jan 2024 00:00:00 +0000\n"
    "Subject: hello\n  world\n"
    "subject : second\n"
    "X-Empty:\n"
    "From: Alice <a@example.org>\n";

static void
check_value(struct hdr *h, const char *name, const char *want)
{
	char *v = hdr_get(h, name);

	is_str(v, want, "value of %s", name);
	free(v);
}

int
main(void)
{
	struct hdr h;
	const char *p;
	size_t i, len;
	char *v;

	hdr_init(&h);
	hdr_parse(&h, block, strlen(block));
	is_int(h.n, 5, "five fields");
	check_value(&h, "SUBJECT", "hello  world");
	check_value(&h, "received",
	    "from a\tby b; Mon, 1 Jan 2024 00:00:00 +0000");
	check_value(&h, "x-empty", "");
	check_value(&h, "to", NULL);
	i = hdr_find(&h, "subject", 0);
	is_int(i, 1, "first Subject");
	i = hdr_find(&h, "subject", i + 1);
	is_int(i, 2, "second Subject, white space before the colon");
	v = hdr_value(&h, i);
	is_str(v, "second", "obsolete form value");
	free(v);
	p = hdr_name(&h, 2, &len);
	ok(len == 7 && memcmp(p, "subject", 7) == 0, "name without WSP");
	p = hdr_rawvalue(&h, 1, &len);
	ok(len == 14 && memcmp(p, " hello\n  world", 14) == 0,
	    "raw value keeps folding");

	hdr_prepend(&h, "Return-Path", "<s@example.org>");
	is_int(h.n, 6, "prepend adds a field");
	ok(strncmp(h.raw.data, "Return-Path: <s@example.org>\nReceived:",
	    38) == 0, "prepended at the top, rest byte for byte");
	ok(memcmp(h.raw.data + 29, block, sizeof(block) - 1) == 0,
	    "old block unchanged after prepend");
	is_int(hdr_remove(&h, "subject"), 2, "remove both Subjects");
	check_value(&h, "subject", NULL);
	hdr_set(&h, "From", "Bob <b@example.org>");
	check_value(&h, "from", "Bob <b@example.org>");
	hdr_append(&h, "Subject", "new");
	is_str(h.raw.data,
	    "Return-Path: <s@example.org>\n"
	    "Received: from a\n\tby b; Mon, 1 Jan 2024 00:00:00 +0000\n"
	    "X-Empty:\n"
	    "From: Bob <b@example.org>\n"
	    "Subject: new\n", "edits leave the rest as it was");

	/* CRLF blocks get CRLF fields. */
	hdr_parse(&h, "A: 1\r\nB: 2\r\n  3\r\n", 17);
	check_value(&h, "b", "2  3");
	hdr_append(&h, "C", "4");
	hdr_set(&h, "A", "x");
	is_str(h.raw.data, "A: x\r\nB: 2\r\n  3\r\nC: 4\r\n",
	    "CRLF kept for new fields");

	/* No final newline; NUL bytes in values. */
	hdr_parse(&h, "A: x\0y\nB: z", 11);
	is_int(h.n, 2, "last field without newline");
	p = hdr_rawvalue(&h, 0, &len);
	ok(len == 4 && memcmp(p, " x\0y", 4) == 0, "NUL bytes kept");
	check_value(&h, "b", "z");

	/* Junk lines are kept but are no field. */
	hdr_parse(&h, "A: 1\nnot a field\nB: 2\n", 22);
	is_int(h.n, 2, "junk line is no field");
	hdr_set(&h, "A", "9");
	is_str(h.raw.data, "A: 9\nnot a field\nB: 2\n", "junk line kept");

	ok(hdr_is_field("X-A: b", 6), "is_field");
	ok(!hdr_is_field("X A: b", 6), "space in name");
	ok(!hdr_is_field(": b", 3), "empty name");
	ok(!hdr_is_field("nocolon", 7), "no colon");
	hdr_free(&h);
	return done_testing();
}
