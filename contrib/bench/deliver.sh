#!/bin/sh
# contrib/bench/deliver.sh: time mailkit's mdeliver against the delivery
# agents people use, one process per message, as an MTA runs them.
#
#	contrib/bench/deliver.sh [corpus | count]
#
# corpus is an MH folder, a Maildir, or any directory of one-message files;
# count (default 1000) makes an MH folder of that many messages with
# mkcorpus, kept under $BENCH_DIR (default $TMPDIR/mailkit-bench).
#
# Jobs, each over every message of the corpus, into a new mailbox:
#   Maildir, sequential: mdeliver DIR/, mblaze's mdeliver DIR, maildrop
#	(filter file: to "DIR/"), procmail (recipe: DIR/)
#   mbox, sequential: mdeliver FILE, maildrop (to "FILE"), procmail
#	(recipe :0: FILE, with its lock file)
#   mbox, 64 at a time (xargs -P 64): mdeliver against procmail
# Every one of them fsyncs the message before it reports success (checked
# with strace when writing this); mdeliver also fsyncs the directory
# (Maildir new/, and the spool directory of a new mbox), which the others
# do not.  mdeliver uses its default locks (fcntl and a dot-lock), as do
# maildrop and procmail (dot-lock; maildrop also flock/fcntl).
#
# Our mdeliver is $MDELIVER, else ./cmd/mdeliver (run from a build
# directory), else the mdeliver on PATH that is not mblaze's.  A peer that
# is not installed is left out.  BENCH_RUNS (default 3) runs of each job;
# the mean is shown.  Work files go under $TMPDIR: put it on the disk you
# want to measure (a tmpfs makes fsync free).

set -eu

here=$(cd "$(dirname "$0")" && pwd)
arg=${1:-1000}
runs=${BENCH_RUNS:-3}
mblaze=/usr/bin/mdeliver

die() {
	echo "deliver.sh: $*" >&2
	exit 1
}

# ---------------------------------------------------------------- programs
if [ -n "${MDELIVER:-}" ]; then
	ours=$MDELIVER
elif [ -x ./cmd/mdeliver ]; then
	ours=$(pwd)/cmd/mdeliver
else
	ours=$(command -v mdeliver || true)
	[ "$ours" != "$mblaze" ] || ours=
fi
[ -n "$ours" ] && [ -x "$ours" ] ||
    die "no mailkit mdeliver: set MDELIVER or run from a build directory"
"$ours" -V 2>/dev/null | grep -q mailkit ||
    die "$ours is not mailkit's mdeliver"
have() {
	command -v "$1" >/dev/null 2>&1
}

# ---------------------------------------------------------------- corpus
if [ -d "$arg" ]; then
	corpus=$(cd "$arg" && pwd)
else
	case $arg in
	''|*[!0-9]*) die "usage: deliver.sh [corpus-dir | count]" ;;
	esac
	base=${BENCH_DIR:-${TMPDIR:-/tmp}/mailkit-bench}
	corpus=$base/mh-$arg
	if [ ! -e "$corpus/.complete" ]; then
		mk=${MKCORPUS:-}
		for c in "$here/../../../shared/tools/mkcorpus" \
		    /work/shared/tools/mkcorpus; do
			[ -n "$mk" ] || [ ! -f "$c" ] || mk=$c
		done
		[ -n "$mk" ] && [ -f "$mk" ] ||
		    die "no mkcorpus: set MKCORPUS, or give a corpus directory"
		rm -rf "$corpus"
		mkdir -p "$base"
		echo "making $arg messages (mh) in $corpus"
		/usr/bin/python3 "$mk" --format mh --count "$arg" \
		    --out "$corpus"
		: > "$corpus/.complete"
	fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/deliver-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
chmod 755 "$work"
if [ -d "$corpus/cur" ] && [ -d "$corpus/new" ]; then
	find "$corpus/cur" "$corpus/new" -type f ! -name '.*'
else
	find "$corpus" -type f ! -name '.*'
fi | sort > "$work/list"
n=$(wc -l < "$work/list")
[ "$n" -gt 0 ] || die "no messages in $corpus"
bytes=$(tr '\n' '\0' < "$work/list" | xargs -0 cat | wc -c)
tr '\n' '\0' < "$work/list" | xargs -0 cat > /dev/null

