// An independent TUF client for the update tests: npm's tuf-js (installed in tests/node by
// scripts/deps.sh), unmodified. It refreshes a repository from the trusted root in METADATA_DIR
// and downloads one target, printing one JSON line: {"ok": true, "length", "sha256", "path"} or
// {"ok": false, "error"}.
//   node tuf_js_client.js METADATA_URL TARGETS_URL METADATA_DIR TARGETS_DIR TARGET
'use strict';
const path = require('path');
const crypto = require('crypto');
const fs = require('fs');
const { Updater } = require(path.join(__dirname, '..', 'node', 'node_modules', 'tuf-js'));

async function main() {
  const [metadataBaseUrl, targetBaseUrl, metadataDir, targetDir, target] = process.argv.slice(2);
  const updater = new Updater({ metadataBaseUrl, targetBaseUrl, metadataDir, targetDir });
  await updater.refresh();
  const info = await updater.getTargetInfo(target);
  if (!info) throw new Error(`no target ${target}`);
  const file = await updater.downloadTarget(info, path.join(targetDir, path.basename(target)));
  const bytes = fs.readFileSync(file);
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  console.log(JSON.stringify({ ok: true, path: file, length: bytes.length, sha256 }));
}

main().catch((e) => {
  console.log(JSON.stringify({ ok: false, error: `${e.name}: ${e.message}` }));
  process.exit(1);
});
