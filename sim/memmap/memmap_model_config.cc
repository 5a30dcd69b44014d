#include "sim/memmap/memmap_model_config.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "sim/util/input_file.h"
#include "sim/util/status_macros.h"
#include "sim/util/text_proto.h"

namespace memsim::memmap {
namespace {

bool IsPowerOfTwo(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

}  // namespace

absl::Status InvalidModelField(const std::string& field, const std::string& what, uint64_t got) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what, ", got ", got));
}

absl::Status ValidateSectionMib(const std::string& field, uint32_t mib) {
  if (!IsPowerOfTwo(mib) || mib > 65536) {
    return InvalidModelField(field, "must be a power of two between 1 and 65536 (MiB)", mib);
  }
  return absl::OkStatus();
}

absl::Status ValidateSlabAndSizes(const std::string& prefix,
                                  const config::DescriptorSlabConfig& slab,
                                  const config::DescriptorSizes& sizes) {
  if (!IsPowerOfTwo(slab.align_bytes()) || slab.align_bytes() < 16 || slab.align_bytes() > 4096) {
    return InvalidModelField(
        absl::StrCat(prefix, ".slab.align_bytes"),
        "must be a power of two between 16 and 4096 (the tag needs 4 low bits)",
        slab.align_bytes());
  }
  if (slab.slab_page_order() > 4) {
    return InvalidModelField(absl::StrCat(prefix, ".slab.slab_page_order"), "must be <= 4",
                             slab.slab_page_order());
  }
  const uint64_t slab_bytes = uint64_t{4096} << slab.slab_page_order();
  const google::protobuf::Descriptor* d = sizes.GetDescriptor();
  const google::protobuf::Reflection* r = sizes.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = d->field(i);
    const uint32_t v = r->GetUInt32(sizes, f);
    if (v > slab_bytes) {
      return InvalidModelField(absl::StrCat(prefix, ".sizes.", f->name()),
                               absl::StrCat("must be <= the slab size (", slab_bytes, " bytes)"),
                               v);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<config::MemmapModelConfig> ParseMemmapModelConfig(const std::string& text,
                                                                 const std::string& source) {
  config::MemmapModelConfig config;
  RETURN_IF_ERROR(ParseTextProto(text, source, config));
  return config;
}

std::string ModelKey(const config::MemmapModelConfig& config) {
  const google::protobuf::OneofDescriptor* oneof = config.GetDescriptor()->FindOneofByName("model");
  const google::protobuf::FieldDescriptor* f =
      config.GetReflection()->GetOneofFieldDescriptor(config, oneof);
  return f == nullptr ? std::string() : f->name();
}

uint32_t DescriptorBytesFor(const config::DescriptorSizes& s, trace::OwnerType owner) {
  switch (owner) {
    case trace::OWNER_ANON:
      return s.anon_folio_bytes();
    case trace::OWNER_FILE:
      return s.file_folio_bytes();
    case trace::OWNER_HUGETLB:
      return s.hugetlb_folio_bytes();
    case trace::OWNER_KSM:
      return s.ksm_bytes();
    case trace::OWNER_SLAB:
      return s.slab_bytes();
    case trace::OWNER_PAGE_TABLE:
      return s.ptdesc_bytes();
    case trace::OWNER_PERCPU:
      return s.percpu_bytes();
    case trace::OWNER_ZSMALLOC:
      return s.zpdesc_bytes();
    case trace::OWNER_VMALLOC:
      return s.vmalloc_bytes();
    case trace::OWNER_KERNEL:
      return s.kernel_bytes();
    case trace::OWNER_UNKNOWN:
      return s.unknown_bytes();
    default:
      return 0;  // free, reserved, offline, hwpoison: misc / buddy, no descriptor
  }
}

DescriptorSlabs::Options SlabOptionsFrom(const config::DescriptorSlabConfig& slab) {
  DescriptorSlabs::Options o;
  o.align_bytes = slab.align_bytes();
  o.slab_page_order = slab.slab_page_order();
  o.kmalloc_size_classes = slab.kmalloc_size_classes();
  return o;
}

}  // namespace memsim::memmap
