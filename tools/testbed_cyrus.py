#!/usr/bin/env python3
"""Cyrus IMAP for tools/testbed: the second real server of coffer's tests.

Called by `tools/testbed cyrus-COMMAND` (which makes the testbed CA first); not a public
interface. Python 3 standard library only. Needs root (Cyrus's master runs as root and
drops to the `cyrus` user), Debian's `cyrus-common sasl2-bin` (installed when missing) and the
imapd of `cyrus-imapd`, which is unpacked into /var/lib/coffer-testbed rather than installed:
that package conflicts with `dovecot-imapd`, and installing it would remove Dovecot.

  up                    start a private Cyrus on 127.0.0.1 (implicit TLS with the testbed CA
                        on $TESTBED_CYRUS_IMAPS_PORT, default 10994; plain + STARTTLS on
                        $TESTBED_CYRUS_IMAP_PORT, 10144); prints the endpoint line
  down / status
  adduser USER          a sasldb user with a random password in $TESTBED_DIR/cyrus/secrets/USER.secret
                        and its mailbox (created by the instance's admin)
  load USER DIR [--exact]
                        APPEND DIR's messages with their exact bytes and their mtime as INTERNALDATE
                        (same folder mapping as the Dovecot `load`); idempotent. Cyrus 3.6 refuses
                        bare LF ("Message contains bare newlines"): such a message is sent again with
                        CRLF line ends (not with --exact). Stdout lists what was not stored as is:
                        `converted<TAB>path<TAB>answer` and `refused<TAB>path<TAB>answer` (NUL bytes,
                        malformed headers, mailbox names Cyrus does not allow such as ones with `"`)
  load-users ROOT       `load` for each ROOT/<user>/
  serverdump USER [--mailbox M]   tools/testbed_serverdump.py against this server

State: $TESTBED_DIR/cyrus (or /var/lib/coffer-testbed/cyrus-<hash> linked from there when the
cyrus user cannot reach $TESTBED_DIR). Cyrus logs only to syslog: with TESTBED_CYRUS_SYSLOG=1
and no /dev/log, a private listener writes it to $TESTBED_DIR/log/cyrus-syslog.log.
"""

import argparse
import grp
import hashlib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testbed_helper as helper  # noqa: E402  (folder mapping and modified UTF-7, shared with the Dovecot loader)

BIN = "/usr/lib/cyrus/bin"
HOST = "127.0.0.1"
ADMIN = "coffer-admin"
REALM = "localhost"
USER_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$")
FLAGS = {"D": "\\Draft", "F": "\\Flagged", "R": "\\Answered", "S": "\\Seen", "T": "\\Deleted"}
WINDOW = 64  # APPENDs in flight


class Fail(Exception):
    pass


# ----------------------------------------------------------------------------- layout

class Layout:
    def __init__(self, d):
        self.d = os.path.realpath(d)
        self.link = os.path.join(self.d, "cyrus")
        self.root = os.path.realpath(self.link) if os.path.exists(self.link) else self.link
        self.imaps_port = int(os.environ.get("TESTBED_CYRUS_IMAPS_PORT", "10994"))
        self.imap_port = int(os.environ.get("TESTBED_CYRUS_IMAP_PORT", "10144"))

    def p(self, *parts):
        return os.path.join(self.root, *parts)

    @property
    def conf(self):
        return self.p("imapd.conf")

    @property
    def pidfile(self):
        return self.p("run", "master.pid")

    @property
    def ca(self):
        return os.path.join(self.d, "ca.pem")

    def secret(self, user):
        return self.p("secrets", user + ".secret")


def cyrus_ids():
    try:
        return pwd.getpwnam("cyrus").pw_uid, grp.getgrnam("mail").gr_gid
    except KeyError:
        raise Fail("user cyrus or group mail missing (is cyrus-common installed?)")


