#include "sim/validate/replay_predictor.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sim/hw/machine_topology.h"
#include "sim/memmap/builtin_models.h"
#include "sim/memmap/memmap_model_config.h"
#include "sim/replay/copier_holder.h"
#include "sim/replay/replayer.h"
#include "sim/trace/event.h"
#include "sim/trace/trace_writer.h"
#include "sim/util/status_macros.h"
#include "sim/util/temp_file_registry.h"

namespace memsim::validate {
namespace {

constexpr uint64_t kPageblockPages = 512;
constexpr uint64_t kEventSpacingNs = 1'000'000;  // 1 ms: each event runs on an idle core

// A private directory under `parent` holding one trace file; removes both when destroyed.
class ScratchTrace {
 public:
  static absl::StatusOr<std::unique_ptr<ScratchTrace>> Create(const std::string& parent) {
    std::string dir = absl::StrCat(parent.empty() ? "." : parent, "/memsim-validate-XXXXXX");
    if (mkdtemp(dir.data()) == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat(parent, ": cannot create a scratch directory for the synthetic trace"));
    }
    return std::unique_ptr<ScratchTrace>(new ScratchTrace(std::move(dir)));
  }
  ~ScratchTrace() {
    TempFileRegistry::Unregister(token_);
    unlink(path_.c_str());
    rmdir(dir_.c_str());
  }
  ScratchTrace(const ScratchTrace&) = delete;
  ScratchTrace& operator=(const ScratchTrace&) = delete;
  const std::string& path() const { return path_; }
  // After the trace file exists: removed on a fatal signal too.
  void Register() { token_ = TempFileRegistry::Register(path_); }

 private:
  explicit ScratchTrace(std::string dir) : dir_(std::move(dir)), path_(dir_ + "/op.mtrace") {}
  std::string dir_;
  std::string path_;
  int token_ = -1;
};

struct Region {
  uint64_t start_pfn = 0;
  uint64_t end_pfn = 0;  // of the node
};

// Core 0's home node, from its second pageblock on.
Region HomeRegion(const config::Machine& machine) {
  const hw::MachineTopology topology(machine);
  const config::NumaNode& node = machine.node(topology.home_node_of_core(0));
  Region r;
  r.start_pfn = (node.start_pfn() + 2 * kPageblockPages - 1) / kPageblockPages * kPageblockPages;
  r.end_pfn = node.end_pfn();
  return r;
}

void FillHeader(const config::Machine& machine, const std::string& what, trace::TraceHeader* h) {
  h->set_source(absl::StrCat("validate:", what));
  h->set_page_size_bytes(4096);
  h->set_num_cpus(1);
  h->set_clock("synthetic");
  h->set_produced_by("memsim validate");
  for (const config::NumaNode& n : machine.node()) {
    trace::NodeRange* r = h->add_nodes();
    r->set_node_id(n.id());
    r->set_start_pfn(n.start_pfn());
    r->set_end_pfn(n.end_pfn());
  }
}

absl::StatusOr<OperationPrediction> ReplayOne(const config::Machine& machine,
                                              const config::MemmapModelConfig& model,
                                              const std::string& trace_path, trace::EventKind kind,
                                              uint64_t pages_per_event) {
  ASSIGN_OR_RETURN(replay::CopierHolder copier,
                   replay::CopierHolder::Create(machine, /*simgrid=*/false));
  replay::ReplayOptions options;
  options.pfn_placement = replay::PfnPlacement::kIdentity;
  options.paced = true;
  ASSIGN_OR_RETURN(result::Result r, replay::Replay(trace_path, model, memmap::BuiltinModels(),
                                                    copier.get(), options));
  const std::string key = kind == trace::EVENT_MIGRATE ? "migrate" : "compaction_scan";
  const result::EventKindStats* found = nullptr;
  for (const result::EventKindStats& k : r.events()) {
    if (k.kind() == key) found = &k;
  }
  if (found == nullptr) {
    return absl::InternalError(
        absl::StrCat("validate: the replay result has no '", key, "' events"));
  }
  const result::EventKindStats& s = *found;
  OperationPrediction p;
  p.model = memmap::ModelKey(model);
  p.events = s.count();
  p.pages_per_event = pages_per_event;
  p.mean_ns = s.latency().mean_ns();
  p.p50_ns = s.latency().p50_ns();
  p.p90_ns = s.latency().p90_ns();
  p.p10_ns = s.latency().percentiles_ns_size() >= 10 ? s.latency().percentiles_ns(9) : 0;
  return p;
}

// Writes a one-run snapshot and `events` to a scratch trace in `dir` and replays it, averaging
// the latency of `kind` events over `per` units each: the common part of both predictions.
absl::StatusOr<OperationPrediction> WriteAndReplay(const config::Machine& machine,
                                                   const config::MemmapModelConfig& model,
                                                   const std::string& dir, const char* name,
                                                   const SnapshotRun& run,
                                                   const std::vector<Event>& events,
                                                   trace::EventKind kind, uint64_t per) {
  ASSIGN_OR_RETURN(std::unique_ptr<ScratchTrace> scratch, ScratchTrace::Create(dir));
  {
    ASSIGN_OR_RETURN(std::unique_ptr<TraceWriter> w, TraceWriter::Create(scratch->path()));
    FillHeader(machine, name, w->mutable_header());
    RETURN_IF_ERROR(w->AddSnapshotRun(run));
    for (const Event& e : events) RETURN_IF_ERROR(w->Add(e));
    RETURN_IF_ERROR(w->Finish());
  }
  scratch->Register();
  return ReplayOne(machine, model, scratch->path(), kind, per);
}

}  // namespace

