#!/bin/sh
# contrib/bench/minc.sh: time mailkit's minc, incorporating a Maildir,
# against nmh's inc -file, incorporating an mbox of the same messages,
# each into an empty MH folder.
#
#	contrib/bench/minc.sh [maildir | folder | count]
#
# maildir is any Maildir, folder any MH folder (a directory of numbered
# files, made into a Maildir here); neither is changed.  count (default
# 20000) makes a Maildir with mkcorpus, kept under $BENCH_DIR (default
# $TMPDIR/mailkit-bench) for the next run.  The mbox for nmh is made from
# the same files (Python's mailbox module), in the same order.
#
# Each timed run starts from a fresh copy of the source and an empty
# folder (made before the run, not timed) and does the whole job: the
# messages filed, the scan lines printed (to /dev/null), the source
# emptied (minc removes the Maildir files; inc truncates the mbox).  minc
# also makes each message durable (fsync) before it leaves the source,
# which nmh does not do.
#
# Our minc is $MINC, else $MAILKIT_BIN/minc, else ./cmd/minc (run from a
# build directory), else the minc first on PATH that is not mblaze's.  nmh's inc is $NMH_INC or
# /usr/bin/mh/inc.  hyperfine times when installed (--prepare makes the
# copies), else /usr/bin/time over $BENCH_RUNS runs (default 5).

set -eu

here=$(cd "$(dirname "$0")" && pwd)
arg=${1:-20000}
runs=${BENCH_RUNS:-5}
peer=${NMH_INC:-/usr/bin/mh/inc}
use_hyperfine=
if [ "${BENCH_TIMER:-}" != time ] && command -v hyperfine >/dev/null 2>&1; then
	use_hyperfine=yes
fi

die() {
	echo "minc.sh: $*" >&2
	exit 1
}

# ---------------------------------------------------------------- programs
if [ -n "${MINC:-}" ]; then
	ours=$MINC
elif [ -n "${MAILKIT_BIN:-}" ] && [ -x "$MAILKIT_BIN/minc" ]; then
	ours=$MAILKIT_BIN/minc
elif [ -x ./cmd/minc ]; then
	ours=$(pwd)/cmd/minc
else
	ours=$(command -v minc || true)
	[ "$ours" != /usr/bin/minc ] || ours=
fi
[ -n "$ours" ] && [ -x "$ours" ] ||
    die "no mailkit minc: set MINC or run from a build directory"
"$ours" -V 2>/dev/null | grep -q mailkit || die "$ours is not mailkit's minc"
[ -x "$peer" ] || die "no $peer: install nmh (apt-get install nmh)"

# ---------------------------------------------------------------- corpus
work=$(mktemp -d "${TMPDIR:-/tmp}/minc-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

if [ -d "$arg" ]; then
	corpus=$(cd "$arg" && pwd)
	if [ ! -d "$corpus/new" ] || [ ! -d "$corpus/cur" ]; then
		# an MH folder: its messages, in order, as a Maildir
		mkdir -p "$work/src/new" "$work/src/cur" "$work/src/tmp"
		find "$corpus" -maxdepth 1 -type f -name '[1-9]*' |
		    sed 's|.*/||' | grep -x '[0-9]*' | sort -n |
		    while read -r m; do
			cp "$corpus/$m" "$work/src/new/$m.M$m.bench"
		    done
		corpus=$work/src
	fi
else
	case $arg in
	''|*[!0-9]*) die "usage: minc.sh [maildir | folder | count]" ;;
	esac
	base=${BENCH_DIR:-${TMPDIR:-/tmp}/mailkit-bench}
	corpus=$base/maildir-$arg
	if [ ! -e "$corpus/.complete" ]; then
		mk=${MKCORPUS:-}
		for c in "$here/../../../shared/tools/mkcorpus" \
		    /work/shared/tools/mkcorpus; do
			[ -n "$mk" ] || [ ! -f "$c" ] || mk=$c
		done
		[ -n "$mk" ] && [ -f "$mk" ] ||
		    die "no mkcorpus: set MKCORPUS, or give a Maildir"
		rm -rf "$corpus"
		mkdir -p "$base"
		echo "making $arg messages (maildir) in $corpus"
		/usr/bin/python3 "$mk" --format maildir --count "$arg" \
		    --out "$corpus"
		: > "$corpus/.complete"
	fi
fi

