/*
 * mboxconv: convert mailboxes between mboxo, mboxrd, mboxcl, mboxcl2,
 * MMDF, MH and Maildir.  All the work is in libcommon/mailbox; this is
 * the command line, the exit statuses and the progress display.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "mailbox.h"
#include "util.h"

static int	 aflag, qflag, vflag;
static int	 progress;		/* draw the progress bar */
static unsigned long long nmsgs, nbytes, totalbytes, donebytes;
static struct timespec t0, lastdraw;
static struct mailbox *dst;
static struct mailbox *reading;		/* the source being converted */

static MK_NORETURN void
usage(void)
{
	fprintf(stderr, "usage: mboxconv [-aqVv] [-f format] [-t format] "
	    "source ... destination\n");
	exit(EX_USAGE);
}

/* Exit status for a failed write or lock (DESIGN.md: 75 is retried). */
static int
write_status(int e)
{
	switch (e) {
	case EAGAIN:
	case ETIMEDOUT:
	case ENOSPC:
	case EDQUOT:
		return EX_TEMPFAIL;
	case EACCES:
	case EPERM:
	case EEXIST:
	case ENOTDIR:
	case EISDIR:
	case EROFS:
	case ENOENT:
	case ELOOP:
	case EMLINK:
		return EX_CANTCREAT;
	default:
		return EX_IOERR;
	}
}

static double
elapsed(const struct timespec *from)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - from->tv_sec) +
	    (double)(now.tv_nsec - from->tv_nsec) / 1e9;
}

