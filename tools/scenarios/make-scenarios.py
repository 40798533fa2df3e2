#!/usr/bin/env python3
"""Writes the case scenarios of tools/scripted-imap.py (this folder's *.json) from the shared
cases' fixtures (`../shared/cases/fixtures`, embedded into each scenario as base64 so that the
tests also run without ../shared). Re-run after changing a scenario here; the JSON is committed."""
import base64, json, os
OUT = os.path.dirname(os.path.abspath(__file__)) + "/"
F = os.path.join(OUT, "../../../shared/cases/fixtures/")
def fx(name):
    return {"fixture": name, "embedded_b64": base64.b64encode(open(F + name, "rb").read()).decode()}
def msg(uid, text, **kw):
    d = {"uid": uid, "text": text}; d.update(kw); return d
def mbox(name, uv, msgs, **kw):
    d = {"name": name, "uidvalidity": uv, "messages": msgs}; d.update(kw); return d
def small(uid, subject="m"):
    return msg(uid, "From: a@example.com\r\nSubject: %s %d\r\n\r\nbody %d\r\n" % (subject, uid, uid))
def write(name, s):
    with open(OUT + name, "w") as f:
        json.dump(s, f, indent=1, ensure_ascii=True); f.write("\n")

EXCH = "IMAP4 IMAP4rev1 AUTH=PLAIN SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+"
GREET = "* OK The Microsoft Exchange IMAP4 service is ready. [AAAAAAAA]"

# B09: throttling, three wordings (NO, BAD, BYE) on the first connection of three accounts; fine on the second.
thr = "Request is throttled. Suggested Backoff Time: 1500 milliseconds"
write("B09-throttled.json", {
 "case": "B09", "description": "Throttled on the first connection (tagged NO / BAD, untagged BYE) after two messages, then disconnected; fine on the second.",
 "greeting": GREET, "capabilities": EXCH,
 "mailboxes": [mbox("INBOX", 9, [small(u) for u in range(93470, 93475)])],
 "rules": [
  {"when": {"command": "UID FETCH", "uid": 93472, "connection": [1], "user": "no"}, "scope": "message",
   "reply": {"lines": ["a1069 NO " + thr], "tag": "a1069"}, "after": "close"},
  {"when": {"command": "UID FETCH", "uid": 93472, "connection": [1], "user": "bad"}, "scope": "message",
   "reply": {"lines": ["a1069 BAD " + thr], "tag": "a1069"}, "after": "close"},
  {"when": {"command": "UID FETCH", "uid": 93472, "connection": [1], "user": "bye"}, "scope": "message",
   "reply": {"lines": ["* BYE " + thr]}, "after": "close"}]})
# B09 for split reads: the same three wordings with a 10 ms back-off.
write("B09-throttled-split.json", {
 "case": "B09", "description": "As B09-throttled.json with a 10 ms suggested back-off, for replaying the throttle line split at every byte.",
 "greeting": GREET, "capabilities": EXCH,
 "mailboxes": [mbox("INBOX", 9, [small(u) for u in range(93470, 93475)])],
 "rules": [
  {"when": {"command": "UID FETCH", "uid": 93472, "connection": [1], "user": w.lower()}, "scope": "message",
   "reply": {"lines": [("a1069 " if w != "BYE" else "* ") + w + " Request is throttled. Suggested Backoff Time: 10 milliseconds"], "tag": "a1069"}, "after": "close"}
  for w in ("NO", "BAD", "BYE")]})
# B09, throttled for good: gives up after max_throttle_wait.
write("B09-throttled-forever.json", {
 "case": "B09", "description": "Every UID FETCH reaching UID 3 is throttled (1000 ms suggested) and the connection closed.",
 "greeting": GREET, "capabilities": EXCH,
 "mailboxes": [mbox("INBOX", 9, [small(u) for u in range(1, 5)]), mbox("Archive", 9, [small(1, "archive")])],
 "rules": [{"when": {"command": "UID FETCH", "uid": 3}, "scope": "message",
            "reply": {"lines": ["a1069 NO Request is throttled. Suggested Backoff Time: 1000 milliseconds"], "tag": "a1069"},
            "after": "close"}]})
