#!/usr/bin/env python3
"""OAuth 2.0 parts of tools/testbed (called by it; see docs/testbed.md).

  apps      --dir D                     write D/oauth/apps.json and D/secrets/oauth-<app>.secret;
                                        prints "changed" when apps.json was (re)written
  env       --dir D --token-port P --lifetime L --imaps-port P --imap-port P
                                        write D/oauth/env (needs D/oauth/keys/kid)
  wait-mechs --dir D [--timeout S]      wait until Dovecot offers AUTH=XOAUTH2 and AUTH=OAUTHBEARER
  check     --dir D --user U --endpoint PATH
                                        the end-to-end expectations of `tools/testbed oauth-check`

Standard library only.
"""
import argparse
import base64
import json
import os
import re
import secrets
import shlex
import socket
import ssl
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

PROG = "testbed"

# --------------------------------------------------------------------------- the directory

# Fixed GUIDs, so tests and docs can name them. "c0ffe" for coffer; the second group is
# the app's number, the fourth says what the GUID is (a: tenant/app, b: secret ID, c: object ID).
TENANT_ID = "c0ffe000-0000-4000-a000-000000000001"
TENANT_DOMAIN = "coffer-test.example"
OTHER_TENANT_ID = "c0ffe000-0000-4000-a000-000000000002"
OTHER_TENANT_DOMAIN = "other-tenant.example"
EXCHANGE = "https://outlook.office365.com"
ROLE = "IMAP.AccessAsApp"

# name, number, tenant, roles, expired
APPS = [
    ("good", 1, TENANT_ID, [ROLE], False),
    ("norole", 2, TENANT_ID, [], False),
    ("expired", 3, TENANT_ID, [ROLE], True),
    ("multirole", 4, TENANT_ID, ["SMTP.SendAsApp", ROLE, "POP.AccessAsApp"], False),
    ("wrongrole", 5, TENANT_ID, ["POP.AccessAsApp"], False),
    ("other-tenant", 6, OTHER_TENANT_ID, [ROLE], False),
]


class Fail(Exception):
    pass


def guid(number, kind):
    return "c0ffe000-%04x-4000-%s000-%012x" % (number, kind, number)


def client_id(number):
    return guid(number, "a")


def env_key(name):
    return name.upper().replace("-", "_")


def new_secret():
    """A random secret shaped like Entra's (40 characters, `Q~` at 4, and `~ . _ -` inside)."""
    alnum = string.ascii_letters + string.digits
    body = alnum + "~._-"
    return ("".join(secrets.choice(alnum) for _ in range(3)) + secrets.choice(string.digits) + "Q~"
            + "".join(secrets.choice(body) for _ in range(34)))


def write_file(path, data, mode):
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def secret_file(d, name):
    return os.path.join(d, "secrets", "oauth-%s.secret" % name)


def read_secret(d, name):
    with open(secret_file(d, name), encoding="utf-8") as f:
        return f.read()


def cmd_apps(d):
    os.makedirs(os.path.join(d, "secrets"), exist_ok=True)
    os.chmod(os.path.join(d, "secrets"), 0o700)
    odir = os.path.join(d, "oauth")
    os.makedirs(odir, exist_ok=True)
    os.chmod(odir, 0o700)
    apps = []
    for name, number, tenant, roles, expired in APPS:
        path = secret_file(d, name)
        try:
            secret = read_secret(d, name)
        except FileNotFoundError:
            secret = ""
        if not secret:
            secret = new_secret()
            write_file(path, secret.encode(), 0o600)
        os.chmod(path, 0o600)
        app = {"name": name, "tenant": tenant, "client_id": client_id(number), "secret": secret,
               "secret_id": guid(number, "b"), "oid": guid(number, "c"), "expired": expired,
               "roles": roles,
               "tenant_domains": [TENANT_DOMAIN if tenant == TENANT_ID else OTHER_TENANT_DOMAIN]}
        apps.append(app)
    data = (json.dumps(apps, indent=2) + "\n").encode()
    path = os.path.join(odir, "apps.json")
    try:
        with open(path, "rb") as f:
            if f.read() == data:
                return
    except FileNotFoundError:
        pass
    write_file(path, data, 0o600)
    print("changed")


