/*
 * mh: the MH profile, the context file, folders, sequences and message
 * specifications, compatible with nmh 1.8 (mh-profile(5), mh-sequence(5),
 * folder(1), mhpath(1)) so that mailkit and nmh can work on the same
 * folders side by side.
 *
 * Files
 *	The profile is $MH (relative to the working directory) or
 *	$HOME/.mh_profile.  Keys are case-insensitive; a value continues
 *	on lines that start with a space or a tab; "#:" lines are comments
 *	(fields named "#"); blank lines are ignored (nmh refuses them).
 *	The first occurrence of a key wins.  Without a profile file the
 *	defaults of "install-mh -auto" apply (Path: Mail); mh_setup() (and
 *	every write through this module) creates the profile and the Path
 *	directory then.
 *	The context is $MHCONTEXT, else the "context" profile key, else
 *	"context"; relative names are relative to Path; "/dev/null" means
 *	no context (changes are dropped, as nmh does).  Lookups (mh_get)
 *	see the profile first, then the context, as nmh's context_find().
 *
 * Writing and locking
 *	Both the context and the sequences file are locked with fcntl(2)
 *	on the file itself, which is what nmh 1.8 does by default
 *	("datalocking: fcntl": open, F_SETLK, retry once a second for 60
 *	seconds).  Readers take a read lock, writers a write lock, for at
 *	most MH_LOCK_WAIT seconds (then EAGAIN).  After locking, the path
 *	is checked to still name the locked file (dev, inode); if another
 *	mailkit process replaced it meanwhile the open is retried.
 *	Both files are rewritten with a temporary file, fsync and rename
 *	(DESIGN.md rule 1) while the lock on the old file is held; nmh
 *	rewrites them in place instead.  An nmh process that opened the
 *	old file in the instant between our rename and our unlock writes
 *	to the replaced file and its change is lost; it never sees a
 *	half-written file, and mailkit never loses a change to nmh
 *	(nmh rewrites in place, so the inode check passes and the new
 *	content is read under the lock).
 *	mh_ctx_save() re-reads the context under the lock and applies only
 *	this process's changes to it: unknown keys and their order stay.
 *
 * Folders
 *	"+name" is relative to Path, "+/abs" is absolute, "@name" is
 *	relative to the current folder, a bare name is taken as "+name".
 *	Relative names are normalised lexically ("a/./b/../c" is "a/c");
 *	one that leaves Path ("+../..", "@../../x") is refused (nmh takes
 *	names starting with "./" or "../" relative to the working
 *	directory; mailkit does not).  Messages are the entries whose
 *	names are decimal numbers without leading zeros (",12", "12.orig",
 *	"012" and directories are not messages), read with one readdir and
 *	no stat per file.
 *
 * Sequences
 *	Public sequences live in the folder's sequences file (the
 *	"mh-sequences" profile key, default .mh_sequences; an empty value
 *	makes every sequence private), private ones in the context as
 *	"atr-NAME-FOLDERPATH".  As in nmh, a folder without messages has no
 *	sequences and no current message; members that are not messages
 *	are dropped when read and again when written; empty sequences are
 *	not written; "cur" may name a message that does not exist.  A
 *	folder whose sequences file cannot be written gets private
 *	sequences, as in nmh.
 *
 * Message specifications (mh-sequence(5))
 *	N, A-B, first last cur . prev next all, NAME:N NAME:+N NAME:-N,
 *	NAME=N NAME=+N NAME=-N, sequence names, SEQ:first SEQ:last
 *	SEQ:next SEQ:prev, negated sequences with the Sequence-Negation
 *	prefix and (a mailkit extension, as no sequence name can start with
 *	it) with "!".  With MH_SEL_NEW, mhpath's rules: "new" is the number
 *	after the last message, and a single number or "cur" may name a
 *	message that does not exist.  Every spec must select at least one
 *	message, or mh_select() fails naming it (nmh lets a spec select
 *	nothing when an earlier one selected something; mailkit does not
 *	depend on the order).  "SEQ:prev" when cur is the first message
 *	selects nothing (nmh 1.8 selects the first message).
 *
 * Errors: functions return 0 or -1 with errno set, and keep a message
 * for the last failure in the handle (mh_errmsg()), e.g. "message 21
 * doesn't exist" or "/home/u/.mh_profile: line 3: no colon".
 * mh_select() fails only for the specs (errno EINVAL): programs exit 1.
 */
