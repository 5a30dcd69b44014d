// The `transition` memmap model: the steps between today's 64-byte struct page and the
// memdesc end state, one descriptor type at a time. Its implementation is StructPageModel
// (struct_page_model.h) with Options::separate filled in; this pair reads and checks its
// config (proto/memmap.proto TransitionConfig) and builds it. Presets with their sources:
// configs/models/page64-*.textproto, page32-*.textproto; docs/memmap-models.md.
#ifndef MEMSIM_SIM_MEMMAP_TRANSITION_MODEL_H_
#define MEMSIM_SIM_MEMMAP_TRANSITION_MODEL_H_

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/memmap.pb.h"
#include "sim/memmap/memmap_model.h"
#include "sim/mm/mm_types.h"

namespace memsim::memmap {

// The registered validator of the `transition` config: struct_page_bytes 64 or 32;
// sections; tag table (values < 2^tag_bits, unique values and names); per type: SEPARATE
// needs 16 <= bytes <= the slab size, a power-of-two alignment >= 2^tag_bits, a tag from
// the table, and a cache shared only with types of the same object size; IN_SLOT for a
// type that overlays struct page today (folios, slab, ptdesc, zpdesc) needs 64 bytes.
// InvalidArgument naming the field ("transition.descriptors.ptdesc.tag: ...").
absl::Status ValidateTransitionConfig(const config::MemmapModelConfig& config);

// REQUIRES: ValidateTransitionConfig accepted `config`.
absl::StatusOr<std::unique_ptr<MemmapModel>> CreateTransitionModel(
    const config::MemmapModelConfig& config, const std::vector<mm::NodeLayout>& nodes);

}  // namespace memsim::memmap

#endif  // MEMSIM_SIM_MEMMAP_TRANSITION_MODEL_H_
