// Reading user input files that may be plain or zstd-compressed (detected by the zstd
// frame magic, not by the file name), in constant memory.
#ifndef MEMSIM_SIM_UTIL_INPUT_FILE_H_
#define MEMSIM_SIM_UTIL_INPUT_FILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace memsim {

// The longest line LineReader returns; a longer one (a binary file, a file without
// newlines) is an error naming the file and line rather than an ever-growing buffer.
inline constexpr size_t kMaxLineBytes = size_t{1} << 20;
// The largest file ReadTextFile() reads (configs, sweep specs, .meta files).
inline constexpr uint64_t kMaxTextFileBytes = uint64_t{64} << 20;

class InputFile {
 public:
  // Opens `path` ("-" for stdin). Peeks at the first bytes to detect zstd. A directory is an
  // InvalidArgumentError "<path>: is a directory".
  static absl::StatusOr<std::unique_ptr<InputFile>> Open(const std::string& path);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  // Reads up to `n` decompressed bytes into `buf`; returns 0 at the end of the input.
  // A truncated or corrupt zstd stream is an error naming the compressed byte offset.
  absl::StatusOr<size_t> Read(char* buf, size_t n);

  const std::string& path() const { return path_; }
  bool compressed() const { return dctx_ != nullptr; }
  // Bytes consumed from the underlying file so far.
  uint64_t raw_offset() const { return raw_offset_; }

 private:
  InputFile(std::string path, int fd);
  absl::StatusOr<size_t> ReadRaw(char* buf, size_t n);

  std::string path_;
  int fd_;
  uint64_t raw_offset_ = 0;
  // Bytes peeked for magic detection, returned before further reads.
  std::string peeked_;
  size_t peeked_pos_ = 0;
  // zstd state (null for plain input).
  struct ZstdState;
  ZstdState* dctx_ = nullptr;
};

// Splits an InputFile into lines without copying (a line is valid until the next call).
// Reads up to `block_bytes` at a time; the buffer starts at 4 KiB and doubles up to that
// while reads fill it, so a small input never pays for a large buffer.
class LineReader {
 public:
  explicit LineReader(std::unique_ptr<InputFile> file, size_t block_bytes = 1 << 20,
                      size_t max_line_bytes = kMaxLineBytes);
  // Sets *line to the next line without its '\n' (and '\r'). Returns false at the end.
  // A line longer than max_line_bytes is an InvalidArgumentError "<path>:<line>: ...".
  absl::StatusOr<bool> Next(std::string_view* line);
  // 1-based number of the line last returned.
  uint64_t line_number() const { return line_number_; }
  const std::string& path() const { return file_->path(); }

 private:
  absl::Status Fill();
  std::unique_ptr<InputFile> file_;
  std::vector<char> buf_;
  size_t block_bytes_;
  size_t max_line_bytes_;
  bool last_read_filled_ = false;  // the last Read() filled the buffer: more input likely
  size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  uint64_t line_number_ = 0;
};

// Length of the valid UTF-8 sequence starting at s[i] (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 if s[i] does not start one. REQUIRES: i < size.
size_t Utf8SequenceLength(std::string_view s, size_t i);
// Offset of the first byte of `s` that is not part of valid UTF-8, or npos.
size_t FindInvalidUtf8(std::string_view s);

// Whole-file read of a possibly-compressed input (for small binary inputs): at most
// max_bytes decompressed bytes, else an InvalidArgumentError naming the file.
absl::StatusOr<std::string> ReadMaybeCompressedFile(const std::string& path,
                                                    uint64_t max_bytes = kMaxTextFileBytes);

// Whole-file read of a small text input (a config, a sweep spec, a .meta file): NotFound if
// it cannot be opened, InvalidArgument "<path>: is a directory" for a directory and
// "<path>: larger than <max_bytes> bytes" beyond the bound. Works on pipes and devices.
absl::StatusOr<std::string> ReadTextFile(const std::string& path,
                                         uint64_t max_bytes = kMaxTextFileBytes);

}  // namespace memsim

#endif  // MEMSIM_SIM_UTIL_INPUT_FILE_H_
