/*
 * util: allocation that exits, growable buffers, diagnostics.
 */
#include "config.h"

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <syslog.h>
#include <unistd.h>

#include "util.h"

static int log_syslog;

/* Every allocation failure ends the program with EX_OSERR (71: retried). */
static MK_NORETURN void
nomem(void)
{
	mk_errx(EX_OSERR, "out of memory");
}

void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n ? n : 1)) == NULL)
		nomem();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p;

	if ((p = calloc(n ? n : 1, size ? size : 1)) == NULL)
		nomem();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n ? n : 1)) == NULL)
		nomem();
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		nomem();
	return xrealloc(p, n * size);
}

char *
xstrdup(const char *s)
{
	return xmemdup(s, strlen(s) + 1);
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;
	size_t len;

	for (len = 0; len < n && s[len] != '\0'; len++)
		;
	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void *
xmemdup(const void *s, size_t n)
{
	void *p = xmalloc(n);

	if (n)
		memcpy(p, s, n);
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return buf_release(&b);
}

void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void
buf_reserve(struct buf *b, size_t n)
{
	size_t need, cap;

	if (n > SIZE_MAX - b->len - 1)
		nomem();
	need = b->len + n + 1;
	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
	b->data[b->len] = '\0';
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_addc(struct buf *b, int c)
{
	char ch = (char)c;

	buf_add(b, &ch, 1);
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		mk_err(EX_SOFTWARE, "vsnprintf");
	buf_reserve(b, (size_t)n);
	if (vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap) != n)
		mk_errx(EX_SOFTWARE, "vsnprintf: inconsistent length");
	b->len += (size_t)n;
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *
buf_cstr(struct buf *b)
{
	if (b->data == NULL)
		buf_reserve(b, 0);
	return b->data;
}

char *
buf_release(struct buf *b)
{
	char *p = buf_cstr(b);

	buf_init(b);
	return p;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void
log_open(const char *ident, int mta)
{
	if (mta && !isatty(STDERR_FILENO)) {
		openlog(ident, LOG_PID, LOG_MAIL);
		log_syslog = 1;
	}
}

static void
vlog(int prio, int with_errno, const char *fmt, va_list ap)
{
	int saved = errno;
	va_list ap2;

	if (log_syslog) {
		struct buf b = BUF_INIT;

		va_copy(ap2, ap);
		buf_vprintf(&b, fmt, ap2);
		va_end(ap2);
		if (with_errno)
			syslog(prio, "%s: %s", b.data, strerror(saved));
		else
			syslog(prio, "%s", b.data);
		buf_free(&b);
	}
	if (prio == LOG_INFO)
		return;
	errno = saved;
	if (with_errno)
		vwarn(fmt, ap);
	else
		vwarnx(fmt, ap);
}

void
mk_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, 1, fmt, ap);
	va_end(ap);
}

void
mk_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, 0, fmt, ap);
	va_end(ap);
}

void
mk_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

void
mk_err(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, 1, fmt, ap);
	va_end(ap);
	exit(status);
}

void
mk_errx(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, 0, fmt, ap);
	va_end(ap);
	exit(status);
}

/*
 * Transient conditions map to EX_TEMPFAIL so that an MTA retries;
 * permanent ones to the sysexits code that bounces (DESIGN.md).
 */
int
exit_for_errno(int e)
{
	switch (e) {
	case ENOENT:
		return EX_NOINPUT;
	case EACCES:
	case EPERM:
	case EDQUOT:
	case EFBIG:
	case EROFS:
		return EX_CANTCREAT;
	case ELOOP:
		return EX_NOPERM;
	default:
		return EX_TEMPFAIL;	/* ENOSPC EIO EAGAIN ESTALE EINTR ENOMEM … */
	}
}

int
ascii_strncasecmp(const char *a, const char *b, size_t n)
{
	size_t i;
	int ca, cb;

	for (i = 0; i < n; i++) {
		ca = tolower((unsigned char)a[i]);
		cb = tolower((unsigned char)b[i]);
		if (ca != cb)
			return ca - cb;
		if (ca == '\0')
			return 0;
	}
	return 0;
}

int
ascii_casecmp_n(const char *s, size_t n, const char *c)
{
	size_t clen = strlen(c);
	size_t i;
	int ca, cb;

	for (i = 0; i < n && i < clen; i++) {
		ca = tolower((unsigned char)s[i]);
		cb = tolower((unsigned char)c[i]);
		if (ca != cb)
			return ca - cb;
	}
	if (n == clen)
		return 0;
	return n < clen ? -1 : 1;
}

int
read_fd_all(int fd, struct buf *b)
{
	ssize_t n;

	for (;;) {
		buf_reserve(b, 65536);
		n = read(fd, b->data + b->len, b->cap - b->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
		b->data[b->len] = '\0';
	}
	return 0;
}

int
read_record(void *vfp, int delim, struct buf *b)
{
	FILE *fp = vfp;
	ssize_t n;

	/* getdelim() grows the buffer's own storage: no copy per record. */
	buf_reset(b);
	n = getdelim(&b->data, &b->cap, delim, fp);
	if (n < 0) {
		buf_reset(b);
		return ferror(fp) ? -1 : 0;
	}
	if (n > 0 && b->data[n - 1] == (char)delim)
		n--;
	b->len = (size_t)n;
	b->data[n] = '\0';
	return 1;
}
