// node:fs with the globSync that Node 20 lacks, supplied by the glob package.
import fs from 'node:fs';
export * from 'node:fs';
export { globSync } from 'glob';
export default fs;
