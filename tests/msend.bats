#!/usr/bin/env bats
# msend: submission over SMTP against real servers on loopback: aiosmtpd
# (tests/lib/smtpd.py), Postfix's smtp-sink and a private Postfix, NSD
# for direct MX delivery inside a private network namespace, and msmtp
# for comparison.

load 'lib/common'
load 'lib/smtp'
load 'lib/postfix'

setup() {
	smtp_require
	T=$(mk_tmp msend)
	S=$T/s1
	smtp_cert "$T"
}

teardown() {
	local d
	for d in "$T"/s*; do
		[ -d "$d" ] && smtpd_stop "$d"
	done
	[ -z "${PF_STARTED:-}" ] || postfix_stop
	if [ -n "${PF:-}" ]; then
		dovecot -c "$PF/dovecot.conf" stop 2>/dev/null
		rm -rf "$PF"
	fi
	return 0
}

# conf PORT [line...]: $T/conf with account "test" at 127.0.0.1:PORT,
# STARTTLS verified against the test's certificate, then the lines.
conf() {
	local port=$1
	shift
	{
		echo "# msend test configuration"
		echo "defaults"
		echo "  logfile $T/log"
		echo "  domain client.test"
		echo "  tls_ca $T/cert.pem"
		echo "account test"
		echo "  host 127.0.0.1"
		echo "  port $port"
		echo "  from sender@client.test"
		printf '  %s\n' "$@"
	} > "$T/conf"
	chmod 600 "$T/conf"
}

# msg: a message with fixed Date and Message-ID.
msg() {
	cat <<-'EOF'
	From: Alice <alice@example.org>
	To: bob@example.org
	Cc: "Carol C." <carol@example.org>
	Bcc: secret@example.org
	Subject: test
	Date: Mon, 2 Jan 2006 15:04:05 +0000
	Message-ID: <fixed@example.org>

	line one
	.leading dot
	..two dots
	last
	EOF
}

# json FILE KEY: a value of an envelope, as JSON.
json() {
	"$PYTHON3" -c 'import json, sys
print(json.dumps(json.load(open(sys.argv[1]))[sys.argv[2]]))' "$1" "$2"
}

start_tls_server() {
	smtpd_start "$S" --tls "$T/cert.pem" "$T/key.pem" "$@"
	conf "$(smtpd_port "$S")"
}

@test "usage: unknown option is 64, -V prints the version" {
	run msend -Z
	assert_failure 64
	assert_output --partial "usage: msend"
	run msend -V
	assert_success
	assert_output --regexp '^mailkit [0-9]'
	run msend -q -Q
	assert_failure 64
}

@test "config: missing file is 78, syntax error names the line" {
	run msend -C "$T/none" a@b </dev/null
	assert_failure 78
	printf 'account a\n  host x\n  bogus 1\n' > "$T/bad"
	run msend -C "$T/bad" a@b </dev/null
	assert_failure 78
	assert_output --partial "bad:3: unknown keyword"
	printf 'account a\n  tls maybe\n' > "$T/bad"
	run msend -C "$T/bad" a@b </dev/null
	assert_failure 78
	assert_output --partial "bad:2: starttls, on or off expected"
	printf 'account a\n  host x\n' > "$T/ok"
	run msend -C "$T/ok" -a nosuch a@b </dev/null
	assert_failure 78
	assert_output --partial "no account nosuch"
}

@test "config: a password in a file readable by others is refused (77)" {
	conf 1 "password secret"
	chmod 640 "$T/conf"
	run msend -C "$T/conf" a@b < /dev/null
	assert_failure 77
	assert_output --partial "holds a password but its mode is 640"
	chmod 600 "$T/conf"
	printf 'account a\n  host x\n' > "$T/gw"
	chmod 664 "$T/gw"
	run msend -C "$T/gw" a@b < /dev/null
	assert_failure 77
	assert_output --partial "writable by others"
}

@test "STARTTLS, AUTH, PIPELINING: exact bytes, Bcc removed, envelope from -t" {
	start_tls_server --pipelining --auth alice secret
	conf "$(smtpd_port "$S")" "user alice" "password secret"
	run msend -C "$T/conf" -t < <(msg)
	assert_success
	assert_output ""
	smtpd_wait "$S" 1
	printf '%s\r\n' "From: Alice <alice@example.org>" \
	    "To: bob@example.org" "Cc: \"Carol C.\" <carol@example.org>" \
	    "Subject: test" "Date: Mon, 2 Jan 2006 15:04:05 +0000" \
	    "Message-ID: <fixed@example.org>" "" "line one" ".leading dot" \
	    "..two dots" "last" > "$T/want"
	cmp "$S/mail/1.eml" "$T/want"
	run json "$S/mail/1.json" rcpt_tos
	assert_output '["bob@example.org", "carol@example.org", "secret@example.org"]'
	run json "$S/mail/1.json" mail_from
	assert_output '"sender@client.test"'
	run json "$S/mail/1.json" tls
	assert_output true
	run json "$S/mail/1.json" auth
	assert_output '"alice"'
	run json "$S/mail/1.json" helo
	assert_output '"client.test"'
	run json "$S/mail/1.json" mail_options
	assert_output --regexp '^\["SIZE=[0-9]+"\]$'
}

