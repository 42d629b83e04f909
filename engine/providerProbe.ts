/**
 * What the engine checks before it lets onnxruntime try a GPU provider, and the one line it says
 * about its choice. The WebGPU provider in onnxruntime-node's Linux build is Dawn over Vulkan:
 * asked for an adapter on a machine without the Vulkan loader, Dawn prints a native warning with
 * a C++ source line to the terminal (we cannot silence it from JavaScript) and then finds none.
 * Checking for the loader first means that rung is skipped with our own reason instead; where
 * the loader is there, the adapter is asked for in a short-lived child process whose native
 * output is discarded, and only its verdict comes back.
 */
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
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

/** The provider a `providerChoiceLine` names as chosen (the host learns it from the log), else null. */
export function chosenProviderOf(line: string): string | null {
  return /^engine: provider .*running on ([a-z]+)$/.exec(line)?.[1] ?? null
}

/** A protobuf field: varint for numbers, length-delimited for strings and nested messages. */
function field(no: number, payload: number | string | number[]): number[] {
  const varint = (n: number): number[] => {
    const out: number[] = []
    while (n > 0x7f) {
      out.push((n & 0x7f) | 0x80)
      n >>>= 7
    }
    return [...out, n]
  }
  if (typeof payload === 'number') return [...varint(no << 3), ...varint(payload)]
  const bytes = typeof payload === 'string' ? [...Buffer.from(payload, 'utf8')] : payload
  return [...varint((no << 3) | 2), ...varint(bytes.length), ...bytes]
}

/** The smallest graph a provider can be started on: y = Identity(x), x float32[1] (ONNX IR 8, opset 17). */
export function identityModelBytes(): Uint8Array {
  const value = (name: string) => field(1, name).concat(field(2, field(1, [...field(1, 1), ...field(2, field(1, field(1, 1)))])))
  const node = [...field(1, 'x'), ...field(2, 'y'), ...field(4, 'Identity')]
  const graph = [...field(1, node), ...field(2, 'probe'), ...field(11, value('x')), ...field(12, value('y'))]
  return Uint8Array.from([...field(1, 8), ...field(7, graph), ...field(8, [...field(1, ''), ...field(2, 17)])])
}

/** Runs in the child: starts the provider on the identity graph and prints one JSON verdict line. */
const CHILD_SCRIPT = `
const ort = require(process.env.KONTEXT_PROBE_ORT)
const model = Buffer.from(process.env.KONTEXT_PROBE_MODEL, 'base64')
const say = (v) => { process.stdout.write('\\n' + JSON.stringify(v) + '\\n'); process.exit(0) }
ort.InferenceSession.create(model, { executionProviders: [process.env.KONTEXT_PROBE_PROVIDER], logSeverityLevel: 3 })
  .then(() => say({ ok: true }), (e) => say({ ok: false, message: String((e && e.message) || e) }))
`

const PROBE_TIMEOUT_MS = 30_000

/**
 * Starts `provider` in a child process and answers null when it can run here, else why not (the
 * child's last line, not its native chatter). Only the verdict crosses; stderr is dropped.
 */
export function probeInChild(provider: string, reason: (message: string) => string): Promise<string | null> {
  let ortEntry: string
  try {
    ortEntry = createRequire(import.meta.url).resolve('onnxruntime-node')
  } catch {
    return Promise.resolve('onnxruntime-node could not be found for the probe')
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ELECTRON_RUN_AS_NODE: '1', // inside Electron, execPath is Electron: make it behave as Node
    KONTEXT_PROBE_ORT: ortEntry,
    KONTEXT_PROBE_MODEL: Buffer.from(identityModelBytes()).toString('base64'),
    KONTEXT_PROBE_PROVIDER: provider,
  }
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', CHILD_SCRIPT], { env, timeout: PROBE_TIMEOUT_MS, windowsHide: true }, (error, stdout) => {
      const last = stdout.trim().split('\n').pop() ?? ''
      try {
        const verdict = JSON.parse(last) as { ok: boolean; message?: string }
        resolve(verdict.ok ? null : reason(verdict.message ?? 'it failed to start'))
      } catch {
        resolve(error?.killed ? `the probe did not answer within ${PROBE_TIMEOUT_MS / 1000} s` : 'the probe process failed')
      }
    })
  })
}
