#include "sim/util/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "sim/util/status_macros.h"

namespace memsim {

namespace {
constexpr unsigned char kZstdMagic[4] = {0x28, 0xB5, 0x2F, 0xFD};

// Opens `path` for reading ("-": a duplicate of stdin) and refuses directories, which
// open() accepts and read() fails on (or, through iostreams, reads as empty).
absl::StatusOr<int> OpenForReading(const std::string& path) {
  int fd = path == "-" ? dup(0) : open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  struct stat st {};
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, not a file"));
  }
  return fd;
}
}  // namespace

struct InputFile::ZstdState {
  ZSTD_DCtx* dctx = nullptr;
  std::vector<char> in;
  ZSTD_inBuffer in_buf{nullptr, 0, 0};
  bool input_eof = false;
  size_t last_ret = 0;  // 0 when the last frame is complete
  ~ZstdState() { ZSTD_freeDCtx(dctx); }
};

absl::StatusOr<std::unique_ptr<InputFile>> InputFile::Open(const std::string& path) {
  ASSIGN_OR_RETURN(int fd, OpenForReading(path));
  std::unique_ptr<InputFile> f(new InputFile(path, fd));
  char magic[4];
  size_t got = 0;
  while (got < 4) {
    ASSIGN_OR_RETURN(size_t n, f->ReadRaw(magic + got, 4 - got));
    if (n == 0) break;
    got += n;
  }
  f->peeked_.assign(magic, got);
  if (got == 4 && std::memcmp(magic, kZstdMagic, 4) == 0) {
    f->dctx_ = new ZstdState;
    f->dctx_->dctx = ZSTD_createDCtx();
    f->dctx_->in.resize(ZSTD_DStreamInSize());
  }
  return f;
}

InputFile::InputFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

InputFile::~InputFile() {
  delete dctx_;
  if (fd_ >= 0) close(fd_);
}

absl::StatusOr<size_t> InputFile::ReadRaw(char* buf, size_t n) {
  if (peeked_pos_ < peeked_.size()) {
    size_t k = std::min(n, peeked_.size() - peeked_pos_);
    std::memcpy(buf, peeked_.data() + peeked_pos_, k);
    peeked_pos_ += k;
    return k;
  }
  for (;;) {
    ssize_t r = ::read(fd_, buf, n);
    if (r >= 0) {
      raw_offset_ += static_cast<uint64_t>(r);
      return static_cast<size_t>(r);
    }
    if (errno == EINTR) continue;
    return absl::DataLossError(
        absl::StrCat(path_, ": read error at byte ", raw_offset_, ": ", std::strerror(errno)));
  }
}

absl::StatusOr<size_t> InputFile::Read(char* buf, size_t n) {
  if (dctx_ == nullptr) return ReadRaw(buf, n);
  ZstdState& z = *dctx_;
  ZSTD_outBuffer out{buf, n, 0};
  while (out.pos == 0) {
    if (z.in_buf.pos == z.in_buf.size) {
      if (z.input_eof) break;
      ASSIGN_OR_RETURN(size_t got, ReadRaw(z.in.data(), z.in.size()));
      if (got == 0) {
        z.input_eof = true;
        break;
      }
      z.in_buf = ZSTD_inBuffer{z.in.data(), got, 0};
    }
    size_t ret = ZSTD_decompressStream(z.dctx, &out, &z.in_buf);
    if (ZSTD_isError(ret)) {
      return absl::DataLossError(absl::StrCat(path_, ": corrupt zstd data near compressed byte ",
                                              raw_offset_ - (z.in_buf.size - z.in_buf.pos), ": ",
                                              ZSTD_getErrorName(ret)));
    }
    z.last_ret = ret;
  }
  if (out.pos == 0 && z.input_eof && z.last_ret != 0) {
    return absl::DataLossError(absl::StrCat(path_,
                                            ": truncated zstd stream (ends at compressed byte ",
                                            raw_offset_, " inside a frame)"));
  }
  return out.pos;
}

LineReader::LineReader(std::unique_ptr<InputFile> file, size_t block_bytes, size_t max_line_bytes)
    : file_(std::move(file)),
      buf_(std::min<size_t>(block_bytes, size_t{1} << 12)),
      block_bytes_(block_bytes),
      max_line_bytes_(max_line_bytes) {}

absl::Status LineReader::Fill() {
  // Move the partial line to the front, grow if a single line fills the buffer.
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buf_.size()) {
    buf_.resize(buf_.size() * 2);
  } else if (last_read_filled_ && buf_.size() < block_bytes_) {
    buf_.resize(std::min(buf_.size() * 2, block_bytes_));
  }
  const size_t want = buf_.size() - end_;
  ASSIGN_OR_RETURN(size_t n, file_->Read(buf_.data() + end_, want));
  last_read_filled_ = n == want;
  if (n == 0) eof_ = true;
  end_ += n;
  return absl::OkStatus();
}

absl::StatusOr<bool> LineReader::Next(std::string_view* line) {
  for (;;) {
    const char* start = buf_.data() + begin_;
    const void* nl = std::memchr(start, '\n', end_ - begin_);
    if (nl != nullptr) {
      size_t len = static_cast<const char*>(nl) - start;
      size_t next = begin_ + len + 1;
      if (len > 0 && start[len - 1] == '\r') --len;
      *line = std::string_view(start, len);
      begin_ = next;
      ++line_number_;
      return true;
    }
    if (eof_) {
      if (begin_ == end_) return false;
      *line = std::string_view(start, end_ - begin_);
      begin_ = end_;
      ++line_number_;
      return true;
    }
    if (end_ - begin_ > max_line_bytes_) {
      return absl::InvalidArgumentError(absl::StrCat(path(), ":", line_number_ + 1,
                                                     ": line longer than ", max_line_bytes_,
                                                     " bytes (a binary file, or no newlines?)"));
    }
    RETURN_IF_ERROR(Fill());
  }
}

absl::StatusOr<std::string> ReadMaybeCompressedFile(const std::string& path, uint64_t max_bytes) {
  ASSIGN_OR_RETURN(auto f, InputFile::Open(path));
  std::string out;
  char buf[1 << 16];
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, f->Read(buf, sizeof buf));
    if (n == 0) break;
    if (out.size() + n > max_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": larger than ", max_bytes, " bytes (decompressed)"));
    }
    out.append(buf, n);
  }
  return out;
}

size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size() || b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  }
  return n;
}

size_t FindInvalidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8SequenceLength(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

absl::StatusOr<std::string> ReadTextFile(const std::string& path, uint64_t max_bytes) {
  ASSIGN_OR_RETURN(int fd, OpenForReading(path));
  std::string out;
  char buf[1 << 16];
  absl::Status status;
  for (;;) {
    ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      status = absl::DataLossError(
          absl::StrCat(path, ": read error at byte ", out.size(), ": ", std::strerror(errno)));
      break;
    }
    if (r == 0) break;
    if (out.size() + static_cast<size_t>(r) > max_bytes) {
      status = absl::InvalidArgumentError(
          absl::StrCat(path, ": larger than ", max_bytes, " bytes; not a config or text input?"));
      break;
    }
    out.append(buf, static_cast<size_t>(r));
  }
  close(fd);
  if (!status.ok()) return status;
  return out;
}

}  // namespace memsim
