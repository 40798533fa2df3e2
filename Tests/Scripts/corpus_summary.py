#!/usr/bin/env python3
"""Independent reference for coffer's header index, built on Python's `email` package only.

usage:
  corpus_summary.py summaries ROOT            one JSON object per message file under ROOT
  corpus_summary.py count ROOT QUERIES.json   for each query, how many files match
  corpus_summary.py expect ROOT [--served]    picks queries from the corpus itself (so no corpus
                                              content is written into the tests) and prints them
                                              with the SHA-256 of every file each one matches

--served: read each file as the testbed's Dovecot serves it (bare LF -> CRLF, NUL -> 0x80, the
rewrites tools/testbed_check.py documents), since that is what an archive of the testbed holds.

Each file is read the way coffer reads a blob for its index: the first 65,536 bytes. Fields are capped as coffer caps them and
decoded with email.header (RFC 2047); the Date with email.utils (UTC seconds; no zone = UTC);
`text` is the first text/plain part that is not an attachment, transfer-decoded and
charset-decoded, cut to 16,384 characters. A query matches when every filter it names matches:
  from / to / subject   case-insensitive substring of the decoded From / To+Cc+Bcc / Subject
  message_id            equal to the Message-ID with or without angle brackets
  since / before        Date (or, without one, the file's mtime = INTERNALDATE) >= since, < before
  text                  every word is a token of From, To, Cc, Bcc, Subject or the text
                        (tokens: runs of letters and digits, case-folded, as SQLite FTS5 unicode61;
                        a word ending in * matches tokens starting with it)
"""
import calendar, email, email.header, email.utils, json, os, re, sys, time
from email import policy

WINDOW = 65536
TEXT_LIMIT = 16384
FIELD_LIMIT = 2000        # From, Subject, Message-ID (Unicode code points, as coffer caps them)
RECIPIENT_LIMIT = 32000   # To, Cc, Bcc each


def decode(value):
    if value is None:
        return None
    try:
        text = str(email.header.make_header(email.header.decode_header(value)))
    except Exception:
        text = str(value)
    text = text.strip()
    return text or None


def first_text(msg):
    for part in msg.walk():
        if part.get_content_maintype() == 'multipart':
            continue
        if part.get_content_type() != 'text/plain':
            continue
        if part is not msg and part.get_content_disposition() == 'attachment':
            continue
        payload = part.get_payload(decode=True) or b''
        charset = part.get_content_charset() or 'utf-8'
        try:
            text = payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            try:
                text = payload.decode('utf-8')
            except UnicodeDecodeError:
                text = payload.decode('latin-1')
        text = text[:TEXT_LIMIT]
        return text if text.strip() else None
    return None


SERVED = False
BARE_LF = re.compile(rb'(?<!\r)\n')


def read(path):
    with open(path, 'rb') as f:
        data = f.read()
    return BARE_LF.sub(b'\r\n', data).replace(b'\0', b'\x80') if SERVED else data


def summary(path):
    raw = read(path)[:WINDOW]
    msg = email.message_from_bytes(raw, policy=policy.compat32)
    date = None
    if msg.get('date') is not None:
        try:
            d = email.utils.parsedate_to_datetime(str(msg.get('date')))
            if d.tzinfo is None:
                import datetime
                d = d.replace(tzinfo=datetime.timezone.utc)
            date = int(d.timestamp())
        except Exception:
            date = None
    cap = lambda s, n: s[:n] if s is not None else None
    joined = lambda name: cap(', '.join(filter(None, (decode(v) for v in msg.get_all(name) or []))) or None, RECIPIENT_LIMIT)
    mid = msg.get('message-id')
    return {
        'path': path,
        'message_id': cap(str(mid).strip() or None, FIELD_LIMIT) if mid is not None else None,
        'date': date,
        'mtime': int(os.stat(path).st_mtime),
        'from': cap(decode(msg.get('from')), FIELD_LIMIT),
        'to': joined('to'), 'cc': joined('cc'), 'bcc': joined('bcc'),
        'subject': cap(decode(msg.get('subject')), FIELD_LIMIT),
        'text': first_text(msg),
    }


def files(root):
    for d, dirs, names in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not x.startswith('.'))
        for n in sorted(names):
            if not n.startswith('.'):
                yield os.path.join(d, n)


TOKEN = re.compile(r'[^\W_]+', re.UNICODE)


def tokens(s):
    return set(t.casefold() for t in TOKEN.findall(s or ''))


