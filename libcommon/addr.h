/*
 * addr: RFC 5322 address lists (§3.4 and the obsolete syntax of §4.4):
 * display names, quoted strings, comments, groups, routes.
 *
 * Parsing never fails and never loses an address: bad input (unbalanced
 * "<", quotes or comments, two "@", a missing domain, junk after ">",
 * raw 8-bit bytes, NUL bytes) is recovered from and every address-like
 * thing is kept.  Time is linear in the input.
 */
#ifndef MAILKIT_ADDR_H
#define MAILKIT_ADDR_H

#include <stddef.h>

#include "util.h"

/*
 * One mailbox, or the marker of an empty group.  The strings belong to
 * the list that holds the entry: read-only, never freed one by one, and
 * never NUL-containing (NUL bytes of the input are white space).
 */
struct addr {
	char	*name;	/* display name: quotes removed, escapes resolved,
			   white space collapsed to single spaces and
			   trimmed; NOT RFC 2047-decoded; NULL if none */
	char	*addr;	/* "local@domain" (local part quoted only when it
			   needs quoting), "local" when there is no domain,
			   "" for the null address "<>"; NULL only for the
			   marker of an empty group */
	char	*group;	/* name of the group the entry belongs to (a
			   phrase like name; "" for a nameless group), or
			   NULL when not in a group */
};

struct addrlist {
	struct addr	*v;
	size_t		 n;
	size_t		 cap;
	void		*strs;	/* private: storage of the strings */
};

#define ADDRLIST_INIT { NULL, 0, 0, NULL }

void	 addrlist_init(struct addrlist *);
/* Free the entries and their strings; the list is empty and reusable. */
void	 addrlist_free(struct addrlist *);

/*
 * Parse the address list s (len bytes, NUL bytes allowed; a raw folded
 * field value is fine: line breaks are white space) and append its
 * mailboxes to out, in order.  Never fails.
 *
 * - "Name <a@b>", "a@b (Name)" and "(Name) a@b": the comment is the
 *   name when there is no phrase (all such comments, joined by spaces).
 * - Groups: every member carries the group name; a group without
 *   members ("undisclosed-recipients:;") gives one entry with
 *   addr == NULL and group set.
 * - Routes "<@a,@b:u@c>" give "u@c"; CFWS anywhere ("u . v @ d . com"
 *   is "u.v@d.com"); empty elements are skipped.
 * - An RFC 2047 encoded word that starts an atom is kept whole, as
 *   written, even when its text holds specials a careless encoder left
 *   ("=?shift_jis?Q?=84@?=" is a name, not an address).
 * - Recovery: words before a bare addr-spec are its name
 *   ("Alice a@b"); words after it are its name when it has none; a
 *   list element without any "@" or "<...>" is one address made of its
 *   words ("postmaster"); each "@" outside quotes, comments, domain
 *   literals and routes gives one entry ("a@b@c" gives "a@b" and "@c");
 *   an unclosed quote, "(" or "[" is read as white space.
 */
void	 addr_parse(struct addrlist *out, const char *s, size_t len);

/*
 * Append an entry with copies of the given strings (each may be NULL;
 * addr NULL makes an empty-group marker).  For callers that build lists
 * themselves (recipients from a command line).
 */
void	 addrlist_add(struct addrlist *, const char *name, const char *addr,
	    const char *group);

/*
 * Append one entry to out: with withname and a name, "Name <addr>" (the
 * name quoted when it is not a plain run of atoms and spaces); else the
 * bare address, "<>" for the null address.  An empty-group marker gives
 * "group:;" with withname and nothing without.
 */
void	 addr_format(struct buf *out, const struct addr *, int withname);

/*
 * Append the whole list as a field value, entries joined by ", ".  With
 * withname, groups are written back as "group: a, b;"; without it only
 * the bare addresses, markers skipped.  addr_parse() of the result gives
 * the same entries back.
 */
void	 addrlist_format(struct buf *out, const struct addrlist *,
	    int withname);

/*
 * The domain of an address as addr_parse() writes it (the part after the
 * "@" that follows the local part), or NULL when there is none.
 */
const char *addr_domain(const char *addr);

/*
 * Do two addresses (as addr_parse() writes them) name the same mailbox?
 * Domains compare case-insensitively (RFC 5321 §2.4), and so do local
 * parts, as every common MTA delivers them; 1 if same, 0 if not.
 */
int	 addr_same(const char *, const char *);

#endif
