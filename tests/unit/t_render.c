/*
 * Unit tests for libcommon/render: clean terminal text, HTML to text,
 * external filters.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "util.h"
#include "tap.h"

static char *
clean(const char *s, size_t n)
{
	struct buf b = BUF_INIT;

	render_clean(&b, s, n);
	return buf_release(&b);
}

static char *
html(const char *s)
{
	struct buf b = BUF_INIT;

	render_html(&b, s, strlen(s));
	return buf_release(&b);
}

static void
t_clean(void)
{
	char *s;

	s = clean("plain\ttext\n", 11);
	is_str(s, "plain\ttext\n", "tab and LF kept");
	free(s);
	s = clean("a\r\nb", 4);
	is_str(s, "a\nb", "CR dropped");
	free(s);
	s = clean("\x1b[31mred", 8);
	is_str(s, "\xef\xbf\xbd[31mred", "ESC becomes U+FFFD");
	free(s);
	s = clean("caf\xc3\xa9 \xe6\x9c\x83", 9);
	is_str(s, "caf\xc3\xa9 \xe6\x9c\x83", "valid UTF-8 kept");
	free(s);
	s = clean("caf\xe9!", 5);
	is_str(s, "caf\xef\xbf\xbd!", "invalid byte becomes U+FFFD");
	free(s);
	s = clean("\xc0\xaf", 2);
	is_str(s, "\xef\xbf\xbd\xef\xbf\xbd", "overlong form refused");
	free(s);
	s = clean("\xed\xa0\x80", 3);
	is_str(s, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	    "surrogate refused");
	free(s);
	s = clean("\xc2\x9b" "1m", 4);
	is_str(s, "\xef\xbf\xbd" "1m", "C1 CSI becomes U+FFFD");
	free(s);
	s = clean("a\0b", 3);
	is_str(s, "a\xef\xbf\xbd" "b", "NUL becomes U+FFFD");
	free(s);
	s = clean("\xe6\x9c", 2);
	is_str(s, "\xef\xbf\xbd\xef\xbf\xbd", "cut sequence at the end");
	free(s);
}

static void
t_html(void)
{
	char *s;

	s = html("<p>Hello <b>world</b></p><p>again</p>");
	is_str(s, "Hello world\n\nagain\n", "paragraphs");
	free(s);
	s = html("a<br>b<br/>c");
	is_str(s, "a\nb\nc\n", "line breaks");
	free(s);
	s = html("<ul><li>one</li><li>two</li></ul>");
	is_str(s, "* one\n* two\n", "list items");
	free(s);
	s = html("<head><title>T</title></head><style>x{}</style>"
	    "<script>if (a < b) alert(1)</script>text<!-- <p>no -->!");
	is_str(s, "text!\n", "head, style, script, comments dropped");
	free(s);
	s = html("&amp;&lt;&gt;&quot;&#233;&#xe9;&nbsp;&bogus;&");
	is_str(s, "&<>\"\xc3\xa9\xc3\xa9 &bogus;&\n", "character references");
	free(s);
	s = html("  lots   of\n\n  space  ");
	is_str(s, "lots of space\n", "white space collapsed");
	free(s);
	s = html("<pre>a  b\n  c</pre>");
	is_str(s, "a  b\n  c\n", "pre kept");
	free(s);
	s = html("x <unclosed");
	is_str(s, "x\n", "a tag cut at the end");
	free(s);
	s = html("&#0;&#x110000;");
	is_str(s, "\xef\xbf\xbd\xef\xbf\xbd\n", "bad code points");
	free(s);
	s = html("");
	is_str(s, "", "empty");
	free(s);
}

static void
t_filter(void)
{
	struct buf b = BUF_INIT, big = BUF_INIT;
	char *tr[] = { "tr", "a-z", "A-Z", NULL };
	char *cat[] = { "cat", NULL };
	char *no[] = { "/nonexistent/prog", NULL };
	char *f[] = { "false", NULL };
	size_t i;

	is_int(render_filter(tr, "abc\n", 4, &b), 0, "tr runs");
	is_str(buf_cstr(&b), "ABC\n", "its output");
	buf_reset(&b);
	for (i = 0; i < 300000; i++)
		buf_adds(&big, "0123456789");
	is_int(render_filter(cat, big.data, big.len, &b), 0,
	    "3 MB through cat (no deadlock)");
	ok(b.len == big.len && memcmp(b.data, big.data, b.len) == 0,
	    "all of it back");
	buf_reset(&b);
	is_int(render_filter(no, "x", 1, &b), 127, "missing program: 127");
	is_int(render_filter(f, "x", 1, &b), 1, "exit status");
	is_int(render_filter(cat, "", 0, &b), 0, "empty input");
	buf_free(&b);
	buf_free(&big);
}

int
main(void)
{
	t_clean();
	t_html();
	t_filter();
	return done_testing();
}
