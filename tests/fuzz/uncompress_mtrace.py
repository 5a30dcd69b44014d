#!/usr/bin/env python3
"""Rewrites an .mtrace with every chunk stored uncompressed (compression 0, CRCs recomputed).

Seeds for the fuzz targets: a mutation of plain protobuf bytes reaches the decoders, one of
zstd bytes almost never does. Usage: uncompress_mtrace.py IN OUT (framing:
sim/trace/trace_format.h).
"""
import struct
import subprocess
import sys
import zlib


def main(src, dst):
    b = open(src, 'rb').read()
    hlen = struct.unpack_from('<I', b, 12)[0]
    at = 16 + hlen + 4
    out = bytearray(b[:at])
    while at < len(b):
        magic, typ, comp, _, stored, raw, records, _ = struct.unpack_from('<4sBBHIIII', b, at)
        payload = b[at + 24:at + 24 + stored]
        if comp == 1:
            payload = subprocess.run(['zstd', '-d', '-c', '-q'], input=payload, check=True,
                                     stdout=subprocess.PIPE).stdout
        assert len(payload) == raw, (src, at)
        head = struct.pack('<4sBBHIII', magic, typ, 0, 0, raw, raw, records)
        out += head + struct.pack('<I', zlib.crc32(payload, zlib.crc32(head))) + payload
        at += 24 + stored
    open(dst, 'wb').write(out)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
