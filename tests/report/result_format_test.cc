// sim/report on hand-made results: the comparison table, the CSV and the JSON as exact texts,
// and exactness: what is written reads back as the in-memory values, bit for bit.
#include "sim/report/result_format.h"

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "sim/report/proto_json.h"
#include "sim/util/json_writer.h"

namespace memsim::report {
namespace {

// Two results of one small trace, with figures easy to check by hand (doubles of at most
// 15 significant digits, as protobuf's own printer writes them identically).
result::Result Page64() {
  result::Result r;
  auto* run = r.mutable_run();
  run->set_trace_path("t.mtrace");
  run->set_machine_name("tiny");
  run->set_model("page64");
  run->set_model_label("page64");
  run->set_pfn_mapping("proportional");
  run->set_wall_seconds(0.5);
  run->set_events_per_second(6);
  r.set_num_events(3);
  r.set_simulated_time_ns(835299011.3);
  auto* m = r.mutable_overhead()->mutable_machine();
  m->set_ram_bytes(412316860416);   // 384 GiB
  m->set_static_bytes(6442450944);  // 6 GiB: 64 B per 4 KiB page
  m->set_final_bytes(6442450944);
  m->set_peak_bytes(6442450944);
  m->set_mean_bytes(6442450944);
  m->set_final_percent_of_ram(1.5625);
  m->set_peak_percent_of_ram(1.5625);
  m->set_mean_percent_of_ram(1.5625);
  auto* t = r.mutable_total();
  t->set_accesses(10);
  t->set_line_accesses(12);
  t->set_l1_misses(6);
  t->set_l2_misses(4);
  t->set_llc_misses(2);
  t->set_dram_local(1);
  t->set_dram_remote(1);
  auto* alloc = r.add_events();
  alloc->set_kind("alloc");
  alloc->set_count(2);
  auto* l = alloc->mutable_latency();
  l->set_total_ns(0.2);
  l->set_mean_ns(0.1);
  l->set_p50_ns(0.1);
  l->set_p90_ns(0.1);
  l->set_p99_ns(0.1);
  l->set_max_ns(0.1);
  alloc->mutable_accesses()->set_llc_misses(1);
  auto* fault = r.add_events();
  fault->set_kind("fault");
  fault->set_count(1);
  fault->mutable_latency()->set_mean_ns(250.5);
  fault->mutable_latency()->set_p50_ns(250.5);
  fault->mutable_latency()->set_p90_ns(250.5);
  fault->mutable_latency()->set_p99_ns(250.5);
  fault->mutable_latency()->set_max_ns(250.5);
  fault->mutable_accesses()->set_llc_misses(1);
  // Where the latency went: alloc 0.1 ns of L1 hits and 0.1 ns of remote DRAM of the other
  // socket, the fault 200 ns of local DRAM and 50.5 ns of coherence.
  alloc->mutable_latency_sources()->set_l1_ns(0.1);
  alloc->mutable_latency_sources()->set_dram_remote_socket_ns(0.1);
  fault->mutable_latency_sources()->set_dram_local_ns(200);
  fault->mutable_latency_sources()->set_coherence_ns(50.5);
  auto* sources = r.mutable_latency_sources();
  sources->set_l1_ns(0.1);
  sources->set_dram_local_ns(200);
  sources->set_dram_remote_socket_ns(0.1);
  sources->set_coherence_ns(50.5);
  auto* migrate = r.add_events();  // counted, no metadata work modelled
  migrate->set_kind("migrate_batch");
  migrate->set_count(4);
  auto* c = r.add_inconsistency_causes();
  c->set_name("double_free");
  c->set_stale_snapshot(2);
  c->set_missing_events(1);
  // Described memory: 6291456 pages (24 GiB, 1/16 of the machine), 1000 of them anon, the
  // rest free; 94371840 pages undescribed. page64: 64 B per page everywhere.
  auto* o = r.mutable_overhead();
  o->set_undescribed_rule("extrapolate");
  o->set_undescribed_pages(94371840);
  auto* d = o->mutable_described();
  d->set_ram_bytes(25769803776);
  d->set_pages(6291456);
  d->set_static_bytes(402653184);
  d->set_final_bytes(402653184);
  d->set_peak_bytes(402653184);
  d->set_mean_bytes(402653184);
  d->set_final_percent_of_ram(1.5625);
  d->set_peak_percent_of_ram(1.5625);
  d->set_mean_percent_of_ram(1.5625);
  d->set_final_bytes_per_page(64);
  *o->mutable_whole() = o->machine();
  o->mutable_whole()->set_pages(100663296);
  o->mutable_whole()->set_final_bytes_per_page(64);
  for (const auto& [owner, pages] :
       {std::pair{"anon", uint64_t{1000}}, std::pair{"free", uint64_t{6290456}},
        std::pair{"state_unknown", uint64_t{94371840}}}) {
    auto* ow = o->add_owners();
    ow->set_owner(owner);
    ow->set_pages(pages);
    ow->set_static_bytes(64 * pages);
    ow->set_final_bytes(64 * pages);
    ow->set_bytes_per_page(64);
  }
  // Uncertainty, as if from a longer trace: 40 events, 10 dropped (25 %), 3 contradictions
  // in 12 alloc/free/migrate operations (25 %), and the warnings they give.
  auto* cov = r.mutable_coverage();
  cov->set_events(40);
  cov->set_modelled(30);
  cov->set_dropped(10);
  cov->set_dropped_unmapped_pfn(4);
  cov->set_dropped_fault_without_pfn(5);
  cov->set_dropped_not_applied(1);
  cov->set_dropped_percent(25);
  cov->set_state_ops(12);
  cov->set_contradictions(3);
  cov->set_contradictions_percent(25);
  r.add_warnings("10 of 40 events dropped");
  r.add_warnings("3 of 12 operations contradict");
  return r;
}

result::Result Memdesc() {
  result::Result r = Page64();
  r.mutable_run()->set_model("memdesc");
  r.mutable_run()->set_model_label("memdesc");
  auto* m = r.mutable_overhead()->mutable_machine();
  m->set_static_bytes(805306368);  // 768 MiB: 8 B per page
  m->set_descriptor_live_bytes(4096);
  m->set_slab_bytes(8192);
  m->set_final_bytes(805314560);
  m->set_peak_bytes(805314560);
  m->set_mean_bytes(805310464.5);
  m->set_final_percent_of_ram(0.1953125);
  m->set_peak_percent_of_ram(0.1953125);
  m->set_mean_percent_of_ram(0.1953125);
  r.mutable_total()->set_accesses(20);
  r.mutable_total()->set_llc_misses(3);
  r.mutable_events(0)->mutable_latency()->set_mean_ns(0.15);
  r.mutable_events(1)->mutable_latency()->set_mean_ns(500);
  r.mutable_events(1)->mutable_latency()->set_p50_ns(200.25);
  r.mutable_events(1)->mutable_accesses()->set_llc_misses(2);
  r.mutable_events(1)->mutable_latency_sources()->set_dram_local_ns(449.5);  // 500 - 50.5
  r.mutable_latency_sources()->set_dram_local_ns(449.5);
  r.set_simulated_time_ns(835299261.8);
  // Described: 8 B of array per page (48 MiB), the anon pages' 80 B descriptors (80000 B)
  // in 20 slab pages (81920 B): 50413568 B, 50413568 / 6291456 = 8.013 B per page. Whole
  // machine, extrapolated: 16 times the slabs and descriptors, on 768 MiB of array.
  auto* o = r.mutable_overhead();
  auto* d = o->mutable_described();
  d->set_static_bytes(50331648);
  d->set_descriptor_live_bytes(80000);
  d->set_slab_bytes(81920);
  d->set_slab_waste_bytes(1920);
  d->set_final_bytes(50413568);
  d->set_peak_bytes(50413568);
  d->set_mean_bytes(50413568);
  // 100 * 50413568 / 25769803776 and 50413568 / 6291456, to 15 digits (the fixture's
  // doubles have at most 15: see above).
  d->set_final_percent_of_ram(0.195630391438802);
  d->set_peak_percent_of_ram(0.195630391438802);
  d->set_mean_percent_of_ram(0.195630391438802);
  d->set_final_bytes_per_page(8.01302083333333);
  auto* w = o->mutable_whole();
  *w = o->machine();
  w->set_pages(100663296);
  w->set_descriptor_live_bytes(1280000);
  w->set_slab_bytes(1310720);
  w->set_slab_waste_bytes(30720);
  w->set_final_bytes(806617088);
  w->set_peak_bytes(806617088);
  w->set_mean_bytes(806617088);
  w->set_final_percent_of_ram(0.195630391438802);  // 100 * 806617088 / 412316860416
  w->set_peak_percent_of_ram(0.195630391438802);
  w->set_mean_percent_of_ram(0.195630391438802);
  w->set_final_bytes_per_page(8.01302083333333);  // 806617088 / 100663296
  for (auto& ow : *o->mutable_owners()) {
    ow.set_static_bytes(8 * ow.pages());
    ow.set_descriptor_live_bytes(ow.owner() == "anon" ? 80000 : 0);
    ow.set_final_bytes(ow.static_bytes() + ow.descriptor_live_bytes());
    ow.set_bytes_per_page(double(ow.final_bytes()) / ow.pages());
  }
  return r;
}

TEST(CompareTable, TwoModels) {
  // By hand. Described memory first: 6291456 of 100663296 pages (6.25 %); array 384 MiB
  // (64 B/page) against 48 MiB (8 B/page, -87.5 %); memdesc's 80000 B of descriptors =
  // 78.12 KiB in 80 KiB of slabs; 50413568 B = 48.08 MiB in all, 8.013 B per page (-87.48 %),
  // 0.1956 % of the 24 GiB described. Per owner: anon 64 B against 88 B (+37.5 %), free
  // 8 B; known owners = anon alone. Whole machine, extrapolated: 806617088 B = 769.25 MiB
  // (806617088 / 6442450944 - 1 = -87.48 %). Then as before: 20 / 10 (+100.0 %), 3 / 2
  // (+50.0 %), 0.15 / 0.1 (+50.0 %), 500 / 250.5 = +99.6 %, 200.25 / 250.5 = -20.1 %. The
  // footer: the first result's coverage, causes and both results' warnings, once each.
  EXPECT_EQ(
      CompareTable({Page64(), Memdesc()}),
      R"spec(described memory: 6291456 of 100663296 pages (6.25 %) have a state from the snapshot or an event
whole machine, undescribed extrapolated: the other 94371840 pages hold what described pages hold, per page (--undescribed=extrapolate)

metric                                                                page64     memdesc  vs page64
---------------------------------------------------------------------------------------------------
overhead, described: static memmap                                384.00 MiB   48.00 MiB    -87.5 %
overhead, described: descriptors (live)                                  0 B   78.12 KiB        n/a
overhead, described: descriptor slabs                                    0 B   80.00 KiB        n/a
overhead, described: HVO saved                                           0 B         0 B          =
overhead, described: peak total                                   384.00 MiB   48.08 MiB    -87.5 %
overhead, described: mean total                                   384.00 MiB   48.08 MiB    -87.5 %
overhead, described: per page (final)                                 64.0 B       8.0 B    -87.5 %
overhead, described: peak % of its RAM                              1.5625 %    0.1956 %    -87.5 %
overhead per page: anon                                               64.0 B      88.0 B    +37.5 %
overhead per page: free                                               64.0 B       8.0 B    -87.5 %
overhead per page: owner known (all)                                  64.0 B      88.0 B    +37.5 %
overhead, whole machine, undescribed extrapolated: peak total       6.00 GiB  769.25 MiB    -87.5 %
overhead, whole machine, undescribed extrapolated: mean total       6.00 GiB  769.25 MiB    -87.5 %
overhead, whole machine, undescribed extrapolated: peak % of RAM    1.5625 %    0.1956 %    -87.5 %
metadata accesses                                                         10          20   +100.0 %
cache lines touched                                                       12          12     +0.0 %
L1 misses                                                                  6           6     +0.0 %
L2 misses                                                                  4           4     +0.0 %
LLC misses                                                                 2           3    +50.0 %
DRAM local                                                                 1           1     +0.0 %
DRAM remote                                                                1           1     +0.0 %
coherence transfers (HITM)                                                 0           0          =
alloc (2): mean                                                       0.1 ns      0.1 ns    +50.0 %
alloc: p50                                                            0.1 ns      0.1 ns     +0.0 %
alloc: p99                                                            0.1 ns      0.1 ns     +0.0 %
alloc: LLC misses                                                          1           1     +0.0 %
fault (1): mean                                                     250.5 ns    500.0 ns    +99.6 %
fault: p50                                                          250.5 ns    200.2 ns    -20.1 %
fault: p99                                                          250.5 ns    250.5 ns     +0.0 %
fault: LLC misses                                                          1           2   +100.0 %
latency by source: L1 hit                                             0.1 ns      0.1 ns     +0.0 %
latency by source: local DRAM                                       200.0 ns    449.5 ns   +124.8 %
latency by source: remote DRAM, other socket                          0.1 ns      0.1 ns     +0.0 %
latency by source: coherence (HITM, invalidations)                   50.5 ns     50.5 ns     +0.0 %
simulated time                                                    835.299 ms  835.299 ms     +0.0 %
inconsistencies: stale snapshot                                            2           2     +0.0 %
inconsistencies: missing events                                            1           1     +0.0 %
inconsistencies: no initial state                                          0           0          =
inconsistencies: unexplained                                               0           0          =
events: 40 read, 30 modelled, 10 dropped (25.00 %: 4 unmapped pfn, 5 faults without pfn, 1 not applied)
state contradictions: 3 of 12 alloc/free/migrate operations (25.00 %)
inconsistencies by cause (page64): double_free 3 = 2 stale snapshot + 1 missing events
counted, no metadata work modelled: migrate_batch 4
warning: 10 of 40 events dropped
warning: 3 of 12 operations contradict
)spec");
}

TEST(CompareTable, NoResultsIsEmpty) { EXPECT_EQ(CompareTable({}), ""); }

constexpr char kHeader[] =
    "trace,machine,model,model_label,pfn_mapping,undescribed_rule,events,simulated_time_ns,"
    "overhead_ram_bytes,overhead_static_bytes,overhead_descriptor_live_bytes,overhead_slab_bytes,"
    "overhead_hvo_saved_bytes,overhead_final_bytes,overhead_peak_bytes,overhead_mean_bytes,"
    "overhead_final_percent,overhead_peak_percent,overhead_mean_percent,"
    "metadata_cpu_nodes_bytes,metadata_cpu_less_nodes_bytes,metadata_cpu_nodes_percent,"
    "memmap_waste_bytes,"
    "described_pages,undescribed_pages,described_static_bytes,described_descriptor_live_bytes,"
    "described_slab_bytes,described_hvo_saved_bytes,described_final_bytes,described_peak_bytes,"
    "described_mean_bytes,described_final_percent,described_peak_percent,"
    "described_mean_percent,described_bytes_per_page,"
    "whole_final_bytes,whole_peak_bytes,whole_mean_bytes,whole_final_percent,"
    "whole_peak_percent,whole_mean_percent,whole_bytes_per_page,"
    "bytes_per_page_unknown,bytes_per_page_free,bytes_per_page_anon,bytes_per_page_file,"
    "bytes_per_page_slab,bytes_per_page_page_table,bytes_per_page_vmalloc,"
    "bytes_per_page_kernel,bytes_per_page_reserved,bytes_per_page_hugetlb,bytes_per_page_ksm,"
    "bytes_per_page_percpu,bytes_per_page_zsmalloc,bytes_per_page_offline,"
    "bytes_per_page_hwpoison,bytes_per_page_owner_known,"
    "total_accesses,total_line_accesses,total_l1_misses,total_l2_misses,total_llc_misses,"
    "total_dram_local,total_dram_remote,total_coherence_transfers,"
    "alloc_count,alloc_mean_ns,alloc_p50_ns,alloc_p90_ns,alloc_p99_ns,alloc_max_ns,"
    "alloc_llc_misses,"
    "free_count,free_mean_ns,free_p50_ns,free_p90_ns,free_p99_ns,free_max_ns,free_llc_misses,"
    "fault_count,fault_mean_ns,fault_p50_ns,fault_p90_ns,fault_p99_ns,fault_max_ns,"
    "fault_llc_misses,"
    "migrate_count,migrate_mean_ns,migrate_p50_ns,migrate_p90_ns,migrate_p99_ns,migrate_max_ns,"
    "migrate_llc_misses,"
    "migrate_batch_count,migrate_batch_mean_ns,migrate_batch_p50_ns,migrate_batch_p90_ns,"
    "migrate_batch_p99_ns,migrate_batch_max_ns,migrate_batch_llc_misses,"
    "compaction_scan_count,compaction_scan_mean_ns,compaction_scan_p50_ns,compaction_scan_p90_ns,"
    "compaction_scan_p99_ns,compaction_scan_max_ns,compaction_scan_llc_misses,"
    "compaction_count,compaction_mean_ns,compaction_p50_ns,compaction_p90_ns,compaction_p99_ns,"
    "compaction_max_ns,compaction_llc_misses,"
    "events_modelled,events_dropped,dropped_unmapped_pfn,dropped_fault_without_pfn,"
    "dropped_not_applied,events_dropped_percent,state_ops,contradictions,"
    "contradictions_percent,contradictions_stale_snapshot,contradictions_missing_events,"
    "contradictions_no_initial_state,contradictions_unexplained,warnings,"
    "wall_seconds,events_per_second,"
    "latency_l1_ns,latency_l2_ns,latency_llc_ns,latency_dram_local_ns,"
    "latency_dram_remote_node_ns,latency_dram_remote_socket_ns,latency_dram_cpu_less_ns,"
    "latency_coherence_ns,latency_compute_ns,latency_copy_ns";

// The header's end: <kind>_latency_<source>_ns, kinds in EventKind order, sources in
// LatencySources order.
std::string KindSourceColumns() {
  std::string out;
  for (const char* kind :
       {"alloc", "free", "fault", "migrate", "migrate_batch", "compaction_scan", "compaction"}) {
    for (const char* source :
         {"l1", "l2", "llc", "dram_local", "dram_remote_node", "dram_remote_socket",
          "dram_cpu_less", "coherence", "compute", "copy"}) {
      absl::StrAppend(&out, ",", kind, "_latency_", source, "_ns");
    }
  }
  return out;
}

// Ten zero cells, each after a comma: a kind with no latency by source.
constexpr char kNoSources[] = ",0,0,0,0,0,0,0,0,0,0";

TEST(Csv, HeaderAndRowsOfTwoModels) {
  EXPECT_EQ(CsvHeader(), std::string(kHeader) + KindSourceColumns() + "\n");
  EXPECT_EQ(
      CsvRow(Page64()),
      std::string(
          "t.mtrace,tiny,page64,page64,proportional,extrapolate,3,835299011.3,"
          "412316860416,6442450944,0,0,0,6442450944,6442450944,6442450944,"
          "1.5625,1.5625,1.5625,"
          "0,0,0,0,"           // residence (not set)
          "6291456,94371840,"  // pages
          "402653184,0,0,0,402653184,402653184,402653184,1.5625,1.5625,1.5625,64,"  // described
          "6442450944,6442450944,6442450944,1.5625,1.5625,1.5625,64,"               // whole
          "0,64,64,0,0,0,0,0,0,0,0,0,0,0,0,64,"                                     // per owner
          "10,12,6,4,2,1,1,0,"
          "2,0.1,0.1,0.1,0.1,0.1,1,"            // alloc
          "0,0,0,0,0,0,0,"                      // free (absent)
          "1,250.5,250.5,250.5,250.5,250.5,1,"  // fault
          "0,0,0,0,0,0,0,"                      // migrate (absent)
          "4,0,0,0,0,0,0,"                      // migrate_batch
          "0,0,0,0,0,0,0,"                      // compaction_scan
          "0,0,0,0,0,0,0,"                      // compaction
          "30,10,4,5,1,25,12,3,25,2,1,0,0,2,"   // uncertainty
          "0.5,6,"                              // host
          "0.1,0,0,200,0,0.1,0,50.5,0,0"        // latency by source, all events
          ",0.1,0,0,0,0,0.1,0,0,0,0") +         // alloc
          kNoSources +                          // free
          ",0,0,0,200,0,0,0,50.5,0,0" +         // fault
          kNoSources +
          kNoSources + kNoSources + kNoSources + "\n");
  EXPECT_EQ(CsvRow(Memdesc()),
            std::string("t.mtrace,tiny,memdesc,memdesc,proportional,extrapolate,3,835299261.8,"
                        "412316860416,805306368,4096,8192,0,805314560,805314560,805310464.5,"
                        "0.1953125,0.1953125,0.1953125,"
                        "0,0,0,0,"
                        "6291456,94371840,"
                        "50331648,80000,81920,0,50413568,50413568,50413568,"
                        "0.195630391438802,0.195630391438802,0.195630391438802,8.01302083333333,"
                        "806617088,806617088,806617088,"
                        "0.195630391438802,0.195630391438802,0.195630391438802,8.01302083333333,"
                        "0,8,88,0,0,0,0,0,0,0,0,0,0,0,0,88,"
                        "20,12,6,4,3,1,1,0,"
                        "2,0.15,0.1,0.1,0.1,0.1,1,"
                        "0,0,0,0,0,0,0,"
                        "1,500,200.25,250.5,250.5,250.5,2,"
                        "0,0,0,0,0,0,0,"
                        "4,0,0,0,0,0,0,"
                        "0,0,0,0,0,0,0,"
                        "0,0,0,0,0,0,0,"
                        "30,10,4,5,1,25,12,3,25,2,1,0,0,2,"
                        "0.5,6,"
                        "0.1,0,0,449.5,0,0.1,0,50.5,0,0"
                        ",0.1,0,0,0,0,0.1,0,0,0,0") +
                kNoSources + ",0,0,0,449.5,0,0,0,50.5,0,0" + kNoSources + kNoSources + kNoSources +
                kNoSources + "\n");
}

TEST(Csv, TextsAreQuotedAsRfc4180) {
  result::Result r = Page64();
  r.mutable_run()->set_trace_path("a,b \"c\".mtrace");
  EXPECT_EQ(CsvRow(r).substr(0, 26), "\"a,b \"\"c\"\".mtrace\",tiny,pa");
}

TEST(Csv, MetricColumnsAreTheSimulatedFigures) {
  const std::vector<std::string> names = MetricNames();
  // 21 machine and total columns, 4 of residence, 7 per event kind, then 36
  // described/whole/owner columns, 14 of uncertainty and 10 + 10 per event kind of latency by
  // source (after the host columns, which are not metrics).
  ASSERT_EQ(names.size(), 21u + 4u + 7u * 7u + 36u + 14u + 10u + 10u * 7u);
  EXPECT_EQ(names.front(), "events");
  EXPECT_EQ(names[21 + 4 + 49 + 36 + 13], "warnings");
  EXPECT_EQ(names[21 + 4 + 49 + 36 + 14], "latency_l1_ns");
  EXPECT_EQ(names.back(), "compaction_latency_copy_ns");
  const std::vector<Cell> values = MetricValues(Page64());
  ASSERT_EQ(values.size(), names.size());
  EXPECT_EQ(std::get<uint64_t>(values[0]), 3u);                          // events
  EXPECT_EQ(std::get<double>(values[1]), 835299011.3);                   // simulated_time_ns
  EXPECT_EQ(std::get<uint64_t>(values[3]), 6442450944u);                 // overhead_static_bytes
  EXPECT_EQ(std::get<double>(values[9]), 6442450944.0);                  // overhead_mean_bytes
  EXPECT_EQ(std::get<double>(values[21 + 4 + 49 + 36 + 14 + 7]), 50.5);  // latency_coherence_ns
}

TEST(Csv, ResidenceColumnsFollowTheMachineOverhead) {
  result::Result r = Page64();
  r.mutable_residence()->set_cpu_nodes_bytes(5 << 20);
  r.mutable_residence()->set_cpu_less_nodes_bytes(3 << 20);
  r.mutable_residence()->set_cpu_nodes_percent(1.25);
  r.mutable_residence()->set_memmap_waste_bytes(4096);
  const std::string row = CsvRow(r);
  EXPECT_NE(row.find("1.5625,1.5625,1.5625,5242880,3145728,1.25,4096,6291456,94371840,"),
            std::string::npos)
      << row;
}

TEST(Cell, CsvAndJsonTexts) {
  EXPECT_EQ(CellToCsv(Cell(std::string("a,b"))), "\"a,b\"");
  EXPECT_EQ(CellToJson(Cell(std::string("a\"b"))), "\"a\\\"b\"");
  EXPECT_EQ(CellToCsv(Cell(uint64_t{18446744073709551615u})), "18446744073709551615");
  EXPECT_EQ(CellToJson(Cell(uint64_t{9007199254740993u})), "9007199254740993");
  EXPECT_EQ(CellToCsv(Cell(1.0 / 3)), "0.3333333333333333");
  EXPECT_EQ(CellToCsv(Cell(835299011.3)), "835299011.3");
  EXPECT_EQ(CellToJson(Cell(1e-300)), "1e-300");
  EXPECT_EQ(CellToCsv(Cell(std::numeric_limits<double>::infinity())), "inf");
  EXPECT_EQ(CellToJson(Cell(std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(CellToJson(Cell(std::numeric_limits<double>::quiet_NaN())), "null");
}

TEST(ShortestDouble, FewestDigitsThatReadBack) {
  EXPECT_EQ(ShortestDouble(0.1), "0.1");
  EXPECT_EQ(ShortestDouble(0.1 + 0.2), "0.30000000000000004");  // 17 digits needed
  EXPECT_EQ(ShortestDouble(1.0 / 3), "0.3333333333333333");     // 16
  EXPECT_EQ(ShortestDouble(2.0 / 3), "0.6666666666666666");
  EXPECT_EQ(ShortestDouble(6442450944.0), "6442450944");
  EXPECT_EQ(ShortestDouble(9007199254740993.0), "9007199254740992");  // 2^53 + 1 is not a double
  EXPECT_EQ(ShortestDouble(1e15), "1e+15");
  EXPECT_EQ(ShortestDouble(123456789012345.0), "123456789012345");
  EXPECT_EQ(ShortestDouble(5e-324), "4.94065645841247e-324");
  EXPECT_EQ(ShortestDouble(-0.0), "-0.0");  // "-0" would read back as 0 in protobuf's parser
  EXPECT_EQ(ShortestDouble(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
}

// A result whose numbers stress every format: doubles that need 16 or 17 digits, the
// extremes of the double range, integers above 2^53 and at 2^64 - 1.
result::Result Awkward() {
  result::Result r = Page64();
  r.mutable_run()->set_wall_seconds(0.1);
  r.mutable_run()->set_events_per_second(1.0 / 3);
  r.mutable_run()->set_host_peak_rss_bytes(std::numeric_limits<uint64_t>::max());
  r.set_num_events((uint64_t{1} << 53) + 1);
  r.set_simulated_time_ns(835299011.30);
  auto* m = r.mutable_overhead()->mutable_machine();
  m->set_ram_bytes(std::numeric_limits<uint64_t>::max());
  m->set_mean_bytes(6442450944.0 / 3);
  m->set_final_percent_of_ram(0.1);
  m->set_peak_percent_of_ram(1e-300);
  m->set_mean_percent_of_ram(5e-324);
  auto* l = r.mutable_events(0)->mutable_latency();
  l->set_total_ns(123456789.123456789);
  l->set_mean_ns(0.1 + 0.2);
  l->set_p50_ns(1e300);
  l->set_p90_ns(-0.0);
  l->set_p99_ns(2.0 / 3);
  l->set_max_ns(std::numeric_limits<double>::max());
  l->add_percentiles_ns(0.1);
  l->add_percentiles_ns(1.0 / 3);
  l->add_percentiles_ns(std::numeric_limits<double>::denorm_min());
  r.mutable_events(0)->set_count((uint64_t{1} << 53) + 1);
  r.mutable_total()->set_accesses(6442450944);
  r.mutable_latency_sources()->set_l2_ns(1.0 / 3);
  r.mutable_events(0)->mutable_latency_sources()->set_copy_ns(123456789.123456789);
  return r;
}

uint64_t Bits(double d) { return std::bit_cast<uint64_t>(d); }

// CSV text -> name -> cell (no quoted fields in these rows).
std::map<std::string, std::string> ParseCsv(const std::string& csv) {
  std::vector<std::string> lines = absl::StrSplit(csv, '\n', absl::SkipEmpty());
  std::vector<std::string> names = absl::StrSplit(lines.at(0), ',');
  std::vector<std::string> cells = absl::StrSplit(lines.at(1), ',');
  std::map<std::string, std::string> row;
  for (size_t i = 0; i < names.size() && i < cells.size(); ++i) row[names[i]] = cells[i];
  EXPECT_EQ(names.size(), cells.size());
  return row;
}

TEST(Exactness, CsvReadsBackAsTheInMemoryValues) {
  const result::Result r = Awkward();
  auto row = ParseCsv(CsvHeader() + CsvRow(r));
  const auto dbl = [&](const std::string& name) {
    char* end = nullptr;
    const double d = std::strtod(row[name].c_str(), &end);
    EXPECT_EQ(*end, '\0') << name << " = " << row[name];
    return d;
  };
  const auto u64 = [&](const std::string& name) {
    uint64_t u = 0;
    EXPECT_TRUE(absl::SimpleAtoi(row[name], &u)) << name << " = " << row[name];
    return u;
  };
  const auto& m = r.overhead().machine();
  const auto& l = r.events(0).latency();
  // Bit for bit: EXPECT_EQ on the doubles, and on their bits (tells -0 from 0).
  for (const auto& [name, want] : std::vector<std::pair<std::string, double>>{
           {"simulated_time_ns", r.simulated_time_ns()},
           {"overhead_mean_bytes", m.mean_bytes()},
           {"overhead_final_percent", m.final_percent_of_ram()},
           {"overhead_peak_percent", m.peak_percent_of_ram()},
           {"overhead_mean_percent", m.mean_percent_of_ram()},
           {"alloc_mean_ns", l.mean_ns()},
           {"alloc_p50_ns", l.p50_ns()},
           {"alloc_p90_ns", l.p90_ns()},
           {"alloc_p99_ns", l.p99_ns()},
           {"alloc_max_ns", l.max_ns()},
           {"wall_seconds", r.run().wall_seconds()},
           {"events_per_second", r.run().events_per_second()},
           {"latency_l2_ns", r.latency_sources().l2_ns()},
           {"alloc_latency_copy_ns", r.events(0).latency_sources().copy_ns()}}) {
    EXPECT_EQ(dbl(name), want) << name;
    EXPECT_EQ(Bits(dbl(name)), Bits(want)) << name;
  }
  EXPECT_EQ(row["simulated_time_ns"], "835299011.3");
  EXPECT_EQ(row["overhead_mean_bytes"], "2147483648");  // 6 GiB / 3, exactly
  EXPECT_EQ(row["alloc_p90_ns"], "-0.0");
  EXPECT_EQ(u64("events"), (uint64_t{1} << 53) + 1);
  EXPECT_EQ(row["events"], "9007199254740993");
  EXPECT_EQ(u64("overhead_ram_bytes"), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(u64("overhead_static_bytes"), 6442450944u);
  EXPECT_EQ(u64("alloc_count"), (uint64_t{1} << 53) + 1);
  EXPECT_EQ(u64("total_accesses"), 6442450944u);
}

TEST(Exactness, JsonReadsBackAsTheInMemoryResult) {
  const result::Result r = Awkward();
  auto json = ResultToJson(r);
  ASSERT_TRUE(json.ok()) << json.status();
  auto back = ResultFromJson(*json);
  ASSERT_TRUE(back.ok()) << back.status();
  // The binary encoding holds every double's bits: equal bytes, equal values.
  EXPECT_EQ(back->SerializeAsString(), r.SerializeAsString());
  const auto& l = back->events(0).latency();
  EXPECT_EQ(back->simulated_time_ns(), 835299011.30);
  EXPECT_EQ(back->num_events(), (uint64_t{1} << 53) + 1);
  EXPECT_EQ(back->overhead().machine().ram_bytes(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(back->overhead().machine().mean_bytes(), 6442450944.0 / 3);
  EXPECT_EQ(back->overhead().machine().peak_percent_of_ram(), 1e-300);
  EXPECT_EQ(back->overhead().machine().mean_percent_of_ram(), 5e-324);
  EXPECT_EQ(l.mean_ns(), 0.1 + 0.2);
  EXPECT_EQ(l.p99_ns(), 2.0 / 3);
  EXPECT_EQ(Bits(l.p90_ns()), Bits(-0.0));
  EXPECT_EQ(l.max_ns(), std::numeric_limits<double>::max());
  EXPECT_EQ(l.percentiles_ns(1), 1.0 / 3);
  // The integers are JSON numbers, in full.
  EXPECT_NE(json->find("\"num_events\": 9007199254740993,"), std::string::npos);
  EXPECT_NE(json->find("\"ram_bytes\": 18446744073709551615,"), std::string::npos);
  EXPECT_NE(json->find("\"mean_ns\": 0.30000000000000004,"), std::string::npos);
  EXPECT_NE(json->find("\"p90_ns\": -0.0,"), std::string::npos);
}

TEST(Exactness, ProtobufsOwnJsonStillReads) {
  // What older memsim versions wrote: protobuf's mapping, 64-bit integers as strings. (Its
  // "-0" for a negative zero reads back as 0: no negative zero here.)
  result::Result r = Awkward();
  r.mutable_events(0)->mutable_latency()->set_p90_ns(0);
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(r, &json, options).ok());
  ASSERT_NE(json.find("\"num_events\":\"9007199254740993\""), std::string::npos);
  auto back = ResultFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->SerializeAsString(), r.SerializeAsString());
}

TEST(Json, NotAResult) {
  auto r = ResultFromJson("{\"num_events\": \"x\"}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("not a memsim result"), std::string::npos);
}

TEST(Json, SmallResultExactText) {
  result::Result r;
  r.mutable_run()->set_model("page64");
  r.mutable_run()->set_model_label("p");
  r.mutable_run()->set_quantum_ns(1000000);
  r.mutable_run()->set_wall_seconds(0.25);
  auto* e = r.add_events();
  e->set_kind("fault");
  e->set_count(6442450944);
  e->mutable_latency()->set_mean_ns(0.1);
  e->mutable_latency()->add_percentiles_ns(0.5);
  e->mutable_latency()->add_percentiles_ns(835299011.3);
  auto* link = r.add_interconnect();
  link->set_link("upi0");
  link->set_bytes(4096);
  r.set_simulated_time_ns(1e-300);
  r.set_num_events((uint64_t{1} << 53) + 1);
  auto* c = r.add_inconsistencies();
  c->set_name("double_free");
  c->set_value(2);
  auto json = ResultToJson(r);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json, R"spec({
 "run": {
  "trace_path": "",
  "trace_source": "",
  "machine_path": "",
  "machine_name": "",
  "model": "page64",
  "model_label": "p",
  "model_config": "",
  "memsim_version": "",
  "pfn_mapping": "",
  "cpu_mapping": "",
  "paced": false,
  "simgrid": false,
  "quantum_ns": 1000000,
  "placement": "",
  "placement_detail": "",
  "wall_seconds": 0.25,
  "events_per_second": 0,
  "host_peak_rss_bytes": 0,
  "finished_at": ""
 },
 "events": [
  {
   "kind": "fault",
   "count": 6442450944,
   "latency": {
    "total_ns": 0,
    "mean_ns": 0.1,
    "p50_ns": 0,
    "p90_ns": 0,
    "p99_ns": 0,
    "max_ns": 0,
    "percentiles_ns": [
     0.5,
     835299011.3
    ]
   },
   "pages": 0,
   "copy_bytes": 0
  }
 ],
 "interconnect": [
  {
   "link": "upi0",
   "bytes": 4096
  }
 ],
 "simulated_time_ns": 1e-300,
 "num_events": 9007199254740993,
 "inconsistencies": [
  {
   "name": "double_free",
   "value": 2
  }
 ],
 "counters": [],
 "inconsistency_causes": [],
 "warnings": [],
 "prefetch_accuracy": 0,
 "memmap_placement": ""
}
)spec");
}

TEST(Json, StringsEscapedAndValidUtf8) {
  result::Result r;
  r.mutable_run()->set_trace_path("tab\there \"q\" back\\ \x01\b\f\x7f caf\xc3\xa9 latin1 caf\xe9");
  auto json = ProtoToJson(r.run());
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_NE(
      json->find(
          R"spec("trace_path": "tab\there \"q\" back\\ \u0001\b\f\u007f café latin1 caf\ufffd",)spec"),
      std::string::npos)
      << *json;
  auto back = ResultFromJson(*ProtoToJson(r));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->run().trace_path(),
            "tab\there \"q\" back\\ \x01\b\f\x7f caf\xc3\xa9 latin1 caf\xef\xbf\xbd");
}

// The layout is protobuf's (JsonPrintOptions::add_whitespace): only the integers lose their
// quotes, so files written before and after the change differ in nothing else.
TEST(Json, SameLayoutAsProtobufExceptIntegers) {
  for (const result::Result& r : {Page64(), Memdesc(), result::Result()}) {
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.always_print_primitive_fields = true;
    options.preserve_proto_field_names = true;
    std::string protobuf;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(r, &protobuf, options).ok());
    if (protobuf.back() != '\n') protobuf += '\n';
    // No text field of these results is all digits, so every quoted integer is a number.
    protobuf = std::regex_replace(protobuf, std::regex(R"spec(": "([0-9]+)")spec"), "\": $1");
    auto ours = ResultToJson(r);
    ASSERT_TRUE(ours.ok());
    EXPECT_EQ(*ours, protobuf);
  }
}

}  // namespace
TEST(MigrationCoverageTest, LineAndWarningAt90Percent) {
  EXPECT_EQ(MigrationCoverageLine(0, 0), "");
  EXPECT_EQ(MigrationCoverageLine(1323, 15500),
            "migrated pages modelled: 1323 of 15500 reported by the kernel (8.5 %)");
  EXPECT_EQ(MigrationCoverageLine(7, 0),
            "migrated pages modelled: 7 (the kernel reported none: no mm_migrate_pages events)");
  EXPECT_EQ(MigrationCoverageWarning(0, 0), "");
  EXPECT_EQ(MigrationCoverageWarning(9, 10), "");  // 90 % exactly: no warning
  EXPECT_NE(MigrationCoverageWarning(1323, 15500)
                .find("warning: only 8.5 % of the pages the "
                      "kernel migrated are modelled (1323 of "
                      "15500, below 90 %)"),
            std::string::npos);
  // The compare table's footer line, from the first result.
  result::Result r;
  r.mutable_migrations()->set_modelled_pages(15495);
  r.mutable_migrations()->set_reported_pages(15500);
  r.mutable_migrations()->set_inferred_pages(14172);
  EXPECT_NE(CompareTable({r}).find("migrated pages modelled: 15495 of 15500 reported by the "
                                   "kernel (100.0 %), 14172 of them inferred\n"),
            std::string::npos);
}

}  // namespace memsim::report
