#pragma once

#include <filesystem>
#include <set>
#include <thread>
#include <vector>

#include "cli/args.h"
#include "store/records.h"
#include "svc/site/dpp_site.h"

namespace gh::cli {

int factory_init(const Args& a);
int factory_make(const Args& a);
int factory_sell(const Args& a);
int factory_publish_mud(const Args& a);
int factory_devices(const Args& a);
int factory_release(const Args& a);
int factory_rotate_keys(const Args& a);
int site_mirror_sync(const Args& a);
int site_evidence_export(const Args& a);
int site_evidence_verify(const Args& a);
int site_evidence_checkpoint(const Args& a);
int site_campaign_create(const Args& a);
int site_campaign_status(const Args& a);
int site_campaign_approve(const Args& a);
int site_campaign_pause(const Args& a);
int site_campaign_resume(const Args& a);
int site_campaign_stop(const Args& a);
int device_app_onboard(const Args& a);
int site_init(const Args& a);
int site_import(const Args& a);
int site_trust_add(const Args& a);
int site_devices(const Args& a);
int site_events(const Args& a);
int device_status(const Args& a);
int device_reset(const Args& a);
int device_connect(const Args& a);
int device_disconnect(const Args& a);
int bench_factory(const Args& a);
int bench_brski(const Args& a);
int bench_dpp(const Args& a);
int bench_mud(const Args& a);
int bench_update(const Args& a);
int bench_renew(const Args& a);
int bench_evidence(const Args& a);
int mud_check(const Args& a);
int site_mud_show(const Args& a);
int site_mud_assign(const Args& a);
int lab_up(const Args& a);
int lab_status(const Args& a);
int lab_down(const Args& a);
int lab_dashboard(const Args& a);
int router_serve(const Args& a);
int router_authenticator_port(const Args& a);
int router_dhcp_event(const Args& a);
int lab_demo(const Args& a);
int site_policy_set(const Args& a);
int site_policy_show(const Args& a);
int site_policy_check(const Args& a);
int site_quarantine(const Args& a);
int site_renew(const Args& a);
int site_decommission(const Args& a);
int site_retire(const Args& a);
int site_repurpose(const Args& a);
int site_unsupported(const Args& a);
int site_maintenance(const Args& a);
int site_device_show(const Args& a);
int device_renew(const Args& a);
int site_release(const Args& a);
int site_revoke(const Args& a);
int site_crl(const Args& a);
int site_server_cert(const Args& a);
int site_assets_check(const Args& a);
int site_operator_add(const Args& a);
int site_operator_list(const Args& a);
int site_operator_remove(const Args& a);
int masa_serve(const Args& a);
int site_serve(const Args& a);
int device_onboard(const Args& a);
int factory_firmware(const Args& a);
int device_attest(const Args& a);
int device_run(const Args& a);
int site_attest_nonce(const Args& a);
int site_attest_appraise(const Args& a);
int site_attest_show(const Args& a);
int bench_attest(const Args& a);
int device_onboard_dpp(const Args& a);
int device_dpp_listen(const Args& a);
int site_dpp_uri(const Args& a);
int site_dpp_add_uri(const Args& a);
int site_dpp_scan(const Args& a);
int site_export_hostapd_psk(const Args& a);

// The DPP controller of the site at state, with the --ssid/--akm/--accept-unknown/... options.
Result<std::unique_ptr<svc::DppSite>> open_dpp_site(const Args& a, const std::string& state);

int print_events(const std::vector<store::Event>& events, bool json);

}  // namespace gh::cli
