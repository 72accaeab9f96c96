/*
 * width: the display width of UTF-8 text on a terminal, independent of
 * the locale, and cutting text to a number of columns without ever
 * cutting a character.
 *
 * Widths follow Unicode (14.0): characters of East Asian Width W and F
 * take two columns; nonspacing and enclosing marks (Mn, Me) and format
 * characters (Cf: zero width space, joiners, bidi marks, but not the soft
 * hyphen) take none; every other character takes one.  Control
 * characters count as one (callers replace them first; rfc2047_decode and
 * mime_text_utf8 leave only tab and newline).  A byte that does not start
 * a valid UTF-8 sequence counts as one column and is one character.
 */
#ifndef MAILKIT_WIDTH_H
#define MAILKIT_WIDTH_H

#include <stddef.h>
#include <stdint.h>

/* Columns of the code point c: 0, 1 or 2. */
int	 width_cp(uint32_t c);

/*
 * Decode one character at s (len > 0 bytes): store its code point in *c
 * (U+FFFD for an invalid byte) and return its length in bytes (1 to 4).
 */
size_t	 width_next(const char *s, size_t len, uint32_t *c);

/* Columns of len bytes of UTF-8 text. */
size_t	 width_str(const char *s, size_t len);

/*
 * How many bytes of s (len bytes) fit in cols columns: whole characters
 * only, with the zero-width characters that follow the last one that
 * fits (combining marks stay with their base).  *used (may be NULL)
 * receives the columns those bytes take.
 */
size_t	 width_fit(const char *s, size_t len, size_t cols, size_t *used);

#endif
