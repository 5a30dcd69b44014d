// Building tiny traces and replaying them on tests/replay/testdata/tiny-2s.textproto.
#ifndef MEMSIM_TESTS_REPLAY_REPLAY_TEST_UTIL_H_
#define MEMSIM_TESTS_REPLAY_REPLAY_TEST_UTIL_H_

#include <unistd.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sim/hw/machine_loader.h"
#include "sim/hw/machine_topology.h"
#include "sim/memmap/builtin_models.h"
#include "sim/memmap/model_registry.h"
#include "sim/memmap/model_spec.h"
#include "sim/replay/bulk_copier.h"
#include "sim/replay/replay_job.h"
#include "sim/trace/trace_writer.h"
#include "tests/testing/temp_dir.h"

namespace memsim::testing {

inline std::string TinyMachinePath() {
  return std::string(MEMSIM_SOURCE_DIR) + "/tests/replay/testdata/tiny-2s.textproto";
}

inline std::string TestTracePath(const std::string& name) {
  return test_util::TmpPath(name + ".mtrace");
}

// A trace over one trace node of `pages` pages starting at pfn 0, with `cpus` CPUs.
inline std::string WriteTrace(const std::string& name, const std::vector<SnapshotRun>& runs,
                              const std::vector<Event>& events, uint64_t pages = 524288,
                              uint32_t cpus = 2) {
  const std::string path = TestTracePath(name);
  auto w = TraceWriter::Create(path);
  EXPECT_TRUE(w.ok());
  auto* h = (*w)->mutable_header();
  h->set_source("test");
  h->set_num_cpus(cpus);
  auto* n = h->add_nodes();
  n->set_node_id(0);
  n->set_start_pfn(0);
  n->set_end_pfn(pages);
  for (const auto& r : runs) EXPECT_TRUE((*w)->AddSnapshotRun(r).ok());
  for (const auto& e : events) EXPECT_TRUE((*w)->Add(e).ok());
  EXPECT_TRUE((*w)->Finish().ok());
  return path;
}

// A trace over `nodes` trace nodes of `pages_per_node` pages each (node i from pfn
// i * pages_per_node), with `cpus` CPUs.
inline std::string WriteNodesTrace(const std::string& name, const std::vector<SnapshotRun>& runs,
                                   const std::vector<Event>& events, uint32_t nodes,
                                   uint64_t pages_per_node, uint32_t cpus) {
  const std::string path = TestTracePath(name);
  auto w = TraceWriter::Create(path);
  EXPECT_TRUE(w.ok());
  auto* h = (*w)->mutable_header();
  h->set_source("test");
  h->set_num_cpus(cpus);
  for (uint32_t i = 0; i < nodes; ++i) {
    auto* n = h->add_nodes();
    n->set_node_id(i);
    n->set_start_pfn(i * pages_per_node);
    n->set_end_pfn((i + 1) * pages_per_node);
  }
  for (const auto& r : runs) EXPECT_TRUE((*w)->AddSnapshotRun(r).ok());
  for (const auto& e : events) EXPECT_TRUE((*w)->Add(e).ok());
  EXPECT_TRUE((*w)->Finish().ok());
  return path;
}

inline Event Scan(uint64_t t, uint32_t cpu, uint64_t start_pfn, uint64_t end_pfn) {
  Event e;
  e.kind = trace::EVENT_COMPACTION_SCAN;
  e.time_ns = t;
  e.cpu = cpu;
  e.pfn = start_pfn;
  e.end_pfn = end_pfn;
  e.scanner = trace::SCANNER_MIGRATE;
  return e;
}

inline Event Fault(uint64_t t, uint32_t cpu, uint64_t pfn) {
  Event e;
  e.kind = trace::EVENT_FAULT;
  e.time_ns = t;
  e.cpu = cpu;
  e.pfn = pfn;
  e.address = 0x7f0000000000 + pfn * 4096;
  return e;
}

inline Event Alloc(uint64_t t, uint32_t cpu, uint64_t pfn, uint32_t order, OwnerType owner) {
  Event e;
  e.kind = trace::EVENT_ALLOC;
  e.time_ns = t;
  e.cpu = cpu;
  e.pfn = pfn;
  e.order = order;
  e.owner = owner;
  return e;
}

inline Event Migrate(uint64_t t, uint32_t cpu, uint64_t src, uint64_t dst, uint32_t order) {
  Event e;
  e.kind = trace::EVENT_MIGRATE;
  e.time_ns = t;
  e.cpu = cpu;
  e.pfn = src;
  e.end_pfn = dst;
  e.order = order;
  e.reason = trace::MR_NUMA_MISPLACED;
  return e;
}

struct Replay {
  replay::ReplayJob job;
  memmap::ModelRegistry models;
  std::unique_ptr<hw::MachineTopology> topology;
  std::unique_ptr<replay::BulkCopier> copier;

  Replay(const std::string& trace, const std::string& model, bool paced = true) {
    memmap::RegisterBuiltinModels(models);
    job.trace_path = trace;
    job.machine_path = TinyMachinePath();
    auto m = hw::LoadMachine(job.machine_path);
    EXPECT_TRUE(m.ok()) << m.status();
    job.machine = *m;
    auto cfg = memmap::ResolveModelSpec(model, models);
    EXPECT_TRUE(cfg.ok()) << cfg.status();
    job.model = *cfg;
    job.options.paced = paced;
    // The hand-computed tests were derived with the trace spread over both nodes and its
    // CPUs over both sockets; tests of the default placement set kKernel/kAuto themselves.
    job.options.pfn_placement = replay::PfnPlacement::kProportional;
    job.options.cpu_placement = replay::CpuPlacement::kSpread;
    topology = std::make_unique<hw::MachineTopology>(job.machine);  // validated by LoadMachine
    copier = replay::NewAnalyticCopier(*topology);
  }
  result::Result Run() {
    auto r = replay::RunReplayJob(job, models, copier.get());
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : result::Result();
  }
};

inline const result::EventKindStats& KindOf(const result::Result& r, const std::string& kind) {
  for (const auto& e : r.events()) {
    if (e.kind() == kind) return e;
  }
  static result::EventKindStats none;
  ADD_FAILURE() << "no kind " << kind;
  return none;
}

inline uint64_t CounterOf(const google::protobuf::RepeatedPtrField<result::Counter>& list,
                          const std::string& name) {
  for (const auto& c : list) {
    if (c.name() == name) return c.value();
  }
  ADD_FAILURE() << "no counter " << name;
  return 0;
}

}  // namespace memsim::testing

#endif  // MEMSIM_TESTS_REPLAY_REPLAY_TEST_UTIL_H_
