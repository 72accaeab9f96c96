/*
 * t_smtp: reply parsing, enhanced codes, EHLO keywords, the wire form of
 * messages (CRLF, dot-stuffing, long lines), and the client's side of a
 * session against a scripted peer on a socketpair (serial and pipelined
 * SMTP, LMTP's per-recipient replies, a server that closes, a reply
 * that is not SMTP).  Real servers are in tests/msend.bats.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smtp.h"
#include "tap.h"
#include "util.h"
#include "xio.h"

static void
test_parse_line(void)
{
	const char *t;
	size_t tl;
	int code, more;

	ok(smtp_parse_line("250-PIPELINING", 14, &code, &more, &t, &tl) == 0,
	    "continuation line parses");
	is_int(code, 250, "code 250");
	is_int(more, 1, "'-' means more");
	ok(tl == 10 && memcmp(t, "PIPELINING", 10) == 0, "text after '-'");
	ok(smtp_parse_line("550 5.1.1 no", 12, &code, &more, &t, &tl) == 0 &&
	    code == 550 && more == 0 && tl == 8, "last line");
	ok(smtp_parse_line("220", 3, &code, &more, &t, &tl) == 0 &&
	    code == 220 && !more && tl == 0, "code alone");
	ok(smtp_parse_line("22", 2, &code, &more, &t, &tl) == -1,
	    "too short");
	ok(smtp_parse_line("2a0 x", 5, &code, &more, &t, &tl) == -1,
	    "not digits");
	ok(smtp_parse_line("650 x", 5, &code, &more, &t, &tl) == -1,
	    "first digit out of range");
	ok(smtp_parse_line("250x", 4, &code, &more, &t, &tl) == -1,
	    "bad separator");
	ok(smtp_parse_line("HTTP/1.1 400", 12, &code, &more, &t, &tl) == -1,
	    "HTTP is not SMTP");
}

static void
test_enh(void)
{
	char enh[12];
	size_t n;

	n = smtp_parse_enh(550, "5.1.1 User unknown", 18, enh);
	is_str(enh, "5.1.1", "enhanced code");
	is_int(n, 6, "skips the code and its space");
	smtp_parse_enh(450, "4.2.0", 5, enh);
	is_str(enh, "4.2.0", "code alone");
	smtp_parse_enh(550, "4.2.0 x", 7, enh);
	is_str(enh, "", "class must match the reply");
	smtp_parse_enh(250, "2.1.5.3 x", 9, enh);
	is_str(enh, "", "four parts are not a code");
	smtp_parse_enh(250, "2.1234.5 x", 10, enh);
	is_str(enh, "", "subject over 3 digits");
	smtp_parse_enh(250, "2.0.0x", 6, enh);
	is_str(enh, "", "junk after the code");
	smtp_parse_enh(250, "Ok", 2, enh);
	is_str(enh, "", "no code");
	smtp_parse_enh(553, "5.1.10 x", 8, enh);
	is_str(enh, "5.1.10", "detail of 2 digits");
}

static void
test_ehlo(void)
{
	struct smtp s;
	struct smtp_reply r = { 250, "", BUF_INIT };

	smtp_init(&s, 0);
	buf_adds(&r.text, "mx.example Hello\nPIPELINING\nSIZE 10240000\n"
	    "auth=LOGIN\nAUTH CRAM-MD5 PLAIN\n8bitmime\nSTARTTLS\nDSN\n"
	    "SMTPUTF8\nENHANCEDSTATUSCODES\nPIPELININGX");
	smtp_parse_ehlo(&s, &r);
	ok(s.ext & SMTP_EXT_PIPELINING, "PIPELINING");
	ok(s.ext & SMTP_EXT_SIZE, "SIZE");
	ok(s.size == 10240000ULL, "SIZE value");
	ok(s.ext & SMTP_EXT_8BITMIME, "8BITMIME, any case");
	ok(s.ext & SMTP_EXT_STARTTLS, "STARTTLS");
	ok(s.ext & SMTP_EXT_DSN, "DSN");
	ok(s.ext & SMTP_EXT_SMTPUTF8, "SMTPUTF8");
	ok(s.ext & SMTP_EXT_ENHANCED, "ENHANCEDSTATUSCODES");
	ok(s.auth == (SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN),
	    "AUTH mechanisms from AUTH and AUTH=");
	buf_reset(&r.text);
	buf_adds(&r.text, "PIPELINING\nSIZE");
	smtp_parse_ehlo(&s, &r);
	ok(s.ext == SMTP_EXT_SIZE && s.size == 0,
	    "first line is the greeting; SIZE without a value");
	buf_reset(&r.text);
	buf_adds(&r.text, "x\nSIZE 99999999999999999999999");
	smtp_parse_ehlo(&s, &r);
	ok(s.size > 0, "huge SIZE does not wrap to 0");
	buf_free(&r.text);
	smtp_close(&s);
}

static void
test_format(void)
{
	struct smtp_reply r = { 550, "5.1.1", BUF_INIT };
	struct buf b = BUF_INIT;

	buf_adds(&r.text, "5.1.1 <a@b>: no\nsecond\x1b[31mline");
	smtp_reply_format(&b, &r);
	is_str(b.data, "550 5.1.1 <a@b>: no / second?[31mline",
	    "one printable line");
	buf_free(&r.text);
	buf_free(&b);
}

static int
wire(const char *in, const char *want, const char *name)
{
	struct buf b = BUF_INIT;
	size_t bad;
	int e8, r;

	r = smtp_wire(&b, in, strlen(in), &e8, &bad);
	is_str(r == 0 ? b.data : "(error)", want, "wire: %s", name);
	buf_free(&b);
	return e8;
}

static void
test_wire(void)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	size_t bad, i;
	int e8;

	wire("a\nb\n", "a\r\nb\r\n", "LF to CRLF");
	wire("a\r\nb\r\n", "a\r\nb\r\n", "CRLF kept");
	wire("a\nb", "a\r\nb\r\n", "last line gets its CRLF");
	wire("a\rb\r\n", "a\r\nb\r\n", "a CR alone ends a line");
	wire(".\n..x\n.\r\nx.\n", "..\r\n...x\r\n..\r\nx.\r\n",
	    "dots at line starts doubled");
	wire(".", "..\r\n", "a lone dot without newline");
	wire("", "", "empty message");
	wire("\n\n", "\r\n\r\n", "empty lines");
	ok(wire("caf\xc3\xa9\n", "caf\xc3\xa9\r\n", "8-bit kept") == 1,
	    "8-bit noticed");
	ok(wire("plain\n", "plain\r\n", "7-bit") == 0, "7-bit noticed");

	for (i = 0; i < SMTP_LINE_MAX; i++)
		buf_addc(&in, 'x');
	buf_adds(&in, "\r\n");
	ok(smtp_wire(&out, in.data, in.len, &e8, &bad) == 0,
	    "998 octets is fine");
	buf_reset(&out);
	buf_reset(&in);
	buf_adds(&in, "ok\nfine\n");
	for (i = 0; i <= SMTP_LINE_MAX; i++)
		buf_addc(&in, 'x');
	buf_adds(&in, "\n");
	errno = 0;
	ok(smtp_wire(&out, in.data, in.len, &e8, &bad) == -1 &&
	    errno == E2BIG, "999 octets refused");
	is_int(bad, 3, "the long line's number");
	buf_free(&in);
	buf_free(&out);
	ok(smtp_is8bit("b\xfc"), "is8bit yes");
	ok(!smtp_is8bit("bu"), "is8bit no");
}

/* ------------------------------------------------------------ sessions */

