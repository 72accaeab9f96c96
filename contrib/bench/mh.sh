#!/bin/sh
# contrib/bench/mh.sh: time mailkit's MH reading programs against nmh's
# and mblaze's on the same messages.
#
#	contrib/bench/mh.sh [folder | count]
#
# folder is an MH folder (any directory of numbered message files);
# count (default 20000) makes one of that many messages with mkcorpus,
# kept under $BENCH_DIR (default $TMPDIR/mailkit-bench) for the next run,
# together with a Maildir of the same messages (same seed) for mblaze.
# With a folder of your own, mblaze reads the same files through a list.
#
#	mscan              vs  nmh scan          and  mlist DIR | mscan (mblaze)
#	mpick -subject W   vs  nmh pick -subject W
#
# then contrib/bench/minc.sh, when it exists, with the same count.
#
# Our programs are $MAILKIT_BIN/NAME, else ./cmd/NAME (run from a build
# directory).  nmh is /usr/bin/mh, mblaze /usr/bin/mlist and
# /usr/bin/mscan.  Both suites work on the folder through a private
# profile and context made here, so nothing of yours is read or changed.
# Timing on a warm cache: hyperfine (mean, after a warm-up run), or with
# BENCH_TIMER=time (or without hyperfine) /usr/bin/time over $BENCH_RUNS
# runs (default 5) after one untimed run.  BENCH_WORD is the subject word
# (default "meeting").

set -eu

here=$(cd "$(dirname "$0")" && pwd)
arg=${1:-20000}
runs=${BENCH_RUNS:-5}
word=${BENCH_WORD:-meeting}
nmh=/usr/bin/mh
use_hyperfine=
if [ "${BENCH_TIMER:-}" != time ] && command -v hyperfine >/dev/null 2>&1; then
	use_hyperfine=yes
fi

die() {
	echo "mh.sh: $*" >&2
	exit 1
}

# ---------------------------------------------------------------- programs
if [ -n "${MAILKIT_BIN:-}" ]; then
	bin=$MAILKIT_BIN
elif [ -x ./cmd/mscan ]; then
	bin=$(pwd)/cmd
else
	die "no mailkit programs: set MAILKIT_BIN or run from a build directory"
fi
for p in mscan mpick; do
	[ -x "$bin/$p" ] || die "no $bin/$p"
	"$bin/$p" -V 2>/dev/null | grep -q mailkit ||
	    die "$bin/$p is not mailkit's"
done
[ -x "$nmh/scan" ] || die "no $nmh/scan: install nmh (apt-get install nmh)"
have_mblaze=
[ -x /usr/bin/mlist ] && [ -x /usr/bin/mscan ] && have_mblaze=yes

# ---------------------------------------------------------------- corpus
mkc() {		# mkc format count dir
	mk=${MKCORPUS:-}
	for c in "$here/../../../shared/tools/mkcorpus" \
	    /work/shared/tools/mkcorpus; do
		[ -n "$mk" ] || [ ! -f "$c" ] || mk=$c
	done
	[ -n "$mk" ] && [ -f "$mk" ] ||
	    die "no mkcorpus: set MKCORPUS, or give a folder"
	if [ ! -e "$3/.complete" ]; then
		rm -rf "$3"
		mkdir -p "$(dirname "$3")"
		echo "making $2 messages ($1) in $3"
		/usr/bin/python3 "$mk" --format "$1" --count "$2" --out "$3"
		: > "$3/.complete"
	fi
}

maildir=
if [ -d "$arg" ]; then
	folder=$(cd "$arg" && pwd)
else
	case $arg in
	''|*[!0-9]*) die "usage: mh.sh [folder | count]" ;;
	esac
	base=${BENCH_DIR:-${TMPDIR:-/tmp}/mailkit-bench}
	folder=$base/mh-$arg
	mkc mh "$arg" "$folder"
	if [ -n "$have_mblaze" ]; then
		maildir=$base/maildir-$arg
		mkc maildir "$arg" "$maildir"
	fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mh-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