#ifndef MAILKIT_MH_H
#define MAILKIT_MH_H

#include <sys/types.h>
#include <stddef.h>

#define MH_LOCK_WAIT	60	/* seconds, as nmh's LOCK_RETRIES */
#define MH_MSG_MAX	2147483647U	/* largest message number (nmh: int) */

struct mh;			/* profile and context */

/* One sequence of a folder: sorted, unique message numbers. */
struct mh_seq {
	char		*name;
	unsigned	*num;
	size_t		 n;
	size_t		 cap;
	int		 priv;		/* kept in the context file */
};

/*
 * One open folder.  Fields are read-only for callers; change them through
 * the functions below.
 */
struct mh_folder {
	char		*name;		/* "inbox", "inbox/sub" or "/abs/dir" */
	char		*path;		/* the directory */
	unsigned	*msg;		/* message numbers, ascending */
	size_t		 nmsg;
	unsigned	 cur;		/* 0: none; may not exist */
	struct mh_seq	*seq;		/* not "cur"; may hold empty ones */
	size_t		 nseq;
	/* private */
	char		*seqfile;	/* NULL: sequences are all private */
	int		 lockfd;	/* locked sequences file, or -1 */
	int		 created;	/* lockfd's file was created by us */
	int		 dirty;
};

/* Profile and context. */
int	 mh_open(struct mh **);
void	 mh_close(struct mh *);
const char *mh_errmsg(const struct mh *);
const char *mh_get(const struct mh *, const char *key);	/* NULL: absent */
const char *mh_dir(const struct mh *);		/* Path, absolute */
const char *mh_profile_path(const struct mh *);
const char *mh_context_path(const struct mh *);	/* NULL: no context */
const char *mh_inbox(const struct mh *);	/* Inbox, default "inbox" */
const char *mh_current_folder(const struct mh *); /* Current-Folder or inbox */
const char *mh_negation(const struct mh *);	/* Sequence-Negation or NULL */
mode_t	 mh_msg_protect(const struct mh *);	/* Msg-Protect, 0600 */
mode_t	 mh_folder_protect(const struct mh *);	/* Folder-Protect, 0700 */
char	*mh_maildrop(const struct mh *);	/* $MAILDROP, MailDrop: or NULL */

/*
 * Words of a value split at white space, as nmh splits profile entries
 * ("mscan: -w 100", "Unseen-Sequence: unseen new").  The vector and its
 * strings are allocated; free with mh_argv_free().  *n may be NULL.
 */
char	**mh_split(const char *, size_t *n);
char	**mh_seqnames(const struct mh *, const char *key, size_t *n);
void	 mh_argv_free(char **);

/*
 * The arguments a program runs with: argv[0], the words of the profile
 * entry named prog (case-insensitive), then argv[1..].  *argcp is
 * updated; the result is allocated (mh_argv_free()).
 */
char	**mh_prog_args(const struct mh *, const char *prog, int *argcp,
	    char **argv);

/*
 * Context changes.  mh_ctx_set() records a change (val NULL deletes the
 * key) and applies it to the in-memory view; mh_ctx_save() writes the
 * recorded changes into the context file under its lock.
 */
int	 mh_ctx_set(struct mh *, const char *key, const char *val);
int	 mh_ctx_save(struct mh *);
int	 mh_set_current_folder(struct mh *, const char *name);

