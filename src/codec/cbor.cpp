#include "codec/cbor.h"

#include <cbor.h>

#include <cmath>
#include <cstdio>
#include <limits>

#include "common/utf8.h"

namespace gh::codec {

Cbor Cbor::uint(uint64_t v) {
  Cbor c;
  c.type_ = Type::kUint;
  c.u_ = v;
  return c;
}

Cbor Cbor::negint(uint64_t n) {
  Cbor c;
  c.type_ = Type::kNegint;
  c.u_ = n;
  return c;
}

Cbor Cbor::integer(int64_t v) {
  return v >= 0 ? uint(static_cast<uint64_t>(v)) : negint(static_cast<uint64_t>(-(v + 1)));
}

Cbor Cbor::bytes(Bytes b) {
  Cbor c;
  c.type_ = Type::kBytes;
  c.bytes_ = std::move(b);
  return c;
}

Cbor Cbor::text(std::string s) {
  Cbor c;
  c.type_ = Type::kText;
  c.text_ = std::move(s);
  return c;
}

Cbor Cbor::array(Array items) {
  Cbor c;
  c.type_ = Type::kArray;
  c.array_ = std::make_shared<Array>(std::move(items));
  return c;
}

Cbor Cbor::map(Map entries) {
  Cbor c;
  c.type_ = Type::kMap;
  c.map_ = std::make_shared<Map>(std::move(entries));
  return c;
}

Cbor Cbor::tag(uint64_t tag, Cbor content) {
  Cbor c;
  c.type_ = Type::kTag;
  c.u_ = tag;
  c.array_ = std::make_shared<Array>(Array{std::move(content)});
  return c;
}

Cbor Cbor::boolean(bool v) {
  Cbor c;
  c.type_ = Type::kBool;
  c.u_ = v ? 1 : 0;
  return c;
}

Cbor Cbor::undefined() {
  Cbor c;
  c.type_ = Type::kUndefined;
  return c;
}

Cbor Cbor::floating(double v) {
  Cbor c;
  c.type_ = Type::kFloat;
  c.f_ = v;
  return c;
}

std::optional<int64_t> Cbor::as_int() const {
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (type_ == Type::kUint && u_ <= kMax) return static_cast<int64_t>(u_);
  if (type_ == Type::kNegint && u_ <= kMax) return -static_cast<int64_t>(u_) - 1;
  return std::nullopt;
}

const Cbor* Cbor::find(int64_t key) const {
  if (type_ != Type::kMap) return nullptr;
  for (const auto& [k, v] : *map_)
    if (k.is_int() && k.as_int() == key) return &v;
  return nullptr;
}

const Cbor* Cbor::find(std::string_view key) const {
  if (type_ != Type::kMap) return nullptr;
  for (const auto& [k, v] : *map_)
    if (k.type_ == Type::kText && k.text_ == key) return &v;
  return nullptr;
}

Cbor& Cbor::set(Cbor key, Cbor value) {
  map_->emplace_back(std::move(key), std::move(value));
  return *this;
}

Cbor& Cbor::push(Cbor item) {
  array_->push_back(std::move(item));
  return *this;
}

bool Cbor::operator==(const Cbor& o) const {
  if (type_ != o.type_) return false;
  switch (type_) {
    case Type::kUint:
    case Type::kNegint:
    case Type::kBool:
      return u_ == o.u_;
    case Type::kBytes:
      return bytes_ == o.bytes_;
    case Type::kText:
      return text_ == o.text_;
    case Type::kArray:
      return *array_ == *o.array_;
    case Type::kMap:
      return *map_ == *o.map_;
    case Type::kTag:
      return u_ == o.u_ && *array_ == *o.array_;
    case Type::kFloat:
      return f_ == o.f_ || (std::isnan(f_) && std::isnan(o.f_));
    case Type::kNull:
    case Type::kUndefined:
      return true;
  }
  return false;
}

std::string Cbor::diag() const {
  switch (type_) {
    case Type::kUint:
      return std::to_string(u_);
    case Type::kNegint:
      return u_ == std::numeric_limits<uint64_t>::max() ? "-18446744073709551616"
                                                        : "-" + std::to_string(u_ + 1);
    case Type::kBytes:
      return "h'" + hex_encode(bytes_) + "'";
    case Type::kText: {
      std::string out = "\"";
      for (char ch : text_) {
        if (ch == '"' || ch == '\\') out += '\\';
        out += ch;
      }
      return out + "\"";
    }
    case Type::kArray: {
      std::string out = "[";
      for (size_t i = 0; i < array_->size(); ++i) out += (i ? ", " : "") + (*array_)[i].diag();
      return out + "]";
    }
    case Type::kMap: {
      std::string out = "{";
      for (size_t i = 0; i < map_->size(); ++i)
        out += (i ? ", " : "") + (*map_)[i].first.diag() + ": " + (*map_)[i].second.diag();
      return out + "}";
    }
    case Type::kTag:
      return std::to_string(u_) + "(" + (*array_)[0].diag() + ")";
    case Type::kBool:
      return u_ ? "true" : "false";
    case Type::kNull:
      return "null";
    case Type::kUndefined:
      return "undefined";
    case Type::kFloat: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%g", f_);
      return buf;
    }
  }
  return "?";
}