# Concurrency: every account throttled on its first connection.
write("B09-throttled-many.json", {
 "case": "B09", "description": "Each account is throttled (500 ms) on its first connection and disconnected.",
 "greeting": GREET, "capabilities": EXCH,
 "mailboxes": [mbox("INBOX", 9, [small(u) for u in range(1, 4)])],
 "rules": [{"when": {"command": "UID FETCH", "connection": [1]},
            "reply": {"lines": ["{tag} NO Request is throttled. Suggested Backoff Time: 500 milliseconds"]}, "after": "close"}]})
# B10
write("B10-server-unavailable.json", {
 "case": "B10", "description": "EXAMINE of two folders answered NO Server Unavailable. 15; INBOX fine.",
 "greeting": GREET, "capabilities": EXCH,
 "mailboxes": [mbox("INBOX", 3, [small(1), small(2)]), mbox("Inbox/Projects", 4, [small(1, "p")]),
               mbox("Inbox/Vendors", 5, [small(1, "v")])],
 "rules": [{"when": {"command": "EXAMINE", "mailbox": "Inbox/Projects"}, "reply": {"lines": ["{tag} NO Server Unavailable. 15"]}},
           {"when": {"command": "EXAMINE", "mailbox": "Inbox/Vendors"}, "reply": {"lines": ["{tag} NO Server Unavailable. 15"]}}]})
# B11
write("B11-not-connected.json", {
 "case": "B11", "description": "EXAMINE answered BAD User is authenticated but not connected: once for accounts named churn*, always for denied*.",
 "greeting": GREET, "capabilities": EXCH,
 "mailboxes": [mbox("INBOX", 11, [small(1), small(2)]), mbox("Archive", 12, [small(1, "a")])],
 "rules": [
  {"when": {"command": "EXAMINE", "user": "churn", "connection": [1]}, "reply": {"lines": ["{tag} BAD User is authenticated but not connected."]}},
  {"when": {"command": "EXAMINE", "user": "denied"}, "reply": {"lines": ["{tag} BAD User is authenticated but not connected."]}},
  {"when": {"command": "LOGOUT", "user": "denied"}, "reply": {"lines": ["* BYE Connection closed. 14", "{tag} OK LOGOUT completed."]}}]})
# B12
write("B12-missing.json", {
 "case": "B12", "description": "UID 5721 is listed by SEARCH but UID FETCH returns nothing for it.",
 "greeting": GREET, "capabilities": EXCH,
 "mailboxes": [mbox("INBOX", 12, [dict(small(5721), omit=True), small(5722), small(5723), small(5724)])],
 "inject_fetch": True, "rules": []})
# B14
b14 = fx("B14_size_mismatch.bin")
write("B14-size-mismatch.json", {
 "case": "B14", "description": "RFC822.SIZE 1000 announced, a 110-octet BODY[] literal sent (fixture).",
 "greeting": GREET, "capabilities": EXCH,
 "mailboxes": [mbox("INBOX", 14, [small(12), {"uid": 13, "text": "placeholder"}, small(14)])],
 "rules": [dict(when={"command": "UID FETCH", "uid": 13}, scope="message", reply=dict(b14, tag="a7"))]})
# B15
write("B15-non-mail-folders.json", {
 "case": "B15", "description": "Kalender (62 items) and Kontakte (3 items) are selectable but FETCH returns nothing for any item.",
 "greeting": GREET, "capabilities": EXCH,
 "mailboxes": [mbox("INBOX", 15, [small(1)], attributes=["\\Marked", "\\HasNoChildren"]),
               mbox("Kalender", 14, [{"range": [1, 62], "omit": True}], uidnext=63),
               mbox("Kontakte", 16, [{"range": [1, 3], "omit": True}])],
 "inject_fetch": True, "rules": []})
