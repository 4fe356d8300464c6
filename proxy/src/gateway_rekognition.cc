// The Rekognition request path: parse, decide, forward under the obligations, filter.
#include <algorithm>
#include <cctype>

#include "gateway_impl.h"
#include "oversight/common/encoding.h"
#include "oversight/common/hash.h"
#include "oversight/policy/decision_json.h"
#include "oversight/policy/request.h"
#include "oversight/proxy/aws_json.h"
#include "oversight/proxy/request_context.h"

namespace oversight::proxy {
namespace {

// What the proxy needs from a call's body: the values rules see and the probe hashes.
struct CallInfo {
  Json request = Json::object();  // the policy document's "request" member
  Json images = Json::object();   // member name -> SHA-256 of the decoded bytes
};

std::optional<AwsError> ReadImage(const Json& body, const char* member, std::size_t max_bytes,
                                  CallInfo& info) {
  auto it = body.find(member);
  if (it == body.end()) return std::nullopt;  // the matcher reports a missing image
  if (!it->is_object())
    return AwsError{ErrorType::kInvalidParameter, std::string(member) + " must be an object"};
  if (it->contains("S3Object")) {
    return AwsError{ErrorType::kInvalidParameter,
                    std::string(member) + ".S3Object is not supported: send the image as Bytes"};
  }
  auto bytes = it->find("Bytes");
  if (bytes == it->end() || !bytes->is_string()) {
    return AwsError{ErrorType::kInvalidParameter,
                    std::string(member) + ".Bytes must be base64 text"};
  }
  const std::string& text = bytes->get_ref<const std::string&>();
  if (text.size() / 4 * 3 > max_bytes + 3) {
    return AwsError{ErrorType::kImageTooLarge, std::string(member) + " is larger than 5 MiB"};
  }
  auto decoded = Base64Decode(text);
  if (!decoded.ok()) {
    return AwsError{ErrorType::kInvalidParameter,
                    std::string(member) + ".Bytes is not valid base64"};
  }
  if (decoded->size() > max_bytes) {
    return AwsError{ErrorType::kImageTooLarge, std::string(member) + " is larger than 5 MiB"};
  }
  info.images[member] = HexEncode(Sha256(*decoded));
  return std::nullopt;
}

std::optional<AwsError> ReadNumber(const Json& body, const char* member, const char* field,
                                   CallInfo& info) {
  auto it = body.find(member);
  if (it == body.end()) return std::nullopt;
  if (!it->is_number())
    return AwsError{ErrorType::kInvalidParameter, std::string(member) + " must be a number"};
  info.request[field] = it->get<double>();
  return std::nullopt;
}

std::optional<AwsError> ReadCall(Operation op, const Json& body, std::size_t max_image,
                                 CallInfo& info) {
  if (auto it = body.find("CollectionId"); it != body.end()) {
    if (!it->is_string())
      return AwsError{ErrorType::kInvalidParameter, "CollectionId must be a string"};
    info.request["collection"] = *it;
  }
  const char* threshold =
      op == Operation::kCompareFaces ? "SimilarityThreshold" : "FaceMatchThreshold";
  if (auto e = ReadNumber(body, threshold, "threshold", info)) return e;
  if (op != Operation::kIndexFaces) {
    if (auto e = ReadNumber(body, "MaxFaces", "max_results", info)) return e;
  }
  for (const char* member : {"Image", "SourceImage", "TargetImage"}) {
    if (auto e = ReadImage(body, member, max_image, info)) return e;
  }
  return std::nullopt;
}

WireObligations ToWire(const policy::Obligations& ob) {
  WireObligations w;
  w.min_similarity = ob.min_similarity;
  w.max_results = ob.max_results;
  for (std::string_view s : ob.exclude_record_status) w.exclude_record_status.emplace_back(s);
  w.human_review_required = ob.human_review_required;
  for (std::string_view n : ob.notices) w.notices.emplace_back(n);
  return w;
}

std::string DenialMessage(const policy::Decision& d) {
  std::string msg = "Denied by rule pack " + std::string(d.pack_name) + " (sha256 " +
                    std::string(d.pack_sha256.substr(0, 12)) + "): ";
  const auto reasons = d.Reasons();
  for (std::size_t i = 0; i < reasons.size(); ++i) msg += (i ? "; " : "") + reasons[i];
  return msg;
}

bool IsSearchLike(Operation op) {
  return op == Operation::kSearchFacesByImage || op == Operation::kSearchFaces ||
         op == Operation::kCompareFaces;
}

std::vector<std::string> FaceIdsAt(const Json& reply, const char* array, bool nested_face) {
  std::vector<std::string> out;
  auto it = reply.find(array);
  if (it == reply.end() || !it->is_array()) return out;
  for (const Json& item : *it) {
    const Json* holder = &item;
    if (nested_face) {
      auto face = item.find("Face");
      if (face == item.end() || !face->is_object()) continue;
      holder = &*face;
    }
    if (holder->is_string()) {
      out.push_back(holder->get<std::string>());
    } else if (auto id = holder->find("FaceId"); id != holder->end() && id->is_string()) {
      out.push_back(id->get<std::string>());
    }
  }
  return out;
}

// Context headers decide what a search may do, so they must be covered by the signature:
// otherwise a captured request could be replayed, within the skew window, under another warrant.
std::optional<AwsError> CheckContextHeadersSigned(const Request& request) {
  std::string_view auth;
  AwsError ignored;
  if (!SingleHeader(request.headers, "authorization", &auth)) return std::nullopt;
  auto parsed = ParseAuthorization(auth, &ignored);
  if (!parsed) return std::nullopt;
  for (const auto& [name, value] : request.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.rfind(kContextHeaderPrefix, 0) != 0) continue;
    if (std::find(parsed->signed_headers.begin(), parsed->signed_headers.end(), lower) ==
        parsed->signed_headers.end()) {
      return AwsError{ErrorType::kInvalidSignature,
                      "header " + name + " must be included in SignedHeaders"};
    }
  }
  return std::nullopt;
}

}  // namespace