// ---- decoding: libcbor reports one head (or whole definite string) per call; a stack of open
// containers turns those into values.

namespace {

struct Frame {
  enum Kind { kArray, kMap, kTag, kBytes, kText } kind;
  Cbor value;
  bool indefinite = false;
  uint64_t remaining =
      0;  // items still to come (definite containers; a map counts keys and values)
  std::optional<Cbor> key;  // a map's key waiting for its value
  std::string chunks;       // an indefinite string's pieces so far
};

struct Builder {
  const CborLimits& limits;
  std::string what;
  size_t left = 0;  // input bytes after the current head
  std::vector<Frame> stack;
  std::optional<Cbor> root;
  std::optional<Error> error;
  size_t items = 0;

  void fail(const std::string& code, const std::string& why) {
    if (!error) error = make_error(what + "." + code, what + ": " + why);
  }
  bool count() {
    if (++items > limits.max_items)
      fail("size", "more than " + std::to_string(limits.max_items) + " items");
    return !error;
  }

  // A complete item: into the open container, or the result.
  void add(Cbor v) {
    if (error) return;
    if (stack.empty()) {
      if (root) return fail("cbor", "more than one item");
      root = std::move(v);
      return;
    }
    Frame& f = stack.back();
    if (f.kind == Frame::kBytes || f.kind == Frame::kText)
      return fail("cbor", "an indefinite string holds a chunk of another type");
    if (f.kind == Frame::kMap) {
      if (!f.key) {
        f.key = std::move(v);
      } else {
        for (const auto& [k, unused] : f.value.entries())
          if (k == *f.key) return fail("cbor", "duplicate map key " + k.diag());
        f.value.set(std::move(*f.key), std::move(v));
        f.key.reset();
      }
    } else {
      f.value.push(std::move(v));
    }
    if (!f.indefinite && --f.remaining == 0) close();
  }

  void close() {
    Frame f = std::move(stack.back());
    stack.pop_back();
    add(std::move(f.value));
  }

  void open(Frame f) {
    if (error) return;
    if (static_cast<int>(stack.size()) >= limits.max_depth)
      return fail("size", "nested deeper than " + std::to_string(limits.max_depth));
    bool empty = !f.indefinite && f.remaining == 0;
    stack.push_back(std::move(f));
    if (empty) close();
  }

  void open_sized(Frame::Kind kind, size_t n, bool is_map) {
    if (!count()) return;
    uint64_t expect = is_map ? 2 * static_cast<uint64_t>(n) : n;
    if (n > limits.max_items)
      return fail("size", "a container of " + std::to_string(n) + " items (limit " +
                              std::to_string(limits.max_items) + ")");
    // Every item takes at least one byte: a length the rest of the input cannot hold is a lie.
    if (expect > left)
      return fail("cbor", "a container claims " + std::to_string(n) + " items in " +
                              std::to_string(left) + " bytes");
    Frame f{kind, is_map ? Cbor::map() : Cbor::array()};
    f.remaining = expect;
    open(std::move(f));
  }

  void scalar(Cbor v) {
    if (count()) add(std::move(v));
  }