# B16
b16_list = ['* LIST (\\HasNoChildren) "/" "Gel&APY-schte Elemente"', '* LIST (\\HasNoChildren \\Drafts) "/" "Entw&APw-rfe"',
            '* LIST (\\HasChildren) "/" "&AMk-l&AOk-ments supprim&AOk-s"',
            '* LIST (\\HasNoChildren) "/" "&AMk-l&AOk-ments supprim&AOk-s/Projekt &ANw-bersicht"',
            '* LIST (\\HasNoChildren) "/" "Vertr&AOQ-ge &- Angebote"', 'a4 OK LIST completed.']
names16 = ["Gel&APY-schte Elemente", "Entw&APw-rfe", "&AMk-l&AOk-ments supprim&AOk-s",
           "&AMk-l&AOk-ments supprim&AOk-s/Projekt &ANw-bersicht", "Vertr&AOQ-ge &- Angebote"]
write("B16-utf7-names.json", {
 "case": "B16", "description": "LIST answers with modified UTF-7 names (transcript); one message in each mailbox.",
 "greeting": GREET, "capabilities": EXCH,
 "mailboxes": [mbox(n, 160 + i, [small(1, "m%d" % i)]) for i, n in enumerate(names16)],
 "rules": [{"when": {"command": "LIST"}, "reply": {"lines": b16_list, "tag": "a4"}}]})
# B17
b17 = fx("B17_list_literal_name.bin")
names17 = ['Legal"2019', 'Archive "old" \\ 2018', "200", "Drafts"]
write("B17-list-literal-names.json", {
 "case": "B17", "description": "LIST names as a literal, a quoted string with escapes, a numeric atom and an atom (fixture).",
 "greeting": GREET, "capabilities": EXCH,
 "mailboxes": [mbox(n, 170 + i, [small(1, "m%d" % i)]) for i, n in enumerate(names17)],
 "rules": [{"when": {"command": "LIST"}, "reply": dict(b17, tag="a3")}]})
# B19
body19 = "From: a@example.com\r\nSubject: in range\r\n\r\nthe requested body..\r\n"
assert len(body19) == 64, len(body19)
write("B19-unsolicited-fetch.json", {
 "case": "B19", "description": "Unsolicited FETCH responses (flag/MODSEQ updates of other messages) inside the UID FETCH.",
 "greeting": "* OK Gimap ready", "capabilities": "IMAP4rev1 UIDPLUS CONDSTORE LITERAL+ ID ENABLE",
 "mailboxes": [mbox("INBOX", 19, [msg(14300, body19)])],
 "rules": [{"when": {"command": "UID FETCH"}, "reply": {"text":
   "* 14005 FETCH (UID 14300 BODY[] {64}\r\n" + body19 + ")\r\n"
   "* 350602 FETCH (UID 402782 MODSEQ (10000934) FLAGS (\\Seen))\r\n"
   "* 350604 FETCH (UID 402784 MODSEQ (10000977) FLAGS (\\Seen))\r\n{tag} OK Success\r\n"}}]})
# B21
b21 = fx("B21_short_literal_DESYNC.bin")
write("B21-short-literal.json", {
 "case": "B21", "description": "UID 77's literal announces 44 octets but 48 follow (fixture); UIDs 76 and 78 are fine.",
 "greeting": "* OK Domino IMAP4 Server Release 7.0.3 ready", "capabilities": "IMAP4rev1 LITERAL+ ID",
 "mailboxes": [mbox("INBOX", 21, [small(76), {"uid": 77, "text": "placeholder"}, small(78)])],
 "rules": [dict(when={"command": "UID FETCH", "uid": 77}, scope="message", reply=dict(b21, tag="a4"))]})