/* Create the profile (install-mh -auto's) and Path when missing. */
int	 mh_setup(struct mh *);

/*
 * Folders.  mh_folder_resolve() turns "+x", "@x", "x" or NULL (the
 * current folder) into the canonical name (as Current-Folder holds it)
 * and the directory; both allocated.
 * mh_folder_open() reads the message list and the sequences.  Flags:
 * MH_F_LOCK holds a write lock on the sequences file from the read to
 * mh_folder_save()/mh_folder_close(), so that no change of another
 * program (nmh's included) is lost in between: use it whenever the
 * sequences will be changed.  MH_F_CREATE creates the directory (and
 * its parents) with Folder-Protect.  A missing folder is ENOENT.
 * mh_folder_rescan() re-reads the message list (after adding messages
 * under the lock).  mh_folder_save() writes the sequences when changed,
 * then any pending context change (mh_ctx_save()), and drops the lock;
 * mh_folder_close() drops the lock without writing and frees f.
 */
#define MH_F_LOCK	0x01
#define MH_F_CREATE	0x02

int	 mh_folder_resolve(struct mh *, const char *arg, char **name,
	    char **path);
int	 mh_folder_open(struct mh *, const char *arg, int flags,
	    struct mh_folder **);
int	 mh_folder_rescan(struct mh *, struct mh_folder *);
int	 mh_folder_save(struct mh *, struct mh_folder *);
void	 mh_folder_close(struct mh_folder *);
int	 mh_list_messages(const char *dir, unsigned **, size_t *);
int	 mh_msg_exists(const struct mh_folder *, unsigned);
char	*mh_msg_path(const struct mh_folder *, unsigned);

/*
 * Sequence changes (in memory until mh_folder_save()).  Adding creates a
 * public sequence; "cur" is not a sequence here: use mh_set_cur().
 * mh_renumber() maps old[i] to new[i] in every sequence and in cur (for
 * packing); numbers not in old keep their value.
 */
struct mh_seq *mh_seq_get(const struct mh_folder *, const char *name);
int	 mh_seq_has(const struct mh_folder *, const char *name, unsigned);
void	 mh_seq_add(struct mh_folder *, const char *name,
	    const unsigned *, size_t);
void	 mh_seq_del(struct mh_folder *, const char *name,
	    const unsigned *, size_t);
void	 mh_seq_zero(struct mh_folder *, const char *name);
void	 mh_seq_set_private(struct mh_folder *, const char *name, int);
void	 mh_set_cur(struct mh_folder *, unsigned);
void	 mh_renumber(struct mh_folder *, const unsigned *old,
	    const unsigned *new, size_t);
/* Zero each Previous-Sequence and add the messages given. */
void	 mh_set_previous(struct mh *, struct mh_folder *,
	    const unsigned *, size_t);

/*
 * Message specifications.  Resolves nspecs specs in folder f into
 * *out (allocated, ascending, unique; *nout >= 1).  A folder without
 * messages is an error ("no messages in inbox") unless MH_SEL_NEW.
 */
#define MH_SEL_NEW	0x01

int	 mh_select(struct mh *, const struct mh_folder *, char *const *specs,
	    size_t nspecs, int flags, unsigned **out, size_t *nout);

/*
 * Split a command line's operands into the folder ("+x" or "@x"; at most
 * one, else an error) and the message specs.  *folder is NULL when none
 * was given; *specs points into argv (allocated vector, free() it).
 */
int	 mh_args(struct mh *, int argc, char **argv, const char **folder,
	    char ***specs, size_t *nspecs);

/*
 * "1-5 7 9-12" <-> numbers (sorted, unique; words that are not numbers
 * or ranges are skipped, as nmh does; numbers above max are dropped).
 */
int	 mh_ranges_parse(const char *, unsigned max, unsigned **, size_t *);
char	*mh_ranges_format(const unsigned *, size_t);

#endif
