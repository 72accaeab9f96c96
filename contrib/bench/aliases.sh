#!/bin/sh
# contrib/bench/aliases.sh: time mailkit's newaliases against Postfix's
# postalias (cdb and hash) and fastforward's newaliases, compiling and
# looking up.
#
#	contrib/bench/aliases.sh [aliases-file | count ...]
#
# Each count (default: 100000 1000000) makes an aliases file of that many
# entries (deterministic: names alias0 ... with one to four values of every
# kind, some continuation lines and comments), kept under $BENCH_DIR
# (default $TMPDIR/mailkit-bench).  A file given instead is used as it is.
#
# Jobs:
#   compile	newaliases -f FILE -o DB; postalias cdb:FILE and hash:FILE
#		(a private Postfix config directory, so the system's is not
#		touched); fastforward's newaliases, which only reads
#		/etc/aliases, in a mount namespace with a directory bound over
#		/etc (root and unshare needed, else left out; it cannot
#		deliver to files, so the file values are taken out for it)
#   lookup	BENCH_LOOKUPS (default 10000) random existing names, one
#		process each, as a delivery agent looks one name up:
#		newaliases -q NAME -o DB against postalias -q NAME cdb:FILE
#		(and hash:FILE)
#
# Every database is written with fsync where the program does it
# (newaliases: temp file, fsync, rename; postalias: no fsync).  Ours is
# $NEWALIASES, else ./cmd/newaliases (run from a build directory), else
# newaliases on PATH.  BENCH_RUNS (default 3) runs of each compile job with
# hyperfine when installed (mean shown), else /usr/bin/time over a loop.
# The last column is mailkit's time divided by the peer's (below 1: faster).

set -eu

runs=${BENCH_RUNS:-3}
lookups=${BENCH_LOOKUPS:-10000}
work=${BENCH_DIR:-${TMPDIR:-/tmp}/mailkit-bench}/aliases
mkdir -p "$work"

die() {
	echo "aliases.sh: $*" >&2
	exit 1
}

have() {
	command -v "$1" >/dev/null 2>&1
}

if [ -n "${NEWALIASES:-}" ]; then
	ours=$NEWALIASES
elif [ -x ./cmd/newaliases ]; then
	ours=$(pwd)/cmd/newaliases
else
	ours=$(command -v newaliases || true)
fi
[ -n "$ours" ] && "$ours" -V 2>/dev/null | grep -q mailkit ||
    die "no mailkit newaliases: set NEWALIASES or run from a build directory"
have postalias || die "postalias (Debian package postfix) is needed"

pf=$work/postfix-config
mkdir -p "$pf"
printf 'compatibility_level = 3.6\n' > "$pf/main.cf"
cdb=no
postconf -c "$pf" -m | grep -qx cdb && cdb=yes
ff=
if [ "$(id -u)" -eq 0 ] && have unshare &&
    [ -x /var/lib/qmail/bin/newaliases ]; then
	ff=/var/lib/qmail/bin/newaliases
fi

# gen count file: a deterministic aliases file.
gen() {
	awk -v n="$1" 'BEGIN {
		print "postmaster: root"
		print "MAILER-DAEMON: postmaster"
		srand(7)
		for (i = 0; i < n; i++) {
			k = i % 8
			if (k == 0)
				printf "alias%d: user%d\n", i, i
			else if (k == 1)
				printf "Alias%d: user%d, user%d@example.org\n", i, i, i + 1
			else if (k == 2)
				printf "alias%d: \"|/usr/bin/prog --to u%d\"\n", i, i
			else if (k == 3)
				printf "alias%d: /var/spool/archive/a%d.mbox, \\user%d\n", i, i, i
			else if (k == 4)
				printf "alias%d: :include:/etc/mail/l%d.list\n", i, i
			else if (k == 5)
				printf "\"alias%d x\": a%d,\n  b%d@example.net,\n\tc%d\n", i, i, i, i
			else if (k == 6)
				printf "# comment %d\nalias%d: \"first last\"@example.com\n", i, i
			else
				printf "alias%d: u%d, v%d, w%d, x%d@example.org\n", i, i, i, i, i
		}
	}' > "$2"
}

