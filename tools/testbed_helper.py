#!/usr/bin/env python3
"""Helper for tools/testbed: users, Maildir loading, readiness check.

Python 3 standard library only. Called by tools/testbed; not a public interface.

Subcommands:
  adduser --dir D [--passwd-gid G] USER
  load --dir D --uid U --gid G [--passwd-gid G] USER SRC
  load-users --dir D --uid U --gid G [--passwd-gid G] ROOT
  wait-greeting --dir D --host H [--timeout S]

Maildir layout written (Dovecot Maildir++ with the `listescape` plugin and `/`
as the IMAP hierarchy separator):
  INBOX            -> D/mail/USER/{cur,new,tmp}
  a/b              -> D/mail/USER/.a.b/{cur,new,tmp,maildirfolder}
  INBOX/x          -> D/mail/USER/.INBOX.x/...
Each name component is encoded as modified UTF-7 (RFC 3501 5.1.3), then
listescape-escaped: '.' -> '\\2e', '\\' -> '\\5c', a leading '~' -> '\\7e'.
"""

import argparse
import base64
import concurrent.futures
import fcntl
import hashlib
import os
import re
import secrets
import socket
import ssl
import sys
import time

PROG = "testbed"
USER_RE = re.compile(r"^[A-Za-z0-9_@+-][A-Za-z0-9._@+-]{0,63}$")
NAME_RE = re.compile(r"^\d+\.T([0-9a-f]{32})\.testbed(?:[:,]|$)")
FLAG_LETTERS = set("DFPRST")
JOB_FILES = 256   # files per write job
WRITERS = 4       # writer threads  # standard Maildir flags Dovecot maps to IMAP flags


class Fail(Exception):
    pass


# --------------------------------------------------------------------------- names

def mutf7_encode(name):
    """UTF-8 str -> IMAP modified UTF-7 (RFC 3501 section 5.1.3)."""
    out = []
    buf = []

    def flush():
        if buf:
            raw = "".join(buf).encode("utf-16-be")
            b64 = base64.b64encode(raw).decode("ascii").rstrip("=").replace("/", ",")
            out.append("&" + b64 + "-")
            buf.clear()

    for ch in name:
        o = ord(ch)
        if 0x20 <= o <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            buf.append(ch)
    flush()
    return "".join(out)


def mutf7_decode(s):
    out = []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch != "&":
            out.append(ch)
            i += 1
            continue
        j = s.index("-", i + 1)
        if j == i + 1:
            out.append("&")
        else:
            b64 = s[i + 1:j].replace(",", "/")
            b64 += "=" * (-len(b64) % 4)
            out.append(base64.b64decode(b64).decode("utf-16-be"))
        i = j + 1
    return "".join(out)


def listescape(component):
    """Escape a (modified UTF-7) name component like Dovecot's listescape plugin."""
    out = []
    for i, ch in enumerate(component):
        if ch in ".\\/" or (i == 0 and ch == "~"):
            out.append("\\%02x" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)


