/*
 * mhops: what the MH programs that change folders share (mshow, mrm,
 * mrefile, minc): turning operands into the files to work on, adding a
 * file to a folder under the next free number, and removing messages the
 * way nmh does.
 *
 * Operands
 *	A command line's operands are a "+folder" or "@folder" (at most
 *	one), message specifications in that folder (mh-sequence(5)), and
 *	paths: an operand holding a "/" is a path (a file in the working
 *	directory is "./name").  With no operand at all and a standard
 *	input that is not a terminal (MHT_STDIN), the paths are read from
 *	standard input, one a line (NUL-separated with MHT_NUL).
 *	A path is "in an MH folder" when its last component is a message
 *	number (decimal, no leading zero) and its directory is below Path
 *	or holds a sequences file; such a file gets the folder's sequence
 *	and cur updates like a spec would.  Any other path is a plain file.
 *	Specs (or the default spec when there is neither spec nor path) are
 *	resolved in the folder given, else in the current folder, which
 *	then becomes the current folder in the context, as in nmh.
 *
 * Numbers
 *	mht_link_next() links a file into a folder under the first free
 *	number after *last (or under want when that is free), retrying on
 *	EEXIST as nmh does, so that programs of both suites adding
 *	messages at the same time never overwrite one another.
 */
#ifndef MAILKIT_MHOPS_H
#define MAILKIT_MHOPS_H

#include <sys/types.h>
#include <stddef.h>

#include "mh.h"

#define MHT_NOFOLDER	((size_t)-1)

/* One file to work on. */
struct mhtarget {
	char		*path;
	size_t		 folder;	/* in folders, or MHT_NOFOLDER */
	unsigned	 num;		/* its number; 0: a plain file */
};

struct mhtargets {
	struct mhtarget	 *v;
	size_t		  n;
	struct mh_folder **folders;	/* open (locked with MHT_LOCK) */
	size_t		  nfolders;
	size_t		  spec;		/* the specs' folder, or
					   MHT_NOFOLDER when none */
	char		 *err;		/* why mht_collect() failed */
};

#define MHT_LOCK	0x01	/* open folders with MH_F_LOCK */
#define MHT_STDIN	0x02	/* no operand: paths on a non-tty stdin */
#define MHT_NUL		0x04	/* that list is NUL-separated */
#define MHT_DASH	0x08	/* "-" is a path (standard input) */

/*
 * Collect the targets of ops (nops operands; defspec, e.g. "cur", when
 * there is no spec and no path).  0, or -1 with errno set and the
 * reason in t->err ("message 21 doesn't exist", "/x/1: No such file or
 * directory"): errno EINVAL for a bad or empty selection (the programs
 * exit 1, as nmh), another errno for a system error.  t->err is freed by
 * mht_free().
 */
int	 mht_collect(struct mh *, char *const *ops, size_t nops,
	    const char *defspec, int flags, struct mhtargets *);
/* Close the folders without saving and free everything. */
void	 mht_free(struct mhtargets *);
/* Write every folder's sequences and the context (mh_folder_save()). */
int	 mht_save(struct mh *, struct mhtargets *);

/*
 * Is path a message inside an MH folder?  Then *dir is its folder's
 * directory (allocated) and *num its number, and 1 is returned; else 0.
 */
int	 mht_locate(const struct mh *, const char *path, char **dir,
	    unsigned *num);

/*
 * Link the file src into the folder directory dir as a message: under
 * want when want is not 0 and free, else under the first free number
 * above *last.  *num is set and *last raised to it.  The folder is not
 * fsync'd (the caller does it once after a batch: xfsync_dir()).
 * Errors: those of link(2) other than EEXIST (EXDEV across devices).
 */
int	 mht_link_next(const char *dir, const char *src, unsigned want,
	    unsigned *last, unsigned *num);

/*
 * Copy the file src into dir as a new message (as mht_link_next): a
 * temporary file in dir is written, fsync'd and linked; mode is the
 * new file's mode (Msg-Protect).
 */
int	 mht_copy_next(const char *dir, const char *src, mode_t mode,
	    unsigned want, unsigned *last, unsigned *num);

/*
 * Create a temporary file in dir for a message being written (name
 * ".mk-XXXXXX" with O_EXCL; nmh ignores dot files).  *tmp is the path
 * (allocated).  Returns the descriptor, or -1.
 */
int	 mht_temp(const char *dir, mode_t mode, char **tmp);

/*
 * Remove a message as nmh's rmm does: rename it to ",N" beside it
 * (replacing an older ",N"), or unlink it when unlink_it is set.
 */
int	 mht_remove(const char *dir, unsigned num, int unlink_it);

/*
 * The names of the unseen sequence: the words of the profile's
 * Unseen-Sequence (none when it is empty), or "unseen" when the profile
 * has no such entry.  Free with mh_argv_free().
 */
char	**mht_unseen(const struct mh *, size_t *n);

/* The highest message number of a folder, 0 when it has none. */
unsigned mht_last(const struct mh_folder *);

#endif
