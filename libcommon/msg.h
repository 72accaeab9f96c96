/*
 * msg: one message.  The header block is read (only as far as needed:
 * one read for a typical message) and indexed once; the body is reached
 * by streaming from where the header ended.  LF and CRLF, NUL bytes and
 * 8-bit data are accepted; no size limit on lines or fields.
 */
#ifndef MAILKIT_MSG_H
#define MAILKIT_MSG_H

#include <sys/types.h>
#include <stddef.h>

#include "hdr.h"
#include "util.h"

struct msg {
	char		*name;		/* path, or "-", for diagnostics */
	int		 fd;		/* -1 when built from a buffer */
	int		 ownfd;		/* msg_close() closes fd */
	char		*from_;		/* a leading "From " line (no EOL), or NULL;
					   NUL-terminated, but it may hold NUL
					   bytes: from_len is its length */
	size_t		 from_len;
	struct hdr	 hdr;
	struct buf	 sep;		/* the blank line ending the header ("\n",
					   "\r\n"), empty when there was none */
	struct buf	 rest;		/* body bytes already read, not yet consumed */
	size_t		 restoff;	/* consumed part of rest */
	off_t		 bodyoff;	/* offset of the body in the input */
	int		 eof;		/* input exhausted: rest holds the tail */
};

/*
 * Open path and read its header block.  0, or -1 with errno set; after a
 * failure nothing is left to free (msg_close() is then a no-op).
 */
int	 msg_open(struct msg *, const char *path);
/* Read the header block from fd (a pipe is fine); name for messages. */
int	 msg_fdopen(struct msg *, int fd, const char *name);
/* Build from memory (copied). */
int	 msg_frombuf(struct msg *, const void *, size_t, const char *name);
void	 msg_close(struct msg *);

/*
 * Stream the body: copies up to n bytes, returns the count, 0 at the end,
 * -1 on a read error.  The first call returns the bytes right after the
 * blank line.
 */
ssize_t	 msg_body_read(struct msg *, void *, size_t);
/* The rest of the body, appended to out.  0 or -1. */
int	 msg_body_all(struct msg *, struct buf *out);

#endif
