// OverheadTracker::Described and ::Extrapolated (docs/results.md, "overhead"): the figures of
// the memory a trace described, and the whole under the "extrapolate" rule, by hand.
#include "sim/memmap/overhead_tracker.h"

#include "gtest/gtest.h"

namespace memsim::memmap {
namespace {

// A 1 GiB node (262144 pages) with an 8-byte word per page (2 MiB of array), 6000 B of
// descriptors in 8 KiB of slabs at the end, 12 KiB of slabs at the peak, a mean of
// 2103296.5 B.
OverheadTracker::Figures OneGiB() {
  OverheadTracker::Figures f;
  f.ram_bytes = 1u << 30;
  f.pages = 262144;
  f.static_bytes = 2097152;
  f.descriptor_live_bytes = 6000;
  f.slab_bytes = 8192;
  f.total_bytes = 2097152 + 8192;
  f.peak_total_bytes = 2097152 + 12288;
  f.mean_total_bytes = 2103296.5;
  return f;
}

TEST(OverheadTrackerTest, NodeAndMachinePagesFromRam) {
  OverheadTracker t({1u << 30, 1u << 29});
  EXPECT_EQ(t.node(0).pages, 262144u);
  EXPECT_EQ(t.node(1).pages, 131072u);
  EXPECT_EQ(t.machine().pages, 393216u);
}

// A quarter of the pages described: they keep a quarter of the array (524288 B) and every
// descriptor and slab; the other 1572864 B of array leave final, peak and mean alike.
TEST(OverheadTrackerTest, DescribedKeepsItsArrayShareAndEveryDescriptor) {
  const OverheadTracker::Figures d = OverheadTracker::Described(OneGiB(), 65536);
  EXPECT_EQ(d.pages, 65536u);
  EXPECT_EQ(d.ram_bytes, 65536u * 4096);
  EXPECT_EQ(d.static_bytes, 524288u);
  EXPECT_EQ(d.descriptor_live_bytes, 6000u);
  EXPECT_EQ(d.slab_bytes, 8192u);
  EXPECT_EQ(d.hvo_saved_bytes, 0u);
  EXPECT_EQ(d.total_bytes, 524288u + 8192);
  EXPECT_EQ(d.peak_total_bytes, 524288u + 12288);
  EXPECT_EQ(d.mean_total_bytes, 2103296.5 - 1572864);
  // 532480 / 268435456 = 130 / 65536 of the described RAM.
  EXPECT_EQ(d.percent_of_ram(), 0.1983642578125);
}

TEST(OverheadTrackerTest, DescribedArrayShareRoundsDown) {
  OverheadTracker::Figures all;
  all.ram_bytes = 3 * 4096;
  all.pages = 3;
  all.static_bytes = 100;  // e.g. rounded up to whole sections
  all.total_bytes = all.peak_total_bytes = 100;
  all.mean_total_bytes = 100;
  const OverheadTracker::Figures d = OverheadTracker::Described(all, 1);
  EXPECT_EQ(d.static_bytes, 33u);  // floor(100 / 3)
  EXPECT_EQ(d.total_bytes, 33u);
  EXPECT_EQ(OverheadTracker::Described(all, 3).static_bytes, 100u);
  EXPECT_EQ(OverheadTracker::Described(all, 0).static_bytes, 0u);
}

// The other three quarters extrapolated from the described quarter: three times its
// descriptors (18000 B), slabs (24576 B), peak excess over the array (3 * 12288) and mean
// excess (3 * 6144.5); the array is the node's. A uniform mix gives the described
// percentage back.
TEST(OverheadTrackerTest, ExtrapolatedScalesTheDescribedMixToUndescribedPages) {
  const OverheadTracker::Figures all = OneGiB();
  const OverheadTracker::Figures d = OverheadTracker::Described(all, 65536);
  const OverheadTracker::Figures w = OverheadTracker::Extrapolated(all, 196608, d);
  EXPECT_EQ(w.pages, 262144u);
  EXPECT_EQ(w.ram_bytes, 1u << 30);
  EXPECT_EQ(w.static_bytes, 2097152u);
  EXPECT_EQ(w.descriptor_live_bytes, 6000u + 18000);
  EXPECT_EQ(w.slab_bytes, 8192u + 24576);
  EXPECT_EQ(w.total_bytes, 2097152u + 32768);
  EXPECT_EQ(w.peak_total_bytes, 2097152u + 12288 + 36864);
  EXPECT_EQ(w.mean_total_bytes, 2103296.5 + 18433.5);
  EXPECT_EQ(w.percent_of_ram(), d.percent_of_ram());
}

TEST(OverheadTrackerTest, ExtrapolatedRoundsDownAndScalesHvo) {
  OverheadTracker::Figures mix;
  mix.pages = 3;
  mix.static_bytes = 24;
  mix.descriptor_live_bytes = 1000;
  mix.slab_bytes = 4096;
  mix.hvo_saved_bytes = 4096;
  mix.total_bytes = mix.peak_total_bytes = 24;
  mix.mean_total_bytes = 24;
  OverheadTracker::Figures all = mix;
  all.pages = 4;
  all.static_bytes = all.total_bytes = all.peak_total_bytes = 32;
  all.mean_total_bytes = 32;
  const OverheadTracker::Figures w = OverheadTracker::Extrapolated(all, 1, mix);
  EXPECT_EQ(w.descriptor_live_bytes, 1000u + 333);  // floor(1000 / 3)
  EXPECT_EQ(w.slab_bytes, 4096u + 1365);            // floor(4096 / 3)
  EXPECT_EQ(w.hvo_saved_bytes, 4096u + 1365);
  EXPECT_EQ(w.total_bytes, 32u);
  EXPECT_EQ(w.peak_total_bytes, 32u);
  EXPECT_EQ(w.mean_total_bytes, 32.0);
}

TEST(OverheadTrackerTest, NothingDescribedLeavesTheFiguresAsReplayed) {
  const OverheadTracker::Figures all = OneGiB();
  OverheadTracker::Figures none = OverheadTracker::Described(all, 0);
  EXPECT_EQ(none.static_bytes, 0u);
  const OverheadTracker::Figures w = OverheadTracker::Extrapolated(all, 262144, none);
  EXPECT_EQ(w.total_bytes, all.total_bytes);
  EXPECT_EQ(w.slab_bytes, all.slab_bytes);
}

}  // namespace
}  // namespace memsim::memmap