@test "AUTH LOGIN when asked for; a wrong password is 77" {
	start_tls_server --auth alice secret
	conf "$(smtpd_port "$S")" "user alice" "password secret" "auth login"
	run msend -C "$T/conf" bob@example.org < <(msg)
	assert_success
	conf "$(smtpd_port "$S")" "user alice" "password wrong"
	run msend -C "$T/conf" bob@example.org < <(msg)
	assert_failure 77
	assert_output --partial "AUTH: 535"
	[ "$(smtpd_count "$S")" -eq 1 ]
}

@test "passwordeval gives the password" {
	start_tls_server --auth alice 's3cret word'
	conf "$(smtpd_port "$S")" "user alice" \
	    "passwordeval printf '%s\\n' 's3cret word'"
	run msend -C "$T/conf" bob@example.org < <(msg)
	assert_success
	conf "$(smtpd_port "$S")" "user alice" "passwordeval exit 1"
	run msend -C "$T/conf" bob@example.org < <(msg)
	assert_failure 75
	assert_output --partial "passwordeval failed"
}

@test "AUTH without TLS only when auth_without_tls says so" {
	smtpd_start "$S" --auth alice secret --auth-cleartext
	conf "$(smtpd_port "$S")" "tls off" "user alice" "password secret"
	run msend -C "$T/conf" bob@example.org < <(msg)
	assert_failure 77
	assert_output --partial "AUTH refused: the connection is not encrypted"
	[ "$(smtpd_count "$S")" -eq 0 ]
	conf "$(smtpd_port "$S")" "tls off" "user alice" "password secret" \
	    "auth_without_tls on"
	run msend -C "$T/conf" bob@example.org < <(msg)
	assert_success
	run json "$S/mail/1.json" tls
	assert_output false
}

@test "TLS: wrong CA is 69, system CAs are 69, tls_verify off sends" {
	start_tls_server
	mkdir "$T/other"
	smtp_cert "$T/other"
	conf "$(smtpd_port "$S")" "tls_ca $T/other/cert.pem"
	run msend -C "$T/conf" bob@example.org < <(msg)
	assert_failure 69
	assert_output --partial "TLS handshake"
	sed -i '/tls_ca/d' "$T/conf"
	run msend -C "$T/conf" bob@example.org < <(msg)
	assert_failure 69
	[ "$(smtpd_count "$S")" -eq 0 ]
	echo "  tls_verify off" >> "$T/conf"
	run msend -C "$T/conf" bob@example.org < <(msg)
	assert_success
	[ "$(smtpd_count "$S")" -eq 1 ]
}

@test "STARTTLS required: a server without it is 69" {
	smtpd_start "$S"
	conf "$(smtpd_port "$S")"
	run msend -C "$T/conf" bob@example.org < <(msg)
	assert_failure 69
	assert_output --partial "does not offer STARTTLS"
	[ "$(smtpd_count "$S")" -eq 0 ]
}

@test "implicit TLS (tls on)" {
	smtpd_start "$S" --tls "$T/cert.pem" "$T/key.pem" --implicit-tls
	conf "$(smtpd_port "$S")" "tls on"
	run msend -C "$T/conf" bob@example.org < <(msg)
	assert_success
	run json "$S/mail/1.json" tls
	assert_output true
	grep -q ' tls=TLSv1\.[23] .*status=sent' "$T/log"
}

@test "missing Date, Message-ID and From are added (RFC 6409 §8)" {
	start_tls_server
	conf "$(smtpd_port "$S")"
	printf 'Subject: bare\n\nbody\n' |
	    msend -C "$T/conf" -F 'Bob Q. Public' bob@example.org
	smtpd_wait "$S" 1
	tr -d '\r' < "$S/mail/1.eml" > "$T/got"
	grep -Eq '^Date: [A-Z][a-z]{2}, [0-9]{1,2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} [-+][0-9]{4}$' "$T/got"
	grep -Eq '^Message-ID: <[0-9]+\.[0-9a-f]+@client\.test>$' "$T/got"
	grep -qx 'From: "Bob Q. Public" <sender@client.test>' "$T/got"
	# the message's own fields stay as they are, once
	[ "$(grep -c '^Date:' "$T/got")" -eq 1 ]
	run msend -C "$T/conf" bob@example.org < <(msg)
	assert_success
	smtpd_wait "$S" 2
	[ "$(grep -c '^Date: Mon, 2 Jan 2006' "$S/mail/2.eml")" -eq 1 ]
	[ "$(grep -c '^Message-ID:' "$S/mail/2.eml")" -eq 1 ]
}

