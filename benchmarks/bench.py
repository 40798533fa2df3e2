#!/usr/bin/env python3
"""coffer vs mbsync benchmark driver (Python 3 standard library; matplotlib for `chart` only).

Called by benchmarks/run and benchmarks/big-message, which install the tools, build
coffer, start the bench testbed and load the corpus first. Subcommands:

  shape --name NAME --users-file F --bin COFFER --testbed-dir D --port P --work W --reps R --results JSON
      (a) coffer backfill --connections 4, (b) --connections 1, (c) mbsync -a, each into a fresh
      store / Maildir, then (d) the no-op re-run of coffer and of mbsync; R repetitions, medians.
  big --bin COFFER --testbed-dir D --port P --work W --reps R --results JSON --case MB:USER:BASEUSER…
      peak RSS of `coffer backfill --account USER` (one huge message) vs BASEUSER (the same
      account without it), each into a fresh store.
  machine                     machine description as JSON
  chart RESULTS PNG           the chart for docs/benchmarks.md
  report RESULTS              Markdown tables of the medians
"""

import argparse
import datetime
import imaplib
import json
import os
import platform
import re
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tools"))
from testbed_serverdump import imap_quote, list_mailboxes  # noqa: E402  (LIST parsing shared with the testbed check)

HOST = "localhost"  # the server certificate has DNS:localhost (mbsync checks names, not IPs)


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ measuring

def dovecot_cpu(testbed_dir):
    """CPU seconds used so far by the testbed's Dovecot: master + reaped children + live children."""
    try:
        pid = int(open(os.path.join(testbed_dir, "run", "master.pid")).read().strip())
    except (OSError, ValueError):
        return None
    tck = os.sysconf("SC_CLK_TCK")

    def stat(p):
        try:
            s = open("/proc/%d/stat" % p).read()
        except OSError:
            return None
        f = s[s.rindex(")") + 2:].split()
        return int(f[1]), sum(int(x) for x in f[11:15])  # ppid, utime+stime+cutime+cstime

    own = stat(pid)
    if own is None:
        return None
    total = own[1]
    for d in os.listdir("/proc"):
        if d.isdigit() and int(d) != pid:
            s = stat(int(d))
            if s and s[0] == pid:
                total += s[1]
    return total / tck


def parse_time_v(path):
    out = {}
    for line in open(path, errors="replace"):
        line = line.strip()
        if line.startswith("User time (seconds):"):
            out["user_s"] = float(line.split(":")[-1])
        elif line.startswith("System time (seconds):"):
            out["sys_s"] = float(line.split(":")[-1])
        elif line.startswith("Maximum resident set size (kbytes):"):
            out["peak_rss_kb"] = int(line.split(":")[-1])
        elif line.startswith("Exit status:"):
            out["exit"] = int(line.split(":")[-1])
    return out


def measure(label, cmd, logdir, testbed_dir, stdout_file=None):
    """Runs cmd under /usr/bin/time -v; wall from a monotonic clock around it."""
    os.makedirs(logdir, exist_ok=True)
    tv = os.path.join(logdir, label + ".time")
    err = open(os.path.join(logdir, label + ".stderr"), "wb")
    out = open(stdout_file or os.path.join(logdir, label + ".stdout"), "wb")
    load = os.getloadavg()[0]  # other work on the machine shows here
    srv0 = dovecot_cpu(testbed_dir)
    t0 = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-v", "-o", tv] + cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    wall = time.monotonic() - t0
    err.close(); out.close()
    time.sleep(0.3)  # let Dovecot reap the imap processes of the finished run
    srv1 = dovecot_cpu(testbed_dir)
    r = parse_time_v(tv)
    r["wall_s"] = round(wall, 3)
    r["loadavg_1m_before"] = round(load, 2)
    r["cpu_s"] = round(r.get("user_s", 0) + r.get("sys_s", 0), 3)
    r["exit"] = p.returncode
    if srv0 is not None and srv1 is not None:
        r["server_cpu_s"] = round(srv1 - srv0, 2)
    if p.returncode != 0:
        tail = open(os.path.join(logdir, label + ".stderr"), errors="replace").read()[-800:]
        log("%s exited %d; stderr tail: %s" % (label, p.returncode, tail.strip().replace("\n", " | ")))
    return r


# ------------------------------------------------------------------ is the server sound?

# Lines Dovecot logs when the server itself cannot serve (e.g. the dovecot-imapd package being
# reinstalled underneath it by someone else on a shared machine): a repetition that saw one is
# discarded and repeated, and the JSON says so.
SERVER_TROUBLE = ("exec() failed", "command startup failed")


def log_size(testbed_dir):
    try:
        return os.path.getsize(os.path.join(testbed_dir, "log", "dovecot.log"))
    except OSError:
        return 0


def server_trouble_since(testbed_dir, offset):
    try:
        with open(os.path.join(testbed_dir, "log", "dovecot.log"), errors="replace") as f:
            f.seek(offset)
            lines = [l.strip() for l in f if any(t in l for t in SERVER_TROUBLE)]
    except OSError:
        return []
    return lines


