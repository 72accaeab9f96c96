/*
 * date: RFC 5322 dates (sections 3.3 and 4.3) and the other forms real
 * mail carries, to and from time_t without the process time zone.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "util.h"

static const char *const month_names[12] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december"
};
static const char *const wday_names[7] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
	"saturday"
};
static const char month_abbr[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};
static const char wday_abbr[7][4] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};

/* Named zones of RFC 5322 4.3 (obs-zone), in minutes east of UTC. */
static const struct {
	const char	*name;
	int		 off;
} zone_names[] = {
	{ "cdt", -5 * 60 }, { "cst", -6 * 60 },
	{ "edt", -4 * 60 }, { "est", -5 * 60 },
	{ "gmt", 0 },
	{ "mdt", -6 * 60 }, { "mst", -7 * 60 },
	{ "pdt", -7 * 60 }, { "pst", -8 * 60 },
	{ "ut", 0 }, { "utc", 0 },
};

/* A read position in the counted input. */
struct dcur {
	const unsigned char	*p;
	const unsigned char	*end;
};

/* The fields of one date as written, before conversion. */
struct dfields {
	long	year;
	int	mon;		/* 1-12 */
	int	day;
	int	hour;
	int	min;
	int	sec;
	int	off;		/* minutes east of UTC */
	int	have_zone;
};

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static int
peek(const struct dcur *c)
{
	return c->p < c->end ? *c->p : -1;
}

/*
 * Skip CFWS (RFC 5322 3.2.2): white space, line breaks of folding, and
 * comments, which nest and may hold quoted pairs.  An unclosed comment
 * runs to the end.
 */
static void
skip_cfws(struct dcur *c)
{
	size_t depth;

	while (c->p < c->end) {
		switch (*c->p) {
		case ' ':
		case '\t':
		case '\r':
		case '\n':
			c->p++;
			break;
		case '(':
			depth = 0;
			while (c->p < c->end) {
				if (*c->p == '\\') {
					if (++c->p == c->end)
						break;
				} else if (*c->p == '(')
					depth++;
				else if (*c->p == ')' && --depth == 0) {
					c->p++;
					break;
				}
				c->p++;
			}
			break;
		default:
			return;
		}
	}
}

/* Skip CFWS, then the character ch if it is next; 1 if it was there. */
static int
take(struct dcur *c, int ch)
{
	skip_cfws(c);
	if (peek(c) != ch)
		return 0;
	c->p++;
	return 1;
}

/*
 * Read a run of digits at the current position.  Returns its length
 * (0 if none); *val is its value when the length is at most 9.
 */
static size_t
read_num(struct dcur *c, int *val)
{
	size_t n = 0;
	int v = 0;

	while (c->p < c->end && is_digit(*c->p)) {
		if (n < 9)
			v = v * 10 + (*c->p - '0');
		n++;
		c->p++;
	}
	*val = v;
	return n;
}

/* Skip CFWS, then read a number of minlen to maxlen digits (or -1). */
static int
get_num(struct dcur *c, size_t minlen, size_t maxlen)
{
	size_t n;
	int v;

	skip_cfws(c);
	n = read_num(c, &v);
	if (n < minlen || n > maxlen)
		return -1;
	return v;
}

/* Read a run of letters; returns its length, *w its start. */
static size_t
read_word(struct dcur *c, const unsigned char **w)
{
	*w = c->p;
	while (c->p < c->end && is_alpha(*c->p))
		c->p++;
	return (size_t)(c->p - *w);
}

/* Is the word w (n letters) name, ignoring ASCII case? */
static int
word_is(const unsigned char *w, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (name[i] == '\0' || lower(w[i]) != name[i])
			return 0;
	return name[n] == '\0';
}

/*
 * Index of the name in names[] of which w is an abbreviation of 3 letters
 * or more ("Sep", "Sept", "September"), or -1.
 */
