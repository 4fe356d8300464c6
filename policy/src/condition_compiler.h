// Private: compiles one JSON condition into Program nodes, type-checking it against the schema.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "oversight/policy/diagnostic.h"
#include "program.h"

namespace oversight::policy::internal {

class ConditionCompiler {
 public:
  ConditionCompiler(std::string_view source, Program& program, std::vector<Diagnostic>& diags)
      : source_(source), program_(program), diags_(diags) {}

  // Index of the compiled root node, or nullopt after recording at least one error.
  std::optional<std::uint32_t> Compile(const JsonValue& condition, int depth = 0);

 private:
  void Error(JsonPos pos, std::string code, std::string message);
  std::optional<std::uint32_t> CompileGroup(const JsonValue& v, NodeKind kind, int depth);
  std::optional<std::uint32_t> CompileAtom(const JsonValue& v);
  std::optional<FieldId> ResolvePath(const JsonValue& v);
  bool CompileWindow(const JsonValue& v, const FieldInfo& f, Atom& atom);
  bool CompileOperand(const JsonValue& v, Atom& atom);
  bool ScalarLiteral(const FieldInfo& f, const JsonValue& v, Operand& out);
  bool Reference(const FieldInfo& f, const JsonValue& v, Operand& out);
  bool ListLiteral(const FieldInfo& f, const JsonValue& v, Atom& atom);
  std::uint32_t AddNode(Node node);

  std::string_view source_;
  Program& program_;
  std::vector<Diagnostic>& diags_;
  std::map<std::pair<FieldId, std::int64_t>, int> history_slots_;
};

}  // namespace oversight::policy::internal
