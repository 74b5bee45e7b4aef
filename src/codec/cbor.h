// CBOR (RFC 8949) values for EAT, COSE, CoRIM and EAR: a small value type, a decoder on libcbor's
// streaming parser that bounds what an input can make it hold, and an encoder that writes the
// preferred (shortest) serialization with definite lengths, so that what we sign encodes one way.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/encoding.h"
#include "common/result.h"

namespace gh::codec {

class Cbor {
 public:
  enum class Type {
    kUint,
    kNegint,
    kBytes,
    kText,
    kArray,
    kMap,
    kTag,
    kBool,
    kNull,
    kUndefined,
    kFloat
  };
  using Array = std::vector<Cbor>;
  using Map = std::vector<std::pair<Cbor, Cbor>>;  // in the order read or built

  Cbor() : type_(Type::kNull) {}
  static Cbor uint(uint64_t v);
  static Cbor integer(int64_t v);
  // CBOR's own negative range: the value -1 - n.
  static Cbor negint(uint64_t n);
  static Cbor bytes(Bytes b);
  static Cbor text(std::string s);
  static Cbor array(Array items = {});
  static Cbor map(Map entries = {});
  static Cbor tag(uint64_t tag, Cbor content);
  static Cbor boolean(bool v);
  static Cbor null() { return Cbor(); }
  static Cbor undefined();
  static Cbor floating(double v);

  Type type() const { return type_; }
  bool is_int() const { return type_ == Type::kUint || type_ == Type::kNegint; }
  bool is(Type t) const { return type_ == t; }
  // The integer when it fits int64.
  std::optional<int64_t> as_int() const;
  uint64_t raw_uint() const { return u_; }  // kUint: the value; kNegint: n in -1 - n; kTag: tag
  const Bytes& as_bytes() const { return bytes_; }      // kBytes
  const std::string& as_text() const { return text_; }  // kText
  bool as_bool() const { return u_ != 0; }              // kBool
  double as_float() const { return f_; }
  const Array& items() const { return *array_; }  // kArray; kTag: one item, the content
  Array& items() { return *array_; }
  const Map& entries() const { return *map_; }  // kMap
  Map& entries() { return *map_; }
  uint64_t tag_number() const { return u_; }
  const Cbor& tag_content() const { return (*array_)[0]; }

  // Map lookup by integer or text key; nullptr when absent or when this is not a map.
  const Cbor* find(int64_t key) const;
  const Cbor* find(std::string_view key) const;
  // Adds a map entry (no check for duplicates: the builder's job).
  Cbor& set(Cbor key, Cbor value);
  Cbor& set(int64_t key, Cbor value) { return set(integer(key), std::move(value)); }
  Cbor& push(Cbor item);  // appends to an array

  bool operator==(const Cbor& other) const;
  // Diagnostic notation (RFC 8949 8), for messages and tests; byte strings as h'..'.
  std::string diag() const;

 private:
  Type type_;
  uint64_t u_ = 0;
  double f_ = 0;
  Bytes bytes_;
  std::string text_;
  std::shared_ptr<Array> array_;  // copies share; values are built, then read
  std::shared_ptr<Map> map_;
};

// What one CBOR input may cost. Every item counts (a map entry is two); the depth bounds every
// recursive walk over the result.
struct CborLimits {
  size_t max_bytes = 64 * 1024;
  int max_depth = 16;
  size_t max_items = 4096;
};

// Decodes exactly one item filling data; refuses "<what>.cbor" (malformed, trailing bytes,
// duplicate map keys, a text string that is not UTF-8) and "<what>.size" (past the limits).
Result<Cbor> cbor_decode(const Bytes& data, const std::string& what, const CborLimits& limits = {});
Bytes cbor_encode(const Cbor& value);

}  // namespace gh::codec