# secs cmd...: the mean wall time of cmd in seconds.
secs() {
	if have hyperfine; then
		hyperfine -N --style none --warmup 1 --runs "$runs" \
		    --export-json "$work/hf.json" -- "$*" >/dev/null 2>&1 ||
		    hyperfine --style none --warmup 1 --runs "$runs" \
		    --export-json "$work/hf.json" -- "$*" >/dev/null
		sed -n 's/.*"mean": *\([0-9.e+-]*\).*/\1/p' "$work/hf.json" |
		    head -n 1
	else
		"$@" >/dev/null 2>&1
		s=$(date +%s.%N)
		i=0
		while [ $i -lt "$runs" ]; do
			"$@" >/dev/null 2>&1
			i=$((i + 1))
		done
		e=$(date +%s.%N)
		echo "($e - $s) / $runs" | bc -l
	fi
}

row() {	# job ours peer-name peer
	printf '%-34s %9.3f s %9.3f s  %-14s %6.2f\n' "$1" "$2" "$4" "$3" \
	    "$(echo "$2 / $4" | bc -l)"
}

bench_file() {
	f=$1
	n=$(grep -c '^[^ 	#]' "$f" || true)
	echo
	echo "== $f: $n aliases, $(wc -c < "$f") bytes"
	cat "$f" > /dev/null
	"$ours" -f "$f" -o "$work/mk.db" 2>/dev/null
	t_ours=$(secs "$ours" -f "$f" -o "$work/mk.db")
	printf '%-34s %11s %11s  %-14s %6s\n' job mailkit peer peer ratio
	if [ $cdb = yes ]; then
		cp "$f" "$work/pc"
		t=$(secs postalias -c "$pf" "cdb:$work/pc")
		row "compile" "$t_ours" "postalias cdb" "$t"
	fi
	cp "$f" "$work/ph"
	t=$(secs postalias -c "$pf" "hash:$work/ph")
	row "compile" "$t_ours" "postalias hash" "$t"
	if [ -n "$ff" ]; then
		# fastforward has no file deliveries: they are left out.
		mkdir -p "$work/ff"
		sed 's|/var/spool/archive/[^,]*, ||' "$f" > "$work/ff/aliases"
		printf '#!/bin/sh\nexec unshare -m sh -c "mount --bind %s /etc && exec %s"\n' \
		    "$work/ff" "$ff" > "$work/ff.sh"
		if sh "$work/ff.sh" 2>/dev/null && [ -s "$work/ff/aliases.cdb" ]; then
			t=$(secs sh "$work/ff.sh")
			row "compile" "$t_ours" "fastforward" "$t"
		fi
	fi
	# Lookups: the same random existing names for everyone.
	"$ours" -s -o "$work/mk.db" | sed 's/: .*//; s/^"//; s/"$//' |
	    awk -v n="$lookups" 'BEGIN { srand(11) }
		{ k[NR] = $0 }
		END { for (i = 0; i < n; i++) print k[int(rand() * NR) + 1] }' \
	    > "$work/keys"
	s=$(date +%s.%N)
	while IFS= read -r k; do
		"$ours" -o "$work/mk.db" -q "$k" > /dev/null
	done < "$work/keys"
	t_ours=$(echo "$(date +%s.%N) - $s" | bc -l)
	for type in cdb hash; do
		[ $type = cdb ] && [ $cdb = no ] && continue
		[ $type = cdb ] && db=$work/pc || db=$work/ph
		s=$(date +%s.%N)
		while IFS= read -r k; do
			postalias -c "$pf" -q "$k" "$type:$db" > /dev/null
		done < "$work/keys"
		t=$(echo "$(date +%s.%N) - $s" | bc -l)
		row "$lookups lookups, 1 process each" "$t_ours" \
		    "postalias $type" "$t"
	done
}

echo "mailkit: $("$ours" -V)"
echo "postfix: $(postconf -c "$pf" -h mail_version 2>/dev/null)" \
    "(cdb: $cdb)"
[ -n "$ff" ] && echo "fastforward: $(dpkg-query -W -f '${Version}' fastforward 2>/dev/null || echo installed)"
[ $# -gt 0 ] || set -- 100000 1000000
for a in "$@"; do
	if [ -f "$a" ]; then
		bench_file "$a"
	else
		f=$work/aliases.$a
		[ -f "$f" ] || gen "$a" "$f"
		bench_file "$f"
	fi
done
