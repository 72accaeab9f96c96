/*
 * mime: the MIME structure of one message held in memory (RFC 2045,
 * RFC 2046), transfer decoding (quoted-printable, base64), RFC 2231
 * parameters, and conversion of text parts to UTF-8.
 *
 * mime_parse() walks the whole tree once and records, for every part,
 * where its header and body lie in the caller's buffer; nothing is
 * decoded until asked for.  Bad input never makes it fail: it does its
 * best and says what it met through flags.
 *
 * Part numbers are nmh's (mhlist, mhstore -part): a message that is not
 * multipart is part "1"; the parts of a multipart are numbered 1, 2, ...
 * below the number of the multipart ("2.1", "2.2"); the multipart at the
 * top of a message has the number "" (nmh shows none).  Two choices where
 * nmh has no rule or an odd one:
 * - the inside of a message/rfc822 part numbered P is numbered as IMAP
 *   does (RFC 3501 §6.4.5): a multipart inside takes P itself and its
 *   parts are P.1, P.2, ...; a single part inside is P.1;
 * - the parts of a multipart/alternative are numbered in the order of the
 *   message (nmh numbers them after reordering them by its -prefer
 *   option, last first by default, so its numbers there change with the
 *   option).
 * mblaze's mshow -t counts every part in order instead (1, 2, 3, ...).
 */
#ifndef MAILKIT_MIME_H
#define MAILKIT_MIME_H

#include <stddef.h>

#include "util.h"

#define MIME_MAXDEPTH	64	/* parts deeper than this are not descended */
#define MIME_MAXPARTS	10000	/* parts after this many are dropped */
#define MIME_NONE	((size_t)-1)

enum mime_enc {			/* Content-Transfer-Encoding */
	MIME_7BIT,		/* also when absent */
	MIME_8BIT,
	MIME_BINARY,
	MIME_QP,
	MIME_BASE64,
	MIME_ENC_OTHER		/* unknown (x-uuencode...): body taken as is */
};

enum mime_disp {		/* Content-Disposition */
	MIME_DISP_NONE,		/* absent */
	MIME_DISP_INLINE,
	MIME_DISP_ATTACHMENT,
	MIME_DISP_OTHER
};

/* Flags of a part: what was wrong with it, or why it was not descended. */
#define MIME_F_DEFTYPE	0x01	/* no valid Content-Type: type is the default */
#define MIME_F_NOHEADER	0x02	/* no header: the body starts at once */
#define MIME_F_BROKEN	0x04	/* multipart without boundary or without any
				   delimiter line: no children (its body may
				   be shown as text) */
#define MIME_F_NOCLOSE	0x08	/* multipart without its close delimiter */
#define MIME_F_DEEP	0x10	/* not descended: MIME_MAXDEPTH reached */
#define MIME_F_TOOMANY	0x20	/* MIME_MAXPARTS reached: parts dropped */
#define MIME_F_ENCODED	0x40	/* message/rfc822 with a base64, quoted-
				   printable or unknown encoding: not
				   descended (a multipart's encoding is
				   ignored, as RFC 2045 §6.4 allows none) */

struct mime_part {
	char		*num;		/* "1", "2.1"; "" for a top multipart */
	char		*type;		/* lowercased: "text" */
	char		*subtype;	/* lowercased: "plain" (in type's
					   allocation) */
	char		*charset;	/* lowercased charset parameter;
					   when absent "us-ascii" for text
					   parts, else NULL */
	char		*filename;	/* UTF-8: Content-Disposition
					   filename, else Content-Type name;
					   NULL if none.  As written: see
					   mime_safe_filename */
	enum mime_enc	 enc;
	enum mime_disp	 disp;
	int		 flags;		/* MIME_F_* */
	int		 depth;		/* 0 for the top part */
	size_t		 parent;	/* index in the tree; MIME_NONE for
					   the top */
	size_t		 nchild;	/* direct children */
	/*
	 * Offsets into the message buffer.  The header excludes the blank
	 * line that ends it; the body excludes the line break before the
	 * next delimiter line.  bodylen is the size mblaze's mshow -t
	 * prints; nmh's mhlist prints it for multiparts and
	 * mime_decoded_size() for the other parts.  The raw values of
	 * Content-Type and Content-Disposition (after the colon, folding
	 * kept) are for mime_param(); their length is 0 when the field is
	 * absent.
	 */
	size_t		 hdroff, hdrlen;
	size_t		 bodyoff, bodylen;
	size_t		 ctoff, ctlen;
	size_t		 cdoff, cdlen;
};

/* All parts in document order, each parent before its children. */
struct mime_tree {
	struct mime_part *part;
	size_t		  n;
	size_t		  cap;
};