@test "CR or LF in command-line header values is refused (64)" {
	conf 1
	run msend -C "$T/conf" -F $'Eve\r\nBcc: x@y' bob@example.org < <(msg)
	assert_failure 64
	assert_output --partial "-F: CR or LF not allowed"
	run msend -C "$T/conf" $'bob@example.org\nX: y' < <(msg)
	assert_failure 64
	run msend -C "$T/conf" -f $'a@b\r\n' bob@example.org < <(msg)
	assert_failure 64
	run msend -C "$T/conf" < <(msg)
	assert_failure 64
	assert_output --partial "no recipients"
}

@test "-t with Resent- fields: the first Resent- block only" {
	start_tls_server
	conf "$(smtpd_port "$S")"
	cat > "$T/m" <<-'EOF'
	Resent-From: r2@example.org
	Resent-To: new1@example.org
	Resent-Bcc: hidden@example.org
	Resent-Date: Tue, 3 Jan 2006 10:00:00 +0000
	Received: from somewhere
	Resent-To: old@example.org
	From: a@example.org
	To: orig@example.org
	Bcc: origbcc@example.org
	Subject: resent

	x
	EOF
	run msend -C "$T/conf" -t extra@example.org < "$T/m"
	assert_success
	run json "$S/mail/1.json" rcpt_tos
	assert_output '["extra@example.org", "new1@example.org", "hidden@example.org"]'
	! grep -qi '^Resent-Bcc:\|^Bcc:' "$S/mail/1.eml"
	grep -q '^Resent-To: old@example.org' "$S/mail/1.eml"
}

@test "dot-stuffing, CRLF, and the lone dot that ends input without -i" {
	start_tls_server
	conf "$(smtpd_port "$S")"
	h='From: a@example.org\nDate: Mon, 2 Jan 2006 15:04:05 +0000\nMessage-ID: <d@x>\n'
	printf "${h}Subject: dots\r\n\r\n.\r\n..\r\n.x\nend" > "$T/m"
	run msend -C "$T/conf" -i bob@example.org < "$T/m"
	assert_success
	printf "${h//\\n/\\r\\n}"'Subject: dots\r\n\r\n.\r\n..\r\n.x\r\nend\r\n' > "$T/want"
	cmp "$S/mail/1.eml" "$T/want"
	# sendmail's rule: without -i a line "." ends the message
	printf 'Subject: cut\n\nkept\n.\nlost\n' |
	    msend -C "$T/conf" bob@example.org
	smtpd_wait "$S" 2
	grep -q kept "$S/mail/2.eml"
	! grep -q lost "$S/mail/2.eml"
}

@test "a line over 998 octets is refused with a clear error (65)" {
	start_tls_server
	conf "$(smtpd_port "$S")"
	{ printf 'Subject: long\n\nok\n'; head -c 999 /dev/zero | tr '\0' x;
	  echo; } > "$T/m"
	run msend -C "$T/conf" bob@example.org < "$T/m"
	assert_failure 65
	assert_output --partial "line 4 of the message is longer than 998 octets"
	[ "$(smtpd_count "$S")" -eq 0 ]
	{ printf 'Subject: long\n\n'; head -c 998 /dev/zero | tr '\0' x;
	  echo; } > "$T/m"
	run msend -C "$T/conf" bob@example.org < "$T/m"
	assert_success
}

@test "8-bit: BODY=8BITMIME when offered, 69 when not" {
	start_tls_server
	conf "$(smtpd_port "$S")"
	printf 'Subject: caf\xc3\xa9\n\n\xc3\xa9t\xc3\xa9\n' > "$T/m"
	run msend -C "$T/conf" bob@example.org < "$T/m"
	assert_success
	run json "$S/mail/1.json" mail_options
	assert_output --partial '"BODY=8BITMIME"'
	smtpd_stop "$S"
	S=$T/s2
	start_tls_server --no-8bitmime
	run msend -C "$T/conf" bob@example.org < "$T/m"
	assert_failure 69
	assert_output --partial "does not offer 8BITMIME"
	run msend -C "$T/conf" bob@example.org < <(msg)
	assert_success
	run json "$S/mail/1.json" mail_options
	refute_output --partial BODY
}

@test "SMTPUTF8 only when an address needs it" {
	start_tls_server --smtputf8
	conf "$(smtpd_port "$S")"
	run msend -C "$T/conf" bob@example.org < <(msg)
	assert_success
	run json "$S/mail/1.json" mail_options
	refute_output --partial SMTPUTF8
	run msend -C "$T/conf" "$(printf 'jos\xc3\xa9@example.org')" < <(msg)
	assert_success
	run json "$S/mail/2.json" mail_options
	assert_output --partial SMTPUTF8
}