/*
 * A scripted peer: writes each reply in script (strings, NULL-ended)
 * after reading a line, except where a reply starts with "!" (send at
 * once, no read first) or is "<close>"; records every byte read.
 * Runs in a child; the record goes back through a pipe.
 */
static pid_t
peer(int fd, int other, const char **script, int recfd, int recother)
{
	struct buf in = BUF_INIT;
	char c;
	pid_t pid;
	ssize_t n;
	int i, data = 0;

	if ((pid = fork()) != 0)
		return pid;
	close(other);
	close(recother);
	alarm(20);
	for (i = 0; script[i] != NULL; i++) {
		const char *r = script[i];

		if (r[0] == '!')
			r++;
		else {
			/* read one line (or through "\r\n.\r\n" in data) */
			for (;;) {
				if ((n = read(fd, &c, 1)) <= 0)
					goto out;
				buf_addc(&in, c);
				if (c != '\n')
					continue;
				if (!data)
					break;
				if (in.len >= 5 && memcmp(in.data + in.len - 5,
				    "\r\n.\r\n", 5) == 0)
					break;
			}
			data = 0;
		}
		if (strcmp(r, "<close>") == 0)
			goto out;
		if (strncmp(r, "354", 3) == 0)
			data = 1;
		if (strncmp(r, "<data>", 6) == 0) {
			data = 1;
			r += 6;
		}
		if (xwrite_all(fd, r, strlen(r)) == -1)
			goto out;
	}
	while ((n = read(fd, &c, 1)) > 0)
		buf_addc(&in, c);
out:
	(void)xwrite_all(recfd, in.data, in.len);
	_exit(0);
}