def can_reach(path, uid, gid):
    return subprocess.run(["setpriv", "--reuid=%d" % uid, "--regid=%d" % gid, "--clear-groups", "test", "-x", path],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def resolve_root(lay, uid, gid):
    """Where Cyrus's files live: below $TESTBED_DIR when the cyrus user can reach it, else in /var/lib."""
    if os.path.islink(lay.link) or os.path.isdir(lay.link):
        return
    if can_reach(lay.d, uid, gid):
        os.makedirs(lay.link)
    else:
        real = "/var/lib/coffer-testbed/cyrus-" + hashlib.sha256(lay.d.encode()).hexdigest()[:16]
        shutil.rmtree(real, ignore_errors=True)
        os.makedirs(real)
        os.chmod("/var/lib/coffer-testbed", 0o755)
        os.symlink(real, lay.link)
    lay.root = os.path.realpath(lay.link)


# ----------------------------------------------------------------------------- install / config

def ensure_installed(lay):
    """cyrus-common (master, tools, libraries) and sasl2-bin from apt; imapd itself from the
    cyrus-imapd package unpacked into /var/lib/coffer-testbed, never installed: Debian's cyrus-imapd
    conflicts with dovecot-imapd (both provide imap-server), and installing it removes Dovecot."""
    log = os.path.join(lay.d, "log", "apt-cyrus.log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")

    def apt(*args, cwd=None):
        with open(log, "ab") as f:
            if subprocess.run(["apt-get"] + list(args), stdin=subprocess.DEVNULL, stdout=f, stderr=f, env=env, cwd=cwd).returncode:
                raise Fail("apt-get %s failed (see %s)" % (" ".join(args), log))

    if not (os.path.exists(os.path.join(BIN, "master")) and shutil.which("saslpasswd2")):
        apt("update")
        apt("install", "-y", "--no-install-recommends", "cyrus-common", "sasl2-bin", "libwrap0")
    if imapd_path():
        return
    version = package_version("cyrus-common")
    target = private_imapd_dir(version)
    tmp = "%s.tmp%d" % (target, os.getpid())
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    try:
        apt("download", "cyrus-imapd=" + version, cwd=tmp)
    except Fail:
        apt("update")
        apt("download", "cyrus-imapd=" + version, cwd=tmp)
    debs = [n for n in os.listdir(tmp) if n.endswith(".deb")]
    if len(debs) != 1 or subprocess.run(["dpkg-deb", "-x", os.path.join(tmp, debs[0]), tmp]).returncode:
        raise Fail("could not unpack cyrus-imapd %s (see %s)" % (version, log))
    try:
        os.replace(tmp, target)
    except OSError:  # another testbed unpacked it meanwhile
        shutil.rmtree(tmp, ignore_errors=True)
    if not imapd_path():
        raise Fail("the cyrus-imapd %s package has no usr/lib/cyrus/bin/imapd" % version)


def package_version(name):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", name], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    if r.returncode or not r.stdout:
        raise Fail("%s is not installed" % name)
    return r.stdout.decode()


def private_imapd_dir(version):
    return "/var/lib/coffer-testbed/cyrus-imapd-" + re.sub(r"[^A-Za-z0-9.+~-]", "_", version)


def imapd_path():
    """Cyrus's imapd: the installed one (a machine without Dovecot), else the unpacked copy matching cyrus-common."""
    installed = os.path.join(BIN, "imapd")
    if os.path.exists(installed):
        return installed
    try:
        private = os.path.join(private_imapd_dir(package_version("cyrus-common")), "usr/lib/cyrus/bin/imapd")
    except Fail:
        return None
    return private if os.path.exists(private) else None


def write_config(lay):
    r = lay.root
    conf = """# Generated by tools/testbed cyrus-up: private test instance. Do not edit.
configdirectory: {r}/conf
partition-default: {r}/spool
sievedir: {r}/sieve
admins: {admin}
servername: {realm}
syslog_prefix: coffer-testbed-cyrus
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: {r}/sasldb2
sasl_mech_list: PLAIN LOGIN
allowplaintext: yes
unixhierarchysep: yes
altnamespace: yes
# Keep 8-bit header bytes as delivered (Cyrus's default turns them into 'X').
munge8bit: no
tls_server_cert: {r}/tls/server.pem
tls_server_key: {r}/tls/server.key
tls_versions: tls1_2 tls1_3
idlesocket: {r}/run/idle
notifysocket: {r}/run/notify
lmtpsocket: {r}/run/lmtp
statuscache: no
""".format(r=r, admin=ADMIN, realm=REALM)
    services = """# Generated by tools/testbed cyrus-up. Do not edit.
START {{
  recover cmd="{b}/ctl_cyrusdb -r -C {r}/imapd.conf"
}}
SERVICES {{
  imap  cmd="{imapd} -C {r}/imapd.conf" listen="{h}:{imap}" prefork=0 maxchild=200
  imaps cmd="{imapd} -s -C {r}/imapd.conf" listen="{h}:{imaps}" prefork=0 maxchild=200
}}
EVENTS {{
}}
DAEMON {{
}}
""".format(b=BIN, imapd=imapd_path(), r=r, h=HOST, imap=lay.imap_port, imaps=lay.imaps_port)
    for name, text in (("imapd.conf", conf), ("cyrus.conf", services)):
        with open(lay.p(name), "w") as f:
            f.write(text)
    with open(lay.p("ports"), "w") as f:
        f.write("imaps_port=%d\nimap_port=%d\n" % (lay.imaps_port, lay.imap_port))


def prepare(lay):
    uid, gid = cyrus_ids()
    resolve_root(lay, uid, gid)
    for sub in ("conf/db", "conf/proc", "conf/socket", "conf/log", "conf/msg", "conf/ptclient", "conf/quota",
                "conf/user", "conf/lock", "conf/sync", "spool", "sieve", "run", "tls", "loaded"):
        os.makedirs(lay.p(sub), exist_ok=True)
    os.makedirs(lay.p("secrets"), mode=0o700, exist_ok=True)
    tls = os.path.join(lay.d, "tls")
    for name in ("server.pem", "server.key"):
        shutil.copyfile(os.path.join(tls, name), lay.p("tls", name))
    write_config(lay)
    for dirpath, dirnames, filenames in os.walk(lay.root):
        if os.path.basename(dirpath) in ("secrets", "loaded"):
            dirnames[:] = []
            continue
        os.chown(dirpath, uid, gid)
        for n in filenames:
            os.chown(os.path.join(dirpath, n), uid, gid)
    os.chmod(lay.p("tls", "server.key"), 0o600)
    os.chmod(lay.root, 0o750)
    set_password(lay, ADMIN, admin_password(lay))


def admin_password(lay):
    path = lay.p("secrets", ADMIN + ".secret")
    if not os.path.exists(path):
        write_secret(path, secrets.token_urlsafe(18))
    with open(path) as f:
        return f.read()


def write_secret(path, value):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value)


