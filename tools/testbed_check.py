#!/usr/bin/env python3
"""Compare what the testbed server serves with a load source.

usage: testbed_check.py --testbed PATH (user USER DIR | users ROOT)

For every message file that `tools/testbed load` would take from DIR, the
expected served bytes are the file bytes with Dovecot's two rewrites applied
(bare LF -> CRLF, NUL -> 0x80). The multiset of (mailbox, sha256, size) from
`tools/testbed serverdump USER` must equal the expected one. If ROOT holds a
MANIFEST.tsv (from gen-corpus), its sha256 values are checked too.
Prints one summary line per user; exits 1 on any difference.
"""

import collections
import hashlib
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # keep tools/ free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testbed_helper as H  # noqa: E402

BARE_LF = re.compile(rb"(?<!\r)\n")


def served(data):
    return BARE_LF.sub(b"\r\n", data).replace(b"\0", b"\x80")


def wire(parts):
    return "/".join(H.mutf7_encode(p) for p in parts)


def expected_for(src):
    exp = collections.Counter()
    boxes = H.scan(src)
    for parts, files in boxes.items():
        for path, _rel, _flags in files:
            with open(path, "rb") as f:
                data = served(f.read())
            exp[(wire(parts), hashlib.sha256(data).hexdigest(), len(data))] += 1
    return exp


def dump(testbed, user):
    p = subprocess.run([testbed, "serverdump", user], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise SystemExit(p.stderr.decode(errors="replace").strip() or "serverdump failed")
    got = collections.Counter()
    for line in p.stdout.decode("ascii").splitlines():
        mb, _uv, _uid, h, size = line.split("\t")
        got[(mb, h, int(size))] += 1
    return got


def compare(user, exp, got):
    if exp == got:
        nbox = len({k[0] for k in exp})
        print("check %s: ok, %d messages in %d mailboxes" % (user, sum(exp.values()), nbox))
        return True
    missing = exp - got
    extra = got - exp
    print("check %s: MISMATCH, %d expected not served, %d served not expected"
          % (user, sum(missing.values()), sum(extra.values())))
    for (mb, h, size), n in list(missing.items())[:10]:
        print("  missing  %s %s %d x%d" % (mb, h, size, n))
    for (mb, h, size), n in list(extra.items())[:10]:
        print("  extra    %s %s %d x%d" % (mb, h, size, n))
    return False


def manifest_check(root, user, got):
    path = os.path.join(root, "MANIFEST.tsv")
    if not os.path.exists(path):
        return True
    exp = collections.Counter()
    with open(path, encoding="utf-8") as f:
        for line in f:
            u, mb, h, size, _rel = line.rstrip("\n").split("\t")
            if u == user:
                exp[(wire(tuple(mb.split("/"))), h, int(size))] += 1
    if exp == got:
        print("check %s: MANIFEST.tsv ok" % user)
        return True
    print("check %s: MANIFEST.tsv MISMATCH" % user)
    return False


def main(argv):
    if len(argv) < 3 or argv[0] != "--testbed":
        raise SystemExit(__doc__)
    testbed = argv[1]
    rest = argv[2:]
    ok = True
    if rest[0] == "user" and len(rest) == 3:
        user, src = rest[1], rest[2]
        ok = compare(user, expected_for(src), dump(testbed, user))
    elif rest[0] == "users" and len(rest) == 2:
        root = rest[1]
        files, dirs = H.list_entries(root)
        for e in dirs:
            got = dump(testbed, e.name)
            ok = compare(e.name, expected_for(e.path), got) and ok
            ok = manifest_check(root, e.name, got) and ok
    else:
        raise SystemExit(__doc__)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