@test "DSN: -N gives NOTIFY when the server offers DSN" {
	start_tls_server --dsn
	conf "$(smtpd_port "$S")"
	run msend -C "$T/conf" -N success,failure bob@example.org < <(msg)
	assert_success
	run json "$S/mail/1.json" dsn
	assert_output '["NOTIFY=SUCCESS,FAILURE"]'
	run msend -C "$T/conf" -N never,success bob@example.org < <(msg)
	assert_failure 64
	smtpd_stop "$S"
	S=$T/s2
	start_tls_server
	run msend -C "$T/conf" -N never bob@example.org < <(msg)
	assert_success
	run json "$S/mail/1.json" dsn
	assert_output '[]'
}

@test "SIZE: a message over the server's limit is refused before MAIL (65)" {
	start_tls_server --size 200
	conf "$(smtpd_port "$S")"
	{ msg; seq 100; } > "$T/m"
	run msend -C "$T/conf" bob@example.org < "$T/m"
	assert_failure 65
	assert_output --partial "exceeds the server's limit of 200"
	[ "$(smtpd_count "$S")" -eq 0 ]
}

@test "per-recipient outcomes: refused ones reported, others get it" {
	start_tls_server --pipelining \
	    --rcpt 'nobody@example.org=550 5.1.1 <nobody@example.org>: no such user'
	conf "$(smtpd_port "$S")"
	run msend -C "$T/conf" nobody@example.org bob@example.org < <(msg)
	assert_success
	assert_output --partial "<nobody@example.org>: 550 5.1.1 <nobody@example.org>: no such user"
	run json "$S/mail/1.json" rcpt_tos
	assert_output '["bob@example.org"]'
	grep -q 'status=partial' "$T/log"
	run msend -C "$T/conf" nobody@example.org < <(msg)
	assert_failure 67
	[ "$(smtpd_count "$S")" -eq 1 ]
}

@test "4xx recipient without a queue is 75; with a queue, queued (0)" {
	start_tls_server --rcpt 'busy@example.org=450 4.2.0 mailbox busy'
	conf "$(smtpd_port "$S")"
	run msend -C "$T/conf" busy@example.org bob@example.org < <(msg)
	assert_failure 75
	assert_output --partial "450 4.2.0 mailbox busy"
	conf "$(smtpd_port "$S")" "queue_dir $T/q"
	run msend -C "$T/conf" busy@example.org bob@example.org < <(msg)
	assert_success
	assert_output --regexp "queued as [0-9]+\..*450 4.2.0 mailbox busy"
	run msend -C "$T/conf" -Q
	assert_success
	assert_line --partial "<busy@example.org>"
	refute_line --partial "<bob@example.org>"
}

@test "DATA refused: 5xx is 65, 4xx is 75, dropped connection is 75" {
	start_tls_server --data-reply '554 5.6.0 content rejected'
	conf "$(smtpd_port "$S")"
	run msend -C "$T/conf" bob@example.org < <(msg)
	assert_failure 65
	assert_output --partial "554 5.6.0 content rejected"
	smtpd_stop "$S"
	S=$T/s2
	start_tls_server --data-reply '451 4.3.0 try later'
	run msend -C "$T/conf" bob@example.org < <(msg)
	assert_failure 75
	smtpd_stop "$S"
	S=$T/s3
	start_tls_server --drop data
	run msend -C "$T/conf" bob@example.org < <(msg)
	assert_failure 75
	assert_output --partial "connection closed by server"
	smtpd_stop "$S"
	run msend -C "$T/conf" bob@example.org < <(msg)
	assert_failure 75
	assert_output --partial "connect: Connection refused"
}

@test "MAIL refused is 65" {
	start_tls_server --mail-reply '553 5.7.1 sender not allowed'
	conf "$(smtpd_port "$S")"
	run msend -C "$T/conf" bob@example.org < <(msg)
	assert_failure 65
	assert_output --partial "MAIL FROM: 553 5.7.1 sender not allowed"
}

@test "account picked by -a, by -f, by From:, else the default" {
	start_tls_server
	P1=$(smtpd_port "$S")
	S2=$T/s2
	smtpd_start "$S2" --tls "$T/cert.pem" "$T/key.pem"
	P2=$(smtpd_port "$S2")
	cat > "$T/conf" <<-EOF
	defaults
	  tls_ca $T/cert.pem
	  domain client.test
	  logfile $T/log
	account one
	  host 127.0.0.1
	  port $P1
	  from one@example.org
	account two
	  host 127.0.0.1
	  port $P2
	  from *@two.example
	default one
	EOF
	# two's from is a pattern: the sender comes from From:
	msend -C "$T/conf" -a two bob@example.org < <(msg)
	smtpd_wait "$S2" 1
	run json "$S2/mail/1.json" mail_from
	assert_output '"alice@example.org"'
	msend -C "$T/conf" -f x@two.example bob@example.org < <(msg)
	smtpd_wait "$S2" 2
	run json "$S2/mail/2.json" mail_from
	assert_output '"x@two.example"'
	printf 'From: Y <y@TWO.example>\n\nz\n' |
	    msend -C "$T/conf" bob@example.org
	smtpd_wait "$S2" 3
	run json "$S2/mail/3.json" mail_from
	assert_output '"y@TWO.example"'
	msend -C "$T/conf" bob@example.org < <(msg)
	smtpd_wait "$S" 1
	run json "$S/mail/1.json" mail_from
	assert_output '"one@example.org"'
	grep -q 'account=two .*status=sent' "$T/log"
	grep -q 'account=one .*status=sent' "$T/log"
}

