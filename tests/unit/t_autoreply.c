/* Unit tests for libcommon/autoreply: the RFC 3834 rules, the Subject
 * template, msg-ids, and the composed reply. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoreply.h"
#include "hdr.h"
#include "msg.h"
#include "util.h"
#include "tap.h"

static const char *const mynames[] = { "alice", "a.smith@example.com",
    "alias" };
static const struct arme me = { mynames, 3 };

static void
test_is_me(void)
{
	ok(autoreply_is_me(&me, "alice@example.org"), "login, any domain");
	ok(autoreply_is_me(&me, "ALICE@example.org"), "login, any case");
	ok(autoreply_is_me(&me, "alice+vac@example.org"), "login+detail");
	ok(autoreply_is_me(&me, "alice"), "bare login");
	ok(autoreply_is_me(&me, "A.Smith@EXAMPLE.com"), "full alias");
	ok(autoreply_is_me(&me, "a.smith+x@example.com"), "full alias+detail");
	ok(!autoreply_is_me(&me, "a.smith@example.org"),
	    "full alias, other domain");
	ok(autoreply_is_me(&me, "alias@lists.example"), "local alias");
	ok(!autoreply_is_me(&me, "malice@example.org"), "not a suffix match");
	ok(!autoreply_is_me(&me, "alice2@example.org"), "not a prefix match");
	ok(!autoreply_is_me(&me, ""), "null address");
}

static void
test_bad_sender(void)
{
	static const char *const bad[] = { "", "MAILER-DAEMON",
	    "mailer-daemon@example.org", "postmaster@example.org",
	    "mailer@example.org", "nobody@example.org", "uucp@example.org",
	    "list-request@example.org", "owner-list@example.org",
	    "list-owner@example.org", "smtp-relay@example.org",
	    "list-bounce@example.org", "list-bounces@example.org",
	    "list-bounces+alice=example.com@example.org",
	    "bounces+123-abc@sendgrid.example", "bounce-42-x@example.org",
	    "noreply@example.org", "no-reply@example.org",
	    "NoReply-alerts@example.org", "no_reply@example.org",
	    "donotreply@example.org", "do-not-reply@example.org",
	    "do_not_reply@example.org", "\"noreply\"@example.org", NULL };
	static const char *const good[] = { "bob@example.org",
	    "requester@example.org", "relay.person@example.org",
	    "bouncer@example.org", "reply@example.org", "mailers@example.org",
	    "owner@example.org", "bob+owner-x@example.org", NULL };
	size_t i;

	for (i = 0; bad[i] != NULL; i++)
		ok(autoreply_bad_sender(bad[i]) != NULL, "refused: <%s> (%s)",
		    bad[i], autoreply_bad_sender(bad[i]) ?
		    autoreply_bad_sender(bad[i]) : "-");
	for (i = 0; good[i] != NULL; i++)
		ok(autoreply_bad_sender(good[i]) == NULL, "answered: <%s>",
		    good[i]);
}

static const char *
header_verdict(const char *block)
{
	static char why[256];
	struct hdr h;
	const char *w;

	hdr_init(&h);
	hdr_parse(&h, block, strlen(block));
	w = autoreply_bad_header(&h);
	(void)snprintf(why, sizeof(why), "%s", w ? w : "");
	hdr_free(&h);
	return w ? why : NULL;
}

static void
test_bad_header(void)
{
	static const char *const bad[] = {
	    "Auto-Submitted: auto-generated\n",
	    "Auto-Submitted: auto-replied\n",
	    "auto-submitted: Auto-Notified; owner-email=x@y\n",
	    "Auto-Submitted: (comment) auto-generated\n",
	    "Auto-Submitted:\n",
	    "Precedence: bulk\n", "Precedence: LIST\n", "Precedence: junk\n",
	    "Precedence: auto_reply\n", "Precedence: (x) bulk\n",
	    "List-Id: <l.example.org>\n", "List-Unsubscribe: <mailto:x@y>\n",
	    "List-Post: NO\n", "list-help: <mailto:x@y>\n",
	    "Mailing-List: contact x@y\n", "X-Mailing-List: x@y\n",
	    "X-Auto-Response-Suppress: OOF\n",
	    "X-Auto-Response-Suppress: DR, RN, NRN, OOF, AutoReply\n",
	    "X-Auto-Response-Suppress: All\n",
	    "X-Spam-Flag: YES\n", "X-Spam-Flag: yes\n",
	    "X-Autoreply: yes\n", "X-Autorespond: x\n", NULL };
	static const char *const good[] = {
	    "Auto-Submitted: no\n", "Auto-Submitted: No (a person)\n",
	    "Precedence: first-class\n", "Precedence: normal\n",
	    "X-Auto-Response-Suppress: DR, RN\n",
	    "X-Auto-Response-Suppress: AutoReply\n",
	    "X-Spam-Flag: NO\n", "Listed: yes\n", "X-List: y\n",
	    "Subject: Precedence: bulk\n", "Subject: List-Id: x\n", NULL };
	size_t i;

	for (i = 0; bad[i] != NULL; i++)
		ok(header_verdict(bad[i]) != NULL, "refused: %.*s (%s)",
		    (int)strcspn(bad[i], "\n"), bad[i],
		    header_verdict(bad[i]) ? header_verdict(bad[i]) : "-");
	for (i = 0; good[i] != NULL; i++)
		ok(header_verdict(good[i]) == NULL, "answered: %.*s",
		    (int)strcspn(good[i], "\n"), good[i]);
}

static const char *
refuse(const char *block, const char *sender, int anyrcpt, char **myaddr)
{
	static char why[256];
	struct hdr h;
	const char *w;

	hdr_init(&h);
	hdr_parse(&h, block, strlen(block));
	w = autoreply_refuse(&h, sender, &me, anyrcpt, myaddr);
	(void)snprintf(why, sizeof(why), "%s", w ? w : "");
	hdr_free(&h);
	return w ? why : NULL;
}

static void
test_refuse(void)
{
	char *my = NULL;

	ok(refuse("To: Alice <alice@example.com>\n", "bob@x", 0, &my) == NULL,
	    "To the user: answered");
	is_str(my, "alice@example.com", "the address written to");
	free(my);
	ok(refuse("To: bob@x\nCc: x@y, \"A\" <a.smith@example.com>\n", "bob@x",
	    0, &my) == NULL, "Cc the user: answered");
	is_str(my, "a.smith@example.com", "the alias written to");
	free(my);
	ok(refuse("To: list@x\nResent-To: alice@example.com\n", "bob@x", 0,
	    NULL) == NULL, "Resent-To: answered");
	ok(refuse("To: list@x\nResent-Cc: alice+x@example.com\n", "bob@x", 0,
	    NULL) == NULL, "Resent-Cc: answered");
	ok(refuse("To: list@x\n", "bob@x", 0, NULL) != NULL,
	    "not addressed to the user: refused");
	ok(refuse("To: list@x\nBcc: alice@example.com\n", "bob@x", 0,
	    NULL) != NULL, "Bcc does not count");
	ok(refuse("To: list@x\nSubject: alice@example.com\n", "bob@x", 0,
	    NULL) != NULL, "the name elsewhere does not count");
	ok(refuse("To: list@x\n", "bob@x", 1, &my) == NULL && my == NULL,
	    "-j: answered, no address");
	ok(refuse("To: alice@example.com\n", "alice@example.org", 0,
	    NULL) != NULL, "sender is the user: refused");
	ok(refuse("From: Alice <alice@example.org>\nTo: alice@example.com\n",
	    "other@example.org", 0, NULL) != NULL,
	    "From the user: refused");
	ok(refuse("To: alice@example.com\nReply-To: noreply@x\n", "bob@x", 0,
	    NULL) == NULL, "Reply-To plays no part");
	ok(refuse("To: alice@example.com\nPrecedence: bulk\n", "bob@x", 1,
	    NULL) != NULL, "-j does not answer bulk mail");
	ok(refuse("To: alice@example.com\n", "", 0, NULL) != NULL,
	    "null sender: refused");
	ok(refuse("To: undisclosed-recipients:;\n", "bob@x", 0, NULL) != NULL,
	    "empty group: refused");
}

static void
test_sender(void)
{
	struct msg m;
	char *s;

#define SENDER(text, fb, want, name) do {				\
	msg_frombuf(&m, text, strlen(text), "t");			\
	s = autoreply_sender(&m, fb);					\
	is_str(s, want, name);						\
	free(s);							\
	msg_close(&m);							\
} while (0)
	SENDER("Return-Path: <bob@example.org>\nFrom: x@y\n\n", NULL,
	    "bob@example.org", "Return-Path");
	SENDER("Return-Path: <>\nFrom: x@y\n\n", "s@z", "",
	    "Return-Path <> is the null sender, -s does not override");
	SENDER("Return-Path: \nFrom: x@y\n\n", NULL, "", "empty Return-Path");
	SENDER("From bob@example.org Mon Jan  2 15:04:05 2006\nFrom: x@y\n\n",
	    NULL, "bob@example.org", "From_ line");
	SENDER("From MAILER-DAEMON Mon Jan  2 15:04:05 2006\n\n", NULL,
	    "MAILER-DAEMON", "From_ MAILER-DAEMON");
	SENDER("Return-Path: <rp@example.org>\n", NULL, "rp@example.org",
	    "Return-Path without From_");
	SENDER("From: x@y\nReply-To: r@y\nSender: s@y\n\n", "fb@example.org",
	    "fb@example.org", "-s when nothing else");
	SENDER("From: x@y\nReply-To: r@y\nSender: s@y\n\n", NULL, NULL,
	    "never From, Reply-To or Sender");
	SENDER("Return-Path: <@a.example:bob@example.org>\n\n", NULL,
	    "bob@example.org", "source route dropped");
	SENDER("From: x@y\n\n", "<>", "", "-s <>");
#undef SENDER
}

static char *
subj(const char *t, const char *o)
{
	return autoreply_subject(t, strlen(t), o, o != NULL ? strlen(o) : 0);
}

static void
test_subject(void)
{
	char *s;

#define SUBJ(t, o, want, name) do {					\
	s = subj(t, o);							\
	is_str(s, want, name);						\
	free(s);							\
} while (0)
	SUBJ("Re: $SUBJECT", " hello", "Re: hello", "plain");
	SUBJ("Auto: $SUBJECT", NULL, "Auto:", "no original subject");
	SUBJ("$SUBJECT [away]", NULL, "[away]", "no subject, leading");
	SUBJ("Re: $SUBJECT", " a\n  b\r\n\tc", "Re: a b c", "folded joined");
	SUBJ("Re: $SUBJECT", " x\rBcc: victim@example.net",
	    "Re: xBcc: victim@example.net", "bare CR taken out");
	SUBJ("Re: $SUBJECT", " x\nBcc: victim@example.net",
	    "Re: xBcc: victim@example.net", "bare LF taken out");
	SUBJ("Re: $SUBJECT", " x\r\nBcc: victim@example.net",
	    "Re: xBcc: victim@example.net", "CRLF taken out");
	{
		const char o[] = " x\0Bcc: v@x";

		s = autoreply_subject("Re: $SUBJECT", 12, o, sizeof(o) - 1);
		is_str(s, "Re: x Bcc: v@x", "NUL is a space");
		free(s);
	}
	SUBJ("Re: $SUBJECT", " =?utf-8?q?x=0ABcc:_victim?=",
	    "Re: =?utf-8?q?x=0ABcc:_victim?=", "Q encoded word intact");
	SUBJ("Re: $SUBJECT", " =?UTF-8?B?eApCY2M6IHZpY3RpbQ==?=",
	    "Re: =?UTF-8?B?eApCY2M6IHZpY3RpbQ==?=", "B encoded word intact");
	SUBJ("Re: $SUBJECT", " =?utf-8?q?caf=C3=A9?=\n =?utf-8?q?_ok?=",
	    "Re: =?utf-8?q?caf=C3=A9?= =?utf-8?q?_ok?=",
	    "folded encoded words intact");
	SUBJ("Re: $SUBJECT", " caf\xc3\xa9 au lait",
	    "Re: =?UTF-8?B?Y2Fmw6k=?= au lait", "8-bit word encoded");
	SUBJ("Re: $SUBJECT", " caf\xe9", "Re: =?UTF-8?B?Y2Fmw6k=?=",
	    "latin-1 read as windows-1252");
	SUBJ("Re: $SUBJECT", " $SUBJECT", "Re: $SUBJECT",
	    "no recursion into the original");
	SUBJ("$SUBJECT / $SUBJECT", " a", "a / a", "twice");
	SUBJ("Away", " a", "Away", "no placeholder");
	SUBJ("Re: $SUBJECT", " \xc3\xa9t\xc3\xa9 \xc3\xa0 Paris",
	    "Re: =?UTF-8?B?w6l0w6kgw6A=?= Paris",
	    "a run of 8-bit words is one encoded word, its space kept");
	SUBJ("Re:\n $SUBJECT", " a", "Re: a", "template folding joined");
	{
		struct buf o = BUF_INIT;
		size_t i, line, maxline = 0, lines = 1;
		const char *p;

		for (i = 0; i < 40; i++)
			buf_adds(&o, " word");
		s = autoreply_subject("Re: $SUBJECT", 12, o.data, o.len);
		for (p = s, line = strlen("Subject: "); *p; p++) {
			if (*p == '\n') {
				lines++;
				if (line > maxline)
					maxline = line;
				line = 0;
				ok(p[1] == ' ', "fold followed by a space");
			} else
				line++;
		}
		ok(lines > 1 && maxline <= 76, "long subject folded "
		    "(%zu lines, longest %zu)", lines, maxline);
		free(s);
		buf_reset(&o);
		buf_addc(&o, ' ');
		for (i = 0; i < 3000; i++)
			buf_addc(&o, 'x');
		s = autoreply_subject("Re: $SUBJECT", 12, o.data, o.len);
		is_int(strlen(s), strlen("Re:\n ") + AUTOREPLY_WORDMAX,
		    "overlong word cut, on a line of its own");
		free(s);
		buf_free(&o);
	}
#undef SUBJ
}

static void
test_msgids(void)
{
	struct buf b = BUF_INIT;

	is_int(autoreply_msgids(&b, "<a@b> <c@d>\n\t<e@f>", 19, 0), 3,
	    "three ids");
	is_str(buf_cstr(&b), "<a@b>\n <c@d>\n <e@f>", "folded list");
	buf_reset(&b);
	is_int(autoreply_msgids(&b, "x <a b@c> <ok@d>", 16, 0), 1,
	    "an id with white space is skipped");
	is_str(buf_cstr(&b), "<ok@d>", "the good one kept");
	buf_reset(&b);
	is_int(autoreply_msgids(&b, "<a@b> <c@d>", 11, 1), 1, "first only");
	buf_reset(&b);
	is_int(autoreply_msgids(&b, "<a@b\r\nBcc: x@y>", 15, 0), 0,
	    "CR/LF inside: skipped");
	is_int(autoreply_msgids(&b, "<>", 2, 0), 0, "empty id skipped");
	buf_free(&b);
}

/* Header names of a composed reply, one a line. */
static char *
names_of(const char *reply)
{
	struct buf b = BUF_INIT;
	struct msg m;
	const char *n;
	size_t i, nl;

	msg_frombuf(&m, reply, strlen(reply), "r");
	for (i = 0; i < m.hdr.n; i++) {
		n = hdr_name(&m.hdr, i, &nl);
		buf_add(&b, n, nl);
		buf_addc(&b, ' ');
	}
	msg_close(&m);
	return buf_release(&b);
}

