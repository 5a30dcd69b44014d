#include "sim/workload/trace_generator.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "sim/trace/trace_writer.h"
#include "sim/util/status_macros.h"
#include "sim/util/version.h"
#include "sim/workload/event_sink.h"
#include "sim/workload/machine_desc.h"
#include "sim/workload/trace_writer_sink.h"

namespace memsim::workload {

namespace {

// Counts what passes through to the writer.
class CountingWriterSink : public EventSink {
 public:
  explicit CountingWriterSink(TraceWriter* writer) : inner_(writer) {}
  absl::Status AddSnapshotRun(const SnapshotRun& run) override {
    ++runs;
    return inner_.AddSnapshotRun(run);
  }
  absl::Status Add(const Event& event) override { return inner_.Add(event); }
  uint64_t runs = 0;

 private:
  TraceWriterSink inner_;
};

}  // namespace

void FillTraceHeader(const std::string& name, const WorkloadParams& params,
                     const Workload& workload, trace::TraceHeader* header) {
  header->set_source(absl::StrCat("gen:", name));
  header->set_page_size_bytes(kPageSizeBytes);
  header->set_num_cpus(params.cpus);
  header->set_clock("synthetic");
  header->set_memsim_version(std::string(MemsimVersion()));
  header->clear_nodes();
  absl::StatusOr<MachineDesc> machine =
      MachineDesc::Uniform(params.nodes, params.node_mem_bytes, params.cpus);
  if (machine.ok() && params.cxl_mem_bytes > 0 &&
      !machine->AddCpuLessNode(params.cxl_mem_bytes).ok()) {
    machine = absl::InvalidArgumentError("--cxl_mem");
  }
  if (machine.ok()) {
    for (const NodeDesc& n : machine->nodes) {
      trace::NodeRange* r = header->add_nodes();
      r->set_node_id(n.node_id);
      r->set_start_pfn(n.start_pfn);
      r->set_end_pfn(n.end_pfn);
    }
    // The generator's CPU -> node map (contiguous blocks), so the replay need not assume it.
    if (machine->nodes.size() > 1) {
      std::vector<int32_t> cpu_node(params.cpus, -1);
      for (const NodeDesc& n : machine->nodes) {
        for (uint32_t c : n.cpus) {
          if (c < cpu_node.size()) cpu_node[c] = static_cast<int32_t>(n.node_id);
        }
      }
      for (int32_t node : cpu_node) header->add_cpu_node(node);
      header->set_cpu_node_agreement(1.0);
    }
  }
  auto& attrs = *header->mutable_attributes();
  attrs["workload"] = name;
  attrs["nodes"] = absl::StrCat(params.nodes);
  attrs["node_mem"] = FormatByteSize(params.node_mem_bytes);
  attrs["cpus"] = absl::StrCat(params.cpus);
  attrs["events"] = absl::StrCat(params.events);
  attrs["duration_ns"] =
      absl::StrCat(params.duration_ns == 0 ? params.events * 1000 : params.duration_ns);
  attrs["seed"] = absl::StrCat(params.seed);
  for (const auto& [key, value] : workload.Attributes()) attrs[key] = value;
}

absl::StatusOr<GenerateResult> GenerateTraceFile(const WorkloadRegistry& registry,
                                                 const std::string& name,
                                                 const WorkloadParams& params,
                                                 const std::string& path,
                                                 const std::string& produced_by) {
  ASSIGN_OR_RETURN(std::unique_ptr<Workload> workload, registry.Create(name, params));
  // Protobuf serialises map fields (the header's attributes, the footer's counts) in hash
  // order unless told otherwise; the same seed must give the same bytes. TraceWriter does not
  // ask for deterministic output itself, so set the process-wide default here.
  ASSIGN_OR_RETURN(std::unique_ptr<TraceWriter> writer, TraceWriter::Create(path));
  FillTraceHeader(name, params, *workload, writer->mutable_header());
  writer->mutable_header()->set_produced_by(produced_by);
  CountingWriterSink sink(writer.get());
  RETURN_IF_ERROR(workload->Generate(&sink));
  RETURN_IF_ERROR(writer->Finish());
  GenerateResult result;
  result.events = writer->num_events();
  result.snapshot_runs = sink.runs;
  result.bytes = writer->bytes_written();
  return result;
}

}  // namespace memsim::workload