@test "called as sendmail: sendmail's options" {
	start_tls_server
	conf "$(smtpd_port "$S")"
	ln -s "$MAILKIT_BIN/msend" "$T/sendmail"
	run "$T/sendmail" -C "$T/conf" -t -oi -oem -odi -bm -B8BITMIME \
	    -f 'envelope@example.org' -F 'Env Sender' -v -- extra@example.org \
	    < <(msg)
	assert_success
	run json "$S/mail/1.json" mail_from
	assert_output '"envelope@example.org"'
	run json "$S/mail/1.json" rcpt_tos
	assert_output '["extra@example.org", "bob@example.org", "carol@example.org", "secret@example.org"]'
	run "$T/sendmail" -C "$T/conf" -bp
	assert_success
	assert_output "Mail queue is empty"
	run "$T/sendmail" -C "$T/conf" -bs
	assert_failure 64
	assert_output --partial "-bs: mode not supported"
	run "$T/sendmail" -C "$T/conf" -Q
	assert_failure 64
	assert_output --partial "usage: sendmail"
}

@test "log: one line per message with account, server, tls, recipients, status" {
	start_tls_server
	conf "$(smtpd_port "$S")"
	msend -C "$T/conf" bob@example.org carol@example.org < <(msg)
	run cat "$T/log"
	assert_line --regexp "^[0-9-]{10}T[0-9:]{8} msend\[[0-9]+\]: id=- account=test server=127\.0\.0\.1:[0-9]+ tls=TLSv1\.[23] from=<sender@client\.test> to=<bob@example\.org>,<carol@example\.org> size=[0-9]+ status=sent reply=\"250 2\.0\.0 OK queued as 1\"$"
	[ "$(wc -l < "$T/log")" -eq 1 ]
}

# ---------------------------------------------------------------- queue

@test "queue: server down → queued (0); -q sends it once; -q again sends nothing" {
	port=$(free_port)
	conf "$port" "queue_dir $T/q" "queue_retry 0"
	run msend -C "$T/conf" bob@example.org < <(msg)
	assert_success
	assert_output --partial "queued as"
	ls "$T/q/msg" | grep -q .
	run msend -C "$T/conf" -Q
	assert_line --partial "<sender@client.test>"
	assert_line --partial "<bob@example.org>"
	assert_line --partial "Connection refused; 1 attempts"
	assert_line "-- 1 queued, 0 failed"
	smtpd_start "$S" --tls "$T/cert.pem" "$T/key.pem" --port "$port"
	run msend -C "$T/conf" -q
	assert_success
	[ "$(smtpd_count "$S")" -eq 1 ]
	[ -z "$(ls "$T/q/msg")" ]
	run msend -C "$T/conf" -q
	[ "$(smtpd_count "$S")" -eq 1 ]
	cmp <(tr -d '\r' < "$S/mail/1.eml") <(msg | grep -v '^Bcc:')
	grep -q 'status=queued' "$T/log"
	grep -q 'status=sent' "$T/log"
}

@test "queue: an entry not yet due is left alone (backoff)" {
	port=$(free_port)
	conf "$port" "queue_dir $T/q" "queue_retry 30m"
	msend -C "$T/conf" bob@example.org < <(msg) 2>/dev/null
	smtpd_start "$S" --tls "$T/cert.pem" "$T/key.pem" --port "$port"
	run msend -C "$T/conf" -q
	assert_success
	[ "$(smtpd_count "$S")" -eq 0 ]
	ls "$T/q/msg" | grep -q .
}

@test "queue: two concurrent runners send an entry once" {
	port=$(free_port)
	conf "$port" "queue_dir $T/q" "queue_retry 0"
	for i in 1 2 3; do
		msend -C "$T/conf" bob@example.org < <(msg) 2>/dev/null
	done
	[ "$(ls "$T/q/msg" | wc -l)" -eq 3 ]
	smtpd_start "$S" --tls "$T/cert.pem" "$T/key.pem" --port "$port" \
	    --delay 0.3
	msend -C "$T/conf" -q & p1=$!
	msend -C "$T/conf" -q & p2=$!
	wait "$p1"
	wait "$p2"
	msend -C "$T/conf" -q
	[ "$(smtpd_count "$S")" -eq 3 ]
	[ -z "$(ls "$T/q/msg")" ]
}

