/** @module Types of embed.mjs (build-time code, plain JavaScript so build scripts run it as is). */

export declare const UI_MODULE: 'virtual:gemini-proxy-ui';
export declare function uiModule(): Promise<{ source: string; files: string[] }>;
export declare function uiEsbuildPlugin(): { name: string; setup(builder: unknown): void };
export declare function uiVitePlugin(): {
  name: string;
  resolveId(id: string): string | undefined;
  load(id: string): Promise<string | undefined>;
};
