// Parsing of memmap model configs (proto/memmap.proto), the checks and the small conversions
// the models share. Each model validates its own config (its registered validator) with
// these checks, which name the offending field ("memdesc.slab.align_bytes: ..."); parsing
// names file, line and column. Loading a file or a model name: model_spec.h.
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

// Parses protobuf text format; `source` names the input in errors ("path:line:col: ...").
// Does not validate.
absl::StatusOr<config::MemmapModelConfig> ParseMemmapModelConfig(const std::string& text,
                                                                 const std::string& source);

// Checks shared by the models' validators; `field` / `prefix` name the config field in the
// message.
// InvalidArgument "<field>: <what>, got <got>".
absl::Status InvalidModelField(const std::string& field, const std::string& what, uint64_t got);
// A sparsemem section size: a power of two between 1 and 65536 MiB.
absl::Status ValidateSectionMib(const std::string& field, uint32_t mib);
// Descriptor slabs (alignment, order) and descriptor sizes that fit one slab.
absl::Status ValidateSlabAndSizes(const std::string& prefix,
                                  const config::DescriptorSlabConfig& slab,
                                  const config::DescriptorSizes& sizes);

// Registry key of a config: the name of the set `model` field ("page64", "memdesc", ...),
// empty if none is set.
std::string ModelKey(const config::MemmapModelConfig& config);

// Descriptor bytes of an owner type; 0 = no descriptor.
uint32_t DescriptorBytesFor(const config::DescriptorSizes& sizes, trace::OwnerType owner);
DescriptorSlabs::Options SlabOptionsFrom(const config::DescriptorSlabConfig& slab);

}  // namespace memsim::memmap

#endif  // MEMSIM_SIM_MEMMAP_MEMMAP_MODEL_CONFIG_H_
