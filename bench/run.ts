// Runs every benchmark (or those named on the command line: `npm run bench -- core formats`).
const all = ['core', 'fingerprint', 'formats', 'orc', 'nx', 'temporal', 'stores'] as const;
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const which = wanted.length ? wanted : all;
for (const name of which) {
  const mod = await import(`./${name}.ts`).catch((err) => {
    console.error(`bench ${name}: cannot load (${(err as Error).message})`);
    return null;
  });
  if (mod) await mod.run();
}
