#!/bin/sh
# contrib/bench/mhdr.sh: time mailkit's mhdr against mblaze's on the same
# messages.
#
#	contrib/bench/mhdr.sh [corpus | count]
#
# corpus is an MH folder, a Maildir, or any directory of one-message files;
# count (default 20000) makes an MH folder of that many messages with
# mkcorpus, kept under $BENCH_DIR (default $TMPDIR/mailkit-bench) for the
# next run.  Set BENCH_FORMAT=maildir for a Maildir instead.
#
# Our mhdr is $MHDR, else ./cmd/mhdr (run from a build directory), else
# the mhdr first on PATH that is not mblaze's.  mblaze's is /usr/bin/mhdr.
# Both read the list of files on standard input (both accept it there: one
# process each, no slower than xargs), with a warm cache: hyperfine does a
# warm-up run; without hyperfine (or with BENCH_TIMER=time), /usr/bin/time
# times a loop of $BENCH_RUNS runs (default 5) after one untimed run.  The
# mean time of one run is shown.

set -eu

here=$(cd "$(dirname "$0")" && pwd)
arg=${1:-20000}
format=${BENCH_FORMAT:-mh}
runs=${BENCH_RUNS:-5}
use_hyperfine=
if [ "${BENCH_TIMER:-}" != time ] && command -v hyperfine >/dev/null 2>&1; then
	use_hyperfine=yes
fi
peer=/usr/bin/mhdr

die() {
	echo "mhdr.sh: $*" >&2
	exit 1
}

# ---------------------------------------------------------------- programs
if [ -n "${MHDR:-}" ]; then
	ours=$MHDR
elif [ -x ./cmd/mhdr ]; then
	ours=$(pwd)/cmd/mhdr
else
	ours=$(command -v mhdr || true)
	[ "$ours" != "$peer" ] || ours=
fi
[ -n "$ours" ] && [ -x "$ours" ] ||
    die "no mailkit mhdr: set MHDR or run from a build directory"
[ -x "$peer" ] || die "no $peer: install mblaze (apt-get install mblaze)"
"$ours" -V 2>/dev/null | grep -q mailkit ||
    die "$ours is not mailkit's mhdr"

# ---------------------------------------------------------------- corpus
if [ -d "$arg" ]; then
	corpus=$(cd "$arg" && pwd)
else
	case $arg in
	''|*[!0-9]*) die "usage: mhdr.sh [corpus-dir | count]" ;;
	esac
	base=${BENCH_DIR:-${TMPDIR:-/tmp}/mailkit-bench}
	corpus=$base/$format-$arg
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
		echo "making $arg messages ($format) in $corpus"
		/usr/bin/python3 "$mk" --format "$format" --count "$arg" \
		    --out "$corpus"
		: > "$corpus/.complete"
	fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mhdr-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
# Every message file: Maildir cur/ and new/, MH numbers, or any file that
# is not a dot file (.mh_sequences, .complete).
if [ -d "$corpus/cur" ] && [ -d "$corpus/new" ]; then
	find "$corpus/cur" "$corpus/new" -type f ! -name '.*'
else
	find "$corpus" -type f ! -name '.*'
fi | sort > "$work/list"
n=$(wc -l < "$work/list")
[ "$n" -gt 0 ] || die "no messages in $corpus"
bytes=$(tr '\n' '\0' < "$work/list" | xargs -0 cat | wc -c)

# Warm the cache: read every file once.
tr '\n' '\0' < "$work/list" | xargs -0 cat > /dev/null

echo "corpus: $corpus: $n messages, $bytes bytes"
echo "mailkit: $ours ($("$ours" -V 2>&1 | head -n 1))"
echo "mblaze:  $peer ($(dpkg-query -W -f='${Version}' mblaze 2>/dev/null ||
    echo "version unknown"))"
if [ -n "$use_hyperfine" ]; then
	echo "timer:   hyperfine (mean of its runs, after a warm-up)"
else
	echo "timer:   /usr/bin/time (mean of $runs runs, after a warm-up)"
fi

# seconds cmd: print the time of one shell command line, in seconds.
seconds() {
	if [ -n "$use_hyperfine" ]; then
		hyperfine --warmup 1 --min-runs "$runs" \
		    --export-json "$work/h.json" --style none "$1" \
		    > /dev/null 2> "$work/h.err" || { cat "$work/h.err" >&2; exit 1; }
		/usr/bin/python3 -c 'import json, sys
print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["mean"])' \
		    "$work/h.json"
		return
	fi
	sh -c "$1" > /dev/null 2>&1 || true
	/usr/bin/time -f %e -o "$work/t" sh -c "i=0
	    while [ \$i -lt $runs ]; do $1; i=\$((i + 1)); done" \
	    > /dev/null 2>&1 || true
	awk -v n="$runs" '{ t = $1 } END { printf "%.3f\n", t / n }' "$work/t"
}

# bench options: time both with the same options over the same list.
bench() {
	opts=$1
	a=$(seconds "$ours $opts < $work/list")
	b=$(seconds "$peer $opts < $work/list")
	# shellcheck disable=SC2086 # opts are several words
	"$ours" $opts < "$work/list" > "$work/out.ours" 2>/dev/null || true
	# shellcheck disable=SC2086
	"$peer" $opts < "$work/list" > "$work/out.peer" 2>/dev/null || true
	diff=$(diff "$work/out.ours" "$work/out.peer" | grep -c '^[<>]' ||
	    true)
	printf '%-28s %8s s %8s s %7s   %s\n' "mhdr $opts" "$a" "$b" \
	    "$(echo "$a $b" | awk '{ printf "%.2f", ($2 > 0) ? $1 / $2 : 0 }')" \
	    "$(wc -l < "$work/out.ours")/$(wc -l < "$work/out.peer") lines, $diff differ"
}

echo
printf '%-28s %10s %10s %7s   %s\n' command mailkit mblaze ratio \
    "output (mailkit/mblaze)"
bench "-h subject -d"
bench "-A -h from:to:cc"
echo
echo "ratio = mailkit time / mblaze time (lower is better for mailkit)"
