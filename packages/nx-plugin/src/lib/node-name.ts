/**
 * The dagcache node name of an Nx task: `project:target` or `project:target:configuration`.
 * It is also Nx's task id, so `dagcache why lib-a:build` and `nx run lib-a:build` name the same thing.
 *
 * @example
 * ```ts
 * nodeName('lib-a', 'build');               // 'lib-a:build'
 * nodeName('app', 'build', 'production');   // 'app:build:production'
 * ```
 */
export function nodeName(project: string, target: string, configuration?: string | undefined): string {
  return configuration ? `${project}:${target}:${configuration}` : `${project}:${target}`;
}