struct session {
	struct smtp	 s;
	int		 rec[2];
	pid_t		 pid;
};

static void
start(struct session *ss, int lmtp, const char **script)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 ||
	    pipe(ss->rec) == -1)
		abort();
	ss->pid = peer(sv[1], sv[0], script, ss->rec[1], ss->rec[0]);
	close(sv[1]);
	close(ss->rec[1]);
	smtp_init(&ss->s, lmtp);
	ss->s.fd = sv[0];
	ss->s.host = xstrdup("peer");
	ss->s.timeout = 10;
}

/* Close our side; return what the peer read (malloc'd). */
static char *
finish(struct session *ss)
{
	struct buf b = BUF_INIT;

	smtp_close(&ss->s);
	(void)read_fd_all(ss->rec[0], &b);
	close(ss->rec[0]);
	waitpid(ss->pid, NULL, 0);
	return buf_release(&b);
}

static void
test_serial(void)
{
	static const char *script[] = {
		"!220 peer ESMTP\r\n",
		"250-peer\r\n250-SIZE 1000\r\n250 8BITMIME\r\n",
		"250 2.1.0 ok\r\n",
		"550 5.1.1 <nobody@x>: unknown\r\n",
		"250 2.1.5 ok\r\n",
		"354 go\r\n",
		"250 2.0.0 queued as X\r\n",
		"221 bye\r\n",
		NULL
	};
	struct smtp_rcpt rc[2] = { { "nobody@x", 0, "", NULL },
	    { "bob@x", 0, "", NULL } };
	struct smtp_txn t;
	struct session ss;
	char *got;

	memset(&t, 0, sizeof(t));
	t.from = "a@x";
	t.rcpt = rc;
	t.nrcpt = 2;
	t.data = "Subject: x\r\n\r\n..dot\r\n";
	t.len = strlen(t.data);
	t.notify = "NEVER";
	start(&ss, 0, script);
	ok(smtp_greeting(&ss.s) == 0, "serial: greeting");
	ok(smtp_ehlo(&ss.s, "me.example") == 0, "serial: EHLO");
	ok(smtp_send(&ss.s, &t) == 0, "serial: transaction");
	is_int(t.naccepted, 1, "serial: one accepted");
	is_int(rc[0].code, 550, "serial: refused recipient's code");
	is_str(rc[0].enh, "5.1.1", "serial: its enhanced code");
	is_str(rc[0].text, "550 5.1.1 <nobody@x>: unknown",
	    "serial: its text");
	is_int(rc[1].code, 250, "serial: accepted recipient");
	smtp_quit(&ss.s);
	got = finish(&ss);
	is_str(got, "EHLO me.example\r\nMAIL FROM:<a@x> SIZE=24\r\n"
	    "RCPT TO:<nobody@x>\r\nRCPT TO:<bob@x>\r\nDATA\r\n"
	    "Subject: x\r\n\r\n..dot\r\n.\r\nQUIT\r\n",
	    "serial: what the server read (no NOTIFY without DSN)");
	free(got);
	smtp_txn_clear(&t);
}

