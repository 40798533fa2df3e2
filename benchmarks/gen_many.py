#!/usr/bin/env python3
"""Deterministic corpus for the many-accounts benchmark shape.

usage: gen_many.py OUT [--users N] [--seed S]

Writes OUT/<user>/<folder>/<n>.eml in the `tools/testbed load-users` layout for N
users named ma001, ma002, … Each user has four small mailboxes: INBOX (inbox/),
Sent, Archive and Notes, with 8–16, 3–8, 2–8 and 1–4 messages. Messages are mostly
short plain text (300 B – 6 KB); about one in ten carries a base64 attachment of
8–48 KB. CRLF line endings everywhere (Dovecot serves each file unchanged); each
file's mtime is its Date:. Same N and seed give the same bytes. Python 3 stdlib only.
"""

import argparse
import base64
import datetime
import os
import random
import shutil
import sys

FOLDERS = [("inbox", 8, 16), ("Sent", 3, 8), ("Archive", 2, 8), ("Notes", 1, 4)]
WORDS = ("the of and to in is that for it as with was on be at by this had not are but from or have an "
         "they which one you were all we her she there would their will when who him been has more if no "
         "out do so can what up said about other into than its time only could new them some these then "
         "two first may any like now such make over report meeting budget contract schedule review draft "
         "invoice quarter forecast deadline vendor policy audit compliance archive retention").split()


def text(r, nbytes):
    out, n, line = [], 0, []
    while n < nbytes:
        w = r.choice(WORDS)
        line.append(w)
        n += len(w) + 1
        if len(line) >= r.randint(8, 14):
            out.append(" ".join(line))
            line = []
    if line:
        out.append(" ".join(line))
    return out


def message(r, user, folder, i, seed):
    ts = int(datetime.datetime(2023, 1, 1, tzinfo=datetime.timezone.utc).timestamp()) + r.randint(0, 365 * 86400)
    date = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")
    peer = "p%03d@example.org" % r.randint(1, 500)
    me = "%s@example.com" % user
    frm, to = (me, peer) if folder == "Sent" else (peer, me)
    subject = " ".join(r.choice(WORDS) for _ in range(r.randint(2, 7))).capitalize()
    head = [
        "Message-ID: <%d.%s.%s.%d@bench.example>" % (seed, user, folder.lower(), i),
        "Date: " + date,
        "From: " + frm,
        "To: " + to,
        "Subject: " + subject,
        "MIME-Version: 1.0",
    ]
    body = text(r, r.randint(300, 6000))
    if r.random() < 0.1:
        boundary = "=_bench_%016x" % r.getrandbits(64)
        att = base64.b64encode(r.randbytes(r.randint(8, 48) * 1024)).decode("ascii")
        lines = head + ['Content-Type: multipart/mixed; boundary="%s"' % boundary, "",
                        "--" + boundary, "Content-Type: text/plain; charset=us-ascii", ""] + body + [
                 "--" + boundary, 'Content-Type: application/octet-stream; name="data.bin"',
                 'Content-Disposition: attachment; filename="data.bin"', "Content-Transfer-Encoding: base64", ""]
        lines += [att[j:j + 76] for j in range(0, len(att), 76)] + ["--" + boundary + "--"]
    else:
        lines = head + ["Content-Type: text/plain; charset=us-ascii", ""] + body
    return ("\r\n".join(lines) + "\r\n").encode("ascii"), ts


def main(argv):
    ap = argparse.ArgumentParser(prog="gen_many.py")
    ap.add_argument("out")
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    out = os.path.abspath(a.out)
    stamp = os.path.join(out, ".generated")
    want = "users=%d seed=%d v1\n" % (a.users, a.seed)
    if os.path.exists(stamp) and open(stamp).read() == want:
        return 0  # already there
    if os.path.exists(out):
        shutil.rmtree(out)
    total = size = 0
    for u in range(1, a.users + 1):
        user = "ma%03d" % u
        r = random.Random("many-%d-%s" % (a.seed, user))
        for folder, lo, hi in FOLDERS:
            d = os.path.join(out, user, folder)
            os.makedirs(d)
            for i in range(1, r.randint(lo, hi) + 1):
                data, ts = message(r, user, folder, i, a.seed)
                p = os.path.join(d, "%d.eml" % i)
                with open(p, "wb") as f:
                    f.write(data)
                os.utime(p, (ts, ts))
                total += 1
                size += len(data)
    with open(stamp, "w") as f:
        f.write(want)
    print("gen_many: %d users, %d messages, %d bytes in %s" % (a.users, total, size, out), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
