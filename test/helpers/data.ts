import { writeFileSync } from 'node:fs';

/**
 * Write 4 well-separated gaussian blobs of `perBlob` rows (std 1, centres 12 apart) in 3-D to `path`, seeded;
 * columns x, y, z and `label` (the planted blob). Returns the path.
 */
export function writeSeparatedBlobs(path: string, perBlob = 100, seed = 12345): string {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const centres = [
    [0, 0, 0],
    [12, 0, 0],
    [0, 12, 0],
    [0, 0, 12],
  ];
  const lines = ['x,y,z,label'];
  centres.forEach((c, label) => {
    for (let i = 0; i < perBlob; i++)
      lines.push([...c.map((v) => (v + gauss()).toFixed(5)), label].join(','));
  });
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}
