/*
 * util: allocation that exits on failure, growable buffers, diagnostics
 * with the program name (and syslog for MTA-facing programs).
 *
 * One return convention in the whole library: functions that can fail
 * return 0 on success and -1 on failure with errno set (or a documented
 * negative/positive status), never a pointer-or-NULL mix unless named so.
 */
#ifndef MAILKIT_UTIL_H
#define MAILKIT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

#define MAILKIT_VERSION_STRING PACKAGE_NAME " " PACKAGE_VERSION

#if defined(__GNUC__)
#define MK_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define MK_NORETURN __attribute__((noreturn))
#else
#define MK_PRINTF(a, b)
#define MK_NORETURN
#endif

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) MK_PRINTF(1, 2);
void	*xmemdup(const void *, size_t);

/*
 * A growable byte buffer.  data is always NUL-terminated after any
 * operation (the NUL is not counted in len), so text can be used as a
 * C string when it holds no NUL bytes.
 */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

#define BUF_INIT { NULL, 0, 0 }

void	 buf_init(struct buf *);
void	 buf_reserve(struct buf *, size_t);	/* room for n more bytes */
void	 buf_add(struct buf *, const void *, size_t);
void	 buf_addc(struct buf *, int);
void	 buf_adds(struct buf *, const char *);
void	 buf_printf(struct buf *, const char *, ...) MK_PRINTF(2, 3);
void	 buf_vprintf(struct buf *, const char *, va_list) MK_PRINTF(2, 0);
void	 buf_truncate(struct buf *, size_t);
void	 buf_reset(struct buf *);
char	*buf_cstr(struct buf *);		/* never NULL */
char	*buf_release(struct buf *);		/* caller frees; buf emptied */
void	 buf_free(struct buf *);

/*
 * Diagnostics.  err(3) and friends print "prog: what: why" already; these
 * add syslog (LOG_MAIL) for programs that an MTA runs, when standard error
 * is not a terminal.  log_open() is optional: without it only stderr.
 */
void	 log_open(const char *ident, int mta);
void	 mk_warn(const char *, ...) MK_PRINTF(1, 2);	/* with strerror(errno) */
void	 mk_warnx(const char *, ...) MK_PRINTF(1, 2);
void	 mk_info(const char *, ...) MK_PRINTF(1, 2);	/* syslog LOG_INFO only */
MK_NORETURN void mk_err(int, const char *, ...) MK_PRINTF(2, 3);
MK_NORETURN void mk_errx(int, const char *, ...) MK_PRINTF(2, 3);

/* Map an errno from an I/O call to a sysexits status (75 for transient). */
int	 exit_for_errno(int);

/* Case-insensitive ASCII compare of a counted string with a C string. */
int	 ascii_casecmp_n(const char *, size_t, const char *);
int	 ascii_strncasecmp(const char *, const char *, size_t);

/* Read a whole stream or file into a buffer (0 or -1 with errno). */
int	 read_fd_all(int, struct buf *);

/*
 * Read one record ending in delim from fp into b (delim stripped).
 * Returns 1 when a record was read, 0 at end of input, -1 on error.
 */
int	 read_record(void *fp, int delim, struct buf *b);

#endif
