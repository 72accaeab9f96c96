/* Unit tests for libcommon/scanfmt. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "scanfmt.h"
#include "util.h"
#include "tap.h"

static const char plain[] =
    "From: Alice Smith <alice@example.org>\n"
    "To: Bob <bob@example.net>\n"
    "Subject: Lunch on Friday\n"
    "Date: Tue, 13 Sep 2022 23:30:00 -0700\n"
    "X-Tag: one\n"
    "\n"
    "Shall we\n"
    "  meet at noon?\n";

static const char encoded[] =
    "From: =?UTF-8?Q?Ren=C3=A9e_Fa=C3=A7on?= <renee@example.org>\n"
    "To: carol@example.com\n"
    "Subject: =?ISO-8859-1?Q?Caf=E9?= =?ISO-8859-1?Q?_cr=E8me?=\n"
    "Date: 1 Jan 2021 00:30 +0100\n"
    "Replied: Mon, 02 Jan 2021 10:00:00 +0000\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/alternative; boundary=\"b\"\n"
    "\n"
    "--b\n"
    "Content-Type: text/plain; charset=iso-8859-1\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "Voil=E0 la\n"
    "carte.\n"
    "--b--\n";

static const char bare[] =
    "From: dave@example.com\n"
    "Subject: tab\there\x01 and bell\n"
    "\n";

/* The line of message text under format fmt at width (0: unlimited). */
static char *
line(const char *fmt, size_t width, const char *text,
    const struct scanmsg *sm, const char *me)
{
	struct scan *sc;
	struct scanmsg dflt = { "/mail/inbox/7", 7, 0, 0 };
	struct buf out = BUF_INIT;
	struct msg m;
	char *err;

	if (scan_new(&sc, fmt, width, &err) < 0) {
		printf("# scan_new(%s): %s\n", fmt ? fmt : "(default)", err);
		free(err);
		return xstrdup("(bad format)");
	}
	if (me != NULL)
		scan_set_me(sc, me, NULL);
	msg_frombuf(&m, text, strlen(text), "test");
	if (scan_line(sc, &out, &m, sm ? sm : &dflt) < 0)
		buf_adds(&out, "(error)");
	msg_close(&m);
	scan_free(sc);
	return buf_release(&out);
}

#define LINE(want, ...) do {						\
	char *l_ = line(__VA_ARGS__);					\
	is_str(l_, want, "%s", #__VA_ARGS__);				\
	free(l_);							\
} while (0)

static void
test_letters(void)
{
	struct scanmsg cur = { "/mail/inbox/12", 12, 1, 1 };
	struct scanmsg nonum = { "-", 0, 0, 0 };

	LINE("7", "%n", 0, plain, NULL, NULL);
	LINE("", "%n", 0, plain, &nonum, NULL);
	LINE("[+]", "[%c]", 0, plain, &cur, NULL);
	LINE("[ ]", "[%c]", 0, plain, NULL, NULL);
	LINE("U", "%m", 0, plain, &cur, NULL);
	LINE(" ", "%m", 0, plain, NULL, NULL);
	LINE("-", "%m", 0, encoded, NULL, NULL);
	LINE("09/13", "%d", 0, plain, NULL, NULL);
	LINE("2022-09-13 23:30", "%{%Y-%m-%d %H:%M}d", 0, plain, NULL,
	    NULL);
	LINE("01/01 ", "%d%*", 0, encoded, NULL, NULL);
	LINE("*", "%d%*", 0, bare, NULL, NULL);
	LINE("Alice Smith", "%f", 0, plain, NULL, NULL);
	LINE("Ren\xc3\xa9" "e Fa\xc3\xa7on", "%f", 0, encoded, NULL, NULL);
	LINE("dave@example.com", "%f", 0, bare, NULL, NULL);
	LINE("alice@example.org", "%a", 0, plain, NULL, NULL);
	LINE("Bob", "%t", 0, plain, NULL, NULL);
	LINE("carol@example.com", "%t", 0, encoded, NULL, NULL);
	LINE("Lunch on Friday", "%s", 0, plain, NULL, NULL);
	LINE("Caf\xc3\xa9 cr\xc3\xa8me", "%s", 0, encoded, NULL, NULL);
	LINE("one", "%{x-tag}h", 0, plain, NULL, NULL);
	LINE("", "%{No-Such}h", 0, plain, NULL, NULL);
	LINE("/mail/inbox/7", "%p", 0, plain, NULL, NULL);
	LINE("0", "%z", 0, plain, NULL, NULL);
	LINE("100%", "100%%", 0, plain, NULL, NULL);
	LINE("a\tb\nc\\", "a\\tb\\nc\\\\", 0, plain, NULL, NULL);
}

static void
test_body(void)
{
	LINE("Shall we meet at noon?", "%b", 0, plain, NULL, NULL);
	LINE("x<<Shall we meet at noon?", "x%{<<}b", 0, plain, NULL, NULL);
	LINE("Voil\xc3\xa0 la carte.", "%b", 0, encoded, NULL, NULL);
	LINE("x", "x%{<<}b", 0, bare, NULL, NULL);
}

