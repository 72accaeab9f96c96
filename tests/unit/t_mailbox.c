/* Unit tests for libcommon/mailbox: the API as mdeliver and minc use it. */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hdr.h"
#include "mailbox.h"
#include "util.h"
#include "tap.h"

static char dir[] = "/tmp/t_mailbox.XXXXXX";

static char *
slurp(const char *path)
{
	struct buf b = BUF_INIT;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	read_fd_all(fd, &b);
	close(fd);
	return buf_release(&b);
}

static void
spew(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		exit(1);
	close(fd);
}

/* Append one message, written one byte at a time (chunk boundaries). */
static int
append_bytes(struct mailbox *mb, const struct mbattr *a, const char *msg,
    size_t len)
{
	size_t i;

	if (mailbox_append_begin(mb, a) < 0)
		return -1;
	for (i = 0; i < len; i++)
		if (mailbox_append_write(mb, msg + i, 1) < 0)
			return -1;
	return mailbox_append_end(mb);
}

/* Read every message of a store, concatenated with "|" after each. */
static char *
read_all(const char *path, int fmt, int *count)
{
	struct buf b = BUF_INIT;
	struct mailbox *mb;
	const struct mbattr *a;
	char chunk[7];
	ssize_t n;

	*count = 0;
	if (mailbox_open(&mb, path, fmt) < 0)
		return NULL;
	while (mailbox_next(mb, &a) == 1) {
		while ((n = mailbox_read(mb, chunk, sizeof(chunk))) > 0)
			buf_add(&b, chunk, (size_t)n);
		buf_addc(&b, '|');
		(*count)++;
	}
	mailbox_close(mb);
	return buf_release(&b);
}

static void
test_names(void)
{
	is_int(mailbox_fmt_parse("mbox"), MBF_MBOXRD, "mbox is mboxrd");
	is_int(mailbox_fmt_parse("MMDF"), MBF_MMDF, "MMDF");
	is_int(mailbox_fmt_parse("maildir"), MBF_MAILDIR, "maildir");
	is_int(mailbox_fmt_parse("mboxcl"), MBF_MBOXCL, "mboxcl");
	ok(mailbox_fmt_parse("mboxc") == -1 && errno == EINVAL,
	    "unknown name");
	is_str(mailbox_fmt_name(MBF_MBOXCL2), "mboxcl2", "name of cl2");
	{
		char *p = mailbox_maildirpp("/m", "Lists/Dev");

		is_str(p, "/m/.Lists.Dev", "Maildir++ path");
		free(p);
	}
}

static void
test_sniff(void)
{
	char *p;
	int fmt, empty;

	p = xasprintf("%s/empty", dir);
	spew(p, "");
	ok(mailbox_sniff(p, &fmt, &empty) == 0 && fmt == MBF_UNKNOWN &&
	    empty, "empty file: unknown, empty");
	spew(p, "\001\001\001\001\nSubject: x\n\n\001\001\001\001\n");
	ok(mailbox_sniff(p, &fmt, &empty) == 0 && fmt == MBF_MMDF && !empty,
	    "MMDF");
	spew(p, "From a Mon Jan  1 00:00:00 2024\n\n");
	ok(mailbox_sniff(p, &fmt, &empty) == 0 && fmt == MBF_MBOXRD,
	    "From_ is mboxrd");
	spew(p, "Subject: x\n");
	ok(mailbox_sniff(p, &fmt, &empty) == -1 && errno == EBADMSG,
	    "other file: EBADMSG");
	free(p);
	p = xasprintf("%s/nosuch", dir);
	ok(mailbox_sniff(p, &fmt, &empty) == -1 && errno == ENOENT,
	    "missing: ENOENT");
	free(p);
}

/* mboxrd quoting over byte-sized pieces, and the reader undoing it. */
static void
test_mboxrd(void)
{
	static const char msg[] = "Subject: q\r\n\r\nFrom a\r\n>From b\n"
	    ">>From c\nFro\n>Fr\nend";
	struct mbattr a = { 0 };
	struct mailbox *mb;
	char *path = xasprintf("%s/rd", dir), *s;
	int n;

	a.sender = "s@example.org";
	a.date = 0;
	a.flags = MBM_SEEN | MBM_FLAGGED;
	ok(mailbox_append_open(&mb, path, MBF_MBOXRD, NULL) == -1 &&
	    errno == ENOENT, "no MBO_CREATE: ENOENT");
	{
		struct mbopts o;

		mailbox_opts_init(&o);
		o.flags = MBO_CREATE | MBO_SYNC_EACH;
		ok(mailbox_append_open(&mb, path, MBF_MBOXRD, &o) == 0,
		    "create mboxrd");
	}
	ok(append_bytes(mb, &a, msg, sizeof(msg) - 1) == 0, "append");
	is_int(mailbox_count(mb), 1, "count");
	ok(mailbox_close(mb) == 0, "close");
	s = slurp(path);
	is_str(s, "From s@example.org Thu Jan  1 00:00:00 1970\n"
	    "Subject: q\nStatus: R\nX-Status: F\n\n>From a\n>>From b\n"
	    ">>>From c\nFro\n>Fr\nend\n\n", "quoted, LF, Status added, "
	    "newline added");
	free(s);
	s = read_all(path, MBF_UNKNOWN, &n);
	is_str(s, "Subject: q\nStatus: R\nX-Status: F\n\nFrom a\n>From b\n"
	    ">>From c\nFro\n>Fr\nend\n|", "read back unquoted");
	free(s);
	free(path);
}

