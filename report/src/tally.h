// Counts one entry at a time into a Report. The one file that reads payload JSON for reports.
#pragma once

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <set>
#include <string>
#include <string_view>

#include "oversight/ledger/entry.h"
#include "oversight/report/report.h"

namespace oversight::report::internal {

class Tally {
 public:
  Tally(Report& report, const policy::WarrantRegistry* warrants)
      : report_(report), warrants_(warrants) {}

  // Counts `entry` if it lies in the report's period. Never fails: a payload that is not what
  // the proxy writes is counted as unreadable.
  void Add(const ledger::EntryView& entry);
  // Completes the figures that need every entry (distinct warrants per court).
  void Finish();

 private:
  void AddRequest(std::string_view time, const nlohmann::json& payload);
  void AddPurge(const nlohmann::json& payload);
  void AddRulesChange(const ledger::EntryView& entry, const nlohmann::json& payload);
  std::string CourtOf(const std::string& warrant_id);

  Report& report_;
  const policy::WarrantRegistry* warrants_;
  std::map<std::string, std::set<std::string>> warrant_ids_by_court_;
  std::map<std::string, std::string> court_cache_;
};

}  // namespace oversight::report::internal
