/*
 * rfc2047: header text to UTF-8 and back.
 *
 * Decoding turns RFC 2047 encoded words into UTF-8 through iconv, reads
 * raw 8-bit bytes as UTF-8 when they are valid UTF-8 and as windows-1252
 * otherwise, and cleans the result so that it is always valid UTF-8
 * without control characters other than tab.  Encoding turns UTF-8 text
 * into a header value of encoded words folded at 76 octets.
 *
 * All input is counted (it may hold NUL bytes); all output is valid UTF-8
 * and NUL-terminated.  iconv descriptors are opened once per charset and
 * kept for the life of the process (not thread-safe: mailkit programs
 * are single-threaded).
 */
#ifndef MAILKIT_RFC2047_H
#define MAILKIT_RFC2047_H

#include <stddef.h>

#include "util.h"

/*
 * Decode the header field value s (len bytes, folding allowed, without
 * the final line ending) and return it as a malloc'd NUL-terminated UTF-8
 * string.  Never fails.
 *
 * - Encoded words (B and Q, any case, "charset*lang" accepted) are decoded
 *   wherever they appear: between spaces, inside quoted strings and
 *   comments, and in the middle of atoms.
 * - White space (folding included) between two adjacent encoded words is
 *   dropped; the decoded bytes of adjacent words in the same charset are
 *   joined before conversion, so a character split across them comes out
 *   whole.  White space next to plain text is kept.
 * - An encoded word with an unknown charset or a broken body (bad base64
 *   or quoted-printable, missing "?=") is left as written.
 * - Folding (CRLF or LF followed by SP or TAB) is unfolded: the line break
 *   goes, the white space stays.  Any other CR, LF or CRLF becomes one
 *   space.  Other C0 controls, DEL and C1 controls become U+FFFD.
 * - Leading and trailing white space is kept (callers trim if they want).
 */
char	*rfc2047_decode(const char *s, size_t len);

/* As rfc2047_decode, appending to out. */
void	 rfc2047_decode_buf(struct buf *out, const char *s, size_t len);

/*
 * Append s to out as UTF-8 with the raw 8-bit rule and the control rule of
 * rfc2047_decode (folding unfolded too), but without decoding encoded
 * words.  The raw 8-bit rule is decided per run: each maximal run of bytes
 * >= 0x80 is kept if it is valid UTF-8, else read as windows-1252.
 */
void	 utf8_sanitize(struct buf *out, const char *s, size_t len);

/*
 * Convert len bytes of in, in charset (a MIME charset name, any case,
 * optional RFC 2231 "*lang" suffix), to UTF-8 appended to out.  Control
 * characters are kept (this is for bodies too).  Invalid or incomplete
 * input sequences become U+FFFD.  Aliases: utf8; us-ascii and latin1 are
 * read as windows-1252; gb2312/gbk as GB18030; ks_c_5601-1987/euc-kr as
 * CP949; shift_jis as CP932; iso-8859-8-i as iso-8859-8; x-unknown and
 * unknown-8bit get the raw 8-bit rule (UTF-8 if valid, else
 * windows-1252).  Returns 0, or -1 with errno EINVAL when the charset is
 * unknown (out is then unchanged).
 */
int	 charset_to_utf8(struct buf *out, const char *charset, const char *in,
	    size_t len);

/*
 * Encode the UTF-8 text utf8 (len bytes) for a header field value that
 * starts offset columns into its first line (strlen("Subject: ") for a
 * Subject).  Words that hold non-ASCII bytes, control characters or "=?"
 * become UTF-8 encoded words (Q or B, whichever is shorter), adjacent such
 * words sharing encoded words; lines are folded with "\n " so that they
 * stay within 76 octets where possible (the caller turns "\n" into CRLF
 * for the wire).  Input that is printable ASCII without "=?" comes back
 * unchanged.  Invalid UTF-8 in the input is encoded as U+FFFD.  Returns a
 * malloc'd NUL-terminated string.
 */
char	*rfc2047_encode(const char *utf8, size_t len, size_t offset);

#endif
