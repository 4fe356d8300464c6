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
  // Only the hash is kept here (the matcher decodes the image itself), so the bytes are never
  // held whole.
  std::size_t size = 0;
  auto digest = Sha256OfBase64(text, &size);
  if (!digest.ok()) {
    return AwsError{ErrorType::kInvalidParameter,
                    std::string(member) + ".Bytes is not valid base64"};
  }
  if (size > max_bytes) {
    return AwsError{ErrorType::kImageTooLarge, std::string(member) + " is larger than 5 MiB"};
  }
  info.images[member] = HexEncode(*digest);
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

namespace {

// One Rekognition call as it moves along the path.
struct Call {
  Operation op{};
  std::string op_name;
  const Request* request = nullptr;
  const Caller* caller = nullptr;
  Json body;
  CallInfo info;
  Json context;
  RecordFields record;
  WireObligations obligations;
  std::string collection() const { return info.request.value("collection", ""); }
};

Outcome Refuse(Json& log, const char* stage, ErrorType type, std::string message) {
  log["decision"] = {{"allow", false}, {"stage", stage}};
  return Fail(type, std::move(message));
}

// Header context, merged into the case session's bound context if there is one.
StatusOr<Json> MergedContext(const Request& request, const Caller& caller) {
  OVERSIGHT_ASSIGN_OR_RETURN(Json headers, ContextFromHeaders(request.headers));
  if (!caller.session) return headers;
  Json bound = caller.session->context;
  OVERSIGHT_RETURN_IF_ERROR(MergeContext(bound, headers));
  return bound;
}

// Parses the body and everything the rules and the ledger need from the request.
std::optional<Outcome> ReadRequest(const Gateway::Impl& g, Call& call, Json& log) {
  const Request& request = *call.request;
  std::optional<Json> body = ParseObject(request.body.empty() ? "{}" : request.body);
  if (!body) {
    return Refuse(log, "protocol", ErrorType::kSerialization,
                  "the request body is not a JSON object");
  }
  call.body = std::move(*body);
  if (auto bad = ReadCall(call.op, call.body, g.options.max_image_bytes, call.info)) {
    return Refuse(log, "validation", bad->type, bad->message);
  }
  if (!call.info.images.empty()) log["images"] = call.info.images;
  auto context = MergedContext(request, *call.caller);
  if (!context.ok()) {
    return Refuse(log, "validation", ErrorType::kInvalidParameter, context.status().message());
  }
  call.context = std::move(context).value();
  if (call.op != Operation::kIndexFaces) return std::nullopt;
  auto fields = RecordFieldsFromHeaders(request.headers);
  Status valid = fields.ok() ? ValidateRecordFields(fields->subject, fields->booking_number,
                                                    fields->charge_status)
                             : fields.status();
  if (!valid.ok()) return Refuse(log, "validation", ErrorType::kInvalidParameter, valid.message());
  call.record = *fields;
  log["record"] = {{"charge_status", call.record.charge_status}};
  return std::nullopt;
}

// Searches: what was returned, what was dropped, and (after the append) the history event.
void NoteSearch(Gateway::Impl& g, const Call& call, Json& answer, Outcome& ok, Json& result) {
  auto status_of = [&g](std::string_view id) { return g.deps.records->StatusOf(id); };
  FilterResult filtered = FilterReply(call.op, call.obligations, status_of, answer);
  Json matches = Json::array();
  std::vector<std::string> subjects;
  for (const Match& m : filtered.kept) {
    matches.push_back({{"face_id", m.face_id}, {"similarity", m.similarity}});
    if (m.face_id.empty()) continue;
    auto rec = g.deps.records->Get(m.face_id);
    subjects.push_back(rec.ok() && !rec->subject.empty() ? rec->subject : m.face_id);
  }
  result["matches"] = std::move(matches);
  result["dropped"] = {{"below_floor", filtered.below_floor},
                       {"excluded", filtered.excluded},
                       {"over_cap", filtered.over_cap}};
  SearchEvent event{g.deps.clock->Now(),
                    call.caller->principal->id,
                    call.context.value("case_id", ""),
                    call.context.value("camera_id", ""),
                    call.context.value("location", ""),
                    std::move(subjects)};
  ok.after_append = [&g, event = std::move(event)](const ledger::Receipt&) mutable {
    g.history.Add(std::move(event));
  };
}

void DeleteAtMatcher(Gateway::Impl& g, const std::string& collection,
                     const std::vector<std::string>& ids, const std::string& request_id) {
  (void)g.deps.upstream->Call("DeleteFaces", Dump({{"CollectionId", collection}, {"FaceIds", ids}}),
                              request_id);
  for (const std::string& id : ids) (void)g.deps.records->Remove(id);
}

// IndexFaces: every new FaceId gets its record, or the enrolment is taken back.
std::optional<Outcome> NoteEnrolment(Gateway::Impl& g, const Call& call, const Json& answer,
                                     Outcome& ok, Json& result) {
  const std::vector<std::string> ids = FaceIdsAt(answer, "FaceRecords", true);
  result["face_ids"] = ids;
  const std::string collection = call.collection();
  for (const std::string& id : ids) {
    Record r;
    r.face_id = id;
    r.collection = collection;
    r.subject = call.record.subject;
    r.booking_number = call.record.booking_number;
    r.charge_status = call.record.charge_status;
    Status created = g.deps.records->Create(r, call.caller->principal->id);
    if (!created.ok()) {
      // A face without its record would escape exclusion and purging: take it back out.
      DeleteAtMatcher(g, collection, ids, call.request->request_id);
      result["record_error"] = created.ToString();
      return Fail(ErrorType::kServiceUnavailable,
                  "the faces could not be recorded; nothing was enrolled");
    }
  }
  ok.undo = [&g, collection, ids, rid = call.request->request_id] {
    DeleteAtMatcher(g, collection, ids, rid);
  };
  return std::nullopt;
}

// Forwards the call under its obligations and turns the matcher's answer into the outcome.
Outcome Forward(Gateway::Impl& g, Call& call, Json& log) {
  const std::string collection = call.collection();
  ApplyToRequest(
      call.op, call.obligations,
      g.deps.records->CountWithStatus(collection, call.obligations.exclude_record_status),
      call.body);
  auto reply = g.deps.upstream->Call(call.op_name, Dump(call.body), call.request->request_id);
  if (!reply.ok()) {
    g.metrics.Add("oversight_upstream_errors_total", "", "");
    log["outcome"]["upstream_error"] = reply.status().ToString();
    return Fail(ErrorType::kServiceUnavailable, "the face matcher is unavailable; try again later");
  }
  std::optional<Json> answer = ParseObject(reply->body);
  if (!answer) {
    log["outcome"]["upstream_error"] = "the matcher's answer is not a JSON object";
    return Fail(ErrorType::kServiceUnavailable,
                "the face matcher answered with something that is not JSON");
  }
  if (reply->http_status != 200) {  // the matcher's own Rekognition error, passed through
    Outcome passed;
    passed.status = reply->http_status;
    passed.raw_body = reply->body;
    passed.content_type = std::string(kAwsJsonContentType);
    log["outcome"]["error"] = {{"type", answer->value("__type", "")},
                               {"message", answer->value("message", "")}};
    return passed;
  }
  Outcome ok;
  ok.obligations = call.obligations;
  Json& result = log["outcome"];
  if (ReturnsFaceMatches(call.op)) {
    NoteSearch(g, call, *answer, ok, result);
  } else if (call.op == Operation::kIndexFaces) {
    if (auto failed = NoteEnrolment(g, call, *answer, ok, result)) return std::move(*failed);
  } else if (call.op == Operation::kDeleteFaces) {
    const std::vector<std::string> ids = FaceIdsAt(*answer, "DeletedFaces", false);
    result["face_ids"] = ids;
    for (const std::string& id : ids) (void)g.deps.records->Remove(id);
  } else if (call.op == Operation::kDeleteCollection) {
    for (const std::string& id : g.deps.records->FaceIdsIn(collection)) {
      (void)g.deps.records->Remove(id);
    }
  }
  ok.body = std::move(*answer);
  return ok;
}

}  // namespace