  void string_data(cbor_data data, size_t len, bool text) {
    if (error) return;
    std::string_view piece(reinterpret_cast<const char*>(data), len);
    if (!stack.empty() && stack.back().indefinite &&
        (stack.back().kind == Frame::kBytes || stack.back().kind == Frame::kText)) {
      Frame& f = stack.back();
      if ((f.kind == Frame::kText) != text)
        return fail("cbor", "an indefinite string holds a chunk of another type");
      if (text && !valid_utf8(piece)) return fail("cbor", "a text string is not UTF-8");
      f.chunks.append(piece);
      return;
    }
    if (text && !valid_utf8(piece)) return fail("cbor", "a text string is not UTF-8");
    scalar(text ? Cbor::text(std::string(piece)) : Cbor::bytes(Bytes(piece.begin(), piece.end())));
  }

  void indef_string(bool text) {
    if (!count()) return;
    Frame f{text ? Frame::kText : Frame::kBytes, Cbor()};
    f.indefinite = true;
    open(std::move(f));
  }

  void brk() {
    if (error) return;
    if (stack.empty() || !stack.back().indefinite)
      return fail("cbor", "a break outside a container");
    Frame& f = stack.back();
    if (f.kind == Frame::kMap && f.key) return fail("cbor", "a map key without a value");
    if (f.kind == Frame::kBytes) f.value = Cbor::bytes(Bytes(f.chunks.begin(), f.chunks.end()));
    if (f.kind == Frame::kText) f.value = Cbor::text(std::move(f.chunks));
    close();
  }
};

Builder& ctx(void* p) {
  return *static_cast<Builder*>(p);
}

cbor_callbacks make_callbacks() {
  cbor_callbacks cb{};
  cb.uint8 = [](void* c, uint8_t v) { ctx(c).scalar(Cbor::uint(v)); };
  cb.uint16 = [](void* c, uint16_t v) { ctx(c).scalar(Cbor::uint(v)); };
  cb.uint32 = [](void* c, uint32_t v) { ctx(c).scalar(Cbor::uint(v)); };
  cb.uint64 = [](void* c, uint64_t v) { ctx(c).scalar(Cbor::uint(v)); };
  cb.negint8 = [](void* c, uint8_t v) { ctx(c).scalar(Cbor::negint(v)); };
  cb.negint16 = [](void* c, uint16_t v) { ctx(c).scalar(Cbor::negint(v)); };
  cb.negint32 = [](void* c, uint32_t v) { ctx(c).scalar(Cbor::negint(v)); };
  cb.negint64 = [](void* c, uint64_t v) { ctx(c).scalar(Cbor::negint(v)); };
  cb.byte_string = [](void* c, cbor_data d, size_t n) { ctx(c).string_data(d, n, false); };
  cb.byte_string_start = [](void* c) { ctx(c).indef_string(false); };
  cb.string = [](void* c, cbor_data d, size_t n) { ctx(c).string_data(d, n, true); };
  cb.string_start = [](void* c) { ctx(c).indef_string(true); };
  cb.array_start = [](void* c, size_t n) { ctx(c).open_sized(Frame::kArray, n, false); };
  cb.indef_array_start = [](void* c) {
    if (!ctx(c).count()) return;
    Frame f{Frame::kArray, Cbor::array()};
    f.indefinite = true;
    ctx(c).open(std::move(f));
  };
  cb.map_start = [](void* c, size_t n) { ctx(c).open_sized(Frame::kMap, n, true); };
  cb.indef_map_start = [](void* c) {
    if (!ctx(c).count()) return;
    Frame f{Frame::kMap, Cbor::map()};
    f.indefinite = true;
    ctx(c).open(std::move(f));
  };
  cb.tag = [](void* c, uint64_t t) {
    if (!ctx(c).count()) return;
    Frame f{Frame::kTag, Cbor::tag(t, Cbor())};
    f.value.items().clear();
    f.remaining = 1;
    ctx(c).open(std::move(f));
  };
  cb.float2 = [](void* c, float v) { ctx(c).scalar(Cbor::floating(v)); };
  cb.float4 = [](void* c, float v) { ctx(c).scalar(Cbor::floating(v)); };
  cb.float8 = [](void* c, double v) { ctx(c).scalar(Cbor::floating(v)); };
  cb.undefined = [](void* c) { ctx(c).scalar(Cbor::undefined()); };
  cb.null = [](void* c) { ctx(c).scalar(Cbor::null()); };
  cb.boolean = [](void* c, bool v) { ctx(c).scalar(Cbor::boolean(v)); };
  cb.indef_break = [](void* c) { ctx(c).brk(); };
  return cb;
}

const cbor_callbacks kCallbacks = make_callbacks();

}  // namespace