static void
test_pipelined(void)
{
	static const char *script[] = {
		"!220 peer\r\n",
		"250-peer\r\n250-PIPELINING\r\n250-DSN\r\n250 SMTPUTF8\r\n",
		/* MAIL RCPT RCPT DATA arrive together; answer each */
		"250 ok\r\n",
		"250 ok\r\n",
		"450 4.2.0 busy\r\n",
		"354 go\r\n",
		"<data>250 ok\r\n",
		NULL
	};
	struct smtp_rcpt rc[2] = { { "b@x", 0, "", NULL },
	    { "c@x", 0, "", NULL } };
	struct smtp_txn t;
	struct session ss;
	char *got;

	memset(&t, 0, sizeof(t));
	t.from = "";
	t.rcpt = rc;
	t.nrcpt = 2;
	t.data = "x\r\n";
	t.len = 3;
	t.notify = "SUCCESS,FAILURE";
	t.utf8 = 1;
	start(&ss, 0, script);
	ok(smtp_greeting(&ss.s) == 0 && smtp_ehlo(&ss.s, "me") == 0,
	    "pipelined: EHLO");
	ok(smtp_send(&ss.s, &t) == 0, "pipelined: transaction");
	is_int(t.naccepted, 1, "pipelined: one accepted");
	is_int(rc[1].code, 450, "pipelined: temporary refusal kept");
	got = finish(&ss);
	is_str(got, "EHLO me\r\nMAIL FROM:<> SMTPUTF8\r\n"
	    "RCPT TO:<b@x> NOTIFY=SUCCESS,FAILURE\r\n"
	    "RCPT TO:<c@x> NOTIFY=SUCCESS,FAILURE\r\nDATA\r\nx\r\n.\r\n",
	    "pipelined: commands in order, NOTIFY with DSN");
	free(got);
	smtp_txn_clear(&t);
}

static void
test_mail_refused(void)
{
	static const char *script[] = {
		"!220 peer\r\n",
		"250-peer\r\n250 PIPELINING\r\n",
		"553 5.7.1 sender refused\r\n",
		"503 no\r\n",
		"503 no\r\n",
		NULL
	};
	struct smtp_rcpt rc[1] = { { "b@x", 0, "", NULL } };
	struct smtp_txn t;
	struct session ss;
	char *got;

	memset(&t, 0, sizeof(t));
	t.from = "a@x";
	t.rcpt = rc;
	t.nrcpt = 1;
	t.data = "x\r\n";
	t.len = 3;
	start(&ss, 0, script);
	ok(smtp_greeting(&ss.s) == 0 && smtp_ehlo(&ss.s, "me") == 0,
	    "MAIL refused: EHLO");
	ok(smtp_send(&ss.s, &t) == -1 && ss.s.fail == SMTP_F_REPLY,
	    "MAIL refused: fails as a reply");
	is_int(ss.s.reply.code, 553, "MAIL refused: the MAIL reply is kept");
	is_str(ss.s.err.data, "peer: MAIL FROM: 553 5.7.1 sender refused",
	    "MAIL refused: message");
	got = finish(&ss);
	free(got);
	smtp_txn_clear(&t);
}

static void
test_lmtp(void)
{
	static const char *script[] = {
		"!220 peer LMTP\r\n",
		"250-peer\r\n250 8BITMIME\r\n",
		"250 ok\r\n",
		"250 ok\r\n",
		"250 ok\r\n",
		"550 no\r\n",
		"354 go\r\n",
		"!250 2.0.0 a delivered\r\n",
		"<data>452 4.2.2 b over quota\r\n",
		NULL
	};
	struct smtp_rcpt rc[3] = { { "a@x", 0, "", NULL },
	    { "b@x", 0, "", NULL }, { "c@x", 0, "", NULL } };
	struct smtp_txn t;
	struct session ss;
	char *got;

	memset(&t, 0, sizeof(t));
	t.from = "s@x";
	t.rcpt = rc;
	t.nrcpt = 3;
	t.data = "\xe9t\xe9\r\n";
	t.len = 5;
	t.body8 = 1;
	start(&ss, 1, script);
	ok(smtp_greeting(&ss.s) == 0 && smtp_ehlo(&ss.s, "me") == 0,
	    "LMTP: LHLO");
	ok(smtp_send(&ss.s, &t) == 0, "LMTP: transaction");
	is_int(t.naccepted, 1, "LMTP: one delivered");
	is_int(rc[0].code, 250, "LMTP: first recipient's data reply");
	is_int(rc[1].code, 452, "LMTP: second recipient's data reply");
	is_int(rc[2].code, 550, "LMTP: third refused at RCPT");
	got = finish(&ss);
	ok(strncmp(got, "LHLO me\r\nMAIL FROM:<s@x> BODY=8BITMIME\r\n",
	    40) == 0, "LMTP: LHLO and BODY=8BITMIME");
	free(got);
	smtp_txn_clear(&t);
}

