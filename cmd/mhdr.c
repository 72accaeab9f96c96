/*
 * mhdr: print header fields of messages.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "date.h"
#include "hdr.h"
#include "msg.h"
#include "rfc2047.h"
#include "util.h"

static int	 Aflag, Dflag, dflag, Hflag, Mflag, nflag;
static char	**fields;	/* -h list, NULL for all */
static size_t	 nfields;
static int	 printed, failed;
static struct buf line;		/* a path read from standard input */

/* Fields that hold addresses (RFC 5322 §3.6.2, §3.6.3, §3.6.6). */
static const char *addrfields[] = {
	"bcc", "cc", "delivered-to", "from", "mail-followup-to",
	"mail-reply-to", "reply-to", "resent-bcc", "resent-cc",
	"resent-from", "resent-reply-to", "resent-sender", "resent-to",
	"return-path", "sender", "to", "x-original-to", NULL
};

/* Fields that hold a date (RFC 5322 §3.6.1, §3.6.6). */
static const char *datefields[] = {
	"date", "delivery-date", "resent-date", NULL
};

static MK_NORETURN void
usage(void)
{
	fprintf(stderr,
	    "usage: mhdr [-0ADdHMnV] [-h field[:field...]] [msg ...]\n");
	exit(EX_USAGE);
}

static int
in_list(const char *name, size_t len, const char **list)
{
	for (; *list; list++)
		if (ascii_casecmp_n(name, len, *list) == 0)
			return 1;
	return 0;
}

/* Split the -h argument at colons; empty names are ignored. */
static void
parse_fields(const char *arg)
{
	const char *p = arg, *c;

	for (;;) {
		c = strchr(p, ':');
		if ((c ? (size_t)(c - p) : strlen(p)) > 0) {
			fields = xreallocarray(fields, nfields + 1,
			    sizeof(*fields));
			fields[nfields++] = c ? xstrndup(p, (size_t)(c - p)) :
			    xstrdup(p);
		}
		if (c == NULL)
			break;
		p = c + 1;
	}
	if (nfields == 0)
		usage();
}

/* Write one output line: optional path, optional "Name: ", the text. */
static void
emit(const char *path, const char *name, size_t namelen, const char *s,
    size_t len)
{
	size_t i, start;

	if (Hflag) {
		fputs_unlocked(path, stdout);
		putchar_unlocked('\t');
	}
	if (name) {
		fwrite_unlocked(name, 1, namelen, stdout);
		fputs_unlocked(": ", stdout);
	}
	/*
	 * One line per value: a stray CR or LF never starts a new one, and a
	 * tab (folding keeps the one that began the continuation line) is
	 * printed as a space, so that the tab after -H's path stays the
	 * only one on the line.
	 */
	for (start = i = 0; i < len; i++) {
		if (s[i] != '\r' && s[i] != '\n' && s[i] != '\t')
			continue;
		fwrite_unlocked(s + start, 1, i - start, stdout);
		putchar_unlocked(' ');
		start = i + 1;
	}
	fwrite_unlocked(s + start, 1, len - start, stdout);
	putchar_unlocked('\n');
	printed = 1;
}

static void
print_addrs(const char *path, const char *name, size_t namelen,
    const char *v, size_t vlen)
{
	struct addrlist al = ADDRLIST_INIT;
	struct buf out = BUF_INIT, dec = BUF_INIT;
	struct addr a;
	size_t i;

	addr_parse(&al, v, vlen);
	for (i = 0; i < al.n; i++) {
		if (al.v[i].addr == NULL)
			continue;	/* an empty group */
		a = al.v[i];
		buf_reset(&out);
		if (dflag && a.name != NULL && !nflag) {
			buf_reset(&dec);
			rfc2047_decode_buf(&dec, a.name, strlen(a.name));
			a.name = buf_cstr(&dec);
		} else if (a.name != NULL && !nflag) {
			buf_reset(&dec);
			utf8_sanitize(&dec, a.name, strlen(a.name));
			a.name = buf_cstr(&dec);
		}
		addr_format(&out, &a, !nflag);
		emit(path, name, namelen, out.data, out.len);
	}
	addrlist_free(&al);
	buf_free(&out);
	buf_free(&dec);
}