def listunescape(component):
    return re.sub(r"\\([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), component)


def maildir_dirname(parts):
    """Mailbox components (display names) -> directory below the user's Maildir root."""
    if parts == ("INBOX",):
        return ""
    return "." + ".".join(listescape(mutf7_encode(p)) for p in parts)


def display_name(parts):
    return "/".join(parts)


# --------------------------------------------------------------------------- users

def secret_path(d, user):
    return os.path.join(d, "secrets", user + ".secret")


def ssha512(password):
    salt = secrets.token_bytes(16)
    digest = hashlib.sha512(password.encode("utf-8") + salt).digest()
    return "{SSHA512}" + base64.b64encode(digest + salt).decode("ascii")


def adduser(d, user, passwd_gid=None):
    if not USER_RE.match(user):
        raise Fail("invalid user name %r (allowed: letters, digits, . _ @ + -)" % user)
    os.makedirs(os.path.join(d, "secrets"), exist_ok=True)
    os.chmod(os.path.join(d, "secrets"), 0o700)
    # may be a symlink (see resolve_runtime in tools/testbed): replace its target
    passwd = os.path.realpath(os.path.join(d, "users.passwd"))
    lock_fd = os.open(os.path.join(d, ".users.lock"), os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        sp = secret_path(d, user)
        if os.path.exists(sp):
            with open(sp, "r", encoding="utf-8") as f:
                password = f.read()
            if not password:
                raise Fail("empty secret file %s" % sp)
        else:
            password = secrets.token_urlsafe(18)
            tmp = sp + ".tmp"
            fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(password)
            os.rename(tmp, sp)
        os.chmod(sp, 0o600)

        lines = []
        if os.path.exists(passwd):
            with open(passwd, "r", encoding="utf-8") as f:
                lines = f.read().splitlines()
        kept = []
        found = False
        for line in lines:
            name = line.split(":", 1)[0]
            if name == user:
                fields = line.split(":")
                # keep the entry if it still matches the secret; otherwise rewrite it
                if len(fields) > 1 and verify_ssha512(fields[1], password):
                    found = True
                    kept.append(line)
                continue
            kept.append(line)
        if not found:
            kept.append("%s:%s::::::" % (user, ssha512(password)))
            tmp = passwd + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write("\n".join(kept) + "\n")
            if passwd_gid is not None and os.geteuid() == 0:
                os.chown(tmp, 0, passwd_gid)
                os.chmod(tmp, 0o640)
            else:
                os.chmod(tmp, 0o600)
            os.rename(tmp, passwd)
    finally:
        os.close(lock_fd)


def verify_ssha512(stored, password):
    if not stored.startswith("{SSHA512}"):
        return False
    try:
        raw = base64.b64decode(stored[len("{SSHA512}"):])
    except Exception:
        return False
    digest, salt = raw[:64], raw[64:]
    return hashlib.sha512(password.encode("utf-8") + salt).digest() == digest


# --------------------------------------------------------------------------- source scan

def is_hidden(name):
    return name.startswith(".")


def is_maildir(path):
    return os.path.isdir(os.path.join(path, "cur")) and os.path.isdir(os.path.join(path, "new"))


def list_entries(path):
    try:
        with os.scandir(path) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as e:
        raise Fail("cannot read %s: %s" % (path, e.strerror))
    files, dirs = [], []
    for e in entries:
        if is_hidden(e.name):
            continue
        try:
            if e.is_file():
                files.append(e)
            elif e.is_dir():
                dirs.append(e)
        except OSError:
            continue
    return files, dirs


def source_flags(filename):
    """Standard flags from a source Maildir file name ('...:2,FS' -> 'FS')."""
    if ":2," not in filename:
        return ""
    info = filename.rsplit(":2,", 1)[1]
    return "".join(sorted(set(c for c in info if c in FLAG_LETTERS)))


def scan(src):
    """Return {parts_tuple: [(abs_path, rel_path, flags), ...]} for a load source."""
    boxes = {}
    src = os.path.abspath(src)

    def add(parts, path, flags=""):
        boxes.setdefault(parts, []).append((path, os.path.relpath(path, src), flags))

    def walk(path, parts, top):
        # parts == () only for the top directory: its loose files go to INBOX.
        # Every directory is a mailbox, even without messages (so parents of
        # nested folders exist as real, selectable mailboxes).
        here = parts if parts else ("INBOX",)
        boxes.setdefault(here, [])
        if is_maildir(path):
            for sub in ("cur", "new"):
                files, _ = list_entries(os.path.join(path, sub))
                for e in files:
                    add(here, e.path, source_flags(e.name) if sub == "cur" else "")
            # Maildir++ subfolders: hidden '.a.b' directories that are maildirs
            with os.scandir(path) as it:
                plus = sorted((e for e in it if e.name.startswith(".") and e.name not in (".", "..")
                               and e.is_dir() and is_maildir(e.path)), key=lambda e: e.name)
            for e in plus:
                comps = tuple(mutf7_decode(listunescape(c)) for c in e.name[1:].split(".") if c)
                if not comps:
                    continue
                if comps[0].upper() == "INBOX":
                    comps = ("INBOX",) + comps[1:]
                sub_parts = (parts + comps) if parts else comps
                boxes.setdefault(sub_parts, [])
                for sub in ("cur", "new"):
                    files, _ = list_entries(os.path.join(e.path, sub))
                    for f in files:
                        add(sub_parts, f.path, source_flags(f.name) if sub == "cur" else "")
            _, dirs = list_entries(path)
            dirs = [e for e in dirs if e.name not in ("cur", "new", "tmp")]
        else:
            files, dirs = list_entries(path)
            for e in files:
                add(here, e.path)
        for e in dirs:
            if top and e.name.lower() == "inbox":
                child = ("INBOX",)
            else:
                child = parts + (e.name,)
            walk(e.path, child, False)

    walk(src, (), True)
    return boxes


# --------------------------------------------------------------------------- writing

class Writer:
    def __init__(self, root, uid, gid):
        self.root = root
        self.uid = uid
        self.gid = gid
        self.chown = os.geteuid() == 0 and uid is not None

    def _mkdir(self, path):
        if not os.path.isdir(path):
            os.makedirs(path, mode=0o700, exist_ok=True)
        if self.chown:
            st = os.stat(path)
            if st.st_uid != self.uid or st.st_gid != self.gid:
                os.chown(path, self.uid, self.gid)

    def ensure_maildir(self, sub):
        base = os.path.join(self.root, sub) if sub else self.root
        self._mkdir(self.root)
        self._mkdir(base)
        for s in ("cur", "new", "tmp"):
            self._mkdir(os.path.join(base, s))
        if sub:
            mf = os.path.join(base, "maildirfolder")
            if not os.path.exists(mf):
                os.close(os.open(mf, os.O_CREAT | os.O_WRONLY, 0o600))
            if self.chown:
                os.chown(mf, self.uid, self.gid)
        return base


def plan_user(d, user, src, uid, gid, passwd_gid):
    """adduser, create the Maildirs; return (number of mailboxes, jobs).

    A job is (user, maildir_base, [(path, rel, flags)], existing_keys); jobs of
    one mailbox share the same existing_keys set (read-only while writing)."""
    adduser(d, user, passwd_gid)
    boxes = scan(src)
    root = os.path.join(os.path.realpath(os.path.join(d, "mail")), user)
    w = Writer(root, uid, gid)
    w.ensure_maildir("")
    jobs = []
    for parts in sorted(boxes):
        base = w.ensure_maildir(maildir_dirname(parts))
        existing = set()  # content keys of files we wrote earlier
        for sub in ("cur", "new"):
            for fname in os.listdir(os.path.join(base, sub)):
                m = NAME_RE.match(fname)
                if m:
                    existing.add(m.group(1))
        files = boxes[parts]
        for i in range(0, len(files), JOB_FILES):
            jobs.append((user, base, files[i:i + JOB_FILES], existing))
    return len(boxes), jobs


def write_job(job, uid, gid, chown):
    """Write one job's files; returns (user, added, skipped, bytes)."""
    user, base, files, existing = job
    cur = os.path.join(base, "cur")
    tmpdir = os.path.join(base, "tmp")
    added = skipped = nbytes = 0
    for path, rel, flags in files:
        st = os.stat(path)
        with open(path, "rb") as f:
            data = f.read()
        h = hashlib.sha256(rel.encode("utf-8", "surrogateescape") + b"\0" + data).hexdigest()[:32]
        if h in existing:
            skipped += 1
            continue
        # <mtime>.T<key>.testbed: deterministic, so a second identical load adds nothing
        name = "%d.T%s.testbed" % (int(st.st_mtime), h)
        tmp = os.path.join(tmpdir, name)
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        try:
            mv = memoryview(data)
            while mv:
                n = os.write(fd, mv)
                mv = mv[n:]
            if chown:
                os.fchown(fd, uid, gid)
        finally:
            os.close(fd)
        os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
        os.rename(tmp, os.path.join(cur, name + ":2," + flags))
        added += 1
        nbytes += len(data)
    return user, added, skipped, nbytes


def load_many(d, pairs, uid, gid, passwd_gid=None):
    """Load [(user, src)], writing with a few threads (file creation dominates)."""
    chown = os.geteuid() == 0 and uid is not None
    nboxes = {}
    jobs = []
    for user, src in pairs:
        n, j = plan_user(d, user, src, uid, gid, passwd_gid)
        nboxes[user] = n
        jobs.extend(j)
    stats = {user: [0, 0, 0] for user, _ in pairs}
    with concurrent.futures.ThreadPoolExecutor(max_workers=WRITERS) as ex:
        for user, a, s_, b in ex.map(lambda j: write_job(j, uid, gid, chown), jobs):
            st = stats[user]
            st[0] += a
            st[1] += s_
            st[2] += b
    for user, _ in pairs:
        a, s_, b = stats[user]
        print("load %s: %d mailboxes, %d messages added (%d bytes), %d already present"
              % (user, nboxes[user], a, b, s_))
    return stats


def load(d, user, src, uid, gid, passwd_gid=None):
    load_many(d, [(user, src)], uid, gid, passwd_gid)


def load_users(d, root, uid, gid, passwd_gid=None):
    _files, dirs = list_entries(root)
    if not dirs:
        raise Fail("load-users: no user directories in %s" % root)
    stats = load_many(d, [(e.name, e.path) for e in dirs], uid, gid, passwd_gid)
    print("load-users: %d users, %d messages added, %d already present"
          % (len(dirs), sum(v[0] for v in stats.values()), sum(v[1] for v in stats.values())))


# --------------------------------------------------------------------------- readiness

def wait_greeting(d, host, timeout):
    ports = {}
    with open(os.path.join(d, "ports")) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            ports[k] = int(v)
    ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.pem"))
    deadline = time.monotonic() + timeout
    last = "no attempt"
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, ports["imaps_port"]), timeout=5) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                    greet = s.recv(4096)
                    if greet.startswith(b"* OK"):
                        with socket.create_connection((host, ports["imap_port"]), timeout=5) as p:
                            if p.recv(4096).startswith(b"* OK"):
                                return
                    last = "unexpected greeting %r" % greet[:80]
        except (OSError, ssl.SSLError) as e:
            last = str(e)
        time.sleep(0.1)
    raise Fail("no IMAP greeting within %ss: %s" % (timeout, last))


