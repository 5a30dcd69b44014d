#!/usr/bin/python3
"""Summarise a /proc/kpageflags dump written by tools/record --kpageflags.

usage: tools/kpageflags-summary.py DUMP[.zst]

Prints holes, pages per owner and free blocks per order (plus /proc/buddyinfo from the
companion DUMP.meta, when recorded). It is a second, deliberately simple implementation of
the rules in docs/kpageflags.md: the C++ importer (sim/trace/import/kpageflags_importer.cc)
is tested against its output. Debian's python3 only, no packages; slow (~25 s for 6.5 M
pfns) but obvious. Runs of compound tails are not cut at order 20 and inconsistent folios
are not split here, unlike the importer: on real dumps both are rare and counted by it.
"""
import array
import collections
import os
import subprocess
import sys


def bit(b):
    return 1 << b


BUDDY, HEAD, TAIL, NOPAGE = bit(10), bit(15), bit(16), bit(20)
FILE_EVIDENCE = (bit(5) | bit(11) | bit(22) | bit(14) | bit(3) | bit(4) | bit(8) | bit(18) |
                 bit(33))


def owner(f):
    if f & bit(19): return 'hwpoison'
    if f & bit(23): return 'offline'
    if f & BUDDY: return 'free'
    if f & bit(17): return 'hugetlb'
    if f & bit(7): return 'slab'
    if f & bit(26): return 'page_table'
    if f & bit(32): return 'reserved'
    if f & bit(12): return 'ksm' if f & bit(21) else 'anon'
    if f & bit(24): return 'kernel'
    if f & FILE_EVIDENCE: return 'file'
    if f & HEAD: return 'kernel'
    return 'unknown'


def read_meta(path):
    meta = {}
    if os.path.exists(path + '.meta'):
        for line in open(path + '.meta'):
            line = line.strip()
            if line and not line.startswith('#') and '=' in line:
                k, v = line.split('=', 1)
                meta[k] = v
    return meta


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    path = sys.argv[1]
    meta = read_meta(path)
    start = int(meta.get('start_pfn', '0'), 0)
    ram = [tuple(map(int, r.split('-'))) for r in meta.get('ram_pfn_ranges', '').split(',') if r]
    max_order = int(meta.get('max_order', '10'))
    with open(path, 'rb') as f:
        magic = f.read(4)
    if magic == b'\x28\xb5\x2f\xfd':
        raw = subprocess.run(['zstd', '-dc', path], capture_output=True, check=True).stdout
    else:
        raw = open(path, 'rb').read()
    if len(raw) % 8:
        sys.exit('%s: %d trailing bytes at byte offset %d' % (path, len(raw) % 8,
                                                              len(raw) - len(raw) % 8))
    a = array.array('Q')
    a.frombytes(raw)
    if sys.byteorder != 'little':
        a.byteswap()
    n = len(a)
    hole = bytearray(n) if not ram else bytearray(b'\x01') * n
    for s, e in ram:
        lo, hi = max(s, start), min(e, start + n)
        if hi > lo:
            hole[lo - start:hi - start] = bytes(hi - lo)
    for i in range(n):
        if a[i] & NOPAGE:
            hole[i] = 1
    pages = collections.Counter()
    blocks = collections.Counter()
    i = 0
    while i < n:
        f = a[i]
        if hole[i]:
            i += 1
            continue
        if f & BUDDY and not f & (HEAD | TAIL):
            j = i
            while j < n and not hole[j] and a[j] & BUDDY and not a[j] & (HEAD | TAIL):
                j += 1
            p, e = start + i, start + j
            while p < e:
                o = 0
                while o < max_order and p % (2 << o) == 0 and p + (2 << o) <= e:
                    o += 1
                blocks[o] += 1
                pages['free'] += 1 << o
                p += 1 << o
            i = j
            continue
        if f & HEAD:
            j = i + 1
            while j < n and not hole[j] and a[j] & TAIL and not a[j] & HEAD:
                j += 1
            pages[owner(f)] += j - i
            i = j
            continue
        pages[owner(f)] += 1
        i += 1
    print('pfns', n)
    print('pfns_hole', sum(hole))
    for k in sorted(pages):
        print('pages_' + k, pages[k])
    for k in sorted(blocks):
        print('free_blocks_order_%d' % k, blocks[k])
    if 'buddyinfo_total' in meta:
        print('buddyinfo_total', meta['buddyinfo_total'])


if __name__ == '__main__':
    main()