def set_password(lay, user, password):
    r = subprocess.run(["saslpasswd2", "-c", "-p", "-f", lay.p("sasldb2"), "-u", REALM, user],
                       input=password.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise Fail("saslpasswd2 for %s failed: %s" % (user, r.stderr.decode(errors="replace").strip()))
    uid, gid = cyrus_ids()
    os.chown(lay.p("sasldb2"), uid, gid)
    os.chmod(lay.p("sasldb2"), 0o640)


# ----------------------------------------------------------------------------- master

def master_pid(lay):
    try:
        with open(lay.pidfile) as f:
            pid = int(f.read().strip())
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            args = f.read().split(b"\0")
    except (OSError, ValueError):
        return None
    return pid if lay.conf.encode() in args and args[0].endswith(b"master") else None


def start_syslog_listener(lay):
    """Opt-in (TESTBED_CYRUS_SYSLOG=1): Cyrus's syslog into $TESTBED_DIR/log/cyrus-syslog.log."""
    if os.environ.get("TESTBED_CYRUS_SYSLOG") != "1" or os.path.exists("/dev/log"):
        return
    log = os.path.join(lay.d, "log", "cyrus-syslog.log")
    p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--dir", lay.d, "syslog-listen", log],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         close_fds=True, start_new_session=True)
    with open(lay.p("run", "syslog.pid"), "w") as f:
        f.write(str(p.pid))
    for _ in range(50):
        if os.path.exists("/dev/log"):
            return
        time.sleep(0.05)


def syslog_listen(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("/dev/log")
    os.chmod("/dev/log", 0o666)
    with open(path, "ab", buffering=0) as f:
        while True:
            f.write(s.recv(65536).rstrip(b"\0") + b"\n")


def wait_greeting(lay, timeout):
    ctx = ssl.create_default_context(cafile=lay.ca)
    deadline = time.time() + timeout
    last = "no answer"
    while time.time() < deadline:
        try:
            with socket.create_connection((HOST, lay.imaps_port), timeout=5) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                    if s.recv(4096).startswith(b"* OK"):
                        return
        except (OSError, ssl.SSLError) as e:
            last = str(e)
        time.sleep(0.2)
    raise Fail("Cyrus did not answer on %s:%d (%s)" % (HOST, lay.imaps_port, last))


def running_ports(lay):
    try:
        with open(lay.p("ports")) as f:
            values = dict(line.strip().split("=", 1) for line in f if "=" in line)
        return int(values["imaps_port"]), int(values["imap_port"])
    except (OSError, KeyError, ValueError):
        return None


def endpoint(lay):
    return "host=%s imaps_port=%d imap_port=%d ca_file=%s" % (HOST, lay.imaps_port, lay.imap_port, lay.ca)


def cmd_up(lay, args):
    if os.geteuid() != 0:
        raise Fail("cyrus-up needs root (Cyrus's master starts as root and drops to the cyrus user)")
    if master_pid(lay):
        if running_ports(lay) == (lay.imaps_port, lay.imap_port):
            try:
                wait_greeting(lay, 10)
                print(endpoint(lay))
                return
            except Fail:
                pass
        cmd_down(lay, [])  # on other ports, or not answering: start afresh
    ensure_installed(lay)
    prepare(lay)
    start_syslog_listener(lay)
    log = os.path.join(lay.d, "log", "cyrus-master.log")
    r = subprocess.run([os.path.join(BIN, "master"), "-C", lay.conf, "-M", lay.p("cyrus.conf"), "-p", lay.pidfile,
                        "-L", log, "-d"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       close_fds=True)
    if r.returncode != 0:
        raise Fail("Cyrus master exited %d (see %s; TESTBED_CYRUS_SYSLOG=1 keeps its syslog)" % (r.returncode, log))
    try:
        wait_greeting(lay, 30)
    except Fail:
        cmd_down(lay, [])
        raise
    print(endpoint(lay))


def cmd_down(lay, args):
    pid = master_pid(lay)
    if pid:
        os.kill(pid, signal.SIGTERM)
        for _ in range(200):
            if not os.path.exists("/proc/%d" % pid):
                break
            time.sleep(0.05)
        else:
            os.kill(pid, signal.SIGKILL)
    try:
        with open(lay.p("run", "syslog.pid")) as f:
            os.kill(int(f.read()), signal.SIGTERM)
        os.unlink("/dev/log")
        os.unlink(lay.p("run", "syslog.pid"))
    except (OSError, ValueError):
        pass


def cmd_status(lay, args):
    pid = master_pid(lay)
    print("running pid=%d %s" % (pid, endpoint(lay)) if pid else "stopped")
    return 0 if pid else 1


# ----------------------------------------------------------------------------- IMAP (pipelined, LITERAL+)

class Client:
    """A minimal IMAP client over the plain loopback port: LOGIN, CREATE, pipelined APPEND."""

    def __init__(self, lay, user, password):
        self.sock = socket.create_connection((HOST, lay.imap_port), timeout=60)
        self.buf = b""
        self.n = 0
        self.line()
        self.check(self.command(b"LOGIN " + quote(user.encode()) + b" " + quote(password.encode())), "login as %s" % user)

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Fail("Cyrus closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def send(self, data):
        self.n += 1
        tag = b"L%d" % self.n
        self.sock.sendall(tag + b" " + data + b"\r\n")
        return tag

    def wait(self, tag):
        while True:
            line = self.line()
            if line.startswith(tag + b" "):
                return line[len(tag) + 1:]

    def command(self, data):
        return self.wait(self.send(data))

    @staticmethod
    def check(answer, what):
        if not answer.startswith(b"OK"):
            raise Fail("%s: %s" % (what, answer.decode(errors="replace")))

    def append_all(self, items):
        """items: (mailbox wire name, flags, internaldate, bytes, key); yields (key, answer)."""
        pending = []
        for mailbox, flags, date, data, key in items:
            head = b"APPEND " + quote(mailbox) + b" (" + " ".join(flags).encode() + b") \"" + date.encode() + b"\" "
            self.n += 1
            tag = b"L%d" % self.n
            self.sock.sendall(tag + b" " + head + b"{%d+}\r\n" % len(data) + data + b"\r\n")
            pending.append((tag, key))
            if len(pending) >= WINDOW:
                t, k = pending.pop(0)
                yield k, self.wait(t)
        for t, k in pending:
            yield k, self.wait(t)

    def logout(self):
        try:
            self.command(b"LOGOUT")
        except (OSError, Fail):
            pass
        self.sock.close()


def quote(b):
    return b'"' + b.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


# ----------------------------------------------------------------------------- users and loading

def require_running(lay):
    if not master_pid(lay):
        raise Fail("Cyrus is not running (tools/testbed cyrus-up)")


def cmd_adduser(lay, args):
    require_running(lay)
    adduser(lay, args[0])


def adduser(lay, user):
    if not USER_RE.match(user):
        raise Fail("bad user name %r (letters, digits, . _ -)" % user)
    path = lay.secret(user)
    if not os.path.exists(path):
        write_secret(path, secrets.token_urlsafe(18))
        with open(path) as f:
            set_password(lay, user, f.read())
    admin = Client(lay, ADMIN, admin_password(lay))
    try:
        answer = admin.command(b"CREATE " + quote(("user/" + user).encode()))
        if not answer.startswith(b"OK") and b"exists" not in answer.lower():
            raise Fail("CREATE user/%s: %s" % (user, answer.decode(errors="replace")))
    finally:
        admin.logout()
    with open(path) as f:
        return f.read()


def wire_name(parts):
    if parts == ("INBOX",):
        return b"INBOX"
    return "/".join(helper.mutf7_encode(p) for p in parts).encode()


def cmd_load(lay, args):
    require_running(lay)
    exact = "--exact" in args
    args = [a for a in args if a != "--exact"]
    if len(args) != 2:
        raise Fail("usage: tools/testbed cyrus-load USER DIR [--exact]")
    user, src = args
    if not os.path.isdir(src):
        raise Fail("load: not a directory: %s" % src)
    load(lay, user, src, exact)


def load(lay, user, src, exact=False):
    password = adduser(lay, user)
    boxes = helper.scan(src)
    done_path = lay.p("loaded", user + ".keys")
    done = set()
    if os.path.exists(done_path):
        with open(done_path) as f:
            done = set(f.read().split())
    client = Client(lay, user, password)
    try:
        items, names = [], {}
        for parts in sorted(boxes):
            if parts != ("INBOX",):
                answer = client.command(b"CREATE " + quote(wire_name(parts)))
                if not answer.startswith(b"OK") and b"exists" not in answer.lower():
                    for _, rel, _ in boxes[parts]:  # e.g. a name with `"`, which Cyrus does not allow
                        print("refused\t%s\tCREATE %s: %s" % (rel, "/".join(parts), answer.decode(errors="replace")))
                    continue
            for path, rel, flags in boxes[parts]:
                with open(path, "rb") as f:
                    data = f.read()
                key = hashlib.sha256(rel.encode() + b"\0" + data).hexdigest()
                if key in done:
                    continue
                names[key] = (rel, data)
                items.append((wire_name(parts), [FLAGS[c] for c in flags if c in FLAGS], imap_date(path), data, key))
        append(client, items, names, done_path, exact)
    finally:
        client.logout()


def append(client, items, names, done_path, exact):
    """APPENDs; a message refused for bare newlines is sent again with CRLF line ends unless `exact`."""
    retry = []
    with open(done_path, "a") as out:
        for key, answer in client.append_all(items):
            rel, data = names[key]
            if answer.startswith(b"OK"):
                out.write(key + "\n")
            elif b"bare newlines" in answer and not exact:
                retry.append(key)
                print("converted\t%s\t%s" % (rel, answer.decode(errors="replace")))
            else:
                print("refused\t%s\t%s" % (rel, answer.decode(errors="replace")))
        again = [(m, f, d, crlf(data), k) for (m, f, d, data, k) in items if k in set(retry)]
        for key, answer in client.append_all(again):
            if answer.startswith(b"OK"):
                out.write(key + "\n")
            else:
                print("refused\t%s\t%s (with CRLF line ends)" % (names[key][0], answer.decode(errors="replace")))


def crlf(data):
    """Every line end as CRLF (bare LF and bare CR alike), as Cyrus 3.6 requires on APPEND."""
    return re.sub(rb"\r\n|\r|\n", b"\r\n", data)


def imap_date(path):
    t = time.gmtime(int(os.stat(path).st_mtime))
    months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
    return "%02d-%s-%04d %02d:%02d:%02d +0000" % (t.tm_mday, months[t.tm_mon - 1], t.tm_year, t.tm_hour, t.tm_min, t.tm_sec)


def cmd_load_users(lay, args):
    require_running(lay)
    root = args[0]
    if not os.path.isdir(root):
        raise Fail("load-users: not a directory: %s" % root)
    for name in sorted(os.listdir(root)):
        if not name.startswith(".") and os.path.isdir(os.path.join(root, name)):
            load(lay, name, os.path.join(root, name))


def cmd_serverdump(lay, args):
    require_running(lay)
    dump = os.path.join(os.path.dirname(os.path.abspath(__file__)), "testbed_serverdump.py")
    os.execv(sys.executable, [sys.executable, dump, "--host", HOST, "--port", str(lay.imaps_port), "--ca", lay.ca,
                              "--secrets", lay.p("secrets")] + args)


def main(argv):
    ap = argparse.ArgumentParser(prog="testbed cyrus")
    ap.add_argument("--dir", required=True)
    ap.add_argument("command")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    a = ap.parse_args(argv)
    lay = Layout(a.dir)
    if a.command == "syslog-listen":
        return syslog_listen(a.args[0])
    commands = {"up": (cmd_up, 0), "down": (cmd_down, 0), "status": (cmd_status, 0), "adduser": (cmd_adduser, 1),
                "load": (cmd_load, None), "load-users": (cmd_load_users, 1), "serverdump": (cmd_serverdump, None)}
    if a.command not in commands:
        raise Fail("unknown command cyrus-%s (try tools/testbed help)" % a.command)
    fn, count = commands[a.command]
    if count is not None and len(a.args) != count:
        raise Fail("cyrus-%s takes %d argument(s)" % (a.command, count))
    return fn(lay, a.args) or 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Fail as e:
        print("testbed: cyrus: %s" % e, file=sys.stderr)
        sys.exit(1)
