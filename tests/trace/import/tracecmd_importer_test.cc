// The trace-cmd importer reads trace.dat through libtracecmd/libtraceevent; the same
// capture printed by `trace-cmd report` and fed to the ftrace importer must give the same
// events, because both go through EventAssembler.
#include <gtest/gtest.h>

#include <filesystem>

#include "event-parse.h"
#include "import_test_util.h"

namespace memsim {
namespace {

using testing::Imported;
using testing::RunImporter;
using testing::SourcePath;

// Import stats that differ only because a text file has header lines a .dat has not.
std::map<std::string, uint64_t> SemanticStats(const Imported& r) {
  std::map<std::string, uint64_t> out(r.footer.import_stats().begin(),
                                      r.footer.import_stats().end());
  out.erase("input_records");
  return out;
}

TEST(TracecmdImporterTest, DatAndItsReportTextGiveIdenticalEvents) {
  // capture_6.18.dat: Linux 6.18 x86-64, 2 CPUs, a shell writing a file and triggering
  // compaction (tests/trace/import/testdata/README.md); report.txt is `trace-cmd report -t`
  // of it (nanosecond timestamps).
  absl::StatusOr<Imported> dat =
      RunImporter("tracecmd", SourcePath("tests/trace/import/testdata/capture_6.18.dat.zst"));
  ASSERT_TRUE(dat.ok()) << dat.status();
  absl::StatusOr<Imported> text =
      RunImporter("ftrace", SourcePath("tests/trace/import/testdata/capture_6.18.report.txt.zst"));
  ASSERT_TRUE(text.ok()) << text.status();
  ASSERT_EQ(dat->events.size(), text->events.size());
  for (size_t i = 0; i < dat->events.size(); ++i) {
    ASSERT_EQ(dat->events[i], text->events[i])
        << i << ": " << DebugString(dat->events[i]) << " vs " << DebugString(text->events[i]);
  }
  EXPECT_EQ(SemanticStats(*dat), SemanticStats(*text));
  EXPECT_EQ(dat->stats.input_records + 1, text->stats.input_records);  // "cpus=2"
  EXPECT_EQ(dat->events.size(), 3181u);
  EXPECT_EQ(dat->kind("migrate"), 502u);
  EXPECT_EQ(dat->stat("dropped_duplicate_free_batched"), 119u);
}

TEST(TracecmdImporterTest, HeaderFromTheDatFile) {
  absl::StatusOr<Imported> dat =
      RunImporter("tracecmd", SourcePath("tests/trace/import/testdata/capture_6.18.dat.zst"));
  ASSERT_TRUE(dat.ok()) << dat.status();
  EXPECT_EQ(dat->header.source(), "tracecmd");
  EXPECT_EQ(dat->header.kernel_version(), "6.18.44-fc-v595");
  EXPECT_EQ(dat->header.clock(), "local");
  EXPECT_EQ(dat->header.num_cpus(), 2u);
  EXPECT_EQ(dat->header.page_size_bytes(), 4096u);
}

TEST(TracecmdImporterTest, ShippedThpCaptureMatchesItsReport) {
  const std::string dat_path = SourcePath("traces/thp-anon.dat.zst");
  const std::string txt_path = SourcePath("traces/thp-anon.report.txt.zst");
  // Committed fixtures: a missing one is a failure, not a skip.
  ASSERT_TRUE(std::filesystem::exists(dat_path)) << dat_path << " missing";
  ASSERT_TRUE(std::filesystem::exists(txt_path)) << txt_path << " missing";
  absl::StatusOr<Imported> dat = RunImporter("tracecmd", dat_path);
  ASSERT_TRUE(dat.ok()) << dat.status();
  absl::StatusOr<Imported> text = RunImporter("ftrace", txt_path);
  ASSERT_TRUE(text.ok()) << text.status();
  // The report prints rounded microseconds; everything else must match exactly.
  ASSERT_EQ(dat->events.size(), text->events.size());
  for (size_t i = 0; i < dat->events.size(); ++i) {
    Event d = dat->events[i];
    d.time_ns = (d.time_ns + 500) / 1000 * 1000;  // trace-cmd report rounds to the µs
    ASSERT_EQ(d, text->events[i]) << i << ": " << DebugString(d) << " vs "
                                  << DebugString(text->events[i]);
  }
  EXPECT_EQ(SemanticStats(*dat), SemanticStats(*text));
}

TEST(TracecmdImporterTest, NotADatFileIsAnError) {
  std::string path = testing::WriteTemp("not.dat", "this is not a trace.dat file\n");
  absl::StatusOr<Imported> r = RunImporter("tracecmd", path);
  std::remove(path.c_str());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("not a trace-cmd trace.dat file"), std::string::npos)
      << r.status();
}

// The importer's libtracecmd child skips the parse of the capture's kallsyms (it resolves no
// kernel address to a symbol; the imports above are unchanged by it), through a definition
// of tep_parse_kallsyms that takes libtraceevent's place in the process. Outside that child
// the definition passes the call on: this process resolves symbols as libtraceevent would.
TEST(TracecmdImporterTest, KallsymsAreParsedOutsideTheImportChild) {
  tep_handle* tep = tep_alloc();
  ASSERT_NE(tep, nullptr);
  EXPECT_EQ(tep_parse_kallsyms(tep,
                               "ffffffff81000000 T _stext\n"
                               "ffffffff81001000 t do_one_initcall\n"),
            0);
  // An address inside the first function (libtraceevent matches inside a function only
  // when another follows it).
  const char* name = tep_find_function(tep, 0xffffffff81000010ull);
  ASSERT_NE(name, nullptr);
  EXPECT_STREQ(name, "_stext");
  tep_free(tep);
}

}  // namespace
}  // namespace memsim