static int
name_index(const unsigned char *w, size_t n, const char *const *names,
    int count)
{
	size_t i;
	int k;

	if (n < 3)
		return -1;
	for (k = 0; k < count; k++) {
		for (i = 0; i < n; i++)
			if (names[k][i] == '\0' || lower(w[i]) != names[k][i])
				break;
		if (i == n)
			return k;
	}
	return -1;
}

/* Skip CFWS and read a month name; 1-12, or -1. */
static int
get_month(struct dcur *c)
{
	const unsigned char *w;
	size_t n;
	int k;

	skip_cfws(c);
	n = read_word(c, &w);
	if ((k = name_index(w, n, month_names, 12)) < 0)
		return -1;
	return k + 1;
}

/* Year digits as RFC 5322 4.3 reads them, or -1. */
static long
fix_year(int v, size_t n)
{
	if (n == 2)
		return v < 50 ? 2000 + v : 1900 + v;
	if (n == 3)
		return 1900 + v;
	if (n == 4)
		return v;
	return -1;
}

/* Skip CFWS and read a year of 2 to 4 digits; -1 if none. */
static long
get_year(struct dcur *c)
{
	size_t n;
	int v;

	skip_cfws(c);
	n = read_num(c, &v);
	return fix_year(v, n);
}

/*
 * Read the rest of a time whose hour is already read: ":mm[:ss[.frac]]"
 * with CFWS around the colons (RFC 5322 4.3, obs-time), then an optional
 * AM or PM.  0, or -1 if malformed.
 */
static int
get_time_rest(struct dcur *c, struct dfields *d, int hour)
{
	struct dcur save;
	const unsigned char *w;
	size_t n;
	int v;

	d->hour = hour;
	d->sec = 0;
	if (!take(c, ':') || (d->min = get_num(c, 1, 2)) < 0)
		return -1;
	save = *c;
	if (take(c, ':')) {
		if ((d->sec = get_num(c, 1, 2)) < 0)
			return -1;
		if (c->end - c->p >= 2 && *c->p == '.' && is_digit(c->p[1])) {
			c->p++;
			(void)read_num(c, &v);
		}
	} else
		*c = save;

	save = *c;
	skip_cfws(c);
	n = read_word(c, &w);
	if (word_is(w, n, "am") || word_is(w, n, "pm")) {
		if (d->hour < 1 || d->hour > 12)
			return -1;
		d->hour %= 12;
		if (lower(w[0]) == 'p')
			d->hour += 12;
	} else
		*c = save;
	return 0;
}

/* Skip CFWS and read a whole time. */
static int
get_time(struct dcur *c, struct dfields *d)
{
	int h;

	if ((h = get_num(c, 1, 2)) < 0)
		return -1;
	return get_time_rest(c, d, h);
}

/*
 * Read a numeric offset after its sign: hhmm, hh, h, hh:mm or h:mm.
 * Minutes east of UTC in *off; 0, or -1 if malformed.
 */
static int
get_offset(struct dcur *c, int sign, int *off)
{
	size_t n;
	int h, m, v;

	n = read_num(c, &v);
	if (n == 4) {
		h = v / 100;
		m = v % 100;
	} else if (n == 1 || n == 2) {
		h = v;
		m = 0;
		if (c->end - c->p >= 3 && *c->p == ':' && is_digit(c->p[1]) &&
		    is_digit(c->p[2])) {
			m = (c->p[1] - '0') * 10 + (c->p[2] - '0');
			c->p += 3;
			if (c->p < c->end && is_digit(*c->p))
				return -1;
		}
	} else
		return -1;
	if (m > 59)
		return -1;
	*off = sign * (h * 60 + m);
	return 0;
}

/*
 * Skip CFWS and read a zone if one is there (RFC 5322 3.3 zone, 4.3
 * obs-zone, and the common "+hh:mm" and "GMT+hhmm").  Returns 1 when a
 * zone was read, 0 when none is there (position kept), -1 if malformed.
 */
