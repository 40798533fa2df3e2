#!/usr/bin/env python3
"""A scripted IMAP server for coffer's tests: plays one scenario on loopback.

    tools/scripted-imap.py --scenario tools/scenarios/B14-size-mismatch.json \
        --port-file PORT --log LOG.jsonl [--manifest M.json] [--cases-dir ../shared/cases]

It speaks enough IMAP4rev1 for an archiver (greeting, CAPABILITY, LOGIN, AUTHENTICATE
PLAIN, ID, ENABLE, LIST, STATUS, EXAMINE/SELECT, UID SEARCH, UID FETCH, NOOP, LOGOUT)
over a small mailbox model, answers with the client's own tags, and lets a scenario
inject a case's bytes at the right point. Python 3 standard library only; no TLS.

Scenario (JSON; see tools/scenarios/README.md):

  password       every user name logs in with this password (default "pw")
  greeting       the greeting line ("* OK ..."), capabilities the CAPABILITY list
  mailboxes      [{name (wire), uidvalidity, uidnext?, attributes?, list_as?, messages: [...]}]
  messages       {uid, one body source: text | hex | b64 | fixture (+ embedded_b64) | generate,
                  flags?, internaldate?, rfc822_size?, announce?, omit?, close_after_body?,
                  stall?: [{after, seconds, connections?}], inject?}
  inject_fetch   every UID FETCH answer (untagged and tagged) is injected as one byte string
  inject_search  the `* SEARCH` line is injected
  rules          [{when: {command, uid?, mailbox?, connection?, user?}, reply: {...}, scope?, after?, times?}]
                 (`messages` may also be `{range: [first, last], step?, text?}`: many small ones)
  max_command_length   longer command lines get Dovecot's "Too long argument" BAD

A rule's reply is `lines` (each gets CRLF; `{tag}` is the client's tag), `text`, `b64`,
or a `fixture` file name from the cases' fixtures folder (`embedded_b64` is used when the
folder is absent) whose final tagged line (tag given as `tag`) is re-tagged. With
`scope: "message"` the reply's untagged part stands in for one UID's FETCH response inside
a normal answer; a NO or BAD tagged line there ends the command at once. `after` is "close"
or "stall:SECONDS". Conditions on `connection` count the connections of one user name
(1-based), so "throttled on the first, fine on the second" is `connection: [1]`; `user` is a
prefix of the user name, so one run can hold several variants.

Split injection: a user name ending in `.at-K1-K2-…` gets every injected byte string (rule
replies, messages marked `inject`, answers under `inject_fetch` / `inject_search`) written
in pieces cut at those offsets, 3 ms apart; `.bytes` writes them one byte at a time.
Everything else is written whole.

Log: one JSON object per line: connect, login, command (tag, line, length), rule, search,
stall, server-close and close events with the connection id, user, the user's connection
number and a timestamp. LOGIN passwords
are masked. The manifest lists (mailbox, uid, sha256, size) of every message body served.
"""

import argparse
import base64
import bisect
import hashlib
import json
import os
import random
import re
import socket
import sys
import threading
import time

TAG_RE = re.compile(rb"^([^\s(){%*\"\\\]]+) ")


class Closed(Exception):
    pass


# ----------------------------------------------------------------------------- bodies

class Body:
    """A message body: bytes in memory, or generated on the fly (huge messages)."""

    def __init__(self, data=None, generate=None):
        self.data = data
        self.generate = generate
        self.size = len(data) if data is not None else int(generate["size"])

    def chunks(self, chunk=1 << 16):
        if self.data is not None:
            for i in range(0, len(self.data), chunk):
                yield self.data[i:i + chunk]
            return
        yield from generated_chunks(self.generate, chunk)

    def sha256(self):
        h = hashlib.sha256()
        for c in self.chunks(1 << 20):
            h.update(c)
        return h.hexdigest()


