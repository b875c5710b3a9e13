#!/usr/bin/env node
// The `whyrun` command of the npm package: finds the binary of this platform in the
// per-platform package npm installed as an optional dependency (@whyrun/linux-x64,
// @whyrun/linux-arm64: each declares its `os` and `cpu`, so npm installs only the one that
// fits), and runs it with this process's arguments, stdio and exit status.
// WHYRUN_BINARY_PATH overrides the lookup (a binary built or downloaded elsewhere).
"use strict";

const { spawnSync } = require("child_process");
const path = require("path");

// process.platform-process.arch -> the package holding the binary for it. The Linux
// binaries are static, so one package serves glibc and musl systems alike.
const PACKAGES = {
  "linux-x64": "@whyrun/linux-x64",
  "linux-arm64": "@whyrun/linux-arm64",
};

function packageFor(platform, arch) {
  return PACKAGES[`${platform}-${arch}`];
}

function binaryPath(platform = process.platform, arch = process.arch) {
  if (process.env.WHYRUN_BINARY_PATH) {
    return process.env.WHYRUN_BINARY_PATH;
  }
  const pkg = packageFor(platform, arch);
  if (!pkg) {
    const supported = Object.keys(PACKAGES).join(", ");
    throw new Error(
      `whyrun has no binary for ${platform}-${arch} (there are: ${supported}); ` +
        "set WHYRUN_BINARY_PATH to a whyrun binary to use one built elsewhere"
    );
  }
  try {
    return require.resolve(`${pkg}/bin/whyrun`);
  } catch (e) {
    throw new Error(
      `whyrun's binary package ${pkg} is not installed (npm skips optional dependencies ` +
        "with --no-optional or --omit=optional, and a lockfile made on another platform " +
        `may lack it): run \`npm install ${pkg}\``
    );
  }
}

function main() {
  let bin;
  try {
    bin = binaryPath();
  } catch (e) {
    process.stderr.write(`whyrun: ${e.message}\n`);
    return 2;
  }
  const r = spawnSync(bin, process.argv.slice(2), { stdio: "inherit" });
  if (r.error) {
    process.stderr.write(`whyrun: cannot run ${bin}: ${r.error.message}\n`);
    return 2;
  }
  if (r.signal) {
    // Die of the same signal, so a caller sees what the binary saw.
    process.kill(process.pid, r.signal);
    return 128;
  }
  return r.status;
}

module.exports = { binaryPath, packageFor, PACKAGES };

if (require.main === module) {
  process.exitCode = main();
}
