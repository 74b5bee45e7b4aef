#include "codec/qr.h"

#include <qrencode.h>
#include <zlib.h>

#include <memory>

namespace gh::codec {
namespace {

void put_u32(Bytes& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(v >> s));
}

// PNG chunk: length, type, data, CRC-32 over type and data (PNG spec 5.3).
void chunk(Bytes& out, const char* type, const Bytes& data) {
  put_u32(out, static_cast<uint32_t>(data.size()));
  size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  uLong crc = crc32(0L, out.data() + start, static_cast<uInt>(out.size() - start));
  put_u32(out, static_cast<uint32_t>(crc));
}

}  // namespace

Result<Bytes> qr_png(const std::string& text, int scale, int margin) {
  std::unique_ptr<QRcode, decltype(&QRcode_free)> qr(
      QRcode_encodeString8bit(text.c_str(), 0, QR_ECLEVEL_M), &QRcode_free);
  if (!qr) return make_error("qr.encode", "text too long for a QR code");
  const int modules = qr->width;
  const int side = (modules + 2 * margin) * scale;
  const int row_bytes = (side + 7) / 8;
  // Scanlines: filter byte 0, then 1 bit per pixel, 1 = white.
  Bytes raw;
  raw.reserve(static_cast<size_t>(side) * (row_bytes + 1));
  for (int y = 0; y < side; ++y) {
    raw.push_back(0);
    int my = y / scale - margin;
    for (int bx = 0; bx < row_bytes; ++bx) {
      uint8_t byte = 0;
      for (int bit = 0; bit < 8; ++bit) {
        int x = bx * 8 + bit;
        int mx = x / scale - margin;
        bool dark = x < side && my >= 0 && my < modules && mx >= 0 && mx < modules &&
                    (qr->data[my * modules + mx] & 1);
        if (!dark) byte |= static_cast<uint8_t>(0x80 >> bit);
      }
      raw.push_back(byte);
    }
  }
  // A 1-bit label is a few kilobytes: a 1 KiB window and the smallest memLevel compress it as well
  // as the defaults do, without zlib setting up (and clearing) its default 256 KiB of state.
  z_stream zs{};
  if (deflateInit2(&zs, 9, Z_DEFLATED, 10, 1, Z_DEFAULT_STRATEGY) != Z_OK)
    return make_error("qr.png", "zlib init failed");
  Bytes z(deflateBound(&zs, static_cast<uLong>(raw.size())));
  zs.next_in = raw.data();
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = z.data();
  zs.avail_out = static_cast<uInt>(z.size());
  int rc = deflate(&zs, Z_FINISH);
  z.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return make_error("qr.png", "zlib compression failed");

  Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  Bytes ihdr;
  put_u32(ihdr, static_cast<uint32_t>(side));
  put_u32(ihdr, static_cast<uint32_t>(side));
  ihdr.insert(ihdr.end(), {1 /*bit depth*/, 0 /*grayscale*/, 0, 0, 0});
  chunk(png, "IHDR", ihdr);
  chunk(png, "IDAT", z);
  chunk(png, "IEND", {});
  return png;
}

}  // namespace gh::codec