/* Status fields agreeing with the flags stay as they are. */
static void
test_status_kept(void)
{
	static const char msg[] = "Subject: k\nStatus:   OR\n\nx\n";
	struct mbattr a = { 0 };
	struct mbopts o;
	struct mailbox *mb;
	char *path = xasprintf("%s/k", dir), *s;

	mailbox_opts_init(&o);
	o.flags = MBO_CREATE;
	a.date = -1;
	a.flags = MBM_SEEN;
	mailbox_append_open(&mb, path, MBF_MMDF, &o);
	ok(append_bytes(mb, &a, msg, sizeof(msg) - 1) == 0, "append MMDF");
	ok(mailbox_close(mb) == 0, "close MMDF");
	s = slurp(path);
	ok(s && strstr(s, "\nSubject: k\nStatus:   OR\n\nx\n\001\001\001\001\n")
	    != NULL, "Status kept byte for byte");
	ok(s && strncmp(s, "\001\001\001\001\nFrom MAILER-DAEMON ", 24) == 0,
	    "MMDF has a From_ line");
	free(s);
	free(path);
}

/* Appending and then discarding leaves the mbox as it was. */
static void
test_discard(void)
{
	static const char msg[] = "Subject: d\n\nbody\n";
	struct mbattr a = { 0 };
	struct mailbox *mb;
	char *path = xasprintf("%s/d", dir), *s;

	spew(path, "From x Mon Jan  1 00:00:00 2024\nSubject: old\n\nold\n");
	a.date = -1;
	ok(mailbox_append_open(&mb, path, MBF_MBOXRD, NULL) == 0, "open");
	ok(append_bytes(mb, &a, msg, sizeof(msg) - 1) == 0, "append");
	ok(mailbox_sync(mb) == 0, "sync (at-close mode still undoable)");
	mailbox_discard(mb);
	s = slurp(path);
	is_str(s, "From x Mon Jan  1 00:00:00 2024\nSubject: old\n\nold\n",
	    "discard truncates back, also the separator added");
	free(s);
	ok(mailbox_append_open(&mb, path, MBF_MBOXRD, NULL) == 0, "reopen");
	ok(append_bytes(mb, &a, msg, sizeof(msg) - 1) == 0, "append");
	ok(mailbox_close(mb) == 0, "close");
	s = slurp(path);
	ok(s && strstr(s, "\nold\n\nFrom MAILER-DAEMON ") != NULL,
	    "a blank line is added before the new message");
	free(s);
	free(path);
}

static int
count_dir(const char *path)
{
	struct dirent *d;
	DIR *dp = opendir(path);
	int n = 0;

	if (dp == NULL)
		return -1;
	while ((d = readdir(dp)) != NULL)
		if (d->d_name[0] != '.')
			n++;
	closedir(dp);
	return n;
}

