import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// The WebGPU suite (`pnpm test:webgpu`): tests named `*.webgpu.test.ts` that need a WebGPU
// adapter. Without a GPU, onnxruntime-node's Dawn runs on SwiftShader, the Vulkan driver
// Debian's Chromium ships (`apt-get install libvulkan1 chromium`): this config points the
// Vulkan loader at it unless VK_ICD_FILENAMES already names a driver. Every package's own
// config leaves these files out, so `pnpm test` needs no GPU.
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const icd =
  process.env.VK_ICD_FILENAMES ?? (existsSync(SWIFTSHADER_ICD) ? SWIFTSHADER_ICD : undefined);

export default defineConfig({
  test: {
    name: 'webgpu',
    include: ['{packages,apps,tooling}/*/src/**/*.webgpu.test.ts'],
    env: icd ? { VK_ICD_FILENAMES: icd } : {},
    // SwiftShader runs shaders on the CPU: slow, and CI machines are small and shared.
    testTimeout: 300_000,
    // One file at a time: each one drives the same software GPU.
    fileParallelism: false,
  },
});