@test "queue: a 550 moves the entry to failed/ and bounces to the sender" {
	port=$(free_port)
	conf "$port" "queue_dir $T/q" "queue_retry 0" \
	    "local_delivery cat > $T/bounce; echo \"\$RECIPIENT\" > $T/bounce.to"
	msend -C "$T/conf" bob@example.org < <(msg) 2>/dev/null
	smtpd_start "$S" --tls "$T/cert.pem" "$T/key.pem" --port "$port" \
	    --rcpt 'bob@example.org=550 5.1.1 no such user bob'
	run msend -C "$T/conf" -q
	assert_success
	[ -z "$(ls "$T/q/msg")" ]
	[ "$(ls "$T/q/failed" | wc -l)" -eq 1 ]
	grep -q '^error .*550 5.1.1 no such user bob' "$T/q/failed/"*
	run cat "$T/bounce.to"
	assert_output "sender@client.test"
	run cat "$T/bounce"
	assert_line "To: <sender@client.test>"
	assert_line "Auto-Submitted: auto-replied"
	assert_line --regexp "^<bob@example.org>: .*550 5.1.1 no such user bob$"
	assert_line "Subject: test"
	run msend -C "$T/conf" -Q
	assert_line --partial "(failed)"
	grep -q 'status=bounced' "$T/log"
}

@test "queue: given up after queue_lifetime, with a bounce" {
	port=$(free_port)
	conf "$port" "queue_dir $T/q" "queue_retry 0" "queue_lifetime 0" \
	    "local_delivery cat > $T/bounce"
	msend -C "$T/conf" bob@example.org < <(msg) 2>/dev/null
	run msend -C "$T/conf" -q
	assert_success
	[ -z "$(ls "$T/q/msg")" ]
	[ "$(ls "$T/q/failed" | wc -l)" -eq 1 ]
	grep -q 'Connection refused' "$T/bounce"
	grep -q 'status=expired' "$T/log"
}

# ---------------------------------------------------------------- smtp-sink

@test "EHLO refused: HELO is used (Postfix smtp-sink)" {
	need_peer smtp-sink "Postfix's test server (Debian postfix)"
	port=$(free_port)
	# (no -d: the sink runs as nobody, who cannot enter bats' temp dir)
	smtp-sink -u nobody -f EHLO "127.0.0.1:$port" 10 \
	    </dev/null >/dev/null 2>&1 3>&- &
	echo $! > "$T/sink.pid"
	wait_port "$port"
	conf "$port" "tls off"
	run msend -C "$T/conf" -v bob@example.org < <(msg)
	kill "$(cat "$T/sink.pid")"
	assert_success
	assert_line --partial "< 500 5.3.0 Error: command failed"
	assert_line --partial "> HELO client.test"
	assert_line --partial "< 250 2.0.0 Ok"
}

# ---------------------------------------------------------------- Postfix

# pf_sasl_start: Dovecot's auth service alone (user alice, password
# secret), for Postfix's SASL on the socket $PF/auth; $PF also holds a
# certificate and a spool directory that Postfix's local(8) can write.
pf_sasl_start() {
	local i
	PF=$(mktemp -d /tmp/msend-pf.XXXXXX)
	chmod 755 "$PF"
	mkdir "$PF/run" "$PF/spool"
	chmod 1777 "$PF/spool"
	smtp_cert "$PF"
	echo 'alice:{PLAIN}secret' > "$PF/passwd"
	cat > "$PF/dovecot.conf" <<-EOD
	base_dir = $PF/run
	state_dir = $PF/run
	log_path = $PF/dovecot.log
	protocols =
	ssl = no
	auth_mechanisms = plain login
	disable_plaintext_auth = no
	passdb {
	  driver = passwd-file
	  args = scheme=PLAIN username_format=%u $PF/passwd
	}
	userdb {
	  driver = static
	  args = uid=nobody gid=nogroup home=/nonexistent
	}
	service auth {
	  unix_listener $PF/auth {
	    mode = 0666
	  }
	}
	EOD
	dovecot -c "$PF/dovecot.conf" || return 1
	for i in $(seq 50); do
		[ -S "$PF/auth" ] && return 0
		sleep 0.1
	done
	cat "$PF/dovecot.log" >&2
	return 1
}