ReplayPredictor::ReplayPredictor(const config::Machine& machine,
                                 const config::MemmapModelConfig& model, std::string scratch_dir)
    : machine_(machine), model_(model), scratch_dir_(std::move(scratch_dir)) {}

absl::StatusOr<OperationPrediction> ReplayPredictor::PredictScan(uint32_t blocks) const {
  const Region region = HomeRegion(machine_);
  const uint64_t pages = uint64_t{blocks} * kPageblockPages;
  if (blocks == 0 || region.start_pfn + pages > region.end_pfn) {
    return absl::InvalidArgumentError(
        absl::StrCat("validate: ", blocks, " pageblocks do not fit the home node of core 0"));
  }
  SnapshotRun run;
  run.start_pfn = region.start_pfn;
  run.count = pages;
  run.owner = trace::OWNER_KERNEL;
  run.order = 0;
  std::vector<Event> events(blocks);
  for (uint32_t b = 0; b < blocks; ++b) {
    Event& e = events[b];
    e.time_ns = kEventSpacingNs * (b + 1);
    e.kind = trace::EVENT_COMPACTION_SCAN;
    e.cpu = 0;
    e.pfn = region.start_pfn + uint64_t{b} * kPageblockPages;
    e.end_pfn = e.pfn + kPageblockPages;
    e.scanner = trace::SCANNER_MIGRATE;
    e.nr_scanned = kPageblockPages;
    e.nr_taken = 0;
  }
  return WriteAndReplay(machine_, model_, scratch_dir_, "scan", run, events,
                        trace::EVENT_COMPACTION_SCAN, kPageblockPages);
}

absl::StatusOr<OperationPrediction> ReplayPredictor::PredictMigration(uint32_t pages) const {
  const Region region = HomeRegion(machine_);
  // Sources in whole pageblocks, destinations in the pageblocks after them.
  const uint64_t span = (uint64_t{pages} + kPageblockPages - 1) / kPageblockPages * kPageblockPages;
  if (pages == 0 || region.start_pfn + 2 * span > region.end_pfn) {
    return absl::InvalidArgumentError(
        absl::StrCat("validate: ", pages, " migrated pages do not fit the home node of core 0"));
  }
  SnapshotRun run;
  run.start_pfn = region.start_pfn;
  run.count = pages;
  run.owner = trace::OWNER_ANON;
  run.order = 0;
  std::vector<Event> events(pages);
  for (uint32_t i = 0; i < pages; ++i) {
    Event& e = events[i];
    e.time_ns = kEventSpacingNs * (i + 1);
    e.kind = trace::EVENT_MIGRATE;
    e.cpu = 0;
    e.pfn = region.start_pfn + i;
    e.end_pfn = region.start_pfn + span + i;
    e.order = 0;
    e.reason = trace::MR_COMPACTION;
  }
  return WriteAndReplay(machine_, model_, scratch_dir_, "migrate", run, events,
                        trace::EVENT_MIGRATE, 1);
}

}  // namespace memsim::validate
