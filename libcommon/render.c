/*
 * render: clean terminal text, HTML to text, external filters.
 * See render.h.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "render.h"
#include "util.h"

#define REPL	"\xef\xbf\xbd"		/* U+FFFD */

static void
put_cp(struct buf *out, unsigned long c)
{
	if (c < 0x80)
		buf_addc(out, (int)c);
	else if (c < 0x800) {
		buf_addc(out, (int)(0xc0 | (c >> 6)));
		buf_addc(out, (int)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		buf_addc(out, (int)(0xe0 | (c >> 12)));
		buf_addc(out, (int)(0x80 | ((c >> 6) & 0x3f)));
		buf_addc(out, (int)(0x80 | (c & 0x3f)));
	} else {
		buf_addc(out, (int)(0xf0 | (c >> 18)));
		buf_addc(out, (int)(0x80 | ((c >> 12) & 0x3f)));
		buf_addc(out, (int)(0x80 | ((c >> 6) & 0x3f)));
		buf_addc(out, (int)(0x80 | (c & 0x3f)));
	}
}

/*
 * Length of the valid UTF-8 sequence at s (n bytes left) and its code
 * point in *cp, or 0 when the bytes there are not one.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n, unsigned long *cp)
{
	unsigned long c;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

void
render_clean(struct buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long c;
	size_t i = 0, k, run;

	buf_reserve(out, n);
	while (i < n) {
		/* copy plain runs at once */
		for (run = i; run < n && p[run] >= 0x20 && p[run] < 0x7f; run++)
			;
		if (run > i) {
			buf_add(out, s + i, run - i);
			i = run;
			continue;
		}
		if ((k = utf8_seq(p + i, n - i, &c)) == 0) {
			buf_adds(out, REPL);
			i++;
			continue;
		}
		if (c == '\r')
			;
		else if (c == '\n' || c == '\t')
			buf_addc(out, (int)c);
		else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
			buf_adds(out, REPL);
		else
			buf_add(out, s + i, k);
		i += k;
	}
}

/* ---------------------------------------------------------------- HTML */

static const struct {
	const char	*name;
	unsigned long	 cp;
} entities[] = {
	{ "amp", '&' }, { "apos", '\'' }, { "bull", 0x2022 },
	{ "cent", 0xa2 }, { "copy", 0xa9 }, { "deg", 0xb0 },
	{ "euro", 0x20ac }, { "gt", '>' }, { "hellip", 0x2026 },
	{ "laquo", 0xab }, { "ldquo", 0x201c }, { "lsquo", 0x2018 },
	{ "lt", '<' }, { "mdash", 0x2014 }, { "middot", 0xb7 },
	{ "nbsp", 0xa0 }, { "ndash", 0x2013 }, { "pound", 0xa3 },
	{ "quot", '"' }, { "raquo", 0xbb }, { "rdquo", 0x201d },
	{ "reg", 0xae }, { "rsquo", 0x2019 }, { "sect", 0xa7 },
	{ "shy", 0xad }, { "times", 0xd7 }, { "trade", 0x2122 },
	{ "yen", 0xa5 }, { "zwnj", 0x200c }, { "zwj", 0x200d },
	{ NULL, 0 }
};

/* Elements that end a line before and after them. */
static const char *blocks[] = {
	"address", "article", "blockquote", "br", "center", "dd", "div",
	"dl", "dt", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
	"header", "hr", "li", "ol", "p", "pre", "section", "table", "td",
	"th", "tr", "ul", NULL
};

struct html {
	struct buf	*out;
	int		 pre;		/* inside <pre> */
	int		 space;		/* white space pending */
	int		 nl;		/* line breaks ending out */
	int		 started;	/* text written */
};

static void
h_text(struct html *h, const char *s, size_t n)
{
	if (n == 0)
		return;
	if (h->space && !h->pre && h->nl == 0 && h->started)
		buf_addc(h->out, ' ');
	h->space = 0;
	buf_add(h->out, s, n);
	h->nl = s[n - 1] == '\n' ? 1 : 0;
	h->started = 1;
}

static void
h_break(struct html *h, int want)
{
	if (!h->started)
		return;
	while (h->nl < want) {
		buf_addc(h->out, '\n');
		h->nl++;
	}
	h->space = 0;
}

