#include "sim/trace/import/perfetto_packet_reader.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "sim/trace/import/trace_record.h"
#include "sim/util/status_macros.h"

namespace memsim {

namespace {

// Bytes read at a time. 64 KiB, not more: every import zero-fills its first block, and a
// small trace (or a fuzzer's input) should not pay for a megabyte it never reads.
constexpr size_t kReadBlockBytes = size_t{64} << 10;

}  // namespace

absl::StatusOr<bool> PerfettoPacketReader::Next(std::string_view* packet, uint64_t* offset) {
  for (;;) {
    RETURN_IF_ERROR(Ensure(kMaxVarintBytes));
    if (pos_ == size_) return false;
    const uint64_t tag_offset = Offset();
    ASSIGN_OR_RETURN(uint64_t tag, ReadVarint("field tag"));
    const uint32_t field = static_cast<uint32_t>(tag >> 3);
    const int wire_type = static_cast<int>(tag & 7);
    if (field == 0 || (tag >> 3) > 0x1fffffff) {
      return Error(tag_offset, absl::StrCat("invalid field number ", tag >> 3,
                                            " (not a Perfetto trace, or corrupt)"));
    }
    switch (wire_type) {
      case 0:
        RETURN_IF_ERROR(Ensure(kMaxVarintBytes));
        RETURN_IF_ERROR(ReadVarint("varint field").status());
        break;
      case 1:
        RETURN_IF_ERROR(Skip(8, tag_offset, field));
        break;
      case 5:
        RETURN_IF_ERROR(Skip(4, tag_offset, field));
        break;
      case 2: {
        RETURN_IF_ERROR(Ensure(kMaxVarintBytes));
        ASSIGN_OR_RETURN(uint64_t length, ReadVarint("length"));
        if (length > kMaxPerfettoPacketBytes) {
          return Error(
              tag_offset,
              absl::StrCat("field ", field, " declares ", length, " bytes, more than the limit of ",
                           kMaxPerfettoPacketBytes >> 20, " MiB (corrupt length?)"));
        }
        if (field != 1) {
          RETURN_IF_ERROR(Skip(length, tag_offset, field));
          break;
        }
        RETURN_IF_ERROR(Ensure(length));
        if (size_ - pos_ < length) {
          return Error(tag_offset, absl::StrCat("truncated: the packet declares ", length,
                                                " bytes but the input ends after ", size_ - pos_));
        }
        *packet = std::string_view(data_ + pos_, length);
        *offset = tag_offset;
        pos_ += length;
        return true;
      }
      default:
        return Error(tag_offset, absl::StrCat("field ", field, " has wire type ", wire_type,
                                              ", which a Trace does not use (corrupt?)"));
    }
  }
}

absl::Status PerfettoPacketReader::Error(uint64_t offset, std::string_view what) const {
  return absl::InvalidArgumentError(absl::StrCat(where_, ": byte ", offset, ": ", AbslView(what)));
}

absl::Status PerfettoPacketReader::Ensure(uint64_t n) {
  if (size_ - pos_ >= n || eof_) return absl::OkStatus();
  // Move the unread tail to the front, then read more.
  buf_.erase(0, pos_);
  base_ += pos_;
  pos_ = 0;
  while (buf_.size() < n) {
    const size_t old = buf_.size();
    // Grow by at most the buffer's size per read (at least a block): a length a corrupt
    // file declares costs memory in proportion to the bytes the file really has, not to
    // the claim (up to kMaxPerfettoPacketBytes, zero-filled, per packet).
    const size_t want = std::max<uint64_t>(
        kReadBlockBytes, std::min<uint64_t>(n - old, std::max<size_t>(old, kReadBlockBytes)));
    buf_.resize(old + want);
    ASSIGN_OR_RETURN(size_t got, file_->Read(buf_.data() + old, want));
    buf_.resize(old + got);
    if (got == 0) {
      eof_ = true;
      break;
    }
  }
  data_ = buf_.data();
  size_ = buf_.size();
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> PerfettoPacketReader::ReadVarint(std::string_view what) {
  const uint64_t at = Offset();
  const size_t avail = std::min<size_t>(size_ - pos_, kMaxVarintBytes);
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(data_ + pos_),
                                            static_cast<int>(avail));
  uint64_t value = 0;
  if (!in.ReadVarint64(&value)) {
    if (avail < kMaxVarintBytes && eof_) {
      return Error(at, absl::StrCat("truncated: the input ends inside a ", AbslView(what)));
    }
    return Error(at, absl::StrCat("corrupt varint (", AbslView(what), ")"));
  }
  pos_ += in.CurrentPosition();
  return value;
}

absl::Status PerfettoPacketReader::Skip(uint64_t n, uint64_t tag_offset, uint32_t field) {
  while (n > 0) {
    RETURN_IF_ERROR(Ensure(std::min<uint64_t>(n, kReadBlockBytes)));
    if (pos_ == size_) {
      return Error(tag_offset, absl::StrCat("truncated: the input ends inside field ", field));
    }
    const uint64_t step = std::min<uint64_t>(n, size_ - pos_);
    pos_ += step;
    n -= step;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> InflatePerfettoPackets(std::string_view in) {
  z_stream z{};
  // 15 + 32: zlib or gzip header, detected (Perfetto writes zlib: deflateInit).
  if (inflateInit2(&z, 15 + 32) != Z_OK) return absl::InternalError("inflateInit2 failed");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::string out;
  int rc = Z_OK;
  while (rc == Z_OK) {
    if (out.size() >= kMaxPerfettoPacketBytes) break;
    const size_t old = out.size();
    out.resize(std::min<uint64_t>(std::max<size_t>(old * 2, 1 << 16), kMaxPerfettoPacketBytes));
    z.next_out = reinterpret_cast<Bytef*>(out.data() + old);
    z.avail_out = static_cast<uInt>(out.size() - old);
    rc = inflate(&z, Z_NO_FLUSH);
    out.resize(out.size() - z.avail_out);
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // no progress: input ended early
    if (rc == Z_BUF_ERROR) rc = Z_OK;
  }
  const std::string msg = z.msg != nullptr ? z.msg : "";
  inflateEnd(&z);
  if (rc == Z_STREAM_END) return out;
  if (rc == Z_OK && out.size() >= kMaxPerfettoPacketBytes) {
    return absl::InvalidArgumentError(absl::StrCat("deflate data decompresses to more than ",
                                                   kMaxPerfettoPacketBytes >> 20, " MiB"));
  }
  if (rc == Z_OK || rc == Z_BUF_ERROR) {
    return absl::InvalidArgumentError("truncated deflate data");
  }
  return absl::InvalidArgumentError(absl::StrCat("corrupt deflate data: ", msg));
}

absl::StatusOr<std::string> UnzstdPerfettoPackets(std::string_view in) {
  ZSTD_DCtx* ctx = ZSTD_createDCtx();
  if (ctx == nullptr) return absl::InternalError("ZSTD_createDCtx failed");
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  std::string out;
  size_t rc = 1;
  absl::Status status;
  while (src.pos < src.size || rc != 0) {
    const size_t old = out.size();
    if (old >= kMaxPerfettoPacketBytes) {
      status = absl::InvalidArgumentError(absl::StrCat("zstd data decompresses to more than ",
                                                       kMaxPerfettoPacketBytes >> 20, " MiB"));
      break;
    }
    out.resize(std::min<uint64_t>(std::max<size_t>(old * 2, 1 << 16), kMaxPerfettoPacketBytes));
    ZSTD_outBuffer dst{out.data() + old, out.size() - old, 0};
    const size_t before_in = src.pos;
    rc = ZSTD_decompressStream(ctx, &dst, &src);
    out.resize(old + dst.pos);
    if (ZSTD_isError(rc)) {
      status =
          absl::InvalidArgumentError(absl::StrCat("corrupt zstd data: ", ZSTD_getErrorName(rc)));
      break;
    }
    if (rc != 0 && src.pos == src.size && dst.pos == 0 && before_in == src.pos) {
      status = absl::InvalidArgumentError("truncated zstd data");
      break;
    }
  }
  ZSTD_freeDCtx(ctx);
  if (!status.ok()) return status;
  return out;
}

}  // namespace memsim
