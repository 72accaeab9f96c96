/*
 * tap.h: a few TAP helpers for the libcommon unit tests.  Each check
 * prints "ok N - name" or "not ok N - name"; done_testing() prints the
 * plan and returns the exit status for main().
 */
#ifndef MAILKIT_TAP_H
#define MAILKIT_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static void tap_vresult(int, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static void
tap_vresult(int pass, const char *fmt, va_list ap)
{
	tap_n++;
	if (!pass)
		tap_failed++;
	printf("%sok %d - ", pass ? "" : "not ", tap_n);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

static int ok(int, const char *, ...) __attribute__((format(printf, 2, 3)));

static int
ok(int pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(pass, fmt, ap);
	va_end(ap);
	return pass;
}

/* Compare two C strings (NULL allowed); show both on failure. */
#define is_str(got, want, ...) do {					\
	const char *g_ = (got), *w_ = (want);				\
	int p_ = (g_ == NULL && w_ == NULL) ||				\
	    (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0);		\
	ok(p_, __VA_ARGS__);						\
	if (!p_)							\
		printf("#   got:      '%s'\n#   expected: '%s'\n",	\
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)");		\
} while (0)

#define is_int(got, want, ...) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	ok(g_ == w_, __VA_ARGS__);					\
	if (g_ != w_)							\
		printf("#   got:      %lld\n#   expected: %lld\n", g_, w_);	\
} while (0)

static int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