@test "Postfix: submission with STARTTLS and SASL, delivered to a mailbox" {
	need_root "a private Postfix instance"
	need_peer postfix "the MTA (Debian postfix)"
	need_peer dovecot "SASL for Postfix (Debian dovecot-core)"
	pf_sasl_start
	postfix_start "$(printf '%s\n' \
	    "smtpd_tls_cert_file = $PF/cert.pem" \
	    "smtpd_tls_key_file = $PF/key.pem" \
	    "smtpd_tls_security_level = encrypt" \
	    "smtpd_tls_auth_only = yes" \
	    "smtpd_sasl_auth_enable = yes" \
	    "smtpd_sasl_type = dovecot" \
	    "smtpd_sasl_path = $PF/auth" \
	    "smtpd_forbid_bare_newline = reject" \
	    "smtpd_recipient_restrictions = permit_sasl_authenticated, reject" \
	    "mail_spool_directory = $PF/spool")" \
	    "tlsmgr unix - - n 1000? 1 tlsmgr"
	cat > "$T/conf" <<-EOF
	account pf
	  host 127.0.0.1
	  port $POSTFIX_PORT
	  tls_ca $PF/cert.pem
	  user alice
	  password secret
	  from alice@example.org
	  domain client.test
	  logfile $T/log
	EOF
	chmod 600 "$T/conf"
	printf 'Subject: via postfix\nBcc: hidden@example.org\n\nhello\n.dot\n' \
	    > "$T/m"
	run msend -C "$T/conf" "nobody@$POSTFIX_HOST" < "$T/m"
	assert_success
	postfix_wait_empty 30
	run cat "$PF/spool/nobody"
	assert_line "Return-Path: <alice@example.org>"
	assert_line --regexp "^	by $POSTFIX_HOST \(Postfix\) with ESMTPSA id "
	assert_line "Subject: via postfix"
	assert_line --regexp '^Message-ID: <[0-9]+\.[0-9a-f]+@client\.test>$'
	assert_line "hello"
	assert_line ".dot"
	refute_line --partial "hidden@"
	grep -q "sasl_username=alice" "$POSTFIX_LOG"
	# without AUTH the submission policy refuses the recipient
	sed -i '/user alice/d; /password/d' "$T/conf"
	run msend -C "$T/conf" "nobody@$POSTFIX_HOST" < "$T/m"
	assert_failure 67
	assert_output --partial "554 5.7.1"
}

# ---------------------------------------------------------------- direct

@test "direct: MX order in a private network namespace, 421 → next MX, per-domain transactions" {
	need_peer unshare "private network namespace (util-linux)"
	need_peer nsd "DNS server for the test zones (Debian nsd)"
	unshare -rnm true 2>/dev/null ||
	    _absent "unshare -rnm" "user and network namespaces are not allowed here"
	D=$T/dns
	mkdir "$D"
	soa='@ IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300'
	printf '%s\n' '$ORIGIN example.test.' '$TTL 300' "$soa" \
	    '@ IN NS ns' 'ns IN A 127.0.0.1' '@ IN MX 10 mx1' '@ IN MX 20 mx2' \
	    'mx1 IN A 127.0.0.2' 'mx2 IN A 127.0.0.3' > "$D/example.test"
	printf '%s\n' '$ORIGIN other.test.' '$TTL 300' "$soa" \
	    '@ IN NS ns.example.test.' '@ IN MX 5 mx2.example.test.' \
	    > "$D/other.test"
	printf '%s\n' '$ORIGIN nullmx.test.' '$TTL 300' "$soa" \
	    '@ IN NS ns.example.test.' '@ IN MX 0 .' > "$D/nullmx.test"
	echo 'nameserver 127.0.0.1' > "$T/resolv.conf"
	cat > "$T/conf" <<-EOF
	account direct
	  relay direct
	  domain client.test
	  from sender@client.test
	  logfile $T/log
	  timeout 10
	EOF
	chmod 600 "$T/conf"
	cat > "$T/inner.sh" <<-'EOF'
	set -u
	. "$MAILKIT_SRC/tests/lib/nsd.bash"
	. "$MAILKIT_SRC/tests/lib/smtp.bash"
	ip link set lo up
	mount --bind "$T/resolv.conf" /etc/resolv.conf
	NSD_PORT=53 nsd_start "$T/dns" example.test other.test nullmx.test ||
	    exit 90
	smtpd_start "$T/s1" --host 127.0.0.2 --port 25 \
	    --greet '421 4.3.2 mx1 is too busy' || exit 91
	smtpd_start "$T/s2" --host 127.0.0.3 --port 25 --pipelining \
	    --tls "$T/cert.pem" "$T/key.pem" || exit 92
	msend -v -C "$T/conf" a@example.test b@Example.TEST c@other.test \
	    d@nullmx.test < "$T/m" > "$T/out" 2>&1
	echo $? > "$T/rc"
	smtpd_stop "$T/s1"
	smtpd_stop "$T/s2"
	nsd_stop "$T/dns"
	EOF
	msg > "$T/m"
	export T
	run unshare -rnm bash "$T/inner.sh"
	assert_success
	run cat "$T/out"
	assert_line --partial "127.0.0.2] < 421 4.3.2 mx1 is too busy"
	assert_line --partial "127.0.0.3] > STARTTLS"
	assert_line --regexp "<d@nullmx.test>: nullmx.test: .*"
	[ "$(cat "$T/rc")" -eq 0 ]
	[ "$(smtpd_count "$T/s2")" -eq 2 ]
	run json "$T/s2/mail/1.json" rcpt_tos
	assert_output '["a@example.test", "b@Example.TEST"]'
	run json "$T/s2/mail/2.json" rcpt_tos
	assert_output '["c@other.test"]'
	run json "$T/s2/mail/1.json" tls
	assert_output true
	run json "$T/s2/mail/1.json" mail_from
	assert_output '"sender@client.test"'
	grep -q 'server=mx1.example.test\[127.0.0.2\],mx2.example.test\[127.0.0.3\]' "$T/log"
	grep -q 'status=partial' "$T/log"
}

