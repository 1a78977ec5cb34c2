/**
 * @module The little of the DOM the page uses, declared here: the project's type check is Node's
 * (the DOM's own types clash with Node's), and these declarations stay inside this module. The
 * names are the browser's own globals; esbuild leaves them as they are.
 */

export interface DomEvent {
  readonly target: unknown;
  preventDefault(): void;
}

export interface DomElement {
  innerHTML: string;
  textContent: string | null;
  hidden: boolean;
  readonly clientWidth: number;
  readonly dataset: Record<string, string | undefined>;
  addEventListener(type: string, listener: (event: DomEvent) => void): void;
  closest(selector: string): DomElement | null;
  querySelectorAll(selector: string): Iterable<DomElement>;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  focus(): void;
}

/** An `<input>`, `<select>` or `<button>`. */
export interface DomControl extends DomElement {
  value: string;
  disabled: boolean;
}

interface DomDocument {
  readonly hidden: boolean;
  getElementById(id: string): DomElement | null;
  addEventListener(type: string, listener: () => void): void;
}

interface DomStorage {
  getItem(name: string): string | null;
  setItem(name: string, value: string): void;
  removeItem(name: string): void;
}

interface DomWindow {
  addEventListener(type: string, listener: () => void): void;
}

declare const document: DomDocument;
declare const sessionStorage: DomStorage;
declare const window: DomWindow;

export const page: DomDocument = document;
/** This tab's storage: gone when the tab closes, never sent by the browser on its own. */
export const tabStorage: DomStorage = sessionStorage;

/** Calls `listener` when the window changes size (the charts follow its width). */
export function onResize(listener: () => void): void {
  window.addEventListener('resize', listener);
}

/** The element with this id; the page's HTML has every id the script names. */
export function byId<T extends DomElement = DomElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element as T;
}
