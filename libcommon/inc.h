/*
 * inc: incorporate new mail from a maildrop (an mbox of any variant, or
 * a Maildir) into an MH folder, exactly once, whatever the moment the
 * process is killed or the system stops.
 *
 * The problem.  A message must be on disk in the folder before it leaves
 * the source, so a run that stops half-way leaves messages in both.  nmh
 * inc empties the mbox only at the end and incorporates everything again
 * on the next run; mailkit records what it has incorporated instead.
 *
 * The journal.  Beside the messages, the folder holds one journal per
 * source, ".minc-ID" (ID: 16 hex digits of a hash of the source's real
 * path; nmh ignores dot files), locked with fcntl for the whole run so
 * that two runs on one source and folder take turns.  Each message of
 * the source has a key: for an mbox a 128-bit hash of its bytes as
 * stored together with its envelope (the From_ line's sender and date),
 * for a Maildir a hash of its unique name (the file name before ":").
 * The journal is a log of lines, each one appended and fsync'd:
 *	p KEY CONTENT AFTER U|S	the message may be in the folder, as a
 *				number above AFTER, with that content hash
 *				(U: it goes into the unseen sequence)
 *	q KEY DEVINO AFTER U|S	the same for a Maildir file linked into the
 *				folder: its device and inode number
 *	d KEY NUM U|S		it is, as message NUM (U: unseen)
 *	s			every d line above is in the unseen sequence
 *	k KEY			it was incorporated (a compacted d line)
 *
 * A run works in batches (up to INC_BATCH messages or INC_BATCH_BYTES):
 *  1. a message from an mbox (or from a Maildir with -n) is read (into
 *     memory up to INC_INMEM bytes), its hashes computed on the way; one
 *     whose key is in the journal already is dropped here (and a Maildir
 *     file removed); the others are written to temporary files in the
 *     folder (".minc-ID-XXXXXX").  A Maildir file (without -n) is not
 *     read: it holds the bytes to store already (Maildir files have LF
 *     line endings) and is written durably by whoever delivered it;
 *  2. the file system is synced when there are temporary files (syncfs;
 *     elsewhere each file is fsync'd);
 *  3. "p" and "q" lines for the batch are appended and fsync'd;
 *  4. each file is linked to the next free number (a temporary name
 *     then removed; a Maildir file is linked as it is, or copied when on
 *     another file system); the folder is fsync'd;
 *  5. "d" lines are appended and fsync'd;
 *  6. the numbers go into the unseen sequence (and the first one of the
 *     run becomes cur, as nmh inc does), then an "s" line;
 *  7. Maildir: the batch's source files are removed (new/ and cur/ are
 *     fsync'd once at the end of the run, before the journal goes).
 * At the end an mbox is emptied, under its locks, when its size, time
 * and inode are still those seen at the start, and the journal is
 * removed; with -n (keep) it is rewritten with one "k" line per message
 * now in the source, so that the next run takes only what is new.
 *
 * Recovery, at the start of every run: temporary files of an earlier run
 * are removed; for a "p" or "q" line without its "d" line, the messages
 * above AFTER that no "d" line names are compared with it (content hash,
 * or device and inode): a match is the message (its key counts as
 * incorporated, a "d" line is written), no match means it never got
 * there (the source still has it: it is taken again).  Numbers of "d"
 * lines after the last "s" go into the unseen sequence.  So a stop at
 * any point loses nothing (the source is emptied, or its files removed,
 * only after the journal says the messages are there) and doubles
 * nothing (what is in the folder is in the journal, or found by
 * recovery).
 *
 * Limits: an mbox message whose bytes and envelope are identical to one
 * incorporated since the source was last emptied counts as the same
 * message; packing the folder (folder -pack) between a stop and the next
 * run may hide a "p" message from recovery (it is then incorporated
 * again).
 */
#ifndef MAILKIT_INC_H
#define MAILKIT_INC_H

#include <stddef.h>

#include "mh.h"

#define INC_BATCH	4096		/* messages per durable batch */
#define INC_BATCH_BYTES	(64LL * 1024 * 1024)
#define INC_INMEM	(1024 * 1024)	/* message bytes kept in memory */

struct inc_opts {
	int	 keep;		/* never empty the source (-n) */
	size_t	 batch;		/* per batch; 0: INC_BATCH */
	int	 lockkinds;	/* mbox: MKLOCK_*; 0: default */
	int	 locktimeout;	/* seconds; 0: 60 */
	/* called for each message once it is durably in the folder */
	void	(*each)(void *arg, const char *path, unsigned num,
		    int unseen, int cur);
	void	*arg;
};

struct inc_result {
	unsigned long	 count;		/* messages incorporated */
	unsigned long	 skipped;	/* found incorporated already */
	unsigned long	 recovered;	/* found by recovery */
	int		 emptied;	/* the source was emptied */
	char		*err;		/* why inc_run() failed */
};

/*
 * Incorporate source into the folder folderarg ("+inbox"; created when
 * missing).  A source that does not exist or is empty is not an error
 * (count 0).  Returns 0, or -1 with errno set and res->err saying what
 * failed; what was incorporated before the failure stays (and is in the
 * journal).  EAGAIN: the source or the journal stayed locked.
 */
int	 inc_run(struct mh *, const char *folderarg, const char *source,
	    const struct inc_opts *, struct inc_result *res);

/* The journal file of source in folder directory dir (allocated). */
char	*inc_journal_path(const char *dir, const char *source);

#endif