# The same messages as an mbox, in the order minc takes them.
/usr/bin/python3 - "$corpus" "$work/mbox" <<'EOF'
import mailbox, os, sys
src, dst = sys.argv[1], sys.argv[2]
names = []
for sub in ('new', 'cur'):
    for n in os.listdir(os.path.join(src, sub)):
        if not n.startswith('.'):
            names.append((sub, n))
def key(e):
    n = e[1]
    t = n.split('.')[0]
    m = n.split('.')[1] if '.' in n else ''
    return (int(t) if t.isdigit() else 0,
            int(m[1:]) if m[:1] == 'M' and m[1:].isdigit() else 0, n)
names.sort(key=key)
box = mailbox.mbox(dst, create=True)
box.lock()
for sub, n in names:
    with open(os.path.join(src, sub, n), 'rb') as f:
        box.add(mailbox.mboxMessage(f.read()))
box.flush()
box.unlock()
EOF
n=$(find "$corpus/new" "$corpus/cur" -type f ! -name '.*' | wc -l)
[ "$n" -gt 0 ] || die "no messages in $corpus"
bytes=$(wc -c < "$work/mbox")

# A private MH tree for both programs.
mkdir -p "$work/Mail"
printf 'Path: %s\n' "$work/Mail" > "$work/profile"
MH=$work/profile
MHCONTEXT=$work/Mail/context
export MH MHCONTEXT
unset MAILDROP MINC_BATCH || true

# Warm the cache.
find "$corpus" -type f -exec cat {} + > /dev/null
cat "$work/mbox" > /dev/null

# The copies are synced before the timed run, as a delivered Maildir
# and mbox are: else the first fsync of a run pays for writing them.
prep_ours="rm -rf '$work/Mail/inbox' '$work/md' && cp -r '$corpus' '$work/md' && sync"
prep_peer="rm -rf '$work/Mail/inbox' && mkdir -p '$work/Mail/inbox' && cp '$work/mbox' '$work/mbox.run' && sync"
cmd_ours="$ours -f '$work/md' +inbox > /dev/null"
cmd_peer="$peer +inbox -file '$work/mbox.run' -truncate > /dev/null"

echo "corpus: $corpus: $n messages, $bytes bytes as an mbox"
echo "mailkit: $ours ($("$ours" -V 2>&1 | head -n 1))"
echo "nmh:     $peer ($(dpkg-query -W -f='${Version}' nmh 2>/dev/null ||
    echo "version unknown"))"
if [ -n "$use_hyperfine" ]; then
	echo "timer:   hyperfine (mean of $runs runs, fresh copies prepared untimed)"
else
	echo "timer:   /usr/bin/time (mean of $runs runs, fresh copies prepared untimed)"
fi

# seconds prepare cmd: the mean time of cmd, each run after prepare.
seconds() {
	if [ -n "$use_hyperfine" ]; then
		hyperfine --runs "$runs" --prepare "$1" \
		    --export-json "$work/h.json" --style none "$2" \
		    > /dev/null 2> "$work/h.err" || { cat "$work/h.err" >&2; exit 1; }
		/usr/bin/python3 -c 'import json, sys
print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["mean"])' \
		    "$work/h.json"
		return
	fi
	total=0
	i=0
	while [ $i -lt "$runs" ]; do
		sh -c "$1"
		/usr/bin/time -f %e -o "$work/t" sh -c "$2" || true
		total=$(awk -v a="$total" '{ print a + $1 }' "$work/t")
		i=$((i + 1))
	done
	awk -v t="$total" -v n="$runs" 'BEGIN { printf "%.3f\n", t / n }'
}

a=$(seconds "$prep_ours" "$cmd_ours")
got_ours=$(find "$work/Mail/inbox" -type f -name '[0-9]*' | wc -l)
b=$(seconds "$prep_peer" "$cmd_peer")
got_peer=$(find "$work/Mail/inbox" -type f -name '[0-9]*' | wc -l)

echo
printf '%-34s %10s %10s %7s   %s\n' command mailkit nmh ratio \
    "messages filed (mailkit/nmh)"
printf '%-34s %8s s %8s s %7s   %s\n' "minc -f maildir / inc -file mbox" \
    "$a" "$b" \
    "$(echo "$a $b" | awk '{ printf "%.2f", ($2 > 0) ? $1 / $2 : 0 }')" \
    "$got_ours/$got_peer"
echo
echo "ratio = mailkit time / nmh time (lower is better for mailkit)"