std::optional<Outcome> Gateway::Impl::DecideByPack(const Principal& principal,
                                                   std::string_view action, const Json& context,
                                                   const Json& request, Json& log,
                                                   WireObligations* obligations) {
  Json doc = BuildRequestDocument(principal, options.agency_type, action, context, request);
  log["document"] = doc;
  auto parsed = policy::ParseJsonc(Dump(doc), "request");
  StatusOr<policy::RequestDoc> rdoc =
      parsed.ok() ? policy::RequestFromJson(*parsed, "request") : parsed.status();
  if (!rdoc.ok()) {
    return Refuse(log, "validation", ErrorType::kInvalidParameter, rdoc.status().message());
  }
  std::shared_ptr<const policy::CompiledPack> pack = deps.policy->Current();
  const policy::Decision decision =
      pack->Evaluate(*rdoc, {deps.warrants, &history, deps.clock->Now()});
  log["decision"] = Json::parse(policy::DecisionToJson(decision));
  log["decision"]["stage"] = "policy";
  if (!decision.allow) return Fail(ErrorType::kAccessDenied, DenialMessage(decision));
  if (obligations) *obligations = ToWire(decision.obligations);
  return std::nullopt;
}

Outcome Gateway::Impl::Rekognition(const Request& request, Json& log) {
  AwsError error;
  const auto op = ValidateJsonEnvelope(request, &error);
  if (!op) {
    log["operation"] = "invalid";
    return Refuse(log, "protocol", error.type, error.message);
  }
  Call call;
  call.op = *op;
  call.op_name = std::string(OperationName(*op));
  call.request = &request;
  log["operation"] = call.op_name;
  auto caller = Authenticate(request, options.sigv4, log, &error);
  if (!caller) return Fail(error.type, error.message);
  call.caller = &*caller;
  if (auto unsigned_header = CheckContextHeadersSigned(request)) {
    return Refuse(log, "authentication", unsigned_header->type, unsigned_header->message);
  }
  const ApiOp api_op = ApiOpFor(*op);
  if (auto refused = Admit(*caller, api_op, log)) return Fail(refused->type, refused->message);
  if (auto refused = ReadRequest(*this, call, log)) return std::move(*refused);

  if (const auto action = PolicyActionFor(api_op)) {
    if (auto refused = DecideByPack(*caller->principal, *action, call.context, call.info.request,
                                    log, &call.obligations)) {
      return std::move(*refused);
    }
  } else {
    log["decision"] = {{"allow", true}, {"stage", "role"}};
    if (!call.context.empty()) log["document"] = {{"context", call.context}};
  }
  return Forward(*this, call, log);
}

}  // namespace oversight::proxy
