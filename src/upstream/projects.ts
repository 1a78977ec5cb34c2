/**
 * @module Which keys share a Google Cloud project, and so one quota. Google limits requests per
 * project and per model, not per key: keys of one project cool together. Two sources say so: the
 * operator's `project=` label in api_keys.txt, and the project Google names in its error bodies
 * (`projects/NNN`, learned). Two keys share a project when they share either (transitively).
 * Pure.
 */

/** What is known of one key's project. */
export interface ProjectFacts {
  readonly keyId: string;
  /** The operator's label: a name, or `projects/NNN` for a label of digits. */
  readonly declared: string | undefined;
  /** What Google's error bodies said: `projects/NNN`. */
  readonly learned: string | undefined;
}

/** A project and its keys, as /status and /metrics show it. */
export interface ProjectSummary {
  /** The first operator label among its keys (in list order), else Google's `projects/NNN`. */
  readonly id: string;
  readonly keyIds: readonly string[];
  /** The Google projects learned for its keys (several means the labels disagree with Google). */
  readonly learned: readonly string[];
}

const isGoogleProject = (id: string): boolean => id.startsWith('projects/');

/** A union-find over project names: labels and Google projects one key ties together are one. */
class Unions {
  readonly #parent = new Map<string, string>();

  root(name: string): string {
    let root = name;
    for (let parent = this.#parent.get(root); parent !== undefined && parent !== root; parent = this.#parent.get(root)) {
      root = parent;
    }
    this.#parent.set(name, root); // a new name is its own root; an old one now points at its root
    return root;
  }

  join(a: string, b: string): void {
    const [rootA, rootB] = [this.root(a), this.root(b)];
    if (rootA !== rootB) this.#parent.set(rootB, rootA);
  }
}

/**
 * Groups keys into projects: key id → project id, for every key with a label or a learned
 * project (keys without either are alone, and absent). A group's id is its first operator label
 * in list order, so an operator reads their own names; a group without one is named by Google.
 */
export function groupProjects(facts: readonly ProjectFacts[]): Map<string, string> {
  const unions = new Unions();
  for (const { declared, learned } of facts) {
    if (declared !== undefined && learned !== undefined) unions.join(declared, learned);
  }
  const names = new Map<string, string>();
  for (const { declared, learned } of facts) {
    for (const name of [declared, learned]) {
      if (name === undefined) continue;
      const root = unions.root(name);
      const current = names.get(root);
      // A label beats a Google number; otherwise the first seen stays.
      if (current === undefined || (isGoogleProject(current) && !isGoogleProject(name))) names.set(root, name);
    }
  }
  const groups = new Map<string, string>();
  for (const { keyId, declared, learned } of facts) {
    const name = declared ?? learned;
    if (name !== undefined) groups.set(keyId, names.get(unions.root(name)) ?? name);
  }
  return groups;
}

/** Each key's project as `groupProjects` made it, and its learned Google project. */
export interface GroupedKey {
  readonly keyId: string;
  readonly project: string | undefined;
  readonly learned: string | undefined;
}

/** The projects of `keys`, in list order of their first key. */
export function summarizeProjects(keys: readonly GroupedKey[]): ProjectSummary[] {
  const byId = new Map<string, { keyIds: string[]; learned: Set<string> }>();
  for (const { keyId, project, learned } of keys) {
    if (project === undefined) continue;
    let entry = byId.get(project);
    if (entry === undefined) {
      entry = { keyIds: [], learned: new Set() };
      byId.set(project, entry);
    }
    entry.keyIds.push(keyId);
    if (learned !== undefined) entry.learned.add(learned);
  }
  return [...byId].map(([id, { keyIds, learned }]) => ({ id, keyIds, learned: [...learned] }));
}
