import { globSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { InputError } from '../errors.js';
import { splitList } from './parsers.js';
import { readTextInputFile } from './read-file.js';

export interface VclFile {
  /** The custom VCL's name in Fastly: the file name without `.vcl`. */
  readonly name: string;
  readonly path: string;
  readonly content: string;
}

/** Expands the `vcl-files` paths and globs, reads every file, and refuses what Fastly could not take. */
export function readVclFiles(input: string): VclFile[] {
  const byName = new Map<string, VclFile>();
  for (const pattern of splitList(input)) {
    const paths = globSync(pattern).filter(isFile).sort();
    if (paths.length === 0) {
      throw new InputError(`Input 'vcl-files' must name existing .vcl files; '${pattern}' matches no file`);
    }
    for (const path of paths) {
      if (!path.endsWith('.vcl')) {
        throw new InputError(`Input 'vcl-files' must name .vcl files, got '${path}'`);
      }
      const name = basename(path, '.vcl');
      const clash = byName.get(name);
      if (clash && clash.path !== path) {
        throw new InputError(`Input 'vcl-files' names two files that would both be the VCL '${name}': '${clash.path}' and '${path}'`);
      }
      const content = readTextInputFile('vcl-files', path);
      if (content.trim() === '') throw new InputError(`Input 'vcl-files' names an empty file, '${path}'`);
      byName.set(name, { name, path, content });
    }
  }
  return [...byName.values()];
}

/** A link to nowhere matches a glob but cannot be uploaded: it counts as no file. */
function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}
