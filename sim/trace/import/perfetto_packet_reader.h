// Reads the framing of a Perfetto trace file: a `Trace` message is a sequence of
// `repeated TracePacket packet = 1` fields (protos/perfetto/trace/trace.proto @ v58.2), i.e.
// (tag 0x0a, varint length, packet bytes) records. The reader returns one packet at a time,
// from a file in constant memory (apart from the packet itself) or from a buffer (the
// decompressed content of a compressed packet); other top-level fields are skipped. Corrupt or
// truncated framing is an InvalidArgumentError naming the byte offset, never a crash.
#ifndef MEMSIM_SIM_TRACE_IMPORT_PERFETTO_PACKET_READER_H_
#define MEMSIM_SIM_TRACE_IMPORT_PERFETTO_PACKET_READER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sim/util/input_file.h"

namespace memsim {

// Largest packet accepted (a TracePacket, or the serialized packets inside one compressed
// packet): Perfetto's packets are at most a few MiB (compressed ones < 512 KiB,
// trace_packet.proto).
inline constexpr uint64_t kMaxPerfettoPacketBytes = uint64_t{64} << 20;

class PerfettoPacketReader {
 public:
  // Reads `file`, which must outlive the reader. `where` prefixes every error (the path).
  PerfettoPacketReader(InputFile* file, std::string where)
      : file_(file), where_(std::move(where)) {}
  // Reads `data`, which must outlive the reader.
  PerfettoPacketReader(std::string_view data, std::string where)
      : data_(data.data()), size_(data.size()), eof_(true), where_(std::move(where)) {}

  // Sets *packet to the next packet's bytes (valid until the next call) and *offset to the
  // byte offset of its field tag. Returns false at the end of the input.
  absl::StatusOr<bool> Next(std::string_view* packet, uint64_t* offset);

  // Offset of the next unread byte.
  uint64_t Offset() const { return base_ + pos_; }

 private:
  static constexpr size_t kMaxVarintBytes = 10;

  absl::Status Error(uint64_t offset, std::string_view what) const;
  // Makes at least `n` bytes available from pos_, or all that is left.
  absl::Status Ensure(uint64_t n);
  absl::StatusOr<uint64_t> ReadVarint(std::string_view what);
  absl::Status Skip(uint64_t n, uint64_t tag_offset, uint32_t field);

  InputFile* file_ = nullptr;
  std::string buf_;
  const char* data_ = nullptr;
  size_t size_ = 0;
  size_t pos_ = 0;
  uint64_t base_ = 0;  // offset of data_[0] in the input
  bool eof_ = false;
  std::string where_;
};

// The serialized packets inside a `compressed_packets` (zlib or gzip deflate) or
// `zstd_compressed_packets` field: at most kMaxPerfettoPacketBytes, else an error; corrupt or
// truncated data is an InvalidArgumentError saying so.
absl::StatusOr<std::string> InflatePerfettoPackets(std::string_view compressed);
absl::StatusOr<std::string> UnzstdPerfettoPackets(std::string_view compressed);

}  // namespace memsim

#endif  // MEMSIM_SIM_TRACE_IMPORT_PERFETTO_PACKET_READER_H_
