// Private: evaluates compiled conditions against one request. One EvalState per evaluation,
// on the stack; it caches the lazily fetched warrant and history counts. Not thread-safe (it
// is never shared); the Program it reads is immutable and shared.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include "oversight/policy/facts.h"
#include "oversight/policy/request.h"
#include "program.h"

namespace oversight::policy::internal {

// A non-owning view of one field's value during evaluation.
struct ValueView {
  bool present = false;
  double number = 0;
  std::int64_t scalar = 0;
  std::string_view str;
  const std::vector<std::string>* set = nullptr;
};

class EvalState {
 public:
  EvalState(const Program& program, const RequestDoc& request, const Facts& facts);

  // Result of node `index`. With `trace`, every child is evaluated (no short-circuit) and each
  // node's result stored at trace[node]; trace must have program.nodes.size() entries.
  Tri EvalNode(std::uint32_t index, std::vector<Tri>* trace);
  Tri EvalAtom(const Atom& atom);
  Tri EvalRule(std::size_t rule, std::vector<Tri>* trace);

  // The value a field has in this evaluation (history fields need their atom's window).
  ValueView Read(FieldId field, const Atom* atom);

 private:
  ValueView ReadWarrant(const FieldInfo& f);
  ValueView ReadHistory(const Atom& atom);
  void LoadWarrant();
  bool OperandText(const Atom& atom, std::string_view& out);

  const Program& program_;
  const RequestDoc& request_;
  const Facts& facts_;
  std::int64_t now_ns_;
  bool warrant_loaded_ = false;
  bool warrant_failed_ = false;
  std::optional<Warrant> warrant_;
  std::array<std::int64_t, kHistoryCacheSize> history_counts_{};
  std::array<std::uint8_t, kHistoryCacheSize> history_state_{};  // 0 unknown, 1 ok, 2 failed
};

}  // namespace oversight::policy::internal
