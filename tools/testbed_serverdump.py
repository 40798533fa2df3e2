#!/usr/bin/env python3
"""Independent server-side checker for the coffer testbed.

Connects with Python's imaplib over implicit TLS (verifying the testbed CA),
never sets \\Seen (EXAMINE + BODY.PEEK[]), and prints one TSV line per message:

    mailbox_wire  uidvalidity  uid  sha256(BODY.PEEK[])  size

mailbox_wire is the mailbox name exactly as the server sends it in LIST
(modified UTF-7); size is the length of the BODY.PEEK[] bytes. Mailboxes are
sorted by wire name, messages by UID. Mailboxes flagged \\Noselect or
\\NonExistent are skipped; empty mailboxes print nothing.

Shares no code with the loader on purpose. Standard library only.
"""

import argparse
import base64
import hashlib
import imaplib
import os
import re
import ssl
import sys

CHUNK = 200


class Fail(Exception):
    pass


def mutf7_encode(name):
    """UTF-8 str -> IMAP modified UTF-7 (RFC 3501 section 5.1.3)."""
    res = []
    pending = ""
    i = 0
    while i < len(name):
        ch = name[i]
        if " " <= ch <= "~":
            if pending:
                b = base64.b64encode(pending.encode("utf-16-be")).rstrip(b"=").replace(b"/", b",")
                res.append("&" + b.decode() + "-")
                pending = ""
            res.append("&-" if ch == "&" else ch)
        else:
            pending += ch
        i += 1
    if pending:
        b = base64.b64encode(pending.encode("utf-16-be")).rstrip(b"=").replace(b"/", b",")
        res.append("&" + b.decode() + "-")
    return "".join(res)


def imap_quote(s):
    """Quoted string for a 7-bit mailbox name (wire form)."""
    if any(c in s for c in "\r\n\x00") or any(ord(c) > 0x7E for c in s):
        raise Fail("mailbox name cannot be sent as a quoted string: %r" % s)
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tokenize_list_line(data):
    """Parse one LIST response payload: (flags) delimiter name -> (flags, delim, name_bytes)."""
    if isinstance(data, tuple):  # name sent as a literal
        head, lit = data
        m = re.match(rb"^\((?P<flags>[^)]*)\) (?P<delim>NIL|\"(?:\\.|[^\"])\") \{\d+\+?\}$", head)
        if not m:
            raise Fail("cannot parse LIST response %r" % (head,))
        return m.group("flags").split(), m.group("delim"), lit
    m = re.match(rb"^\((?P<flags>[^)]*)\) (?P<delim>NIL|\"(?:\\.|[^\"])\") (?P<name>.*)$", data)
    if not m:
        raise Fail("cannot parse LIST response %r" % (data,))
    name = m.group("name")
    if name.startswith(b'"'):
        if not name.endswith(b'"') or len(name) < 2:
            raise Fail("bad quoted mailbox name %r" % name)
        name = re.sub(rb"\\(.)", rb"\1", name[1:-1])
    return m.group("flags").split(), m.group("delim"), name


def list_mailboxes(M):
    typ, dat = M._simple_command("LIST", '""', '"*"')
    if typ != "OK":
        raise Fail("LIST failed: %r" % dat)
    typ, dat = M._untagged_response(typ, dat, "LIST")
    boxes = []
    for item in dat:
        if item is None:
            continue
        flags, _delim, name = tokenize_list_line(item)
        lflags = {f.lower() for f in flags}
        if b"\\noselect" in lflags or b"\\nonexistent" in lflags:
            continue
        boxes.append(name.decode("ascii"))
    return sorted(set(boxes))


def parse_fetch(dat):
    """Return list of dicts with uid, size (RFC822.SIZE), body from a UID FETCH response."""
    out = []
    cur = None

    def attrs(text, msg):
        m = re.search(rb"\bUID (\d+)", text)
        if m:
            msg["uid"] = int(m.group(1))
        m = re.search(rb"\bRFC822\.SIZE (\d+)", text)
        if m:
            msg["rsize"] = int(m.group(1))

    for item in dat:
        if isinstance(item, tuple):
            head, lit = item
            if re.match(rb"^\d+ \(", head):
                cur = {}
                out.append(cur)
            if cur is None:
                continue
            attrs(head, cur)
            if re.search(rb"BODY\[\] \{\d+\}$", head):
                cur["body"] = lit
        elif isinstance(item, bytes):
            if re.match(rb"^\d+ \(", item):
                cur = {}
                out.append(cur)
                attrs(item, cur)
                if re.search(rb'BODY\[\] ""', item):
                    cur["body"] = b""
            elif cur is not None:
                attrs(item, cur)
    return [m for m in out if "body" in m and "uid" in m]