/* Print field i of m the way the flags ask. */
static void
print_field(const struct msg *m, size_t i, int withname)
{
	struct buf b = BUF_INIT;
	const char *name, *raw;
	size_t namelen, rawlen;
	time_t t;
	int tz;

	name = hdr_name(&m->hdr, i, &namelen);
	raw = hdr_rawvalue(&m->hdr, i, &rawlen);
	if (Aflag && (fields != NULL ||
	    in_list(name, namelen, addrfields))) {
		print_addrs(m->name, withname ? name : NULL, namelen, raw,
		    rawlen);
		return;
	}
	if (Dflag && (fields != NULL ||
	    in_list(name, namelen, datefields))) {
		if (date_parse(raw, rawlen, &t, &tz) == 0) {
			buf_printf(&b, "%lld", (long long)t);
			emit(m->name, withname ? name : NULL, namelen, b.data,
			    b.len);
		}
		buf_free(&b);
		return;
	}
	hdr_unfold(&b, raw, rawlen);
	if (dflag) {
		struct buf d = BUF_INIT;

		rfc2047_decode_buf(&d, b.data, b.len);
		buf_free(&b);
		b = d;
	}
	emit(m->name, withname ? name : NULL, namelen, buf_cstr(&b), b.len);
	buf_free(&b);
}

static void
do_msg(const char *path)
{
	struct msg m;
	size_t i, k;
	int r;

	if (strcmp(path, "-") == 0)
		r = msg_fdopen(&m, STDIN_FILENO, "-");
	else
		r = msg_open(&m, path);
	if (r < 0) {
		warn("%s", path);
		failed = 1;
		return;
	}
	if (fields == NULL) {
		for (i = 0; i < m.hdr.n; i++)
			print_field(&m, i, 1);
	} else {
		for (k = 0; k < nfields; k++) {
			i = 0;
			while ((i = hdr_find(&m.hdr, fields[k], i)) !=
			    HDR_NONE) {
				print_field(&m, i, 0);
				if (!Mflag)
					break;
				i++;
			}
		}
	}
	msg_close(&m);
}

/* Free what main holds, however mhdr exits (atexit). */
static void
cleanup(void)
{
	size_t i;

	for (i = 0; i < nfields; i++)
		free(fields[i]);
	free(fields);
	buf_free(&line);
}

int
main(int argc, char *argv[])
{
	int ch, zflag = 0, r;

	(void)atexit(cleanup);
	while ((ch = getopt(argc, argv, "0ADdHh:MnV")) != -1) {
		switch (ch) {
		case '0':
			zflag = 1;
			break;
		case 'A':
			Aflag = 1;
			break;
		case 'D':
			Dflag = 1;
			break;
		case 'd':
			dflag = 1;
			break;
		case 'H':
			Hflag = 1;
			break;
		case 'h':
			parse_fields(optarg);
			break;
		case 'M':
			Mflag = 1;
			break;
		case 'n':
			nflag = 1;
			break;
		case 'V':
			puts(MAILKIT_VERSION_STRING);
			return 0;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;

	if (argc > 0) {
		for (; argc > 0; argc--, argv++)
			do_msg(*argv);
	} else if (!isatty(STDIN_FILENO)) {
		while ((r = read_record(stdin, zflag ? '\0' : '\n', &line)) > 0)
			if (line.len > 0)
				do_msg(line.data);
		if (r < 0)
			err(EX_IOERR, "standard input");
	} else
		usage();
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "standard output");
	if (failed)
		return EX_NOINPUT;
	return printed ? 0 : 1;
}