# B23
b23 = fx("B23_split_reads.bin")
write("B23-split-reads.json", {
 "case": "B23", "description": "A FETCH response split across reads mid-literal and mid-tag (fixture).",
 "greeting": "* OK Cyrus-style server ready", "capabilities": "IMAP4rev1 LITERAL+ ID",
 "mailboxes": [mbox("INBOX", 23, [{"uid": 345, "text": "placeholder"}])],
 "rules": [dict(when={"command": "UID FETCH", "uid": 345}, reply=dict(b23, tag="a7"))]})
# B24
for name, count, desc in [("B24-long-lines.json", 96000, "96,000 messages with 10-digit UIDs: the SEARCH answer is one 1,056,010-octet line"),
                          ("B24-long-lines-split.json", 100, "100 messages with 10-digit UIDs: a 1,110-octet SEARCH line, for split reads")]:
    write(name, {
     "case": "B24", "description": desc + "; command lines over 8 KB get Dovecot's BAD Too long argument.",
     "greeting": "* OK [CAPABILITY IMAP4rev1 LITERAL+ ID] Dovecot-like ready", "capabilities": "IMAP4rev1 LITERAL+ ID",
     "max_command_length": 8192, "inject_search": True,
     "mailboxes": [mbox("INBOX", 24, [{"range": [4000000001, 4000000000 + 2 * count - 1], "step": 2, "text": "Subject: %d\r\n\r\n%d\r\n"}])],
     "rules": []})
# B25
b25 = fx("B25_spamflag_no.bin")
write("B25-spam-flag-no.json", {
 "case": "B25", "description": "The message contains a line `X-Spam-Flag: NO` (fixture).",
 "greeting": "* OK GMX IMAP ready", "capabilities": "IMAP4rev1 LITERAL+ ID",
 "mailboxes": [mbox("INBOX", 25, [small(87), {"uid": 88, "text": "placeholder"}])],
 "rules": [dict(when={"command": "UID FETCH", "uid": 88}, scope="message", reply=dict(b25, tag="a3"))]})
# B27: two generations
gen2 = [small(u, "same") for u in range(1, 6)]
write("B27-uidvalidity-2.json", {
 "case": "B27", "description": "Generation 1: INBOX with UIDVALIDITY 2 and five messages.",
 "greeting": "* OK Proton Mail Bridge ready", "capabilities": "IMAP4rev1 LITERAL+ ID UIDPLUS",
 "mailboxes": [mbox("INBOX", 2, gen2)], "rules": []})
write("B27-uidvalidity-3.json", {
 "case": "B27", "description": "After a migration: UIDVALIDITY 3, the same five messages (UIDs 1-5) and 807 new ones, UIDNEXT 9120 (transcript).",
 "greeting": "* OK Proton Mail Bridge ready", "capabilities": "IMAP4rev1 LITERAL+ ID UIDPLUS",
 "mailboxes": [mbox("INBOX", 3, gen2 + [{"range": [8313, 9119]}], uidnext=9120)],
 "rules": [{"when": {"command": "EXAMINE"}, "reply": {"lines": ["* 812 EXISTS", "* 0 RECENT", "* OK [UIDVALIDITY 3] UIDs valid",
            "* OK [UIDNEXT 9120] Predicted next UID", "a3 OK [READ-ONLY] EXAMINE completed"], "tag": "a3"}}]})
# B28
b28 = fx("B28_nil_body.bin")
write("B28-nil-body.json", {
 "case": "B28", "description": "UID 1956 answered BODY[] NIL with a tagged OK (fixture).",
 "greeting": "* OK ready", "capabilities": "IMAP4rev1 LITERAL+ ID",
 "mailboxes": [mbox("INBOX", 28, [small(1955), {"uid": 1956, "text": "placeholder"}, small(1957)])],
 "rules": [dict(when={"command": "UID FETCH", "uid": 1956}, scope="message", reply=dict(b28, tag="a27"))]})
