/* Unit tests for libcommon/msg. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "util.h"
#include "xio.h"
#include "tap.h"

static char *
body(struct msg *m)
{
	struct buf b = BUF_INIT;

	if (msg_body_all(m, &b) < 0)
		return NULL;
	return buf_release(&b);
}

static void
check(const char *name, const char *in, size_t inlen, const char *from_,
    size_t nfields, const char *sep, const char *want_body)
{
	struct msg m;
	char *b;

	msg_frombuf(&m, in, inlen, name);
	is_str(m.from_, from_, "%s: envelope", name);
	is_int(m.hdr.n, nfields, "%s: field count", name);
	is_str(buf_cstr(&m.sep), sep, "%s: separator", name);
	b = body(&m);
	is_str(b, want_body, "%s: body", name);
	free(b);
	msg_close(&m);
}

int
main(void)
{
	char path[] = "/tmp/t_msg.XXXXXX";
	struct buf big = BUF_INIT;
	struct msg m;
	char *v, *b;
	size_t i;
	int fd, p[2];

#define S(x) x, sizeof(x) - 1
	check("plain", S("A: 1\nB: 2\n\nbody\n"), NULL, 2, "\n", "body\n");
	check("crlf", S("A: 1\r\nB: 2\r\n\r\nbody\r\n"), NULL, 2, "\r\n",
	    "body\r\n");
	check("from_", S("From me@x Mon Jan  1 00:00:00 2024\nA: 1\n\nb\n"),
	    "From me@x Mon Jan  1 00:00:00 2024", 1, "\n", "b\n");
	check("no body", S("A: 1\nB: 2\n"), NULL, 2, "", "");
	check("no final newline", S("A: 1\nB: 2"), NULL, 2, "", "");
	check("empty", S(""), NULL, 0, "", "");
	check("only body", S("\nbody"), NULL, 0, "\n", "body");
	check("non-field line ends header", S("A: 1\nhello world\nmore\n"),
	    NULL, 1, "", "hello world\nmore\n");
	check("continuation", S("A: 1\n 2\n\tx\n\nb"), NULL, 1, "\n", "b");
	check("8bit and NUL", S("A: \xe9t\xc3\xa9\0z\n\nb\0dy"), NULL, 1, "\n",
	    "b");
	check("From: is a field", S("From: a@b\n\nx"), NULL, 1, "\n", "x");

	/* A header much longer than one read, with a 1 MB field. */
	buf_adds(&big, "Subject: ");
	for (i = 0; i < 1000000; i++)
		buf_addc(&big, 'a' + (int)(i % 26));
	buf_adds(&big, "\nX: y\n\nthe body\n");
	if ((fd = mkstemp(path)) < 0 || xwrite_all(fd, big.data, big.len) < 0)
		return 99;
	close(fd);
	ok(msg_open(&m, path) == 0, "msg_open");
	v = hdr_get(&m.hdr, "subject");
	ok(v != NULL && strlen(v) == 1000000, "1 MB field whole");
	free(v);
	b = body(&m);
	is_str(b, "the body\n", "body after a long header");
	free(b);
	is_int(m.bodyoff, big.len - 9, "body offset");
	msg_close(&m);
	unlink(path);

	/* Through a pipe. */
	if (pipe(p) < 0)
		return 99;
	if (fork() == 0) {
		close(p[0]);
		for (i = 0; i < 100; i++)
			if (xwrite_all(p[1], "X-Long: 0123456789abcdef\n", 25) < 0)
				_exit(1);
		if (xwrite_all(p[1], "\nbody\n", 6) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	ok(msg_fdopen(&m, p[0], "-") == 0, "msg_fdopen on a pipe");
	is_int(m.hdr.n, 100, "100 fields from a pipe");
	b = body(&m);
	is_str(b, "body\n", "body from a pipe");
	free(b);
	msg_close(&m);
	close(p[0]);

	ok(msg_open(&m, "/nonexistent/x") < 0, "missing file fails");
	msg_close(&m);
	buf_free(&big);
	return done_testing();
}