def wait_for_server(testbed_dir, port, user, timeout=300):
    """Until one IMAPS login works (Dovecot throttles imap-login for up to 60 s after failures)."""
    ctx = ssl.create_default_context(cafile=os.path.join(testbed_dir, "ca.pem"))
    pw = open(os.path.join(testbed_dir, "secrets", user + ".secret")).read()
    deadline = time.monotonic() + timeout
    warned = False
    while True:
        try:
            M = imaplib.IMAP4_SSL(HOST, port, ssl_context=ctx, timeout=10)
            M.login(user, pw)
            M.logout()
            return
        except (OSError, imaplib.IMAP4.error, ssl.SSLError) as e:
            if time.monotonic() > deadline:
                raise SystemExit("bench: the testbed server does not answer logins: %s" % e)
            if not warned:
                log("the testbed server does not answer (%s); waiting" % e)
                warned = True
            time.sleep(5)


# ------------------------------------------------------------------ what the server serves

def served(testbed_dir, port, users):
    """Messages and bytes (RFC822.SIZE) the server serves for each user."""
    ctx = ssl.create_default_context(cafile=os.path.join(testbed_dir, "ca.pem"))
    per = {}
    for u in users:
        pw = open(os.path.join(testbed_dir, "secrets", u + ".secret")).read()
        M = imaplib.IMAP4_SSL(HOST, port, ssl_context=ctx)
        M.login(u, pw)
        n = size = boxes = 0
        for wire in list_mailboxes(M):
            typ, dat = M.select(imap_quote(wire), readonly=True)
            if typ != "OK":
                raise SystemExit("bench: EXAMINE %s for %s failed" % (wire, u))
            boxes += 1
            if int(dat[0] or 0) == 0:
                continue
            typ, dat = M.uid("FETCH", "1:*", "(RFC822.SIZE)")
            for d in dat:
                if isinstance(d, bytes):
                    m = re.search(rb"RFC822\.SIZE (\d+)", d)
                    if m:
                        n += 1
                        size += int(m.group(1))
        M.logout()
        per[u] = {"messages": n, "bytes": size, "mailboxes": boxes}
    return {"users": len(users), "mailboxes": sum(v["mailboxes"] for v in per.values()),
            "messages": sum(v["messages"] for v in per.values()),
            "bytes": sum(v["bytes"] for v in per.values())}


# ------------------------------------------------------------------ configs

def toml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_coffer_config(path, store, users, testbed_dir, port):
    lines = ["[store]", "path = %s" % toml_str(store), "", "[[source]]", 'name = "bench"',
             "host = %s" % toml_str(HOST), "port = %d" % port, 'tls = "implicit"',
             "ca_file = %s" % toml_str(os.path.join(testbed_dir, "ca.pem")), 'auth = "password"',
             'include = ["*"]', "max_connections = 4", "accounts = ["]
    for u in users:
        lines.append("  { user = %s, password = { file = %s } }," %
                     (toml_str(u), toml_str(os.path.join(testbed_dir, "secrets", u + ".secret"))))
    lines.append("]")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def chan(u):
    return "u_" + re.sub(r"[^A-Za-z0-9_]", "_", u)


def write_mbsync_config(path, maildir, users, testbed_dir, port, fsync=True):
    ca = os.path.join(testbed_dir, "ca.pem")
    out = ["# written by benchmarks/bench.py", ""] + ([] if fsync else ["FSync no", ""])
    for u in users:
        c = chan(u)
        secret = os.path.join(testbed_dir, "secrets", u + ".secret")
        root = os.path.join(maildir, u)
        out += [
            "IMAPAccount %s" % c, "Host %s" % HOST, "Port %d" % port, "User %s" % u,
            'PassCmd "cat %s"' % secret, "SSLType IMAPS", "CertificateFile %s" % ca, "",
            "IMAPStore %s-far" % c, "Account %s" % c, "",
            "MaildirStore %s-near" % c, "Path %s/" % root, "Inbox %s/INBOX" % root, "SubFolders Verbatim", "",
            "Channel %s" % c, "Far :%s-far:" % c, "Near :%s-near:" % c, "Patterns *", "Create Near",
            "Sync Pull", "Expunge None", "SyncState *", "",
        ]
    with open(path, "w") as f:
        f.write("\n".join(out))


# ------------------------------------------------------------------ storage

def tree_bytes(root, only_messages=False):
    """(apparent bytes, allocated bytes, files) below root."""
    app = alloc = files = 0
    for dp, _dn, fn in os.walk(root):
        if only_messages and os.path.basename(dp) not in ("cur", "new"):
            continue
        for f in fn:
            st = os.lstat(os.path.join(dp, f))
            app += st.st_size
            alloc += st.st_blocks * 512
            files += 1
    return app, alloc, files


def tar_zstd_bytes(root):
    t0 = time.monotonic()
    p = subprocess.run("tar -cf - -C %s . | zstd -3 -q -c | wc -c" % shlex_quote(root), shell=True,
                       capture_output=True, text=True, check=True)
    return int(p.stdout.strip()), round(time.monotonic() - t0, 2)


def shlex_quote(s):
    import shlex
    return shlex.quote(s)


def coffer_stats(binary, cfg):
    p = subprocess.run([binary, "stats", "--config", cfg, "--json"], capture_output=True, text=True)
    if p.returncode != 0:
        log("coffer stats exited %d: %s" % (p.returncode, p.stderr.strip()))
        return {}
    return json.loads(p.stdout)