static int
get_zone(struct dcur *c, struct dfields *d)
{
	struct dcur save = *c, after;
	const unsigned char *w;
	size_t n, i;
	int ch;

	skip_cfws(c);
	ch = peek(c);
	if (ch == '+' || ch == '-') {
		c->p++;
		if (get_offset(c, ch == '-' ? -1 : 1, &d->off) < 0)
			return -1;
		d->have_zone = 1;
		return 1;
	}
	n = read_word(c, &w);
	if (n == 0 || n > 5) {
		*c = save;
		return 0;
	}
	d->off = 0;
	d->have_zone = 1;
	for (i = 0; i < sizeof(zone_names) / sizeof(zone_names[0]); i++)
		if (word_is(w, n, zone_names[i].name)) {
			d->off = zone_names[i].off;
			break;
		}
	if (word_is(w, n, "ut") || word_is(w, n, "utc") ||
	    word_is(w, n, "gmt")) {
		after = *c;
		skip_cfws(c);
		ch = peek(c);
		if (ch == '+' || ch == '-') {
			c->p++;
			if (get_offset(c, ch == '-' ? -1 : 1, &d->off) < 0)
				return -1;
		} else
			*c = after;
	}
	return 1;
}

static int
is_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(long y, int m)
{
	static const unsigned char mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
}

/*
 * Days from 1970-01-01 to the proleptic Gregorian date y-m-d, counted in
 * eras of 400 years (146097 days) from 0000-03-01.
 */