/* One line on the terminal: a bar when the total is known. */
static void
draw(int final)
{
	char bar[32];
	double secs, rate, frac = -1;
	int i, fill;

	if (!progress || (!final && elapsed(&lastdraw) < 0.1))
		return;
	clock_gettime(CLOCK_MONOTONIC, &lastdraw);
	secs = elapsed(&t0);
	rate = secs > 0 ? (double)nbytes / secs : 0;
	if (totalbytes > 0)
		frac = final ? 1.0 : (double)donebytes / (double)totalbytes;
	if (frac > 1)
		frac = 1;
	fprintf(stderr, "\r");
	if (frac >= 0) {
		fill = (int)(frac * 20);
		for (i = 0; i < 20; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[20] = '\0';
		fprintf(stderr, "[%s] %3d%% ", bar, (int)(frac * 100));
	}
	fprintf(stderr, "%llu messages, %.1f MB, %.1f MB/s%s", nmsgs,
	    (double)nbytes / 1e6, rate / 1e6, final ? "\n" : "   ");
}

/* Leave the destination as the library leaves it on error, and exit. */
static MK_NORETURN void
fail(int status)
{
	if (progress)
		fputc('\n', stderr);
	mailbox_discard(reading);
	mailbox_discard(dst);
	exit(status);
}

/* Describe a failure of a source: 65 with the offset, 66, or 74. */
static MK_NORETURN void
source_failed(const char *src, const char *what, off_t off, const char *path,
    int fmt)
{
	int e = errno;

	if (e == EBADMSG) {
		if (off >= 0)
			mk_warnx("%s: not %s at byte %lld: %s", src,
			    mailbox_fmt_name(fmt), (long long)off, what);
		else
			mk_warnx("%s: not %s: %s", src, mailbox_fmt_name(fmt),
			    what);
		fail(EX_DATAERR);
	}
	errno = e;
	mk_warn("%s: %s", path ? path : src, what);
	fail(e == ENOENT ? EX_NOINPUT : EX_IOERR);
}

static MK_NORETURN void
dest_failed(const char *what, const char *path)
{
	int e = errno;

	mk_warn("%s: %s", path, what);
	fail(write_status(e));
}

/* Copy the current message of src to dst; returns its size. */
static unsigned long long
copy_one(struct mailbox *src, const char *srcname, const struct mbattr *a)
{
	char b[65536];
	unsigned long long size = 0;
	ssize_t n;

	if (mailbox_append_begin(dst, a) < 0)
		dest_failed(mailbox_errwhat(dst), mailbox_errpath(dst));
	while ((n = mailbox_read(src, b, sizeof(b))) > 0) {
		size += (unsigned long long)n;
		if (mailbox_append_write(dst, b, (size_t)n) < 0)
			dest_failed(mailbox_errwhat(dst),
			    mailbox_errpath(dst));
	}
	if (n < 0) {
		int e = errno;

		mailbox_append_abort(dst);
		errno = e;
		source_failed(srcname, mailbox_errwhat(src),
		    mailbox_erroff(src), mailbox_errpath(src),
		    mailbox_fmt(src));
	}
	if (mailbox_append_end(dst) < 0)
		dest_failed(mailbox_errwhat(dst), mailbox_errpath(dst));
	return size;
}

static void
convert(const char *srcname, int ffmt)
{
	struct mailbox *src;
	const struct mbattr *a;
	unsigned long long size, done, total, base = donebytes;
	int r;

	if (mailbox_open(&src, srcname, ffmt) < 0)
		source_failed(srcname, mailbox_open_errwhat(),
		    mailbox_open_erroff(), NULL, ffmt);
	reading = src;
	while ((r = mailbox_next(src, &a)) == 1) {
		size = copy_one(src, srcname, a);
		nmsgs++;
		nbytes += size;
		if (mailbox_progress(src, &done, &total) == 0)
			donebytes = base + done;
		if (vflag) {
			if (a->path)
				fprintf(stderr, "%s: %llu bytes\n", a->path,
				    size);
			else
				fprintf(stderr, "%s: message at byte %lld: "
				    "%llu bytes\n", srcname,
				    (long long)a->offset, size);
		}
		draw(0);
	}
	if (r < 0)
		source_failed(srcname, mailbox_errwhat(src),
		    mailbox_erroff(src), mailbox_errpath(src),
		    mailbox_fmt(src));
	reading = NULL;
	mailbox_close(src);
}

/* Check the sources before anything is written: 66 for a missing one. */
static void
check_sources(char **srcs, int n, const char *dstname, int ffmt)
{
	struct stat st, dstst;
	int i, havedst, fmt, empty, stdin_used = 0;

	havedst = strcmp(dstname, "-") != 0 && stat(dstname, &dstst) == 0;
	for (i = 0; i < n; i++) {
		if (strcmp(srcs[i], "-") == 0) {
			if (stdin_used++)
				mk_errx(EX_USAGE, "standard input given twice");
			if (ffmt == MBF_MH || ffmt == MBF_MAILDIR)
				mk_errx(EX_USAGE, "-: %s is not a stream format",
				    mailbox_fmt_name(ffmt));
			continue;
		}
		if (stat(srcs[i], &st) < 0)
			mk_err(errno == ENOENT ? EX_NOINPUT : EX_IOERR, "%s",
			    srcs[i]);
		if (havedst && st.st_dev == dstst.st_dev &&
		    st.st_ino == dstst.st_ino)
			mk_errx(EX_USAGE, "%s: source is the destination",
			    srcs[i]);
		if (S_ISREG(st.st_mode))
			totalbytes += (unsigned long long)st.st_size;
		if (ffmt == MBF_UNKNOWN && mailbox_sniff(srcs[i], &fmt,
		    &empty) < 0) {
			if (errno == EBADMSG)
				mk_errx(EX_DATAERR, "%s: not a mailbox at "
				    "byte 0 (name the format with -f)",
				    srcs[i]);
			mk_err(EX_IOERR, "%s", srcs[i]);
		}
	}
}

/*
 * Decide the destination format and whether it may be written: an
 * existing non-empty store only with -a, and in a compatible format.
 */
static int
check_dest(const char *dstname, int tfmt)
{
	int fmt, empty;

	if (strcmp(dstname, "-") == 0) {
		if (tfmt == MBF_UNKNOWN)
			mk_errx(EX_USAGE, "-t is needed to write to "
			    "standard output");
		if (!MBF_ISFILE(tfmt))
			mk_errx(EX_USAGE, "-: %s is not a stream format",
			    mailbox_fmt_name(tfmt));
		return tfmt;
	}
	if (mailbox_sniff(dstname, &fmt, &empty) < 0) {
		if (errno == ENOENT) {
			if (tfmt == MBF_UNKNOWN)
				mk_errx(EX_USAGE, "%s does not exist: name "
				    "its format with -t", dstname);
			return tfmt;
		}
		if (errno == EBADMSG)
			mk_errx(EX_DATAERR, "%s: exists and is not a mailbox",
			    dstname);
		mk_err(EX_CANTCREAT, "%s", dstname);
	}
	if (!empty && !aflag)
		mk_errx(EX_CANTCREAT, "%s: exists and is not empty (append "
		    "with -a)", dstname);
	if (fmt == MBF_UNKNOWN) {
		if (tfmt == MBF_UNKNOWN)
			mk_errx(EX_USAGE, "%s is empty: name its format with "
			    "-t", dstname);
		if (!MBF_ISFILE(tfmt))
			mk_errx(EX_CANTCREAT, "%s: is a file, not a "
			    "directory for %s", dstname,
			    mailbox_fmt_name(tfmt));
		return tfmt;
	}
	if (tfmt == MBF_UNKNOWN)
		return fmt;
	/* Which mbox variant a file is cannot be told: trust -t. */
	if ((MBF_ISMBOX(fmt) && MBF_ISMBOX(tfmt)) || fmt == tfmt ||
	    (fmt == MBF_MH && tfmt == MBF_MAILDIR && empty))
		return tfmt;
	mk_errx(EX_DATAERR, "%s: is %s, not %s", dstname,
	    mailbox_fmt_name(fmt), mailbox_fmt_name(tfmt));
}

int
main(int argc, char *argv[])
{
	struct mbopts o;
	const char *dstname;
	int ch, ffmt = MBF_UNKNOWN, tfmt = MBF_UNKNOWN;

	while ((ch = getopt(argc, argv, "af:qt:Vv")) != -1) {
		switch (ch) {
		case 'a':
			aflag = 1;
			break;
		case 'f':
			if ((ffmt = mailbox_fmt_parse(optarg)) < 0)
				mk_errx(EX_USAGE, "-f %s: unknown format",
				    optarg);
			break;
		case 'q':
			qflag = 1;
			break;
		case 't':
			if ((tfmt = mailbox_fmt_parse(optarg)) < 0)
				mk_errx(EX_USAGE, "-t %s: unknown format",
				    optarg);
			break;
		case 'V':
			printf("%s\n", MAILKIT_VERSION_STRING);
			return 0;
		case 'v':
			vflag = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		usage();

	dstname = argv[argc - 1];
	check_sources(argv, argc - 1, dstname, ffmt);
	tfmt = check_dest(dstname, tfmt);
	progress = !qflag && !vflag && isatty(STDERR_FILENO);
	signal(SIGPIPE, SIG_IGN);

	mailbox_opts_init(&o);
	o.flags = MBO_CREATE;
	if (mailbox_append_open(&dst, dstname, tfmt, &o) < 0) {
		mk_warn("%s: %s", dstname, mailbox_open_errwhat());
		exit(write_status(errno));
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	lastdraw = t0;
	lastdraw.tv_sec--;
	for (ch = 0; ch < argc - 1; ch++)
		convert(argv[ch], ffmt);
	if (mailbox_close(dst) < 0) {
		dst = NULL;
		mk_warn("%s: %s", dstname, mailbox_open_errwhat());
		exit(write_status(errno));
	}
	dst = NULL;
	draw(1);
	return 0;
}
