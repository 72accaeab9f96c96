#!/bin/sh
# contrib/bench/send.sh: msend against msmtp, COUNT messages (default
# 1,000), one process per message, to a local aiosmtpd over STARTTLS with
# the certificate verified by both.
#
#	contrib/bench/send.sh [count]
#	MSEND=build/cmd/msend MSMTP=/usr/bin/msmtp contrib/bench/send.sh 200
#
# Both programs send the same 2 KB message to the same server (the
# capturing server of the tests, tests/lib/smtpd.py, with PIPELINING
# offered), in two rounds (msmtp then msend, then msend then msmtp), after
# 20 messages each to warm up.  Prints the total time of each and the ratio
# msend/msmtp (below 1: msend is faster).  The server costs the same for
# both and is part of both times.
set -eu

N=${1:-1000}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
PYTHON3=${PYTHON3:-/usr/bin/python3}
MSEND=${MSEND:-$(command -v msend || echo "$SRC/cmd/msend")}
MSMTP=${MSMTP:-$(command -v msmtp || true)}
[ -x "$MSEND" ] || { echo "send.sh: msend not found (set MSEND)" >&2; exit 1; }
[ -n "$MSMTP" ] || { echo "send.sh: msmtp not found (Debian msmtp)" >&2; exit 1; }
"$PYTHON3" -c 'import aiosmtpd' 2>/dev/null ||
    { echo "send.sh: $PYTHON3 lacks aiosmtpd (Debian python3-aiosmtpd)" >&2; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/mailkit-send.XXXXXX")
pid=
cleanup() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/key.pem" \
    -out "$W/cert.pem" -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 >/dev/null 2>&1
"$PYTHON3" "$SRC/tests/lib/smtpd.py" --dir "$W/mail" --ready "$W/port" \
    --tls "$W/cert.pem" "$W/key.pem" --pipelining >"$W/log" 2>&1 &
pid=$!
i=0
while [ ! -s "$W/port" ]; do
	i=$((i + 1))
	[ "$i" -lt 200 ] || { cat "$W/log" >&2; exit 1; }
	sleep 0.05
done
port=$(cat "$W/port")

cat > "$W/msend.conf" <<EOC
account bench
  host 127.0.0.1
  port $port
  tls starttls
  tls_ca $W/cert.pem
  from bench@client.test
  domain client.test
  logfile $W/msend.log
EOC
cat > "$W/msmtprc" <<EOC
account default
host 127.0.0.1
port $port
tls on
tls_starttls on
tls_trust_file $W/cert.pem
from bench@client.test
domain client.test
EOC
chmod 600 "$W/msend.conf" "$W/msmtprc"

{
	printf 'From: Bench <bench@client.test>\nTo: sink@example.org\n'
	printf 'Subject: benchmark message\nDate: Mon, 2 Jan 2006 15:04:05 +0000\n'
	printf 'Message-ID: <bench@client.test>\n\n'
	i=0
	while [ "$i" -lt 30 ]; do
		printf 'Line %02d of the body, long enough to look like prose in a mail.\n' "$i"
		i=$((i + 1))
	done
} > "$W/msg"

now() { "$PYTHON3" -c 'import time; print(time.monotonic())'; }

# run name count: send count messages with program name; print seconds
run() {
	t0=$(now)
	i=0
	while [ "$i" -lt "$2" ]; do
		case $1 in
		msend) "$MSEND" -C "$W/msend.conf" -i sink@example.org <"$W/msg" ;;
		msmtp) "$MSMTP" -C "$W/msmtprc" sink@example.org <"$W/msg" ;;
		esac
		i=$((i + 1))
	done
	t1=$(now)
	"$PYTHON3" -c "print('%.3f' % ($t1 - $t0))"
}

echo "msend: $("$MSEND" -V)"
echo "msmtp: $("$MSMTP" --version | head -1)"
echo "messages: $N per program ($(wc -c < "$W/msg") bytes each), STARTTLS, one process each"
run msmtp 20 >/dev/null
run msend 20 >/dev/null
half=$((N / 2))
a1=$(run msmtp "$half")
b1=$(run msend "$half")
b2=$(run msend $((N - half)))
a2=$(run msmtp $((N - half)))
got=$(ls "$W/mail" | grep -c '\.json$')
want=$((2 * N + 40))
[ "$got" -eq "$want" ] ||
    { echo "send.sh: the server got $got messages, not $want" >&2; exit 1; }
"$PYTHON3" - "$a1" "$a2" "$b1" "$b2" "$N" <<'PY'
import sys
a1, a2, b1, b2 = map(float, sys.argv[1:5])
n = int(sys.argv[5])
a, b = a1 + a2, b1 + b2
print("msmtp: %8.2f s  (%.2f ms/message)" % (a, 1000 * a / n))
print("msend: %8.2f s  (%.2f ms/message)" % (b, 1000 * b / n))
print("ratio msend/msmtp: %.2f" % (b / a))
PY