# B30
big = {"uid": 9001, "generate": {"size": 157286400, "seed": 30}}
write("B30-huge-message.json", {
 "case": "B30", "description": "A 150 MiB message (UID 9001) streamed with two 1.5 s pauses (at 50 and 100 MB); UID 9002 small.",
 "greeting": "* OK ready", "capabilities": "IMAP4rev1 LITERAL+ ID",
 "mailboxes": [mbox("INBOX", 30, [dict(big, stall=[{"after": 50000000, "seconds": 1.5}, {"after": 100000000, "seconds": 1.5}]),
                                   small(9002)])], "rules": []})
write("B30-huge-message-stalled.json", {
 "case": "B30", "description": "The 150 MiB message stalls for 6 s at 80 MB on the first connection only.",
 "greeting": "* OK ready", "capabilities": "IMAP4rev1 LITERAL+ ID",
 "mailboxes": [mbox("INBOX", 30, [dict(big, stall=[{"after": 80000000, "seconds": 6, "connections": [1]}]), small(9002)])],
 "rules": []})
# B31
b31 = "".join("Line %04d of a message whose cached size is wrong.......\r\n" % i for i in range(40))
b31 = ("From: a@example.com\r\nSubject: cached size\r\n\r\n" + b31)
b31 = b31[:1744]
assert len(b31) == 1744, len(b31)
write("B31-cut-mid-literal.json", {
 "case": "B31", "description": "UID 13 announces {1749}, 1744 octets follow, then the server closes the connection; UID 14 is fine.",
 "greeting": "* OK [CAPABILITY IMAP4rev1 LITERAL+ ID] Dovecot ready.", "capabilities": "IMAP4rev1 LITERAL+ ID",
 "mailboxes": [mbox("INBOX", 31, [msg(13, b31, announce=1749, close_after_body=True, inject=True), small(14)])], "rules": []})
# B32
q1 = "From: postmaster@example.com\r\nTo: user@example.com\r\nSubject: quota warning\r\n\r\nYour mailbox is 80% full.\r\n"
q2 = q1.replace("80%", "90%")
write("B32-no-message-id.json", {
 "case": "B32", "description": "Two messages without Message-ID or Date that differ only in the body.",
 "greeting": "* OK ready", "capabilities": "IMAP4rev1 LITERAL+ ID",
 "mailboxes": [mbox("Sent", 32, [msg(1, q1, inject=True), msg(2, q2, inject=True)])], "rules": []})
# B34, B35
write("B34-8bit-headers.json", {
 "case": "B34", "description": "Raw ISO-8859-1 bytes in Subject and body (fixture message).",
 "greeting": "* OK ready", "capabilities": "IMAP4rev1 LITERAL+ ID",
 "mailboxes": [mbox("INBOX", 34, [dict(fx("B34_8bit_message_raw.bin"), uid=1, inject=True)])], "rules": []})
write("B35-bare-lf.json", {
 "case": "B35", "description": "A message with bare LF and CR CR LF line ends (fixture message).",
 "greeting": "* OK ready", "capabilities": "IMAP4rev1 LITERAL+ ID",
 "mailboxes": [mbox("INBOX", 35, [dict(fx("B35_bare_lf_message_raw.bin"), uid=1, inject=True)])], "rules": []})
# B36
refs = "References:" + "".join(" <m%d@example.com>" % i for i in range(1, 901))
assert len(refs) == 17003
m36 = "From: a@example.com\r\nTo: b@example.com\r\nSubject: long references\r\n" + refs + "\r\n\r\nbody\r\n"
write("B36-long-header-line.json", {
 "case": "B36", "description": "A References header of 17,003 octets on one physical line.",
 "greeting": "* OK The Microsoft Exchange IMAP4 service is ready.", "capabilities": EXCH,
 "mailboxes": [mbox("INBOX", 36, [msg(1, m36, inject=True)])], "rules": []})
print("wrote", len([n for n in os.listdir(OUT) if n.endswith(".json")]), "scenarios")