# --------------------------------------------------------------------------- main

def main(argv):
    ap = argparse.ArgumentParser(prog="testbed_helper.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("adduser")
    p.add_argument("--dir", required=True)
    p.add_argument("--passwd-gid", type=int)
    p.add_argument("user")
    p = sub.add_parser("load")
    p.add_argument("--dir", required=True)
    p.add_argument("--uid", type=int)
    p.add_argument("--gid", type=int)
    p.add_argument("--passwd-gid", type=int)
    p.add_argument("user")
    p.add_argument("src")
    p = sub.add_parser("load-users")
    p.add_argument("--dir", required=True)
    p.add_argument("--uid", type=int)
    p.add_argument("--gid", type=int)
    p.add_argument("--passwd-gid", type=int)
    p.add_argument("root")
    p = sub.add_parser("wait-greeting")
    p.add_argument("--dir", required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--timeout", type=float, default=30)
    a = ap.parse_args(argv)
    if a.cmd == "adduser":
        adduser(a.dir, a.user, a.passwd_gid)
    elif a.cmd == "load":
        if not os.path.isdir(a.src):
            raise Fail("load: not a directory: %s" % a.src)
        load(a.dir, a.user, a.src, a.uid, a.gid, a.passwd_gid)
    elif a.cmd == "load-users":
        if not os.path.isdir(a.root):
            raise Fail("load-users: not a directory: %s" % a.root)
        load_users(a.dir, a.root, a.uid, a.gid, a.passwd_gid)
    elif a.cmd == "wait-greeting":
        wait_greeting(a.dir, a.host, a.timeout)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Fail as e:
        print("%s: %s" % (PROG, e), file=sys.stderr)
        sys.exit(1)
    except OSError as e:
        print("%s: %s" % (PROG, e), file=sys.stderr)
        sys.exit(1)
