# tests/lib/common.bash: helpers shared by every program test.
#
#	load 'lib/common'
#
# loads bats-support and bats-assert, sets MAILKIT_SRC and PYTHON3 when the
# test runs outside "make check", and defines:
#
#	mk_tmp [name]		print a new empty directory, removed after the test
#	need_peer cmd reason	skip unless cmd is installed (fail under $CI)
#	need_pymod module reason	the same for a module of $PYTHON3
#	need_root reason	skip unless running as root (fail under $CI)
#	corpus fmt count dir [mkcorpus options]
#				write a deterministic corpus with mkcorpus
#	free_port		print a TCP port free on 127.0.0.1
#	wait_port port [secs]	wait until something listens on 127.0.0.1:port
#	as_user user cmd...	run cmd as user (root only)
#
# CI installs every peer, so in CI (CI set and not empty) nothing may skip:
# a missing peer is a failure there, with the same reason.

if ! declare -F assert_output >/dev/null; then
	load '/usr/lib/bats/bats-support/load'
	load '/usr/lib/bats/bats-assert/load'
fi

: "${MAILKIT_SRC:=$(cd "$BATS_TEST_DIRNAME/.." && pwd)}"
: "${PYTHON3:=/usr/bin/python3}"
export MAILKIT_SRC PYTHON3

# mk_tmp [name]: print the path of a new empty directory.  It lies under
# BATS_TEST_TMPDIR, which bats removes after each test (or under TMPDIR
# with an older bats, where the test's teardown must remove it).
mk_tmp() {
	local base=${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}
	mktemp -d "$base/${1:-t}.XXXXXX"
}

# _absent what reason: the one place that decides between skip and fail.
_absent() {
	if [ -n "${CI:-}" ]; then
		fail "CI must not skip: $1 is missing ($2)"
	fi
	skip "$1 is missing ($2)"
}

# need_peer cmd reason: cmd is a name looked up on PATH or a path.
need_peer() {
	local cmd=$1 reason=${2:-needed by this test}
	if [[ $cmd == */* ]]; then
		[ -x "$cmd" ] && return 0
	else
		command -v "$cmd" >/dev/null 2>&1 && return 0
	fi
	_absent "$cmd" "$reason"
}

# need_pymod module reason: the module must import in $PYTHON3.
need_pymod() {
	local mod=$1 reason=${2:-needed by this test}
	"$PYTHON3" -c "import $mod" >/dev/null 2>&1 && return 0
	_absent "python module $mod" "$reason"
}

# need_root reason: for tests that start system daemons, mount, or change
# user.  CI runs as root.
need_root() {
	[ "$(id -u)" -eq 0 ] && return 0
	_absent "root" "${1:-needed by this test}"
}

# _mkcorpus: print the path of mkcorpus.  $MKCORPUS wins; then the shared
# tree beside the source tree (how CI and development lay it out).
_mkcorpus() {
	local c
	for c in "${MKCORPUS:-}" \
	    "$MAILKIT_SRC/../shared/tools/mkcorpus" \
	    /work/shared/tools/mkcorpus; do
		if [ -n "$c" ] && [ -f "$c" ]; then
			printf '%s\n' "$c"
			return 0
		fi
	done
	return 1
}

# corpus fmt count dir [option...]: write count messages in format fmt
# (mh maildir mboxrd mboxo mboxcl2 mmdf) to dir; the options go to
# mkcorpus as they are (--messy-fraction F, --seed S, --big-fraction F).
# The same arguments always give the same bytes.
corpus() {
	local fmt=$1 count=$2 dir=$3 mk
	shift 3
	mk=$(_mkcorpus) || _absent mkcorpus \
	    "set MKCORPUS or put shared/tools beside the source tree"
	"$PYTHON3" "$mk" --format "$fmt" --count "$count" --out "$dir" "$@" \
	    >&2 || fail "mkcorpus --format $fmt --count $count failed"
}

# free_port: a port that was free on 127.0.0.1 a moment ago.
free_port() {
	"$PYTHON3" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# wait_port port [secs]: return 0 once 127.0.0.1:port accepts a
# connection, 1 after secs seconds (default 10).
wait_port() {
	"$PYTHON3" - "$1" "${2:-10}" <<'EOF'
import socket, sys, time
port, limit = int(sys.argv[1]), time.monotonic() + float(sys.argv[2])
while time.monotonic() < limit:
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
}

# as_user user cmd...: run cmd with user's uid, gid and groups (setpriv
# from util-linux).  The files it needs must be reachable by that user.
as_user() {
	local user=$1
	shift
	setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups \
	    -- "$@"
}
