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
