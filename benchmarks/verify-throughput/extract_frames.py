#!/usr/bin/env python3
"""Concatenate every blob's zstd frame from a store's packs into one file (docs/store-format.md).

usage: extract_frames.py STORE OUT.zst

Walks each pack's entries (64-byte header: magic BLOB, blob ID, raw length, stored length, ...)
and writes the payloads back to back. `zstd -d` decodes concatenated frames in order, so
`zstd -d -c OUT.zst` produces the same bytes coffer re-hashes in `verify --read-data`.
Prints the number of frames, compressed bytes and raw bytes.
"""
import os, struct, sys

store, out = sys.argv[1], sys.argv[2]
frames = stored = raw = 0
with open(out, 'wb') as o:
    for d in sorted(os.listdir(os.path.join(store, 'packs'))):
        sub = os.path.join(store, 'packs', d)
        if not os.path.isdir(sub):
            continue
        for name in sorted(os.listdir(sub)):
            if not name.endswith('.pack'):
                continue
            with open(os.path.join(sub, name), 'rb') as f:
                data = f.read()
            end = len(data)
            if data.endswith(b'COFFSEAL'):
                end -= struct.unpack('<Q', data[-16:-8])[0]
            off = 32
            while off + 64 <= end and data[off:off + 4] == b'BLOB':
                raw_len, stored_len = struct.unpack('<QQ', data[off + 36:off + 52])
                o.write(data[off + 64:off + 64 + stored_len])
                frames += 1
                stored += stored_len
                raw += raw_len
                off += 64 + stored_len
print(f'{frames} frames, {stored} compressed bytes, {raw} raw bytes')
