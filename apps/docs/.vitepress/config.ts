import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type DefaultTheme, defineConfig } from 'vitepress';
import { copyOnnxRuntimeWebFiles, ORT_EXTERN_WASM_CONDITION, serveOnnxRuntimeWebFiles } from './onnxruntime-web-files';

const base = '/';
const apiSidebarFile = fileURLToPath(new URL('../api/typedoc-sidebar.json', import.meta.url));

/** The API reference's sidebar, written by scripts/generate-api-reference.mjs (run by `npm run build` / `dev`). */
function apiSidebar(): DefaultTheme.SidebarItem[] {
  if (!existsSync(apiSidebarFile)) {
    return [{ text: 'Not generated: run node scripts/generate-api-reference.mjs', link: '/api/' }];
  }
  return JSON.parse(readFileSync(apiSidebarFile, 'utf8')) as DefaultTheme.SidebarItem[];
}

const guide: DefaultTheme.SidebarItem[] = [
  {
    text: 'Guide',
    items: [
      { text: 'Getting started', link: '/guide/getting-started' },
      { text: 'Thread-safe inference', link: '/guide/thread-safe-inference' },
      { text: 'Queue workers on several machines', link: '/guide/queue-workers' },
      { text: 'Video, streams and tracking', link: '/guide/video-and-tracking' },
      { text: 'Serve over HTTP', link: '/guide/serve' },
      { text: 'Write a backend', link: '/guide/write-a-backend' },
    ],
  },
  {
    text: 'Tasks',
    items: [
      { text: 'Object detection', link: '/guide/detect' },
      { text: 'Instance segmentation', link: '/guide/segment' },
      { text: 'Pose estimation', link: '/guide/pose' },
      { text: 'Oriented boxes (OBB)', link: '/guide/obb' },
      { text: 'Classification', link: '/guide/classify' },
    ],
  },
  {
    text: 'Measure and try',
    items: [
      { text: 'Compare strategies', link: '/compare' },
      { text: 'Live demo', link: '/demo' },
    ],
  },
];

export default defineConfig({
  title: 'yolokit',
  description: 'Ultralytics YOLO detection, segmentation, pose, oriented boxes and classification in TypeScript: Node.js and browsers, thread-safe by construction.',
  base,
  lang: 'en',
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: `${base}favicon.svg` }]],
  // apps/docs/dist: where turbo expects a package's build output (turbo.json caches dist/**).
  outDir: 'dist',
  cleanUrls: false,
  lastUpdated: false,
  // The package READMEs are for GitHub and npm; the site has its own pages.
  srcExclude: ['**/README.md', 'examples/**', 'node_modules/**'],
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/getting-started', activeMatch: '/guide/' },
      { text: 'Compare strategies', link: '/compare' },
      { text: 'Live demo', link: '/demo' },
      { text: 'API', link: '/api/', activeMatch: '/api/' },
    ],
    sidebar: {
      '/guide/': guide,
      '/compare': guide,
      '/demo': guide,
      '/api/': [{ text: 'API reference', link: '/api/', items: apiSidebar() }],
    },
    search: { provider: 'local' },
    outline: { level: [2, 3] },
    footer: { message: 'AGPL-3.0-only. Models are Ultralytics exports, under their own licence.' },
  },
  markdown: {
    // Code samples are real files under examples/ (type-checked by `npm run typecheck`), included with <<<.
    lineNumbers: false,
  },
  vite: {
    plugins: [serveOnnxRuntimeWebFiles(base)],
    // onnxruntime-web's build that loads its .wasm from the site's copy under /ort/ (see onnxruntime-web-files.ts).
    resolve: { conditions: [ORT_EXTERN_WASM_CONDITION] },
    // onnxruntime-web splits itself into chunks (it imports its WebAssembly loader dynamically): workers must
    // be ES modules for that.
    worker: { format: 'es' },
    optimizeDeps: {
      exclude: ['onnxruntime-web'],
      // CommonJS reached only from the demo's worker, which the dev server discovers late (and then reloads the
      // page): pre-bundle it up front. The production build is not affected.
      include: ['@yolokit/backend-onnx > protobufjs/minimal.js'],
    },
    build: { chunkSizeWarningLimit: 2048 },
  },
  async buildEnd(siteConfig) {
    const copied = copyOnnxRuntimeWebFiles(siteConfig.outDir);
    console.log(`onnxruntime-web files served from ${base}ort/: ${copied.join(', ')}`);
  },
});
