# tests/lib/postfix.bash: a private Postfix instance on loopback (root only).
#
#	load 'lib/common'
#	load 'lib/postfix'
#
#	postfix_start [MAIN] [MASTER]
#			make a configuration in a new directory under /tmp
#			that Postfix's own user can reach ($POSTFIX_ROOT:
#			config etc/, queue queue/, log maillog) and start
#			Postfix with it.
#			MAIN holds main.cf lines added after the defaults (a
#			later line wins: "mailbox_command = ...",
#			"relayhost = [127.0.0.1]:2525"); MASTER holds master.cf
#			lines added to the standard services (a pipe transport).
#			smtpd listens on 127.0.0.1:$POSTFIX_PORT; Postfix is
#			final destination for $POSTFIX_HOST and localhost.
#			Skips (fails under CI) without root or Postfix.
#			Sets POSTFIX_ROOT, POSTFIX_DIR (the config dir, for
#			-c), POSTFIX_PORT, POSTFIX_HOST, POSTFIX_LOG and
#			PF_STARTED=1.
#	postfix_stop	stop it and remove $POSTFIX_ROOT (call it from
#			teardown when PF_STARTED is set)
#	postfix_queue	the queue listing (postqueue -p)
#	postfix_flush	try every queued message now (postqueue -f)
#	postfix_wait_empty [secs]
#			wait until no message is queued (default 30 s);
#			on timeout print the queue and the log, return 1
#	postfix_wait_deferred [secs]
#			wait until a message sits in the deferred queue
#	postfix_sendmail args...
#			Postfix's sendmail on this instance (-C DIR)
#
# Mail is best injected with swaks --server 127.0.0.1:$POSTFIX_PORT.
# Retries are fast (backoff 1 s to 5 s) so that tests of deferred mail
# need not wait long; postfix_flush forces one at once.

if ! declare -F mk_tmp >/dev/null; then
	load 'common'
fi

postfix_start() {
	local dir main=${1:-} master=${2:-}
	need_root "Postfix needs root to start"
	need_peer postfix "Postfix, the real MTA"
	[ -n "${POSTFIX_PORT:-}" ] || POSTFIX_PORT=$(free_port)
	POSTFIX_HOST=${POSTFIX_HOST:-mailkit.test}
	dir=$(mktemp -d /tmp/mailkit-postfix.XXXXXX) || return 1
	POSTFIX_ROOT=$dir
	export POSTFIX_ROOT
	mkdir -p "$dir/etc" "$dir/queue" "$dir/data" || return 1
	chmod 755 "$dir" "$dir/etc"
	chown postfix "$dir/data"
	POSTFIX_DIR=$dir/etc
	POSTFIX_LOG=$dir/maillog
	: >"$POSTFIX_LOG"
	cat >"$POSTFIX_DIR/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
myhostname = $POSTFIX_HOST
mydomain = $POSTFIX_HOST
mydestination = \$myhostname, localhost
maillog_file = $POSTFIX_LOG
maillog_file_prefixes = /var, /dev/stdout, /tmp
alias_maps =
alias_database =
biff = no
smtputf8_enable = no
smtpd_banner = \$myhostname ESMTP
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 5s
relayhost =
$main
EOF
	cat >"$POSTFIX_DIR/master.cf" <<EOF
127.0.0.1:$POSTFIX_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
$master
EOF
	postfix -c "$POSTFIX_DIR" check >/dev/null 2>&1 || true
	if ! postfix -c "$POSTFIX_DIR" start >"$dir/start.out" 2>&1; then
		cat "$dir/start.out" "$POSTFIX_LOG" >&2
		return 1
	fi
	PF_STARTED=1
	export POSTFIX_DIR POSTFIX_PORT POSTFIX_HOST POSTFIX_LOG PF_STARTED
	wait_port "$POSTFIX_PORT" 20 || {
		echo "postfix: smtpd does not listen on $POSTFIX_PORT" >&2
		cat "$POSTFIX_LOG" >&2
		return 1
	}
}

postfix_stop() {
	[ -n "${POSTFIX_DIR:-}" ] || return 0
	local q i
	q=$(postconf -c "$POSTFIX_DIR" -h queue_directory)
	postfix -c "$POSTFIX_DIR" stop >/dev/null 2>&1 || true
	for i in $(seq 100); do
		[ -e "$q/pid/master.pid" ] || break
		kill -0 "$(tr -d ' ' <"$q/pid/master.pid")" 2>/dev/null || break
		sleep 0.1
	done
	unset PF_STARTED
	if [ -n "${POSTFIX_ROOT:-}" ]; then
		rm -rf "$POSTFIX_ROOT"
		unset POSTFIX_ROOT
	fi
}

postfix_queue() {
	postqueue -c "$POSTFIX_DIR" -p
}

postfix_flush() {
	postqueue -c "$POSTFIX_DIR" -f
}

postfix_sendmail() {
	/usr/sbin/sendmail -C "$POSTFIX_DIR" "$@"
}

# _postfix_count queue...: files in those queue directories.
_postfix_count() {
	local q d n=0
	q=$(postconf -c "$POSTFIX_DIR" -h queue_directory)
	for d in "$@"; do
		[ -d "$q/$d" ] || continue
		n=$((n + $(find "$q/$d" -type f | wc -l)))
	done
	echo "$n"
}

postfix_wait_empty() {
	local limit=$((${1:-30} * 10)) i
	for i in $(seq "$limit"); do
		[ "$(_postfix_count maildrop incoming active deferred hold)" \
		    -eq 0 ] && return 0
		sleep 0.1
	done
	postfix_queue >&2
	cat "$POSTFIX_LOG" >&2
	return 1
}

postfix_wait_deferred() {
	local limit=$((${1:-30} * 10)) i
	for i in $(seq "$limit"); do
		[ "$(_postfix_count deferred)" -gt 0 ] && return 0
		sleep 0.1
	done
	postfix_queue >&2
	cat "$POSTFIX_LOG" >&2
	return 1
}
