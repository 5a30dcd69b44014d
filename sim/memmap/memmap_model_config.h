// Loading and validation of memmap model configs (proto/memmap.proto), and the small
// conversions the models share. Validation names the offending field
// ("memdesc.slab.align_bytes: ..."), loading names file, line and column.
#ifndef MEMSIM_SIM_MEMMAP_MEMMAP_MODEL_CONFIG_H_
#define MEMSIM_SIM_MEMMAP_MEMMAP_MODEL_CONFIG_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/memmap.pb.h"
#include "proto/trace.pb.h"
#include "sim/memmap/descriptor_slabs.h"

namespace memsim::memmap {

// InvalidArgument naming the field on the first violation.
absl::Status ValidateMemmapModelConfig(const config::MemmapModelConfig& config);

// Parses protobuf text format; `source` names the input in errors ("path:line:col: ...").
// Does not validate.
absl::StatusOr<config::MemmapModelConfig> ParseMemmapModelConfig(const std::string& text,
                                                                 const std::string& source);
// Reads, parses and validates a .textproto file.
absl::StatusOr<config::MemmapModelConfig> LoadMemmapModelConfig(const std::string& path);

// Registry key of a config: the name of the set `model` field ("page64", "memdesc", ...),
// empty if none is set.
std::string ModelKey(const config::MemmapModelConfig& config);

// Descriptor bytes of an owner type; 0 = no descriptor.
uint32_t DescriptorBytesFor(const config::DescriptorSizes& sizes, trace::OwnerType owner);
DescriptorSlabs::Options SlabOptionsFrom(const config::DescriptorSlabConfig& slab);

}  // namespace memsim::memmap

#endif  // MEMSIM_SIM_MEMMAP_MEMMAP_MODEL_CONFIG_H_