# ------------------------------------------------------------------ shape

def derive(r, msgs, nbytes):
    w = r["wall_s"]
    r["msgs_per_s"] = round(msgs / w, 1) if w > 0 else None
    r["mb_per_s"] = round(nbytes / 1e6 / w, 2) if w > 0 else None
    r["cpu_s_per_mb"] = round(r["cpu_s"] / (nbytes / 1e6), 4) if nbytes else None
    r["peak_rss_mb"] = round(r.get("peak_rss_kb", 0) / 1024, 1)
    return r


def fresh(path):
    if os.path.exists(path):
        shutil.rmtree(path)
    os.makedirs(path)


def cmd_shape(a):
    users = [u.strip() for u in open(a.users_file) if u.strip()]
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)
    pressure_before = pressure()
    log("%s: %d users; counting what the server serves" % (a.name, len(users)))
    corpus = served(a.testbed_dir, a.port, users)
    corpus["source"] = a.corpus_source
    log("%s: %d messages, %d bytes in %d mailboxes" % (a.name, corpus["messages"], corpus["bytes"], corpus["mailboxes"]))
    msgs, nbytes = corpus["messages"], corpus["bytes"]
    cfg = os.path.join(work, "coffer.toml")
    store = os.path.join(work, "store")
    maildir = os.path.join(work, "maildir")
    mbcfg = os.path.join(work, "mbsyncrc")
    write_coffer_config(cfg, store, users, a.testbed_dir, a.port)
    write_mbsync_config(mbcfg, maildir, users, a.testbed_dir, a.port)
    maildir_nf = os.path.join(work, "maildir-nofsync")
    mbcfg_nf = os.path.join(work, "mbsyncrc-nofsync")
    write_mbsync_config(mbcfg_nf, maildir_nf, users, a.testbed_dir, a.port, fsync=False)
    def mbsync_cmd(rc):
        if a.mbsync_batch <= 0 or len(users) <= a.mbsync_batch:
            return ["mbsync", "-q", "-c", rc, "-a"]
        # mbsync 1.4 keeps every channel's IMAP connection open until it exits; past Dovecot's
        # imap-login process_limit (100) the server drops connections. So: batches, one after another.
        parts = []
        for i in range(0, len(users), a.mbsync_batch):
            chans = " ".join(chan(u) for u in users[i:i + a.mbsync_batch])
            parts.append("mbsync -q -c %s %s || rc=$?" % (shlex_quote(rc), chans))
        return ["sh", "-c", "rc=0; " + "; ".join(parts) + "; exit $rc"]

    runs, storage, problems, discarded = [], [], [], []
    rep, attempts = 1, 0
    while rep <= a.reps:
        attempts += 1
        if attempts > a.reps + 3:
            raise SystemExit("bench: too many repetitions discarded for server trouble; see the JSON's discarded list")
        wait_for_server(a.testbed_dir, a.port, users[0])
        log_offset = log_size(a.testbed_dir)
        rep_runs, rep_problems = [], []
        logdir = os.path.join(work, "logs", "rep%d" % rep)
        fresh(logdir)
        steps = [
            ("coffer_c4", "coffer", [a.bin, "backfill", "--config", cfg, "--connections", "4", "--json"], store),
            ("coffer_c4_noop", "coffer", [a.bin, "backfill", "--config", cfg, "--connections", "4", "--json"], None),
            ("coffer_c1", "coffer", [a.bin, "backfill", "--config", cfg, "--connections", "1", "--json"], store),
            ("mbsync", "mbsync", mbsync_cmd(mbcfg), maildir),
            ("mbsync_noop", "mbsync", mbsync_cmd(mbcfg), None),
            # for the reading only: mbsync fsyncs every message by default; this is without
            ("mbsync_nofsync", "mbsync", mbsync_cmd(mbcfg_nf), maildir_nf),
        ]
        st = {"rep": rep}
        for case, tool, cmd, clean in steps:
            if clean:
                fresh(clean)
                if clean == store:
                    os.rmdir(store)  # coffer creates it
                if clean in (maildir, maildir_nf):  # mbsync creates the folders, not the store's root
                    for u in users:
                        os.makedirs(os.path.join(clean, u))
            r = measure(case, cmd, logdir, a.testbed_dir)
            r.update(case=case, tool=tool, rep=rep)
            derive(r, msgs, nbytes)
            if tool == "coffer":
                try:
                    s = json.load(open(os.path.join(logdir, case + ".stdout")))
                    r["messages_new"] = sum(mb.get("new", 0) for mb in s.get("mailboxes", []))
                    r["bytes_fetched"] = sum(mb.get("bytes_fetched", 0) for mb in s.get("mailboxes", []))
                except (OSError, ValueError):
                    pass
            rep_runs.append(r)
            log("rep %d %-15s wall %7.2f s  cpu %6.2f s  rss %6.1f MB  exit %d%s" % (
                rep, case, r["wall_s"], r["cpu_s"], r["peak_rss_mb"], r["exit"],
                "  server cpu %.2f s" % r["server_cpu_s"] if "server_cpu_s" in r else ""))
            if r["exit"] != 0:
                rep_problems.append("rep %d %s: exit %d (command: %s; log %s)" % (
                    rep, case, r["exit"], " ".join(cmd), os.path.join(logdir, case + ".stderr")))
            if case == "coffer_c4":
                s = coffer_stats(a.bin, cfg)
                st["coffer"] = {k: s.get(k) for k in ("messages", "unique_blobs", "raw_bytes", "unique_raw_bytes",
                                                      "pack_bytes", "index_bytes", "stored_bytes", "stored_to_raw")}
                st["coffer"]["disk_bytes"] = tree_bytes(store)[1]
                if s.get("messages") != msgs:
                    rep_problems.append("rep %d coffer_c4: stats says %s messages, the server serves %d" % (rep, s.get("messages"), msgs))
                if s.get("raw_bytes") != nbytes:
                    rep_problems.append("rep %d coffer_c4: stats raw_bytes %s, the server serves %d bytes" % (rep, s.get("raw_bytes"), nbytes))
            if case == "coffer_c4_noop" and r.get("messages_new"):
                rep_problems.append("rep %d coffer no-op fetched %s new messages" % (rep, r["messages_new"]))
            if case == "coffer_c1":
                s = coffer_stats(a.bin, cfg)
                if s.get("messages") != msgs:
                    rep_problems.append("rep %d coffer_c1: stats says %s messages, the server serves %d" % (rep, s.get("messages"), msgs))
            if case == "mbsync":
                mapp, malloc, mfiles = tree_bytes(maildir, only_messages=True)
                tapp, talloc, tfiles = tree_bytes(maildir)
                z, zsec = tar_zstd_bytes(maildir)
                st["maildir"] = {"message_files": mfiles, "message_bytes": mapp, "total_bytes": tapp,
                                 "total_files": tfiles, "disk_bytes": talloc}
                st["tar_zstd3"] = {"bytes": z, "seconds": zsec}
                if mfiles != msgs:
                    rep_problems.append("rep %d mbsync: %d message files in the Maildir, the server serves %d" % (rep, mfiles, msgs))
        trouble = server_trouble_since(a.testbed_dir, log_offset)
        if trouble:
            discarded.append({"rep": rep, "attempt": attempts, "dovecot_log": trouble[:5], "runs": rep_runs,
                              "problems": rep_problems})
            log("rep %d discarded: the server had trouble of its own (%s); repeating it" % (rep, trouble[0]))
            continue
        runs += rep_runs
        problems += rep_problems
        storage.append(st)
        rep += 1
    res = {"shape": a.name, "discarded_reps": discarded, "reps": a.reps, "corpus": corpus, "runs": runs, "storage": storage,
           "problems": problems, "page_cache": "not dropped: the server's Maildir files stay in the page cache "
           "(loaded just before, and read by every run); the client side writes into a fresh directory each time",
           "commands": {"coffer_c4": "coffer backfill --config coffer.toml --connections 4 --json",
                        "coffer_c1": "coffer backfill --config coffer.toml --connections 1 --json",
                        "mbsync": "mbsync -q -c mbsyncrc -a" if mbsync_cmd("x")[0] == "mbsync" else
                        "mbsync -q -c mbsyncrc CHANNEL… in %d sequential invocations of at most %d channels (under one sh)"
                        % (-(-len(users) // a.mbsync_batch), a.mbsync_batch),
                        "mbsync_nofsync": "mbsync -q -c mbsyncrc-nofsync -a (the same channels with FSync no)"}}
    res["pressure_after"] = pressure()
    res["pressure_before"] = pressure_before
    res["median"] = medians(runs)
    res["ratios_median_of_per_rep"] = per_rep_ratios(runs)
    res["storage_median"] = storage_medians(storage)
    res["ratios"] = ratios(res["median"], res["storage_median"])
    save(a.results, a.name, res)
    print_table(res)
    return 1 if problems else 0


def medians(runs):
    out = {}
    for case in dict.fromkeys(r["case"] for r in runs):
        rs = [r for r in runs if r["case"] == case]
        m = {}
        for k in ("wall_s", "user_s", "sys_s", "cpu_s", "peak_rss_mb", "msgs_per_s", "mb_per_s", "cpu_s_per_mb",
                  "server_cpu_s", "loadavg_1m_before"):
            vals = [r[k] for r in rs if r.get(k) is not None]
            if vals:
                m[k] = round(statistics.median(vals), 4)
        m["exits"] = [r["exit"] for r in rs]
        out[case] = m
    return out


def storage_medians(storage):
    def med(path):
        vals = []
        for s in storage:
            v = s
            for k in path:
                v = v.get(k) if isinstance(v, dict) else None
            if v is not None:
                vals.append(v)
        return statistics.median(vals) if vals else None
    out = {}
    for grp, keys in (("coffer", ("pack_bytes", "index_bytes", "stored_bytes", "raw_bytes", "disk_bytes", "stored_to_raw")),
                      ("maildir", ("message_bytes", "total_bytes", "disk_bytes", "message_files")),
                      ("tar_zstd3", ("bytes", "seconds"))):
        out[grp] = {k: med((grp, k)) for k in keys}
    return out


def per_rep_ratios(runs):
    """coffer/mbsync within each repetition (same machine load), then the median over repetitions."""
    out = {}
    for x, y in (("coffer_c4", "mbsync"), ("coffer_c1", "mbsync"), ("coffer_c4", "mbsync_nofsync"),
                 ("coffer_c4_noop", "mbsync_noop")):
        vals = {}
        for k in ("wall_s", "cpu_s", "peak_rss_mb"):
            v = []
            for rep in sorted({r["rep"] for r in runs}):
                a = [r for r in runs if r["rep"] == rep and r["case"] == x]
                b = [r for r in runs if r["rep"] == rep and r["case"] == y]
                if a and b and b[0].get(k):
                    v.append(a[0][k] / b[0][k])
            vals[k] = round(statistics.median(v), 3) if v else None
        out["%s/%s" % (x, y)] = vals
    return out


def pressure():
    """/proc/pressure (PSI) averages and the load average: how busy the machine was otherwise."""
    out = {"loadavg": list(os.getloadavg())}
    for kind in ("cpu", "io"):
        try:
            for line in open("/proc/pressure/" + kind):
                f = line.split()
                out["%s_%s" % (kind, f[0])] = {kv.split("=")[0]: float(kv.split("=")[1]) for kv in f[1:4]}
        except OSError:
            pass
    return out


def ratios(m, s):
    def r(x, y, k):
        a, b = m.get(x, {}).get(k), m.get(y, {}).get(k)
        return round(a / b, 3) if a is not None and b else None
    out = {}
    for c in ("coffer_c4", "coffer_c1"):
        out[c + "/mbsync"] = {k: r(c, "mbsync", k) for k in ("wall_s", "cpu_s", "peak_rss_mb", "server_cpu_s")}
    out["coffer_c4/mbsync_nofsync"] = {k: r("coffer_c4", "mbsync_nofsync", k) for k in ("wall_s", "cpu_s", "peak_rss_mb", "server_cpu_s")}
    out["coffer_noop/mbsync_noop"] = {k: r("coffer_c4_noop", "mbsync_noop", k) for k in ("wall_s", "cpu_s", "peak_rss_mb")}
    cs = s["coffer"].get("stored_bytes")
    if cs:
        out["storage"] = {
            "coffer_stored/maildir_total": round(cs / s["maildir"]["total_bytes"], 3) if s["maildir"].get("total_bytes") else None,
            "coffer_stored/tar_zstd3": round(cs / s["tar_zstd3"]["bytes"], 3) if s["tar_zstd3"].get("bytes") else None,
            "coffer_stored/served_raw": s["coffer"].get("stored_to_raw"),
            "coffer_disk/maildir_disk": round(s["coffer"]["disk_bytes"] / s["maildir"]["disk_bytes"], 3)
            if s["maildir"].get("disk_bytes") else None,
        }
    return out


# ------------------------------------------------------------------ big message

def cmd_big(a):
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)
    cases, problems, runs, discarded = [], [], [], []
    for spec in a.case:
        mb, user, base = spec.split(":")
        info = {"big_mb": float(mb), "user": user, "baseline_user": base,
                "served": served(a.testbed_dir, a.port, [user]), "baseline_served": served(a.testbed_dir, a.port, [base])}
        for who, label in ((base, "baseline"), (user, "big")):
            for attempt in range(1, 4):
                wait_for_server(a.testbed_dir, a.port, who)
                log_offset = log_size(a.testbed_dir)
                n_runs, n_problems = len(runs), len(problems)
                big_runs(a, work, mb, who, label, info, runs, problems)
                trouble = server_trouble_since(a.testbed_dir, log_offset)
                if not trouble:
                    break
                log("big %s MB %s discarded: the server had trouble of its own (%s); repeating" % (mb, label, trouble[0]))
                discarded.append({"big_mb": float(mb), "which": label, "attempt": attempt, "dovecot_log": trouble[:5],
                                  "runs": runs[n_runs:], "problems": problems[n_problems:]})
                del runs[n_runs:], problems[n_problems:]

        def med(which, tool="coffer", k="peak_rss_mb"):
            v = [r[k] for r in runs if r["big_mb"] == float(mb) and r["which"] == which and r["tool"] == tool]
            return round(statistics.median(v), 2) if v else None
        info.update(
            baseline_rss_mb=med("baseline"), big_rss_mb=med("big"),
            rss_increase_mb=round(med("big") - med("baseline"), 1),
            big_wall_s=med("big", k="wall_s"), baseline_wall_s=med("baseline", k="wall_s"),
            big_cpu_s=med("big", k="cpu_s"),
            target_increase_mb={60: 16, 150: 32}.get(int(float(mb))))
        if a.mbsync:
            info.update(mbsync_baseline_rss_mb=med("baseline", "mbsync"), mbsync_big_rss_mb=med("big", "mbsync"),
                        mbsync_big_wall_s=med("big", "mbsync", "wall_s"))
        cases.append(info)
        log("big %s MB: coffer peak RSS %.1f MB vs baseline %.1f MB: +%.1f MB (target %s)" % (
            mb, info["big_rss_mb"], info["baseline_rss_mb"], info["rss_increase_mb"],
            "+%d MB" % info["target_increase_mb"] if info["target_increase_mb"] else "n/a"))
    res = {"shape": "big-message", "reps": a.reps, "discarded": discarded, "cases": cases, "runs": runs,
           "problems": problems,
           "command": "coffer backfill --config coffer.toml --account USER --json (fresh store each run)"}
    save(a.results, "big-message", res)
    for p in problems:
        log("PROBLEM: " + p)
    return 1 if problems else 0


def big_runs(a, work, mb, who, label, info, runs, problems):
    """The coffer repetitions (and one mbsync run) for one account of one big-message case."""
    want = info["served" if label == "big" else "baseline_served"]
    for rep in range(1, a.reps + 1):
        d = os.path.join(work, "big%s-%s" % (mb, label))
        fresh(d)
        cfg = os.path.join(d, "coffer.toml")
        write_coffer_config(cfg, os.path.join(d, "store"), [who], a.testbed_dir, a.port)
        r = measure("coffer-rep%d" % rep, [a.bin, "backfill", "--config", cfg, "--account", who, "--json"],
                    os.path.join(d, "logs"), a.testbed_dir)
        r.update(tool="coffer", big_mb=float(mb), which=label, user=who, rep=rep)
        derive(r, want["messages"], want["bytes"])
        s = coffer_stats(a.bin, cfg)
        if label == "big" and rep == 1:
            v = subprocess.run([a.bin, "verify", "--config", cfg, "--read-data"], capture_output=True, text=True)
            r["verify_exit"] = v.returncode
            if v.returncode != 0:
                problems.append("%s MB: coffer verify --read-data exited %d: %s" % (mb, v.returncode, v.stderr.strip()[-300:]))
        r["stored_messages"] = s.get("messages")
        r["stored_raw_bytes"] = s.get("raw_bytes")
        if r["exit"] != 0 or s.get("messages") != want["messages"] or s.get("raw_bytes") != want["bytes"]:
            problems.append("%s MB %s rep %d: exit %d, stored %s messages / %s bytes, served %d / %d" % (
                mb, label, rep, r["exit"], s.get("messages"), s.get("raw_bytes"), want["messages"], want["bytes"]))
        runs.append(r)
        log("big %s MB %-8s rep %d: wall %.2f s rss %.1f MB exit %d" % (mb, label, rep, r["wall_s"], r["peak_rss_mb"], r["exit"]))
    if a.mbsync:
        d = os.path.join(work, "big%s-%s-mbsync" % (mb, label))
        fresh(d)
        mbcfg = os.path.join(d, "mbsyncrc")
        write_mbsync_config(mbcfg, os.path.join(d, "maildir"), [who], a.testbed_dir, a.port)
        os.makedirs(os.path.join(d, "maildir", who))
        r = measure("mbsync", ["mbsync", "-q", "-c", mbcfg, "-a"], os.path.join(d, "logs"), a.testbed_dir)
        r.update(tool="mbsync", big_mb=float(mb), which=label, user=who, rep=1)
        r["peak_rss_mb"] = round(r.get("peak_rss_kb", 0) / 1024, 1)
        runs.append(r)
        log("big %s MB %-8s mbsync: wall %.2f s rss %.1f MB exit %d" % (mb, label, r["wall_s"], r["peak_rss_mb"], r["exit"]))


# ------------------------------------------------------------------ results file

def machine():
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=60).stdout.strip()
        except Exception:
            return ""
    cpu = ""
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", open("/proc/meminfo").read()).group(1))
    return {
        "nproc": os.cpu_count(), "cpu_model": cpu, "mem_gib": round(mem_kb / 1048576, 1),
        "kernel": platform.release(), "os": sh(". /etc/os-release && echo $PRETTY_NAME"),
        "swift": sh("swift --version 2>&1 | head -1"), "dovecot": sh("dovecot --version"),
        "isync": sh("mbsync --version"), "zstd": sh("zstd --version"),
        "coffer_commit": os.environ.get("COFFER_COMMIT") or sh("git -C %s rev-parse --short HEAD" % REPO),
        "coffer_binary": os.environ.get("COFFER_BIN", ""),
    }