def read_kv(path, sep="="):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition(sep)
            if k:
                out[k] = v
    return out


def cmd_env(d, token_port, lifetime, imaps_port, imap_port):
    with open(os.path.join(d, "oauth", "keys", "kid"), encoding="ascii") as f:
        kid = f.read().strip()
    authority = "http://127.0.0.1:%d" % token_port
    env = [
        ("TENANT_ID", TENANT_ID), ("TENANT_DOMAIN", TENANT_DOMAIN),
        ("AUTHORITY", authority), ("TOKEN_PORT", str(token_port)),
        ("TOKEN_URL", "%s/%s/oauth2/v2.0/token" % (authority, TENANT_ID)),
        ("TOKEN_LIFETIME", str(lifetime)), ("SCOPE", EXCHANGE + "/.default"), ("KID", kid),
        ("OTHER_TENANT_ID", OTHER_TENANT_ID),
        ("IMAP_HOST", "127.0.0.1"), ("IMAPS_PORT", str(imaps_port)),
        ("IMAP_PORT", str(imap_port)), ("CA_FILE", os.path.join(d, "ca.pem")),
    ]
    for name, number, tenant, roles, expired in APPS:
        k = env_key(name)
        env += [("%s_CLIENT_ID" % k, client_id(number)), ("%s_SECRET_FILE" % k, secret_file(d, name)),
                ("%s_SECRET_ID" % k, guid(number, "b")), ("%s_OBJECT_ID" % k, guid(number, "c"))]
    lines = ["# Written by tools/testbed oauth-up; KEY=value, sourceable by sh. Secrets are in the *_SECRET_FILE files."]
    for k, v in env:
        lines.append("%s=%s" % (k, v if re.fullmatch(r"[A-Za-z0-9_./:@%+,=-]*", v) else shlex.quote(v)))
    write_file(os.path.join(d, "oauth", "env"), ("\n".join(lines) + "\n").encode(), 0o644)


# --------------------------------------------------------------------------- IMAP over TLS

class IMAPError(Exception):
    pass


class Conn:
    """A minimal IMAP client over implicit TLS that shows the exact lines."""

    def __init__(self, host, port, ca, timeout=15):
        ctx = ssl.create_default_context(cafile=ca)
        raw = socket.create_connection((host, port), timeout=timeout)
        self.sock = ctx.wrap_socket(raw, server_hostname=host)
        self.file = self.sock.makefile("rb")
        self.tag_number = 0
        self.greeting = self.line()
        if not self.greeting.startswith("* OK"):
            raise IMAPError("greeting: %s" % self.greeting)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def line(self):
        """One response line; literals are read and replaced by their text."""
        out = b""
        while True:
            raw = self.file.readline(1 << 20)
            if not raw:
                raise IMAPError("connection closed by the server")
            raw = raw.rstrip(b"\r\n")
            m = re.search(rb"\{(\d+)\}$", raw)
            if not m:
                return (out + raw).decode("utf-8", "replace")
            out += raw[: m.start()] + self.file.read(int(m.group(1)))

    def send(self, text):
        self.sock.sendall(text.encode() + b"\r\n")

    def next_tag(self):
        self.tag_number += 1
        return "a%d" % self.tag_number

    def command(self, text):
        """Returns (tagged line, untagged lines)."""
        tag = self.next_tag()
        self.send("%s %s" % (tag, text))
        untagged = []
        while True:
            line = self.line()
            if line.startswith(tag + " "):
                return line[len(tag) + 1:], untagged
            untagged.append(line)

    def authenticate(self, mech, response_b64, sasl_ir=True, answer=""):
        """AUTHENTICATE with an initial response; each server challenge is answered with `answer`.
        Returns (tagged line, [challenges])."""
        tag = self.next_tag()
        challenges = []
        if sasl_ir:
            self.send("%s AUTHENTICATE %s %s" % (tag, mech, response_b64))
        else:
            self.send("%s AUTHENTICATE %s" % (tag, mech))
            first = self.line()
            if not first.startswith("+"):
                return first[len(tag) + 1:] if first.startswith(tag + " ") else first, challenges
            self.send(response_b64)
        while True:
            line = self.line()
            if line.startswith("+"):
                challenges.append(line[1:].strip())
                if len(challenges) > 3:
                    raise IMAPError("more than 3 challenges")
                self.send(answer)
                continue
            if line.startswith(tag + " "):
                return line[len(tag) + 1:], challenges


