#!/usr/bin/env python3
"""Deterministic synthetic mail corpus for the coffer testbed.

usage: testbed_gencorpus.py OUT [--messages N] [--seed S] [--big-mb M]

Writes OUT/<user>/<folder>/<n>.eml (the `tools/testbed load-users` layout) and
OUT/MANIFEST.tsv with one line per message file:

    user  mailbox  sha256  size  relative_path

mailbox is the IMAP mailbox name as displayed (UTF-8, '/' as separator,
INBOX for inbox/). The same N and seed give the same bytes (and the same
file mtimes, set to each message's Date:). All lines end in CRLF, so Dovecot
serves every file byte for byte. Python 3 standard library only.
"""

import argparse
import base64
import datetime
import hashlib
import os
import quopri
import random
import re
import shutil
import sys

# (user, display mailbox, directory below OUT/<user>/, weight)
FOLDERS = [
    ("u1", "INBOX", "inbox", 30),
    ("u1", "Sent", "Sent", 8),
    ("u1", "Projects", "Projects", 2),
    ("u1", "Projects/2024", "Projects/2024", 6),
    ("u1", "Entwürfe", "Entwürfe", 3),
    ("u1", "Archive.2023", "Archive.2023", 5),
    ("u1", 'Notes & "Quotes"', 'Notes & "Quotes"', 2),
    ("u2", "INBOX", "inbox", 25),
    ("u2", "Sent", "Sent", 6),
    ("u2", "Projects/2024", "Projects/2024", 4),
    ("u2", "Отчёты", "Отчёты", 4),
    ("u3", "INBOX", "inbox", 15),
    ("u3", "Projects/2024", "Projects/2024", 3),
    ("u3", "Entwürfe", "Entwürfe", 2),
    ("u3", "Отчёты", "Отчёты", 2),
    ("u3", "Lists/dev", "Lists/dev", 5),
]
# One message is byte-identical in these three places (two mailboxes of u1, and u2).
DUPLICATE_SLOTS = [("u1", "INBOX"), ("u1", "Archive.2023"), ("u2", "INBOX")]

FIRST = ["Alice", "Bob", "Carol", "Dmitri", "Élodie", "Frank", "Grete", "Hiro", "Ines",
         "Jürgen", "Kofi", "Lena", "Mateo", "Nadia", "Olga", "Pavel", "Quinn", "Rosa",
         "Søren", "Tanja", "Umar", "Vera", "Wen", "Xavier", "Yusuf", "Zoë"]
LAST = ["Archer", "Baker", "Chen", "Dubois", "Eriksen", "Fischer", "García", "Hoffmann",
        "Ivanova", "Jensen", "Kowalski", "Larsen", "Müller", "Novak", "Okafor", "Petrov",
        "Quist", "Rossi", "Schmidt", "Tanaka", "Ueda", "Varga", "Weber", "Yilmaz", "Zhou"]
DOMAINS = ["example.com", "example.org", "example.net", "mail.example.com", "lists.example.org"]
WORDS = ("the of and to in is that for it as with was on be at by this had not are but from "
         "or have an they which one you were all we her she there would their will when who "
         "him been has more if no out do so can what up said about other into than its time "
         "only could new them man some these then two first may any like now my such make over "
         "our even most me state after also made many did must before back see through way "
         "where get much go well your know should down work year because come people just say "
         "archive mailbox folder server message header budget meeting schedule report draft "
         "review quarter release deadline invoice contract proposal figures summary agenda").split()
UNICODE_WORDS = ["Grüße", "Überblick", "façade", "naïve", "Größe", "отчёт", "встреча", "日本語",
                 "café", "Ångström", "żółw", "crème", "résumé", "Ελληνικά", "✓", "€100"]
SUBJECTS = ["Quarterly budget review", "Re: meeting schedule", "Draft proposal", "Fwd: invoice",
            "Release notes", "Agenda for Monday", "Re: Re: contract figures", "Status report",
            "Lunch?", "Server maintenance window", "Summary of the discussion", "Action items"]
ENC_SUBJECTS = ["Überblick Q3 – Entwürfe", "Отчёт за неделю", "Résumé and café ☕",
                "日本語の件名", "Größenangaben für das Projekt", "Ελληνικά θέματα"]


def crlf(lines):
    return "".join(l + "\r\n" for l in lines)


