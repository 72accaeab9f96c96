#!/usr/bin/python3
"""smtpd.py: a capturing SMTP server for mailkit's tests, on aiosmtpd.

    smtpd.py --dir DIR [--host 127.0.0.1] [--port N] [--ready FILE]
             [--tls CERT KEY] [--implicit-tls] [--require-tls]
             [--auth USER PASSWORD] [--auth-cleartext]
             [--rcpt ADDR=REPLY]... [--data-reply REPLY] [--mail-reply REPLY]
             [--drop {mail,rcpt,data}] [--greet REPLY] [--delay SECS]
             [--pipelining] [--dsn] [--smtputf8] [--no-8bitmime]
             [--size N]

Each message received is written to DIR as N.eml (the data as the server
read it: CRLF line ends, dot-unstuffed) and N.json (the envelope: mail_from,
rcpt_tos, mail_options, rcpt_options, dsn, tls, auth, helo), N counting from
1; the .json appears last, complete.  With --port 0 (the default) a free
port is picked; the port is written to --ready FILE once the server
listens.  The server runs until SIGTERM or SIGINT.

--rcpt ADDR=REPLY answers RCPT TO:<ADDR> with REPLY ("550 5.1.1 unknown",
"450 4.2.0 busy"); --data-reply answers the end of data; --mail-reply
answers MAIL; --drop closes the connection at that command; --greet makes
a server that only says REPLY (a "421 ...") and hangs up; --delay waits
before answering the end of data.  aiosmtpd offers neither PIPELINING nor
DSN: --pipelining advertises the first (aiosmtpd reads commands in order,
so pipelined clients work), --dsn the second (NOTIFY= and ORCPT= are taken
off RCPT and recorded in "dsn").
"""

import argparse
import asyncio
import json
import os
import signal
import ssl
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--ready")
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--implicit-tls", action="store_true")
    p.add_argument("--require-tls", action="store_true")
    p.add_argument("--auth", nargs=2, metavar=("USER", "PASSWORD"))
    p.add_argument("--auth-cleartext", action="store_true")
    p.add_argument("--rcpt", action="append", default=[])
    p.add_argument("--mail-reply")
    p.add_argument("--data-reply")
    p.add_argument("--drop", choices=["mail", "rcpt", "data"])
    p.add_argument("--greet")
    p.add_argument("--delay", type=float, default=0)
    p.add_argument("--pipelining", action="store_true")
    p.add_argument("--dsn", action="store_true")
    p.add_argument("--smtputf8", action="store_true")
    p.add_argument("--no-8bitmime", action="store_true")
    p.add_argument("--size", type=int, default=33554432)
    return p.parse_args()


OPTS = parse_args()
COUNT = [0]
LOCK = threading.Lock()