# --------------------------------------------------------------------------- tokens

def post_token(authority, tenant, form, timeout=10):
    """Returns (HTTP status, JSON body)."""
    url = "%s/%s/oauth2/v2.0/token" % (authority, tenant)
    data = urllib.parse.urlencode(form).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        body = e.read()
        try:
            return e.code, json.loads(body)
        except ValueError:
            return e.code, {"raw": body[:200].decode("utf-8", "replace")}


def claims_of(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def b64(text):
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode("ascii")


def xoauth2(user, token):
    return b64("user=%s\x01auth=Bearer %s\x01\x01" % (user, token))


def oauthbearer(user, host, port, token):
    a = user.replace("=", "=3D").replace(",", "=2C")
    return b64("n,a=%s,\x01host=%s\x01port=%d\x01auth=Bearer %s\x01\x01" % (a, host, port, token))


# --------------------------------------------------------------------------- the check

class Checker:
    def __init__(self, d, user, endpoint_script):
        self.d = d
        self.user = user
        self.endpoint_script = endpoint_script
        self.env = read_kv(os.path.join(d, "oauth", "env"))
        self.host = self.env["IMAP_HOST"]
        self.port = int(self.env["IMAPS_PORT"])
        self.ca = self.env["CA_FILE"]
        self.authority = self.env["AUTHORITY"]
        self.tenant = self.env["TENANT_ID"]
        self.scope = self.env["SCOPE"]
        self.results = []  # (ok, name, detail, seconds)
        self.tokens = {}

    # ---- reporting
    def record(self, name, ok, detail, started):
        took = time.monotonic() - started
        self.results.append((ok, name, detail, took))
        print("%-4s %-34s %5.2fs  %s" % ("ok" if ok else "FAIL", name, took, detail), flush=True)

    def run(self, name, fn):
        started = time.monotonic()
        try:
            ok, detail = fn()
        except Exception as e:  # a check that crashes is a failed check
            ok, detail = False, "%s: %s" % (type(e).__name__, e)
        self.record(name, ok, detail, started)

    # ---- token endpoint
    def form(self, app, secret=None, scope=None):
        n = dict((a[0], a[1]) for a in APPS)[app]
        return {"grant_type": "client_credentials", "client_id": client_id(n),
                "client_secret": read_secret(self.d, app) if secret is None else secret,
                "scope": scope or self.scope}

    def token(self, app, scope=None, tenant=None, authority=None):
        tenant = tenant or dict((a[0], a[2]) for a in APPS)[app]
        status, body = post_token(authority or self.authority, tenant, self.form(app, scope=scope))
        if status != 200 or "access_token" not in body:
            raise Fail("token for %s: HTTP %s %s" % (app, status, body.get("error_codes") or body))
        return body

    def expect_entra_error(self, tenant, form, status, code):
        def check():
            got_status, body = post_token(self.authority, tenant, form)
            codes = body.get("error_codes", [])
            ok = got_status == status and codes == [code] and str(body.get("error_description", "")).startswith("AADSTS%d:" % code)
            return ok, "HTTP %s %s %s" % (got_status, body.get("error", "?"), codes)
        return check

    # ---- IMAP
    def capability(self):
        c = Conn(self.host, self.port, self.ca)
        try:
            tagged, untagged = c.command("CAPABILITY")
            caps = " ".join(untagged).split()
            want = ["AUTH=PLAIN", "AUTH=LOGIN", "AUTH=XOAUTH2", "AUTH=OAUTHBEARER", "SASL-IR"]
            missing = [w for w in want if w not in caps]
            return (not missing and tagged.startswith("OK")), ("missing " + " ".join(missing) if missing else " ".join(w for w in want))
        finally:
            c.close()

    def session_works(self, c):
        """EXAMINE INBOX and the subject of message 1; (ok, detail)."""
        tagged, untagged = c.command("EXAMINE INBOX")
        if not tagged.startswith("OK"):
            return False, "EXAMINE INBOX: %s" % tagged
        exists = [int(m.group(1)) for u in untagged for m in [re.match(r"\* (\d+) EXISTS", u)] if m]
        if not exists or exists[0] < 1:
            return False, "EXAMINE INBOX: no messages (%s)" % untagged
        tagged, untagged = c.command("FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        text = " ".join(untagged)
        if not tagged.startswith("OK") or CHECK_SUBJECT not in text:
            return False, "FETCH 1 subject: %s %s" % (tagged, text[:120])
        c.command("LOGOUT")
        return True, "EXAMINE INBOX: %d EXISTS, subject ok" % exists[0]

    def expect_accepted(self, mech, token_fn, user=None, sasl_ir=True):
        def check():
            token = token_fn()
            u = user or self.user
            resp = xoauth2(u, token) if mech == "XOAUTH2" else oauthbearer(u, self.host, self.port, token)
            c = Conn(self.host, self.port, self.ca)
            try:
                tagged, challenges = c.authenticate(mech, resp, sasl_ir=sasl_ir)
                if not tagged.startswith("OK") or challenges:
                    return False, "AUTHENTICATE: %s (challenges %s)" % (tagged, challenges)
                ok, detail = self.session_works(c)
                return ok, "%s; %s" % (tagged.split("]")[-1].strip() if "]" in tagged else tagged, detail)
            finally:
                c.close()
        return check

    def expect_refused(self, mech, token_fn, user=None, answer=""):
        """The refusal on the wire: `+ <base64 JSON>`, empty answer, `NO [AUTHENTICATIONFAILED]`."""
        def check():
            token = token_fn()
            u = user or self.user
            resp = xoauth2(u, token) if mech == "XOAUTH2" else oauthbearer(u, self.host, self.port, token)
            c = Conn(self.host, self.port, self.ca)
            try:
                tagged, challenges = c.authenticate(mech, resp, answer=answer)
            finally:
                c.close()
            detail = []
            ok = True
            if len(challenges) != 1:
                ok = False
                detail.append("expected one error challenge, got %d" % len(challenges))
            else:
                try:
                    j = json.loads(base64.b64decode(challenges[0]))
                    detail.append("+ %s" % json.dumps(j, separators=(",", ":")))
                    if "status" not in j:
                        ok = False
                except ValueError:
                    ok = False
                    detail.append("challenge not base64 JSON: %r" % challenges[0][:60])
            if not tagged.startswith("NO [AUTHENTICATIONFAILED]"):
                ok = False
            detail.append(tagged)
            return ok, "; ".join(detail)
        return check

    def password_login(self):
        secret = open(os.path.join(self.d, "secrets", self.user + ".secret"), encoding="utf-8").read()
        c = Conn(self.host, self.port, self.ca)
        try:
            tagged, _ = c.command("LOGIN %s %s" % (imap_quote(self.user), imap_quote(secret)))
            if not tagged.startswith("OK"):
                return False, "LOGIN: %s" % tagged
            ok, detail = self.session_works(c)
            return ok, "LOGIN: OK; " + detail
        finally:
            c.close()

    def plain_login(self):
        secret = open(os.path.join(self.d, "secrets", self.user + ".secret"), encoding="utf-8").read()
        c = Conn(self.host, self.port, self.ca)
        try:
            tagged, ch = c.authenticate("PLAIN", b64("\0%s\0%s" % (self.user, secret)))
            if not tagged.startswith("OK"):
                return False, "AUTHENTICATE PLAIN: %s" % tagged
            ok, detail = self.session_works(c)
            return ok, "AUTHENTICATE PLAIN: OK; " + detail
        finally:
            c.close()

    def wrong_password(self):
        c = Conn(self.host, self.port, self.ca)
        try:
            tagged, _ = c.command("LOGIN %s %s" % (imap_quote(self.user), imap_quote("not-the-password")))
            return tagged.startswith("NO [AUTHENTICATIONFAILED]"), tagged
        finally:
            c.close()

    def token_as_password(self):
        """A bearer token is no password: AUTHENTICATE PLAIN with it is refused. (Not LOGIN:
        imap-login answers a LOGIN argument over 1 KB with `* BYE Input buffer full`.)"""
        c = Conn(self.host, self.port, self.ca)
        try:
            tagged, _ = c.authenticate("PLAIN", b64("\0%s\0%s" % (self.user, self.good()["access_token"])))
            return tagged.startswith("NO [AUTHENTICATIONFAILED]"), tagged
        finally:
            c.close()

    # ---- tokens used by several checks
    def good(self):
        if "good" not in self.tokens:
            self.tokens["good"] = self.token("good")
        return self.tokens["good"]

    def start_short_lived_endpoint(self, lifetime):
        """A second stand-in on a free port, same apps and signing key, tokens valid `lifetime` s."""
        tmp = tempfile.mkdtemp(prefix="oauth-check-")
        port_file = os.path.join(tmp, "port")
        log = open(os.path.join(self.d, "log", "token-endpoint.log"), "ab")
        proc = subprocess.Popen([sys.executable, self.endpoint_script, "--apps", os.path.join(self.d, "oauth", "apps.json"),
                                 "--key-dir", os.path.join(self.d, "oauth", "keys"), "--port", "0",
                                 "--port-file", port_file, "--lifetime", str(lifetime), "--exit-with-parent"],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log, close_fds=True)
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if os.path.exists(port_file):
                with open(port_file) as f:
                    text = f.read().strip()
                if text:
                    return proc, tmp, "http://127.0.0.1:%s" % text
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        proc.kill()
        raise Fail("the short-lived token endpoint did not start (see log/token-endpoint.log)")

    def main(self):
        started = time.monotonic()
        missing_user = "nobody-%s@%s" % (secrets.token_hex(3), TENANT_DOMAIN)

        # An expiring token first, so its 5 s pass while the other checks run.
        proc, tmp, short_authority = self.start_short_lived_endpoint(5)
        try:
            short = self.token("good", authority=short_authority)
        finally:
            proc.terminate()
            proc.wait(5)
            for name in os.listdir(tmp):
                os.unlink(os.path.join(tmp, name))
            os.rmdir(tmp)
        short_exp = claims_of(short["access_token"])["exp"]

        # --- the token endpoint stand-in
        def good_claims():
            body = self.good()
            c = claims_of(body["access_token"])
            want = {"aud": EXCHANGE, "iss": "https://sts.windows.net/%s/" % self.tenant, "tid": self.tenant,
                    "appid": self.env["GOOD_CLIENT_ID"], "sub": self.env["GOOD_OBJECT_ID"], "ver": "1.0"}
            bad = ["%s=%r" % (k, c.get(k)) for k, v in want.items() if c.get(k) != v]
            if ROLE not in c.get("roles", []):
                bad.append("roles=%r" % c.get("roles"))
            return not bad, ("expires_in=%s aud=%s roles=%s" % (body["expires_in"], c["aud"], c.get("roles"))
                             if not bad else "unexpected claims: " + " ".join(bad))
        self.run("token: good app", good_claims)

        def norole_claims():
            c = claims_of(self.token("norole")["access_token"])
            return "roles" not in c, "no roles claim" if "roles" not in c else "roles=%r" % c["roles"]
        self.run("token: norole app has no roles", norole_claims)

        good_form = self.form("good")
        self.run("token: wrong secret -> 7000215",
                 self.expect_entra_error(self.tenant, dict(good_form, client_secret=good_form["client_secret"] + "x"), 401, 7000215))
        self.run("token: secret ID as secret -> 7000215",
                 self.expect_entra_error(self.tenant, dict(good_form, client_secret=self.env["GOOD_SECRET_ID"]), 401, 7000215))
        self.run("token: expired secret -> 7000222", self.expect_entra_error(self.tenant, self.form("expired"), 401, 7000222))
        self.run("token: unknown app -> 700016",
                 self.expect_entra_error(self.tenant, dict(good_form, client_id="c0ffe000-ffff-4000-a000-00000000ffff"), 400, 700016))
        self.run("token: app of other tenant -> 700016",
                 self.expect_entra_error(OTHER_TENANT_ID, good_form, 400, 700016))
        self.run("token: unknown tenant -> 90002",
                 self.expect_entra_error("c0ffe000-0000-4000-a000-0000000000ff", good_form, 400, 90002))
        self.run("token: scope without /.default -> 1002012",
                 self.expect_entra_error(self.tenant, dict(good_form, scope=EXCHANGE + "/IMAP.AccessAsApp"), 400, 1002012))
        self.run("token: unknown resource -> 500011",
                 self.expect_entra_error(self.tenant, dict(good_form, scope="https://outlook.example/.default"), 400, 500011))

        # --- Dovecot
        self.run("imap: capabilities", self.capability)
        good = lambda: self.good()["access_token"]
        self.run("imap: XOAUTH2 good (SASL-IR)", self.expect_accepted("XOAUTH2", good))
        self.run("imap: XOAUTH2 good (continuation)", self.expect_accepted("XOAUTH2", good, sasl_ir=False))
        self.run("imap: OAUTHBEARER good", self.expect_accepted("OAUTHBEARER", good))
        self.run("imap: XOAUTH2 several roles incl. IMAP", self.expect_accepted("XOAUTH2", lambda: self.token("multirole")["access_token"]))
        self.run("imap: XOAUTH2 norole refused", self.expect_refused("XOAUTH2", lambda: self.token("norole")["access_token"]))
        self.run("imap: OAUTHBEARER norole refused", self.expect_refused("OAUTHBEARER", lambda: self.token("norole")["access_token"]))
        self.run("imap: OAUTHBEARER norole, answer %x01", self.expect_refused("OAUTHBEARER", lambda: self.token("norole")["access_token"], answer="AQ=="))
        self.run("imap: XOAUTH2 other role only refused", self.expect_refused("XOAUTH2", lambda: self.token("wrongrole")["access_token"]))
        self.run("imap: XOAUTH2 other tenant refused", self.expect_refused("XOAUTH2", lambda: self.token("other-tenant")["access_token"]))
        self.run("imap: XOAUTH2 Graph audience refused",
                 self.expect_refused("XOAUTH2", lambda: self.token("good", scope="https://graph.microsoft.com/.default")["access_token"]))

        def tampered():
            h, p, s = good().split(".")
            c = claims_of(good())
            c["roles"] = [ROLE, "Mail.ReadWrite"]
            return h + "." + base64.urlsafe_b64encode(json.dumps(c).encode()).rstrip(b"=").decode() + "." + s
        self.run("imap: XOAUTH2 altered claims refused", self.expect_refused("XOAUTH2", tampered))
        self.run("imap: XOAUTH2 not a JWT refused", self.expect_refused("XOAUTH2", lambda: "not-a-token"))

        def unknown_user():
            ok, detail = self.expect_refused("XOAUTH2", good, user=missing_user)()
            if "Internal error" in detail or "UNAVAILABLE" in detail:
                ok = False
            return ok, detail
        self.run("imap: XOAUTH2 unknown mailbox refused", unknown_user)
        self.run("imap: OAUTHBEARER unknown mailbox refused",
                 lambda: self.expect_refused("OAUTHBEARER", good, user=missing_user)())

        self.run("imap: LOGIN with password", self.password_login)
        self.run("imap: AUTHENTICATE PLAIN with password", self.plain_login)
        self.run("imap: LOGIN wrong password refused", self.wrong_password)
        self.run("imap: PLAIN with a token refused", self.token_as_password)

        # --- the expired token
        def expired():
            wait = short_exp + 1.2 - time.time()
            if wait > 0:
                time.sleep(wait)
            ok, detail = self.expect_refused("XOAUTH2", lambda: short["access_token"])()
            return ok, "lifetime 5 s, used %.1f s after exp; %s" % (time.time() - short_exp, detail)
        self.run("imap: XOAUTH2 expired token refused", expired)

        failed = [r for r in self.results if not r[0]]
        took = time.monotonic() - started
        if failed:
            print("oauth-check: %d of %d checks FAILED in %.1f s (Dovecot's reasons: %s)"
                  % (len(failed), len(self.results), took, os.path.join(self.d, "log", "dovecot.log")))
            return 1
        print("oauth-check: all %d checks passed in %.1f s" % (len(self.results), took))
        return 0


CHECK_SUBJECT = "coffer testbed oauth-check"


def imap_quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def cmd_wait_mechs(d, timeout):
    ports = read_kv(os.path.join(d, "ports"))
    ca = os.path.join(d, "ca.pem")
    deadline = time.monotonic() + timeout
    last = "no attempt"
    while time.monotonic() < deadline:
        try:
            c = Conn("127.0.0.1", int(ports["imaps_port"]), ca, timeout=5)
            try:
                tagged, untagged = c.command("CAPABILITY")
                caps = " ".join(untagged).split()
                if "AUTH=XOAUTH2" in caps and "AUTH=OAUTHBEARER" in caps:
                    return 0
                last = "capabilities without AUTH=XOAUTH2/OAUTHBEARER"
            finally:
                c.close()
        except (OSError, ssl.SSLError, IMAPError) as e:
            last = str(e)
        time.sleep(0.1)
    raise Fail("Dovecot does not offer XOAUTH2/OAUTHBEARER after %ss: %s" % (timeout, last))


def main(argv):
    ap = argparse.ArgumentParser(prog="testbed_oauth.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("apps")
    p.add_argument("--dir", required=True)
    p = sub.add_parser("env")
    p.add_argument("--dir", required=True)
    p.add_argument("--token-port", type=int, required=True)
    p.add_argument("--lifetime", type=int, required=True)
    p.add_argument("--imaps-port", type=int, required=True)
    p.add_argument("--imap-port", type=int, required=True)
    p = sub.add_parser("wait-mechs")
    p.add_argument("--dir", required=True)
    p.add_argument("--timeout", type=float, default=30)
    p = sub.add_parser("check")
    p.add_argument("--dir", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--endpoint", required=True, help="path of tools/token-endpoint.py")
    a = ap.parse_args(argv)
    if a.cmd == "apps":
        cmd_apps(a.dir)
    elif a.cmd == "env":
        cmd_env(a.dir, a.token_port, a.lifetime, a.imaps_port, a.imap_port)
    elif a.cmd == "wait-mechs":
        return cmd_wait_mechs(a.dir, a.timeout)
    elif a.cmd == "check":
        return Checker(a.dir, a.user, a.endpoint).main()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (Fail, OSError, KeyError) as e:
        print("%s: %s" % (PROG, e), file=sys.stderr)
        sys.exit(1)