echo "corpus:   $corpus: $n messages, $bytes bytes"
echo "mailkit:  $ours ($("$ours" -V 2>&1 | head -n 1))"
ver() {
	dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "?"
}
[ -x "$mblaze" ] && echo "mblaze:   $mblaze ($(ver mblaze))"
have maildrop && echo "maildrop: $(command -v maildrop) ($(ver maildrop))"
have procmail && echo "procmail: $(command -v procmail) ($(ver procmail))"
echo "work dir: $work ($(df -PT "$work" | awk 'NR == 2 { print $2 }'))"
echo "timer:    wall clock, mean of $runs runs, each into a new mailbox"

# Filter files, private to their owner as maildrop and procmail demand.
mkrc() {
	printf '%s\n' "$2" > "$work/$1"
	chmod 600 "$work/$1"
}
mkrc md-maildir.rc "to \"$work/box/\""
mkrc md-mbox.rc "to \"$work/box\""
mkrc pm-maildir.rc ":0
$work/box/"
mkrc pm-mbox.rc ":0:
$work/box"
# Environment of the peers: no user's files.
export HOME="$work" LOGNAME="$(id -un)" SENDER=bench@example.org

# A command reading one message on standard input, for one job.
cmd_for() {
	case $1 in
	mailkit-maildir) echo "$ours $work/box/" ;;
	mailkit-mbox) echo "$ours $work/box" ;;
	mblaze-maildir) echo "$mblaze $work/box" ;;
	maildrop-maildir) echo "maildrop $work/md-maildir.rc" ;;
	maildrop-mbox) echo "maildrop $work/md-mbox.rc" ;;
	procmail-maildir) echo "procmail -f $SENDER $work/pm-maildir.rc" ;;
	procmail-mbox) echo "procmail -f $SENDER $work/pm-mbox.rc" ;;
	esac
}

# fresh job: an empty mailbox of the kind the job writes.
fresh() {
	rm -rf "$work/box" "$work/box.lock"
	case $1 in
	*-maildir) mkdir -p "$work/box/cur" "$work/box/new" "$work/box/tmp" ;;
	*-mbox) : > "$work/box" ;;
	esac
}

# count job: messages in the mailbox after a run.
count() {
	case $1 in
	*-maildir) find "$work/box/new" "$work/box/cur" -type f | wc -l ;;
	*-mbox) grep -c '^From ' "$work/box" || true ;;
	esac
}

now() {
	date +%s.%N
}

# run job parallel: mean seconds of $runs runs ("-" when it failed).
run() {
	job=$1 par=$2 total=0 i=0
	c=$(cmd_for "$job")
	while [ $i -lt "$runs" ]; do
		fresh "$job"
		t0=$(now)
		if [ "$par" -gt 1 ]; then
			tr '\n' '\0' < "$work/list" | xargs -0 -P "$par" -n 1 \
			    sh -c "exec $c < \"\$0\"" || { echo -; return; }
		else
			while IFS= read -r f; do
				$c < "$f" || { echo -; return; }
			done < "$work/list"
		fi
		t1=$(now)
		got=$(count "$job")
		[ "$got" -eq "$n" ] || {
			echo "deliver.sh: $job: $got messages, want $n" >&2
			echo -
			return
		}
		total=$(echo "$total $t0 $t1" | awk '{ printf "%.4f", $1 + $3 - $2 }')
		i=$((i + 1))
	done
	echo "$total $runs" | awk '{ printf "%.3f", $1 / $2 }'
}

ratio() {
	case "$1$2" in
	*-*) echo "-" ;;
	*) echo "$1 $2" | awk '{ printf "%.2f", ($2 > 0) ? $1 / $2 : 0 }' ;;
	esac
}

line() {
	printf '%-30s %9s s %9s s %6s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")"
}

echo
printf '%-30s %11s %11s %6s\n' "job" mailkit peer ratio
for kind in maildir mbox; do
	a=$(run "mailkit-$kind" 1)
	printf '%-30s %9s s\n' "mailkit, $kind, sequential" "$a"
	for p in mblaze maildrop procmail; do
		case $p in
		mblaze) [ -x "$mblaze" ] && [ $kind = maildir ] || continue ;;
		*) have $p || continue ;;
		esac
		line "  vs $p" "$a" "$(run "$p-$kind" 1)"
	done
done
if have procmail; then
	a=$(run mailkit-mbox 64)
	line "mbox, 64 at a time, vs procmail" "$a" "$(run procmail-mbox 64)"
else
	printf '%-30s %9s s\n' "mailkit, mbox, 64 at a time" \
	    "$(run mailkit-mbox 64)"
fi
echo
echo "ratio = mailkit time / peer time (lower is better for mailkit)"
