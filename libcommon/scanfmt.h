/*
 * scanfmt: one summary line per message, as mscan prints it and as minc
 * prints it for each message it incorporates.
 *
 * A format is text with escapes, each
 *
 *	%[-][width][{arg}]letter
 *
 * A width pads the value to that many display columns (right-aligned,
 * or left-aligned with "-"), and cuts a text value that is longer; it
 * never cuts a number.  The letters:
 *
 *	%n	the message number (nothing when the message has none)
 *	%c	"+" for the current message, else a space
 *	%m	"U" for an unseen message, "-" for one replied to (it has a
 *		Replied: field, as repl -annotate adds), else a space
 *	%d	the date of the Date: field in the message's own zone, as
 *		"mm/dd"; %{strftime format}d in that form (e.g.
 *		%{%Y-%m-%d %H:%M}d).  Without a valid Date: field, the time
 *		the file was last modified, in local time
 *	%*	"*" when %d shows the file's time (no valid Date:), else a space
 *	%f	the sender: the display name of the first From: address
 *		(decoded), else the address; "To:name" of the first
 *		recipient when the sender is the user (Local-Mailbox and
 *		Alternate-Mailboxes of the profile)
 *	%a	the address of the first From: mailbox
 *	%t	the display name (or address) of the first To: mailbox
 *	%s	the subject, decoded
 *	%b	the start of the body: the first text part, decoded and
 *		converted to UTF-8, white space and line breaks made single
 *		spaces; %{text}b puts text before it when there is one
 *	%z	the size of the file in bytes
 *	%p	the path of the file
 *	%{name}h  the field name, decoded and unfolded
 *	%%	a per cent sign
 *
 * and \n, \t and \\ stand for a newline, a tab and a backslash.
 * Every value is valid UTF-8 without control characters (tabs and line
 * breaks inside values become spaces, other controls U+FFFD).  The whole
 * line is then cut at the line width, counted in display columns
 * (width.h), never inside a character; a width of 0 means no limit
 * (the body then stops after SCAN_BODY_UNLIMITED bytes).
 */
#ifndef MAILKIT_SCANFMT_H
#define MAILKIT_SCANFMT_H

#include <stddef.h>

#include "msg.h"
#include "util.h"

/* nmh scan's default line: "  12+U09/13 Alice Smith        Subject<<body" */
#define SCAN_FORMAT_DEFAULT	"%4n%c%m%d%*%-17f  %s%{<<}b"
#define SCAN_BODY_UNLIMITED	1024

struct scan;

/* What a line needs to know besides the message itself. */
struct scanmsg {
	const char	*path;		/* "-" for standard input */
	unsigned	 num;		/* 0: none */
	int		 cur;		/* it is the folder's current message */
	int		 unseen;	/* it is in an unseen sequence */
};

/*
 * Compile format (NULL: SCAN_FORMAT_DEFAULT) for lines of width columns.
 * Returns 0, or -1 with errno EINVAL and *errmsg (allocated) saying what
 * is wrong with the format.
 */
int	 scan_new(struct scan **, const char *format, size_t width,
	    char **errmsg);
void	 scan_free(struct scan *);

/*
 * Who the user is, for %f: localmbox is the Local-Mailbox profile entry
 * (an address, with or without a display name), alternates the
 * Alternate-Mailboxes entry (addresses separated by commas, where "*"
 * matches any run of characters).  Either may be NULL; without
 * localmbox, the login name (with no domain or the host's name) is the
 * user.
 */
void	 scan_set_me(struct scan *, const char *localmbox,
	    const char *alternates);

/* Does the format need the body (%b), or the file's size (%z)? */
int	 scan_needs_body(const struct scan *);

/*
 * Append the line of message m (opened with msg_open() or msg_fdopen(),
 * body not yet read: %b reads the start of it) to out, without a newline.
 * Returns 0, or -1 with errno set when reading the body failed (the line
 * is then made without it).
 */
int	 scan_line(struct scan *, struct buf *out, struct msg *m,
	    const struct scanmsg *);

#endif
