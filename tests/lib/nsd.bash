# nsd.bash: a private NSD serving test zones on loopback, for bats tests.
#
#	load 'lib/nsd'
#
#	setup_file() {
#		nsd_available || return 0
#		D=$(mktemp -d); export D
#		cat > "$D/example.test" <<-'EOF'
#		$ORIGIN example.test.
#		...
#		EOF
#		nsd_start "$D" example.test
#	}
#	setup() { nsd_require; }
#	teardown_file() { [ -z "$D" ] || { nsd_stop "$D"; rm -rf "$D"; }; }
#	@test ... { mx-lookup -s "127.0.0.1:$NSD_PORT" example.test; }
#
# nsd_start DIR ZONE...	serves each ZONE from the file DIR/ZONE (checked
#			with nsd-checkzone first; a zone whose file does not
#			exist is configured all the same, and NSD answers
#			SERVFAIL for it).  Listens on every address of
#			NSD_ADDRS (default 127.0.0.1; e.g. "127.0.0.1 ::1")
#			at NSD_PORT (default: a free port picked here, with
#			a retry if another process takes it first).
#			Exports NSD_PORT and NSD_DIR; returns non-zero, with
#			NSD's log on stderr, if NSD does not start.
# nsd_stop DIR		stops the NSD started in DIR and waits for it.
# nsd_available		true when nsd and nsd-checkzone are installed.
# nsd_require		skips the test when they are not (call it from
#			setup or a test: bats 1.8 cannot skip from setup_file,
#			so there use nsd_available and start nothing).
# nsd_free_port		prints a port free for both UDP and TCP on 127.0.0.1.
# blackhole_start DIR	a UDP and TCP listener on 127.0.0.1 that reads
#			queries and never answers (a server that times out);
#			exports BLACKHOLE_PORT.  blackhole_stop DIR stops it.
#
# NSD daemonizes, writes DIR/nsd.pid and logs to DIR/nsd.log.  Root is
# not needed for a high port (nor for nsd-checkzone).

NSD_BIN=${NSD_BIN:-$(command -v nsd || echo /usr/sbin/nsd)}
NSD_CHECKZONE=${NSD_CHECKZONE:-$(command -v nsd-checkzone ||
	echo /usr/sbin/nsd-checkzone)}

nsd_available() {
	[ -x "$NSD_BIN" ] && [ -x "$NSD_CHECKZONE" ]
}

nsd_require() {
	nsd_available || skip "nsd not installed (Debian package nsd)"
}

nsd_free_port() {
	"${PYTHON3:-python3}" - <<-'EOF'
	import socket
	while True:
	    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	    u.bind(("127.0.0.1", 0))
	    port = u.getsockname()[1]
	    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	    try:
	        t.bind(("127.0.0.1", port))
	    except OSError:
	        continue
	    finally:
	        t.close()
	        u.close()
	    print(port)
	    break
	EOF
}

# Write DIR/nsd.conf for the zones, listening on NSD_ADDRS at port $2.
_nsd_conf() {
	local dir=$1 port=$2 a z
	shift 2
	{
		echo "server:"
		for a in ${NSD_ADDRS:-127.0.0.1}; do
			echo "    ip-address: $a@$port"
		done
		echo "    port: $port"
		echo "    username: \"\""
		echo "    chroot: \"\""
		echo "    zonesdir: \"$dir\""
		echo "    pidfile: \"$dir/nsd.pid\""
		echo "    xfrdfile: \"$dir/xfrd.state\""
		echo "    zonelistfile: \"$dir/zone.list\""
		echo "    logfile: \"$dir/nsd.log\""
		echo "    database: \"\""
		echo "    server-count: 1"
		echo "remote-control:"
		echo "    control-enable: no"
		for z in "$@"; do
			echo "zone:"
			echo "    name: \"$z\""
			echo "    zonefile: \"$z\""
		done
	} > "$dir/nsd.conf"
}

# Wait until NSD in DIR says it started (0) or died (1).
_nsd_wait() {
	local dir=$1 i pid
	for i in $(seq 100); do
		if grep -q 'nsd started' "$dir/nsd.log" 2>/dev/null; then
			return 0
		fi
		pid=$(cat "$dir/nsd.pid" 2>/dev/null)
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
	done
	return 1
}

nsd_start() {
	local dir=$1 z port try fixed=${NSD_PORT:-}
	shift
	for z in "$@"; do
		if [ -f "$dir/$z" ] &&
		    ! "$NSD_CHECKZONE" "$z" "$dir/$z" >&2; then
			echo "nsd_start: zone $z does not check" >&2
			return 1
		fi
	done
	for try in 1 2 3; do
		port=${fixed:-$(nsd_free_port)}
		rm -f "$dir/nsd.pid" "$dir/nsd.log" "$dir/xfrd.state" \
		    "$dir/zone.list"
		_nsd_conf "$dir" "$port" "$@"
		"$NSD_BIN" -c "$dir/nsd.conf" </dev/null >/dev/null 2>&1 3>&-
		if _nsd_wait "$dir"; then
			export NSD_PORT=$port NSD_DIR=$dir
			return 0
		fi
		nsd_stop "$dir"
		[ -n "$fixed" ] && break
	done
	echo "nsd_start: nsd did not start; its log:" >&2
	cat "$dir/nsd.log" >&2 2>/dev/null
	return 1
}

nsd_stop() {
	local dir=${1:-$NSD_DIR} pid i
	if [ -z "$dir" ] || [ ! -f "$dir/nsd.pid" ]; then
		return 0
	fi
	pid=$(cat "$dir/nsd.pid")
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || return 0
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$dir/nsd.pid"
}

blackhole_start() {
	local dir=$1 i
	BLACKHOLE_PORT=$(nsd_free_port)
	export BLACKHOLE_PORT
	"${PYTHON3:-python3}" -c '
import socket, sys, select
port = int(sys.argv[1])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", port))
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", port))
t.listen(16)
open(sys.argv[2], "w").write("ready\n")
conns = []
while True:
    r, _, _ = select.select([u, t] + conns, [], [])
    for s in r:
        if s is u:
            u.recvfrom(65536)
        elif s is t:
            conns.append(t.accept()[0])
        elif not s.recv(65536):
            conns.remove(s)
            s.close()
' "$BLACKHOLE_PORT" "$dir/blackhole.ready" </dev/null >/dev/null 2>&1 3>&- &
	echo $! > "$dir/blackhole.pid"
	for i in $(seq 50); do
		[ -s "$dir/blackhole.ready" ] && return 0
		sleep 0.1
	done
	return 1
}

blackhole_stop() {
	local dir=$1
	[ -f "$dir/blackhole.pid" ] || return 0
	kill "$(cat "$dir/blackhole.pid")" 2>/dev/null
	rm -f "$dir/blackhole.pid" "$dir/blackhole.ready"
}
