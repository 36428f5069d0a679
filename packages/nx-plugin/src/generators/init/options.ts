/** Options of `nx g @dagcache/nx:init`. */
export interface InitGeneratorSchema {
  /** Cache folder relative to the workspace root. Default `.dagcache`. */
  path?: string;
  /** Accepted for `nx add` (which passes it to every init generator); dagcache adds no package versions. */
  keepExistingVersions?: boolean;
}
