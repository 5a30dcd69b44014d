// OverheadTracker: bytes of page metadata a model costs, per node and for the machine —
// static memmap (vmemmap / word array), live descriptor bytes, slab pages holding them
// (partially used slabs included, so slab - live = waste), HVO savings — with peak,
// time-weighted mean and final values, and each as % of RAM.
//
//   total = static + slab - hvo_saved
//
// Time-weighted mean: integral of total over [first change, Finish()] / that duration;
// the current total if no time has passed.
//
// Static bytes are charged to the node whose memory they describe; the node whose memory
// holds them (the memmap placement, docs/machine-model.md "Where the memmap lives") is
// memmap_node(); descriptors and their slabs are charged to the node they sit on.
//
// Described memory (docs/results.md, "overhead"): the pages the snapshot or a traced event
// gave a state. Every descriptor, slab and HVO saving belongs to described pages (only
// allocated pages have descriptors); undescribed pages cost their memmap slot only.
// Described() and Extrapolated() derive the described part and the whole under the
// "extrapolate" rule from a node's or the machine's figures.
#ifndef MEMSIM_SIM_MEMMAP_OVERHEAD_TRACKER_H_
#define MEMSIM_SIM_MEMMAP_OVERHEAD_TRACKER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "proto/trace.pb.h"
#include "sim/memmap/memmap_layout.h"

namespace memsim::memmap {

class OverheadTracker {
 public:
  struct Figures {
    uint64_t ram_bytes = 0;
    uint64_t pages = 0;  // pages covered: ram_bytes / 4 KiB, or the described pages
    uint64_t static_bytes = 0;
    uint64_t descriptor_live_bytes = 0;
    uint64_t slab_bytes = 0;
    uint64_t hvo_saved_bytes = 0;
    uint64_t total_bytes = 0;  // final (current) value
    uint64_t peak_total_bytes = 0;
    double mean_total_bytes = 0;
    uint64_t slab_waste_bytes() const { return slab_bytes - descriptor_live_bytes; }
    double percent_of_ram() const { return Percent(total_bytes); }
    double peak_percent_of_ram() const { return Percent(peak_total_bytes); }
    double mean_percent_of_ram() const { return Percent(mean_total_bytes); }
    double Percent(double bytes) const {
      return ram_bytes == 0 ? 0.0 : 100.0 * bytes / static_cast<double>(ram_bytes);
    }
  };

  // Live descriptors of one owner type, machine-wide (the "overhead by owner type" plot).
  struct OwnerDescriptors {
    uint64_t count = 0;
    uint64_t bytes = 0;  // sum of their object sizes (as descriptor_live_bytes)
  };

  explicit OverheadTracker(std::vector<uint64_t> node_ram_bytes);

  // The described part of `all` (a node's or the machine's figures): `described_pages` of
  // its pages, holding every descriptor, slab and HVO saving. The memmap array is split by
  // pages (the described share rounded down); the undescribed pages' share is constant
  // over the trace, so peak and mean drop by it too. ram_bytes = described_pages * 4 KiB.
  // REQUIRES: described_pages <= all.pages.
  static Figures Described(const Figures& all, uint64_t described_pages);
  // `all` (as replayed: undescribed pages hold nothing) with its `undescribed_pages`
  // holding, per page, what `mix` (described figures, e.g. the machine's) holds beyond its
  // memmap array: descriptors, slabs, HVO savings, and the peak's and mean's excess over
  // the array, each scaled by undescribed_pages / mix.pages (integers rounded down). The
  // array is the same whatever the pages hold. `all` itself if mix.pages == 0.
  static Figures Extrapolated(const Figures& all, uint64_t undescribed_pages, const Figures& mix);

  // Static memmap bytes of a node (set once, before any change).
  void SetStatic(uint32_t node, uint64_t bytes);
  // Every node's static bytes, where its array lives and its waste, from the model's
  // layout (set once, before any change; what a model's constructor calls).
  // REQUIRES: layout.num_nodes() == num_nodes().
  void SetMemmap(const MemmapLayout& layout);
  // Applies deltas at time_ns (times may repeat; a time earlier than the last one counts
  // as the last one).
  void Change(uint64_t time_ns, uint32_t node, int64_t descriptor_live_delta, int64_t slab_delta,
              int64_t hvo_saved_delta);
  // A descriptor of `owner` was allocated (+1, +bytes) or freed (-1, -bytes). The byte
  // deltas also go through Change(); this only splits them by owner type.
  void ChangeOwnerDescriptors(trace::OwnerType owner, int64_t count_delta, int64_t bytes_delta);
  // Closes the time-weighted mean at time_ns.
  void Finish(uint64_t time_ns);

  size_t num_nodes() const { return nodes_.size(); }
  Figures node(uint32_t node) const { return Snapshot(nodes_[node]); }
  Figures machine() const { return Snapshot(machine_); }
  OwnerDescriptors owner_descriptors(trace::OwnerType owner) const { return owners_[owner]; }
  // The node whose memory holds node `node`'s memmap array (itself unless SetMemmap said
  // otherwise), the memmap_on_memory waste inside its static bytes, and the placement as text.
  uint32_t memmap_node(uint32_t node) const { return placement_[node].memmap_node; }
  uint64_t memmap_waste_bytes(uint32_t node) const { return placement_[node].waste_bytes; }
  const std::string& memmap_placement_text(uint32_t node) const { return placement_[node].text; }

 private:
  struct Account {
    Figures f;
    double integral = 0;  // byte-ns
    uint64_t first_ns = 0;
    uint64_t last_ns = 0;
    bool started = false;
  };
  static void Advance(Account& a, uint64_t time_ns);
  static void Apply(Account& a, int64_t live, int64_t slab, int64_t hvo);
  static Figures Snapshot(const Account& a);

  struct Placement {
    uint32_t memmap_node = 0;
    uint64_t waste_bytes = 0;
    std::string text = "local";
  };

  std::vector<Account> nodes_;
  std::vector<Placement> placement_;
  Account machine_;
  std::array<OwnerDescriptors, 32> owners_{};
};

}  // namespace memsim::memmap

#endif  // MEMSIM_SIM_MEMMAP_OVERHEAD_TRACKER_H_