def dump_mailbox(M, wire, out):
    typ, dat = M.select(imap_quote(wire), readonly=True)  # EXAMINE
    if typ != "OK":
        raise Fail("EXAMINE %s failed: %r" % (wire, dat))
    _, uv = M.response("UIDVALIDITY")
    if not uv or uv[0] is None:
        raise Fail("no UIDVALIDITY for %s" % wire)
    uidvalidity = int(uv[0])
    exists = int(dat[0]) if dat and dat[0] else 0
    if exists == 0:
        return 0
    typ, dat = M.uid("FETCH", "1:*", "(UID)")
    if typ != "OK":
        raise Fail("UID FETCH in %s failed: %r" % (wire, dat))
    uids = sorted({int(m.group(1)) for d in dat if isinstance(d, bytes)
                   for m in [re.search(rb"UID (\d+)", d)] if m})
    n = 0
    for i in range(0, len(uids), CHUNK):
        part = uids[i:i + CHUNK]
        typ, dat = M.uid("FETCH", "%d:%d" % (part[0], part[-1]), "(UID RFC822.SIZE BODY.PEEK[])")
        if typ != "OK":
            raise Fail("UID FETCH in %s failed: %r" % (wire, dat))
        msgs = sorted(parse_fetch(dat), key=lambda m: m["uid"])
        wanted = set(part)
        got = [m for m in msgs if m["uid"] in wanted]
        if len(got) != len(part):
            raise Fail("%s: asked for %d messages, got %d" % (wire, len(part), len(got)))
        for m in got:
            body = m["body"]
            if "rsize" in m and m["rsize"] != len(body):
                print("serverdump: warning: %s uid %d: RFC822.SIZE %d != BODY[] length %d"
                      % (wire, m["uid"], m["rsize"], len(body)), file=sys.stderr)
            out.write("%s\t%d\t%d\t%s\t%d\n" % (wire, uidvalidity, m["uid"],
                                                  hashlib.sha256(body).hexdigest(), len(body)))
            n += 1
    return n


def main(argv):
    ap = argparse.ArgumentParser(prog="testbed serverdump")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=10993)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--secrets", required=True, help="directory with USER.secret files")
    ap.add_argument("--mailbox", help="only this mailbox (display name or wire name)")
    ap.add_argument("user")
    a = ap.parse_args(argv)

    secret_file = os.path.join(a.secrets, a.user + ".secret")
    try:
        with open(secret_file, encoding="utf-8") as f:
            password = f.read()
    except OSError:
        raise Fail("no secret for user %s (%s)" % (a.user, secret_file))

    ctx = ssl.create_default_context(cafile=a.ca)
    imaplib._MAXLINE = 10 * 1024 * 1024
    try:
        M = imaplib.IMAP4_SSL(a.host, a.port, ssl_context=ctx)
    except (OSError, ssl.SSLError) as e:
        raise Fail("cannot connect to %s:%d: %s" % (a.host, a.port, e))
    try:
        try:
            M.login(a.user, password)
        except imaplib.IMAP4.error as e:
            raise Fail("login as %s failed: %s" % (a.user, e))
        boxes = list_mailboxes(M)
        if a.mailbox is not None:
            if a.mailbox in boxes:
                boxes = [a.mailbox]
            elif mutf7_encode(a.mailbox) in boxes:
                boxes = [mutf7_encode(a.mailbox)]
            elif a.mailbox.upper() == "INBOX" and "INBOX" in boxes:
                boxes = ["INBOX"]
            else:
                raise Fail("no such mailbox for %s: %s" % (a.user, a.mailbox))
        out = sys.stdout
        for wire in boxes:
            dump_mailbox(M, wire, out)
        out.flush()
    finally:
        try:
            M.logout()
        except Exception:
            pass
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Fail as e:
        print("testbed: serverdump: %s" % e, file=sys.stderr)
        sys.exit(1)
    except (imaplib.IMAP4.error, OSError, ssl.SSLError) as e:
        print("testbed: serverdump: %s" % str(e).replace("\n", " "), file=sys.stderr)
        sys.exit(1)