static void
test_maildir(void)
{
	static const char msg[] = "Subject: m\n\nx\n";
	struct mbattr a = { 0 }, *got;
	const struct mbattr *ga;
	struct mbopts o;
	struct mailbox *mb;
	char *path = xasprintf("%s/Maildir", dir), *p;
	struct dirent *d;
	DIR *dp;
	int n;

	mailbox_opts_init(&o);
	o.flags = MBO_CREATE | MBO_ADD_RETURN_PATH;
	a.sender = "env@example.org";
	a.date = 1000000000;
	a.flags = MBM_REPLIED | MBM_SEEN | MBM_OLD;
	a.xflags = "ba";
	ok(mailbox_append_open(&mb, path, MBF_MAILDIR, &o) == 0,
	    "create Maildir");
	ok(append_bytes(mb, &a, msg, sizeof(msg) - 1) == 0, "append");
	p = xasprintf("%s/cur", path);
	is_int(count_dir(p), 0, "not visible before sync (at close)");
	ok(mailbox_close(mb) == 0, "close");
	is_int(count_dir(p), 1, "in cur/ after close");
	dp = opendir(p);
	while ((d = readdir(dp)) != NULL && d->d_name[0] == '.')
		;
	ok(d && strstr(d->d_name, ",S=45:2,RSab") != NULL &&
	    strstr(d->d_name, ".M") != NULL && strstr(d->d_name, "P") != NULL,
	    "name has .M, P, ,S=size and sorted info (%s)",
	    d ? d->d_name : "");
	closedir(dp);
	free(p);
	p = xasprintf("%s/tmp", path);
	is_int(count_dir(p), 0, "tmp/ empty");
	free(p);
	ok(mailbox_open(&mb, path, MBF_UNKNOWN) == 0 &&
	    mailbox_fmt(mb) == MBF_MAILDIR, "sniffed as Maildir");
	ok(mailbox_next(mb, &ga) == 1, "one message");
	got = (struct mbattr *)ga;
	ok(got->flags == (MBM_REPLIED | MBM_SEEN | MBM_OLD), "flags back");
	is_str(got->xflags, "ab", "unknown letters kept");
	is_str(got->sender, "env@example.org", "sender from Return-Path");
	is_int(got->date, 1000000000, "date from mtime");
	is_int(got->size, 45, "size");
	p = hdr_get(mailbox_hdr(mb), "subject");
	is_str(p, "m", "header parsed");
	free(p);
	ok(mailbox_next(mb, &ga) == 0, "then the end (rest skipped)");
	mailbox_close(mb);
	free(read_all(path, MBF_MAILDIR, &n));
	is_int(n, 1, "read_all: 1");
	free(path);
}

static void
test_mh(void)
{
	struct mbattr a = { 0 };
	struct mbopts o;
	struct mailbox *mb;
	char *path = xasprintf("%s/mh", dir), *p, *s;
	int i;

	mailbox_opts_init(&o);
	o.flags = MBO_CREATE | MBO_SYNC_EACH;
	a.date = -1;
	ok(mailbox_append_open(&mb, path, MBF_MH, &o) == 0, "create MH");
	p = xasprintf("%s/7", path);
	spew(p, "Subject: taken\n\n");	/* someone else's 7 */
	free(p);
	for (i = 0; i < 3; i++) {
		a.flags = i == 0 ? 0 : i == 1 ? MBM_SEEN | MBM_FLAGGED :
		    MBM_REPLIED;
		ok(append_bytes(mb, &a, "S: v\n\nb\n", 8) == 0, "append %d",
		    i);
	}
	ok(mailbox_close(mb) == 0, "close");
	p = xasprintf("%s/.mh_sequences", path);
	s = slurp(p);
	is_str(s, "unseen: 8 10\nflagged: 9\nreplied: 10\n",
	    "numbers after the highest, sequences");
	free(s);
	spew(p, "cur: 8\nunseen: 1-3\n  5\nbogus line\n");
	ok(mailbox_append_open(&mb, path, MBF_MH, &o) == 0, "reopen");
	ok(append_bytes(mb, &a, "S: v\n\nb\n", 8) == 0, "append");
	mailbox_close(mb);
	s = slurp(p);
	is_str(s, "cur: 8\nunseen: 1-3 5 11\nreplied: 11\nbogus line\n",
	    "other lines kept, continuation read");
	free(s);
	free(p);
	p = xasprintf("%s/,12", path);
	spew(p, "deleted\n");
	free(p);
	free(read_all(path, MBF_MH, &i));
	is_int(i, 5, ",N and dot files are not messages");
	free(path);
}

/* mboxcl2: Content-Length written and trusted; a From_ line in a body. */
static void
test_cl2(void)
{
	static const char msg[] = "Subject: c\n\nFrom x Mon Jan  1 00:00:00 "
	    "2024\nnext\n";
	struct mbattr a = { 0 };
	struct mbopts o;
	struct mailbox *mb;
	char *path = xasprintf("%s/cl2", dir), *s;
	int n;

	mailbox_opts_init(&o);
	o.flags = MBO_CREATE;
	a.date = -1;
	mailbox_append_open(&mb, path, MBF_MBOXCL2, &o);
	ok(append_bytes(mb, &a, msg, sizeof(msg) - 1) == 0 &&
	    append_bytes(mb, &a, msg, sizeof(msg) - 1) == 0, "append twice");
	ok(mailbox_close(mb) == 0, "close");
	s = slurp(path);
	ok(s && strstr(s, "Subject: c\nContent-Length: 37\n\nFrom x") != NULL,
	    "Content-Length added, body not quoted");
	free(s);
	s = read_all(path, MBF_MBOXCL2, &n);
	is_int(n, 2, "two messages despite the From_ line in the body");
	free(s);
	s = read_all(path, MBF_MBOXRD, &n);
	is_int(n, 4, "read as mboxrd it splits there");
	free(s);
	free(path);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	test_names();
	test_sniff();
	test_mboxrd();
	test_status_kept();
	test_discard();
	test_maildir();
	test_mh();
	test_cl2();
	return done_testing();
}