static void
test_me(void)
{
	LINE("To:Bob", "%f", 0, plain, NULL, "Alice <ALICE@example.org>");
	LINE("Alice Smith", "%f", 0, plain, NULL, "someone@example.org");
}

static void
test_widths(void)
{
	struct scanmsg big = { "x", 123456, 0, 0 };
	char *l;

	LINE("    7", "%5n", 0, plain, NULL, NULL);
	LINE("7    |", "%-5n|", 0, plain, NULL, NULL);
	LINE("123456", "%3n", 0, plain, &big, NULL);	/* never cut */
	LINE("Lunch", "%5s", 0, plain, NULL, NULL);	/* text is cut */
	LINE("Lunch on Friday     |", "%-20s|", 0, plain, NULL, NULL);
	LINE("     Lunch on Friday|", "%20s|", 0, plain, NULL, NULL);
	/* columns, not bytes: e acute and c cedilla take one each */
	LINE("Ren\xc3\xa9" "e|", "%5f|", 0, encoded, NULL, NULL);
	/* the whole line is cut at the width */
	LINE("Lunch on F", "%s", 10, plain, NULL, NULL);
	LINE("Caf\xc3\xa9 cr\xc3\xa8", "%s", 8, encoded, NULL, NULL);
	LINE("ab\nab", "%{x}h\\n%{x}h", 2, "X: abc\n\n", NULL, NULL);

	l = line(NULL, 80, plain, NULL, NULL);
	is_str(l, "   7  09/13 Alice Smith        Lunch on Friday<<Shall we "
	    "meet at noon?", "default format");
	free(l);
}

static void
test_controls(void)
{
	LINE("tab here\xef\xbf\xbd and bell", "%s", 0, bare, NULL, NULL);
	/* U+0085 (NEL) is a C1 control */
	LINE("a\xef\xbf\xbd" "b", "%s", 0, "Subject: a\xc2\x85" "b\n\n", NULL,
	    NULL);
	LINE("a\xef\xbf\xbd" "b", "%s", 0, "Subject: a\x7f" "b\n\n", NULL,
	    NULL);
	/* raw 8-bit that is not UTF-8 is taken as windows-1252 (rfc2047.h) */
	LINE("bad\xc3\xbf@example.org", "%a", 0,
	    "From: bad\xff@example.org\n\n", NULL, NULL);
}

static void
test_bad(void)
{
	static const char *bad[] = {
		"%q", "%", "%5", "%-", "%{x", "%h", "%{}h", "%99999s", "%{a}",
		NULL
	};
	struct scan *sc;
	char *err;
	size_t i;
	int r;

	for (i = 0; bad[i] != NULL; i++) {
		errno = 0;
		r = scan_new(&sc, bad[i], 80, &err);
		ok(r == -1 && errno == EINVAL && sc == NULL && err != NULL &&
		    strstr(err, "bad escape") != NULL, "bad format \"%s\": %s",
		    bad[i], err ? err : "(no message)");
		free(err);
	}
	ok(scan_new(&sc, "%n %s", 80, &err) == 0 && err == NULL,
	    "good format");
	ok(!scan_needs_body(sc), "%%n %%s does not need the body");
	scan_free(sc);
	ok(scan_new(&sc, "%b", 80, &err) == 0 && scan_needs_body(sc),
	    "%%b needs the body");
	scan_free(sc);
	ok(scan_new(&sc, "%z", 80, &err) == 0 && scan_needs_body(sc),
	    "%%z needs the body (its size)");
	scan_free(sc);
	scan_free(NULL);
	ok(1, "scan_free(NULL)");
}

/* %z and the file's time come from the descriptor of msg_open(). */
static void
test_file(void)
{
	char path[] = "/tmp/t_scanfmt.XXXXXX";
	struct scanmsg sm = { path, 1, 0, 0 };
	struct scan *sc;
	struct buf out = BUF_INIT;
	struct msg m;
	char *err;
	int fd;

	if ((fd = mkstemp(path)) < 0 ||
	    write(fd, plain, sizeof(plain) - 1) != (ssize_t)sizeof(plain) - 1 ||
	    close(fd) < 0) {
		ok(0, "temporary file");
		return;
	}
	if (scan_new(&sc, "%z %b", 0, &err) < 0 || msg_open(&m, path) < 0) {
		ok(0, "open");
		unlink(path);
		return;
	}
	ok(scan_line(sc, &out, &m, &sm) == 0, "scan_line on a file");
	{
		char *want = xasprintf("%zu Shall we meet at noon?",
		    sizeof(plain) - 1);

		is_str(buf_cstr(&out), want, "%%z is the file's size");
		free(want);
	}
	msg_close(&m);
	scan_free(sc);
	buf_free(&out);
	unlink(path);
}

int
main(void)
{
	setenv("TZ", "UTC", 1);
	test_letters();
	test_body();
	test_me();
	test_widths();
	test_controls();
	test_bad();
	test_file();
	return done_testing();
}