def save(envelope, session, data):
    with LOCK:
        COUNT[0] += 1
        n = COUNT[0]
    base = os.path.join(OPTS.dir, str(n))
    with open(base + ".eml", "wb") as f:
        f.write(data)
    meta = {
        "mail_from": envelope.mail_from,
        "rcpt_tos": envelope.rcpt_tos,
        "mail_options": envelope.mail_options,
        "rcpt_options": envelope.rcpt_options,
        "dsn": getattr(session, "dsn", []),
        "tls": session.ssl is not None or OPTS.implicit_tls,
        "auth": auth_user(session),
        "helo": session.host_name,
    }
    with open(base + ".tmp", "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    os.rename(base + ".tmp", base + ".json")


def auth_user(session):
    data = getattr(session, "auth_data", None)
    if isinstance(data, LoginPassword):
        return data.login.decode(errors="replace")
    return None


class Handler:
    async def handle_EHLO(self, server, session, envelope, hostname,
                          responses):
        session.host_name = hostname
        out = []
        for r in responses:
            if OPTS.no_8bitmime and r[4:] == "8BITMIME":
                continue
            if r == "250 HELP":
                if OPTS.pipelining:
                    out.append("250-PIPELINING")
                if OPTS.dsn:
                    out.append("250-DSN")
            out.append(r)
        return out

    async def handle_MAIL(self, server, session, envelope, address, options):
        if OPTS.drop == "mail":
            server.transport.abort()
            return "421 dropped"
        if OPTS.mail_reply:
            return OPTS.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        if OPTS.drop == "rcpt":
            server.transport.abort()
            return "421 dropped"
        for rule in OPTS.rcpt:
            addr, _, reply = rule.partition("=")
            if addr.lower() == address.lower():
                return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if OPTS.drop == "data":
            server.transport.abort()
            return "421 dropped"
        if OPTS.delay:
            await asyncio.sleep(OPTS.delay)
        if OPTS.data_reply:
            return OPTS.data_reply
        save(envelope, session, envelope.original_content)
        return "250 2.0.0 OK queued as %d" % COUNT[0]


class DsnSMTP(SMTP):
    """Takes NOTIFY= and ORCPT= off RCPT (aiosmtpd refuses them)."""

    async def smtp_RCPT(self, arg):
        if OPTS.dsn and arg:
            words = arg.split(" ")
            dsn = [w for w in words
                   if w.upper().startswith(("NOTIFY=", "ORCPT="))]
            if dsn:
                if not hasattr(self.session, "dsn"):
                    self.session.dsn = []
                self.session.dsn.append(" ".join(dsn))
                arg = " ".join(w for w in words if w not in dsn)
        return await super().smtp_RCPT(arg)


class MyController(Controller):
    def factory(self):
        return DsnSMTP(self.handler, **self.SMTP_kwargs)


def authenticator(server, session, envelope, mechanism, auth_data):
    if (isinstance(auth_data, LoginPassword) and OPTS.auth and
            auth_data.login == OPTS.auth[0].encode() and
            auth_data.password == OPTS.auth[1].encode()):
        return AuthResult(success=True, auth_data=auth_data)
    return AuthResult(success=False, handled=False)


def free_port(host):
    import socket
    s = socket.socket()
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def ready(port):
    if OPTS.ready:
        with open(OPTS.ready + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(OPTS.ready + ".tmp", OPTS.ready)


def greeter(port):
    """A server that only greets with OPTS.greet and hangs up."""
    async def client(reader, writer):
        writer.write((OPTS.greet + "\r\n").encode())
        await writer.drain()
        try:
            await asyncio.wait_for(reader.read(1024), 2)
        except asyncio.TimeoutError:
            pass
        writer.close()

    async def main():
        srv = await asyncio.start_server(client, OPTS.host, port,
                                         reuse_address=True)
        ready(port)
        loop = asyncio.get_running_loop()
        stop = loop.create_future()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set_result, None)
        await stop
        srv.close()

    asyncio.run(main())


def main():
    os.makedirs(OPTS.dir, exist_ok=True)
    port = OPTS.port or free_port(OPTS.host)
    if OPTS.greet:
        greeter(port)
        return
    kw = dict(hostname=OPTS.host, port=port, server_hostname="sink.test",
              enable_SMTPUTF8=OPTS.smtputf8, data_size_limit=OPTS.size,
              auth_require_tls=not OPTS.auth_cleartext)
    ctx = None
    if OPTS.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(OPTS.tls[0], OPTS.tls[1])
    if ctx and OPTS.implicit_tls:
        kw["ssl_context"] = ctx
    elif ctx:
        kw["tls_context"] = ctx
        kw["require_starttls"] = OPTS.require_tls
    if OPTS.auth:
        kw["authenticator"] = authenticator
        kw["auth_required"] = True
    ctl = MyController(Handler(), **kw)
    ctl.start()
    ready(port)
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *a: done.set())
    while not done.wait(1):
        pass
    ctl.stop()


if __name__ == "__main__":
    main()