/* Decode the character reference at s[0] == '&'; its length, or 0. */
static size_t
h_entity(struct html *h, const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	unsigned long c = 0;
	size_t i = 1, k;
	int base = 10, digits = 0;

	if (i < n && s[i] == '#') {
		i++;
		if (i < n && (s[i] == 'x' || s[i] == 'X')) {
			base = 16;
			i++;
		}
		for (; i < n && digits < 8; i++, digits++) {
			int d = s[i] >= '0' && s[i] <= '9' ? s[i] - '0' :
			    base == 16 && s[i] >= 'a' && s[i] <= 'f' ?
			    s[i] - 'a' + 10 : base == 16 && s[i] >= 'A' &&
			    s[i] <= 'F' ? s[i] - 'A' + 10 : -1;

			if (d < 0)
				break;
			c = c * (unsigned long)base + (unsigned long)d;
		}
		if (digits == 0)
			return 0;
		if (c == 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			c = 0xfffd;
	} else {
		for (k = 0; entities[k].name != NULL; k++) {
			size_t l = strlen(entities[k].name);

			if (l + 1 <= n && memcmp(s + 1, entities[k].name, l) ==
			    0) {
				c = entities[k].cp;
				i = l + 1;
				break;
			}
		}
		if (c == 0)
			return 0;
	}
	if (i < n && s[i] == ';')
		i++;
	if (c == 0xa0)
		c = ' ';
	put_cp(&b, c);
	h_text(h, b.data, b.len);
	buf_free(&b);
	return i;
}

/* Skip to the end of "</name>" (case-insensitive) from s; its offset. */
static size_t
skip_until_close(const char *s, size_t n, const char *name)
{
	size_t i, l = strlen(name);

	for (i = 0; i + 2 + l <= n; i++)
		if (s[i] == '<' && s[i + 1] == '/' &&
		    ascii_strncasecmp(s + i + 2, name, l) == 0) {
			const char *e = memchr(s + i, '>', n - i);

			return e != NULL ? (size_t)(e - s) + 1 : n;
		}
	return n;
}

static int
is_block(const char *name, size_t len)
{
	size_t i;

	for (i = 0; blocks[i] != NULL; i++)
		if (ascii_casecmp_n(name, len, blocks[i]) == 0)
			return 1;
	return 0;
}

/* Handle the tag at s[0] == '<'; returns its length. */
static size_t
h_tag(struct html *h, const char *s, size_t n)
{
	const char *e;
	size_t i = 1, nl, end;
	int close = 0;

	if (n >= 4 && memcmp(s, "<!--", 4) == 0) {
		for (i = 4; i + 3 <= n; i++)
			if (memcmp(s + i, "-->", 3) == 0)
				return i + 3;
		return n;
	}
	if ((e = memchr(s, '>', n)) == NULL)
		return n;
	end = (size_t)(e - s) + 1;
	if (i < n && s[i] == '/') {
		close = 1;
		i++;
	}
	for (nl = i; nl < end && (s[nl] == '-' ||
	    (s[nl] >= 'a' && s[nl] <= 'z') || (s[nl] >= 'A' && s[nl] <= 'Z') ||
	    (s[nl] >= '0' && s[nl] <= '9')); nl++)
		;
	nl -= i;
	if (!close && (ascii_casecmp_n(s + i, nl, "script") == 0 ||
	    ascii_casecmp_n(s + i, nl, "style") == 0 ||
	    ascii_casecmp_n(s + i, nl, "head") == 0 ||
	    ascii_casecmp_n(s + i, nl, "title") == 0)) {
		char name[8];

		memcpy(name, s + i, nl);
		name[nl] = '\0';
		return end + skip_until_close(s + end, n - end, name);
	}
	if (ascii_casecmp_n(s + i, nl, "pre") == 0)
		h->pre = !close;
	if (ascii_casecmp_n(s + i, nl, "br") == 0)
		h_break(h, 1);
	else if (ascii_casecmp_n(s + i, nl, "p") == 0 ||
	    (nl == 2 && (s[i] == 'h' || s[i] == 'H') && s[i + 1] >= '1' &&
	    s[i + 1] <= '6') || ascii_casecmp_n(s + i, nl, "blockquote") == 0)
		h_break(h, 2);
	else if (ascii_casecmp_n(s + i, nl, "li") == 0 && !close) {
		h_break(h, 1);
		h_text(h, "* ", 2);
	} else if ((ascii_casecmp_n(s + i, nl, "td") == 0 ||
	    ascii_casecmp_n(s + i, nl, "th") == 0) && !close) {
		h->space = 1;
	} else if (ascii_casecmp_n(s + i, nl, "hr") == 0) {
		h_break(h, 1);
		h_text(h, "----", 4);
		h_break(h, 1);
	} else if (is_block(s + i, nl))
		h_break(h, 1);
	return end;
}

void
render_html(struct buf *out, const char *s, size_t n)
{
	struct html h;
	size_t i = 0, j, k, start = out->len;

	memset(&h, 0, sizeof(h));
	h.out = out;
	while (i < n) {
		if (s[i] == '<' && i + 1 < n && (s[i + 1] == '/' ||
		    s[i + 1] == '!' || (s[i + 1] >= 'a' && s[i + 1] <= 'z') ||
		    (s[i + 1] >= 'A' && s[i + 1] <= 'Z'))) {
			i += h_tag(&h, s + i, n - i);
			continue;
		}
		if (s[i] == '&' && (k = h_entity(&h, s + i, n - i)) > 0) {
			i += k;
			continue;
		}
		if (!h.pre && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
		    s[i] == '\r')) {
			h.space = 1;
			i++;
			continue;
		}
		for (j = i + 1; j < n && s[j] != '<' && s[j] != '&' &&
		    (h.pre || (s[j] != ' ' && s[j] != '\t' && s[j] != '\n' &&
		    s[j] != '\r')); j++)
			;
		h_text(&h, s + i, j - i);
		i = j;
	}
	if (h.started && h.nl == 0)
		buf_addc(out, '\n');
	/* one line break at the end */
	while (out->len >= start + 2 && out->data[out->len - 1] == '\n' &&
	    out->data[out->len - 2] == '\n')
		buf_truncate(out, out->len - 1);
}

