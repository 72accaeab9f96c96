/*
 * hdr: the header block of one message as an index of fields over its raw
 * bytes.  Lookup is case-insensitive; edits (add, remove, rewrite) leave
 * every other byte of the block as it was.
 */
#ifndef MAILKIT_HDR_H
#define MAILKIT_HDR_H

#include <stddef.h>

#include "util.h"

/* One field: offsets into hdr.raw.data. */
struct hfield {
	size_t	off;		/* first byte of the field name */
	size_t	len;		/* whole field, folded lines and final EOL included */
	size_t	namelen;	/* name, without white space before the colon */
	size_t	valoff;		/* first byte after the colon */
};

struct hdr {
	struct buf	 raw;	/* the header block exactly as read (no blank line) */
	struct hfield	*f;
	size_t		 n;
	size_t		 cap;
	int		 crlf;	/* the block's first line ended in CRLF */
};

#define HDR_NONE ((size_t)-1)

void	 hdr_init(struct hdr *);
void	 hdr_free(struct hdr *);
/* Index a header block (copied).  Lines that are neither a field nor a
 * continuation are kept in raw but belong to no field. */
void	 hdr_parse(struct hdr *, const char *, size_t);

/* Is this line (without its EOL) the start of a field, "name:"? */
int	 hdr_is_field(const char *, size_t);

/* Index of the next field named name at or after from, or HDR_NONE. */
size_t	 hdr_find(const struct hdr *, const char *name, size_t from);
/* Raw value of field i: after the colon, final line ending excluded,
 * folding kept.  Not NUL-terminated. */
const char *hdr_rawvalue(const struct hdr *, size_t i, size_t *len);
const char *hdr_name(const struct hdr *, size_t i, size_t *len);
/* Unfolded value of field i (malloc'd): CR and LF of folding removed,
 * leading and trailing white space trimmed. */
char	*hdr_value(const struct hdr *, size_t i);
/* Unfolded value of the first field named name, or NULL. */
char	*hdr_get(const struct hdr *, const char *name);

/* Unfold a raw value into out (appending): as hdr_value. */
void	 hdr_unfold(struct buf *out, const char *, size_t);

/* Edits.  New fields use the block's line ending. */
void	 hdr_prepend(struct hdr *, const char *name, const char *value);
void	 hdr_append(struct hdr *, const char *name, const char *value);
size_t	 hdr_remove(struct hdr *, const char *name);	/* all; returns count */
/* Replace the first field named name (or append one); remove the others. */
void	 hdr_set(struct hdr *, const char *name, const char *value);

#endif
