/* Unit tests for libcommon/lmtp: scripted sessions against a fake handler. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "deliver.h"
#include "lmtp.h"
#include "util.h"
#include "xio.h"
#include "tap.h"

/* What the fake handler saw. */
struct seen {
	struct buf	 msg;		/* header block, "\n", body */
	char		*sender;
	int		 ndeliver;
	int		 ndrop;
};

static int
f_rcpt(void *ctx, const char *addr, void **data, struct buf *reply)
{
	(void)ctx;
	if (strncmp(addr, "bad", 3) == 0) {
		buf_printf(reply, "550 5.1.1 <%s> user unknown", addr);
		return -1;
	}
	*data = xstrdup(addr);
	return 0;
}

static void
f_deliver(void *ctx, const struct spool *sp, const char *sender,
    struct lmtp_rcpt *r, size_t n, struct buf *replies)
{
	struct seen *s = ctx;
	char chunk[4096];
	off_t off = 0;
	ssize_t k;
	size_t i;

	s->ndeliver++;
	free(s->sender);
	s->sender = xstrdup(sender);
	buf_reset(&s->msg);
	buf_add(&s->msg, sp->hdr.raw.data, sp->hdr.raw.len);
	buf_addc(&s->msg, '\n');
	while ((k = spool_pread(sp, chunk, sizeof(chunk), off)) > 0) {
		buf_add(&s->msg, chunk, (size_t)k);
		off += k;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(r[i].data, r[i].addr) != 0)
			buf_adds(&replies[i], "554 5.3.0 data lost");
		else if (strncmp(r[i].addr, "tmp", 3) == 0)
			buf_printf(&replies[i], "451 4.3.0 <%s> later",
			    r[i].addr);
		else
			buf_printf(&replies[i], "250 2.0.0 <%s> ok", r[i].addr);
	}
}

static void
f_drop(void *ctx, void *data)
{
	struct seen *s = ctx;

	s->ndrop++;
	free(data);
}

static const struct lmtp_handler fake = { f_rcpt, f_deliver, f_drop };

/* Run a session with input in; the server's output goes to out. */
static int
session(const char *in, size_t inlen, struct buf *out, struct seen *s)
{
	char tmpl[] = "/tmp/t_lmtp.XXXXXX", tmpl2[] = "/tmp/t_lmtp.XXXXXX";
	int ifd, ofd, r;

	ifd = mkstemp(tmpl);
	ofd = mkstemp(tmpl2);
	if (ifd < 0 || ofd < 0)
		return -100;
	unlink(tmpl);
	unlink(tmpl2);
	if (xwrite_all(ifd, in, inlen) < 0 || lseek(ifd, 0, SEEK_SET) < 0)
		return -100;
	r = lmtp_serve(ifd, ofd, "test.example", 5, NULL, &fake, s);
	buf_reset(out);
	if (lseek(ofd, 0, SEEK_SET) < 0 || read_fd_all(ofd, out) < 0)
		return -100;
	close(ifd);
	close(ofd);
	return r;
}

static void
run(const char *name, const char *in, const char *want, int wantst,
    struct seen *s)
{
	struct buf out = BUF_INIT;
	int r;

	r = session(in, strlen(in), &out, s);
	is_int(r, wantst, "%s: status", name);
	is_str(buf_cstr(&out), want, "%s: replies", name);
	buf_free(&out);
}

#define GREET	"220 test.example LMTP mdeliver ready\r\n"
#define CAPS	"250-test.example\r\n250-PIPELINING\r\n" \
		"250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 SIZE\r\n"
#define BYE	"221 2.0.0 test.example closing connection\r\n"