static void
compose(struct buf *out, const char *orig, const char *file)
{
	struct msg m;
	struct arreply r;

	msg_frombuf(&m, orig, strlen(orig), "o");
	memset(&r, 0, sizeof(r));
	r.orig = &m.hdr;
	r.to = "bob@example.org";
	r.from = "Alice Smith <alice@example.com>";
	r.msgid = "<1.2.3.vacation@example.com>";
	r.date = 1136214245;
	r.tzoff = 0;
	r.file = file;
	r.filelen = strlen(file);
	buf_reset(out);
	autoreply_compose(out, &r);
	msg_close(&m);
}

static void
test_compose(void)
{
	struct buf b = BUF_INIT;
	char *n;
	const char *orig = "From: Bob <bob@example.org>\n"
	    "To: alice@example.com\nCc: carol@example.org\n"
	    "Subject: lunch\nMessage-ID: <m1@example.org>\n"
	    "References: <r0@example.org> <r1@example.org>\n\nhi\n";

	compose(&b, orig, "Subject: Away: $SUBJECT\n\nI am away.\n");
	is_str(buf_cstr(&b),
	    "From: Alice Smith <alice@example.com>\n"
	    "To: bob@example.org\n"
	    "Subject: Away: lunch\n"
	    "Date: Mon, 2 Jan 2006 15:04:05 +0000\n"
	    "Message-ID: <1.2.3.vacation@example.com>\n"
	    "In-Reply-To: <m1@example.org>\n"
	    "References: <r0@example.org>\n <r1@example.org>\n"
	    " <m1@example.org>\n"
	    "Auto-Submitted: auto-replied\n"
	    "Precedence: bulk\n"
	    "\n"
	    "I am away.\n", "the whole reply");

	compose(&b, "To: alice@example.com\nIn-Reply-To: <p@x>\n"
	    "Message-ID: <m@x>\n\n", "I am away.");
	n = names_of(buf_cstr(&b));
	is_str(n, "From To Subject Date Message-ID In-Reply-To References "
	    "Auto-Submitted Precedence ", "body-only file: the fields");
	free(n);
	ok(strstr(buf_cstr(&b), "Subject: Auto:\n") != NULL,
	    "default subject without an original one");
	ok(strstr(buf_cstr(&b), "References: <p@x>\n <m@x>\n") != NULL,
	    "References from In-Reply-To when there are none");
	ok(strstr(buf_cstr(&b), "\n\nI am away.\n") != NULL,
	    "body gets its final newline");

	compose(&b, "To: alice@example.com\n\n",
	    "From: \"Alice (away)\" <alice@example.com>\r\n"
	    "To: everyone@example.org\r\nCc: boss@example.org\r\n"
	    "Bcc: spy@example.org\r\nReply-To: desk@example.com\r\n"
	    "Precedence: first-class\r\nAuto-Submitted: no\r\n"
	    "Resent-To: x@y\r\nX-Note: kept\r\n folded\r\n"
	    "Content-Type: text/plain; charset=iso-8859-1\r\n"
	    "Subject: Gone\r\n\r\nAway\xe9.\r\n");
	n = names_of(buf_cstr(&b));
	is_str(n, "From To Subject Date Message-ID Auto-Submitted Precedence "
	    "Reply-To X-Note Content-Type ", "the file's own header block");
	free(n);
	ok(strstr(buf_cstr(&b), "From: \"Alice (away)\" <alice@example.com>\n")
	    != NULL, "the file's From");
	ok(strstr(buf_cstr(&b), "To: bob@example.org\n") != NULL &&
	    strstr(buf_cstr(&b), "everyone") == NULL &&
	    strstr(buf_cstr(&b), "boss") == NULL &&
	    strstr(buf_cstr(&b), "spy") == NULL, "To the sender only");
	ok(strstr(buf_cstr(&b), "Precedence: bulk\n") != NULL &&
	    strstr(buf_cstr(&b), "first-class") == NULL, "our Precedence");
	ok(strstr(buf_cstr(&b), "Auto-Submitted: auto-replied\n") != NULL &&
	    strstr(buf_cstr(&b), "Auto-Submitted: no") == NULL,
	    "our Auto-Submitted");
	ok(strstr(buf_cstr(&b), "X-Note: kept\n folded\n") != NULL,
	    "other fields kept, folding too, LF ends");
	ok(strchr(buf_cstr(&b), '\r') == NULL, "no CR anywhere");
	ok(strstr(buf_cstr(&b), "MIME-Version") == NULL,
	    "the file's Content-Type: no MIME fields added");

	compose(&b, "To: alice@example.com\n\n", "Subject: x\n\nK\xc3\xa4se\n");
	ok(strstr(buf_cstr(&b), "MIME-Version: 1.0\nContent-Type: text/plain; "
	    "charset=utf-8\nContent-Transfer-Encoding: 8bit\n") != NULL,
	    "8-bit body: MIME fields added");
	compose(&b, "To: alice@example.com\nSubject: a\n\n",
	    "Note: this looks like a field\n\nbody\n");
	ok(strstr(buf_cstr(&b), "\nNote: this looks like a field\n") != NULL,
	    "a first line like a field makes a header block (documented)");
	buf_free(&b);
}

static void
test_from(void)
{
	struct buf b = BUF_INIT;

	autoreply_from(&b, "Alice Smith", "alice@example.com");
	is_str(buf_cstr(&b), "Alice Smith <alice@example.com>", "plain name");
	buf_reset(&b);
	autoreply_from(&b, "Smith, Alice", "alice@example.com");
	is_str(buf_cstr(&b), "\"Smith, Alice\" <alice@example.com>",
	    "quoted name");
	buf_reset(&b);
	autoreply_from(&b, "J\xc3\xbcrgen", "j@example.com");
	is_str(buf_cstr(&b), "=?UTF-8?Q?J=C3=BCrgen?= <j@example.com>",
	    "encoded name");
	buf_reset(&b);
	autoreply_from(&b, NULL, "alice@example.com");
	is_str(buf_cstr(&b), "alice@example.com", "no name");
	buf_free(&b);
}

int
main(void)
{
	test_is_me();
	test_bad_sender();
	test_bad_header();
	test_refuse();
	test_sender();
	test_subject();
	test_msgids();
	test_compose();
	test_from();
	return done_testing();
}
