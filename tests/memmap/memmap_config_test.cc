// Config loading, validation messages, and the registry.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/memmap/builtin_models.h"
#include "sim/memmap/memmap_model_config.h"
#include "sim/memmap/model_registry.h"
#include "sim/memmap/struct_page_model.h"

namespace memsim::memmap {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::vector<mm::NodeLayout> kNode = {{0, 0, 32768, {}}};

TEST(MemmapConfigTest, ShippedConfigsLoadAndBuild) {
  ModelRegistry registry;
  RegisterBuiltinModels(registry);
  for (const char* name : {"page64", "page32", "memdesc", "allocatee", "memdesc-cpu-node",
                           "memdesc-realloc", "page64-hvo"}) {
    const std::string path =
        std::string(MEMSIM_SOURCE_DIR) + "/configs/models/" + name + ".textproto";
    absl::StatusOr<config::MemmapModelConfig> config = LoadMemmapModelConfig(path);
    ASSERT_TRUE(config.ok()) << path << ": " << config.status();
    absl::StatusOr<std::unique_ptr<MemmapModel>> model = registry.Create(*config, kNode);
    ASSERT_TRUE(model.ok()) << model.status();
  }
}

TEST(MemmapConfigTest, DefaultsComeFromTheProto) {
  absl::StatusOr<config::MemmapModelConfig> c = ParseMemmapModelConfig("memdesc {}", "t");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->memdesc().sizes().file_folio_bytes(), 80u);
  EXPECT_EQ(c->memdesc().sizes().slab_bytes(), 64u);
  EXPECT_EQ(c->memdesc().slab().align_bytes(), 16u);
  EXPECT_EQ(ModelKey(*c), "memdesc");
}

TEST(MemmapConfigTest, ValidationNamesTheField) {
  auto check = [](const std::string& text, const std::string& fragment) {
    absl::StatusOr<config::MemmapModelConfig> c = ParseMemmapModelConfig(text, "t");
    ASSERT_TRUE(c.ok()) << c.status();
    absl::Status s = ValidateMemmapModelConfig(*c);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(s.message(), HasSubstr(fragment)) << text;
  };
  check("memdesc { slab { align_bytes: 8 } }", "memdesc.slab.align_bytes: must be a power of two");
  check("memdesc { sizes { anon_folio_bytes: 5000 } }", "memdesc.sizes.anon_folio_bytes");
  check("page64 { struct_page { section_mib: 100 } }", "page64.struct_page.section_mib");
  check("allocatee { vm_struct_bytes: 0 }", "allocatee.vm_struct_bytes");
  check("memdesc { slab { slab_page_order: 5 } }", "memdesc.slab.slab_page_order: must be <= 4");
  check("label: \"x\"", "model: none of page64");
}

TEST(MemmapConfigTest, ParseErrorsNameLineAndColumn) {
  absl::StatusOr<config::MemmapModelConfig> c =
      ParseMemmapModelConfig("memdesc {\n  bogus: 1\n}\n", "m.textproto");
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(), HasSubstr("m.textproto:2:"));
  EXPECT_THAT(c.status().message(), HasSubstr("bogus"));
  absl::StatusOr<config::MemmapModelConfig> missing = LoadMemmapModelConfig("/nonexistent.tp");
  EXPECT_FALSE(missing.ok());
}

TEST(ModelRegistryTest, ExplicitRegistration) {
  ModelRegistry registry;
  absl::StatusOr<config::MemmapModelConfig> c = ParseMemmapModelConfig("page64 {}", "t");
  auto missing = registry.Create(*c, kNode);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("\"page64\" is not registered"));
  RegisterBuiltinModels(registry);
  EXPECT_THAT(registry.names(), ElementsAre("allocatee", "memdesc", "page32", "page64"));
  EXPECT_EQ(registry.Register("page64", &CreatePage64Model).code(),
            absl::StatusCode::kAlreadyExists);
  auto model = registry.Create(*c, kNode);
  ASSERT_TRUE(model.ok());
  EXPECT_EQ((*model)->name(), "page64");
  auto bad = ParseMemmapModelConfig("memdesc { slab { align_bytes: 24 } }", "t");
  EXPECT_EQ(registry.Create(*bad, kNode).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace memsim::memmap
