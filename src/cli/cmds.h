#pragma once

#include <filesystem>
#include <set>
#include <thread>
#include <vector>

#include "cli/args.h"
#include "store/records.h"

namespace gh::cli {

int factory_init(const Args& a);
int factory_make(const Args& a);
int factory_sell(const Args& a);
int factory_publish_mud(const Args& a);
int factory_devices(const Args& a);
int site_init(const Args& a);
int site_import(const Args& a);
int site_trust_add(const Args& a);
int site_devices(const Args& a);
int site_events(const Args& a);
int device_status(const Args& a);
int device_reset(const Args& a);
int bench_factory(const Args& a);
int bench_brski(const Args& a);
int masa_serve(const Args& a);
int site_serve(const Args& a);
int device_onboard(const Args& a);

int print_events(const std::vector<store::Event>& events, bool json);

}  // namespace gh::cli
