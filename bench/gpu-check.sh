#!/usr/bin/env bash
# The whole WebGPU bench on a lent GPU machine (the `device` tool's), in under 8 minutes, so it
# can be rerun once within a 15-minute lease. That machine has python3 with PyTorch-CUDA but no
# node, npm or network, so everything it needs travels in two ignored folders.
#
# Here, once (needs `npm install`, ~1 min):
#   bash bench/gpu-check.sh prepare
# builds the esbuild bundle of bench/bench-webgpu-node.ts (out/bench-webgpu/), runs it once on
# Dawn's null backend to prove it starts, then fills out/gpu-check/ (the bundle, tfjs's WASM
# binaries, Dawn's package with dawn.node and this machine's node, both xz-compressed: ~35 MB)
# and .gl/ (the Vulkan/EGL loader packages the device README names).
#
# There (the `run` tool, carry [".gl", "out/gpu-check"], timeout_s 540):
#   bash bench/gpu-check.sh run
# unpacks node and dawn.node, installs the loaders, and runs, each phase under its own timeout
# (at most 410 s in all, so the whole run stays under 8 minutes; each row is logged as it ends,
# so a phase cut short still leaves its finished rows in its .log):
#   1. every row (DCGAN and StyleGAN, 32 and 64 px, batch 32 and 128), 10 steps, with the
#      PyTorch-CUDA peer of the DCGAN rows (≤ 250 s),
#   2. the tfjs flags (submit batch, matmul transposed conv, separate im2col) on two DCGAN rows
#      (≤ 5 × 20 s),
#   3. the same two rows with tfjs's own kernels only (--stock), for the before/after (≤ 35 s),
#   4. WASM on one CPU thread, DCGAN 32 px batch 32 (≤ 25 s).
# Results: $OUT/webgpu-*.json and $OUT/webgpu-*.log; docs/webgpu.md says how to read them.
set -uo pipefail
DIR=out/gpu-check
ALL=${GPU_CHECK_ALL:-dcgan-32-32,dcgan-32-128,dcgan-64-32,dcgan-64-128,stylegan-32-32,stylegan-32-128,stylegan-64-32,stylegan-64-128}
TWO=${GPU_CHECK_TWO:-dcgan-32-32,dcgan-64-128}

prepare() {
  set -e
  npx tsx bench/webgpu-bundle.ts --build-only
  node out/bench-webgpu/bench.mjs --host --rows dcgan-32-32 --steps 2 | tail -1
  mkdir -p "$DIR/node_modules/webgpu/dist/linux-x64"
  cp out/bench-webgpu/* "$DIR/" 2>/dev/null || true
  cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$DIR/node_modules/webgpu/"
  [ -s "$DIR/dawn.node.xz" ] || xz -T2 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node >"$DIR/dawn.node.xz"
  [ -s "$DIR/node.xz" ] || xz -T2 -6 -c "$(command -v node)" >"$DIR/node.xz"
  if ! ls .gl/*.deb >/dev/null 2>&1; then
    mkdir -p .gl /tmp/amd64/partial
    local o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
    # shellcheck disable=SC2086
    apt-get $o update >/dev/null && (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
  fi
  du -sh "$DIR" .gl
}

run() {
  local out="${OUT:-/tmp/gpu-check}"
  mkdir -p "$out"
  python3 - "$DIR" <<'EOF'
import lzma, os, shutil, sys
d = sys.argv[1]
for src, dst, mode in [("node.xz", "node", 0o755), ("dawn.node.xz", "node_modules/webgpu/dist/linux-x64/dawn.node", 0o644)]:
    with lzma.open(os.path.join(d, src)) as f, open(os.path.join(d, dst), "wb") as g:
        shutil.copyfileobj(f, g)
    os.chmod(os.path.join(d, dst), mode)
EOF
  if [ -z "${GPU_CHECK_NO_LOADERS:-}" ] && ! ldconfig -p | grep -q libvulkan; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  fi
  export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
  export __EGL_VENDOR_LIBRARY_FILENAMES=${__EGL_VENDOR_LIBRARY_FILENAMES:-/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json}
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >"$out/gpu.txt" 2>&1 || true
  local node="$DIR/node" bench="$DIR/bench.mjs"
  phase() { # name seconds args…
    local name=$1 secs=$2
    shift 2
    echo "== $name ($(date -u +%T))"
    timeout "$secs" "$node" "$bench" "$@" --json "$out/webgpu-$name.json" >"$out/webgpu-$name.log" 2>&1
    echo "rc $?"
    grep '^|' "$out/webgpu-$name.log" || tail -5 "$out/webgpu-$name.log"
  }
  phase all 250 --rows "$ALL" --steps 10 --torch
  phase submit-1 20 --rows "$TWO" --steps 6 --flags WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=1
  phase submit-60 20 --rows "$TWO" --steps 6 --flags WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=60
  phase submit-1000 20 --rows "$TWO" --steps 6 --flags WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=1000
  phase matmul-transpose 20 --rows "$TWO" --steps 6 --flags WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE=false
  phase im2col 20 --rows "$TWO" --steps 6 --flags WEBGPU_CONV_SEPARATE_IM2COL_SHADER=true
  phase stock 35 --rows "$TWO" --steps 6 --stock
  timeout 25 "$node" "$bench" --rows '' --wasm-rows dcgan-32-32 --steps 4 --json "$out/webgpu-wasm.json" >"$out/webgpu-wasm.log" 2>&1
  grep '^|' "$out/webgpu-wasm.log" || tail -5 "$out/webgpu-wasm.log"
}

case "${1:-}" in
prepare) prepare ;;
run) run ;;
*)
  echo "usage: bash bench/gpu-check.sh prepare|run" >&2
  exit 2
  ;;
esac
