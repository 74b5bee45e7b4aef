// QR code (libqrencode) rendered to a 1-bit grayscale PNG, for the device label.
#pragma once

#include <string>

#include "common/encoding.h"
#include "common/result.h"

namespace gh::codec {

// scale: pixels per module; margin: quiet zone in modules (ISO/IEC 18004 asks for 4).
Result<Bytes> qr_png(const std::string& text, int scale = 4, int margin = 4);

}  // namespace gh::codec