def generated_chunks(g, chunk):
    """A deterministic message of exactly g['size'] bytes: headers, then 76-column base64-like lines."""
    size = int(g["size"])
    seed = int(g.get("seed", 1))
    head = ("From: big@example.com\r\nTo: archive@example.com\r\nSubject: big message %d\r\n"
            "Message-ID: <big-%d@example.com>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            % (seed, seed)).encode()
    rng = random.Random(seed)
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    # One 64 KiB block of lines, reused with a varying rotation: fast and deterministic.
    line_block = b"".join(bytes(rng.choice(alphabet) for _ in range(76)) + b"\r\n" for _ in range(64))
    sent = 0
    buf = head[:size]
    n = 0
    while sent < size:
        while len(buf) < chunk and sent + len(buf) < size:
            k = n % len(line_block)
            buf += line_block[k:] + line_block[:k]
            n += 7
        piece = buf[:min(chunk, size - sent)]
        buf = buf[len(piece):]
        sent += len(piece)
        yield piece


# ----------------------------------------------------------------------------- scenario

class Scenario:
    def __init__(self, path, cases_dir):
        with open(path, encoding="utf-8") as f:
            self.raw = json.load(f)
        self.cases_dir = cases_dir
        s = self.raw
        self.password = s.get("password", "pw")
        self.capabilities = s.get("capabilities", "IMAP4rev1 LITERAL+ ID ENABLE UIDPLUS")
        self.greeting = s.get("greeting", "* OK [CAPABILITY %s] scripted-imap ready" % self.capabilities)
        self.delimiter = s.get("delimiter", "/")
        self.max_command_length = s.get("max_command_length")
        self.mailboxes = []
        for mb in s.get("mailboxes", [{"name": "INBOX", "uidvalidity": 1, "messages": []}]):
            self.mailboxes.append(self.load_mailbox(mb))
        self.rules = s.get("rules", [])
        for r in self.rules:
            r["_bytes"] = self.reply_bytes(r["reply"])

    def fixture_bytes(self, spec):
        name = spec.get("fixture")
        if name and self.cases_dir:
            p = os.path.join(self.cases_dir, "fixtures", name)
            if os.path.exists(p):
                with open(p, "rb") as f:
                    return f.read()
        if "embedded_b64" in spec:
            return base64.b64decode(spec["embedded_b64"])
        raise SystemExit("scripted-imap: fixture %s not found and no embedded copy" % name)

    def load_mailbox(self, mb):
        box = dict(mb)
        box["wire"] = mb["name"].encode("utf-8") if isinstance(mb["name"], str) else bytes(mb["name"])
        if "name_b64" in mb:
            box["wire"] = base64.b64decode(mb["name_b64"])
        msgs = []
        for m in mb.get("messages", []):
            msgs.extend(self.load_messages(m))
        msgs.sort(key=lambda m: m["uid"])
        box["messages"] = msgs
        box.setdefault("uidnext", (msgs[-1]["uid"] + 1) if msgs else 1)
        return box

    def load_messages(self, m):
        """One message, or a `range` of generated small ones: {range: [first, last], step?}."""
        if "range" in m:
            first, last = m["range"]
            step = m.get("step", 1)
            return [self.message(dict(m, uid=u, text=m.get("text", "Subject: m%d\r\n\r\nbody %d\r\n") % (u, u)))
                    for u in range(first, last + 1, step)]
        return [self.message(m)]

    def message(self, m):
        out = dict(m)
        if "text" in m:
            body = Body(m["text"].encode("latin-1"))
        elif "hex" in m:
            body = Body(bytes.fromhex(m["hex"]))
        elif "b64" in m:
            body = Body(base64.b64decode(m["b64"]))
        elif "fixture" in m:
            body = Body(self.fixture_bytes(m))
        elif "generate" in m:
            body = Body(generate=m["generate"])
        else:
            body = Body(b"")
        out["body"] = body
        return out

    def reply_bytes(self, reply):
        if "lines" in reply:
            return "".join(l + "\r\n" for l in reply["lines"]).encode("latin-1")
        if "text" in reply:
            return reply["text"].encode("latin-1")
        if "b64" in reply:
            return base64.b64decode(reply["b64"])
        if "fixture" in reply:
            return self.fixture_bytes(reply)
        return b""

    def mailbox(self, wire):
        for mb in self.mailboxes:
            if mb["wire"] == wire or (wire.upper() == b"INBOX" and mb["wire"].upper() == b"INBOX"):
                return mb
        return None


def split_tagged(data, tag):
    """(untagged part, tagged line or None): the last line starting with `tag ` is the tagged one."""
    if not tag:
        return data, None
    t = tag.encode() + b" "
    idx = data.rfind(b"\r\n" + t)
    if data.startswith(t):
        return b"", data
    if idx < 0:
        return data, None
    return data[:idx + 2], data[idx + 2:]


def retag(data, tag, client_tag):
    untagged, tagged = split_tagged(data, tag)
    if tagged is None:
        return data.replace(b"{tag}", client_tag.encode())
    return untagged + client_tag.encode() + tagged[len(tag):]


def imap_quote(name):
    if name and all(0x20 < b < 0x7F and b not in b'(){%*"\\]' for b in name):
        return name
    return b'"' + name.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


# ----------------------------------------------------------------------------- server

class Server:
    def __init__(self, scenario, log_path):
        self.s = scenario
        self.lock = threading.Lock()
        self.log_file = open(log_path, "a", encoding="utf-8") if log_path else None
        self.user_connections = {}
        self.next_conn = 0
        self.rule_counts = {}

    def log(self, **event):
        if not self.log_file:
            return
        event["t"] = round(time.time(), 4)
        with self.lock:
            self.log_file.write(json.dumps(event) + "\n")
            self.log_file.flush()

    def new_connection_id(self):
        with self.lock:
            self.next_conn += 1
            return self.next_conn

    def user_connection(self, user):
        with self.lock:
            n = self.user_connections.get(user, 0) + 1
            self.user_connections[user] = n
            return n

    def rule_fires(self, i, rule, user):
        times = rule.get("times")
        if times is None:
            return True
        with self.lock:
            key = (i, user)
            n = self.rule_counts.get(key, 0)
            if n >= times:
                return False
            self.rule_counts[key] = n + 1
            return True


class Connection:
    def __init__(self, server, sock):
        self.server = server
        self.s = server.s
        self.sock = sock
        self.id = server.new_connection_id()
        self.user = None
        self.user_conn = 0
        self.mailbox = None
        self.buf = b""
        self.split = None

    # --- I/O

    capture = None

    def send(self, data):
        if self.capture is not None:
            self.capture.append(data)
            return
        try:
            self.sock.sendall(data)
        except OSError:
            raise Closed()

    def inject(self, data):
        """Writes case bytes, cut as the user name asks (`.at-K1-K2…`, `.bytes`)."""
        if self.capture is not None:
            return self.send(data)
        if self.split is None or not data:
            return self.send(data)
        if self.split == "bytes":
            for i in range(len(data)):
                self.send(data[i:i + 1])
            return
        start = 0
        for k in self.split:
            k = min(k, len(data))
            if k <= start:
                continue
            self.send(data[start:k])
            time.sleep(0.003)
            start = k
        self.send(data[start:])

    def read_line(self):
        while b"\r\n" not in self.buf:
            if self.s.max_command_length and len(self.buf) > self.s.max_command_length * 4:
                raise Closed()
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                raise Closed()
            if not chunk:
                raise Closed()
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Closed()
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_command(self):
        """A whole command with its literals, as (line for the log, tokens-source bytes)."""
        line = self.read_line()
        full = line
        while True:
            m = re.search(rb"\{(\d+)(\+?)\}$", line)
            if not m:
                return full
            if not m.group(2):
                self.send(b"+ Ready for literal data\r\n")
            data = self.read_exact(int(m.group(1)))
            line = self.read_line()
            full += b"\r\n" + data + line

    # --- session

    def run(self):
        self.server.log(event="connect", conn=self.id)
        try:
            self.send(self.s.greeting.encode() + b"\r\n")
            while True:
                cmd = self.read_command()
                if not self.handle(cmd):
                    break
        except Closed:
            pass
        finally:
            self.server.log(event="close", conn=self.id, user=self.user, user_conn=self.user_conn)
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()

    def handle(self, cmd):
        m = TAG_RE.match(cmd)
        if not m:
            self.send(b"* BAD Error in IMAP command received by server.\r\n")
            return True
        tag = m.group(1).decode("latin-1")
        rest = cmd[m.end():]
        tokens = tokenize(rest)
        name = tokens[0].upper().decode("latin-1") if tokens else ""
        if name == "UID" and len(tokens) > 1:
            name = "UID " + tokens[1].upper().decode("latin-1")
            args = tokens[2:]
        else:
            args = tokens[1:]
        logged = cmd.decode("latin-1")
        if name == "LOGIN" and len(args) >= 2:
            logged = "%s LOGIN %s ***" % (tag, args[0].decode("latin-1"))
        elif name == "AUTHENTICATE":
            logged = "%s AUTHENTICATE %s ***" % (tag, args[0].decode("latin-1") if args else "")
        self.server.log(event="command", conn=self.id, user=self.user, user_conn=self.user_conn,
                        tag=tag, command=name, line=logged, length=len(cmd) + 2,
                        mailbox=self.mailbox["wire"].decode("latin-1") if self.mailbox else None)
        if self.s.max_command_length and len(cmd) + 2 > self.s.max_command_length:
            word = name.split()[-1] if name else "command"
            self.send(("%s BAD Error in IMAP command %s: Too long argument.\r\n" % (tag, word)).encode())
            return True
        if name not in ("LOGIN", "AUTHENTICATE") and self.apply_rules(tag, name, args, scope="command"):
            return not self.closed
        handler = getattr(self, "cmd_" + name.replace(" ", "_").lower(), None)
        if handler is None:
            self.send(("%s BAD Unknown command %s\r\n" % (tag, name)).encode())
            return True
        return handler(tag, args) is not False

    closed = False

    def after(self, rule):
        what = rule.get("after")
        if not what:
            return
        if what == "close":
            self.closed = True
            self.server.log(event="server-close", conn=self.id, user=self.user)
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            raise Closed()
        if what.startswith("stall:"):
            time.sleep(float(what.split(":", 1)[1]))

    def matching_rules(self, name, args, scope):
        out = []
        for i, r in enumerate(self.s.rules):
            if r.get("scope", "command") != scope:
                continue
            w = r.get("when", {})
            if w.get("command", "").upper() != name:
                continue
            if "connection" in w and self.user_conn not in w["connection"]:
                continue
            if "user" in w and not (self.user or "").startswith(w["user"]):
                continue
            if "mailbox" in w:
                target = self.mailbox["wire"] if name in ("UID FETCH", "UID SEARCH") and self.mailbox else \
                    (args[0] if args else b"")
                if target != w["mailbox"].encode("utf-8"):
                    continue
            if "uid" in w and scope == "command":
                if name != "UID FETCH" or w["uid"] not in parse_set(args[0], self.max_uid()):
                    continue
            out.append((i, r))
        return out

    def apply_rules(self, tag, name, args, scope):
        for i, r in self.matching_rules(name, args, scope):
            if not self.server.rule_fires(i, r, self.user):
                continue
            self.server.log(event="rule", conn=self.id, user=self.user, rule=i, tag=tag)
            if name in ("EXAMINE", "SELECT") and args:
                self.mailbox = self.s.mailbox(args[0])
            self.inject(retag(r["_bytes"], r["reply"].get("tag"), tag))
            self.after(r)
            return True
        return False

    def max_uid(self):
        msgs = self.mailbox["messages"] if self.mailbox else []
        return msgs[-1]["uid"] if msgs else 0

    # --- commands

    def cmd_capability(self, tag, args):
        self.send(("* CAPABILITY %s\r\n%s OK Capability completed.\r\n" % (self.s.capabilities, tag)).encode())

    def cmd_noop(self, tag, args):
        self.send(("%s OK NOOP completed.\r\n" % tag).encode())

    def cmd_id(self, tag, args):
        self.send(('* ID ("name" "scripted-imap")\r\n%s OK ID completed.\r\n' % tag).encode())

    def cmd_enable(self, tag, args):
        self.send(("* ENABLED\r\n%s OK ENABLE completed.\r\n" % tag).encode())

    def cmd_logout(self, tag, args):
        self.send(("* BYE Logging out\r\n%s OK Logout completed.\r\n" % tag).encode())
        return False

    def login_as(self, tag, user, password):
        if password != self.s.password.encode():
            self.send(("%s NO [AUTHENTICATIONFAILED] Authentication failed.\r\n" % tag).encode())
            return
        self.user = user.decode("utf-8", "replace")
        self.user_conn = self.server.user_connection(self.user)
        m = re.search(r"\.at-([\d-]+)$", self.user)
        self.split = [int(k) for k in m.group(1).split("-") if k] if m else \
            ("bytes" if self.user.endswith(".bytes") else None)
        self.server.log(event="login", conn=self.id, user=self.user, user_conn=self.user_conn)
        if self.apply_rules(tag, "LOGIN", [user], scope="command"):
            return
        self.send(("%s OK [CAPABILITY %s] Logged in\r\n" % (tag, self.s.capabilities)).encode())

    def cmd_login(self, tag, args):
        if len(args) < 2:
            return self.send(("%s BAD LOGIN needs a user and a password\r\n" % tag).encode())
        self.login_as(tag, args[0], args[1])

    def cmd_authenticate(self, tag, args):
        if not args or args[0].upper() != b"PLAIN":
            return self.send(("%s NO Unsupported authentication mechanism\r\n" % tag).encode())
        if len(args) > 1:
            resp = args[1]
        else:
            self.send(b"+ \r\n")
            resp = self.read_line()
        try:
            _, user, password = base64.b64decode(resp).split(b"\0")
        except Exception:
            return self.send(("%s BAD Invalid SASL response\r\n" % tag).encode())
        self.login_as(tag, user, password)

    def cmd_list(self, tag, args):
        out = b""
        for mb in self.s.mailboxes:
            attrs = " ".join(mb.get("attributes", ["\\HasNoChildren"])).encode()
            if mb.get("list_as") == "literal":
                name = b"{%d}\r\n" % len(mb["wire"]) + mb["wire"]
            else:
                name = imap_quote(mb["wire"])
            out += b'* LIST (' + attrs + b') "' + self.s.delimiter.encode() + b'" ' + name + b"\r\n"
        self.send(out + ("%s OK List completed.\r\n" % tag).encode())

    def cmd_status(self, tag, args):
        mb = self.s.mailbox(args[0]) if args else None
        if mb is None:
            return self.send(("%s NO Mailbox doesn't exist\r\n" % tag).encode())
        items = "MESSAGES %d UIDNEXT %d UIDVALIDITY %d" % (len(mb["messages"]), mb["uidnext"], mb["uidvalidity"])
        self.send(b"* STATUS " + imap_quote(mb["wire"]) + (" (%s)\r\n%s OK Status completed.\r\n" % (items, tag)).encode())

    def cmd_examine(self, tag, args):
        mb = self.s.mailbox(args[0]) if args else None
        if mb is None:
            self.mailbox = None
            return self.send(("%s NO Mailbox doesn't exist\r\n" % tag).encode())
        self.mailbox = mb
        n = len(mb["messages"])
        self.send(("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* %d EXISTS\r\n* 0 RECENT\r\n"
                   "* OK [UIDVALIDITY %d] UIDs valid\r\n* OK [UIDNEXT %d] Predicted next UID\r\n"
                   "%s OK [READ-ONLY] EXAMINE completed.\r\n" % (n, mb["uidvalidity"], mb["uidnext"], tag)).encode())

    cmd_select = cmd_examine

    def cmd_uid_search(self, tag, args):
        if self.mailbox is None:
            return self.send(("%s BAD No mailbox selected\r\n" % tag).encode())
        uids = [m["uid"] for m in self.mailbox["messages"]]
        if args and args[0].upper() == b"RETURN":
            ranges = compress(uids)
            body = ('* ESEARCH (TAG "%s") UID' % tag) + (" ALL " + ranges if ranges else "")
            return self.send((body + "\r\n%s OK Search completed.\r\n" % tag).encode())
        line = ("* SEARCH%s\r\n" % "".join(" %d" % u for u in uids)).encode()
        self.server.log(event="search", conn=self.id, user=self.user, length=len(line), count=len(uids))
        (self.inject if self.s.raw.get("inject_search") else self.send)(line)
        self.send(("%s OK Search completed.\r\n" % tag).encode())

    def cmd_uid_fetch(self, tag, args):
        if self.mailbox is None:
            return self.send(("%s BAD No mailbox selected\r\n" % tag).encode())
        if not self.s.raw.get("inject_fetch"):
            return self.uid_fetch(tag, args)
        # The whole answer is the case's bytes: built first, then injected (split as asked).
        self.capture = []
        try:
            self.uid_fetch(tag, args)
        finally:
            data, self.capture = b"".join(self.capture), None
            self.inject(data)

    def uid_fetch(self, tag, args):
        wanted = parse_set(args[0], self.max_uid())
        items = b" ".join(args[1:]).upper()
        final = ("%s OK Fetch completed.\r\n" % tag).encode()
        for seq, m in self.selected(wanted):
            rules = self.matching_message_rules(m["uid"])
            if rules:
                i, r = rules[0]
                untagged, tagged = split_tagged(r["_bytes"], r["reply"].get("tag"))
                self.server.log(event="rule", conn=self.id, user=self.user, rule=i, tag=tag, uid=m["uid"])
                if tagged is not None:
                    tagged = tag.encode() + tagged[len(r["reply"]["tag"]):]
                    if not tagged[len(tag) + 1:].upper().startswith(b"OK"):
                        # NO/BAD end the command here; an OK is kept for the end of the answer.
                        self.inject(untagged + tagged)
                        self.after(r)
                        return
                    final = tagged
                self.inject(untagged)
                self.after(r)
                continue
            if m.get("omit"):
                continue
            self.fetch_one(seq, m, items)
        self.send(final)

    def selected(self, wanted):
        """(sequence number, message) of the open mailbox's messages in `wanted`, in UID order."""
        msgs = self.mailbox["messages"]
        uids = self.mailbox.setdefault("_uids", [m["uid"] for m in msgs])
        found = set()
        for a, b in wanted.ranges:
            found.update(range(bisect.bisect_left(uids, a), bisect.bisect_right(uids, b)))
        return [(i + 1, msgs[i]) for i in sorted(found)]

    def matching_message_rules(self, uid):
        out = []
        for i, r in self.matching_rules("UID FETCH", [b"*"], scope="message"):
            if r.get("when", {}).get("uid") == uid and self.server.rule_fires(i, r, self.user):
                out.append((i, r))
        return out

    def fetch_one(self, seq, m, items):
        body = m["body"]
        parts = ["UID %d" % m["uid"]]
        if b"RFC822.SIZE" in items:
            parts.append("RFC822.SIZE %d" % m.get("rfc822_size", body.size))
        if b"INTERNALDATE" in items:
            parts.append('INTERNALDATE "%s"' % m.get("internaldate", "01-Jan-2024 10:00:00 +0000"))
        if b"FLAGS" in items:
            parts.append("FLAGS (%s)" % " ".join(m.get("flags", [])))
        if b"BODY.PEEK[]" not in items and b"BODY[]" not in items:
            return self.send(("* %d FETCH (%s)\r\n" % (seq, " ".join(parts))).encode())
        announce = m.get("announce", body.size)
        head = ("* %d FETCH (%s BODY[] {%d}\r\n" % (seq, " ".join(parts), announce)).encode()
        if m.get("inject") and body.data is not None:
            self.inject(head + body.data + (b"" if m.get("close_after_body") else b")\r\n"))
            if m.get("close_after_body"):
                self.close_now()
            return
        self.send(head)
        stalls = m.get("stall", [])
        stalls = [stalls] if isinstance(stalls, dict) else stalls
        stalls = [st for st in stalls if self.user_conn in st.get("connections", [self.user_conn])]
        sent = 0
        for chunk in body.chunks():
            for st in stalls:
                if sent <= st["after"] < sent + len(chunk):
                    cut = st["after"] - sent
                    self.send(chunk[:cut])
                    self.server.log(event="stall", conn=self.id, user=self.user, seconds=st["seconds"])
                    time.sleep(st["seconds"])
                    chunk = chunk[cut:]
                    sent += cut
            self.send(chunk)
            sent += len(chunk)
        if m.get("close_after_body"):
            self.close_now()
        self.send(b")\r\n")

    def close_now(self):
        self.server.log(event="server-close", conn=self.id, user=self.user)
        self.closed = True
        raise Closed()


def tokenize(data):
    """Atoms, quoted strings (unescaped), literals and parenthesised groups (kept raw)."""
    out = []
    i = 0
    n = len(data)
    while i < n:
        c = data[i:i + 1]
        if c == b" ":
            i += 1
        elif c == b'"':
            j = i + 1
            val = b""
            while j < n and data[j:j + 1] != b'"':
                if data[j:j + 1] == b"\\":
                    j += 1
                val += data[j:j + 1]
                j += 1
            out.append(val)
            i = j + 1
        elif c == b"{":
            m = re.match(rb"\{(\d+)\+?\}\r\n", data[i:])
            size = int(m.group(1))
            start = i + m.end()
            out.append(data[start:start + size])
            i = start + size
        elif c == b"(":
            depth = 0
            j = i
            while j < n:
                if data[j:j + 1] == b"(":
                    depth += 1
                elif data[j:j + 1] == b")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            out.append(data[i:j + 1])
            i = j + 1
        else:
            j = i
            while j < n and data[j:j + 1] not in (b" ", b"("):
                if data[j:j + 1] == b"[":
                    j = data.index(b"]", j)
                j += 1
            out.append(data[i:j])
            i = j
    return out


class UIDRanges:
    def __init__(self, ranges):
        self.ranges = ranges

    def __contains__(self, uid):
        return any(a <= uid <= b for a, b in self.ranges)


def parse_set(text, star):
    ranges = []
    for part in text.decode().split(","):
        ends = [star if e == "*" else int(e) for e in part.split(":")]
        ranges.append((min(ends), max(ends)))
    return UIDRanges(ranges)


def compress(uids):
    out = []
    for u in uids:
        if out and out[-1][1] == u - 1:
            out[-1][1] = u
        else:
            out.append([u, u])
    return ",".join(str(a) if a == b else "%d:%d" % (a, b) for a, b in out)


def exit_with_parent(parent):
    """A test run that dies leaves no server behind."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--manifest", help="write each message's sha256 and size (JSON) here, then serve")
    ap.add_argument("--cases-dir", help="the shared cases folder (fixtures/*.bin); embedded copies otherwise")
    a = ap.parse_args()
    scenario = Scenario(a.scenario, a.cases_dir)
    if a.manifest:
        rows = [{"mailbox": mb["wire"].decode("latin-1"), "uidvalidity": mb["uidvalidity"], "uid": m["uid"],
                 "sha256": m["body"].sha256(), "size": m["body"].size}
                for mb in scenario.mailboxes for m in mb["messages"]]
        with open(a.manifest + ".tmp", "w") as f:
            json.dump(rows, f)
        os.replace(a.manifest + ".tmp", a.manifest)
    server = Server(scenario, a.log)
    threading.Thread(target=exit_with_parent, args=(os.getppid(),), daemon=True).start()
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", a.port))
    ls.listen(64)
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write(str(ls.getsockname()[1]))
        os.replace(a.port_file + ".tmp", a.port_file)
    while True:
        sock, _ = ls.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=Connection(server, sock).run, daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
