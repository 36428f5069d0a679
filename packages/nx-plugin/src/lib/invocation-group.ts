/** Environment variable holding the id of the current Nx invocation (set by the plugin's preTasksExecution hook). */
export const GROUP_ENV = 'DAGCACHE_NX_GROUP';

/**
 * The id shared by every task of one `nx run` / `nx run-many` / `nx affected` (`labels.group` of their
 * runs), so `dagcache runs` and the viewer show them together. Set by the plugin's `preTasksExecution`
 * hook from Nx's own invocation id; without the plugin registered, the Nx process id (the parent of the
 * task) stands in.
 */
export function invocationGroup(env: NodeJS.ProcessEnv = process.env): string {
  return env[GROUP_ENV] || `nx-pid-${process.ppid}`;
}
