#include "sim/replay/replay_job.h"

#include <sys/resource.h>

#include <chrono>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/text_format.h"
#include "sim/memmap/memmap_model_config.h"
#include "sim/memmap/model_registry.h"
#include "sim/replay/bulk_copier.h"
#include "sim/trace/trace_reader.h"
#include "sim/util/status_macros.h"
#include "sim/util/version.h"

namespace memsim::replay {
namespace {

// The trace header's source ("tracecmd", "gen:anon", ...).
absl::StatusOr<std::string> TraceSource(const std::string& trace_path) {
  ASSIGN_OR_RETURN(std::unique_ptr<TraceReader> reader, TraceReader::Open(trace_path));
  return reader->header().source();
}

}  // namespace

absl::StatusOr<result::Result> RunReplayJob(const ReplayJob& job,
                                            const memmap::ModelRegistry& models,
                                            BulkCopier* copier) {
  const auto t0 = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(result::Result r,
                   Replay(job.trace_path, job.model, models, copier, job.options));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto* run = r.mutable_run();
  run->set_trace_path(job.trace_path);
  ASSIGN_OR_RETURN(std::string trace_source, TraceSource(job.trace_path));
  run->set_trace_source(trace_source);
  run->set_machine_path(job.machine_path);
  run->set_machine_name(job.machine.name());
  run->set_model(memmap::ModelKey(job.model));
  run->set_model_label(job.model.has_label() ? job.model.label() : memmap::ModelKey(job.model));
  std::string text;
  google::protobuf::TextFormat::PrintToString(job.model, &text);
  run->set_model_config(text);
  run->set_memsim_version(std::string(MemsimVersion()));
  run->set_paced(job.options.paced);
  run->set_simgrid(copier->uses_simgrid());
  run->set_quantum_ns(job.options.quantum_ns);
  run->set_wall_seconds(wall);
  run->set_events_per_second(wall > 0 ? r.num_events() / wall : 0);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  run->set_host_peak_rss_bytes(static_cast<uint64_t>(ru.ru_maxrss) * 1024);
  run->set_finished_at(absl::FormatTime(absl::RFC3339_sec, absl::Now(), absl::UTCTimeZone()));
  return r;
}

}  // namespace memsim::replay