def matches_query(s, q):
    contains = lambda hay, needle: needle.casefold() in (hay or '').casefold()
    if 'from' in q and not contains(s['from'], q['from']):
        return False
    if 'to' in q and not any(contains(s[k], q['to']) for k in ('to', 'cc', 'bcc')):
        return False
    if 'subject' in q and not contains(s['subject'], q['subject']):
        return False
    if 'message_id' in q:
        want = q['message_id'].strip().strip('<>')
        if (s['message_id'] or '').strip().strip('<>') != want:
            return False
    when = s['date'] if s['date'] is not None else s['mtime']
    if 'since' in q and when < q['since']:
        return False
    if 'before' in q and when >= q['before']:
        return False
    if 'text' in q:
        have = set()
        for k in ('from', 'to', 'cc', 'bcc', 'subject', 'text'):
            have |= tokens(s[k])
        for word in q['text'].split():
            w = word.rstrip('*').casefold()
            if word.endswith('*'):
                if not any(t.startswith(w) for t in have):
                    return False
            elif w not in have:
                return False
    return True


def pick_queries(summaries):
    """Deterministic queries of every kind, chosen from the corpus (most common sender, recipient, …)."""
    from collections import Counter
    senders, recipients, words, ids, tokens_df = Counter(), Counter(), Counter(), Counter(), Counter()
    for s in summaries:
        sender = email.utils.parseaddr(s['from'] or '')[1].lower()
        if sender:
            senders[sender] += 1
        for name in ('to', 'cc', 'bcc'):
            for _, addr in email.utils.getaddresses([s[name] or '']):
                if addr and addr.lower() != sender:
                    recipients[addr.lower()] += 1
        for w in re.findall(r'[A-Za-z]{6,}', s['subject'] or ''):
            words[w.lower()] += 1
        if s['message_id']:
            ids[s['message_id'].strip().strip('<>')] += 1
        have = set()
        for k in ('from', 'to', 'cc', 'bcc', 'subject', 'text'):
            have |= tokens(s[k])
        tokens_df.update(t for t in have if t.isalpha() and t.isascii() and len(t) >= 6)
    top = lambda c: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    n = len(summaries)
    band = sorted(((v, t) for t, v in tokens_df.items() if 0.02 * n <= v <= 0.05 * n), key=lambda vt: (-vt[0], vt[1]))
    word1, word2 = band[0][1], band[1][1]
    days = sorted((s['date'] if s['date'] is not None else s['mtime']) for s in summaries)
    day = lambda t: time.strftime('%Y-%m-%d', time.gmtime(t))
    since, before = day(days[int(n * 0.3)]), day(days[int(n * 0.5)] + 86400)
    epoch = lambda d: int(calendar.timegm(time.strptime(d, '%Y-%m-%d')))
    sender = top(senders)
    own = sorted((s['date'] if s['date'] is not None else s['mtime'])
                 for s in summaries if email.utils.parseaddr(s['from'] or '')[1].lower() == sender)
    own_since = day(own[len(own) // 2])
    subject_word = top(words)
    with_word = [s for s in summaries if subject_word in (s['subject'] or '').lower()]
    near = Counter()
    for s in with_word:
        have = set()
        for k in ('from', 'to', 'cc', 'bcc', 'subject', 'text'):
            have |= tokens(s[k])
        near.update(t for t in have if t.isalpha() and t.isascii() and len(t) >= 6 and t != subject_word)
    partial = {t: v for t, v in near.items() if v < len(with_word)} or near
    return [
        {'from': sender.split('@')[0]},
        {'to': top(recipients).upper()},
        {'subject': top(words).title()},
        {'message_id': top(ids)},
        {'since': epoch(since), 'since_text': since},
        {'before': epoch(before), 'before_text': before},
        {'since': epoch(since), 'since_text': since, 'before': epoch(before), 'before_text': before},
        {'text': word1},
        {'text': word1 + ' ' + word2},
        {'text': word2[:5] + '*'},
        {'from': sender.split('@')[0], 'since': epoch(own_since), 'since_text': own_since},
        {'subject': subject_word, 'text': top(partial)},
    ]


def sha256(path):
    import hashlib
    return hashlib.sha256(read(path)).hexdigest()


def main():
    global SERVED
    SERVED = '--served' in sys.argv
    mode, root = sys.argv[1], sys.argv[2]
    if mode == 'summaries':
        for p in files(root):
            print(json.dumps(summary(p), ensure_ascii=False))
    elif mode == 'count':
        queries = json.load(open(sys.argv[3]))
        summaries = [summary(p) for p in files(root)]
        print(json.dumps([sum(1 for s in summaries if matches_query(s, q)) for q in queries]))
    elif mode == 'expect':
        summaries = [summary(p) for p in files(root)]
        queries = pick_queries(summaries)
        matches = [sorted(sha256(s['path']) for s in summaries if matches_query(s, q)) for q in queries]
        print(json.dumps({'queries': queries, 'matches': matches}))
    else:
        sys.exit('unknown mode ' + mode)


if __name__ == '__main__':
    main()