static void
test_failures(void)
{
	static const char *closes[] = { "!220 peer\r\n", "<close>", NULL };
	static const char *junk[] = { "!220 peer\r\n", "HTTP/1.0 200\r\n",
	    NULL };
	static const char *helo[] = { "!220 peer\r\n", "502 what\r\n",
	    "250 peer\r\n", "250 ok\r\n", NULL };
	static const char *nosize[] = { "!220 peer\r\n",
	    "250-peer\r\n250 SIZE 10\r\n", NULL };
	static const char *plain[] = { "!220 peer\r\n",
	    "250-peer\r\n250 AUTH PLAIN\r\n", "235 ok\r\n", NULL };
	static const char *noext[] = { "!220 peer\r\n", "250 peer\r\n",
	    NULL };
	static const char *inject[] = { "!220 peer\r\n",
	    "250-peer\r\n250 STARTTLS\r\n", "220 go\r\n250 injected\r\n",
	    NULL };
	struct smtp_rcpt rc[1] = { { "b@x", 0, "", NULL } };
	struct smtp_txn t;
	struct session ss;
	char *got;

	start(&ss, 0, closes);
	ok(smtp_greeting(&ss.s) == 0 && smtp_ehlo(&ss.s, "me") == -1 &&
	    ss.s.fail == SMTP_F_IO, "closed connection is an I/O failure");
	is_str(ss.s.err.data, "peer: connection closed by server",
	    "closed: message");
	free(finish(&ss));

	start(&ss, 0, junk);
	ok(smtp_greeting(&ss.s) == 0 && smtp_ehlo(&ss.s, "me") == -1 &&
	    ss.s.fail == SMTP_F_PROTO, "non-SMTP reply is a protocol failure");
	free(finish(&ss));

	start(&ss, 0, helo);
	ok(smtp_greeting(&ss.s) == 0 && smtp_ehlo(&ss.s, "me") == 0 &&
	    ss.s.helo == 1 && ss.s.ext == 0, "EHLO refused: HELO used");
	free(finish(&ss));

	memset(&t, 0, sizeof(t));
	t.from = "a@x";
	t.rcpt = rc;
	t.nrcpt = 1;
	t.data = "0123456789\r\n";
	t.len = 12;
	start(&ss, 0, nosize);
	ok(smtp_greeting(&ss.s) == 0 && smtp_ehlo(&ss.s, "me") == 0 &&
	    smtp_send(&ss.s, &t) == -1 && ss.s.fail == SMTP_F_SIZE,
	    "too big for SIZE: refused before MAIL");
	got = finish(&ss);
	is_str(got, "EHLO me\r\n", "too big: nothing sent");
	free(got);

	start(&ss, 0, plain);
	ok(smtp_greeting(&ss.s) == 0 && smtp_ehlo(&ss.s, "me") == 0 &&
	    smtp_auth(&ss.s, SMTP_AUTH_PLAIN, "u", "p", 0) == -1 &&
	    ss.s.fail == SMTP_F_INSECURE, "AUTH without TLS refused");
	ok(smtp_auth(&ss.s, SMTP_AUTH_LOGIN, "u", "p",
	    SMTP_AUTH_CLEARTEXT_OK) == -1 && ss.s.fail == SMTP_F_NOEXT,
	    "AUTH LOGIN not offered");
	ok(smtp_auth(&ss.s, SMTP_AUTH_PLAIN, "u", "p",
	    SMTP_AUTH_CLEARTEXT_OK) == 0, "AUTH PLAIN when allowed");
	got = finish(&ss);
	is_str(got, "EHLO me\r\nAUTH PLAIN AHUAcA==\r\n",
	    "AUTH PLAIN: authzid, user and password in base64");
	free(got);

	t.body8 = 1;
	t.len = 3;
	start(&ss, 0, noext);
	ok(smtp_greeting(&ss.s) == 0 && smtp_ehlo(&ss.s, "me") == 0 &&
	    smtp_send(&ss.s, &t) == -1 && ss.s.fail == SMTP_F_NOEXT,
	    "8-bit to a server without 8BITMIME refused");
	free(finish(&ss));

	start(&ss, 0, inject);
	ok(smtp_greeting(&ss.s) == 0 && smtp_ehlo(&ss.s, "me") == 0 &&
	    smtp_starttls(&ss.s, NULL, "peer", "me") == -1 &&
	    ss.s.fail == SMTP_F_PROTO,
	    "bytes after the STARTTLS reply refused (RFC 3207 §4.2)");
	free(finish(&ss));
	smtp_txn_clear(&t);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	alarm(60);	/* a hung session fails the test */
	test_parse_line();
	test_enh();
	test_ehlo();
	test_format();
	test_wire();
	test_serial();
	test_pipelined();
	test_mail_refused();
	test_lmtp();
	test_failures();
	return done_testing();
}