Outcome Gateway::Impl::Rekognition(const Request& request, Json& log) {
  AwsError error;
  const auto op = ValidateJsonEnvelope(request, &error);
  if (!op) {
    log["operation"] = "invalid";
    log["decision"] = {{"allow", false}, {"stage", "protocol"}};
    return Fail(error.type, error.message);
  }
  const std::string op_name(OperationName(*op));
  log["operation"] = op_name;
  auto caller = Authenticate(request, options.sigv4, log, &error);
  if (!caller) return Fail(error.type, error.message);
  const ApiOp api_op = ApiOpFor(*op);
  if (auto unsigned_header = CheckContextHeadersSigned(request)) {
    log["decision"] = {{"allow", false}, {"stage", "authentication"}};
    return Fail(unsigned_header->type, unsigned_header->message);
  }
  if (auto refused = Admit(*caller, api_op, log)) return Fail(refused->type, refused->message);

  std::optional<Json> body = ParseObject(request.body.empty() ? "{}" : request.body);
  if (!body) {
    log["decision"] = {{"allow", false}, {"stage", "protocol"}};
    return Fail(ErrorType::kSerialization, "the request body is not a JSON object");
  }
  CallInfo info;
  if (auto bad = ReadCall(*op, *body, options.max_image_bytes, info)) {
    log["decision"] = {{"allow", false}, {"stage", "validation"}};
    return Fail(bad->type, bad->message);
  }
  if (!info.images.empty()) log["images"] = info.images;

  auto context = ContextFromHeaders(request.headers);
  if (context.ok() && caller->session) {
    Json bound = caller->session->context;
    Status merged = MergeContext(bound, *context);
    if (!merged.ok())
      context = merged;
    else
      context = std::move(bound);
  }
  if (!context.ok()) {
    log["decision"] = {{"allow", false}, {"stage", "validation"}};
    return Fail(ErrorType::kInvalidParameter, context.status().message());
  }
  RecordFields record_fields;
  if (*op == Operation::kIndexFaces) {
    auto fields = RecordFieldsFromHeaders(request.headers);
    Status valid = fields.ok() ? ValidateRecordFields(fields->subject, fields->booking_number,
                                                      fields->charge_status)
                               : fields.status();
    if (!valid.ok()) {
      log["decision"] = {{"allow", false}, {"stage", "validation"}};
      return Fail(ErrorType::kInvalidParameter, valid.message());
    }
    record_fields = *fields;
    log["record"] = {{"charge_status", record_fields.charge_status}};
  }

  WireObligations obligations;
  const auto action = PolicyActionFor(api_op);
  std::shared_ptr<const policy::CompiledPack> pack = deps.policy->Current();
  if (action) {
    Json doc = BuildRequestDocument(*caller->principal, options.agency_type, *action, *context,
                                    info.request);
    log["document"] = doc;
    auto parsed = policy::ParseJsonc(Dump(doc), "request");
    StatusOr<policy::RequestDoc> rdoc =
        parsed.ok() ? policy::RequestFromJson(*parsed, "request") : parsed.status();
    if (!rdoc.ok()) {
      log["decision"] = {{"allow", false}, {"stage", "validation"}};
      return Fail(ErrorType::kInvalidParameter, rdoc.status().message());
    }
    const policy::Decision decision =
        pack->Evaluate(*rdoc, {deps.warrants, &history, deps.clock->Now()});
    log["decision"] = Json::parse(policy::DecisionToJson(decision));
    log["decision"]["stage"] = "policy";
    if (!decision.allow) return Fail(ErrorType::kAccessDenied, DenialMessage(decision));
    obligations = ToWire(decision.obligations);
  } else {
    log["decision"] = {{"allow", true}, {"stage", "role"}};
    if (!context->empty()) log["document"] = {{"context", *context}};
  }

  const std::string collection = info.request.value("collection", "");
  ApplyToRequest(*op, obligations,
                 deps.records->CountWithStatus(collection, obligations.exclude_record_status),
                 *body);
  auto reply = deps.upstream->Call(op_name, Dump(*body), request.request_id);
  if (!reply.ok()) {
    metrics.Add("oversight_upstream_errors_total", "", "");
    log["outcome"]["upstream_error"] = reply.status().ToString();
    return Fail(ErrorType::kServiceUnavailable, "the face matcher is unavailable; try again later");
  }
  std::optional<Json> answer = ParseObject(reply->body);
  if (!answer) {
    log["outcome"]["upstream_error"] = "the matcher's answer is not a JSON object";
    return Fail(ErrorType::kServiceUnavailable,
                "the face matcher answered with something that is not JSON");
  }
  if (reply->http_status != 200) {
    Outcome passed;
    passed.status = reply->http_status;
    passed.raw_body = reply->body;
    passed.content_type = std::string(kAwsJsonContentType);
    log["outcome"]["error"] = {{"type", answer->value("__type", "")},
                               {"message", answer->value("message", "")}};
    return passed;
  }

  Outcome ok;
  ok.obligations = obligations;
  Json& result = log["outcome"];
  if (IsSearchLike(*op)) {
    auto status_of = [this](std::string_view id) { return deps.records->StatusOf(id); };
    FilterResult filtered = FilterReply(*op, obligations, status_of, *answer);
    Json matches = Json::array();
    std::vector<std::string> subjects;
    for (const Match& m : filtered.kept) {
      matches.push_back({{"face_id", m.face_id}, {"similarity", m.similarity}});
      if (m.face_id.empty()) continue;
      auto rec = deps.records->Get(m.face_id);
      subjects.push_back(rec.ok() && !rec->subject.empty() ? rec->subject : m.face_id);
    }
    result["matches"] = std::move(matches);
    result["dropped"] = {{"below_floor", filtered.below_floor},
                         {"excluded", filtered.excluded},
                         {"over_cap", filtered.over_cap}};
    SearchEvent event{deps.clock->Now(),
                      caller->principal->id,
                      context->value("case_id", ""),
                      context->value("camera_id", ""),
                      context->value("location", ""),
                      std::move(subjects)};
    ok.after_append = [this, event = std::move(event)](const ledger::Receipt&) mutable {
      history.Add(std::move(event));
    };
  } else if (*op == Operation::kIndexFaces) {
    const std::vector<std::string> ids = FaceIdsAt(*answer, "FaceRecords", true);
    result["face_ids"] = ids;
    for (const std::string& id : ids) {
      Record r;
      r.face_id = id;
      r.collection = collection;
      r.subject = record_fields.subject;
      r.booking_number = record_fields.booking_number;
      r.charge_status = record_fields.charge_status;
      Status created = deps.records->Create(r, caller->principal->id);
      if (!created.ok()) {
        // A face without its record would escape exclusion and purging: take it back out.
        (void)deps.upstream->Call("DeleteFaces",
                                  Dump({{"CollectionId", collection}, {"FaceIds", ids}}),
                                  request.request_id);
        for (const std::string& done : ids) (void)deps.records->Remove(done);
        result["record_error"] = created.ToString();
        return Fail(ErrorType::kServiceUnavailable,
                    "the faces could not be recorded; nothing was enrolled");
      }
    }
    ok.undo = [this, collection, ids, rid = request.request_id] {
      (void)deps.upstream->Call("DeleteFaces",
                                Dump({{"CollectionId", collection}, {"FaceIds", ids}}), rid);
      for (const std::string& id : ids) (void)deps.records->Remove(id);
    };
  } else if (*op == Operation::kDeleteFaces) {
    const std::vector<std::string> ids = FaceIdsAt(*answer, "DeletedFaces", false);
    result["face_ids"] = ids;
    for (const std::string& id : ids) (void)deps.records->Remove(id);
  } else if (*op == Operation::kDeleteCollection) {
    for (const std::string& id : deps.records->FaceIdsIn(collection))
      (void)deps.records->Remove(id);
  }
  ok.body = std::move(*answer);
  return ok;
}

}  // namespace oversight::proxy
