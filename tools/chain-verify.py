#!/usr/bin/env python3
"""Check a coffer store's hash chain without coffer (Python 3 standard library only).

usage: tools/chain-verify.py STORE [--expect-head HASH]

What it checks, following docs/evidence.md and docs/store-format.md:
  1. chain/log.jsonl: every record's SHA-256 over its canonical text equals its `hash`,
     records are numbered 1, 2, 3... and each `prev` is the hash of the record before.
  2. chain/rows/<seq>.jsonl: the rows give the record's `rows` count and RFC 6962 `rows_root`.
  3. index.sqlite: the message rows each run added (messages.run_id) give the same root, and
     the index's copy of the chain (table `chain`: seq, run, hash) agrees with the log.
  4. every pack a record lists exists, ends in a trailer recording the listed checksum, and
     the SHA-256 of its bytes (up to the checksum field) equals that checksum.
  5. with --expect-head: some record has that hash.
Prints one line per problem and a summary; exit 0 when nothing is wrong, 1 otherwise.
"""
import hashlib, json, os, sqlite3, struct, sys

GENESIS = '0' * 64


def canonical(r):
    s = lambda k: r.get(k) if r.get(k) is not None else '-'
    lines = ['coffer-chain 1', f"seq {r['seq']}", f"prev {s('prev')}", f"run {r['run']}", f"kind {s('kind')}",
             f"started {s('started')}", f"finished {s('finished')}", f"status {s('status')}", f"appended {s('appended')}",
             f"rows {r['rows']}", f"rows-root {s('rows_root')}"]
    lines += [f"pack {p['id']} {p['sha256']}" for p in r['packs']]
    return ('\n'.join(lines) + '\n').encode()


def merkle_root(leaves):
    """RFC 6962 §2.1 Merkle tree hash over leaf data."""
    if not leaves:
        return hashlib.sha256(b'').hexdigest()
    def mth(lo, hi):
        if hi - lo == 1:
            return hashlib.sha256(b'\x00' + leaves[lo]).digest()
        k = 1
        while k * 2 < hi - lo:
            k *= 2
        return hashlib.sha256(b'\x01' + mth(lo, lo + k) + mth(lo + k, hi)).digest()
    return mth(0, len(leaves)).hex()


def leaf(source, account, mailbox, uidvalidity, uid, blob_hex):
    return f"{source}\0{account}\0{mailbox}\0{uidvalidity}\0{uid}\0{blob_hex}".encode()


def index_leaves(db, run):
    rows = db.execute("""SELECT a.source, a.name, mb.wire_name, m.uidvalidity, m.uid, lower(hex(m.blob))
        FROM messages m JOIN mailboxes mb ON mb.id = m.mailbox_id JOIN accounts a ON a.id = mb.account_id
        WHERE m.run_id = ?""", (run,)).fetchall()
    rows.sort(key=lambda r: (r[0].encode(), r[1].encode(), r[2].encode(), r[3], r[4]))
    return [leaf(*r) for r in rows]


def check_pack(store, pack, recorded):
    path = os.path.join(store, 'packs', pack[:2], pack + '.pack')
    if not os.path.exists(path):
        return f'pack {pack} is missing'
    size = os.path.getsize(path)
    with open(path, 'rb') as f:
        if size < 88:
            return f'pack {pack} is too short to be sealed'
        f.seek(size - 56)
        tail = f.read(56)
        count, checksum, trailer_len, magic = struct.unpack('<Q32sQ8s', tail)
        if magic != b'COFFSEAL' or trailer_len != 64 * count + 56:
            return f'pack {pack} no longer ends in a valid trailer'
        if checksum.hex() != recorded:
            return f'pack {pack} trailer records checksum {checksum.hex()}, the chain {recorded}'
        f.seek(0)
        h, left = hashlib.sha256(), size - 48
        while left > 0:
            chunk = f.read(min(left, 1 << 20))
            h.update(chunk)
            left -= len(chunk)
        if h.hexdigest() != recorded:
            return f'pack {pack} bytes hash to {h.hexdigest()}, not to the recorded checksum'
    return None


def main():
    store = sys.argv[1]
    expect = sys.argv[sys.argv.index('--expect-head') + 1].lower() if '--expect-head' in sys.argv else None
    problems, records, prev = [], [], GENESIS
    with open(os.path.join(store, 'chain', 'log.jsonl'), encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            try:
                r = json.loads(line)
            except ValueError:
                problems.append(f'line {n}: not a record')
                prev = None
                continue
            if hashlib.sha256(canonical(r)).hexdigest() != r['hash']:
                problems.append(f"record {r['seq']} (line {n}): content does not give its hash")
            if r['seq'] != len(records) + 1:
                problems.append(f"line {n}: record {r['seq']} where record {len(records) + 1} belongs")
            elif prev is not None and r['prev'] != prev:
                problems.append(f"record {r['seq']}: prev is not the hash of the record before")
            prev = r['hash']
            records.append(r)
    db = sqlite3.connect(f"file:{os.path.join(store, 'index.sqlite')}?mode=ro", uri=True)
    by_seq = {r['seq']: r for r in records}
    for seq, run, h in db.execute('SELECT seq, run_id, hash FROM chain ORDER BY seq'):
        if seq not in by_seq:
            problems.append(f'record {seq} (run {run}) is in the index copy of the chain but not in chain/log.jsonl')
        elif by_seq[seq]['hash'] != h:
            problems.append(f'record {seq} has another hash in chain/log.jsonl than in the index copy')
    for r in records:
        rows_file = os.path.join(store, 'chain', r['rows_file'])
        try:
            with open(rows_file, encoding='utf-8') as f:
                leaves = [leaf(*json.loads(l)) for l in f if l.strip()]
            if len(leaves) != r['rows'] or merkle_root(leaves) != r['rows_root']:
                problems.append(f"record {r['seq']}: {r['rows_file']} does not give the recorded rows root")
        except OSError:
            problems.append(f"record {r['seq']}: {r['rows_file']} is missing")
        now = index_leaves(db, r['run'])
        if len(now) != r['rows'] or merkle_root(now) != r['rows_root']:
            problems.append(f"record {r['seq']}: the index rows of run {r['run']} ({len(now)}) differ from the record ({r['rows']})")
        for p in r['packs']:
            problem = check_pack(store, p['id'], p['sha256'])
            if problem:
                problems.append(f"record {r['seq']}: {problem}")
    if expect and not any(r['hash'] == expect for r in records):
        problems.append(f'no record has the hash {expect}')
    for p in problems:
        print('problem: ' + p)
    head = records[-1]['hash'] if records else 'none'
    print(f"chain-verify: {len(records)} records, head {head}; " + ('no problems found' if not problems else f'{len(problems)} problem(s)'))
    sys.exit(1 if problems else 0)


if __name__ == '__main__':
    main()
