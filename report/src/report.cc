#include "oversight/report/report.h"

#include "tally.h"

namespace oversight::report {

StatusOr<Report> BuildReport(const SourceSpec& spec, Provenance provenance,
                             const ReportOptions& options) {
  Report report;
  report.period = options.period;
  internal::Tally tally(report, options.warrants);
  OVERSIGHT_RETURN_IF_ERROR(ForEachEntry(
      spec,
      [&tally](const ledger::EntryView& e) {
        tally.Add(e);
        return Status::Ok();
      },
      &provenance));
  tally.Finish();
  report.provenance = std::move(provenance);
  return report;
}

}  // namespace oversight::report
