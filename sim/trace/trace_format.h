// Byte layout of the .mtrace file. All integers little-endian.
//
//   file    := file_header chunk* end_chunk
//   file_header := magic[8] = "MEMSIMTR"
//                  u32 format_version (kFormatVersion)
//                  u32 header_length
//                  header_length bytes: trace::TraceHeader (protobuf)
//                  u32 crc32 of the previous 16 + header_length bytes
//   chunk   := chunk_header payload
//   chunk_header (kChunkHeaderBytes = 24):
//                  u32 chunk magic "CHNK"
//                  u8  type (ChunkType), u8 compression (0 none, 1 zstd), u16 reserved = 0
//                  u32 stored_length   (payload bytes in the file)
//                  u32 raw_length      (payload bytes after decompression)
//                  u32 record_count    (events, snapshot runs, or 0 for END)
//                  u32 crc32 of the 20 bytes above and the stored payload
//   payload: trace::EventChunk, trace::SnapshotChunk or trace::TraceFooter (END).
//
// A reader holds one chunk at a time, so memory does not grow with the file. Any
// mismatch (magic, crc, lengths, a file ending before END, bytes after END) is reported
// with the byte offset of the chunk that is wrong.
#ifndef MEMSIM_SIM_TRACE_TRACE_FORMAT_H_
#define MEMSIM_SIM_TRACE_TRACE_FORMAT_H_

#include <cstdint>

namespace memsim::trace_format {

inline constexpr char kMagic[8] = {'M', 'E', 'M', 'S', 'I', 'M', 'T', 'R'};
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr char kChunkMagic[4] = {'C', 'H', 'N', 'K'};
inline constexpr uint32_t kChunkHeaderBytes = 24;
// Upper bounds that a valid file never exceeds; larger values mean corruption.
inline constexpr uint32_t kMaxHeaderBytes = 16 << 20;
inline constexpr uint32_t kMaxChunkBytes = 256 << 20;

// Ranges of decoded values (docs/trace-format.md, "Value ranges"). The reader rejects a
// value outside them with the chunk's byte offset and the event or run index, so that
// nothing downstream indexes, shifts or allocates with an unchecked number from a file.
//
// Largest block order: Linux's buddy allocator stops at MAX_PAGE_ORDER (10 by default,
// CONFIG_ARCH_FORCE_MAX_ORDER at most 15 in mainline, include/linux/mmzone.h), gigantic
// folios reach order 18 (1 GiB on x86-64); 20 leaves room and keeps 2^order exact.
inline constexpr uint32_t kMaxOrder = 20;
// Largest CPU count: x86's MAXSMP sets CONFIG_NR_CPUS to 8192 (arch/x86/Kconfig,
// NR_CPUS_RANGE_END), the largest in mainline.
inline constexpr uint32_t kMaxCpus = 8192;
// Largest node id + 1: NODES_SHIFT is at most 10 (MAX_NUMNODES, include/linux/numa.h).
inline constexpr uint32_t kMaxNodes = 1024;
// Every pfn (and pfn + block size) is below 2^52: a 64-bit physical address with 4 KiB
// pages. Keeps pfn + 2^order and pfn * page size free of overflow.
inline constexpr uint64_t kPfnLimit = uint64_t{1} << 52;
// A page size, when the header states one, is a power of two up to 1 MiB.
inline constexpr uint32_t kMaxPageSizeBytes = 1 << 20;
// Event times are at most INT64_MAX ns (292 years), so they convert to signed and double
// types without wrapping.
inline constexpr uint64_t kMaxTimeNs = uint64_t{INT64_MAX};

enum class ChunkType : uint8_t {
  kSnapshot = 1,
  kEvents = 2,
  kEnd = 3,
};

enum class Compression : uint8_t {
  kNone = 0,
  kZstd = 1,
};

}  // namespace memsim::trace_format

#endif  // MEMSIM_SIM_TRACE_TRACE_FORMAT_H_