# ---------------------------------------------------------------- msmtp

# compare A B INPUT: the messages A.eml and B.eml (with A.json, B.json)
# that msmtp and msend made of INPUT carry the same envelope and
# equivalent content.  Differences allowed, with their reasons:
# - Date and Message-ID that the input lacked: each program makes its
#   own (time, random part and format differ);
# - fields that were added (From, Date, Message-ID): msmtp puts them
#   first, msend last, as Postfix's cleanup does; so the header fields
#   are compared as sorted lists;
# - MAIL parameters: msmtp sends neither SIZE nor BODY=8BITMIME, msend
#   sends what the server offers (RFC 1870, RFC 6152);
# - the EHLO name comes from each program's own configuration.
compare() {
	"$PYTHON3" - "$1" "$2" "$3" <<-'PY'
	import json, sys
	a, b, inp = sys.argv[1:]
	def env(p):
	    j = json.load(open(p + ".json"))
	    return j["mail_from"], j["rcpt_tos"]
	def split(data):
	    head, _, body = data.partition(b"\r\n\r\n")
	    fields = []
	    for line in head.split(b"\r\n"):
	        if line[:1] in (b" ", b"\t") and fields:
	            fields[-1] += b"\r\n" + line
	        else:
	            fields.append(line)
	    return fields, body
	src = open(inp, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
	srcfields, _ = split(src)
	have = {f.split(b":")[0].lower() for f in srcfields}
	def norm(p):
	    fields, body = split(open(p + ".eml", "rb").read())
	    out = []
	    for f in fields:
	        name = f.split(b":")[0].lower()
	        if name in (b"date", b"message-id") and name not in have:
	            f = name + b": (added)"
	        out.append(f)
	    out.sort()
	    return out, body
	ea, eb = env(a), env(b)
	if ea != eb:
	    sys.exit("envelope differs: msmtp %r, msend %r" % (ea, eb))
	(fa, ba), (fb, bb) = norm(a), norm(b)
	if fa != fb:
	    sys.exit("header differs:\n msmtp %r\n msend %r" % (fa, fb))
	if ba != bb:
	    sys.exit("body differs:\n msmtp %r\n msend %r" % (ba, bb))
	PY
}

@test "msmtp and msend: same envelope, equivalent content" {
	need_peer msmtp "the reference SMTP client (Debian msmtp)"
	start_tls_server --auth alice secret
	port=$(smtpd_port "$S")
	conf "$port" "user alice" "password secret"
	cat > "$T/msmtprc" <<-EOF
	account default
	host 127.0.0.1
	port $port
	tls on
	tls_starttls on
	tls_trust_file $T/cert.pem
	from sender@client.test
	domain client.test
	auth on
	user alice
	password secret
	EOF
	chmod 600 "$T/msmtprc"
	msg > "$T/in1"
	printf 'Subject: bare\nTo: Bob <bob@example.org>\nBcc: x@example.org\n\n.dot\n..\nbody \xc3\xa9\n' > "$T/in2"
	printf 'Subject: crlf\r\nTo: a@example.org, "Q, R" <q@example.org>\r\nCc: undisclosed:;\r\n\r\nline\r\n.\r\nend\r\n' > "$T/in3"
	printf 'From: Someone <someone@example.org>\nTo: a@example.org\nSubject: long\n  folded\n\t subject\n\n%s\n' \
	    "$(head -c 998 /dev/zero | tr '\0' y)" > "$T/in4"
	n=0
	for i in 1 2 3 4; do
		msmtp -C "$T/msmtprc" -t -F 'Full Name' < "$T/in$i"
		msend -C "$T/conf" -t -i -F 'Full Name' < "$T/in$i"
		msmtp -C "$T/msmtprc" -F 'Full Name' extra@example.org < "$T/in$i"
		msend -C "$T/conf" -i -F 'Full Name' extra@example.org < "$T/in$i"
		smtpd_wait "$S" $((n + 4))
		compare "$S/mail/$((n + 1))" "$S/mail/$((n + 2))" "$T/in$i"
		compare "$S/mail/$((n + 3))" "$S/mail/$((n + 4))" "$T/in$i"
		n=$((n + 4))
	done
}
