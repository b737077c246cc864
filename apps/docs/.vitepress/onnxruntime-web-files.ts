import { copyFileSync, createReadStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Where the site serves onnxruntime-web's WebAssembly files, below its base. */
export const ORT_FOLDER = 'ort/';

/**
 * The export condition that makes `import 'onnxruntime-web'` resolve to its build without the WebAssembly
 * loader inlined (`dist/ort.min.mjs`): that build fetches the loader (`.mjs`) and the `.wasm` from
 * `env.wasm.wasmPaths`, which the demo points at the site's own copy, so no bundler-hashed 28 MB duplicate is
 * emitted and everything is served from one place.
 */
export const ORT_EXTERN_WASM_CONDITION = 'onnxruntime-web-use-extern-wasm';

/**
 * The builds of onnxruntime-web that `@yolokit/backend-onnx/web` imports: `onnxruntime-web/wasm` (WebAssembly
 * only, `ort-wasm-simd-threaded.wasm`, 14 MB) when the demo runs on WebAssembly, `onnxruntime-web` (with the
 * WebGPU kernels, `ort-wasm-simd-threaded.jsep.wasm`, 28 MB) when it asks for WebGPU.
 */
const BUILDS = ['.', './wasm'] as const;

/**
 * The WebAssembly files (and their `.mjs` loaders) that the browser builds of onnxruntime-web the demo bundles
 * load at run time. They are read from the installed package, never from a CDN, so the site works offline.
 * The names are taken from those very builds, so an upgrade of onnxruntime-web that renames them cannot leave the
 * site serving stale files.
 */
export function onnxRuntimeWebFiles(): string[] {
  // The onnxruntime-web that `@yolokit/backend-onnx/web` imports, which is the one the demo bundles. It does
  // not export its package.json: resolve its entry and walk up from dist/.
  const require = createRequire(createRequire(import.meta.url).resolve('@yolokit/backend-onnx/package.json'));
  const dist = dirname(require.resolve('onnxruntime-web'));
  const manifest = JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')) as {
    version: string;
    exports: Record<string, { import?: Record<string, string> }>;
  };
  const names = new Set<string>();
  for (const entry of BUILDS) {
    const build = manifest.exports[entry]?.import?.[ORT_EXTERN_WASM_CONDITION];
    if (!build) throw new Error(`onnxruntime-web ${manifest.version}: no '${ORT_EXTERN_WASM_CONDITION}' build of '${entry}' in its exports map; update .vitepress/onnxruntime-web-files.ts`);
    const code = readFileSync(join(dist, '..', build), 'utf8');
    const matches = [...code.matchAll(/ort-wasm-simd-threaded[\w.]*?\.(?:wasm|mjs)/g)];
    if (matches.length === 0) throw new Error(`onnxruntime-web ${manifest.version}: ${build} names no ort-wasm-* file; update .vitepress/onnxruntime-web-files.ts`);
    for (const match of matches) {
      // Each loader (.mjs) instantiates the .wasm of the same name.
      const stem = match[0].replace(/\.(?:wasm|mjs)$/, '');
      names.add(`${stem}.mjs`);
      names.add(`${stem}.wasm`);
    }
  }
  const files = [...names].sort().map((name) => join(dist, name));
  const missing = files.filter((file) => !existsSync(file));
  if (missing.length > 0) throw new Error(`onnxruntime-web ${manifest.version}: missing ${missing.join(', ')}`);
  return files;
}

/** Copies {@link onnxRuntimeWebFiles} into `<outDir>/ort/`. */
export function copyOnnxRuntimeWebFiles(outDir: string): string[] {
  const target = join(outDir, ORT_FOLDER);
  mkdirSync(target, { recursive: true });
  const copied: string[] = [];
  for (const file of onnxRuntimeWebFiles()) {
    copyFileSync(file, join(target, basename(file)));
    copied.push(basename(file));
  }
  return copied;
}

/**
 * The part of a Vite plugin used here, typed structurally: the workspace holds two Vite majors (VitePress's own
 * and vitest's), and their `Plugin` types do not mix.
 */
interface DevServerPlugin {
  name: string;
  apply: 'serve';
  configureServer(server: { middlewares: { use(handler: (request: IncomingMessage, response: ServerResponse, next: () => void) => void): void } }): void;
}

/** Serves {@link onnxRuntimeWebFiles} under `<base>ort/` in `vitepress dev`. */
export function serveOnnxRuntimeWebFiles(base: string): DevServerPlugin {
  return {
    name: 'yolokit-docs:onnxruntime-web-files',
    apply: 'serve',
    configureServer(server) {
      const files = new Map(onnxRuntimeWebFiles().map((file) => [basename(file), file]));
      const prefix = `${base}${ORT_FOLDER}`;
      server.middlewares.use((request, response, next) => {
        const path = (request.url ?? '').split('?')[0];
        const file = path.startsWith(prefix) ? files.get(path.slice(prefix.length)) : undefined;
        if (!file) return next();
        response.setHeader('Content-Type', file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
        createReadStream(file).pipe(response);
      });
    },
  };
}
