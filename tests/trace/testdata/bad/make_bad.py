#!/usr/bin/env python3
"""Writes the hand-made corpus of bad inputs (docs/input-errors.md) into this directory.

Deterministic; run from anywhere. Cases too large to commit (a file without newlines) and
directories are made by tests/trace/bad_input_test.cc at run time.
"""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '../../../..'))


def put(name, data):
    os.makedirs(os.path.dirname(os.path.join(HERE, name)), exist_ok=True)
    with open(os.path.join(HERE, name), 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode('latin-1'))


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def zigzag(v):
    return (v << 1) ^ (v >> 63) if v >= 0 else ((-v) << 1) - 1


def field(num, wire, payload):
    key = varint(num << 3 | wire)
    if wire == 0:
        return key + varint(payload)
    return key + varint(len(payload)) + payload


def packed(num, values):
    return field(num, 2, b''.join(varint(v) for v in values))


def mtrace(header=b'', events=None, footer_events=None):
    """An .mtrace with one uncompressed event chunk (valid framing and CRCs)."""
    out = bytearray(b'MEMSIMTR' + struct.pack('<II', 1, len(header)) + header)
    out += struct.pack('<I', zlib.crc32(out))
    chunks = 0

    def chunk(typ, payload, records):
        nonlocal out
        head = b'CHNK' + struct.pack('<BBHIII', typ, 0, 0, len(payload), len(payload), records)
        out += head + struct.pack('<I', zlib.crc32(payload, zlib.crc32(head))) + payload

    n = 0
    if events is not None:
        payload, n = events
        chunk(2, payload, n)
        chunks += 1
    footer = field(1, 0, n) + field(3, 0, chunks) if n or chunks else b''
    chunk(3, footer, 0)
    return bytes(out)


def alloc_chunk(base_time, deltas, pfns, orders, owners, cpus=None):
    n = len(deltas)
    alloc = (packed(1, [zigzag(p) for p in pfns]) + packed(2, orders) + packed(3, [1] * n) +
             packed(4, [0] * n) + packed(5, owners))
    body = (field(1, 0, base_time) + packed(2, [1] * n) +
            packed(3, [zigzag(d) for d in deltas]) + packed(4, cpus or [0] * n) +
            field(5, 2, alloc))
    return body, n


good = open(os.path.join(ROOT, 'tests/fuzz/corpus/mtrace_reader_fuzzer/gen-anon.mtrace'),
            'rb').read()

# --- .mtrace ---
put('mtrace/empty.mtrace', b'')
put('mtrace/truncated.mtrace', good[:300])
flipped = bytearray(good)
flipped[200] ^= 0x20
put('mtrace/flipped.mtrace', bytes(flipped))
put('mtrace/wrong-magic.mtrace', b'X' + good[1:])
put('mtrace/owner40.mtrace', mtrace(events=alloc_chunk(1000, [0, 5], [0x1000, 1], [0, 0], [2, 40])))
put('mtrace/order93.mtrace', mtrace(events=alloc_chunk(1000, [0], [0x1000], [93], [2])))
put('mtrace/time-wrap.mtrace', mtrace(events=alloc_chunk(1000, [0, -2000], [0x1000, 8], [0, 0],
                                                          [2, 2])))
put('mtrace/cpu-huge.mtrace', mtrace(events=alloc_chunk(1000, [0], [0x1000], [0], [2],
                                                         cpus=[4000000000])))
put('mtrace/non-utf8-header.mtrace', mtrace(header=field(3, 2, b'caf\xe9')))

# --- ftrace text ---
line = ('bash-100 [000] .... 10.%06d: mm_page_alloc: page=0 pfn=0x%x order=%d migratetype=1 '
        'gfp_flags=GFP_KERNEL\n')
ok = ''.join(line % (i, 0x1000 + 8 * i, 0) for i in range(1, 4))
put('ftrace/empty.txt', b'')
put('ftrace/truncated.txt', ok + 'bash-100 [000] .... 10.000004: mm_page_alloc: page=0 pfn=0x10')
put('ftrace/flipped.txt', ok.replace('pfn=0x1010', 'pfn=0x1g10'))
put('ftrace/wrong-magic.txt', good)
put('ftrace/order93.txt', ok + line % (4, 0x2000, 93))
put('ftrace/cpu-huge.txt', ok + line.replace('[000]', '[4294967297]') % (4, 0x2000, 0))
put('ftrace/timestamp-wrap.txt',
    ok + line.replace('10.%06d', '18446744074.%06d') % (4, 0x2000, 0))
put('ftrace/pfn-huge.txt', ok + line % (4, 0xfffffffffffff0, 0))
put('ftrace/latin1-event.txt', ok + 'bash-100 [000] .... 10.000005: caf\xe9_event: x=1\n')

# --- machine textproto ---
tiny = open(os.path.join(ROOT, 'tests/replay/testdata/tiny-2s.textproto'), encoding='utf-8').read()
put('machine/empty.textproto', b'')
put('machine/truncated.textproto', tiny[:tiny.index('node {') + 40])
put('machine/flipped.textproto', tiny.replace('sockets: 2', 'sockets: 2}'))
put('machine/wrong-magic.textproto', good)
put('machine/llc-1pib.textproto', tiny.replace('llc { size_bytes: 65536', 'llc { size_bytes: 1125899906842624'))
put('machine/node-overflow.textproto',
    tiny.replace('memory_bytes: 1073741824 start_pfn: 262144 end_pfn: 524288',
                 'memory_bytes: 1073741824 start_pfn: 262144 end_pfn: 4503599627632640'))
put('machine/non-utf8.textproto', tiny.replace('name: "tiny-2s"', 'name: "caf\xe9"'))

# --- model textproto ---
page64 = open(os.path.join(ROOT, 'configs/models/page64.textproto'), encoding='utf-8').read()
put('model/empty.textproto', b'')
put('model/truncated.textproto', page64[:page64.rindex('}')])
put('model/flipped.textproto', page64.replace('{', '[', 1))
put('model/wrong-magic.textproto', good)
put('model/non-utf8.textproto', page64.replace('label: "page64"', 'label: "caf\xe9"'))

# --- kpageflags ---
dump = open(os.path.join(ROOT, 'tests/trace/import/testdata/kpageflags_small'), 'rb').read()[:256 * 8]
meta = 'start_pfn=0x1000\npfn_count=256\nkernel=6.18.44\nmax_order=10\n'
put('kpageflags/empty.kpf', b'')
put('kpageflags/truncated.kpf', dump[:255 * 8])
put('kpageflags/truncated.kpf.meta', meta)
put('kpageflags/flipped.kpf', dump[:2047])
put('kpageflags/wrong-magic.kpf', ok)
put('kpageflags/start-pfn-huge.kpf', dump)
put('kpageflags/start-pfn-huge.kpf.meta', meta.replace('0x1000', '0x1000000000000000'))
put('kpageflags/node-id-huge.kpf', dump)
put('kpageflags/node-id-huge.kpf.meta', meta + 'node4096_pfn_range=0x1000-0x1100\n')
put('kpageflags/latin1-meta.kpf', dump)
put('kpageflags/latin1-meta.kpf.meta', meta + 'hostname=caf\xe9\n')
