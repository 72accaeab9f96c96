/* Unit tests for libcommon/util. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <errno.h>

#include "util.h"
#include "tap.h"

int
main(void)
{
	struct buf b = BUF_INIT;
	char *s;
	size_t i;

	is_str(buf_cstr(&b), "", "empty buffer is an empty string");
	buf_adds(&b, "abc");
	buf_addc(&b, 'd');
	buf_printf(&b, "%d-%s", 42, "x");
	is_str(b.data, "abcd42-x", "buf_adds, buf_addc, buf_printf append");
	is_int(b.len, 8, "length counts bytes");
	buf_add(&b, "\0z", 2);
	is_int(b.len, 10, "NUL bytes are data");
	ok(b.data[10] == '\0', "always NUL-terminated");
	buf_truncate(&b, 3);
	is_str(b.data, "abc", "buf_truncate");
	buf_reset(&b);
	for (i = 0; i < 100000; i++)
		buf_addc(&b, 'a' + (int)(i % 26));
	ok(b.len == 100000 && b.data[99999] == 'a' + (99999 % 26),
	    "grows past any fixed size");
	s = buf_release(&b);
	ok(b.data == NULL && b.len == 0, "buf_release empties the buffer");
	free(s);

	s = xasprintf("%s=%d", "n", 7);
	is_str(s, "n=7", "xasprintf");
	free(s);
	s = xstrndup("abcdef", 3);
	is_str(s, "abc", "xstrndup stops at n");
	free(s);
	s = xstrndup("ab", 10);
	is_str(s, "ab", "xstrndup stops at NUL");
	free(s);

	is_int(ascii_casecmp_n("Subject", 7, "subject"), 0, "casecmp_n equal");
	ok(ascii_casecmp_n("Subj", 4, "subject") != 0, "casecmp_n prefix differs");
	ok(ascii_casecmp_n("Subjects", 8, "subject") != 0, "casecmp_n longer differs");
	is_int(ascii_strncasecmp("FROM x", "from y", 4), 0, "strncasecmp");

	is_int(exit_for_errno(ENOSPC), EX_TEMPFAIL, "ENOSPC is temporary");
	is_int(exit_for_errno(EIO), EX_TEMPFAIL, "EIO is temporary");
	is_int(exit_for_errno(EDQUOT), EX_CANTCREAT, "EDQUOT is permanent");
	is_int(exit_for_errno(ENOENT), EX_NOINPUT, "ENOENT is no input");
	buf_free(&b);
	return done_testing();
}
