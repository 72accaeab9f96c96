#!/bin/sh
# contrib/bench/stores.sh: time mailkit's mboxconv against the programs
# that do the same conversions, on the same corpus, warm cache.
#
#	contrib/bench/stores.sh [mbox | count]
#
# mbox is an mboxrd file (your own mail); count (default 20000) makes one
# with mkcorpus, kept under $BENCH_DIR (default $TMPDIR/mailkit-bench).
# The Maildir for the second job is made from it by mboxconv.
#
#   mboxrd -> Maildir   mboxconv  vs  mblaze mdeliver -M (fsyncs each
#                                     message) and mb2md (does not fsync)
#   Maildir -> mboxrd   mboxconv  vs  mblaze mlist | mexport
#   mboxrd -> MH        mboxconv  vs  Python's mailbox (mbox -> MH)
#
# mboxconv's runs are all durable (every file synced before it exits).
# Each job runs $BENCH_RUNS times (default 3) after the input was read once;
# the best time is shown with the peak RSS of that run (/usr/bin/time -f
# %M), and the ratio mailkit/peer (below 1: mailkit is faster).
# Our mboxconv is $MBOXCONV, else ./cmd/mboxconv (run from a build dir),
# else the one on PATH.

set -eu

arg=${1:-20000}
runs=${BENCH_RUNS:-3}
py=${PYTHON3:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)

die() {
	echo "stores.sh: $*" >&2
	exit 1
}

if [ -n "${MBOXCONV:-}" ]; then
	ours=$MBOXCONV
elif [ -x ./cmd/mboxconv ]; then
	ours=$(pwd)/cmd/mboxconv
else
	ours=$(command -v mboxconv || true)
fi
[ -n "$ours" ] && [ -x "$ours" ] ||
    die "no mboxconv: set MBOXCONV or run from a build directory"
[ -x /usr/bin/time ] || die "no /usr/bin/time (apt-get install time)"

base=${BENCH_DIR:-${TMPDIR:-/tmp}/mailkit-bench}
mkdir -p "$base"
base=$(cd "$base" && pwd)
if [ -f "$arg" ]; then
	mbox=$(cd "$(dirname "$arg")" && pwd)/$(basename "$arg")
else
	case $arg in
	''|*[!0-9]*) die "usage: stores.sh [mbox | count]" ;;
	esac
	mbox=$base/mboxrd-$arg
	if [ ! -f "$mbox" ]; then
		mk=${MKCORPUS:-}
		for c in "$here/../../../shared/tools/mkcorpus" \
		    /work/shared/tools/mkcorpus; do
			[ -z "$mk" ] && [ -f "$c" ] && mk=$c
		done
		[ -n "$mk" ] || die "no mkcorpus: set MKCORPUS"
		"$py" "$mk" --format mboxrd --count "$arg" --out "$mbox" >&2
	fi
fi
work=$base/work.$$
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT INT TERM
maildir=$work/src-maildir
"$ours" -q -t maildir "$mbox" "$maildir"
mkdir -p "$work/mblaze" && : > "$work/mblaze/seq"
export MBLAZE=$work/mblaze

cat > "$work/py-mh.py" <<'EOF'
import mailbox, sys
src = mailbox.mbox(sys.argv[1], create=False)
dst = mailbox.MH(sys.argv[2], create=True)
dst.lock()
for key in src.iterkeys():
    dst.add(src.get_bytes(key))
dst.unlock()
dst.close()
EOF

# run NAME CMD: best time of $runs runs of sh -c CMD (out is removed
# before each), printed as "seconds rss-KiB"; the result in $best.
run() {
	name=$1
	cmd=$2
	best=
	i=0
	while [ "$i" -lt "$runs" ]; do
		rm -rf "$work/out"
		sync
		/usr/bin/time -f '%e %M' -o "$work/time" sh -c "$cmd" \
		    >/dev/null 2>"$work/err" || {
			cat "$work/err" >&2
			die "$name failed"
		}
		t=$(cut -d' ' -f1 "$work/time")
		k=$(cut -d' ' -f2 "$work/time")
		if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then
			best=$t
			rss=$k
		fi
		i=$((i + 1))
	done
	printf '  %-34s %8.2f s %8d KiB\n' "$name" "$best" "$rss"
}

ratio() {
	awk "BEGIN{ if ($2 > 0) printf \"  ratio mailkit/%s: %.2f\\n\", \"$1\", $3 / $2 }"
}

count=$(grep -c '^From ' "$mbox" || true)
size=$(wc -c < "$mbox")
cat "$mbox" > /dev/null
echo "corpus: $mbox ($count messages, $size bytes); best of $runs runs"

echo "mboxrd -> Maildir"
run "mailkit mboxconv (durable)" "'$ours' -q -t maildir '$mbox' '$work/out'"
m=$best
if [ -x /usr/bin/mdeliver ]; then
	run "mblaze mdeliver -M (fsync each)" "mkdir -p '$work/out/cur' '$work/out/new' '$work/out/tmp' && /usr/bin/mdeliver -M '$work/out' < '$mbox'"
	ratio "mdeliver -M" "$best" "$m"
fi
if command -v mb2md >/dev/null 2>&1; then
	run "mb2md (no fsync)" "mb2md -s '$mbox' -d '$work/out'"
	ratio mb2md "$best" "$m"
fi

echo "Maildir -> mboxrd"
cat "$maildir"/new/* "$maildir"/cur/* > /dev/null 2>&1 || true
run "mailkit mboxconv (durable)" "'$ours' -q -t mboxrd '$maildir' '$work/out'"
m=$best
if [ -x /usr/bin/mexport ]; then
	run "mblaze mlist | mexport" "/usr/bin/mlist '$maildir' | /usr/bin/mexport > '$work/out'"
	ratio "mlist|mexport" "$best" "$m"
fi

echo "mboxrd -> MH"
run "mailkit mboxconv (durable)" "'$ours' -q -t mh '$mbox' '$work/out'"
m=$best
run "Python mailbox" "'$py' '$work/py-mh.py' '$mbox' '$work/out'"
ratio "Python mailbox" "$best" "$m"