def q_encode(s, charset="utf-8"):
    """RFC 2047 Q encoding of one word."""
    out = []
    for b in s.encode(charset):
        c = chr(b)
        if c == " ":
            out.append("_")
        elif b < 128 and (c.isalnum() or c in "!*+-/"):
            out.append(c)
        else:
            out.append("=%02X" % b)
    return "=?%s?Q?%s?=" % (charset.upper(), "".join(out))


def b_encode(s):
    return "=?UTF-8?B?%s?=" % base64.b64encode(s.encode("utf-8")).decode("ascii")


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.seed = seed
        self.base = datetime.datetime(2024, 1, 2, 8, 0, 0, tzinfo=datetime.timezone.utc)

    def person(self):
        r = self.r
        f, l = r.choice(FIRST), r.choice(LAST)
        local = (f + "." + l).lower()
        local = local.encode("ascii", "ignore").decode() or "user"
        addr = "%s@%s" % (re.sub(r"[^a-z.]", "", local) or "user", r.choice(DOMAINS))
        name = "%s %s" % (f, l)
        if all(ord(c) < 128 for c in name):
            disp = '"%s"' % name if r.random() < 0.5 else name
        else:
            disp = q_encode(name) if r.random() < 0.5 else b_encode(name)
        return "%s <%s>" % (disp, addr), addr

    def paragraph(self, n_words, unicode_ok):
        r = self.r
        words = []
        for _ in range(n_words):
            if unicode_ok and r.random() < 0.04:
                words.append(r.choice(UNICODE_WORDS))
            else:
                words.append(r.choice(WORDS))
        words[0] = words[0].capitalize()
        text = " ".join(words) + "."
        lines, cur = [], ""
        for w in text.split(" "):
            if cur and len(cur) + 1 + len(w) > 72:
                lines.append(cur)
                cur = w
            else:
                cur = (cur + " " + w) if cur else w
        if cur:
            lines.append(cur)
        return lines

    def body_text(self, target, unicode_ok):
        lines = []
        size = 0
        while size < target:
            p = self.paragraph(self.r.randint(8, 90), unicode_ok)
            lines.extend(p)
            lines.append("")
            size += sum(len(l.encode("utf-8")) + 2 for l in p) + 2
        return lines

    def date(self, i):
        r = self.r
        dt = self.base + datetime.timedelta(seconds=i * 3607 + r.randint(0, 3000))
        offs = r.choice([0, 60, 120, -300, -420, 330, 540])
        tz = datetime.timezone(datetime.timedelta(minutes=offs))
        local = dt.astimezone(tz)
        from email.utils import format_datetime
        return format_datetime(local), int(dt.timestamp())

    def message(self, i, kind):
        r = self.r
        frm, frm_addr = self.person()
        to, _ = self.person()
        date, ts = self.date(i)
        mid = "<%08x.%d.%d@%s>" % (r.getrandbits(32), i, self.seed, frm_addr.split("@", 1)[1])
        if r.random() < 0.25:
            subj = r.choice([b_encode, lambda s: q_encode(s)])(r.choice(ENC_SUBJECTS))
        else:
            subj = r.choice(SUBJECTS) + " #%d" % i
        h = [
            "Return-Path: <%s>" % frm_addr,
            "Received: from relay%d.example.net (relay%d.example.net [192.0.2.%d])" % (i % 7, i % 7, 1 + i % 250),
            "\tby mx.example.com (Postfix) with ESMTPS id %X" % r.getrandbits(40),
            "\tfor <%s>; %s" % (to.split("<")[-1].rstrip(">"), date),
            "Message-ID: %s" % mid,
            "Date: %s" % date,
            "From: %s" % frm,
            "To: %s" % to,
        ]
        if r.random() < 0.3:
            cc = ", ".join(self.person()[0] for _ in range(r.randint(1, 4)))
            h.append("Cc: " + cc.replace(", ", ",\r\n "))
        h.append("Subject: %s" % subj)
        if r.random() < 0.3:
            ref = "<%08x.ref@example.org>" % r.getrandbits(32)
            h.append("In-Reply-To: %s" % ref)
            h.append("References: %s" % ref)
        h.append("MIME-Version: 1.0")
        if kind == "tiny":
            h = ["Message-ID: %s" % mid, "Date: %s" % date, "From: %s" % frm_addr,
                 "To: %s" % to.split("<")[-1].rstrip(">"), "Subject: %s" % subj]
            return (crlf(h) + "\r\n" + "ok\r\n").encode("utf-8"), ts
        if kind == "attach":
            return self.with_attachment(h, i), ts
        target = {"small": r.randint(300, 8000), "medium": r.randint(10000, 60000),
                  "large": r.randint(150000, 200000)}[kind]
        unicode_ok = r.random() < 0.4
        body = self.body_text(target, unicode_ok)
        if unicode_ok and r.random() < 0.5:
            h.append("Content-Type: text/plain; charset=utf-8")
            h.append("Content-Transfer-Encoding: quoted-printable")
            raw = crlf(body).encode("utf-8")
            qp = quopri.encodestring(raw.replace(b"\r\n", b"\n")).replace(b"\n", b"\r\n")
            return crlf(h).encode("utf-8") + b"\r\n" + qp, ts
        h.append("Content-Type: text/plain; charset=%s; format=flowed" % ("utf-8" if unicode_ok else "us-ascii"))
        h.append("Content-Transfer-Encoding: %s" % ("8bit" if unicode_ok else "7bit"))
        return (crlf(h) + "\r\n" + crlf(body)).encode("utf-8"), ts

    def with_attachment(self, h, i):
        r = self.r
        boundary = "=_coffer_%016x" % r.getrandbits(64)
        h.append('Content-Type: multipart/mixed;\r\n boundary="%s"' % boundary)
        parts = ["This is a multi-part message in MIME format.", "",
                 "--" + boundary,
                 "Content-Type: text/plain; charset=utf-8",
                 "Content-Transfer-Encoding: 8bit", ""]
        parts += self.body_text(r.randint(200, 2000), True)
        n_att = r.randint(1, 2)
        for k in range(n_att):
            size = r.randint(3000, 70000)
            data = r.randbytes(size)
            name, ctype = r.choice([("report.pdf", "application/pdf"), ("photo.jpg", "image/jpeg"),
                                    ("data.bin", "application/octet-stream"),
                                    ("Bericht Größe.pdf", "application/pdf")])
            parts.append("--" + boundary)
            if all(ord(c) < 128 for c in name):
                parts.append('Content-Type: %s; name="%s"' % (ctype, name))
                parts.append('Content-Disposition: attachment; filename="%s"' % name)
            else:
                enc = "".join(c if c.isalnum() and ord(c) < 128 else
                              "".join("%%%02X" % b for b in c.encode("utf-8")) for c in name)
                parts.append('Content-Type: %s; name="%s"' % (ctype, b_encode(name)))
                parts.append("Content-Disposition: attachment;\r\n filename*=UTF-8''%s" % enc)
            parts.append("Content-Transfer-Encoding: base64")
            parts.append("")
            b64 = base64.b64encode(data).decode("ascii")
            parts += [b64[j:j + 76] for j in range(0, len(b64), 76)]
        parts.append("--" + boundary + "--")
        parts.append("")
        return (crlf(h) + "\r\n" + crlf(parts)).encode("utf-8")