def save(path, key, res):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    data = {}
    if os.path.exists(path):
        data = json.load(open(path))
    data.setdefault("shapes", {})
    res["finished_at"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    res["machine"] = machine()
    data["shapes"][key] = res
    data["machine"] = res["machine"]
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)
    log("results written to %s" % path)


def fmt(v, nd=2):
    if v is None:
        return "–"
    if isinstance(v, float):
        return ("%." + str(nd) + "f") % v
    return str(v)


def print_table(res, out=sys.stdout):
    m, c = res["median"], res["corpus"]
    print("\n%s: %d users, %d mailboxes, %d messages, %.1f MB served; medians of %d rep(s)" % (
        res["shape"], c["users"], c["mailboxes"], c["messages"], c["bytes"] / 1e6, res["reps"]), file=out)
    print("%-16s %9s %9s %9s %10s %8s %9s %9s %8s" % ("run", "wall s", "cpu s", "rss MB", "msgs/s", "MB/s",
                                                     "cpu s/MB", "srv cpu", "exits"), file=out)
    for case, v in m.items():
        print("%-16s %9s %9s %9s %10s %8s %9s %9s %8s" % (case, fmt(v.get("wall_s")), fmt(v.get("cpu_s")),
              fmt(v.get("peak_rss_mb"), 1), fmt(v.get("msgs_per_s"), 0), fmt(v.get("mb_per_s")),
              fmt(v.get("cpu_s_per_mb"), 3), fmt(v.get("server_cpu_s")), ",".join(map(str, v["exits"]))), file=out)
    print("ratios: " + json.dumps(res["ratios"]), file=out)
    print("storage (median bytes): " + json.dumps(res["storage_median"]), file=out)
    for p in res["problems"]:
        print("PROBLEM: " + p, file=out)