static long long
days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil. */
static void
civil_from_days(long long z, long long *y, int *m, int *d)
{
	long long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Check the fields and convert them to *t (0, or -1 with errno). */
static int
fields_to_time(struct dfields *d, time_t *t)
{
	long long v;

	if (d->mon < 1 || d->mon > 12 || d->day < 1 ||
	    d->day > month_days(d->year, d->mon) || d->hour > 23 ||
	    d->min > 59 || d->sec > 60 || d->off < -DATE_TZOFF_MAX ||
	    d->off > DATE_TZOFF_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (d->sec == 60)	/* leap second: RFC 5322 3.3 allows it */
		d->sec = 59;
	v = days_from_civil(d->year, d->mon, d->day) * 86400 +
	    d->hour * 3600 + d->min * 60 + d->sec - (long long)d->off * 60;
	if ((long long)(time_t)v != v) {
		errno = ERANGE;
		return -1;
	}
	*t = (time_t)v;
	return 0;
}

/* [dow] month day ...: the asctime and "Jan 2, 2006" forms. */
static int
parse_month_first(struct dcur *c, struct dfields *d)
{
	struct dcur save;
	size_t n;
	int v;

	if ((d->mon = get_month(c)) < 0 || (d->day = get_num(c, 1, 2)) < 0)
		return -1;
	(void)take(c, ',');
	skip_cfws(c);
	n = read_num(c, &v);
	save = *c;
	if (n >= 1 && n <= 2 && take(c, ':')) {
		/* asctime: the number was the hour (time zone year zone). */
		*c = save;
		if (get_time_rest(c, d, v) < 0 || get_zone(c, d) < 0 ||
		    (d->year = get_year(c)) < 0)
			return -1;
		if (!d->have_zone && get_zone(c, d) < 0)
			return -1;
		return 0;
	}
	*c = save;
	if ((d->year = fix_year(v, n)) < 0)
		return -1;
	(void)take(c, ',');
	if (get_time(c, d) < 0 || get_zone(c, d) < 0)
		return -1;
	return 0;
}

/* yyyy-mm-dd[T| ]time[zone], the year (4 digits) read already. */
static int
parse_iso(struct dcur *c, struct dfields *d, int year)
{
	d->year = year;
	c->p++;			/* '-' */
	if ((d->mon = get_num(c, 1, 2)) < 0 || !take(c, '-') ||
	    (d->day = get_num(c, 1, 2)) < 0)
		return -1;
	if (c->p < c->end && (*c->p == 'T' || *c->p == 't'))
		c->p++;
	if (get_time(c, d) < 0 || get_zone(c, d) < 0)
		return -1;
	return 0;
}

/* day[-]month[-]year [,] time [zone]: RFC 5322 3.3 and RFC 850. */
static int
parse_day_first(struct dcur *c, struct dfields *d, int day)
{
	d->day = day;
	(void)take(c, '-');
	if ((d->mon = get_month(c)) < 0)
		return -1;
	(void)take(c, '-');
	if ((d->year = get_year(c)) < 0)
		return -1;
	(void)take(c, ',');
	if (get_time(c, d) < 0 || get_zone(c, d) < 0)
		return -1;
	return 0;
}

int
date_parse(const char *s, size_t len, time_t *t, int *tzoff)
{
	struct dcur c, save;
	struct dfields d;
	const unsigned char *w;
	size_t n;
	time_t tv;
	int r, v;

	c.p = (const unsigned char *)s;
	c.end = c.p + len;
	memset(&d, 0, sizeof(d));

	/* An optional day of the week, with or without its comma. */
	skip_cfws(&c);
	save = c;
	n = read_word(&c, &w);
	if (name_index(w, n, wday_names, 7) >= 0)
		(void)take(&c, ',');
	else
		c = save;

	skip_cfws(&c);
	if (is_alpha(peek(&c)))
		r = parse_month_first(&c, &d);
	else {
		n = read_num(&c, &v);
		if (n == 4 && peek(&c) == '-')
			r = parse_iso(&c, &d, v);
		else if (n >= 1 && n <= 2)
			r = parse_day_first(&c, &d, v);
		else
			r = -1;
	}
	if (r < 0) {
		errno = EINVAL;
		return -1;
	}
	if (fields_to_time(&d, &tv) < 0)
		return -1;
	if (t != NULL)
		*t = tv;
	if (tzoff != NULL)
		*tzoff = d.off;
	return 0;
}

/* Break t (seconds, already shifted to the wanted zone) into fields. */
static void
split_time(long long t, long long *y, int *m, int *d, int *wday,
    int *secs)
{
	long long days, rem;

	days = t / 86400;
	rem = t % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, y, m, d);
	*wday = (int)((days % 7 + 11) % 7);	/* 1970-01-01 was a Thursday */
	*secs = (int)rem;
}

void
date_format(struct buf *out, time_t t, int tzoff)
{
	long long lt, off, y;
	int m, d, wday, secs, a;

	if (tzoff < -DATE_TZOFF_MAX || tzoff > DATE_TZOFF_MAX)
		tzoff = 0;
	lt = (long long)t;
	off = (long long)tzoff * 60;
	if ((off > 0 && lt > LLONG_MAX - off) ||
	    (off < 0 && lt < LLONG_MIN - off))
		tzoff = 0;
	else
		lt += off;
	split_time(lt, &y, &m, &d, &wday, &secs);
	a = tzoff < 0 ? -tzoff : tzoff;
	buf_printf(out, "%s, %d %s %04lld %02d:%02d:%02d %c%02d%02d",
	    wday_abbr[wday], d, month_abbr[m - 1], y, secs / 3600,
	    secs / 60 % 60, secs % 60, tzoff < 0 ? '-' : '+', a / 60, a % 60);
}

void
date_format_asctime(struct buf *out, time_t t)
{
	long long y;
	int m, d, wday, secs;

	split_time((long long)t, &y, &m, &d, &wday, &secs);
	buf_printf(out, "%s %s %2d %02d:%02d:%02d %04lld", wday_abbr[wday],
	    month_abbr[m - 1], d, secs / 3600, secs / 60 % 60, secs % 60, y);
}

/* Seconds since the epoch that the broken-down time tm would be in UTC. */
static long long
tm_seconds(const struct tm *tm)
{
	return days_from_civil((long long)tm->tm_year + 1900,
	    tm->tm_mon + 1, tm->tm_mday) * 86400 + tm->tm_hour * 3600 +
	    tm->tm_min * 60 + tm->tm_sec;
}

int
date_local_offset(time_t t)
{
	struct tm lt, ut;

	if (localtime_r(&t, &lt) == NULL || gmtime_r(&t, &ut) == NULL)
		return 0;
	return (int)((tm_seconds(&lt) - tm_seconds(&ut)) / 60);
}