# A private MH tree whose Path holds the folder.
top=$(dirname "$folder")
name=$(basename "$folder")
printf 'Path: %s\n' "$top" > "$work/profile"
printf 'Current-Folder: %s\n' "$name" > "$work/context"
MH=$work/profile
MHCONTEXT=$work/context
MBLAZE=$work/mblaze	# mblaze's own state (seq, profile)
mkdir -p "$MBLAZE"
: > "$MBLAZE/seq"
export MH MHCONTEXT MBLAZE
unset MAILDROP

find "$folder" -type f -name '[1-9]*' | sort > "$work/list"
n=$(wc -l < "$work/list")
[ "$n" -gt 0 ] || die "no messages in $folder"
bytes=$(tr '\n' '\0' < "$work/list" | xargs -0 cat | wc -c)
if [ -n "$have_mblaze" ]; then
	if [ -n "$maildir" ]; then
		mblaze_scan="/usr/bin/mlist $maildir | /usr/bin/mscan"
		find "$maildir" -type f ! -name '.*' -print0 | xargs -0 cat \
		    > /dev/null
	else
		mblaze_scan="/usr/bin/mscan < $work/list"
	fi
fi
# Warm the cache: read every file once.
tr '\n' '\0' < "$work/list" | xargs -0 cat > /dev/null

echo "folder:  $folder: $n messages, $bytes bytes"
[ -z "$maildir" ] || echo "maildir: $maildir (same messages, for mblaze)"
echo "mailkit: $bin ($("$bin/mscan" -V 2>&1 | head -n 1))"
echo "nmh:     $nmh ($(dpkg-query -W -f='${Version}' nmh 2>/dev/null ||
    echo "version unknown"))"
if [ -n "$have_mblaze" ]; then
	echo "mblaze:  /usr/bin/mscan ($(dpkg-query -W -f='${Version}' mblaze \
	    2>/dev/null || echo "version unknown"))"
else
	echo "mblaze:  not installed (apt-get install mblaze)"
fi
if [ -n "$use_hyperfine" ]; then
	echo "timer:   hyperfine (mean of its runs, after a warm-up)"
else
	echo "timer:   /usr/bin/time (mean of $runs runs, after a warm-up)"
fi

# seconds cmd: print the time of one shell command line, in seconds.
seconds() {
	if [ -n "$use_hyperfine" ]; then
		hyperfine --warmup 1 --min-runs "$runs" -i \
		    --export-json "$work/h.json" --style none \
		    "$1" > /dev/null 2> "$work/h.err" ||
		    { cat "$work/h.err" >&2; exit 1; }
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

ratio() {
	echo "$1 $2" | awk '{ printf "%.2f", ($2 > 0) ? $1 / $2 : 0 }'
}

# row what ours-seconds ours peer peername: time the peer, print a line.
row() {
	b=$(seconds "$4")
	sh -c "$3" > "$work/out.ours" 2>/dev/null || true
	sh -c "$4" > "$work/out.peer" 2>/dev/null || true
	printf '%-24s %8s s %8s s %-10s %6s   %s\n' "$1" "$2" "$b" "$5" \
	    "$(ratio "$2" "$b")" \
	    "$(wc -l < "$work/out.ours")/$(wc -l < "$work/out.peer") lines"
}

echo
printf '%-24s %10s %10s %-10s %6s   %s\n' command mailkit peer "(peer)" \
    ratio "output (mailkit/peer)"
scan="$bin/mscan +$name all"
a=$(seconds "$scan")
row "mscan" "$a" "$scan" "$nmh/scan +$name all" "nmh scan"
if [ -n "$have_mblaze" ]; then
	row "mscan" "$a" "$scan" "$mblaze_scan" "mblaze"
fi
pick="$bin/mpick +$name all -l -subject $word"
row "mpick -subject $word" "$(seconds "$pick")" "$pick" \
    "$nmh/pick +$name all -subject $word" "nmh pick"
echo
echo "ratio = mailkit time / peer time (targets, issue 8: mscan <= 0.5 of"
echo "the faster peer; mpick <= 0.5 of nmh pick)"

if [ -x "$here/minc.sh" ] || [ -f "$here/minc.sh" ]; then
	echo
	echo "== minc.sh"
	sh "$here/minc.sh" "$arg"
fi
