// Result<T>: a value or an Error naming the check that failed. No exceptions cross our APIs.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace gh {

struct Error {
  // A short dotted name of the check that failed, e.g. "bundle.signature" or "io.open".
  std::string code;
  // One line an operator can read, with context prepended as the error travels up.
  std::string message;

  // Prepend context: Error{"x","bad"}.context("voucher") -> "voucher: bad".
  Error context(const std::string& what) const& { return Error{code, what + ": " + message}; }
  Error context(const std::string& what) && {
    message = what + ": " + message;
    return std::move(*this);
  }
  std::string str() const { return message + " [" + code + "]"; }
};

inline Error make_error(std::string code, std::string message) {
  return Error{std::move(code), std::move(message)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }
  T value_or(T other) const& { return ok() ? value() : std::move(other); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
  bool failed_ = false;
};

inline Status ok_status() {
  return Status();
}

}  // namespace gh

// TRY(expr): evaluate a Result/Status; on failure return its Error from the enclosing function;
// on success yield the value (for Result<T>). Uses a GNU statement expression.
#define GH_CONCAT_(a, b) a##b
#define GH_CONCAT(a, b) GH_CONCAT_(a, b)
#define TRY(expr)                                                                                 \
  ({                                                                                              \
    auto&& GH_CONCAT(try_r_, __LINE__) = (expr);                                                  \
    if (!GH_CONCAT(try_r_, __LINE__).ok()) return std::move(GH_CONCAT(try_r_, __LINE__)).error(); \
    ::gh::detail::take(std::move(GH_CONCAT(try_r_, __LINE__)));                                   \
  })
// TRY_CTX(expr, "what"): the same, with context added to the error.
#define TRY_CTX(expr, what)                                                \
  ({                                                                       \
    auto&& GH_CONCAT(try_r_, __LINE__) = (expr);                           \
    if (!GH_CONCAT(try_r_, __LINE__).ok())                                 \
      return std::move(GH_CONCAT(try_r_, __LINE__)).error().context(what); \
    ::gh::detail::take(std::move(GH_CONCAT(try_r_, __LINE__)));            \
  })

namespace gh::detail {
template <class T>
T take(Result<T>&& r) {
  return std::move(r).value();
}
inline void take(Status&&) {}
}  // namespace gh::detail