/*
 * Parse the message msg (len bytes: header and body; a leading mbox
 * "From " line is skipped) into t, which need not be initialised.  The
 * buffer must outlive the tree: parts point into it by offset.  Always
 * returns 0 with at least one part.  LF and CRLF line endings both work.
 */
int	 mime_parse(struct mime_tree *t, const char *msg, size_t len);
void	 mime_free(struct mime_tree *t);

/* The first part numbered num (see above), or NULL. */
const struct mime_part *mime_find(const struct mime_tree *, const char *num);

/*
 * The part to show as "the text" of a message: the first text/plain
 * leaf that is not an attachment, else the first other text leaf that
 * is not one (text/html...), else NULL.
 */
const struct mime_part *mime_first_text(const struct mime_tree *);

/*
 * The value of parameter name (case-insensitive) in a Content-Type or
 * Content-Disposition field value (its leading type or disposition is
 * skipped), as malloc'd UTF-8 text, or NULL when absent.  RFC 2045
 * syntax with quoted strings and comments; RFC 2231 continuations,
 * charsets and languages (which win over a plain parameter of the same
 * name); RFC 2047 encoded words inside values; 8-bit bytes taken as UTF-8
 * when valid, else windows-1252; control characters become U+FFFD.  Of
 * duplicate parameters the first wins.
 */
char	*mime_param(const char *value, size_t len, const char *name);
/*
 * As mime_param, but the bytes as written: quoting undone, RFC 2231
 * segments joined and %XX decoded, nothing converted (for boundary and
 * charset).  Cut at a NUL byte.
 */
char	*mime_param_raw(const char *value, size_t len, const char *name);

/*
 * Transfer-decode the body of part p of msg, appending to out.  7bit, 8bit,
 * binary and unknown encodings are copied as they are (an unknown one has
 * p->enc MIME_ENC_OTHER).  Returns 0 (decoding never fails).
 */
int	 mime_decode_body(const struct mime_part *p, const char *msg,
	    struct buf *out);

/*
 * The body of p, transfer-decoded and converted from its charset to
 * UTF-8, appended to out, with CRLF turned into LF.  Text without a
 * charset or declared us-ascii is read as UTF-8 when valid, else as
 * windows-1252.  An unknown charset: the bytes are appended by that same
 * rule (so out is always UTF-8) and *unknown_charset is set to 1
 * (else 0; the pointer may be NULL).  Returns 0.
 */
int	 mime_text_utf8(const struct mime_part *p, const char *msg,
	    struct buf *out, int *unknown_charset);
/*
 * As mime_text_utf8, but only about the first max bytes of the decoded
 * body (for scan lines and previews): the cost does not grow with the
 * size of the part.  A character cut at the end is dropped.
 */
int	 mime_text_utf8_head(const struct mime_part *p, const char *msg,
	    size_t max, struct buf *out, int *unknown_charset);

/* Size of the body once transfer-decoded, without decoding it. */
size_t	 mime_decoded_size(const struct mime_part *p, const char *msg);

/*
 * Quoted-printable (RFC 2045 §6.7), appending to out.  Decoding: soft
 * line breaks removed, hex digits in either case, white space at the end
 * of lines removed, a bad escape kept as written; line endings kept.
 * Encoding: lines of at most 76 characters ending in "\n" (the caller
 * makes CRLF for the wire); input line breaks (LF or CRLF) stay line
 * breaks unless binary, which encodes CR and LF too; "From " and a lone
 * "." at the start of a line are encoded so they survive mbox and SMTP.
 */
void	 qp_decode(struct buf *out, const char *in, size_t len);
void	 qp_encode(struct buf *out, const void *in, size_t len, int binary);

/*
 * Base64 (RFC 2045 §6.8), appending to out.  Decoding skips every
 * character outside the alphabet (white space, junk), takes "=" as the
 * end of a group (so padded pieces may be concatenated) and tolerates
 * missing padding.  Encoding pads, and breaks lines every linelen
 * characters (rounded down to a multiple of 4; 76 for MIME bodies) with
 * "\n", the last line too; linelen 0 means one line without a break.
 */
void	 b64_decode(struct buf *out, const char *in, size_t len);
void	 b64_encode(struct buf *out, const void *in, size_t len,
	    size_t linelen);

/*
 * A file name that is safe to create in the current directory, made from
 * name (say a part's filename): the directories are stripped ("/" and
 * "\\"), then control characters (C0, DEL, C1), then leading dots, white
 * space and dashes; a name longer than 255 bytes is shortened, keeping its
 * extension.  Returns a malloc'd string, or NULL when nothing is left.
 */
char	*mime_safe_filename(const char *name);

#endif
