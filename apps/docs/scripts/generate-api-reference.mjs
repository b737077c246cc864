// Generates the API reference (Markdown pages under api/, and api/typedoc-sidebar.json for the sidebar) from
// the TSDoc of every workspace package's public entry points. Run by `npm run build` before VitePress; the
// output is not committed (see .gitignore), so the reference cannot drift from the code.
//
// Entry points are read from each package's `exports` map, so a new package or entry is documented without
// touching this script: `./dist/<name>.js` is documented from `src/<name>.ts`. The CLI's `bin` entry is left out
// (it is a program, not an API), and so are `browser` variants (same API, another image decoder).
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, Converter, ReflectionKind } from 'typedoc';

const docsRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(docsRoot, '../..');
const outDir = join(docsRoot, 'api');

/** `{ file, specifier }` for every public entry of every package under packages/. */
export function publicEntryPoints() {
  const entries = [];
  const packagesDir = join(repoRoot, 'packages');
  for (const folder of readdirSync(packagesDir).sort()) {
    const manifestPath = join(packagesDir, folder, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (manifest.private) continue;
    const bins = new Set(Object.values(manifest.bin ?? {}).map((path) => path.replace(/^\.\//, '')));
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      // `./internal` entries hold helpers shared between yolokit's packages: not API, not documented.
      if (subpath === './package.json' || subpath === './internal') continue;
      const built = typeof target === 'string' ? target : (target.import?.default ?? target.default);
      if (typeof built !== 'string') throw new Error(`${manifest.name}: cannot read the built file of exports["${subpath}"]`);
      if (bins.has(built.replace(/^\.\//, ''))) continue;
      const source = join(packagesDir, folder, built.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'));
      if (!existsSync(source)) {
        throw new Error(`${manifest.name}: exports["${subpath}"] is ${built}, but its source ${relative(repoRoot, source)} does not exist`);
      }
      entries.push({ file: source, specifier: subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}` });
    }
  }
  return entries;
}

async function main() {
  const entries = publicEntryPoints();
  const specifierOf = new Map(entries.map((entry) => [entry.file, entry.specifier]));
  rmSync(outDir, { recursive: true, force: true });

  const app = await Application.bootstrapWithPlugins({
    entryPoints: entries.map((entry) => entry.file),
    entryPointStrategy: 'resolve',
    tsconfig: join(docsRoot, 'tsconfig.api.json'),
    plugin: ['typedoc-plugin-markdown', 'typedoc-vitepress-theme'],
    out: outDir,
    docsRoot,
    name: 'API reference',
    readme: 'none',
    excludeScopesInPaths: true,
    // Type errors belong to each package's own typecheck; the reference documents what the sources say.
    skipErrorChecking: true,
    excludeInternal: true,
    excludePrivate: true,
    hideBreadcrumbs: false,
    hidePageHeader: true,
    sort: ['kind', 'alphabetical'],
    useCodeBlocks: true,
    parametersFormat: 'table',
    interfacePropertiesFormat: 'table',
    classPropertiesFormat: 'table',
    typeDeclarationFormat: 'table',
    sidebar: { autoConfiguration: true, format: 'vitepress', pretty: true, collapsed: true },
    validation: { notExported: false, invalidLink: false, rewrittenLink: false },
    logLevel: 'Warn',
  });

  // Sources are named as plain `Defined in: packages/<name>/src/<file>.ts:<line>` text: this clone has no
  // hosted remote to link to, and TypeDoc's warning about that says nothing actionable here.
  const warn = app.logger.warn.bind(app.logger);
  app.logger.warn = (message, ...rest) => {
    if (/git remote .* was not valid/.test(String(message))) return;
    warn(message, ...rest);
  };

  // Name each module after the specifier users import, not after its file path.
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.getChildrenByKind(ReflectionKind.Module)) {
      const file = module.sources?.[0]?.fullFileName ?? context.project.getSymbolIdFromReflection?.(module)?.fileName;
      const specifier = file ? specifierOf.get(resolve(file)) : undefined;
      if (specifier) module.name = specifier;
    }
  });

  const project = await app.convert();
  if (!project) throw new Error('TypeDoc could not convert the packages (see the messages above)');
  const unnamed = project.getChildrenByKind(ReflectionKind.Module).filter((module) => !module.name.startsWith('@yolokit/'));
  if (unnamed.length > 0) throw new Error(`API reference: modules not mapped to a package entry: ${unnamed.map((m) => m.name).join(', ')}`);
  await app.generateOutputs(project);
  if (app.logger.hasErrors()) throw new Error('TypeDoc reported errors (see above)');
  console.log(`API reference: ${entries.length} entry points (${entries.map((entry) => entry.specifier).join(', ')}) -> ${relative(docsRoot, outDir)}/`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