Result<Cbor> cbor_decode(const Bytes& data, const std::string& what, const CborLimits& limits) {
  if (data.size() > limits.max_bytes)
    return make_error(what + ".size", what + ": " + std::to_string(data.size()) + " bytes (limit " +
                                          std::to_string(limits.max_bytes) + ")");
  Builder b{limits, what};
  size_t at = 0;
  while (at < data.size() && !b.error && !b.root) {
    // libcbor reads a whole definite string in one call, so `left` after the head is an upper
    // bound that is exact for containers, the only place it is used.
    b.left = data.size() - at - 1;
    // libcbor 0.8's streaming decoder refuses one-byte tag heads 6..20 as "unassigned", although
    // RFC 8949 3.4 makes every tag number well-formed and COSE_Sign1 is tag 18: read those here.
    if (data[at] >= 0xc6 && data[at] <= 0xd4) {
      kCallbacks.tag(&b, data[at] & 0x1f);
      ++at;
      continue;
    }
    auto r = cbor_stream_decode(data.data() + at, data.size() - at, &kCallbacks, &b);
    if (r.status == CBOR_DECODER_NEDATA) return make_error(what + ".cbor", what + ": truncated");
    if (r.status != CBOR_DECODER_FINISHED || r.read == 0)
      return make_error(what + ".cbor", what + ": malformed at byte " + std::to_string(at));
    at += r.read;
  }
  if (b.error) return *b.error;
  if (!b.root) return make_error(what + ".cbor", what + ": truncated");
  if (at != data.size())
    return make_error(what + ".cbor",
                      what + ": " + std::to_string(data.size() - at) + " bytes after the item");
  return std::move(*b.root);
}

// ---- encoding

namespace {

void head(Bytes& out, size_t (*enc)(uint64_t, unsigned char*, size_t), uint64_t v) {
  unsigned char buf[9];
  size_t n = enc(v, buf, sizeof buf);
  out.insert(out.end(), buf, buf + n);
}

size_t enc_bytes(uint64_t n, unsigned char* b, size_t s) {
  return cbor_encode_bytestring_start(n, b, s);
}
size_t enc_text(uint64_t n, unsigned char* b, size_t s) {
  return cbor_encode_string_start(n, b, s);
}
size_t enc_array(uint64_t n, unsigned char* b, size_t s) {
  return cbor_encode_array_start(n, b, s);
}
size_t enc_map(uint64_t n, unsigned char* b, size_t s) {
  return cbor_encode_map_start(n, b, s);
}

void encode_into(Bytes& out, const Cbor& v) {
  unsigned char buf[9];
  switch (v.type()) {
    case Cbor::Type::kUint:
      return head(out, cbor_encode_uint, v.raw_uint());
    case Cbor::Type::kNegint:
      return head(out, cbor_encode_negint, v.raw_uint());
    case Cbor::Type::kBytes:
      head(out, enc_bytes, v.as_bytes().size());
      out.insert(out.end(), v.as_bytes().begin(), v.as_bytes().end());
      return;
    case Cbor::Type::kText:
      head(out, enc_text, v.as_text().size());
      out.insert(out.end(), v.as_text().begin(), v.as_text().end());
      return;
    case Cbor::Type::kArray:
      head(out, enc_array, v.items().size());
      for (const auto& item : v.items()) encode_into(out, item);
      return;
    case Cbor::Type::kMap:
      head(out, enc_map, v.entries().size());
      for (const auto& [k, val] : v.entries()) {
        encode_into(out, k);
        encode_into(out, val);
      }
      return;
    case Cbor::Type::kTag:
      head(out, cbor_encode_tag, v.tag_number());
      return encode_into(out, v.tag_content());
    case Cbor::Type::kBool:
      out.insert(out.end(), buf, buf + cbor_encode_bool(v.as_bool(), buf, sizeof buf));
      return;
    case Cbor::Type::kNull:
      out.insert(out.end(), buf, buf + cbor_encode_null(buf, sizeof buf));
      return;
    case Cbor::Type::kUndefined:
      out.insert(out.end(), buf, buf + cbor_encode_undef(buf, sizeof buf));
      return;
    case Cbor::Type::kFloat:
      out.insert(out.end(), buf, buf + cbor_encode_double(v.as_float(), buf, sizeof buf));
      return;
  }
}

}  // namespace

Bytes cbor_encode(const Cbor& value) {
  Bytes out;
  encode_into(out, value);
  return out;
}

}  // namespace gh::codec
