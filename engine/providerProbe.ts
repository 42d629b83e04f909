/**
 * What the engine checks before it lets onnxruntime try a GPU provider, and the one line it says
 * about its choice. The WebGPU provider in onnxruntime-node's Linux build is Dawn over Vulkan:
 * asked for an adapter on a machine without the Vulkan loader, Dawn prints a native warning with
 * a C++ source line to the terminal (we cannot silence it from JavaScript) and then finds none.
 * Checking for the loader first means that rung is skipped with our own reason instead.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const VULKAN_LOADER = 'libvulkan.so.1'

/** The multiarch folder Debian/Ubuntu keep shared libraries in. */
const triplet = (): string => `${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`

/** True when the dynamic loader can find `name`: LD_LIBRARY_PATH, the usual folders, or ld.so.cache. */
export function sharedLibraryFindable(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const dirs = [
    ...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/lib',
    '/usr/lib',
    '/lib64',
    '/usr/lib64',
    `/lib/${triplet()}`,
    `/usr/lib/${triplet()}`,
    '/usr/local/lib',
  ]
  if (dirs.some((d) => existsSync(join(d, name)))) return true
  try {
    // The cache lists every library ldconfig knows by its soname, as plain bytes.
    return readFileSync('/etc/ld.so.cache').includes(name)
  } catch {
    return false
  }
}

/** Why a provider that this onnxruntime build bundles cannot start here, found without starting it; null when it may. */
export function providerPrecondition(name: string, platform: NodeJS.Platform = process.platform): string | null {
  if (name === 'webgpu' && platform === 'linux' && !sharedLibraryFindable(VULKAN_LOADER))
    return `no Vulkan loader (${VULKAN_LOADER}) on this machine`
  return null
}

/** One attempt on the ladder: the provider and why it was passed over. */
export interface RungNote {
  readonly provider: string
  readonly why: string
}

/**
 * The single line the engine says about its provider: what was asked, what was tried and why it
 * was passed over, and what runs — e.g. `provider auto: webgpu skipped (no Vulkan loader …); running on cpu`.
 */
export function providerChoiceLine(requested: string, skipped: readonly RungNote[], chosen: string): string {
  const tried = skipped.map((s) => `${s.provider} skipped (${s.why})`).join(', ')
  return `engine: provider ${requested}: ${tried ? `${tried}; ` : ''}running on ${chosen}`
}