def pick_kind(r):
    x = r.random()
    if x < 0.10:
        return "tiny"
    if x < 0.70:
        return "small"
    if x < 0.88:
        return "medium"
    if x < 0.97:
        return "attach"
    return "large"


def check_crlf(data, what):
    if data.count(b"\n") != data.count(b"\r\n") or data.count(b"\r") != data.count(b"\r\n"):
        raise SystemExit("internal error: bare CR or LF in %s" % what)
    if b"\0" in data:
        raise SystemExit("internal error: NUL in %s" % what)


def write_file(path, data, ts):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    os.utime(path, (ts, ts))


def big_message(path, mb, seed):
    """About `mb` MiB: headers + one base64 attachment of seeded random bytes; streamed."""
    r = random.Random("big-%d-%s" % (seed, mb))
    total = int(mb * 1048576)
    raw_len = max(57, (total - 1200) // 78 * 57)
    boundary = "=_coffer_big_%016x" % r.getrandbits(64)
    date = "Mon, 01 Jul 2024 12:00:00 +0000"
    ts = int(datetime.datetime(2024, 7, 1, 12, 0, tzinfo=datetime.timezone.utc).timestamp())
    head = crlf([
        "Message-ID: <big.%d.%s@example.com>" % (seed, mb),
        "Date: " + date,
        "From: Big Sender <big.sender@example.com>",
        "To: u1 <u1@example.com>",
        "Subject: Large attachment (%s MB)" % mb,
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="%s"' % boundary,
        "",
        "--" + boundary,
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "A large attachment follows.",
        "--" + boundary,
        'Content-Type: application/octet-stream; name="big.bin"',
        'Content-Disposition: attachment; filename="big.bin"',
        "Content-Transfer-Encoding: base64",
        "",
    ]).encode("ascii")
    tail = crlf(["--" + boundary + "--"]).encode("ascii")
    h = hashlib.sha256()
    size = 0
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        for piece in (head,):
            f.write(piece); h.update(piece); size += len(piece)
        left = raw_len
        chunk = 57 * 16384
        while left > 0:
            n = min(chunk, left)
            data = r.randbytes(n)
            left -= n
            enc = base64.b64encode(data)
            out = b"".join(enc[j:j + 76] + b"\r\n" for j in range(0, len(enc), 76))
            f.write(out); h.update(out); size += len(out)
        f.write(tail); h.update(tail); size += len(tail)
    os.utime(path, (ts, ts))
    return h.hexdigest(), size


def main(argv):
    ap = argparse.ArgumentParser(prog="testbed gen-corpus")
    ap.add_argument("out")
    ap.add_argument("--messages", type=int, default=600)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--big-mb", type=float, default=None)
    a = ap.parse_args(argv)
    if a.messages < 0:
        raise SystemExit("testbed: gen-corpus: --messages must be >= 0")
    if a.big_mb is not None and a.big_mb <= 0:
        raise SystemExit("testbed: gen-corpus: --big-mb must be > 0")

    out = os.path.abspath(a.out)
    if os.path.exists(out):
        if not os.path.isdir(out):
            raise SystemExit("testbed: gen-corpus: %s exists and is not a directory" % out)
        if os.listdir(out):
            if not os.path.exists(os.path.join(out, "MANIFEST.tsv")):
                raise SystemExit("testbed: gen-corpus: %s is not empty and not a generated corpus; refusing to overwrite" % out)
            shutil.rmtree(out)
    os.makedirs(out, exist_ok=True)

    g = Gen(a.seed)
    r = g.r
    n = a.messages
    slots = list(range(len(FOLDERS)))
    weights = [f[3] for f in FOLDERS]
    # message index -> slot; first one per folder, then weighted
    assign = []
    for i in range(n):
        if i < len(slots):
            assign.append(slots[i])
        else:
            assign.append(r.choices(slots, weights)[0])
    # the duplicated message takes the first places of its three slots
    dup_slots = [next(k for k, f in enumerate(FOLDERS) if (f[0], f[1]) == d) for d in DUPLICATE_SLOTS]
    dup_data = None
    counters = {}
    rows = []
    dup_positions = set()
    if n >= len(FOLDERS) + 2:
        # index 0 is u1 INBOX (FOLDERS[0]); the other two copies come right after
        # the one-per-folder block
        assign[len(FOLDERS)] = dup_slots[1]
        assign[len(FOLDERS) + 1] = dup_slots[2]
        dup_positions = {0, len(FOLDERS), len(FOLDERS) + 1}
    for i in range(n):
        user, mbox, d, _w = FOLDERS[assign[i]]
        if i in dup_positions and dup_data is not None:
            data, ts = dup_data
        else:
            kind = "small" if i in dup_positions else pick_kind(r)
            data, ts = g.message(i, kind)
            if i in dup_positions:
                dup_data = (data, ts)
        check_crlf(data, "message %d" % i)
        counters[(user, d)] = counters.get((user, d), 0) + 1
        rel = "%s/%s/%d.eml" % (user, d, counters[(user, d)])
        write_file(os.path.join(out, rel), data, ts)
        rows.append((user, mbox, hashlib.sha256(data).hexdigest(), len(data), rel,
                     counters[(user, d)]))
    if a.big_mb is not None:
        rel = "u1/Big/1.eml"
        digest, size = big_message(os.path.join(out, rel), a.big_mb, a.seed)
        rows.append(("u1", "Big", digest, size, rel, 1))
    rows.sort(key=lambda x: (x[0], x[1], x[5]))
    with open(os.path.join(out, "MANIFEST.tsv"), "w", encoding="utf-8", newline="\n") as f:
        for user, mbox, digest, size, rel, _ in rows:
            f.write("%s\t%s\t%s\t%d\t%s\n" % (user, mbox, digest, size, rel))
    total = sum(x[3] for x in rows)
    print("gen-corpus: %d messages (%d bytes) in %s" % (len(rows), total, out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
