# smtp.bash: capturing SMTP servers (tests/lib/smtpd.py on aiosmtpd) for
# bats tests.  Needs lib/common loaded first.
#
#	load 'lib/common'
#	load 'lib/smtp'
#
#	setup() { smtp_require; S=$(mk_tmp smtpd); smtpd_start "$S" --pipelining; }
#	teardown() { smtpd_stop "$S"; }
#	@test ... { ...send to 127.0.0.1:$(smtpd_port "$S")...;
#		    smtpd_wait "$S" 1; cat "$S/mail/1.eml"; }
#
# smtp_require		skip unless $PYTHON3 has aiosmtpd (fail under $CI).
# smtpd_start DIR [opt...]
#			start smtpd.py with its messages in DIR/mail (N.eml,
#			N.json), its pid in DIR/pid, its output in DIR/log;
#			the options go to smtpd.py (--tls CERT KEY, --auth U P,
#			--rcpt ADDR=REPLY, --data-reply R, --drop CMD,
#			--greet R, --pipelining, --dsn, --port N, --host A...).
#			Returns non-zero, with the log, if it does not start.
# smtpd_port DIR	the port it listens on.
# smtpd_stop DIR	stop it (and wait).
# smtpd_count DIR	how many messages it has received.
# smtpd_wait DIR N [secs]
#			wait until N messages have arrived (default 10 s).
# smtp_cert DIR		make DIR/cert.pem and DIR/key.pem, a self-signed
#			certificate for localhost and 127.0.0.1 (once per
#			DIR).

SMTPD_PY=${SMTPD_PY:-$MAILKIT_SRC/tests/lib/smtpd.py}

smtp_require() {
	need_pymod aiosmtpd "capturing SMTP server (Debian python3-aiosmtpd)"
}

smtpd_start() {
	local dir=$1 i
	shift
	mkdir -p "$dir/mail"
	rm -f "$dir/port"
	"$PYTHON3" "$SMTPD_PY" --dir "$dir/mail" --ready "$dir/port" "$@" \
	    </dev/null >"$dir/log" 2>&1 3>&- &
	echo $! > "$dir/pid"
	for i in $(seq 200); do
		[ -s "$dir/port" ] && return 0
		if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
			break
		fi
		sleep 0.05
	done
	echo "smtpd_start: the server did not start; its log:" >&2
	cat "$dir/log" >&2
	return 1
}

smtpd_port() {
	cat "$1/port"
}

smtpd_stop() {
	local dir=$1 pid i
	[ -n "$dir" ] && [ -f "$dir/pid" ] || return 0
	pid=$(cat "$dir/pid")
	rm -f "$dir/pid"
	kill "$pid" 2>/dev/null || return 0
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.05
	done
	kill -9 "$pid" 2>/dev/null
	return 0
}

smtpd_count() {
	local n=0 f
	for f in "$1"/mail/*.json; do
		[ -e "$f" ] && n=$((n + 1))
	done
	echo "$n"
}

smtpd_wait() {
	local dir=$1 want=$2 secs=${3:-10} i
	for i in $(seq $((secs * 20))); do
		[ "$(smtpd_count "$dir")" -ge "$want" ] && return 0
		sleep 0.05
	done
	return 1
}

smtp_cert() {
	local dir=$1
	[ -s "$dir/cert.pem" ] && return 0
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/key.pem" \
	    -out "$dir/cert.pem" -days 2 -subj /CN=localhost \
	    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
	    >/dev/null 2>&1
}