/* ---------------------------------------------------------------- filter */

int
render_filter(char *const argv[], const char *in, size_t n, struct buf *out)
{
	struct pollfd pf[2];
	int inp[2], outp[2], status, e;
	size_t off = 0;
	ssize_t r;
	pid_t pid;
	void (*oldpipe)(int);

	if (pipe(inp) < 0)
		return -1;
	if (pipe(outp) < 0) {
		e = errno;
		close(inp[0]);
		close(inp[1]);
		errno = e;
		return -1;
	}
	if ((pid = fork()) < 0) {
		e = errno;
		close(inp[0]);
		close(inp[1]);
		close(outp[0]);
		close(outp[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		if (dup2(inp[0], STDIN_FILENO) < 0 ||
		    dup2(outp[1], STDOUT_FILENO) < 0)
			_exit(127);
		close(inp[0]);
		close(inp[1]);
		close(outp[0]);
		close(outp[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(inp[0]);
	close(outp[1]);
	(void)fcntl(inp[1], F_SETFL, O_NONBLOCK);
	oldpipe = signal(SIGPIPE, SIG_IGN);
	if (n == 0) {
		close(inp[1]);
		inp[1] = -1;
	}
	for (;;) {
		pf[0].fd = outp[0];
		pf[0].events = POLLIN;
		pf[1].fd = inp[1];
		pf[1].events = POLLOUT;
		if (pf[0].fd < 0 && pf[1].fd < 0)
			break;
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].fd >= 0 && (pf[1].revents & (POLLOUT | POLLERR |
		    POLLHUP))) {
			r = write(inp[1], in + off, n - off);
			if (r > 0)
				off += (size_t)r;
			if ((r < 0 && errno != EAGAIN && errno != EINTR) ||
			    off == n) {
				close(inp[1]);
				inp[1] = -1;
			}
		}
		if (pf[0].fd >= 0 && (pf[0].revents & (POLLIN | POLLERR |
		    POLLHUP))) {
			buf_reserve(out, 65536 + 1);
			r = read(outp[0], out->data + out->len, 65536);
			if (r > 0) {
				out->len += (size_t)r;
				out->data[out->len] = '\0';
			} else if (r == 0 || (errno != EAGAIN &&
			    errno != EINTR)) {
				close(outp[0]);
				outp[0] = -1;
			}
		}
	}
	if (inp[1] >= 0)
		close(inp[1]);
	if (outp[0] >= 0)
		close(outp[0]);
	(void)signal(SIGPIPE, oldpipe);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 127;
}
