/*
 * date: RFC 5322 date-time values (section 3.3) and the obsolete syntax
 * (section 4.3), plus the other forms found in real mail: asctime and
 * From_ lines, HTTP dates, ISO 8601.  Conversion to and from time_t never
 * depends on the process time zone or locale.
 */
#ifndef MAILKIT_DATE_H
#define MAILKIT_DATE_H

#include <stddef.h>
#include <time.h>

#include "util.h"

/* Zone offsets accepted and produced, in minutes: RFC 5322 +-9959. */
#define DATE_TZOFF_MAX	(99 * 60 + 59)

/*
 * Parse the date in the counted string s (len bytes; NUL bytes are data,
 * a raw folded header value is fine).  On success store the instant in
 * *t (seconds since the epoch, UTC) and the zone's offset in minutes east
 * of UTC in *tzoff (either pointer may be NULL) and return 0.  On failure
 * return -1 with errno EINVAL (not a date, or a field out of range such as
 * month 13, day 31 in a 30-day month, hour 24, second 61) or ERANGE (the
 * instant does not fit in time_t); *t and *tzoff are then untouched.
 *
 * Forms accepted, white space and (nested) comments allowed between any
 * two elements:
 *   [dow[,]] day[-]month[-]year [,] time [zone]      RFC 5322, RFC 850
 *   [dow[,]] month day time [zone] year [zone]       asctime, From_ lines
 *   [dow[,]] month day[,] year time [zone]           "Jan 2, 2006 15:04"
 *   yyyy-mm-dd[T| ]time[zone]                        ISO 8601
 * dow and month are names, any case, abbreviated to 3 letters or more
 * ("Tues", "Sept", "September"); the weekday is not checked against the
 * date.  time is h:mm[:ss[.frac]] with optional AM/PM; a leap second :60
 * becomes :59.  Years: 2 digits 00-49 are 2000-2049, 50-99 are
 * 1950-1999; 3 digits are added to 1900 (RFC 5322 4.3); 4 digits as is.
 * zone is +hhmm, -hhmm, +hh:mm, +hh, or a name:
 *   UT, UTC, GMT, Z               0
 *   EST EDT CST CDT MST MDT PST PDT   -5h -4h -6h -5h -7h -6h -8h -7h
 *   UT/UTC/GMT followed by an offset ("GMT+0200") that offset
 *   military letters A-I, K-Y     0: RFC 5322 4.3 says their sign was
 *                                 historically wrong and to read them as
 *                                 -0000, which is what this does
 *   any other name of 1-5 letters 0 (unknown, -0000 per RFC 5322 4.3)
 * A missing zone is also 0.  -0000 and +0000 both give 0.
 * Anything after a complete date (a zone name after a numeric zone, as in
 * "+0100 CET", or "remote from host" in a From_ line) is ignored.
 * The parser does not allocate.
 */
int	 date_parse(const char *s, size_t len, time_t *t, int *tzoff);

/*
 * Append the RFC 5322 form of t as seen in the zone tzoff minutes east of
 * UTC to out: "Mon, 23 Nov 2026 12:13:25 +0100" (day of month not padded).
 * A tzoff beyond +-DATE_TZOFF_MAX, or one that would overflow t, is taken
 * as 0.  date_parse reads the result back to the same t and tzoff for
 * every year 0 to 9999.
 */
void	 date_format(struct buf *out, time_t t, int tzoff);

/*
 * Append t in UTC in the asctime form of From_ lines to out:
 * "Mon Nov 23 12:13:25 2026" (day of month padded with a space:
 * "Thu Jan  1 00:00:00 1970").
 */
void	 date_format_asctime(struct buf *out, time_t t);

/*
 * The offset of the local time zone (TZ) at instant t, in minutes east of
 * UTC, for writing a Date: field; 0 if the local time cannot be found.
 */
int	 date_local_offset(time_t t);

#endif
