// Config loading, validation messages, and the registry.
#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/memmap/builtin_models.h"
#include "sim/memmap/memmap_model_config.h"
#include "sim/memmap/model_registry.h"
#include "sim/memmap/model_spec.h"
#include "sim/memmap/struct_page_model.h"

namespace memsim::memmap {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::vector<mm::NodeLayout> kNode = {{0, 0, 32768, {}}};

TEST(MemmapConfigTest, ShippedConfigsLoadAndBuild) {
  ModelRegistry registry;
  RegisterBuiltinModels(registry);
  // Every shipped config (the directory, so a new preset is covered without a test edit).
  std::vector<std::string> paths;
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(MEMSIM_SOURCE_DIR) + "/configs/models")) {
    if (e.path().extension() == ".textproto") paths.push_back(e.path().string());
  }
  EXPECT_GE(paths.size(), 11u);
  for (const std::string& path : paths) {
    absl::StatusOr<config::MemmapModelConfig> config = LoadMemmapModelConfig(path, registry);
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
    absl::Status s = BuiltinModels().Validate(*c);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(s.message(), HasSubstr(fragment)) << text;
  };
  check("memdesc { slab { align_bytes: 8 } }", "memdesc.slab.align_bytes: must be a power of two");
  check("memdesc { sizes { anon_folio_bytes: 5000 } }", "memdesc.sizes.anon_folio_bytes");
  check("page64 { struct_page { section_mib: 100 } }", "page64.struct_page.section_mib");
  check("allocatee { vm_struct_bytes: 0 }", "allocatee.vm_struct_bytes");
  check("memdesc { slab { slab_page_order: 5 } }", "memdesc.slab.slab_page_order: must be <= 4");
  check("label: \"x\"", "model: none of page64, page32, memdesc, allocatee");
}

TEST(MemmapConfigTest, ParseErrorsNameLineAndColumn) {
  absl::StatusOr<config::MemmapModelConfig> c =
      ParseMemmapModelConfig("memdesc {\n  bogus: 1\n}\n", "m.textproto");
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(), HasSubstr("m.textproto:2:"));
  EXPECT_THAT(c.status().message(), HasSubstr("bogus"));
  absl::StatusOr<config::MemmapModelConfig> missing =
      LoadMemmapModelConfig("/nonexistent.tp", BuiltinModels());
  EXPECT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("/nonexistent.tp"));
}

TEST(ModelRegistryTest, ExplicitRegistration) {
  ModelRegistry registry;
  absl::StatusOr<config::MemmapModelConfig> c = ParseMemmapModelConfig("page64 {}", "t");
  auto missing = registry.Create(*c, kNode);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("\"page64\" is not registered"));
  RegisterBuiltinModels(registry);
  // The shipped models, in registration order (more may follow).
  const std::vector<std::string> names = registry.names();
  ASSERT_GE(names.size(), 4u);
  EXPECT_THAT(std::vector<std::string>(names.begin(), names.begin() + 4),
              ElementsAre("page64", "page32", "memdesc", "allocatee"));
  EXPECT_EQ(registry.Register("page64", &ValidatePage64Config, &CreatePage64Model).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(registry.Register("page64x", nullptr, &CreatePage64Model).code(),
            absl::StatusCode::kInvalidArgument);
  auto model = registry.Create(*c, kNode);
  ASSERT_TRUE(model.ok());
  EXPECT_EQ((*model)->name(), "page64");
  auto bad = ParseMemmapModelConfig("memdesc { slab { align_bytes: 24 } }", "t");
  EXPECT_EQ(registry.Create(*bad, kNode).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ModelRegistryTest, BuiltinModelsIsOneRegistryOfTheShippedModels) {
  EXPECT_EQ(&BuiltinModels(), &BuiltinModels());
  ModelRegistry registry;
  RegisterBuiltinModels(registry);
  EXPECT_EQ(BuiltinModels().names(), registry.names());
}

// Each registered model checks its own config: the registry hands a config to the validator
// of its model only.
absl::Status RejectEverything(const config::MemmapModelConfig&) {
  return absl::InvalidArgumentError("page64.toy: rejected");
}

TEST(ModelRegistryTest, ValidationIsTheModelsOwn) {
  ModelRegistry registry;
  ASSERT_TRUE(registry.Register("page64", &RejectEverything, &CreatePage64Model).ok());
  ASSERT_TRUE(registry.Register("page32", &ValidatePage32Config, &CreatePage32Model).ok());
  auto page64 = ParseMemmapModelConfig("page64 {}", "t");
  auto page32 = ParseMemmapModelConfig("page32 {}", "t");
  auto memdesc = ParseMemmapModelConfig("memdesc {}", "t");
  EXPECT_EQ(registry.Validate(*page64).message(), "page64.toy: rejected");
  EXPECT_EQ(registry.Create(*page64, kNode).status().message(), "page64.toy: rejected");
  EXPECT_TRUE(registry.Validate(*page32).ok());
  EXPECT_EQ(registry.Validate(*memdesc).code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(registry.Validate(*memdesc).message(),
              HasSubstr("\"memdesc\" is not registered (have: page64, page32)"));
}

TEST(ModelSpecTest, NamesAndFilesResolve) {
  auto named = ResolveModelSpec("allocatee", BuiltinModels());
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_EQ(ModelKey(*named), "allocatee");
  EXPECT_EQ(named->label(), "allocatee");
  auto file = ResolveModelSpec(
      std::string(MEMSIM_SOURCE_DIR) + "/configs/models/memdesc-cpu-node.textproto",
      BuiltinModels());
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(ModelKey(*file), "memdesc");
  auto unknown = ResolveModelSpec("page16", BuiltinModels());
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.status().message(),
              HasSubstr("unknown model 'page16' (registered: page64, page32, memdesc, allocatee"));
}

}  // namespace
}  // namespace memsim::memmap
