#include "sim/memmap/transition_model.h"

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "sim/memmap/memmap_model_config.h"
#include "sim/memmap/struct_page_model.h"
#include "sim/util/status_macros.h"

namespace memsim::memmap {
namespace {

using Getter = const config::DescriptorChoice& (config::TransitionDescriptors::*)() const;

struct TypeEntry {
  const char* name;  // the TransitionDescriptors field
  Getter get;
  trace::OwnerType owner;
  // The type's fields overlay struct page today (include/linux/mm_types.h struct folio,
  // mm/slab.h struct slab, struct ptdesc, mm/zpdesc.h struct zpdesc), so it cannot stay in
  // a slot smaller than 64 bytes.
  bool overlays_page;
};

constexpr TypeEntry kTypes[] = {
    {"anon_folio", &config::TransitionDescriptors::anon_folio, trace::OWNER_ANON, true},
    {"file_folio", &config::TransitionDescriptors::file_folio, trace::OWNER_FILE, true},
    {"hugetlb_folio", &config::TransitionDescriptors::hugetlb_folio, trace::OWNER_HUGETLB, true},
    {"ksm", &config::TransitionDescriptors::ksm, trace::OWNER_KSM, true},
    {"slab", &config::TransitionDescriptors::slab, trace::OWNER_SLAB, true},
    {"ptdesc", &config::TransitionDescriptors::ptdesc, trace::OWNER_PAGE_TABLE, true},
    {"percpu", &config::TransitionDescriptors::percpu, trace::OWNER_PERCPU, false},
    {"zpdesc", &config::TransitionDescriptors::zpdesc, trace::OWNER_ZSMALLOC, true},
    {"vmalloc", &config::TransitionDescriptors::vmalloc, trace::OWNER_VMALLOC, false},
    {"kernel", &config::TransitionDescriptors::kernel, trace::OWNER_KERNEL, false},
    {"unknown", &config::TransitionDescriptors::unknown, trace::OWNER_UNKNOWN, false},
};

bool IsPowerOfTwo(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

std::string CacheName(const TypeEntry& t, const config::DescriptorChoice& c) {
  return c.cache().empty() ? t.name : c.cache();
}

}  // namespace

absl::Status ValidateTransitionConfig(const config::MemmapModelConfig& config) {
  const config::TransitionConfig& t = config.transition();
  const uint32_t s = t.struct_page_bytes();
  if (s != 64 && s != 32) {
    return InvalidModelField("transition.struct_page_bytes", "must be 64 or 32", s);
  }
  RETURN_IF_ERROR(
      ValidateSectionMib("transition.struct_page.section_mib", t.struct_page().section_mib()));
  if (t.tag_bits() < 1 || t.tag_bits() > 8) {
    return InvalidModelField("transition.tag_bits", "must be between 1 and 8", t.tag_bits());
  }
  if (t.slab_page_order() > 4) {
    return InvalidModelField("transition.slab_page_order", "must be <= 4", t.slab_page_order());
  }
  absl::flat_hash_set<uint32_t> values;
  absl::flat_hash_set<std::string> names;
  for (int i = 0; i < t.tags_size(); ++i) {
    const config::MemdescTag& tag = t.tags(i);
    const std::string field = absl::StrCat("transition.tags[", i, "]");
    if (tag.value() >= (1u << t.tag_bits())) {
      return InvalidModelField(absl::StrCat(field, ".value"),
                               absl::StrCat("must be < 2^tag_bits = ", 1u << t.tag_bits()),
                               tag.value());
    }
    if (!values.insert(tag.value()).second) {
      return InvalidModelField(absl::StrCat(field, ".value"), "is used twice", tag.value());
    }
    if (tag.name().empty() || !names.insert(tag.name()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".name: must be unique and not empty, got \"", tag.name(), "\""));
    }
  }
  const uint64_t slab_bytes = uint64_t{4096} << t.slab_page_order();
  absl::flat_hash_map<std::string, uint32_t> cache_object_bytes;
  for (const TypeEntry& type : kTypes) {
    const config::DescriptorChoice& c = (t.descriptors().*type.get)();
    const std::string field = absl::StrCat("transition.descriptors.", type.name);
    if (c.where() == config::DescriptorChoice::IN_SLOT) {
      if (type.overlays_page && s < 64) {
        return InvalidModelField(
            absl::StrCat(field, ".where"),
            "IN_SLOT needs a 64-byte struct page (the type overlays it today); make it SEPARATE "
            "at struct_page_bytes",
            s);
      }
      continue;
    }
    if (c.bytes() < 16 || c.bytes() > slab_bytes) {
      return InvalidModelField(
          absl::StrCat(field, ".bytes"),
          absl::StrCat("a SEPARATE descriptor needs 16 to ", slab_bytes, " bytes (one slab page)"),
          c.bytes());
    }
    if (!IsPowerOfTwo(c.align_bytes()) || c.align_bytes() < (1u << t.tag_bits()) ||
        c.align_bytes() > 4096) {
      return InvalidModelField(
          absl::StrCat(field, ".align_bytes"),
          absl::StrCat("must be a power of two between 2^tag_bits = ", 1u << t.tag_bits(),
                       " and 4096 (the tag lives in the pointer's low bits)"),
          c.align_bytes());
    }
    if (!names.contains(c.tag())) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ".tag: a SEPARATE descriptor needs a tag from transition.tags, got \"", c.tag(),
          "\""));
    }
    const uint32_t object = (c.bytes() + c.align_bytes() - 1) & ~(c.align_bytes() - 1);
    auto [it, added] = cache_object_bytes.try_emplace(CacheName(type, c), object);
    if (!added && it->second != object) {
      return InvalidModelField(
          absl::StrCat(field, ".cache"),
          absl::StrCat("cache \"", it->first, "\" holds ", it->second,
                       "-byte objects; a type sharing it needs the same aligned size"),
          object);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<MemmapModel>> CreateTransitionModel(
    const config::MemmapModelConfig& config, const std::vector<mm::NodeLayout>& nodes) {
  const config::TransitionConfig& t = config.transition();
  StructPageModel::Options o;
  o.name = "transition";
  o.struct_page_bytes = t.struct_page_bytes();
  ApplyStructPageConfig(t.struct_page(), o);
  o.slab_page_order = t.slab_page_order();
  absl::flat_hash_map<std::string, uint32_t> tag_values;
  for (const config::MemdescTag& tag : t.tags()) tag_values[tag.name()] = tag.value();
  for (const TypeEntry& type : kTypes) {
    const config::DescriptorChoice& c = (t.descriptors().*type.get)();
    if (c.where() != config::DescriptorChoice::SEPARATE) continue;
    StructPageModel::Options::Separate& sep = o.separate[type.owner];
    sep.bytes = c.bytes();
    sep.align_bytes = c.align_bytes();
    sep.cache = CacheName(type, c);
    sep.cpu_node = c.node() == config::DescriptorPlacement::CPU_NODE;
    o.tag[type.owner] = tag_values.at(c.tag());
  }
  return std::make_unique<StructPageModel>(nodes, o);
}

}  // namespace memsim::memmap