int
main(void)
{
	struct seen s;
	struct buf in = BUF_INIT, out = BUF_INIT, want = BUF_INIT;
	size_t i;
	int r;

	memset(&s, 0, sizeof(s));

	run("greeting and LHLO", "LHLO client\r\nQUIT\r\n",
	    GREET CAPS BYE, 0, &s);
	run("HELO and EHLO refused",
	    "HELO x\r\nEHLO x\r\nQUIT\r\n",
	    GREET "500 5.5.1 this is LMTP: use LHLO\r\n"
	    "500 5.5.1 this is LMTP: use LHLO\r\n" BYE, 0, &s);
	run("order of commands",
	    "MAIL FROM:<a@b>\r\nLHLO x\r\nRCPT TO:<c@d>\r\nDATA\r\n"
	    "MAIL FROM:<a@b>\r\nMAIL FROM:<a@b>\r\nDATA\r\nQUIT\r\n",
	    GREET "503 5.5.1 send LHLO first\r\n" CAPS
	    "503 5.5.1 need MAIL command\r\n"
	    "503 5.5.1 need MAIL command\r\n"
	    "250 2.1.0 Ok\r\n"
	    "503 5.5.1 nested MAIL command\r\n"
	    "503 5.5.1 no valid recipients\r\n" BYE, 0, &s);

	/* Three recipients, one unknown, one failing; all pipelined. */
	s.ndrop = 0;
	run("pipelined transaction",
	    "LHLO x\r\nMAIL FROM:<s@example.org> SIZE=120 BODY=8BITMIME\r\n"
	    "RCPT TO:<alice@example.org>\r\nRCPT TO:<bad@example.org>\r\n"
	    "RCPT TO:<tmp@example.org>\r\nDATA\r\n"
	    "Subject: hi\r\n\r\nline 1\r\n..stuffed\r\n.\r\nQUIT\r\n",
	    GREET CAPS "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
	    "550 5.1.1 <bad@example.org> user unknown\r\n250 2.1.5 Ok\r\n"
	    "354 3.0.0 send the message, end with <CRLF>.<CRLF>\r\n"
	    "250 2.0.0 <alice@example.org> ok\r\n"
	    "451 4.3.0 <tmp@example.org> later\r\n" BYE, 0, &s);
	is_str(buf_cstr(&s.msg), "Subject: hi\n\nline 1\n.stuffed\n",
	    "dot-unstuffed, CRLF became LF");
	is_str(s.sender, "s@example.org", "sender");
	is_int(s.ndrop, 2, "recipients' data dropped after the transaction");

	run("null sender, bare LF, RSET, NOOP",
	    "LHLO x\nMAIL FROM:<>\nRCPT TO:<a@b>\nRSET\nNOOP\n"
	    "MAIL FROM:<>\nRCPT TO:<@r1,@r2:c@d>\nDATA\n"
	    "\n.x\n..\n.\nQUIT\n",
	    GREET CAPS "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok\r\n"
	    "250 2.0.0 Ok\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
	    "354 3.0.0 send the message, end with <CRLF>.<CRLF>\r\n"
	    "250 2.0.0 <c@d> ok\r\n" BYE, 0, &s);
	is_str(s.sender, "", "null sender");
	is_str(buf_cstr(&s.msg), "\nx\n.\n",
	    "leading empty line, unstuffed dots");

	run("syntax errors",
	    "LHLO\r\nLHLO x\r\nMAIL TO:<a>\r\nMAIL FROM:<a> FOO=1\r\n"
	    "MAIL FROM:<a\r\nMAIL FROM:<a>\r\nRCPT TO:<>\r\n"
	    "RCPT TO:<b> NOTIFY=NEVER\r\nRCPT FROM:<b>\r\nRCPT TO:<b>\r\n"
	    "DATA now\r\nVRFY a\r\nXYZZY\r\n\r\nQUIT\r\n",
	    GREET "501 5.5.4 syntax: LHLO hostname\r\n" CAPS
	    "501 5.5.4 syntax: MAIL FROM:<address>\r\n"
	    "555 5.5.4 unsupported MAIL parameter\r\n"
	    "501 5.5.4 syntax: MAIL FROM:<address>\r\n"
	    "250 2.1.0 Ok\r\n"
	    "501 5.1.3 bad recipient address syntax\r\n"
	    "555 5.5.4 unsupported RCPT parameter\r\n"
	    "501 5.5.4 syntax: RCPT TO:<address>\r\n"
	    "250 2.1.5 Ok\r\n"
	    "501 5.5.4 syntax: DATA\r\n"
	    "502 5.5.1 command not implemented\r\n"
	    "500 5.5.2 command unrecognized\r\n"
	    "500 5.5.2 command unrecognized\r\n" BYE, 0, &s);

	/* A command line beyond the limit is refused, not cut. */
	buf_adds(&in, "LHLO x\r\nNOOP ");
	for (i = 0; i < LMTP_MAXLINE * 3; i++)
		buf_addc(&in, 'a');
	buf_adds(&in, "\r\nNOOP\r\nQUIT\r\n");
	r = session(in.data, in.len, &out, &s);
	is_int(r, 0, "long line: status");
	is_str(buf_cstr(&out), GREET CAPS "500 5.5.2 line too long\r\n"
	    "250 2.0.0 Ok\r\n" BYE, "long line: refused, session goes on");

	/* A data line longer than any buffer arrives whole. */
	buf_reset(&in);
	buf_adds(&in, "LHLO x\r\nMAIL FROM:<a>\r\nRCPT TO:<b>\r\nDATA\r\n"
	    "X: y\r\n\r\n");
	buf_reset(&want);
	buf_adds(&want, "X: y\n\n");
	for (i = 0; i < 300000; i++) {
		buf_addc(&in, (char)('a' + i % 26));
		buf_addc(&want, (char)('a' + i % 26));
	}
	buf_adds(&in, "\r\n.\r\nQUIT\r\n");
	buf_adds(&want, "\n");
	s.ndeliver = 0;
	r = session(in.data, in.len, &out, &s);
	is_int(r, 0, "long data line: status");
	is_int(s.ndeliver, 1, "long data line: delivered once");
	ok(s.msg.len == want.len && memcmp(s.msg.data, want.data,
	    want.len) == 0, "long data line: whole");

	s.ndeliver = 0;
	run("end of input in DATA",
	    "LHLO x\r\nMAIL FROM:<a>\r\nRCPT TO:<b>\r\nDATA\r\nX: y\r\n",
	    GREET CAPS "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
	    "354 3.0.0 send the message, end with <CRLF>.<CRLF>\r\n",
	    EX_TEMPFAIL, &s);
	is_int(s.ndeliver, 0, "nothing delivered from a cut transaction");
	run("end of input between transactions", "LHLO x\r\n",
	    GREET CAPS, 0, &s);
	run("end of input after MAIL", "LHLO x\r\nMAIL FROM:<a>\r\n",
	    GREET CAPS "250 2.1.0 Ok\r\n", EX_TEMPFAIL, &s);

	buf_free(&in);
	buf_free(&out);
	buf_free(&want);
	buf_free(&s.msg);
	free(s.sender);
	return done_testing();
}