def cmd_report(a):
    data = json.load(open(a.results))
    mc = data.get("machine", {})
    print("| | |\n|---|---|")
    for k in ("cpu_model", "nproc", "mem_gib", "os", "kernel", "swift", "dovecot", "isync", "zstd", "coffer_commit"):
        print("| %s | %s |" % (k, mc.get(k)))
    for name in ("enron", "many-accounts"):
        res = data.get("shapes", {}).get(name)
        if not res:
            continue
        c = res["corpus"]
        print("\n### %s: %d users, %d mailboxes, %d messages, %.1f MB served (median of %d)\n" % (
            name, c["users"], c["mailboxes"], c["messages"], c["bytes"] / 1e6, res["reps"]))
        print("| run | wall s | user+sys CPU s | peak RSS MB | msgs/s | MB/s | CPU s per MB | Dovecot CPU s | exit codes |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for case, v in res["median"].items():
            print("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                case, fmt(v.get("wall_s")), fmt(v.get("cpu_s")), fmt(v.get("peak_rss_mb"), 1), fmt(v.get("msgs_per_s"), 0),
                fmt(v.get("mb_per_s")), fmt(v.get("cpu_s_per_mb"), 3), fmt(v.get("server_cpu_s")),
                ", ".join(map(str, v["exits"]))))
        r = res["ratios"]
        print("\n| coffer / mbsync | wall | CPU | peak RSS | Dovecot CPU |\n|---|---:|---:|---:|---:|")
        for k in ("coffer_c4/mbsync", "coffer_c1/mbsync", "coffer_noop/mbsync_noop", "coffer_c4/mbsync_nofsync"):
            v = r.get(k, {})
            print("| %s | %s | %s | %s | %s |" % (k, fmt(v.get("wall_s"), 3), fmt(v.get("cpu_s"), 3),
                                                  fmt(v.get("peak_rss_mb"), 3), fmt(v.get("server_cpu_s"), 3)))
        pr = res.get("ratios_median_of_per_rep", {})
        if pr:
            print("\nThe same ratios taken within each repetition, then the median (less sensitive to load drifting between reps):\n")
            print("| coffer / mbsync, per rep | wall | CPU | peak RSS |\n|---|---:|---:|---:|")
            for k, v in pr.items():
                print("| %s | %s | %s | %s |" % (k, fmt(v.get("wall_s"), 3), fmt(v.get("cpu_s"), 3), fmt(v.get("peak_rss_mb"), 3)))
        s = res["storage_median"]
        print("\n| storage | bytes |\n|---|---:|")
        print("| served (sum of RFC822.SIZE) | %d |" % c["bytes"])
        print("| coffer packs | %d |" % s["coffer"]["pack_bytes"])
        print("| coffer index.sqlite* | %d |" % s["coffer"]["index_bytes"])
        print("| coffer stored (packs + index) | %d |" % s["coffer"]["stored_bytes"])
        print("| mbsync Maildir, message files | %d |" % s["maildir"]["message_bytes"])
        print("| mbsync Maildir, all files | %d |" % s["maildir"]["total_bytes"])
        print("| tar of the Maildir, zstd -3 | %d |" % s["tar_zstd3"]["bytes"])
        print("| coffer store on disk (allocated) | %d |" % s["coffer"]["disk_bytes"])
        print("| mbsync Maildir on disk (allocated) | %d |" % s["maildir"]["disk_bytes"])
        print("\nratios: " + ", ".join("%s %s" % (k, fmt(v, 3)) for k, v in r.get("storage", {}).items()))
        for p in res["problems"]:
            print("\nPROBLEM: " + p)
        if res.get("discarded_reps"):
            print("\n%d repetition(s) discarded and repeated because Dovecot itself failed (%s)" % (
                len(res["discarded_reps"]), res["discarded_reps"][0]["dovecot_log"][0]))
    b = data.get("shapes", {}).get("big-message")
    if b:
        print("\n### big-message (median of %d)\n" % b["reps"])
        print("| message | baseline peak RSS MB | with the message MB | increase MB | target MB | wall s | mbsync peak RSS MB (baseline → big) |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for c in b["cases"]:
            print("| %s MiB (%d bytes served) | %s | %s | %s | +%s | %s | %s → %s |" % (
                fmt(c["big_mb"], 0), c["served"]["bytes"], fmt(c["baseline_rss_mb"], 1), fmt(c["big_rss_mb"], 1),
                fmt(c["rss_increase_mb"], 1), c["target_increase_mb"], fmt(c["big_wall_s"]),
                fmt(c.get("mbsync_baseline_rss_mb"), 1), fmt(c.get("mbsync_big_rss_mb"), 1)))
        for p in b["problems"]:
            print("\nPROBLEM: " + p)


def cmd_chart(a):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    data = json.load(open(a.results))
    other = json.load(open(a.compare)) if a.compare else None
    shapes = [n for n in ("enron", "many-accounts") if n in data.get("shapes", {})]
    if not shapes:
        log("chart: no shape results in %s" % a.results)
        return 1

    def commit(d):
        return (d.get("machine", {}).get("coffer_commit") or "?").split()[0]
    this = commit(data)
    fig, axes = plt.subplots(2, len(shapes), figsize=(6.8 * len(shapes), 8.6), squeeze=False)
    for i, name in enumerate(shapes):
        res = data["shapes"][name]
        old = (other or {}).get("shapes", {}).get(name)
        m, c = res["median"], res["corpus"]
        ax = axes[0][i]
        items = [("coffer %s\n4 conn" % this, m.get("coffer_c4", {}).get("msgs_per_s"), "#2a6f97"),
                 ("coffer %s\n1 conn" % this, m.get("coffer_c1", {}).get("msgs_per_s"), "#61a5c2")]
        if old:
            items.append(("coffer %s\n4 conn" % commit(other), old["median"].get("coffer_c4", {}).get("msgs_per_s"), "#89c2d9"))
        items += [("mbsync", m.get("mbsync", {}).get("msgs_per_s"), "#bc4749"),
                  ("mbsync\nFSync no", m.get("mbsync_nofsync", {}).get("msgs_per_s"), "#e5989b")]
        vals = [v or 0 for _, v, _ in items]
        bars = ax.bar([l for l, _, _ in items], vals, color=[col for _, _, col in items])
        ax.bar_label(bars, labels=["%.0f" % v for v in vals], padding=2, fontsize=9)
        ax.set_title("%s: %d messages, %.1f MB, %d accounts\nfirst run into an empty store (median of %d)" % (
            name, c["messages"], c["bytes"] / 1e6, c["users"], res["reps"]), fontsize=10)
        ax.set_ylabel("messages / s (higher is better)")
        ax.set_ylim(0, max(vals) * 1.18)
        ax.tick_params(axis="x", labelsize=8)
        ax = axes[1][i]
        s = res["storage_median"]
        items = [("served\n(raw)", c["bytes"], "#999999"), ("mbsync\nMaildir", s["maildir"]["total_bytes"], "#bc4749"),
                 ("Maildir\ntar + zstd -3", s["tar_zstd3"]["bytes"], "#dda15e"),
                 ("coffer %s\nstore" % this, s["coffer"]["stored_bytes"], "#2a6f97")]
        if old:
            items.append(("coffer %s\nstore" % commit(other), old["storage_median"]["coffer"]["stored_bytes"], "#89c2d9"))
        vals = [v / 1e6 for _, v, _ in items]
        bars = ax.bar([l for l, _, _ in items], vals, color=[col for _, _, col in items])
        ax.bar_label(bars, labels=["%.1f" % v for v in vals], padding=2, fontsize=9)
        ax.set_title("storage, apparent bytes (coffer: packs + index.sqlite)", fontsize=10)
        ax.set_ylabel("MB (lower is better)")
        ax.set_ylim(0, max(vals) * 1.18)
        ax.tick_params(axis="x", labelsize=8)
    fig.suptitle("coffer vs mbsync 1.4.4, local Dovecot 2.3 over TLS (%s × %s, shared machine)" % (
        data.get("machine", {}).get("nproc", "?"), data.get("machine", {}).get("cpu_model", "?")), fontsize=10)
    fig.tight_layout()
    fig.savefig(a.png, dpi=100)
    log("chart written to %s" % a.png)
    return 0


def main(argv):
    ap = argparse.ArgumentParser(prog="bench.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("shape", "big"):
        p = sub.add_parser(name)
        p.add_argument("--bin", required=True)
        p.add_argument("--testbed-dir", required=True)
        p.add_argument("--port", type=int, required=True)
        p.add_argument("--work", required=True)
        p.add_argument("--reps", type=int, default=3)
        p.add_argument("--results", required=True)
    p = sub.choices["shape"]
    p.add_argument("--name", required=True)
    p.add_argument("--users-file", required=True)
    p.add_argument("--corpus-source", default="")
    p.add_argument("--mbsync-batch", type=int, default=0,
                   help="run mbsync on at most this many channels per invocation (0: all in one, mbsync -a)")
    p = sub.choices["big"]
    p.add_argument("--case", action="append", required=True, help="MB:USER:BASEUSER")
    p.add_argument("--mbsync", action="store_true", help="also one mbsync run per case, for reference")
    sub.add_parser("machine")
    p = sub.add_parser("chart"); p.add_argument("results"); p.add_argument("png")
    p.add_argument("--compare", help="another results file: its coffer bars are added (another commit)")
    p = sub.add_parser("report"); p.add_argument("results")
    a = ap.parse_args(argv)
    if a.cmd == "shape":
        return cmd_shape(a)
    if a.cmd == "big":
        return cmd_big(a)
    if a.cmd == "machine":
        print(json.dumps(machine(), indent=1))
        return 0
    if a.cmd == "chart":
        return cmd_chart(a)
    return cmd_report(a)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
