/*
 * render: message text made fit for a terminal or a pager: control
 * characters and invalid UTF-8 neutralised, HTML turned into plain text
 * (by an external converter run without a shell, or by dropping tags).
 */
#ifndef MAILKIT_RENDER_H
#define MAILKIT_RENDER_H

#include <stddef.h>

#include "util.h"

/*
 * Append s to out as clean UTF-8 text: each invalid, overlong or
 * surrogate sequence becomes U+FFFD; CR is dropped; tab and LF stay;
 * every other C0 control (ESC included), DEL and C1 control becomes
 * U+FFFD, so no escape sequence reaches the terminal.
 */
void	 render_clean(struct buf *out, const char *s, size_t n);

/*
 * Append the text of the HTML s (UTF-8) to out: comments, <head>,
 * <script> and <style> dropped; other tags dropped; block elements
 * (p, div, br, li, tr, h1-h6, table, blockquote, hr...) end lines; white
 * space collapsed outside <pre>; character references (named ones of
 * HTML 4 that mail uses, decimal, hexadecimal) decoded.  Not cleaned:
 * pass the result through render_clean().
 */
void	 render_html(struct buf *out, const char *s, size_t n);

/*
 * Run argv[0] (found on PATH, no shell) with the n bytes of in on its
 * standard input, and append its standard output to out.  Its standard
 * error is ours.  Returns its exit status (0-255; 128+N when killed by
 * signal N; 127 when it could not be run), or -1 with errno set when
 * the pipes or the process could not be made.
 */
int	 render_filter(char *const argv[], const char *in, size_t n,
	    struct buf *out);

#endif
